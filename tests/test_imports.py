"""Bulk import through the service and the CLI: presets, encodings, duplicates, dry runs, undo, bad files."""

import csv
import datetime as dt
import io
import json
import os

import openpyxl
import pytest
from sqlalchemy import select, text

from tests.factories import (
    IMPORT_FIXTURES,
    Receiver,
    add_items,
    add_webhook,
    count,
    import_file,
    make_customer,
    make_feedback,
    make_user,
    stage_named,
    theme_of,
    upload,
)
from voc.extensions import db
from voc.ingest import Mapping
from voc.models import (
    Customer,
    Feedback,
    Hit,
    HitChange,
    ImportBatch,
    ImportJob,
    StoredUpload,
    Theme,
    TriageDecision,
    WebhookDelivery,
)
from voc.services import batches, hits, import_writer, imports, mappings, themes, triage, uploads
from voc.services.errors import InvalidInput, NotAllowed, NotFound


@pytest.fixture
def user(app):
    return make_user("contributor", name="Ines Importer")


PRESET_CASES = [
    # file, preset, created, rejected, source, channel, customers
    ("surveymonkey.csv", "surveymonkey", 3, 2, "surveymonkey", "survey", 1),
    ("typeform.csv", "typeform", 2, 1, "typeform", "survey", 2),
    ("google_forms.csv", "google_forms", 3, 1, "google forms", "survey", 2),
    ("qualtrics.csv", "qualtrics", 3, 0, "qualtrics", "survey", 2),
    ("zendesk.csv", "zendesk", 2, 1, "zendesk", "ticket", 2),
    ("freshdesk.csv", "freshdesk", 2, 0, "freshdesk", "ticket", 2),
    ("jira_sm.csv", "jira_service_management", 2, 0, "jira", "ticket", 2),
    ("intercom.csv", "intercom", 3, 0, "intercom", "ticket", 2),
]


@pytest.mark.parametrize(
    ("filename", "preset", "created", "rejected", "source", "channel", "people"),
    PRESET_CASES,
    ids=[case[1] for case in PRESET_CASES],
)
def test_each_preset_imports_end_to_end(user, filename, preset, created, rejected, source, channel, people):
    up = upload((IMPORT_FIXTURES / filename).read_bytes(), filename)
    inspection = mappings.inspect(up)
    assert inspection.mapping.preset == preset
    outcome = import_file(up, user)
    batch = outcome.batch
    assert (batch.created, batch.duplicates, batch.rejected) == (created, 0, rejected)
    assert (batch.filename, batch.sha256, batch.user_id) == (filename, up.key, user.id)
    assert batch.mapping["preset"] == preset
    items = db.session.scalars(select(Feedback).where(Feedback.batch_id == batch.id)).all()
    assert len(items) == created
    assert {(i.source, i.channel, i.created_by_id) for i in items} == {(source, channel, user.id)}
    assert all(i.sentiment is not None and i.received_on.year == 2024 for i in items)
    assert len({i.customer_id for i in items} - {None}) == people == count(Customer)
    # Each file imports again without creating anything.
    again = import_file(up, user).batch
    assert (again.created, again.duplicates, again.rejected) == (0, created, rejected)


def test_survey_answers_share_a_response_key_and_keep_their_question(user):
    up = upload((IMPORT_FIXTURES / "surveymonkey.csv").read_bytes(), "surveymonkey.csv")
    batch = import_file(up, user).batch
    first = db.session.scalars(
        select(Feedback)
        .where(Feedback.batch_id == batch.id, Feedback.response_key == "118230001")
        .order_by(Feedback.id)
    ).all()
    assert [item.extras["question"] for item in first] == [
        "What is the main reason for your score?",
        "What could we do better?",
    ]
    assert len({item.external_id for item in first}) == 2
    assert {(item.score, item.score_kind) for item in first} == {(9, "nps")}
    assert first[0].customer.name == "Ana Souza" and first[0].customer.external_id == "C-101"
    assert first[0].extras["IP Address"] == "203.0.113.4"


SAMPLE = "Name;Comment;Date\nZoë;Le café coûte 5 €;2024-01-05\nOle;Fine;2024-01-06\n"


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in SAMPLE.splitlines():
        sheet.append(row.split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (SAMPLE.replace(";", ",").encode("utf-8"), "comma.csv"),
        (SAMPLE.encode("utf-8-sig"), "semicolon-bom.csv"),
        (SAMPLE.replace(";", "\t").encode("utf-16"), "excel-unicode.txt"),
        (SAMPLE.replace(";", ",").encode("cp1252"), "windows.csv"),
        (xlsx_bytes(), "sheet.xlsx"),
    ],
    ids=["utf-8-comma", "utf-8-bom-semicolon", "utf-16-tab", "windows-1252", "xlsx"],
)
def test_encodings_and_delimiters_through_the_service(user, data, name):
    up = upload(data, name)
    mapping = Mapping(text=["Comment"], date="Date", customer_name=["Name"], extras=[])
    assert import_file(up, user, mapping).created == 2
    stored = db.session.scalars(select(Feedback.text).order_by(Feedback.received_on)).all()
    assert stored == ["Le café coûte 5 €", "Fine"]
    assert db.session.scalars(select(Customer.name).order_by(Customer.name)).all() == ["Ole", "Zoë"]


TICKETS = "Ticket ID,Description,Created,Email\n" + "".join(
    f"T-{n},Problem number {n},2024-02-{n:02d},c{n}@example.com\n" for n in range(1, 7)
)


def tickets(first: int, last: int) -> str:
    lines = TICKETS.splitlines()
    return "\n".join([lines[0], *lines[first : last + 1]]) + "\n"


def test_overlapping_exports_create_nothing_twice(user, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)  # duplicates across chunks are caught too
    mapping = Mapping(
        text=["Description"],
        external_id="Ticket ID",
        date="Created",
        customer_email="Email",
        default_source="helpdesk",
    )
    first = imports.run_import(upload(tickets(1, 4)), imports.ImportSettings(mapping), user.id)
    second = imports.run_import(upload(tickets(3, 6)), imports.ImportSettings(mapping), user.id)
    assert (first.created, first.duplicates) == (4, 0)
    assert (second.created, second.duplicates) == (2, 2)
    assert sorted(db.session.scalars(select(Feedback.external_id))) == [f"T-{n}" for n in range(1, 7)]
    assert count(Customer) == 6  # found again by e-mail, not created twice


def test_without_ids_duplicates_are_same_customer_text_and_day(user, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 1)
    header = "Email,Comment,Date\n"
    a = header + "a@example.com,The app  crashes,2024-03-01\nb@example.com,Love it,2024-03-01\n"
    b = header + (
        "A@example.com,the app crashes,2024-03-01\n"  # same person, words and day: duplicate
        "a@example.com,The app crashes,2024-03-02\n"  # another day: new
        "c@example.com,Love it,2024-03-01\n"  # another person: new
        "c@example.com,Love it,2024-03-01\n"  # repeated within the file: duplicate
    )
    assert import_file(upload(a, "a.csv"), user).created == 2
    outcome = import_file(upload(b, "b.csv"), user)
    assert (outcome.created, outcome.duplicates) == (2, 2)
    assert count(Feedback) == 4


def test_existing_customers_are_found_by_external_id_then_email(user):
    by_id = make_customer(name="Known By Id", external_id="C-7", email="old@example.com")
    by_email = make_customer(name="Known By Email", email="Mixed@Example.com")
    data = (
        "Customer ID,Email,Name,Comment,Date\n"
        "C-7,new@example.com,Someone,Hello,2024-01-01\n"
        ",mixed@example.com,Other,Hi,2024-01-01\n"
        ",fresh@example.com,Fresh Person,Hey,2024-01-01\n"
    )
    outcome = import_file(upload(data), user)
    assert (outcome.created, outcome.customers_created) == (3, 1)
    owners = dict(db.session.execute(select(Feedback.text, Feedback.customer_id)).all())
    assert owners["Hello"] == by_id.id and owners["Hi"] == by_email.id
    assert db.session.get(Customer, owners["Hey"]).name == "Fresh Person"


def test_one_file_names_a_customer_by_external_id_first_as_stored_customers_are_matched(user):
    data = (
        "Customer ID,Email,Name,Comment,Date\n"
        "C-9,first@example.com,Sam,The bill is wrong,2024-01-01\n"
        "C-9,second@example.com,Sam,Still wrong,2024-01-02\n"
    )  # a changed address, one person
    assert import_file(upload(data), user).customers_created == 1
    assert len(set(db.session.scalars(select(Feedback.customer_id)))) == 1


def test_dry_run_counts_and_writes_nothing(user):
    make_feedback(text="already here", source="helpdesk", external_id="T-1")
    mapping = Mapping(
        text=["Description"],
        external_id="Ticket ID",
        date="Created",
        customer_email="Email",
        default_source="helpdesk",
    )
    data = tickets(1, 3) + "T-9,,2024-02-09,x@example.com\n"
    before = (count(Feedback), count(Customer), count(ImportBatch))
    outcome = imports.dry_run(upload(data), imports.ImportSettings(mapping), user.id)
    assert (outcome.rows, outcome.created, outcome.duplicates, outcome.rejected) == (4, 2, 1, 1)
    assert outcome.errors == ["row 5, column 'Description': no feedback text"]
    assert outcome.batch is None
    assert (count(Feedback), count(Customer), count(ImportBatch)) == before


def test_redaction_at_ingest_stores_imported_texts_and_rejected_rows_masked(app, user):
    app.config["REDACT_PII_AT_INGEST"] = True
    data = (
        "Comment,Email,Date\n"
        "Ring me on 07700 900123,jo@example.com,2024-01-02\n"
        "Write to jo.bloggs@mail.example.com,jo@example.com,2024-01-03\n"
        "Card 4111 1111 1111 1111 was charged twice,jo@example.com,31/02/2024\n"
    )
    first = import_file(upload(data), user)
    assert list(db.session.scalars(select(Feedback.text).order_by(Feedback.id))) == [
        "Ring me on [phone removed]",
        "Write to [email removed]",
    ]
    rejected = first.batch.rejected_csv
    assert "[card number removed] was charged twice" in rejected and "4111" not in rejected
    assert db.session.scalar(select(Customer.email)) == "jo@example.com"  # a field, not feedback text
    again = import_file(upload(data + "\n"), user)  # other bytes, same rows: masked texts still match
    assert (again.created, again.duplicates) == (0, 2)


def test_a_failure_midway_leaves_no_batch_items_or_customers(user, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    calls = []

    def failing(texts, languages=None):
        calls.append(texts)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return [(0.0, "lexicon", None, None)] * len(texts)

    monkeypatch.setattr(themes, "annotations", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(upload(tickets(1, 6)), user)
    db.session.remove()
    assert (count(ImportBatch), count(Feedback), count(Customer)) == (0, 0, 0)


def test_ids_stored_concurrently_refuse_the_whole_batch(user, monkeypatch):
    mapping = Mapping(text=["Description"], external_id="Ticket ID", default_source="helpdesk")
    imports.run_import(upload(tickets(1, 2)), imports.ImportSettings(mapping), user.id)
    # As if another import committed T-2 after this one checked for duplicates.
    monkeypatch.setattr(
        import_writer.Writer,
        "_without_duplicates",
        lambda self, items, owners: (list(zip(items, owners, strict=True)), []),
    )
    with pytest.raises(InvalidInput, match="stored by someone else just now; nothing was imported"):
        imports.run_import(upload(tickets(2, 4)), imports.ImportSettings(mapping), user.id)
    assert (count(ImportBatch), count(Feedback)) == (1, 2)


def test_postgresql_statistics_are_refreshed_once_an_import_has_grown_the_table(app, user, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("ANALYZE is PostgreSQL's")
    monkeypatch.setattr(import_writer, "ANALYZE_ITEMS", 4)
    # Earlier tests' rows may have left autovacuum's estimate high; start from the true, empty table.
    db.session.execute(text("ANALYZE feedback"))
    db.session.commit()
    import_file(upload(tickets(1, 6)), user)
    estimate = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'feedback'::regclass"))
    assert estimate == count(Feedback) == 6


@pytest.fixture
def receiver(app):
    """A webhook for new feedback, delivering inline to a local receiver."""
    app.config["JOBS_INLINE"] = True
    server = Receiver()
    add_webhook(server.url)
    yield server
    server.close()


def test_a_committed_import_announces_its_items_in_events_of_at_most_n(user, receiver, monkeypatch):
    monkeypatch.setattr(imports, "ANNOUNCED_ITEMS", 2)
    make_feedback(text="typed before")
    outcome = import_file(upload(tickets(1, 5)), user)
    events = [json.loads(body) for _, body in receiver.requests]
    assert {event["event"] for event in events} == {"feedback.created"}
    sent = [[item["id"] for item in event["data"]["feedback"]] for event in events]
    stored = list(
        db.session.scalars(
            select(Feedback.id).where(Feedback.batch_id == outcome.batch.id).order_by(Feedback.id)
        )
    )
    assert sent == [stored[0:2], stored[2:4], stored[4:5]]
    assert count(WebhookDelivery) == 3


def queued(up: uploads.Upload, user) -> ImportJob:
    """An import record as the upload page leaves it for a worker."""
    mapping = mappings.inspect(up).mapping
    job = ImportJob(
        user_id=user.id,
        upload_key=up.key,
        filename=up.filename,
        settings={"mapping": mapping.to_dict(), "date_order": ""},
    )
    db.session.add(job)
    db.session.commit()
    return job


def test_a_queued_import_stores_its_batch_and_its_outcome_in_one_transaction(user, monkeypatch):
    done = queued(upload(tickets(1, 2)), user)
    imports.execute_import(done.id)
    db.session.refresh(done)
    assert (done.status, done.batch_id) == ("done", db.session.scalar(select(ImportBatch.id)))
    assert count(StoredUpload) == 0  # gone with the same commit

    def worker_dies(upload):
        raise RuntimeError("the worker was killed")

    monkeypatch.setattr(imports, "discard_upload", worker_dies)
    dying = queued(upload(tickets(3, 4)), user)
    with pytest.raises(RuntimeError):
        imports.execute_import(dying.id)
    db.session.refresh(dying)
    assert (dying.status, dying.batch_id) == ("failed", None)
    assert count(ImportBatch) == 1 and count(Feedback) == 2  # only the first import's
    assert count(StoredUpload) == 1  # the file waits for a second try


def test_dry_runs_and_failed_imports_announce_nothing(user, receiver, monkeypatch):
    import_file(upload(tickets(1, 5)), user, dry=True)
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    real = themes.annotations
    calls = []

    def failing_late(texts, languages=None):  # two chunks are written before the third fails
        calls.append(texts)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(texts, languages)

    monkeypatch.setattr(themes, "annotations", failing_late)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(upload(tickets(1, 6)), user)
    assert receiver.requests == []
    assert count(WebhookDelivery) == 0


def test_undo_removes_exactly_the_batch_and_keeps_evidence_consistent(user):
    typed = make_feedback(text="typed by hand")
    other = import_file(upload(tickets(5, 6), "other.csv"), user).batch
    batch = import_file(upload(tickets(1, 4)), user).batch
    ids = db.session.scalars(select(Feedback.id).where(Feedback.batch_id == batch.id)).all()
    triager = make_user("triager")
    theme = Theme(label="problems", quote_ids=[ids[0], typed.id], size=2)
    db.session.add(theme)
    for item_id in (ids[0], typed.id):
        db.session.get(Feedback, item_id).theme = theme
    db.session.commit()
    hit = hits.create_hit(
        hits.HitInput(
            title="Fix problems",
            stage_id=stage_named("Action").id,
            horizon="this month",
            kind="quick fix",
            impact=3,
            confidence=50,
            effort=1.0,
        ),
        triager.id,
        feedback_ids=(ids[1], typed.id),
    )
    triage.dismiss(triager.id, "not a pain point", feedback_id=ids[2])

    result = batches.undo_batch(batch.id, user)
    assert (result.items, result.evidence_links) == (4, 1)
    remaining = db.session.scalars(select(Feedback.id).order_by(Feedback.id)).all()
    other_ids = db.session.scalars(select(Feedback.id).where(Feedback.batch_id == other.id)).all()
    assert remaining == sorted([typed.id, *other_ids])
    assert [item.id for item in db.session.get(Hit, hit.id).feedback] == [typed.id]
    assert db.session.scalars(select(HitChange.old).where(HitChange.hit_id == hit.id)).all()[-1] == (
        f"1 item(s) from import #{batch.id}"
    )
    assert count(TriageDecision) == 0
    db.session.refresh(theme)
    assert (theme.quote_ids, theme.size) == ([typed.id], 1)
    assert db.session.get(ImportBatch, batch.id).undone_at is not None
    with pytest.raises(InvalidInput, match="already undone"):
        batches.undo_batch(batch.id, user)


def test_only_the_importer_or_a_triager_may_undo(user):
    batch = import_file(upload(tickets(1, 2)), user).batch
    with pytest.raises(NotAllowed):
        batches.undo_batch(batch.id, make_user("contributor"))
    assert count(Feedback) == 2
    assert batches.undo_batch(batch.id, make_user("admin")).items == 2


def test_rejected_rows_come_back_as_csv_ready_to_fix(user):
    data = (
        "Ticket ID,Description,Created,Email\n"
        "T-1,Fine,2024-02-01,a@example.com\n"
        'T-2,"=HYPERLINK(""http://evil"")",2024-02-31,b@example.com\n'
        "T-3,,2024-02-03,c@example.com\n"
    )
    batch = import_file(upload(data), user).batch
    assert (batch.created, batch.rejected) == (1, 2)
    rows = list(csv.reader(io.StringIO(batches.rejected_rows(batch))))
    assert rows[0] == ["Ticket ID", "Description", "Created", "Email", "error"]
    assert rows[1] == [
        "T-2",
        '\'=HYPERLINK("http://evil")',
        "2024-02-31",
        "b@example.com",
        "row 3, column 'Created': '2024-02-31' is not a valid date",
    ]
    assert rows[2][-1] == "row 4, column 'Description': no feedback text"
    assert batches.rejected_reasons(batch) == [rows[1][-1], rows[2][-1]]
    # Fixed and uploaded again, the rows import; the error column is kept as an extra.
    rows[1][1], rows[1][2], rows[2][1] = "Now fixed", "2024-02-28", "Also fixed"
    fixed = io.StringIO()
    csv.writer(fixed).writerows(rows)
    assert import_file(upload(fixed.getvalue(), "fixed.csv"), user).created == 2


def test_hostile_cells_arrive_without_control_characters_and_rejected_headers_are_defused(user):
    long_text = "Bills " * 3_500  # over the 20,000-character limit: rejected, kept in the rejected rows
    filler = "".join(f"F-{n},Ordinary words number {n} in a long export,2024-02-01,,\n" for n in range(80))
    data = (  # NUL in the first 4 KB marks a binary file, refused; later, it is stripped like the rest
        'Ticket ID,Description,Created,"=HYPERLINK(""http://evil"",""x"")",Note\x01\n'
        + filler
        + 'T-1,"Bills\x00 late\x07 again, \u200fشكرا 😀 <script>alert(1)</script>",2024-02-01,+cmd,\x1b\n'
        + f"T-2,{long_text},2024-02-02,x,y\x00\n"
    )
    assert data.index("\x00") > 4096
    batch = import_file(upload(data), user).batch
    assert (batch.created, batch.rejected) == (81, 1)
    item = db.session.scalar(select(Feedback).where(Feedback.external_id == "T-1"))
    assert item.text == "Bills late again, \u200fشكرا 😀 <script>alert(1)</script>"
    assert item.extras == {'=HYPERLINK("http://evil","x")': "+cmd"}
    rows = list(csv.reader(io.StringIO(batches.rejected_rows(batch))))
    assert rows[0] == [
        "Ticket ID",
        "Description",
        "Created",
        '\'=HYPERLINK("http://evil","x")',
        "Note",
        "error",
    ]
    assert rows[1][:5] == ["T-2", long_text, "2024-02-02", "x", "y"]


def test_multi_row_headers_are_kept_in_the_rejected_rows(user):
    batch = import_file(
        upload(
            (IMPORT_FIXTURES / "qualtrics.csv").read_bytes()
            + (
                b"2024-04-04 10:00:00,2024-04-04 10:05:00,IP Address,192.0.2.12,100,300,True,"
                b"2024-04-04 10:05:01,"
                b"R_3,Doe,Jane,not-an-email,CUST-3,0,0,email,EN,Promoter,10,Nice,Ops,\n"
            ),
            "qualtrics.csv",
        ),
        user,
    ).batch
    assert batch.rejected == 1
    again = upload(batches.rejected_rows(batch), "qualtrics-rejected.csv")
    assert mappings.inspect(again).mapping.header_rows == 2


def test_ambiguous_dates_need_the_order(user):
    data = "Comment,Date\nSlow,03/04/2024\nFast,05/06/2024\n"
    up = upload(data)
    assert mappings.inspect(up).date_order == "ambiguous"
    with pytest.raises(InvalidInput, match="choose the order") as error:
        import_file(up, user)
    assert error.value.errors[0][0] == "date_order"
    import_file(up, user, date_order="dmy")
    assert db.session.scalars(select(Feedback.received_on).order_by(Feedback.id)).all() == [
        dt.date(2024, 4, 3),
        dt.date(2024, 6, 5),
    ]


def test_items_get_sentiment_and_their_nearest_theme(user, monkeypatch):
    monkeypatch.setattr(themes, "_models", {})  # run ids repeat across the test databases
    made = add_items(30)
    themes.run_now(None, 3)
    refund_theme = theme_of(made["refund"])
    data = "Comment,Date\nstill waiting for my refund after 5 weeks,2024-01-01\n"
    read = []
    language_of = themes.text_language
    monkeypatch.setattr(themes, "text_language", lambda text: read.append(text) or language_of(text))
    import_file(upload(data), user)
    item = db.session.scalar(select(Feedback).where(Feedback.batch_id.is_not(None)))
    assert item.sentiment < 0 and item.language == "en"
    assert item.theme_id == refund_theme and "refund" in item.theme_terms
    assert db.session.get(Theme, refund_theme).size == 31
    assert len(read) == 1  # its language read once, not again to place it in a theme


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"\n\n \n", "blank.csv", "the file has no rows"),
        (b"Comment,Date\n", "header.csv", "has a header row but no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.csv", "picture.csv is not a CSV or Excel file."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1", "old.xls", ".xls files are not supported"),
        (b"PK\x03\x04 not a zip", "broken.xlsx", "cannot be read as an Excel workbook"),
    ],
    ids=["empty", "blank", "header-only", "not-csv", "xls", "broken-xlsx"],
)
def test_bad_files_are_refused_with_a_clear_message(user, data, name, message):
    with pytest.raises(InvalidInput, match=message.replace(".", r"\.")):
        mappings.inspect(upload(data, name))
    assert count(ImportBatch) == 0


def test_a_mapping_that_does_not_fit_is_refused(user):
    up = upload("Comment,Date\nHi,2024-01-01\n")
    with pytest.raises(InvalidInput, match="the file has no column 'Body'"):
        import_file(up, user, Mapping(text=["Body"]))


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "..\\..\\windows\\win.ini", "/abs/path.csv", "new\nline\x00.csv", ""]
)
def test_client_file_names_never_become_paths(app, name):
    up = upload("Comment\nHi\n", name)
    folder = app.config["IMPORT_UPLOAD_FOLDER"]
    assert up.path == os.path.join(folder, up.key)
    assert os.listdir(folder) == [up.key]
    assert "/" not in up.filename and "\\" not in up.filename and "\n" not in up.filename
    assert uploads.get_upload(up.key).filename == up.filename


@pytest.mark.parametrize("key", ["../../etc/passwd", "a" * 63, "A" * 64, "", "0" * 64])
def test_unknown_or_malformed_upload_keys_are_not_found(app, key):
    with pytest.raises(NotFound):
        uploads.get_upload(key)


def test_saved_mappings_round_trip_and_replace_by_name(user):
    mapping = Mapping(text=["Comment"], date="Date")
    saved, created = mappings.save_mapping("  Our  survey ", mapping, user.id)
    assert (saved.name, created) == ("Our survey", True)
    mapping.date = None
    again, created = mappings.save_mapping("Our survey", mapping, user.id)
    assert (again.id, created) == (saved.id, False)
    assert mappings.saved_mapping_named("Our survey").date is None
    with pytest.raises(InvalidInput, match="Give the mapping a name"):
        mappings.save_mapping("  ", mapping, user.id)


# ----- CLI ---------------------------------------------------------------------------------------


def test_cli_imports_with_a_preset_and_summarises(runner, app, tmp_path):
    admin = make_user("admin")
    result = runner.invoke(
        args=["voc", "import", str(IMPORT_FIXTURES / "zendesk.csv"), "--preset", "zendesk"]
    )
    assert result.exit_code == 0, result.output
    batch = db.session.scalar(select(ImportBatch))
    assert batch.user_id == admin.id
    assert result.output.strip().splitlines()[-1] == (
        f"Batch #{batch.id} (zendesk.csv): 3 rows read; 2 items created, 0 duplicates skipped, "
        f"1 rejected in {result.output.rsplit(' in ', 1)[1].strip()}"
    )
    assert "rejected row 4, column 'Subject': no feedback text" in result.output


def test_cli_dry_run_source_mapping_and_rejected_file(runner, app, tmp_path):
    user = make_user("contributor", email="ines@example.com")
    mappings.save_mapping(
        "tickets",
        Mapping(text=["Description"], external_id="Ticket ID", date="Created", customer_email="Email"),
        user.id,
    )
    path = tmp_path / "t.csv"
    path.write_text(tickets(1, 3) + "T-9,,2024-02-09,x@example.com\n")
    args = ["voc", "import", str(path), "--mapping", "tickets", "--user", "ines@example.com"]
    dry = runner.invoke(args=[*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run, nothing stored (t.csv): 4 rows read; 3 items created" in dry.output
    assert count(Feedback) == 0
    rejected = tmp_path / "rejected.csv"
    result = runner.invoke(args=[*args, "--source", "helpdesk", "--rejected", str(rejected)])
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(select(Feedback.source))) == {"helpdesk"}
    rows = list(csv.reader(io.StringIO(rejected.read_text(encoding="utf-8"))))
    assert rows[-1] == [
        "T-9",
        "",
        "2024-02-09",
        "x@example.com",
        "row 5, column 'Description': no feedback text",
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--mapping", "nope"], "There is no saved mapping called 'nope'"),
        (["--user", "ghost@example.com"], "There is no user ghost@example.com"),
        (["--preset", "zendesk", "--mapping", "x"], "Choose --preset or --mapping, not both"),
    ],
)
def test_cli_errors_exit_non_zero_with_a_message(runner, app, tmp_path, extra, message):
    make_user("admin")
    path = tmp_path / "t.csv"
    path.write_text(tickets(1, 2))
    result = runner.invoke(args=["voc", "import", str(path), *extra])
    assert result.exit_code != 0
    assert message in result.output
    assert count(ImportBatch) == 0


def test_cli_refuses_a_bad_file(runner, app, tmp_path):
    make_user("admin")
    path = tmp_path / "header.csv"
    path.write_text("Comment,Date\n")
    result = runner.invoke(args=["voc", "import", str(path)])
    assert result.exit_code == 1
    assert "Error: header.csv has a header row but no data rows." in result.output
