"""A contributor makes an API token on My account, a script uses it, and revoking it stops it at once."""

import pytest

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it: CSRF on."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("contributor", email="dev@example.com", name="Dana Dev")
    yield app
    empty_tables(app)


def test_create_use_and_revoke_an_api_token(csrf_app):
    with live_server(csrf_app) as base, chromium_page() as page:
        sign_in(page, base, "dev@example.com")
        page.get_by_role("link", name="Dana Dev · contributor").click()
        page.wait_for_selector("h1:has-text('My account')")
        page.fill("#name", "Zendesk webhook")
        page.get_by_role("button", name="Create token").click()
        token = page.inner_text("#new-token")
        assert token.startswith("voc_")

        # The browser's own signed-in session is not enough for the API: the token is.
        assert page.request.get(base + "/api/v1/feedback").status == 401
        bearer = {"Authorization": f"Bearer {token}"}
        stored = page.request.post(
            base + "/api/v1/feedback", headers=bearer, data={"text": "Agent was rude", "channel": "ticket"}
        )
        assert stored.status == 201 and stored.json()["created"] == 1

        page.goto(base + "/account/")
        assert token not in page.content()
        row = page.locator("#tokens tr", has_text="Zendesk webhook")
        assert "never" not in row.inner_text()  # last used just now
        page.get_by_role("button", name="Revoke “Zendesk webhook”").click()
        page.wait_for_selector("text=revoked: it no longer works")
        assert page.request.get(base + "/api/v1/feedback", headers=bearer).status == 401
