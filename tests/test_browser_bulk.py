"""A triager ticks items on the feedback list and sets their stage in one go, then moves them to a theme."""

import pytest
from sqlalchemy import select

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_feedback, make_user
from voc.extensions import db
from voc.models import Feedback, Theme

pytestmark = pytest.mark.browser


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it: CSRF on."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("triager", email="tara@example.com", name="Tara Triager")
        db.session.add(Theme(label="meter visits", size=0))
        for text in ("Meter engineer never came", "Meter visit cancelled twice", "Lovely staff"):
            make_feedback(text=text)
    yield app
    empty_tables(app)


def test_tick_items_set_their_stage_then_move_every_filtered_item_to_a_theme(csrf_app):
    with csrf_app.app_context():
        ids = dict(db.session.execute(select(Feedback.text, Feedback.id)).all())
    with live_server(csrf_app) as base, chromium_page() as page:
        sign_in(page, base, "tara@example.com")
        page.wait_for_selector("h1")
        page.goto(base + "/feedback/")
        page.get_by_label(f"Select item {ids['Meter engineer never came']}", exact=True).check()
        page.get_by_label(f"Select item {ids['Meter visit cancelled twice']}", exact=True).check()
        page.select_option("#bulk-action", "stage")
        page.select_option("#bulk-stage", label="Action")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_selector("text=Done: set the journey stage for 2 items.")
        staged = page.locator("li.item:has-text('Meter engineer never came') .tag.stage")
        assert staged.inner_text() == "Action"
        assert page.locator("li.item:has-text('Lovely staff') .tag.stage").count() == 0

        page.fill("#q", "meter")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_selector("text=2 items")
        page.select_option("#bulk-scope", "filtered")
        page.select_option("#bulk-action", "theme")
        page.select_option("#bulk-theme", label="meter visits")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_selector("text=Done: move to a theme for 2 items.")
        assert "q=meter" in page.url  # the filters stay as they were
    with csrf_app.app_context():
        themed = dict(db.session.execute(select(Feedback.text, Feedback.theme_id)).all())
        theme_id = db.session.scalar(select(Theme.id))
        assert themed == {
            "Meter engineer never came": theme_id,
            "Meter visit cancelled twice": theme_id,
            "Lovely staff": None,
        }
        assert db.session.get(Theme, theme_id).size == 2
