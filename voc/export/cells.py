"""Text made safe to hand out: personal data masked everywhere, formulas defused in spreadsheets."""
from voc.export import pii
from voc.export.roadmap import Value

# Characters that make Excel, LibreOffice or Sheets read a cell as a formula (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def mask_personal_data(text: str) -> str:
    """E-mails, phones and card numbers masked, as defence in depth behind the caller's filtering."""
    return pii.mask(text)


def spreadsheet_cell(value: Value) -> Value:
    """A value safe for a CSV or XLSX cell: text masked and, if it could run as a formula, quote-prefixed."""
    if not isinstance(value, str):
        return value
    text = mask_personal_data(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text
