"""A triager makes a hit from a theme, moves it to "this year" by keyboard, and records a follow-up."""

import os

import pytest

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_customer, make_feedback, make_user, stage_named
from voc.extensions import db
from voc.models import Theme

pytestmark = pytest.mark.browser
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it (CSRF on), with one theme raised by one customer."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("triager", email="tri@example.com", name="Tariq Triager")
        theme = Theme(label="smart meter engineer", name="Smart meter no-shows")
        db.session.add(theme)
        db.session.commit()
        grace = make_customer(name="Grace Hopper", consent_contact=True, consent_quote=True)
        make_feedback(
            theme_id=theme.id,
            customer=grace,
            stage=stage_named("Action"),
            text="Took a day off for the smart meter engineer and nobody came",
        )
        app.config["THEME_ID"] = theme.id
    yield app
    empty_tables(app)


def test_hit_from_theme_moved_to_this_year_then_loop_closed(csrf_app):
    theme_id = csrf_app.config["THEME_ID"]
    with live_server(csrf_app) as base, chromium_page() as page:
        sign_in(page, base, "tri@example.com")
        page.wait_for_selector("h1:has-text('Feedback')")

        page.get_by_role("link", name="Hit list").click()
        page.get_by_role("link", name="Triage inbox").click()
        row = page.locator(f"#theme-{theme_id}")
        # One compact row per theme: its choices unfold on demand.
        assert row.get_by_role("link", name="New hit from this theme").is_hidden()
        row.locator("summary", has_text="Triage").click()
        row.get_by_role("link", name="New hit from this theme").click()
        assert page.input_value("#title") == "Smart meter no-shows"
        assert page.locator("#stage_id option:checked").inner_text() == "Action"
        assert page.input_value("#horizon") == "this month"
        page.fill("#problem", "I took a day off and nobody came")
        page.get_by_role("button", name="Save hit").click()
        page.wait_for_selector("text=is on the hit list, proposed.")
        assert "reach 1 × impact 3 × confidence 80% ÷ effort 1 person-week = 2.4" in page.inner_text("#rice")
        hit_url = page.url

        page.get_by_role("link", name="Hit list").click()
        card = page.locator("[data-horizon='this month'] .card", has_text="Smart meter no-shows")
        # Keyboard only: pick the horizon in the card's select, then press its Move button.
        card.locator("select").focus()
        card.locator("select").select_option("this year")
        card.get_by_role("button", name="Move").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("text=moved to this year.")
        moved = page.locator("[data-horizon='this year'] .card-title").all_inner_texts()
        assert moved == ["Smart meter no-shows"]
        assert page.locator("[data-horizon='this month'] .card").count() == 0

        page.goto(hit_url)
        for status in ("planned", "in progress", "done"):
            page.select_option("#status", status)
            page.get_by_role("button", name="Change status").click()
            page.wait_for_selector(f"text=is now {status}.")
        assert "Loop closed with 0 of 1 customers." in page.inner_text("#loop-count")
        page.select_option("#customer_id", label="Grace Hopper")
        page.select_option("#method", "call")
        page.fill("#note", "Rang Grace: engineers now confirm the day before. She was pleased.")
        page.get_by_role("button", name="Record follow-up").click()
        page.wait_for_selector("text=Follow-up with Grace Hopper recorded.")
        assert "Loop closed with 1 of 1 customers." in page.inner_text("#loop-count")
        assert "engineers now confirm the day before" in page.inner_text("#loop-customers")
        page.get_by_role("button", name="Mark the loop closed").click()
        page.wait_for_selector("text=is now loop closed.")
        history = page.inner_text("#history")
        assert "Horizon" in history and "this month" in history and "this year" in history
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, "hit.png"), full_page=True)
