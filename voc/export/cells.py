"""Text made safe to hand out: personal data masked everywhere, formulas defused in spreadsheets."""

from voc import pii
from voc.export.roadmap import Value

# Characters that make Excel, LibreOffice or Sheets read a cell as a formula (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def mask_personal_data(text: str) -> str:
    """E-mails, phones and card numbers masked, as defence in depth behind the caller's filtering."""
    return pii.mask(text)


def formula_safe(value: Value) -> Value:
    """A value that a spreadsheet shows as text, never runs: quote-prefixed if it could be a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def spreadsheet_cell(value: Value) -> Value:
    """A value safe for a CSV or XLSX cell: text masked and, if it could run as a formula, quote-prefixed."""
    if not isinstance(value, str):
        return value
    return formula_safe(mask_personal_data(value))
