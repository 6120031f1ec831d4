"""A leader opens a parent on the themes page, drills into one of its themes and back, then makes a hit."""

import os

import pytest

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_customer, make_feedback, make_user
from voc.extensions import db
from voc.models import Theme
from voc.services import themes

pytestmark = pytest.mark.browser
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it (CSRF on), with a parent over two themes and a theme of its own."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("triager", email="tri@example.com", name="Tariq Triager")
        parent = Theme(label="wifi, onboard", name="Wifi on board", is_parent=True)
        slow = Theme(label="slow, buffering", parent=parent)
        password = Theme(label="password, connect", parent=parent)
        tarmac = Theme(label="sitting, tarmac")
        db.session.add_all([parent, slow, password, tarmac])
        db.session.commit()
        customer = make_customer()
        for theme, count in ((slow, 3), (password, 2), (tarmac, 4)):
            for n in range(count):
                make_feedback(theme_id=theme.id, customer=customer, text=f"{theme.label} number {n}")
        themes.refresh_sizes()
        db.session.commit()
    yield app
    empty_tables(app)


def test_drill_down_from_a_parent_to_its_theme_and_a_hit_from_the_parent(csrf_app):
    with live_server(csrf_app) as base, chromium_page() as page:
        sign_in(page, base, "tri@example.com")
        page.wait_for_selector("h1:has-text('Feedback')")

        page.goto(base + "/themes/")
        row = page.locator("tr.parent", has_text="Wifi on board")
        assert row.locator("td.num").nth(1).inner_text() == "5"  # its two themes' items
        child = row.get_by_role("link", name="slow, buffering")
        assert not child.is_visible()  # folded until opened
        row.locator("summary").click()
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, "themes-parents.png"), full_page=True)
        child.click()
        page.wait_for_selector("h1:has-text('slow, buffering')")
        page.get_by_role("link", name="Wifi on board").click()
        page.wait_for_selector("h1:has-text('Wifi on board')")
        assert page.locator("#children tbody tr").count() == 2

        page.get_by_role("link", name="New hit from this theme").click()
        assert page.input_value("#title") == "Wifi on board"
        assert "5 items from 1 customer" in page.inner_text("body")
        page.screenshot(path=os.path.join(ARTIFACTS, "parent-hit.png"), full_page=True)
