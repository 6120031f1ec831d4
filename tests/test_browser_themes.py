"""A product owner reads the demo's themes page: every name is a phrase the customers wrote."""

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
        make_user("viewer", email="owner@example.com", name="Pat Owner")
        demo.load_demo(dt.date.today())
        themes.run_now(None)
    yield app
    empty_tables(app)


def as_written(text: str) -> str:
    """Lower-cased words with punctuation aside, space-padded, to check 'written word for word'."""
    return " " + " ".join(re.sub(r"[^\w']+|_", " ", text.lower().replace("\u2019", "'")).split()) + " "


def test_demo_theme_names_are_written_in_their_own_items(demo_app, database_url):
    with live_server(demo_app) as base, chromium_page() as page:
        sign_in(page, base, "owner@example.com")
        page.goto(base + "/themes/")
        # Themes on their own line, and the themes under each parent (parents have no items of their own).
        links = page.locator("table.themes tbody tr td:first-child > a, table.themes details.children li > a")
        names = links.all_text_contents()  # folded themes have no inner text until opened
        hrefs = [links.nth(i).get_attribute("href") for i in range(len(names))]
        assert len(names) >= 10
        screenshot(page, "themes", database_url)

        for name, href in zip(names, hrefs, strict=True):
            parts = [as_written(p).split() for p in name.split(",")]
            pairs = [(a, b) for i, a in enumerate(parts) for j, b in enumerate(parts) if i != j]
            assert not any(set(a) <= set(b) for a, b in pairs), name
            page.goto(base + href)
            items = [as_written(t) for t in page.locator("ol.items li.item p.text").all_inner_texts()]
            for part in parts:
                assert any(f" {' '.join(part)} " in item for item in items), (name, items[:3])


def test_triager_merges_similar_themes_in_one_click(demo_app):
    with demo_app.app_context():
        make_user("triager", email="triage@example.com")
        themes.run_now(None, 30)  # a fixed k leaves near-duplicates to the team
        (kept, kept_title, kept_size), (folded, folded_title, folded_size) = [
            (t.id, t.title, t.size) for t in themes.similar_themes()[0]
        ]
    with live_server(demo_app) as base, chromium_page() as page:
        sign_in(page, base, "triage@example.com")
        page.goto(base + "/themes/")
        offer = page.locator("section.similar li").first
        text = offer.inner_text()
        assert f"{folded_title} ({folded_size} items)" in text and f"{kept_title} ({kept_size} items)" in text
        offer.get_by_role("button").click()
        page.wait_for_url(f"{base}/themes/{kept}")
        assert "Themes merged" in page.content()
        assert page.locator("h1").inner_text().strip() == kept_title
    with demo_app.app_context():
        assert themes.get_theme(folded).retired
        assert themes.get_theme(kept).size == kept_size + folded_size
