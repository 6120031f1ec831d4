"""Pure roadmap exports: Roadmap -> CSV, XLSX, Markdown, JSON and Jira CSV, safe to hand out."""

from voc.export.cells import mask_personal_data, spreadsheet_cell
from voc.export.document import to_json
from voc.export.jira import priority, to_jira_csv
from voc.export.markdown import to_markdown
from voc.export.roadmap import COLUMNS, MAX_QUOTES, Evidence, Roadmap, RoadmapHit, ordered_hits
from voc.export.tables import to_csv, to_xlsx

__all__ = [
    "COLUMNS",
    "MAX_QUOTES",
    "Evidence",
    "Roadmap",
    "RoadmapHit",
    "mask_personal_data",
    "ordered_hits",
    "priority",
    "spreadsheet_cell",
    "to_csv",
    "to_jira_csv",
    "to_json",
    "to_markdown",
    "to_xlsx",
]
