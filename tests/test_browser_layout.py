"""Finding your way: grouped navigation, the current page marked, a skip link, and pages that fit a phone."""

import datetime as dt

import pytest

from tests.browser import WIDTHS, chromium_page, live_server, screenshot, sign_in, too_wide
from tests.conftest import empty_tables, make_app
from tests.factories import make_user
from voc.services import demo

pytestmark = pytest.mark.browser

# Each page with the navigation entry that should be marked as the current one.
PAGES = [
    ("/", "Dashboard"),
    ("/feedback/", "Feedback"),
    ("/feedback/new", "Feedback"),
    ("/themes/", "Themes"),
    ("/hits/", "Hit list"),
    ("/hits/inbox", "Hit list"),
    ("/roadmap/", "Roadmap"),
    ("/interviews/", "Interviews"),
    ("/interviews/new", "Interviews"),
    ("/customers/", "Customers"),
    ("/surveys/", "Surveys"),
    ("/imports/", "Import"),
    ("/audit/", "Audit log"),
    ("/users/", "Users"),
]


@pytest.fixture
def demo_app(database_url):
    """The app as users get it (CSRF on), with the demo company loaded."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("admin", email="admin@example.com", name="Ada Admin")
        make_user("viewer", email="viewer@example.com", name="Vic Viewer")
        demo.load_demo(dt.date.today())
    yield app
    empty_tables(app)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_page_marks_where_you_are_and_fits_the_screen(demo_app, database_url, width):
    with live_server(demo_app) as base, chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, base, "admin@example.com")
        nav = page.get_by_role("navigation", name="Main")
        for path, current in PAGES:
            page.goto(base + path)
            if path == "/feedback/":
                screenshot(page, f"feedback-{width}", database_url)
            marked = nav.locator("[aria-current=page]")
            assert marked.all_text_contents() == [current], path  # admin links sit folded in their menu
            assert too_wide(page) == [], f"{path} scrolls sideways at {width} px"
        page.goto(base + "/")
        # The work comes first, in the team's order; the admin pages wait behind one menu.
        visible = [a.inner_text() for a in nav.locator("a").all() if a.is_visible()]
        assert visible == [
            "Dashboard",
            "Feedback",
            "Themes",
            "Hit list",
            "Roadmap",
            "Interviews",
            "Customers",
            "Surveys",
        ]
        nav.get_by_text("Admin").click()
        assert nav.get_by_role("link", name="Webhooks").is_visible()
        screenshot(page, f"navigation-{width}", database_url)
        nav.get_by_role("link", name="Journey stages").click()
        page.wait_for_selector("h1:has-text('Journey stages')")
        assert page.locator("nav .nav-admin summary.current").inner_text() == "Admin"


def test_skip_link_and_focus_ring_for_keyboard_users(demo_app):
    with live_server(demo_app) as base, chromium_page() as page:
        sign_in(page, base, "viewer@example.com")
        page.goto(base + "/feedback/")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        assert skip.evaluate("a => a === document.activeElement") and skip.is_visible()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "content"
        page.keyboard.press("Tab")  # the first control of the page itself, past the navigation
        assert page.evaluate("document.getElementById('content').contains(document.activeElement)")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"


def test_viewer_sees_no_menu_they_may_not_use(demo_app):
    with live_server(demo_app) as base, chromium_page() as page:
        sign_in(page, base, "viewer@example.com")
        nav = page.get_by_role("navigation", name="Main")
        assert nav.get_by_text("Admin").count() == 0
        assert nav.get_by_role("link", name="Import").count() == 0
        assert nav.locator("[aria-current=page]").inner_text() == "Dashboard"
