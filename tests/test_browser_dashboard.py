"""A manager opens the dashboard on the demo company, sees the charts and follows a theme to its items."""

import datetime as dt
import re

import pytest

from tests.browser import chromium_page, live_server, screenshot, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_user
from voc.services import demo, themes

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_app(database_url):
    """The app as users get it (CSRF on), with the demo company loaded and its themes found."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False)
    with app.app_context():
        make_user("viewer", email="manager@example.com", name="Mona Manager")
        demo.load_demo(dt.date.today())
        themes.run_now(None)
    yield app
    empty_tables(app)


def canvas_has_ink(page, selector: str) -> bool:
    """Whether anything was painted on the canvas (any pixel not fully transparent)."""
    return page.eval_on_selector(
        selector,
        """canvas => {
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
            return false;
        }""",
    )


def test_dashboard_charts_and_a_theme_through_to_its_feedback(demo_app, database_url):
    with live_server(demo_app) as base, chromium_page() as page:
        # CSP refusals and script errors reach the console; failed loads are caught by URL instead,
        # as the console line for them names no URL (and Chromium's own favicon request 404s).
        errors = []
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        sign_in(page, base, "manager@example.com")
        page.wait_for_selector("h1:has-text('Feedback by journey stage')")
        assert page.locator("h2.stage-name").all_inner_texts()[:3] == ["Awareness", "Consider", "Action"]

        page.select_option("#period", "90")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(r"period=90"))
        for name in ("volume", "sentiment", "theme"):
            page.wait_for_selector(f"#chart-{name}[data-drawn=yes]")
            assert canvas_has_ink(page, f"#chart-{name}"), name
            # Readable at a glance: a tall chart with type larger than Chart.js's 12 px default.
            assert page.eval_on_selector(f"#chart-{name}", "c => c.getBoundingClientRect().height") >= 320
        assert page.evaluate("Chart.defaults.font.size") == 14
        assert errors == []
        screenshot(page, "dashboard", database_url)

        column = page.locator("section.stage-column", has=page.locator("h2", has_text="Action"))
        theme = column.locator(".top-themes li").first
        title = theme.locator("a").inner_text()
        count = int(theme.locator(".num").inner_text())
        theme.locator("a").click()
        page.wait_for_selector("h1:has-text('Feedback')")
        assert page.inner_text("p.count") == f"{count} item{'' if count == 1 else 's'}"
        assert page.locator("#theme option:checked").inner_text() == title
        assert page.locator("#stage option:checked").inner_text() == "Action"
        assert page.locator(".item .tag.stage").all_inner_texts() == ["Action"] * min(count, 50)
