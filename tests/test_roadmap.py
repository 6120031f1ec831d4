"""The roadmap page and its exports: content read back, consent honoured, formulas neutralised."""

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from tests.factories import make_customer, make_feedback, make_user, sign_in, stage_named
from voc.extensions import db
from voc.services import hits, roadmap

TODAY = dt.date.today()


def new_hit(title, stage, horizon, impact=3, confidence=80, effort=2.0, feedback=(), **extra):
    data = hits.HitInput(
        title=title,
        stage_id=stage_named(stage).id,
        horizon=horizon,
        kind="quick fix",
        impact=impact,
        confidence=confidence,
        effort=effort,
        **extra,
    )
    return hits.create_hit(data, None, feedback_ids=tuple(f.id for f in feedback))


@pytest.fixture
def roadmap_data(app):
    """Three hits over two stages; quotes from one consenting and one non-consenting customer."""
    yes = make_customer(name="Quotable Quinn", email="quinn@example.com", consent_quote=True)
    no = make_customer(name="Private Pat", email="pat@example.com", consent_quote=False)
    said_yes = make_feedback(
        text="The bill doubled and nobody explained why",
        customer=yes,
        sentiment=-0.6,
        received_on=TODAY - dt.timedelta(days=3),
    )
    said_no = make_feedback(
        text="Private words that must not leave voc",
        customer=no,
        sentiment=-0.9,
        received_on=TODAY - dt.timedelta(days=9),
    )
    return {
        "billing": new_hit(
            "Explain bill changes",
            "Action",
            "this month",
            impact=4,
            effort=1.0,
            feedback=(said_yes, said_no),
            reach=10,
        ),
        "formula": new_hit(
            '=HYPERLINK("http://evil.example","x")',
            "Action",
            "this month",
            impact=1,
            effort=4.0,
            reach=2,
            problem="+44 call us, or mail help@example.com",
        ),
        "advert": new_hit("Advert shows the full price", "Awareness", "year 2", reach=5),
    }


def download(client, fmt, **args):
    response = client.get(f"/roadmap/export.{fmt}", query_string=args)
    assert response.status_code == 200
    return response


@pytest.fixture
def viewer(client, app):
    sign_in(client, make_user("viewer"))


def test_page_has_stages_down_and_horizons_across(client, viewer, roadmap_data):
    body = client.get("/roadmap/").get_data(as_text=True)
    assert body.index('<th scope="row">Awareness') < body.index('<th scope="row">Action')
    assert [h for h in ("This week", "This month", "This year", "Year 2", "Year 3") if h in body] == [
        "This week",
        "This month",
        "This year",
        "Year 2",
        "Year 3",
    ]
    assert "Explain bill changes" in body and "2 items" in body and "RICE 32" in body
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;x&#34;)" in body  # shown as text


def test_csv_reads_back_in_order_with_consented_quotes_only(client, viewer, roadmap_data):
    text = download(client, "csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["stage"], r["horizon"], r["title"]) for r in rows] == [
        ("Awareness", "year 2", "Advert shows the full price"),
        ("Action", "this month", "Explain bill changes"),
        ("Action", "this month", '\'=HYPERLINK("http://evil.example","x")'),
    ]
    billing = rows[1]
    figures = (billing["score"], billing["reach"], billing["items"], billing["customers"])
    assert figures == ("32.0", "10", "2", "2")
    assert billing["quote_1"] == "The bill doubled and nobody explained why"
    assert "Private words" not in text
    assert rows[2]["problem"] == "'+44 call us, or mail [email removed]"
    assert "@example.com" not in text


def test_xlsx_has_a_sheet_per_horizon_and_neutralised_cells(client, viewer, roadmap_data):
    book = load_workbook(io.BytesIO(download(client, "xlsx").data))
    assert book.sheetnames == ["Summary", "this week", "this month", "this year", "year 2", "year 3"]
    month = book["this month"]
    header = [c.value for c in month[1]]
    titles = [row[header.index("title")] for row in month.iter_rows(min_row=2, values_only=True)]
    assert titles == ["Explain bill changes", '\'=HYPERLINK("http://evil.example","x")']
    assert all(cell.data_type != "f" for row in month.iter_rows() for cell in row)
    assert "Private words" not in str([c.value for row in month.iter_rows() for c in row])


def test_json_and_markdown_carry_the_same_hits(client, viewer, roadmap_data):
    document = json.loads(download(client, "json").data)
    titles = sorted(hit["title"] for hit in document["hits"])
    assert titles == sorted(
        ["Advert shows the full price", "Explain bill changes", '=HYPERLINK("http://evil.example","x")']
    )
    billing = next(h for h in document["hits"] if h["title"] == "Explain bill changes")
    assert billing["quotes"] == ["The bill doubled and nobody explained why"]
    markdown = download(client, "md").data.decode()
    assert markdown.index("## Awareness") < markdown.index("## Action")
    assert "Private words" not in markdown and "@example.com" not in markdown


def test_jira_csv_has_the_importer_columns(client, viewer, roadmap_data):
    rows = list(csv.reader(io.StringIO(download(client, "jira").data.decode())))
    assert rows[0] == ["Summary", "Description", "Issue Type", "Priority", "Labels", "Labels", "Due Date"]
    billing = next(r for r in rows[1:] if r[0] == "Explain bill changes")
    assert billing[4:6] == ["stage-Action", "horizon-this-month"]
    assert billing[3] == "Highest"
    assert "The bill doubled" in billing[1] and "Private words" not in billing[1]


def test_exports_follow_the_on_screen_filters(client, viewer, roadmap_data):
    stage = stage_named("Awareness").id
    rows = list(csv.DictReader(io.StringIO(download(client, "csv", stage=stage).data.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["Advert shows the full price"]
    page = client.get(f"/roadmap/?stage={stage}").get_data(as_text=True)
    assert f"/roadmap/export.csv?stage={stage}" in page
    rows = list(
        csv.DictReader(io.StringIO(download(client, "csv", horizon="this month").data.decode("utf-8-sig")))
    )
    assert {r["horizon"] for r in rows} == {"this month"}


def test_print_view_breaks_pages_per_horizon(client, viewer, roadmap_data):
    body = client.get("/roadmap/print?paper=letter").get_data(as_text=True)
    assert body.count('<section class="horizon">') == 5
    assert "print-letter.css" in body and "Explain bill changes" in body
    assert "Private words" not in body
    assert "print-a4.css" in client.get("/roadmap/print").get_data(as_text=True)


@pytest.mark.parametrize("fmt", [*roadmap.FORMATS, "print"])
def test_every_export_and_the_print_view_mask_personal_data_in_staff_words(client, viewer, roadmap_data, fmt):
    stage = stage_named("Action")
    stage.name = "Action (ask ops@example.com)"
    roadmap_data["advert"].title = "Call Ann on +44 7700 900123 about the advert"
    db.session.commit()
    response = client.get("/roadmap/print" if fmt == "print" else f"/roadmap/export.{fmt}")
    body = response.data if fmt == "xlsx" else response.get_data(as_text=True)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(body))
        body = str([c.value for sheet in book for row in sheet.iter_rows() for c in row])
    assert response.status_code == 200
    assert "help@example.com" not in body and "ops@example.com" not in body and "900123" not in body
    assert "[email removed]" in body


def test_unknown_format_is_not_found(client, viewer, roadmap_data):
    assert client.get("/roadmap/export.exe").status_code == 404


def test_cli_writes_each_format(runner, roadmap_data):
    result = runner.invoke(args=["voc", "roadmap", "--format", "json", "--stage", "action"])
    assert result.exit_code == 0, result.output
    assert {h["stage"] for h in json.loads(result.stdout_bytes)["hits"]} == {"Action"}
    xlsx = runner.invoke(args=["voc", "roadmap", "--format", "xlsx"])
    assert load_workbook(io.BytesIO(xlsx.stdout_bytes)).sheetnames[0] == "Summary"
    bad = runner.invoke(args=["voc", "roadmap", "--stage", "Loyalty"])
    assert bad.exit_code == 1 and "There is no stage called" in bad.output
