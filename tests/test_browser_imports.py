"""A contributor uploads a survey export, maps a column, dry-runs, imports and reads the batch's counts."""

import os
import pathlib

import pytest

from tests.browser import WIDTHS, chromium_page, live_server, screenshot, sign_in, too_wide
from tests.conftest import empty_tables, make_app
from tests.factories import make_user

pytestmark = pytest.mark.browser
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")
SURVEY = pathlib.Path(__file__).parent / "fixtures" / "imports" / "google_forms.csv"
ZENDESK = SURVEY.with_name("zendesk.csv")


def in_view(page, selector: str) -> bool:
    """Whether the element's top edge is inside the window, where the person is looking."""
    return page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect(); return r.top >= -1 && r.top < window.innerHeight; }",
    )


@pytest.fixture
def csrf_app(database_url, tmp_path):
    """The app as users get it: CSRF on, uploads in a temporary folder."""
    app = make_app(
        database_url, WTF_CSRF_ENABLED=True, TESTING=False, IMPORT_UPLOAD_FOLDER=str(tmp_path / "uploads")
    )
    with app.app_context():
        make_user("contributor", email="ines@example.com", name="Ines Importer")
    yield app
    empty_tables(app)


def test_upload_map_dry_run_import_and_see_the_counts(csrf_app):
    with live_server(csrf_app) as base, chromium_page() as page:
        sign_in(page, base, "ines@example.com")
        page.wait_for_selector("h1:has-text('Feedback')")

        page.get_by_role("link", name="Import", exact=True).click()
        page.get_by_role("link", name="Import a file").click()
        page.set_input_files("#file", str(SURVEY))
        page.get_by_role("button", name="Upload and map columns").click()
        page.wait_for_selector("h1:has-text('Map the columns of google_forms.csv')")
        assert "Invoices should show the VAT number." in page.inner_text("table.preview")
        # The guess takes both open questions; the person adds the team as the segment.
        assert page.is_checked("input[name=text][value='What did you like most?']")
        page.select_option("#segment", label="Which team are you in?")

        assert "Recognised as a Google Forms export" in page.inner_text("#recognised")
        page.get_by_role("button", name="Dry run").click()
        page.wait_for_selector("text=Dry run: nothing stored yet")
        assert in_view(page, "#dry-run")  # the result, not the top of a long form
        summary = page.inner_text("section.dry-run")
        assert "3 items would be created" in summary and "1 rows rejected" in summary
        assert "row 4: no feedback text" in summary
        os.makedirs(ARTIFACTS, exist_ok=True)
        page.screenshot(path=os.path.join(ARTIFACTS, "import-map.png"), full_page=True)
        page.get_by_role("button", name="Import 3 items").click()

        page.wait_for_selector("h1:has-text('Import #')")
        assert page.inner_text("dd.created") == "3 items"
        assert page.inner_text("dd.duplicates") == "0"
        assert page.inner_text("dd.rejected") == "1"
        assert "Fast onboarding." in page.inner_text("ol.items")
        page.screenshot(path=os.path.join(ARTIFACTS, "import.png"), full_page=True)

        page.get_by_text("Undo this import…").click()
        assert page.inner_text("#undo-warning").startswith("This removes the 3 items this import created")
        page.get_by_role("button", name="Remove 3 items").click()
        page.wait_for_selector("text=items removed")
        assert "Undone" in page.inner_text("dl.facts")


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_mapping_page_names_the_tool_and_shows_every_column(csrf_app, database_url, width):
    with live_server(csrf_app) as base, chromium_page() as page:
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, base, "ines@example.com")
        page.goto(base + "/imports/new")
        page.set_input_files("#file", str(ZENDESK))
        page.get_by_role("button", name="Upload and map columns").click()
        page.wait_for_selector("h1:has-text('Map the columns of zendesk.csv')")
        assert page.inner_text("#recognised").startswith("Recognised as a Zendesk export")
        headers = page.locator("table.preview thead th").all_inner_texts()
        assert len(headers) == 1 + 19 and headers[-1] == "Satisfaction Score"
        # The last column is a sideways scroll away inside its box; the page itself does not widen.
        page.locator("table.preview thead th").last.scroll_into_view_if_needed()
        assert page.locator("table.preview thead th").last.is_visible() and too_wide(page) == []
        # Every column is offered as text at once, with no inner scroll box hiding half of them.
        texts = page.locator(".text-columns input[type=checkbox]")
        assert texts.count() == 19 and all(texts.nth(i).is_visible() for i in (0, 18))
        assert page.is_checked("input[name=text][value='Subject']")
        screenshot(page, f"import-map-{width}", database_url)
        page.get_by_role("button", name="Dry run").click()
        page.wait_for_selector("#dry-run")
        assert in_view(page, "#dry-run")
        summary = page.inner_text("#dry-run")
        assert "3 rows read: 2 items would be created" in summary and "1 rows rejected" in summary
        assert page.get_by_role("button", name="Import 2 items").is_visible()  # no scrolling to act on it
