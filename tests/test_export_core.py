"""Roadmap exports parsed back: order, columns, values, defused formulas, masked e-mails, Jira rules."""

import ast
import csv
import datetime as dt
import io
import json
import re
import sys
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

import voc.export
from voc.export import (
    COLUMNS,
    Evidence,
    Roadmap,
    RoadmapHit,
    priority,
    spreadsheet_cell,
    to_csv,
    to_jira_csv,
    to_json,
    to_markdown,
    to_xlsx,
)
from voc.export.tables import sheet_title

STAGES = ("Awareness", "Consider", "Action")
HORIZONS = ("this week", "this month", "this year", "year 2", "year 3")
HOSTILE_TITLE = '=HYPERLINK("http://x")'
EMAIL = "jane.doe@example.com"


def make_hit(**overrides) -> RoadmapHit:
    """A plain hit; tests override what they look at."""
    values = dict(
        title="Checkout fails on mobile",
        problem="Card form resets",
        stage="Consider",
        horizon="this month",
        kind="quick fix",
        owner="Ana",
        status="planned",
        score=40.0,
        reach=120,
        impact=3,
        confidence=80,
        effort=2.0,
        target_date=dt.date(2024, 6, 30),
        evidence=Evidence(
            items=5,
            customers=4,
            channels={"ticket": 2, "survey": 3},
            first_seen=dt.date(2024, 1, 2),
            last_seen=dt.date(2024, 3, 4),
            mean_sentiment=-0.456,
            share_negative=0.6,
        ),
        quotes=("It just resets!", "Lost my basket twice"),
    )
    return RoadmapHit(**(values | overrides))


HITS = (
    make_hit(),
    make_hit(
        title=HOSTILE_TITLE,
        problem="+1",
        owner="-2",
        stage="Action",
        horizon="this week",
        score=10.0,
        quotes=("@SUM(A1)", "\tx", "\rx"),
    ),
    make_hit(
        title="Refunds are slow",
        problem=f"Write to {EMAIL} for refunds",
        stage="Awareness",
        horizon="year 2",
        score=5.0,
        quotes=(f"Mail me at {EMAIL} please",),
    ),
    make_hit(title="Pricing | plans", problem="Line one\nLine two | more", score=60.0, target_date=None),
    make_hit(title="Compare plans", horizon="this week", score=25.0, quotes=()),
    make_hit(
        title="Nobody knows us",
        stage="Awareness",
        horizon="this year",
        score=80.0,
        target_date=None,
        evidence=Evidence(),
        quotes=(),
    ),
)
EXPECTED_ORDER = [
    "Nobody knows us",
    "Refunds are slow",
    "Compare plans",
    "Pricing | plans",
    "Checkout fails on mobile",
    HOSTILE_TITLE,
]
SAFE_ORDER = [*EXPECTED_ORDER[:-1], "'" + HOSTILE_TITLE]


@pytest.fixture
def roadmap() -> Roadmap:
    return Roadmap(
        stages=STAGES,
        horizons=HORIZONS,
        hits=HITS,
        generated_on=dt.date(2024, 5, 1),
        filters={"owner": "Ana", "status": "planned, in progress"},
    )


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_rows_follow_stage_horizon_and_score_with_all_columns(roadmap):
    header, *rows = read_csv(to_csv(roadmap))
    assert tuple(header) == COLUMNS
    records = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["title"] for r in records] == SAFE_ORDER
    checkout = records[4]
    assert checkout == {
        "stage": "Consider",
        "horizon": "this month",
        "title": "Checkout fails on mobile",
        "problem": "Card form resets",
        "status": "planned",
        "owner": "Ana",
        "kind": "quick fix",
        "score": "40.0",
        "reach": "120",
        "impact": "3",
        "confidence": "80",
        "effort": "2.0",
        "target_date": "2024-06-30",
        "items": "5",
        "customers": "4",
        "channels": "survey 3; ticket 2",
        "first_seen": "2024-01-02",
        "last_seen": "2024-03-04",
        "mean_sentiment": "-0.46",
        "share_negative": "0.6",
        "nps_impact": "",
        "csat_impact": "",
        "quote_1": "It just resets!",
        "quote_2": "Lost my basket twice",
        "quote_3": "",
    }
    empty = records[0]
    assert [empty[name] for name in ("target_date", "first_seen", "mean_sentiment", "channels")] == [""] * 4


def test_csv_neutralises_formula_cells_and_masks_emails(roadmap):
    text = to_csv(roadmap)
    records = [dict(zip(COLUMNS, row, strict=True)) for row in read_csv(text)[1:]]
    hostile = records[-1]
    assert (hostile["title"], hostile["problem"], hostile["owner"]) == ("'" + HOSTILE_TITLE, "'+1", "'-2")
    assert (hostile["quote_1"], hostile["quote_2"], hostile["quote_3"]) == ("'@SUM(A1)", "'\tx", "'\rx")
    assert hostile["mean_sentiment"] == "-0.46"  # a number, not text: left alone
    refunds = records[1]
    assert refunds["problem"] == "Write to [email removed] for refunds"
    assert refunds["quote_1"] == "Mail me at [email removed] please"
    assert EMAIL not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (-0.5, -0.5),
        (3, 3),
        (None, None),
        (dt.date(2024, 1, 2), dt.date(2024, 1, 2)),
        (f"={EMAIL}", "'=[email removed]"),
    ],
)
def test_spreadsheet_cell(value, expected):
    assert spreadsheet_cell(value) == expected


def test_xlsx_has_summary_then_a_sheet_per_horizon(roadmap):
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(roadmap)))
    assert book.sheetnames == ["Summary", *HORIZONS]
    summary = book["Summary"]
    grid = [[cell.value for cell in row] for row in summary.iter_rows(min_row=1, max_row=5)]
    assert grid == [
        ["Stage", *HORIZONS, "Total"],
        ["Awareness", 0, 0, 1, 1, 0, 2],
        ["Consider", 1, 2, 0, 0, 0, 3],
        ["Action", 1, 0, 0, 0, 0, 1],
        ["Total", 2, 2, 1, 1, 0, 6],
    ]
    rest = [[cell.value for cell in row if cell.value is not None] for row in summary.iter_rows(min_row=6)]
    assert [row for row in rest if row] == [
        ["Generated on", dt.datetime(2024, 5, 1)],
        ["Filters"],
        ["owner", "Ana"],
        ["status", "planned, in progress"],
    ]
    assert summary.freeze_panes == "A2" and summary["A1"].font.bold


def test_xlsx_horizon_sheets_hold_the_csv_columns_typed_and_safe(roadmap):
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(roadmap)))
    month = book["this month"]
    header, *rows = [[cell.value for cell in row] for row in month.iter_rows()]
    assert tuple(header) == COLUMNS
    assert all(cell.font.bold for cell in month[1]) and month.freeze_panes == "A2"
    assert [row[2] for row in rows] == ["Pricing | plans", "Checkout fails on mobile"]
    checkout = dict(zip(COLUMNS, rows[1], strict=True))
    assert (checkout["score"], checkout["reach"], checkout["mean_sentiment"]) == (40, 120, -0.46)
    assert checkout["target_date"] == dt.datetime(2024, 6, 30)
    assert book["year 3"].max_row == 1  # header only
    assert 8 <= month.column_dimensions["D"].width <= 60

    week = book["this week"]
    hostile = next(row for row in week.iter_rows(min_row=2) if row[2].value.startswith("'="))
    cells = dict(zip(COLUMNS, hostile, strict=True))
    expected = {
        "title": "'" + HOSTILE_TITLE,
        "problem": "'+1",
        "owner": "'-2",
        "quote_1": "'@SUM(A1)",
        "quote_2": "'\tx",
        "quote_3": "'\nx",  # CR is defused, then a line break
    }
    assert {name: cells[name].value for name in expected} == expected
    assert {cells[name].data_type for name in expected} == {"s"}
    assert cells["mean_sentiment"].data_type == "n"
    every_text = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not any(isinstance(v, str) and EMAIL in v for v in every_text)
    assert "Write to [email removed] for refunds" in every_text


def test_sheet_titles_are_safe_for_excel():
    taken = {"summary"}
    title = sheet_title("'Q3/Q4: [big] *bets*? \\ plus a very long tail'", taken)
    assert len(title) <= 31 and not re.search(r"[\[\]:*?/\\]", title) and not title.startswith("'")
    assert sheet_title("Summary", taken) == "Summary (2)"
    taken.add(title.lower())
    again = sheet_title("'Q3/Q4: [big] *bets*? \\ plus a very long tail'", taken)
    assert again != title and len(again) <= 31 and again.endswith("(2)")


def test_markdown_sections_follow_the_journey_and_escape_cells(roadmap):
    text = to_markdown(roadmap)
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings == list(STAGES)
    assert "- **owner**: Ana" in text and "Generated on 2024-05-01" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    # Every row keeps the header's nine cells: pipes inside text are escaped, line breaks are <br>.
    assert {len(re.split(r"(?<!\\)\|", row)) - 2 for row in rows} == {9}
    assert "| this month | Pricing \\| plans | Line one<br>Line two \\| more |" in text
    titles = [re.split(r"(?<!\\)\| ", row)[2].strip() for row in rows if not row.startswith("| Horizon")]
    assert titles == [t.replace("|", "\\|") for t in EXPECTED_ORDER]
    assert "> Lost my basket twice" in text and "> Mail me at [email removed] please" in text
    assert "> @SUM(A1)\n\n> x\n\n>\n> x\n" in text  # tab and CR quotes stay quotes, not code
    assert "_No hits._" not in text and EMAIL not in text


def test_markdown_keeps_html_and_links_from_hostile_text_inert():
    hostile = RoadmapHit(
        title="<audio src=x onloadeddata=alert(1)>",
        problem="[click](javascript:alert(2)) & <b>more</b>",
        stage="<img src=x onerror=alert(3)>",
        horizon="this week",
        kind="quick fix",
        owner="<i>Ana</i>",
        status="planned",
        score=1.0,
        reach=1,
        impact=1,
        confidence=50,
        effort=1.0,
        quotes=("<script>alert(4)</script> mail me at jo@example.com",),
    )
    text = to_markdown(
        Roadmap(
            stages=(hostile.stage,),
            horizons=HORIZONS,
            hits=(hostile,),
            generated_on=dt.date(2024, 5, 1),
            filters={"stage": "<s>x</s>"},
        )
    )
    assert "<" not in text.replace("<br>", "")
    assert "## &lt;img src=x onerror=alert(3)&gt;" in text and "- **stage**: &lt;s&gt;x&lt;/s&gt;" in text
    assert "| &lt;audio src=x onloadeddata=alert(1)&gt; | \\[click\\](javascript:alert(2)) &amp; " in text
    assert "> &lt;script&gt;alert(4)&lt;/script&gt; mail me at [email removed]" in text


def test_markdown_marks_an_empty_stage():
    empty = Roadmap(stages=("Awareness",), horizons=HORIZONS, hits=(), generated_on=dt.date(2024, 5, 1))
    assert "## Awareness\n\n_No hits._" in to_markdown(empty)
    assert "Filters: none." in to_markdown(empty)


def test_json_is_the_documented_structure(roadmap):
    document = json.loads(to_json(roadmap))
    assert document["format"] == "voc-roadmap" and document["version"] == 1
    assert document["generated_on"] == "2024-05-01"
    assert (document["stages"], document["horizons"]) == (list(STAGES), list(HORIZONS))
    assert document["filters"] == {"owner": "Ana", "status": "planned, in progress"}
    assert [hit["title"] for hit in document["hits"]] == EXPECTED_ORDER  # JSON is no spreadsheet: no prefix
    checkout = document["hits"][4]
    assert checkout["target_date"] == "2024-06-30" and checkout["score"] == 40.0
    assert checkout["evidence"] == {
        "items": 5,
        "customers": 4,
        "channels": {"ticket": 2, "survey": 3},
        "first_seen": "2024-01-02",
        "last_seen": "2024-03-04",
        "mean_sentiment": -0.456,
        "share_negative": 0.6,
    }
    assert checkout["quotes"] == ["It just resets!", "Lost my basket twice"]
    assert document["hits"][0]["evidence"]["first_seen"] is None
    assert EMAIL not in to_json(roadmap) and "[email removed]" in document["hits"][1]["problem"]


def test_jira_csv_has_importer_columns_labels_and_priorities(roadmap):
    header, *rows = read_csv(to_jira_csv(roadmap))
    assert header == ["Summary", "Description", "Issue Type", "Priority", "Labels", "Labels", "Due Date"]
    assert [row[0] for row in rows] == SAFE_ORDER
    # Scores 80, 5, 25, 60, 40, 10 rank into fifths of the mid-rank percentile.
    assert [row[3] for row in rows] == ["Highest", "Lowest", "Medium", "High", "Medium", "Low"]
    assert {row[2] for row in rows} == {"Task"}
    checkout = rows[4]
    assert checkout[4:] == ["stage-Consider", "horizon-this-month", "2024-06-30"]
    assert rows[3][6] == ""  # no target date
    assert all(" " not in label for row in rows for label in row[4:6])
    description = checkout[1]
    assert description.startswith("Card form resets\n\nEvidence: 5 items, 4 customers, survey 3; ticket 2")
    assert "mean sentiment -0.46, 60% negative" in description
    assert '- "It just resets!"' in description and "Owner: Ana" in description
    hostile = rows[5]
    assert hostile[0] == "'" + HOSTILE_TITLE and hostile[1].startswith("'+1\n")
    assert "[email removed]" in rows[1][1] and EMAIL not in to_jira_csv(roadmap)


def test_jira_issue_type_is_configurable(roadmap):
    _, *rows = read_csv(to_jira_csv(roadmap, issue_type="Story"))
    assert {row[2] for row in rows} == {"Story"}


@pytest.mark.parametrize(
    ("score", "scores", "expected"),
    [
        (7, [7], "Medium"),
        (1, [1, 1, 1], "Medium"),
        (1, [1, 2, 3, 4, 5], "Lowest"),
        (2, [1, 2, 3, 4, 5], "Low"),
        (3, [1, 2, 3, 4, 5], "Medium"),
        (4, [1, 2, 3, 4, 5], "High"),
        (5, [1, 2, 3, 4, 5], "Highest"),
        (9, [1, 9], "High"),
    ],
)
def test_priority_bands(score, scores, expected):
    assert priority(score, scores) == expected


def test_roadmap_refuses_hits_outside_its_stages_and_horizons():
    stray = make_hit(stage="Loyalty")
    with pytest.raises(ValueError, match="unknown stage 'Loyalty'"):
        Roadmap(stages=STAGES, horizons=HORIZONS, hits=(stray,), generated_on=dt.date(2024, 5, 1))


def test_hit_refuses_more_than_three_quotes():
    with pytest.raises(ValueError, match="more than 3"):
        replace(HITS[0], quotes=("a", "b", "c", "d"))


def test_export_core_imports_only_stdlib_and_openpyxl():
    allowed = set(sys.stdlib_module_names) | {"openpyxl"}
    for path in Path(voc.export.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):  # `from voc import pii` counts as voc.pii
                module = node.module or ""
                names = [f"voc.{a.name}" if module == "voc" else module for a in node.names]
            else:
                continue
            for name in names:
                own = name.startswith(("voc.export", "voc.pii"))
                assert name.split(".")[0] in allowed or own, (path.name, name)
