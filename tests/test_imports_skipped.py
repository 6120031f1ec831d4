"""Rows an import leaves out on purpose, each named with its reason: placeholders and clashing ids."""

import csv
import io

import pytest
from sqlalchemy import select

from tests.factories import form_data, import_file, make_feedback, make_user, sign_in, upload, uploaded
from voc.extensions import db
from voc.ingest import Mapping
from voc.ingest.parse import is_placeholder
from voc.models import Feedback
from voc.services import batches

PLACEHOLDERS = (
    "Comment,Date\nGreat service,2024-01-02\n-,2024-01-02\nn/a,2024-01-02\nNo comment.,2024-01-03\n"
    "None,2024-01-03\n.,2024-01-04\nNothing to add but thanks,2024-01-04\n"
)


@pytest.fixture
def user(app):
    return make_user("contributor", name="Ines Importer")


@pytest.mark.parametrize(
    "text", ["-", ".", "...", "n/a", "N/A", "N.A.", "none", "No comment.", "nothing", "??"]
)
def test_placeholders_are_recognised(text):
    assert is_placeholder(text)


@pytest.mark.parametrize(
    "text", ["No", "👍", "None of your staff called back", "n/a 2", "Nothing to add but thanks"]
)
def test_answers_are_not_placeholders(text):
    assert not is_placeholder(text)


def test_placeholder_answers_are_skipped_and_counted_with_their_reason(user):
    outcome = import_file(upload(PLACEHOLDERS), user)
    batch = outcome.batch
    assert (batch.created, batch.skipped, batch.rejected, batch.duplicates) == (2, 5, 0, 0)
    assert list(db.session.scalars(select(Feedback.text).order_by(Feedback.id))) == [
        "Great service",
        "Nothing to add but thanks",
    ]
    assert outcome.skips[:2] == [
        "row 3, column 'Comment': '-' is a placeholder, not feedback",
        "row 4, column 'Comment': 'n/a' is a placeholder, not feedback",
    ]
    rows = list(csv.reader(io.StringIO(batches.rejected_rows(batch))))
    assert [row[0] for row in rows[1:]] == ["'-", "n/a", "No comment.", "None", "."]  # "-" kept from running
    assert rows[3][-1] == "row 5, column 'Comment': 'No comment.' is a placeholder, not feedback"


def test_a_placeholder_answer_beside_a_real_one_is_left_out_like_a_blank(user):
    data = "Q1,Q2,Date\nThe bill is clear,n/a,2024-01-02\n"
    outcome = import_file(upload(data), user, Mapping(text=["Q1", "Q2"], date="Date"))
    assert (outcome.created, outcome.skipped) == (1, 0)


def test_ids_stored_with_other_words_are_named_row_by_row(user):
    make_feedback(
        text="The app crashed when I opened the bill page yesterday evening at home",
        source="helpdesk",
        external_id="T-1",
    )
    data = (
        "Ticket,Description\n"
        "T-1,Completely different words\n"  # row 2: clashes with the stored T-1
        "T-1,The app crashed when I opened the bill page yesterday evening at home\n"  # a true repeat
        "T-2,Brand new ticket\n"
        "T-2,Other words under the same id\n"
    )  # row 5: clashes with row 4
    mapping = Mapping(text=["Description"], external_id="Ticket", default_source="helpdesk")
    outcome = import_file(upload(data), user, mapping)
    assert (outcome.created, outcome.duplicates, outcome.rejected) == (1, 3, 0)
    assert outcome.skips == [
        "row 2: id 'T-1' is already stored with other text, “The app crashed when I opened the bill…”; "
        "skipped as a duplicate",
        "row 5: id 'T-2' is already stored with other text, “Brand new ticket”; skipped as a duplicate",
    ]
    rows = list(csv.reader(io.StringIO(batches.rejected_rows(outcome.batch))))
    assert [row[:2] for row in rows[1:]] == [
        ["T-1", "Completely different words"],
        ["T-2", "Other words under the same id"],
    ]
    assert rows[1][-1] == outcome.skips[0]


def test_batch_and_preview_pages_show_what_was_left_out_and_why(client, user):
    sign_in(client, user)
    url = uploaded(client, PLACEHOLDERS, "survey.csv")
    preview = client.post(url, data=form_data(url, "preview")).get_data(as_text=True)
    assert "<strong>5</strong> placeholder answers skipped" in preview
    assert "row 6, column &#39;Comment&#39;: &#39;None&#39; is a placeholder, not feedback" in preview
    page = client.post(url, data=form_data(url, "run"), follow_redirects=True).get_data(as_text=True)
    assert "5 placeholder answers skipped" in page
    assert '<dd class="skipped">5' in page and "Rows not imported" in page
    assert "row 3, column &#39;Comment&#39;: &#39;-&#39; is a placeholder, not feedback" in page


def test_a_guess_without_text_names_every_column_it_looked_at_and_why(client, user):
    sign_in(client, user)
    url = uploaded(
        client, "Ticket ID,Created,Region,Comment date\nT-1,2024-01-02,North,2024-01-03\n", "odd.csv"
    )
    page = client.get(url).get_data(as_text=True)
    reasons = page.split('id="no-text"')[1].split("</div>")[0]
    assert "voc found no column of free-text feedback in this file." in reasons
    assert "&#39;Ticket ID&#39; is taken as the external id" in reasons
    assert "&#39;Created&#39; is taken as the date" in reasons
    assert "&#39;Region&#39; is neither named like feedback text" in reasons
    assert "&#39;Comment date&#39; looks like metadata: its name ends in &#39;date&#39;" in reasons
    text_page = uploaded(client, PLACEHOLDERS, "fine.csv")
    assert 'id="no-text"' not in client.get(text_page).get_data(as_text=True)
