"""A live server and Debian's Chromium for browser tests (Playwright, no browser download)."""

import os
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from tests.conftest import skip_or_fail
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Screenshots go to tests/artifacts (not tracked); `make screenshots` points this at docs/screenshots.
SCREENSHOTS = os.environ.get("VOC_SCREENSHOTS_DIR") or os.path.join(os.path.dirname(__file__), "artifacts")
WIDTHS = {"wide": 1440, "phone": 390}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@contextmanager
def live_server(app):
    """Serve the app on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def chromium_page():
    """A fresh headless Chromium page, or a skip (a failure in CI) when it is missing."""
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"browser tests skipped: install Debian's chromium ({CHROMIUM})")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(10_000)
            yield page
        finally:
            browser.close()


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the form as a person does (every test user has the factories' password)."""
    page.goto(base + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def pick_customer(page, words: str, label: str) -> None:
    """Type into the customer picker and choose a suggestion with the keyboard, as a person would."""
    page.fill("#customer", "")
    page.type("#customer", words)
    page.wait_for_selector(f"[role=option]:has-text('{label}')")
    assert page.get_attribute("#customer", "aria-expanded") == "true"
    options = page.locator("[role=option]")
    for _ in range(options.count()):
        page.keyboard.press("ArrowDown")
        if page.inner_text("[role=option][aria-selected=true]") == label:
            break
    page.keyboard.press("Enter")
    assert page.input_value("#customer") == label


def screenshot(page, name: str, database_url: str, full_page: bool = True) -> None:
    """Save the page as NAME.png, once per run (on SQLite), for the docs and for a person to look at."""
    if database_url.startswith("sqlite"):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=full_page)


def too_wide(page) -> list[str]:
    """The elements that stick out past the right edge of the window (none: no sideways scrolling)."""
    return page.evaluate("""() => document.documentElement.scrollWidth <= window.innerWidth ? [] :
        [...document.querySelectorAll("body *")]
        .filter((e) => e.checkVisibility()
          && e.getBoundingClientRect().right > window.innerWidth + 1)
        .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
          + (e.className ? "." + e.className : ""))""")
