"""Text made safe to hand out: e-mail addresses masked everywhere, formulas defused in spreadsheets."""
import re

from voc.export.roadmap import Value

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
EMAIL_MASK = "[email removed]"

# Characters that make Excel, LibreOffice or Sheets read a cell as a formula (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def mask_emails(text: str) -> str:
    """The text with every e-mail address replaced, as defence in depth behind the caller's filtering."""
    return EMAIL.sub(EMAIL_MASK, text)


def formula_safe(value: Value) -> Value:
    """A value that a spreadsheet shows as text, never runs: quote-prefixed if it could be a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def spreadsheet_cell(value: Value) -> Value:
    """A value safe for a CSV or XLSX cell: text masked and, if it could run as a formula, quote-prefixed."""
    if not isinstance(value, str):
        return value
    return formula_safe(mask_emails(value))
