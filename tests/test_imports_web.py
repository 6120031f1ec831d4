"""The import pages: upload, mapping, dry run, import, batches, rejected rows, undo, roles and limits."""

import csv
import datetime as dt
import gc
import io
import os
import warnings

import pytest
from sqlalchemy import select

from tests.conftest import empty_tables, make_app
from tests.factories import (
    IMPORT_FIXTURES,
    TICKETS,
    as_user,
    count,
    form_data,
    make_user,
    post_file,
    sign_in,
    uploaded,
)
from voc import create_app
from voc.extensions import db
from voc.models import Feedback, ImportBatch, SavedMapping, StoredUpload, User, utcnow


@pytest.fixture
def contributor(app, client):
    user = make_user("contributor", name="Ines Importer")
    sign_in(client, user)
    return user


def test_the_upload_page_leads_to_a_preview_with_a_guessed_mapping(client, contributor):
    url = uploaded(client, (IMPORT_FIXTURES / "zendesk.csv").read_bytes(), "zendesk.csv")
    page = client.get(url).get_data(as_text=True)
    assert "Map the columns of zendesk.csv" in page
    assert "Cannot reset my password from the mobile app" in page  # the first rows
    assert 'name="preset" type="hidden" value="zendesk"' in page
    assert '<option selected value="Created at">Created at</option>' in page


def test_dry_run_shows_counts_and_reasons_and_stores_nothing(client, contributor):
    url = uploaded(client, TICKETS)
    page = client.post(url, data=form_data(url, "preview")).get_data(as_text=True)
    assert "Dry run: nothing stored yet" in page
    assert "<strong>1</strong> items would be created" in page
    assert "<strong>2</strong> rows rejected" in page
    assert "row 3, column &#39;Created&#39;: &#39;2024-02-31&#39; is not a valid date" in page
    assert 'value="Import 1 items"' in page
    assert (count(Feedback), count(ImportBatch)) == (0, 0)


def test_import_then_batch_page_rejected_rows_and_list(client, contributor, app):
    url = uploaded(client, TICKETS)
    response = client.post(url, data=form_data(url, "run", default_source="helpdesk"))
    assert response.status_code == 302
    batch = db.session.scalar(select(ImportBatch))
    assert response.headers["Location"] == f"/imports/{batch.id}"
    assert os.listdir(app.config["IMPORT_UPLOAD_FOLDER"]) == []  # the upload is not kept once imported
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    assert 'class="created">1 items' in page and 'class="rejected">2<' in page
    assert "Login fails" in page
    download = client.get(f"/imports/{batch.id}/rejected.csv")
    assert download.headers["Content-Disposition"] == "attachment; filename=tickets-rejected.csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][-1] == "error" and rows[1][1] == "'=SUM(A1:A9)"
    assert [row[0] for row in rows[1:]] == ["T-2", "T-3"]
    listing = client.get("/imports/").get_data(as_text=True)
    assert "tickets.csv" in listing and "Ines Importer" in listing


def test_saved_mapping_is_offered_and_applied(client, contributor):
    url = uploaded(client, TICKETS)
    data = form_data(url, "save", mapping_name="Helpdesk", external_id="", default_source="desk")
    page = client.post(url, data=data).get_data(as_text=True)
    saved = db.session.scalar(select(SavedMapping))
    assert saved.name == "Helpdesk" and saved.mapping["default_source"] == "desk"
    assert f'<option value="saved:{saved.id}">Saved: Helpdesk</option>' in page
    applied = client.get(url + f"?start=saved:{saved.id}").get_data(as_text=True)
    assert 'id="default_source" maxlength="100" name="default_source" type="text" value="desk"' in applied
    preset = client.get(url + "?start=preset:freshdesk").get_data(as_text=True)
    assert 'name="preset" type="hidden" value="freshdesk"' in preset


def test_ambiguous_dates_ask_for_the_order(client, contributor):
    url = uploaded(client, "Comment,Date\nSlow,03/04/2024\nFast,05/06/2024\n")
    assert "could be day first or month first" in client.get(url).get_data(as_text=True)
    page = client.post(url, data=form_data(url, "preview")).get_data(as_text=True)
    assert "choose the order the file uses" in page
    page = client.post(url, data=form_data(url, "preview", date_order="dmy")).get_data(as_text=True)
    assert "<strong>2</strong> items would be created" in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"Comment,Date\n", "header.csv", "header.csv has a header row but no data rows."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "cat.png", "cat.png is not a CSV or Excel file."),
    ],
)
def test_bad_files_get_a_clear_message_on_the_upload_page(client, contributor, data, name, message):
    response = post_file(client, data, name)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_uploads_larger_than_the_limit_get_the_413_page(database_url, tmp_path):
    app = make_app(database_url, IMPORT_UPLOAD_FOLDER=str(tmp_path), MAX_CONTENT_LENGTH=10_000)
    try:
        client = app.test_client()
        with app.app_context():
            sign_in(client, make_user("contributor"))
        response = post_file(client, "Comment\n" + "words, " * 5_000)
        assert response.status_code == 413
        assert "File too large" in response.get_data(as_text=True)
        assert os.listdir(tmp_path) == []
    finally:
        empty_tables(app)


def test_a_path_as_file_name_is_only_a_name(client, contributor, app):
    url = uploaded(client, TICKETS, "../../etc/passwd")
    folder = app.config["IMPORT_UPLOAD_FOLDER"]
    key = url.rsplit("/", 1)[1]
    assert os.listdir(folder) == [key]
    assert "Map the columns of passwd" in client.get(url).get_data(as_text=True)
    for bad in ("..%2F..%2Fetc%2Fpasswd", "0" * 64, "nope"):
        response = client.get(f"/imports/file/{bad}")
        assert response.status_code in (302, 404)


def test_undo_by_the_importer_and_roles(client, contributor, app):
    url = uploaded(client, TICKETS)
    client.post(url, data=form_data(url, "run"))
    batch = db.session.scalar(select(ImportBatch))
    other = app.test_client()
    sign_in(other, make_user("contributor"))
    assert "Undo this import" not in as_user(other).get(f"/imports/{batch.id}").get_data(as_text=True)
    assert other.post(f"/imports/{batch.id}/undo").status_code == 403
    assert count(Feedback) == 1
    page = as_user(client).post(f"/imports/{batch.id}/undo", follow_redirects=True).get_data(as_text=True)
    assert f"Import #{batch.id} undone: 1 items removed." in page
    assert count(Feedback) == 0


def test_viewers_cannot_import_and_see_no_link(client, app):
    sign_in(client, make_user("viewer"))
    assert client.get("/imports/").status_code == 403
    assert post_file(client, TICKETS).status_code == 403
    assert ">Import<" not in client.get("/feedback/").get_data(as_text=True)


def test_contributors_see_the_import_link(client, contributor):
    assert '<a href="/imports/">Import</a>' in client.get("/feedback/").get_data(as_text=True)


def import_on_another_server(app, folder, url: str, user_id: int) -> None:
    """A second server (same database, its own folder: nothing on disk shared) maps and imports the upload."""
    other = create_app({**app.config, "IMPORT_UPLOAD_FOLDER": str(folder)})
    with other.app_context():
        try:
            browser = other.test_client()
            sign_in(browser, db.session.get(User, user_id))
            page = browser.get(url).get_data(as_text=True)
            assert "Map the columns of tickets.csv" in page and "Login fails" in page
            response = browser.post(url, data=form_data(url, "run", default_source="helpdesk"))
            assert response.status_code == 302, response.get_data(as_text=True)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_an_upload_made_on_one_app_server_is_imported_on_another(client, contributor, app, tmp_path):
    url = uploaded(client, TICKETS)
    import_on_another_server(app, tmp_path / "other-server", url, contributor.id)
    # The second app, gone with the helper's frame, leaves a connection to the garbage collector;
    # collect it here, quietly, rather than let its warning fail whichever PostgreSQL test runs next.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert count(Feedback) == 1
    assert db.session.scalar(select(StoredUpload.key)) is None  # imported: kept nowhere
    assert "has expired" in client.get(url, follow_redirects=True).get_data(as_text=True)


def test_an_upload_left_past_its_time_has_expired(client, contributor, app):
    url = uploaded(client, TICKETS)
    stored = db.session.scalar(select(StoredUpload))
    stored.expires_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "That upload has expired; upload the file again." in page
    post_file(client, "Comment\nAnother file\n")  # the next upload clears it away
    assert db.session.scalar(select(StoredUpload.key).where(StoredUpload.key == stored.key)) is None


def test_mapping_page_says_whether_it_recognised_the_tool(client, contributor):
    guessed = client.get(uploaded(client, TICKETS)).get_data(as_text=True)
    assert "<strong>No known layout: guessed</strong> from the column names." in guessed
    zendesk = client.get(uploaded(client, (IMPORT_FIXTURES / "zendesk.csv").read_bytes(), "zendesk.csv"))
    assert "<strong>Recognised as a Zendesk export</strong>" in zendesk.get_data(as_text=True)
    url = uploaded(client, TICKETS, "again.csv")
    chosen = client.get(url + "?start=preset:freshdesk").get_data(as_text=True)
    assert "Read with the Freshdesk preset you chose." in chosen


def test_undo_names_how_many_items_go_before_the_button_that_removes_them(client, contributor):
    url = uploaded(client, TICKETS)
    client.post(url, data=form_data(url, "run"))
    batch = db.session.scalar(select(ImportBatch))
    page = client.get(f"/imports/{batch.id}").get_data(as_text=True)
    warning = page.split('<summary class="button">Undo this import…</summary>')[1].split("</details>")[0]
    assert batch.created == 1  # T-1 only: T-2's date does not exist, T-3 has no text
    assert "This removes the 1 item this import created" in warning
    assert '<button type="submit" class="danger">Remove 1 item</button>' in warning
