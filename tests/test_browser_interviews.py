"""A field worker signs in, logs an interview with two quotes and finds them on the customer page."""

import os

import pytest

from tests.browser import chromium_page, live_server, pick_customer, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_customer, make_user

pytestmark = pytest.mark.browser
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it: CSRF on."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("contributor", email="field@example.com", name="Fatima Field")
        make_customer(name="Grace Hopper", organisation="Hopper Bakery")
    yield app
    empty_tables(app)


def test_log_interview_with_two_quotes_then_see_them_on_customer_page(csrf_app):
    with live_server(csrf_app) as base, chromium_page() as page:
        sign_in(page, base, "field@example.com")
        page.wait_for_selector("h1:has-text('Feedback')")

        page.goto(base + "/interviews/new")
        pick_customer(page, "hopp", "Grace Hopper (Hopper Bakery)")
        page.fill("#place", "Hopper Bakery, Market St")
        page.fill("#duration_minutes", "50")
        page.fill("#quotes-0-text", "Your price page hides the standing charge")
        page.select_option("#quotes-0-stage", label="Consider")
        page.fill("#quotes-1-text", "Switching took one phone call, lovely")
        page.select_option("#quotes-1-stage", label="Action")
        # The third row comes from JavaScript, without a page load.
        page.get_by_role("button", name="Add another quote").click()
        page.wait_for_selector("#quotes-2-text")
        assert page.input_value("#quotes-0-text") == "Your price page hides the standing charge"
        page.get_by_role("button", name="Save interview").click()
        page.wait_for_selector("text=Interview saved with 2 quotes.")

        page.click("h1 >> text=Grace Hopper")
        page.wait_for_selector("text=Everything Grace Hopper told us")
        timeline = page.inner_text("ol.timeline")
        assert "Your price page hides the standing charge" in timeline
        assert "Switching took one phone call, lovely" in timeline
        assert "Interview at Hopper Bakery, Market St" in timeline
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, "customer.png"), full_page=True)
