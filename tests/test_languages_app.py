"""Feedback in any language in the app: stored on every write path, shown, filtered, in the API,
and counted on the themes page, whose themes of each language stand side by side."""

import datetime as dt

import pytest
from sqlalchemy import select

from tests.factories import (
    api_headers,
    import_file,
    interview_form,
    make_feedback,
    make_user,
    sign_in,
    upload,
)
from tests.texts import fixture_rows
from voc.extensions import db
from voc.models import Feedback, Theme
from voc.services import corrections, themes
from voc.services.audit import Actor

TODAY = dt.date.today()
GERMAN = "Die Rückerstattung ist nach drei Wochen immer noch nicht angekommen"
SPANISH = "El reembolso todavía no ha llegado a mi cuenta"
ENGLISH = "The refund has still not arrived after three weeks"


@pytest.fixture
def contributor(client, app):
    user = make_user("contributor")
    sign_in(client, user)
    return user


def stored(text: str) -> Feedback:
    return db.session.scalar(select(Feedback).where(Feedback.text == text))


def test_typed_feedback_is_stored_shown_and_filtered_by_language(client, contributor):
    for text in (GERMAN, SPANISH, ENGLISH):
        client.post("/feedback/new", data={"text": text, "channel": "ticket", "received_on": str(TODAY)})
    assert [stored(t).language for t in (GERMAN, SPANISH, ENGLISH)] == ["de", "es", "en"]

    page = client.get(f"/feedback/{stored(GERMAN).id}").get_data(as_text=True)
    assert "<dt>Language</dt><dd>German</dd>" in page

    listing = client.get("/feedback/?language=de").get_data(as_text=True)
    assert GERMAN in listing and SPANISH not in listing and ENGLISH not in listing
    assert '<option selected value="de">German</option>' in listing
    assert '<option value="es">Spanish</option>' in listing
    # An unknown code in a shared link means "any language", not an error.
    everything = client.get("/feedback/?language=xx").get_data(as_text=True)
    assert all(text in everything for text in (GERMAN, SPANISH, ENGLISH))


def test_a_text_with_no_letters_is_stored_without_a_language(client, contributor):
    client.post("/feedback/new", data={"text": "10/10", "channel": "survey", "received_on": str(TODAY)})
    item = stored("10/10")
    assert item.language is None
    page = client.get(f"/feedback/{item.id}").get_data(as_text=True)
    assert "<dt>Language</dt><dd>No words to read</dd>" in page


def test_the_api_stores_reports_and_filters_by_language(client, app):
    headers = api_headers(make_user("contributor"))
    body = [{"text": t, "channel": "ticket", "date": TODAY.isoformat()} for t in (GERMAN, ENGLISH)]
    answer = client.post("/api/v1/feedback", json=body, headers=headers)
    assert [entry["feedback"]["language"] for entry in answer.json["items"]] == ["de", "en"]

    german = client.get("/api/v1/feedback?language=de", headers=headers).json
    assert [item["text"] for item in german["items"]] == [GERMAN]
    refused = client.get("/api/v1/feedback?language=klingon", headers=headers)
    assert refused.status_code == 422 and "language" in refused.get_data(as_text=True)


def test_interview_quotes_get_their_language(client, app):
    interviewer = make_user("contributor", name="Fatima Field")
    sign_in(client, interviewer)
    client.post(
        "/interviews/new",
        data=interview_form(
            interviewer, new_customer_name="Ana", **{"quotes-0-text": SPANISH, "quotes-1-text": ENGLISH}
        ),
    )
    assert (stored(SPANISH).language, stored(ENGLISH).language) == ("es", "en")


def test_an_edited_text_is_read_again(app):
    item = make_feedback(text=ENGLISH, language="en")
    admin = make_user("admin")
    edit = corrections.FeedbackEdit(
        channel=item.channel, received_on=item.received_on, customer_id=None, stage_id=None, text=GERMAN
    )
    corrections.edit_feedback(item.id, edit, Actor(admin.id), may_edit_text=True)
    assert db.session.get(Feedback, item.id).language == "de"


def test_the_main_language_is_the_teams(app):
    app.config["LANGUAGE"] = "de"
    assert themes.text_language("App kaputt") == "de"
    app.config["LANGUAGE"] = "en"
    assert themes.text_language("App kaputt") == "en"


def test_a_run_reads_older_items_and_the_themes_page_counts_and_groups_languages(client, app):
    rows = fixture_rows(topics={"refund", "crash"}, spoken={"en", "de"})
    # Items stored before voc read languages: the run reads them.
    for row in rows:
        make_feedback(text=row["text"])
    make_feedback(text="12345", language=None)
    themes.run_now(None, 4)
    languages = dict(db.session.execute(select(Feedback.text, Feedback.language)).all())
    assert all(languages[row["text"]] == row["language"] for row in rows)
    assert languages["12345"] is None
    live = db.session.scalars(select(Theme).where(Theme.retired.is_(False), Theme.is_parent.is_(False))).all()
    assert {t.language for t in live} == {"en", "de"}

    sign_in(client, make_user("viewer"))
    page = client.get("/themes/").get_data(as_text=True)
    summary = page.split('id="languages"')[1].split("</p>")[0]
    assert ">English</a> 20" in summary and ">German</a> 20" in summary
    assert "1 item with no words to read</a> (left unthemed)" in summary
    # Side by side: a section per language, each with its own themes, named in its own words.
    sections = page.split('<div class="by-language">')[1].split("</div>\n")[0]
    parts = sections.split("<section")[1:]
    by_heading = {part.split("<h2")[1].split(">")[1].split(" <")[0]: part for part in parts}
    assert set(by_heading) == {"English", "German"}
    english, german = by_heading["English"], by_heading["German"]
    german_names = [t.title for t in live if t.language == "de"]
    assert german_names and all(name in german and name not in english for name in german_names)


def test_a_run_asked_for_the_lens_without_its_extra_goes_on_and_says_so(client, app, monkeypatch):
    from voc.themes import semantic

    def missing():
        raise semantic.LensUnavailable("The semantic lens is not installed: run `make semantic`.")

    monkeypatch.setattr(semantic, "lens", missing)
    app.config["SEMANTIC_LENS"] = True
    for row in fixture_rows(topics={"refund", "crash"}, spoken={"de"}):
        make_feedback(text=row["text"], language="de")
    run = themes.run_now(None, 2)
    assert run.status == "done" and run.n_themes == 2
    assert run.quality["lens"] == "The semantic lens is not installed: run `make semantic`."
    sign_in(client, make_user("viewer"))
    page = client.get("/themes/").get_data(as_text=True)
    assert "The semantic lens is not installed: run `make semantic`." in page


def test_imported_items_get_their_language(app):
    user = make_user("contributor")
    rows = f"Comment,Date\n{GERMAN},2024-01-01\n{SPANISH},2024-01-02\n12345,2024-01-03\n"
    outcome = import_file(upload(rows), user)
    assert outcome.created == 3
    assert (stored(GERMAN).language, stored(SPANISH).language, stored("12345").language) == ("de", "es", None)
