"""The roadmap as spreadsheets: one CSV row per hit, or a workbook with a summary and a sheet per horizon."""

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from voc.export.cells import mask_personal_data, spreadsheet_cell
from voc.export.roadmap import COLUMNS, Roadmap, Value, hit_row, ordered_hits

SUMMARY_SHEET = "Summary"
SHEET_NAME_LIMIT = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 60
BOLD = Font(bold=True)
WRAPPED = Alignment(wrap_text=True, vertical="top")
NUMBER_FORMATS = {
    "score": "0.00",
    "mean_sentiment": "0.00",
    "share_negative": "0%",
    "target_date": "yyyy-mm-dd",
    "first_seen": "yyyy-mm-dd",
    "last_seen": "yyyy-mm-dd",
}


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Value]]) -> str:
    """Header and rows as CSV, every cell through spreadsheet_cell and dates in ISO form."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_value(spreadsheet_cell(value)) for value in row])
    return buffer.getvalue()


def to_csv(roadmap: Roadmap) -> str:
    """One row per hit in COLUMNS order, by stage, horizon and score."""
    return csv_text(COLUMNS, (hit_row(hit) for hit in ordered_hits(roadmap)))


def to_xlsx(roadmap: Roadmap) -> bytes:
    """A workbook: a stage × horizon Summary, then one sheet per horizon with the CSV's columns."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = SUMMARY_SHEET
    _write_summary(summary, roadmap)
    taken = {SUMMARY_SHEET.lower()}
    hits = ordered_hits(roadmap)
    for horizon in roadmap.horizons:
        title = sheet_title(horizon, taken)
        taken.add(title.lower())
        sheet = workbook.create_sheet(title)
        _append(sheet, COLUMNS, bold=True)
        for hit in hits:
            if hit.horizon == horizon:
                _append(sheet, hit_row(hit))
        _finish_table(sheet, COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_title(name: str, taken: set[str]) -> str:
    """A sheet name Excel accepts: no []:*?/\\, no edge apostrophes, at most 31 characters, unused."""
    base = SHEET_NAME_FORBIDDEN.sub("-", mask_personal_data(name)).strip("' ") or "Sheet"
    title, copy = base[:SHEET_NAME_LIMIT], 1
    # Excel compares sheet names without regard to case.
    while title.lower() in taken:
        copy += 1
        suffix = f" ({copy})"
        title = base[: SHEET_NAME_LIMIT - len(suffix)] + suffix
    return title


def _write_summary(sheet: Worksheet, roadmap: Roadmap) -> None:
    """Hit counts per stage and horizon with totals, then when and how the roadmap was drawn."""
    counts = {(stage, horizon): 0 for stage in roadmap.stages for horizon in roadmap.horizons}
    for hit in roadmap.hits:
        counts[hit.stage, hit.horizon] += 1
    header = ("Stage", *roadmap.horizons, "Total")
    _append(sheet, header, bold=True)
    for stage in roadmap.stages:
        row = [counts[stage, horizon] for horizon in roadmap.horizons]
        _append(sheet, (stage, *row, sum(row)))
    totals = [sum(counts[stage, horizon] for stage in roadmap.stages) for horizon in roadmap.horizons]
    _append(sheet, ("Total", *totals, sum(totals)), bold=True)
    sheet.append(())
    _append(sheet, ("Generated on", roadmap.generated_on))
    _append(sheet, ("Filters",), bold=True)
    for label, value in roadmap.filters.items() or [("none", None)]:
        _append(sheet, (label, value))
    sheet.freeze_panes = "A2"
    _fit_widths(sheet)


def _append(sheet: Worksheet, values: Sequence[Value], bold: bool = False) -> None:
    """Add a row of safe cells: text cannot become a formula or carry characters XML forbids."""
    sheet.append([_xlsx_value(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
        if bold:
            cell.font = BOLD


def _finish_table(sheet: Worksheet, header: Sequence[str]) -> None:
    """Freeze and filter the header, format numbers and dates, wrap long text."""
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for column, name in enumerate(header, start=1):
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            if name in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[name]
            cell.alignment = WRAPPED
    _fit_widths(sheet)


def _fit_widths(sheet: Worksheet) -> None:
    """Columns as wide as their longest line, within bounds so quotes wrap instead of stretching."""
    for cells in sheet.iter_cols():
        longest = max((len(line) for cell in cells for line in _display(cell.value).splitlines()), default=0)
        width = min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(cells[0].column)].width = width


def _display(value: object) -> str:
    """Roughly what a cell shows, for sizing its column."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _xlsx_value(value: Value) -> Value:
    """A cell value for openpyxl: made safe, minus control characters it would refuse to write."""
    value = spreadsheet_cell(value)
    if not isinstance(value, str):
        return value
    # XML turns a bare CR into LF on reading anyway; writing LF keeps what we write what Excel shows.
    return ILLEGAL_CHARACTERS_RE.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _csv_value(value: Value) -> str | int | float:
    """A cell value for the csv module: empty for missing, ISO for dates."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
