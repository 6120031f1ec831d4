"""Qualtrics exports in both shapes, with their free-text questions, through the guess and the import."""

import pytest
from sqlalchemy import select

from tests.factories import IMPORT_FIXTURES, import_file, make_user, upload
from voc.extensions import db
from voc.ingest import guess_mapping, read_table
from voc.models import Customer, Feedback


def guessed(name: str):
    with (IMPORT_FIXTURES / name).open("rb") as stream, read_table(stream, name) as table:
        return guess_mapping(table.header, [row.values for row in table.peek(10)])


def test_a_survey_in_another_language_with_an_other_please_say_answer_is_read():
    mapping = guessed("qualtrics_de_other_text.csv")
    assert (mapping.preset, mapping.header_rows) == ("qualtrics", 2)  # 'Antwort-ID' is a label too
    assert mapping.text == ["Q2", "Q4_5_TEXT"]  # QID2_TEXT and the choice's QID4_5_TEXT
    assert mapping.labels["Q2"] == "Was sollen wir besser machen?"


def test_the_legacy_v1_v2_export_is_recognised():
    mapping = guessed("qualtrics_legacy.csv")
    assert (mapping.preset, mapping.header_rows, mapping.external_id, mapping.date) == (
        "qualtrics_legacy",
        1,
        "V1",
        "V9",
    )
    assert (mapping.text, mapping.score, mapping.score_kind) == (["Q2", "Q4_3_TEXT"], "Q1", "nps")
    assert (mapping.customer_email, mapping.customer_name) == ("V5", ["V3"])


@pytest.mark.parametrize(
    ("name", "texts", "question"),
    [
        (
            "qualtrics_de_other_text.csv",
            ["Die Rechnung ist viel zu unübersichtlich.", "Ein Plakat am Bahnhof"],
            "Was sollen wir besser machen?",
        ),
        (
            "qualtrics_legacy.csv",
            ["Prices went up twice this year without a word.", "Green Tracker with solar add-on"],
            "Please tell us why you gave that score.",
        ),
    ],
)
def test_both_shapes_import_their_free_text(app, name, texts, question):
    outcome = import_file(upload((IMPORT_FIXTURES / name).read_bytes(), name), make_user("contributor"))
    assert (outcome.created, outcome.rejected, outcome.skipped) == (2, 0, 1)  # the third said "-" / "n/a"
    stored = db.session.execute(
        select(Feedback.text, Feedback.source, Feedback.extras).order_by(Feedback.id)
    ).all()
    assert [text for text, _, _ in stored] == texts
    assert {source for _, source, _ in stored} == {"qualtrics"}
    assert stored[0][2]["question"] == question
    assert len(db.session.scalars(select(Customer.id)).all()) == 2
