"""The roadmap's print view, as Chromium lays it out for Save as PDF."""
import pytest

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def print_app(database_url):
    app = make_app(database_url, TESTING=False)
    with app.app_context():
        make_user("viewer", email="reader@example.com")
    yield app
    empty_tables(app)


def test_first_page_starts_with_the_first_horizon_and_each_later_one_breaks(print_app):
    with live_server(print_app) as base, chromium_page() as page:
        sign_in(page, base, "reader@example.com")
        page.wait_for_selector("h1")
        page.emulate_media(media="print")
        page.goto(base + "/roadmap/print")
        breaks = page.eval_on_selector_all(
            "section.horizon", "sections => sections.map(s => getComputedStyle(s).breakBefore)"
        )
        assert breaks == ["auto", "page", "page", "page", "page"]
        assert len(page.pdf(format="A4")) > 0
