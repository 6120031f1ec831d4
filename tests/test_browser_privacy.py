"""A triager reveals masked personal data; an admin erases a customer and reads both in the audit log."""

import pytest

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_customer, make_feedback, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it: CSRF on, one customer whose feedback holds an e-mail and a phone."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("admin", email="ada@example.com", name="Ada Admin")
        customer = make_customer(name="Jo Bloggs", email="jo@example.com", consent_quote=True)
        make_feedback(text="Write to jo@example.com or ring 07700 900123 about my bill", customer=customer)
    yield app
    empty_tables(app)


def test_reveal_then_erase_then_read_the_audit_log(csrf_app):
    with live_server(csrf_app) as base, chromium_page() as page:
        sign_in(page, base, "ada@example.com")
        page.wait_for_selector("h1:has-text('Feedback')")
        page.goto(base + "/feedback/")
        page.click("text=Write to [email removed] or ring [phone removed]")
        assert "jo@example.com" not in page.inner_text("#feedback-text")
        page.get_by_role("button", name="Reveal").click()
        page.wait_for_selector("#revealed")
        assert "jo@example.com" in page.inner_text("#feedback-text")
        page.click("text=Mask again")
        assert "[email removed]" in page.inner_text("#feedback-text")

        page.click("dd >> text=Jo Bloggs")
        page.click("text=Erase…")
        page.get_by_role("button", name="Erase this customer").click()
        page.wait_for_selector("text=Tick the box to confirm the erasure.")
        page.check("#confirm")
        page.get_by_role("button", name="Erase this customer").click()
        page.wait_for_selector("#erased")
        assert "Jo Bloggs" not in page.inner_text("main")
        assert "[erased]" in page.inner_text("ol.timeline")

        page.click("nav >> text=Admin")  # the admin pages sit in one menu
        page.click("nav >> text=Audit log")
        log = page.inner_text("#audit")
        assert "Erased a customer" in log and "Revealed personal data" in log and "Signed in" in log
        page.select_option("#action", "reveal")
        page.get_by_role("button", name="Show").click()
        assert "Erased a customer" not in page.inner_text("#audit")
