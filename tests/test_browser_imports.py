"""A contributor uploads a survey export, maps a column, dry-runs, imports and reads the batch's counts."""
import os
import pathlib

import pytest

from tests.browser import chromium_page, live_server, sign_in
from tests.conftest import empty_tables, make_app
from tests.factories import make_user

pytestmark = pytest.mark.browser
ARTIFACTS = os.path.join(os.path.dirname(__file__), "artifacts")
SURVEY = pathlib.Path(__file__).parent / "fixtures" / "imports" / "google_forms.csv"


@pytest.fixture
def csrf_app(database_url, tmp_path):
    """The app as users get it: CSRF on, uploads in a temporary folder."""
    app = make_app(database_url, WTF_CSRF_ENABLED=True, TESTING=False,
                   IMPORT_UPLOAD_FOLDER=str(tmp_path / "uploads"))
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

        page.get_by_role("button", name="Dry run").click()
        page.wait_for_selector("text=Dry run: nothing stored yet")
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

        page.get_by_role("button", name="Undo this import").click()
        page.wait_for_selector("text=items removed")
        assert "Undone" in page.inner_text("dl.facts")
