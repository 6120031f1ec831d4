"""A viewer picks a language on the feedback list and sees only that language's items, then opens one."""

import pytest

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_feedback, make_user

pytestmark = pytest.mark.browser

GERMAN = "Die Rückerstattung ist immer noch nicht angekommen"
RUSSIAN = "Приложение вылетает при каждом запуске"
ENGLISH = "The refund has still not arrived"


@pytest.fixture
def csrf_app(database_url):
    """The app as users get it: CSRF on."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("viewer", email="vera@example.com", name="Vera Viewer")
        for text, code in ((GERMAN, "de"), (RUSSIAN, "ru"), (ENGLISH, "en")):
            make_feedback(text=text, language=code)
    yield app
    empty_tables(app)


def test_filter_the_list_by_language_and_see_it_on_the_item(csrf_app):
    with live_server(csrf_app) as base, chromium_page() as page:
        sign_in(page, base, "vera@example.com")
        page.wait_for_selector("h1")
        page.goto(base + "/feedback/")
        page.select_option("#language", label="Russian")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_selector("text=1 item")
        texts = page.locator("li.item .text").all_inner_texts()
        assert texts == [RUSSIAN]
        # Items not in the main language say which language they are in.
        assert page.locator("li.item .language").inner_text() == "Russian"
        page.get_by_role("link", name=RUSSIAN).click()
        page.wait_for_selector("text=Language")
        assert page.locator("dt:has-text('Language') + dd").inner_text() == "Russian"
