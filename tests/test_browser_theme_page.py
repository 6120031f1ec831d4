"""A triager ticks items on a theme page, moves them with one "Move to…", then merges after confirming."""

import datetime as dt

import pytest
from sqlalchemy import select

from tests.browser import WIDTHS, chromium_page, live_server, screenshot, sign_in, too_wide
from tests.conftest import empty_tables, make_app
from tests.factories import make_feedback, make_user
from voc.extensions import db
from voc.models import Feedback, Theme
from voc.services import themes

pytestmark = pytest.mark.browser


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it (CSRF on): "Refunds" with four items, "Delivery" with one."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("triager", email="tri@example.com", name="Tariq Triager")
        refunds, delivery = Theme(label="refund slow", name="Refunds"), Theme(label="late", name="Delivery")
        db.session.add_all([refunds, delivery])
        db.session.commit()
        # Newest first on the page: the dates are set, not left to the shared factory counter.
        for days_ago, text in enumerate(
            (
                "My refund took three weeks",
                "Refund still not here",
                "Parcel left in the rain",
                "Refund form lost my bank details",
            )
        ):
            received_on = dt.date.today() - dt.timedelta(days_ago)
            make_feedback(theme_id=refunds.id, text=text, received_on=received_on)
        make_feedback(theme_id=delivery.id, text="The parcel came a day late")
        themes.refresh_sizes()
        db.session.commit()
        app.config["THEMES"] = (refunds.id, delivery.id)
    yield app
    empty_tables(app)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_tick_move_all_at_once_then_merge_after_confirming(csrf_app, database_url, width):
    refunds, delivery = csrf_app.config["THEMES"]
    with live_server(csrf_app) as base, chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, base, "tri@example.com")
        page.goto(f"{base}/themes/{refunds}")
        assert page.locator("#move-to option:checked").inner_text() == "Choose a theme…"
        for text in ("Parcel left in the rain", "Refund form lost my bank details"):
            page.locator("li.item", has_text=text).get_by_role("checkbox").check()
        page.select_option("#move-to", label="Delivery")
        assert too_wide(page) == []
        screenshot(page, f"theme-{width}", database_url)
        page.get_by_role("button", name="Move to…").click()
        page.wait_for_selector("text=2 items moved to “Delivery” and pinned there.")
        left = page.locator("ol.items p.text").all_inner_texts()
        assert left == ["My refund took three weeks", "Refund still not here"]

        page.locator("summary", has_text="Rename, merge").click()
        page.select_option("#into", label="Delivery")
        page.get_by_role("button", name="Merge…").click()
        summary = page.locator("#merge-summary").inner_text()
        assert summary == "Merge “Refunds” (2 items) into “Delivery” (3 items)?"
        with csrf_app.app_context():
            assert not db.session.get(Theme, refunds).retired  # nothing happens before the yes
        page.get_by_role("button", name="Yes, merge into “Delivery”").click()
        page.wait_for_selector("text=Themes merged")
        assert page.locator("h1").inner_text().strip() == "Delivery"
        assert page.locator("ol.items li.item").count() == 5
    with csrf_app.app_context():
        assert set(db.session.scalars(select(Feedback.theme_id))) == {delivery}
