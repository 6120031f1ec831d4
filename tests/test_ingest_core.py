"""The pure ingest core: reading uploads, guessing mappings and parsing rows, without an app or database."""

import ast
import datetime as dt
import io
import itertools
import json
import pathlib
import sys
import tracemalloc
from collections.abc import Iterator

import openpyxl
import pytest

from voc.ingest import (
    PRESETS,
    DateError,
    Item,
    Mapping,
    MappingError,
    ParseOptions,
    ReadError,
    RowError,
    RowParser,
    SourceRow,
    Table,
    customer_key,
    detect_date_order,
    detect_preset,
    duplicate_key,
    guess_mapping,
    parse_date,
    read_table,
)

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "imports"
TODAY = dt.date(2024, 12, 31)


def parse_rows(table: Table, mapping, options: ParseOptions) -> Iterator:
    """Every data row parsed after the mapping's extra header rows, lazily, as the import reads them."""
    parser = RowParser(table.header, mapping, options)
    return map(parser.parse, itertools.islice(table, mapping.header_rows, None))


def read(data: bytes, name: str = "feedback.csv", **kwargs) -> Table:
    """A table over in-memory upload bytes."""
    return read_table(io.BytesIO(data), name, **kwargs)


def run(table: Table, mapping: Mapping | None = None, date_order: str | None = None):
    """What the import service does: preview, guess, settle the date order, parse; returns (items, errors)."""
    preview = table.peek(50)
    mapping = mapping or guess_mapping(table.header, [row.values for row in preview])
    if date_order is None and mapping.date:
        column = table.header.index(mapping.date)
        date_order = detect_date_order(row.values[column] for row in preview)
    options = ParseOptions(date_order=date_order if date_order in ("dmy", "mdy") else "ymd", today=TODAY)
    items: list[Item] = []
    errors: list[RowError] = []
    for result in parse_rows(table, mapping, options):
        if isinstance(result, RowError):
            errors.append(result)
        else:
            items.extend(result)
    return items, errors


def summary(item: Item) -> tuple:
    """The parts of an item the preset tests check."""
    email = item.customer.email if item.customer else None
    return item.row, item.text[:24], item.received_on, item.score, email


PRESET_CASES = [
    pytest.param(
        "surveymonkey.csv",
        dict(
            text=["What is the main reason for your score?", "What could we do better?"],
            date="End Date",
            score="How likely is it that you would recommend Larkspur Cloud to a friend or colleague?",
            score_kind="nps",
            customer_email="Email Address",
            customer_name=["First Name", "Last Name"],
            external_id="Respondent ID",
            header_rows=1,
            default_channel="survey",
        ),
        [
            (3, "Setup took ten minutes, ", dt.date(2024, 1, 15), 9, "ana.souza@example.com"),
            (3, "Please add a dark mode.", dt.date(2024, 1, 15), 9, "ana.souza@example.com"),
            (4, "Exports are slow\nand tim", dt.date(2024, 2, 3), 6, None),
        ],
        [
            "row 5: no feedback text in 'What is the main reason for your score?',"
            " 'What could we do better?'",
            "row 6, column 'How likely is it that you would recommend Larkspur Cloud to a friend or"
            " colleague?': 12 is outside the NPS range 0-10",
        ],
        id="surveymonkey",
    ),
    pytest.param(
        "typeform.csv",
        dict(
            text=["What's the one thing we should improve?"],
            date="Submit Date (UTC)",
            score="On a scale of 0-10, how likely are you to recommend Larkspur to a friend?",
            score_kind="nps",
            customer_email="email",
            external_id="#",
            default_channel="survey",
        ),
        [
            (2, "Search is great but filt", dt.date(2024, 3, 4), 10, "lee@example.org"),
            (3, "Billing page is confusin", dt.date(2024, 3, 5), 3, "sam@example.com"),
        ],
        ["row 4, column 'What's the one thing we should improve?': no feedback text"],
        id="typeform",
    ),
    pytest.param(
        "google_forms.csv",
        dict(
            text=["What did you like most?", "Anything else you'd like to tell us?"],
            date="Timestamp",
            score="How likely are you to recommend Larkspur to a colleague?",
            score_kind="nps",
            customer_email="Email address",
            external_id=None,
            default_channel="survey",
        ),
        [
            (2, "The monthly summary emai", dt.date(2024, 3, 14), 8, "jo@example.com"),
            (2, "Invoices should show the", dt.date(2024, 3, 14), 8, "jo@example.com"),
            (3, "Fast onboarding.", dt.date(2024, 3, 2), 10, "ria@example.com"),
        ],
        ["row 4: no feedback text in 'What did you like most?', 'Anything else you'd like to tell us?'"],
        id="google_forms",
    ),
    pytest.param(
        "qualtrics.csv",
        dict(
            text=["Q2", "Q4"],
            date="RecordedDate",
            score="Q1",
            score_kind="nps",
            customer_email="RecipientEmail",
            customer_name=["RecipientFirstName", "RecipientLastName"],
            customer_external_id="ExternalReference",
            external_id="ResponseId",
            header_rows=2,
            default_channel="survey",
        ),
        [
            (4, "Solid product, but the m", dt.date(2024, 4, 2), 8, "jonas.meyer@example.de"),
            (4, "Offline mode for the mob", dt.date(2024, 4, 2), 8, "jonas.meyer@example.de"),
            (5, "Everything just works.", dt.date(2024, 4, 3), 10, "giulia@example.it"),
        ],
        [],
        id="qualtrics",
    ),
    pytest.param(
        "zendesk.csv",
        dict(
            text=["Subject"],
            date="Created at",
            score=None,
            customer_email="Requester email",
            customer_name=["Requester"],
            customer_organisation="Organization",
            external_id="Id",
            default_channel="ticket",
        ),
        [
            (2, "Cannot reset my password", dt.date(2024, 5, 6), None, "priya@example.com"),
            (3, "Invoice shows the wrong ", dt.date(2024, 5, 8), None, "omar@example.net"),
        ],
        ["row 4, column 'Subject': no feedback text"],
        id="zendesk",
    ),
    pytest.param(
        "freshdesk.csv",
        dict(
            text=["Description"],
            fallback_text="Subject",
            date="Created time",
            customer_email="Email",
            customer_name=["Full name"],
            customer_organisation="Company Name",
            external_id="Ticket ID",
            default_channel="ticket",
        ),
        [
            (2, "When I export more than ", dt.date(2024, 6, 10), None, "mia.chen@example.com"),
            (3, "We would like to sign in", dt.date(2024, 6, 12), None, "noah@example.org"),
        ],
        [],
        id="freshdesk",
    ),
    pytest.param(
        "jira_sm.csv",
        dict(
            text=["Description"],
            fallback_text="Summary",
            date="Created",
            score="Custom field (Satisfaction)",
            score_kind="csat",
            customer_name=["Reporter"],
            customer_organisation="Custom field (Organizations)",
            external_id="Issue key",
            default_channel="ticket",
        ),
        [
            (2, "Uploading a 6 MB PDF fai", dt.date(2024, 6, 12), 4, None),
            (3, "Dashboard loads slowly e", dt.date(2024, 6, 17), None, None),  # no description: summary
        ],
        [],
        id="jira_service_management",
    ),
    pytest.param(
        "intercom.csv",
        dict(
            text=["First message", "Conversation rating remark"],
            date="Conversation started at",
            score="Conversation rating",
            score_kind="csat",
            customer_email="User email",
            customer_name=["User name"],
            customer_organisation="Company name",
            external_id="Conversation ID",
            default_channel="ticket",
        ),
        [
            (2, "How do I invite my team ", dt.date(2024, 7, 1), 5, "sofia@example.it"),
            (2, "Quick and friendly answe", dt.date(2024, 7, 1), 5, "sofia@example.it"),
            (3, "The calendar sync duplic", dt.date(2024, 7, 2), 2, "ben@example.com"),
        ],
        [],
        id="intercom",
    ),
]


@pytest.mark.parametrize(("filename", "expected_mapping", "expected_items", "expected_errors"), PRESET_CASES)
def test_preset_exports_map_and_parse(filename, expected_mapping, expected_items, expected_errors):
    with (FIXTURES / filename).open("rb") as stream, read_table(stream, filename) as table:
        preset = detect_preset(table.header)
        mapping = guess_mapping(table.header, [row.values for row in table.peek(5)])
        items, errors = run(table, mapping)
    assert preset is not None and mapping.preset == preset.name
    assert table.header_row == 1
    for field, value in expected_mapping.items():
        assert getattr(mapping, field) == value, field
    assert [summary(item) for item in items] == expected_items
    assert [str(error) for error in errors] == expected_errors
    assert {item.channel for item in items} == {preset.channel}
    assert {item.source for item in items} == {preset.source}


def guessed_mapping(filename: str) -> Mapping:
    """The mapping guessed from a fixture's header and the rows under it."""
    with (FIXTURES / filename).open("rb") as stream, read_table(stream, filename) as table:
        return guess_mapping(table.header, [row.values for row in table.peek(5)])


def test_survey_answers_of_one_response_share_a_key_but_not_an_id():
    with (FIXTURES / "qualtrics.csv").open("rb") as stream, read_table(stream, "qualtrics.csv") as table:
        items, _ = run(table)
    first, second = items[0], items[1]
    assert first.response_key == second.response_key == "R_1a2B3c4D5e6F7g8"
    assert first.external_id != second.external_id
    assert first.external_id.startswith("R_1a2B3c4D5e6F7g8:")
    assert first.question == "Why did you give that score?"  # Qualtrics' question text, not "Q2"
    assert first.customer.name == "Jonas Meyer"
    assert first.extras["Q3"] == "Operations"
    assert first.extras["Q1_NPS_GROUP"] == "Passive"


@pytest.mark.parametrize(
    ("filename", "dropped_line", "header_rows", "text"),
    [
        ("surveymonkey.csv", 1, 0, ["What is the main reason for your score?", "What could we do better?"]),
        ("qualtrics.csv", 2, 1, ["Q2", "Q4"]),
    ],
    ids=["surveymonkey-without-subheader", "qualtrics-without-import-ids"],
)
def test_multi_row_headers_skip_only_the_header_rows_present(filename, dropped_line, header_rows, text):
    lines = (FIXTURES / filename).read_bytes().splitlines(keepends=True)
    table = read(b"".join(lines[:dropped_line] + lines[dropped_line + 1 :]))
    mapping = guess_mapping(table.header, [row.values for row in table.peek(5)])
    assert (mapping.header_rows, mapping.text) == (header_rows, text)
    items, _ = run(table, mapping)
    assert items[0].row == header_rows + 2


def test_unmapped_columns_are_kept_as_extras():
    with (FIXTURES / "zendesk.csv").open("rb") as stream, read_table(stream, "zendesk.csv") as table:
        items, _ = run(table)
    assert items[0].extras["Satisfaction Score"] == "Good"
    assert items[0].extras["Via"] == "Web Form"
    assert "Subject" not in items[0].extras
    assert items[0].customer.external_id == "ext-77"


def test_duplicate_column_names_are_numbered():
    with (FIXTURES / "jira_sm.csv").open("rb") as stream, read_table(stream, "jira_sm.csv") as table:
        assert table.header[-2:] == ["Comment", "Comment (2)"]


SAMPLE = "Name,Comment,Date\nZoë,Le café coûte 5 €,2024-01-05\nOle,Fine,2024-01-06\n"


@pytest.mark.parametrize(
    ("encoding", "delimiter", "data"),
    [
        ("utf-8", ",", SAMPLE.encode("utf-8")),
        ("utf-8-sig", ",", SAMPLE.encode("utf-8-sig")),
        ("utf-16", "\t", SAMPLE.replace(",", "\t").encode("utf-16")),  # Excel's "Unicode text"
        ("utf-16", "\t", b"\xfe\xff" + SAMPLE.replace(",", "\t").encode("utf-16-be")),
        ("cp1252", ",", SAMPLE.encode("cp1252")),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "windows-1252"],
)
def test_encodings(encoding, delimiter, data):
    table = read(data)
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert table.header == ["Name", "Comment", "Date"]
    assert [row.values for row in table] == [
        ["Zoë", "Le café coûte 5 €", "2024-01-05"],
        ["Ole", "Fine", "2024-01-06"],
    ]


def test_invalid_byte_after_the_sample_is_a_clear_error():
    rows = "".join(f"{n},fine,2024-01-05\n" for n in range(8000))  # well past the 64 KB sample
    data = ("id,comment,date\n" + rows).encode() + b"8000,caf\xe9,2024-01-05\n"
    table = read(data)
    assert table.encoding == "utf-8"
    with pytest.raises(ReadError, match=r"row \d+: the file is not valid UTF-8 \(byte 0xe9\)"):
        list(table)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_delimiters_with_quoted_newlines_and_delimiters_in_text(delimiter):
    d = delimiter
    data = (
        f"id{d}comment{d}date\n"
        f'1{d}"Slow, slower; slowest\nand a second line"{d}2024-02-01\n'
        f'2{d}"He said ""fine"""{d}2024-02-02\n'
        f"3{d}plain{d}2024-02-03\n"
    ).encode()
    table = read(data)
    assert table.delimiter == delimiter
    rows = list(table)
    assert [row.values[1] for row in rows] == [
        "Slow, slower; slowest\nand a second line",
        'He said "fine"',
        "plain",
    ]
    assert [row.number for row in rows] == [2, 3, 4]


def test_title_and_blank_rows_above_header_trailing_columns_and_blank_rows_within():
    data = (
        b"Customer feedback export\n"
        b"\n"
        b",,,,\n"
        b"Date,Comment,Email,,\n"
        b"2024-01-02,Good,a@example.com,,\n"
        b",,,,\n"
        b"2024-01-03,Bad,b@example.com,,\n"
    )
    table = read(data)
    assert table.header_row == 4
    assert table.header == ["Date", "Comment", "Email"]
    rows = list(table)
    assert [(row.number, row.values) for row in rows] == [
        (5, ["2024-01-02", "Good", "a@example.com"]),
        (7, ["2024-01-03", "Bad", "b@example.com"]),
    ]
    assert table.blank_rows == 1


def test_short_rows_are_padded_to_the_header():
    table = read(b"comment,email,date\nonly text\n")
    assert [row.values for row in table] == [["only text", "", ""]]


def test_xlsx_with_title_row_datetimes_and_excel_serial_dates():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Q1 feedback (exported)"])
    sheet.append([])
    sheet.append(["Ticket", "Comment", "Created", "NPS"])
    sheet.append([1001, "Love the new editor", dt.datetime(2024, 1, 15, 10, 30), 9])
    sheet.append([1002, "Search is slow", 45123, "7"])  # a serial number: 2023-07-16
    sheet.append([1003, "Crashes on save", "15.02.2024", 3.0])
    other = workbook.create_sheet("Tickets")
    other.append(["Id", "Description", "Date"])
    other.append(["A-1", "From the second sheet", "2024-03-01"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read(buffer.getvalue(), "export.xlsx")
    assert (table.header_row, table.header, table.sheet) == (
        3,
        ["Ticket", "Comment", "Created", "NPS"],
        "Sheet",
    )
    items, errors = run(table)
    assert errors == []
    assert [(i.row, i.external_id, i.received_on, i.score) for i in items] == [
        (4, "1001", dt.date(2024, 1, 15), 9),
        (5, "1002", dt.date(2023, 7, 16), 7),
        (6, "1003", dt.date(2024, 2, 15), 3),
    ]
    buffer.seek(0)
    with read_table(buffer, "export.xlsx", sheet="Tickets") as second:
        assert [row.values for row in second] == [["A-1", "From the second sheet", "2024-03-01"]]


def test_unreadable_files():
    with pytest.raises(ReadError, match="cannot be read as an Excel workbook"):
        read(b"PK\x03\x04 not really a zip", "broken.xlsx")
    with pytest.raises(ReadError, match=r"\.xls files are not supported"):
        read(b"\xd0\xcf\x11\xe0", "old.xls")
    with pytest.raises(ReadError, match="no rows"):
        read(b"\n\n", "empty.csv")


@pytest.mark.parametrize(
    ("value", "order", "expected"),
    [
        ("2024-03-04", "ymd", dt.date(2024, 3, 4)),
        ("2024-03-04T10:11:12Z", "ymd", dt.date(2024, 3, 4)),
        ("2024-03-04 10:11:12.123+01:00", "ymd", dt.date(2024, 3, 4)),
        ("2024/03/04", "ymd", dt.date(2024, 3, 4)),
        ("03/04/2024", "mdy", dt.date(2024, 3, 4)),
        ("03/04/2024", "dmy", dt.date(2024, 4, 3)),
        ("3/14/2024 2:05:33 PM", "ymd", dt.date(2024, 3, 14)),  # unambiguous, so no order needed
        ("14/03/2024 14:05", "ymd", dt.date(2024, 3, 14)),
        ("04.03.2024", "mdy", dt.date(2024, 3, 4)),  # dotted dates are always day first
        ("4/3/24", "dmy", dt.date(2024, 3, 4)),
        ("12/Jun/24 3:41 PM", "ymd", dt.date(2024, 6, 12)),
        ("15 January 2024", "ymd", dt.date(2024, 1, 15)),
        ("Jan 15, 2024", "ymd", dt.date(2024, 1, 15)),
        ("45123", "ymd", dt.date(2023, 7, 16)),
        (45123.75, "ymd", dt.date(2023, 7, 16)),
        (dt.datetime(2024, 1, 2, 23, 59), "ymd", dt.date(2024, 1, 2)),
        ("  ", "ymd", None),
    ],
)
def test_parse_date(value, order, expected):
    assert parse_date(value, order) == expected


@pytest.mark.parametrize(
    ("value", "order", "message"),
    [
        ("31/02/2024", "dmy", "'31/02/2024' is not a valid date"),
        ("2024-13-01", "ymd", "'2024-13-01' is not a valid date"),
        ("03/04/2024", "ymd", "'03/04/2024' is ambiguous"),
        ("13/01/2024", "mdy", "'13/01/2024' is not a valid date"),
        ("yesterday", "ymd", "'yesterday' is not a valid date"),
        ("2024", "ymd", "'2024' is not a valid date"),
        ("12/Foo/24", "ymd", "'12/Foo/24' is not a valid date"),
    ],
)
def test_invalid_dates(value, order, message):
    with pytest.raises(DateError, match=message):
        parse_date(value, order)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2024-01-15", "2024-02-01 10:00"], "ymd"),
        (["15/01/2024", "03/02/2024"], "dmy"),
        (["01/15/2024", "03/02/2024"], "mdy"),
        (["03/02/2024", "05/06/2024", "07/07/2024"], "ambiguous"),  # every day <= 12
        (["15/01/2024", "01/15/2024"], "ambiguous"),  # contradictory
        (["03.02.2024"], "dmy"),
        ([dt.datetime(2024, 1, 1), 45123, "", None, "12/Jun/24"], "ymd"),
    ],
)
def test_detect_date_order(values, expected):
    assert detect_date_order(values) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),
        (" 9 ", 9),
        ("9.0", 9),
        ("10 - Extremely likely", 10),
        ("0 (Not at all likely)", 0),
        (8, 8),
        (6.0, 6),
        ("", None),
        (None, None),
    ],
)
def test_nps_scores_as_text_or_numbers(value, expected):
    items = parse_one({"comment": "ok", "score": value}, score="score", score_kind="nps")
    assert items[0].score == expected
    assert items[0].score_kind == ("nps" if expected is not None else None)


def parse_one(cells: dict, date_order: str = "ymd", **mapping) -> list[Item] | RowError:
    """Parses one row given as {column: value} with a mapping whose text column is 'comment'."""
    header = list(cells)
    parser = RowParser(header, Mapping(text=["comment"], **mapping), ParseOptions(date_order, today=TODAY))
    return parser.parse(SourceRow(17, list(cells.values())))


@pytest.mark.parametrize(
    ("cells", "mapping", "message"),
    [
        ({"comment": "  "}, {}, "row 17, column 'comment': no feedback text"),
        (
            {"comment": "x" * 20_001},
            {},
            "row 17, column 'comment': the text is 20,001 characters long; the limit is 20,000",
        ),
        (
            {"comment": "ok", "Date": "31/02/2024"},
            {"date": "Date"},
            "row 17, column 'Date': '31/02/2024' is not a valid date",
        ),
        (
            {"comment": "ok", "Date": "05/06/2024"},
            {"date": "Date"},
            "row 17, column 'Date': '05/06/2024' is ambiguous: day and month could be either way round;"
            " choose the date order",
        ),
        (
            {"comment": "ok", "Date": "2025-01-05"},
            {"date": "Date"},
            "row 17, column 'Date': 2025-01-05 is in the future",
        ),
        (
            {"comment": "ok", "NPS": "11"},
            {"score": "NPS", "score_kind": "nps"},
            "row 17, column 'NPS': 11 is outside the NPS range 0-10",
        ),
        (
            {"comment": "ok", "CSAT": "0"},
            {"score": "CSAT", "score_kind": "csat"},
            "row 17, column 'CSAT': 0 is outside the CSAT range 1-5",
        ),
        (
            {"comment": "ok", "NPS": "great"},
            {"score": "NPS", "score_kind": "nps"},
            "row 17, column 'NPS': 'great' is not a score",
        ),
        (
            {"comment": "ok", "NPS": 7.5},
            {"score": "NPS", "score_kind": "nps"},
            "row 17, column 'NPS': 7.5 is not a whole-number score",
        ),
        (
            {"comment": "ok", "Email": "bob at example"},
            {"customer_email": "Email"},
            "row 17, column 'Email': 'bob at example' is not an e-mail address",
        ),
        (
            {"comment": "ok", "Ticket": "T" * 201},
            {"external_id": "Ticket"},
            f"row 17, column 'Ticket': '{'T' * 40}…' is longer than 200 characters",
        ),
    ],
    ids=[
        "no-text",
        "too-long",
        "invalid-date",
        "ambiguous-date",
        "future-date",
        "nps-range",
        "csat-range",
        "not-a-score",
        "fractional-score",
        "bad-email",
        "long-id",
    ],
)
def test_rejections_name_the_row_and_column(cells, mapping, message):
    error = parse_one(cells, **mapping)
    assert isinstance(error, RowError)
    assert str(error) == message


def test_tomorrow_is_tolerated_for_time_zones():
    items = parse_one({"comment": "ok", "Date": "2025-01-01"}, date="Date")
    assert items[0].received_on == dt.date(2025, 1, 1)


def test_channel_values_and_defaults():
    header = ["comment", "channel"]
    parser = RowParser(header, Mapping(text=["comment"], channel="channel", default_channel="survey"))
    channels = [
        parser.parse(SourceRow(2, ["ok", value]))[0].channel
        for value in ("Email", "Twitter", "carrier pigeon", "")
    ]
    assert channels == ["ticket", "social", "survey", "survey"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            ["Ticket ID", "Requester email", "Customer name", "Comment", "Created at", "Priority"],
            dict(
                text=["Comment"],
                customer_email="Requester email",
                customer_name=["Customer name"],
                date="Created at",
                external_id="Ticket ID",
                extras=["Priority"],
            ),
        ),
        (
            [
                "Email Address",
                "Date",
                "How likely are you to recommend us?",
                "What could we improve?",
                "Why did you give that score?",
                "Segment",
                "Journey stage",
            ],
            dict(
                text=["What could we improve?", "Why did you give that score?"],
                customer_email="Email Address",
                score="How likely are you to recommend us?",
                score_kind="nps",
                segment="Segment",
                stage="Journey stage",
            ),
        ),
        (
            ["Subject", "Description", "Body ID", "Feedback date", "CSAT"],
            dict(text=["Description"], fallback_text="Subject", score="CSAT", score_kind="csat"),
        ),
        (
            ["FEEDBACK", " e-mail ", "First name", "Last name"],
            dict(text=["FEEDBACK"], customer_email=" e-mail ", customer_name=["First name", "Last name"]),
        ),
    ],
)
def test_guess_mapping_from_header_names(header, expected):
    mapping = guess_mapping(header)
    assert mapping.preset is None
    for field, value in expected.items():
        assert getattr(mapping, field) == value, field


def test_mapping_round_trips_through_json():
    mapping = guessed_mapping("surveymonkey.csv")
    assert Mapping.from_dict(json.loads(json.dumps(mapping.to_dict()))) == mapping


def test_bad_saved_mappings_are_refused():
    with pytest.raises(MappingError) as caught:
        Mapping.from_dict({"text": "Comment", "colour": "blue", "header_rows": -1, "date": 3})
    assert caught.value.problems == [
        "unknown mapping key 'colour'",
        "'text' must be a list of column names",
        "'header_rows' must be a whole number of rows",
        "'date' must be a column name or empty",
    ]


def test_a_mapping_that_does_not_fit_the_file_is_refused():
    with pytest.raises(MappingError) as caught:
        RowParser(["Comment", "NPS"], Mapping(text=["Feedback"], score="NPS"), ParseOptions(date_order="ydm"))
    assert caught.value.problems == [
        "the file has no column 'Feedback'",
        "say whether the score is NPS (0-10) or CSAT (1-5)",
        "'ydm' is not a date order: use ymd, dmy, mdy",
    ]


def test_every_preset_is_listed_with_its_channel():
    assert {name: (p.channel, p.source) for name, p in PRESETS.items()} == {
        "surveymonkey": ("survey", "surveymonkey"),
        "typeform": ("survey", "typeform"),
        "google_forms": ("survey", "google forms"),
        "qualtrics": ("survey", "qualtrics"),
        "qualtrics_legacy": ("survey", "qualtrics"),
        "zendesk": ("ticket", "zendesk"),
        "freshdesk": ("ticket", "freshdesk"),
        "jira_service_management": ("ticket", "jira"),
        "intercom": ("ticket", "intercom"),
    }


def test_duplicate_keys():
    with (
        (FIXTURES / "google_forms.csv").open("rb") as stream,
        read_table(stream, "google_forms.csv") as table,
    ):
        items, _ = run(table)
    # No response id in Google Forms: the key is who, what and when.
    assert items[0].duplicate_key == ("text", "jo@example.com", "the monthly summary email.", "2024-03-14")
    same = duplicate_key(None, None, "jo@example.com", "  The MONTHLY summary\nemail. ", dt.date(2024, 3, 14))
    assert same == items[0].duplicate_key
    assert duplicate_key("zendesk", "4512", "someone", "anything", None) == ("id", "zendesk", "4512")
    assert customer_key(" Jo@Example.com ", "c-1", "Jo") == "c-1"  # as stored customers are matched
    assert customer_key(" Jo@Example.com ", None, "Jo") == "jo@example.com"
    assert customer_key("", None, "  Jo   Smith ") == "jo smith"


def test_reading_is_streamed_not_materialised(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,comment,email,date,nps\n")
        out.writelines(
            f"{n},Feedback number {n} about the product,user{n % 500}@example.com,"
            f"2024-05-{n % 28 + 1:02d},{n % 11}\n"
            for n in range(50_000)
        )
    size = path.stat().st_size
    with path.open("rb") as stream, read_table(stream, "big.csv") as table:
        results = parse_rows(table, guess_mapping(table.header), ParseOptions(today=TODAY))
        assert isinstance(results, Iterator)
        assert sum(len(result) for result in results) == 50_000
    tracemalloc.start()
    try:
        with path.open("rb") as stream, read_table(stream, "big.csv") as table:
            assert sum(1 for _ in table) == 50_000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # A fixed cost (the 64 KB sample, sniffing, one row at a time), not a share of the file.
    assert peak < min(1_000_000, size / 4), (peak, size)


def test_the_core_imports_only_the_standard_library_openpyxl_and_itself():
    for path in (pathlib.Path(__file__).parents[1] / "voc" / "ingest").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                allowed = name.split(".")[0] in sys.stdlib_module_names | {"openpyxl"}
                assert allowed or name.startswith(("voc.ingest", "voc.vocabulary")), (path.name, name)
