"""The roadmap's print view as Chromium lays it out for PDF: a summary page, then one page per horizon."""

import re

import pytest

from tests.browser import chromium_page, live_server, screenshot, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_hit, make_user

pytestmark = pytest.mark.browser
# CSS pixels of each paper at 96 dpi, for a picture of the first page as it prints.
PAPER = {"a4": (794, 1123), "letter": (816, 1056)}


@pytest.fixture
def print_app(database_url):
    app = make_app(database_url, TESTING=False)
    with app.app_context():
        make_user("viewer", email="reader@example.com")
        make_hit(title="Refunds in a week", horizon="this month")
        make_hit(title="Bills from real readings", horizon="this year", impact=5)
    yield app
    empty_tables(app)


@pytest.mark.parametrize("paper", PAPER)
def test_summary_grid_on_page_one_then_each_horizon_on_its_own_page(print_app, database_url, paper):
    with live_server(print_app) as base, chromium_page() as page:
        sign_in(page, base, "reader@example.com")
        page.wait_for_selector("h1")
        page.emulate_media(media="print")
        width, height = PAPER[paper]
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{base}/roadmap/print?paper={paper}")
        summary = page.locator("#summary table")
        assert summary.locator("thead th").all_inner_texts() == [
            "Stage",
            "This week",
            "This month",
            "This year",
            "Year 2",
            "Year 3",
        ]
        action = summary.locator("tbody tr", has=page.locator("th", has_text="Action"))
        assert "Refunds in a week" in action.locator("td").nth(1).inner_text()
        assert "Bills from real readings" in action.locator("td").nth(2).inner_text()
        # The app's look, not a plain serif page.
        assert "Georgia" not in page.evaluate("getComputedStyle(document.body).fontFamily")
        assert (
            page.evaluate("getComputedStyle(document.querySelector('.print-head')).backgroundColor")
            == "rgb(29, 35, 48)"
        )
        breaks = page.eval_on_selector_all(
            "section.summary, section.horizon",
            "sections => sections.map(s => getComputedStyle(s).breakBefore)",
        )
        assert breaks == ["auto", "page", "page", "page", "page", "page"]
        pdf = page.pdf(format="A4" if paper == "a4" else "Letter", print_background=True)
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 6  # the summary and five horizons
        if paper == "a4":  # page 1 of the PDF is what comes before the first page break
            page.evaluate("document.querySelectorAll('section.horizon').forEach((s) => { s.hidden = true; })")
            screenshot(page, "roadmap-print-page-1", database_url, full_page=False)
