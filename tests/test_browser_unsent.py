"""A form sent after the session expired comes back as typed once the person signs in again."""

import pytest
from sqlalchemy import select

from tests.browser import chromium_page, live_server, pick_customer
from tests.conftest import empty_tables, make_app
from tests.factories import PASSWORD, make_customer, make_user
from voc.extensions import db
from voc.models import Feedback, Interview

pytestmark = pytest.mark.browser


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it: CSRF on."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("contributor", email="field@example.com", name="Fatima Field")
        make_customer(name="Grace Hopper", organisation="Hopper Bakery")
    yield app
    empty_tables(app)


def sign_in(page):
    page.fill("#email", "field@example.com")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_expired_session_brings_the_half_typed_interview_back_after_signing_in(csrf_app):
    with live_server(csrf_app) as base, chromium_page() as page:
        page.goto(base + "/login")
        sign_in(page)
        page.wait_for_selector("h1")
        page.goto(base + "/interviews/new")
        pick_customer(page, "grace", "Grace Hopper (Hopper Bakery)")
        page.fill("#place", "Hopper Bakery, Market St")
        page.fill("#duration_minutes", "50")
        page.fill("#notes", "Long talk <b>about</b> the bill")
        page.fill("#quotes-0-text", "Your price page hides the standing charge")
        page.select_option("#quotes-0-stage", label="Consider")
        page.get_by_role("button", name="Add another quote").click()
        page.fill("#quotes-2-text", "The third thing she said")

        page.context.clear_cookies()  # the idle timeout: the session cookie is gone
        page.get_by_role("button", name="Save interview").click()
        page.wait_for_selector("text=Your session expired, so nothing was saved yet.")
        assert "/login" in page.url
        sign_in(page)

        page.wait_for_selector("text=What you typed before is back in the form")
        assert page.input_value("#place") == "Hopper Bakery, Market St"
        assert page.input_value("#duration_minutes") == "50"
        assert page.input_value("#notes") == "Long talk <b>about</b> the bill"
        assert page.input_value("#quotes-0-text") == "Your price page hides the standing charge"
        assert page.eval_on_selector("#quotes-0-stage", "s => s.selectedOptions[0].text") == "Consider"
        assert page.input_value("#quotes-2-text") == "The third thing she said"
        assert page.input_value("#customer") == "Grace Hopper (Hopper Bakery)"
        page.get_by_role("button", name="Save interview").click()
        page.wait_for_selector("text=Interview saved with 2 quotes.")

    with csrf_app.app_context():
        interview = db.session.scalar(select(Interview))
        assert interview.place == "Hopper Bakery, Market St"
        assert interview.notes == "Long talk <b>about</b> the bill"
        assert interview.customer.name == "Grace Hopper"
        assert set(db.session.scalars(select(Feedback.text))) == {
            "Your price page hides the standing charge",
            "The third thing she said",
        }


def test_a_stale_token_while_signed_in_keeps_the_feedback_form(csrf_app):
    with live_server(csrf_app) as base, chromium_page() as page:
        page.goto(base + "/login")
        sign_in(page)
        page.wait_for_selector("h1")
        page.goto(base + "/feedback/new")
        page.fill("#text", "The meter reading page lost my numbers")
        page.eval_on_selector("form:has(#text) input[name=csrf_token]", "e => e.value = 'stale'")
        page.locator("form:has(#text) [type=submit]").click()
        page.wait_for_selector("text=The form had expired, so nothing was saved yet.")
        assert page.input_value("#text") == "The meter reading page lost my numbers"
        page.locator("form:has(#text) [type=submit]").click()
        page.wait_for_url("**/feedback/*")
    with csrf_app.app_context():
        assert db.session.scalar(select(Feedback.text)) == "The meter reading page lost my numbers"
