"""Dates as exports write them -> datetime.date: explicit forms first, strict about day/month ambiguity."""

import datetime as dt
import re
from collections.abc import Iterable

DATE_ORDERS = ("ymd", "dmy", "mdy")

# Excel's day 0; counting from here absorbs its fictional 29 Feb 1900 for every date after it.
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Serials from 1927-05-18 to 9999-12-31: smaller numbers are more likely years, counts or ids.
SERIAL_MIN, SERIAL_MAX = 10_000, 2_958_465

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

# An optional time after the date: 10:32, 10:32:11.5, 10:32 AM, with Z, UTC or an offset.
_TIME = (
    r"(?:[ T,]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"  # 10:32, 10:32:11, 10:32:11.5
    r"\s*(?:[ap]\.?m\.?)?"  # AM / p.m.
    r"(?:\s*(?:z|utc|gmt|[+-]\d{2}:?\d{2}))?)?"  # zone
)
_NUMERIC = re.compile(r"(\d{1,4})([-/.])(\d{1,2})\2(\d{2,4})" + _TIME + r"\s*$", re.IGNORECASE)
_DAY_MONTH_NAME = re.compile(
    r"(\d{1,2})[-/ ]([a-z]{3,9})\.?[-/ ,]+(\d{2}|\d{4})" + _TIME + r"\s*$", re.IGNORECASE
)
_MONTH_NAME_DAY = re.compile(r"([a-z]{3,9})\.? (\d{1,2}),? (\d{4})" + _TIME + r"\s*$", re.IGNORECASE)
_ISO_TAIL = re.compile(_TIME + r"\s*$", re.IGNORECASE)
_SERIAL = re.compile(r"\d{5,7}(?:\.\d+)?$")


class DateError(ValueError):
    """A value that is not a date, or whose day and month cannot be told apart."""


def parse_date(value: object, order: str = "ymd") -> dt.date | None:
    """The date a cell holds, or None when it is empty; `order` settles 03/04/2024-style values."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise DateError(f"{value!r} is not a valid date")
    if isinstance(value, int | float):
        return _from_serial(value, repr(value))
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return _parse_text(text, order)
    except ValueError as exc:  # date() rejects 31 February and friends
        if isinstance(exc, DateError):
            raise
        raise DateError(f"'{text}' is not a valid date") from None


def _parse_text(text: str, order: str) -> dt.date:
    """Tries the forms exports use, cheapest and most common first."""
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and _ISO_TAIL.match(text, 10):
        return dt.date.fromisoformat(text[:10])
    if match := _NUMERIC.match(text):
        first, separator, second, third = match.groups()
        return _numeric_date(text, int(first), len(first), separator, int(second), third, order)
    if match := _DAY_MONTH_NAME.match(text):
        day, month, year = match.groups()
        return dt.date(_year(year), _month(month, text), int(day))
    if match := _MONTH_NAME_DAY.match(text):
        month, day, year = match.groups()
        return dt.date(int(year), _month(month, text), int(day))
    if _SERIAL.match(text):
        return _from_serial(float(text), f"'{text}'")
    raise DateError(f"'{text}' is not a valid date")


def _numeric_date(
    text: str, first: int, first_digits: int, separator: str, second: int, third: str, order: str
) -> dt.date:
    """2024-01-15, 15.01.2024, 15/01/2024 or 01/15/2024, with the user's order for the ambiguous ones."""
    if first_digits == 4:
        return dt.date(first, second, int(third))
    if first_digits > 2:
        raise DateError(f"'{text}' is not a valid date")
    year = _year(third)
    # Dotted dates are a European convention, so always day first.
    if separator == "." or order == "dmy":
        return dt.date(year, second, first)
    if order == "mdy":
        return dt.date(year, first, second)
    if first > 12 or first == second:
        return dt.date(year, second, first)
    if second > 12:
        return dt.date(year, first, second)
    raise DateError(f"'{text}' is ambiguous: day and month could be either way round; choose the date order")


def _year(digits: str) -> int:
    """Four-digit years as written; two-digit ones (15/Jan/24) are this century."""
    if len(digits) == 2:
        return 2000 + int(digits)
    if len(digits) == 4:
        return int(digits)
    raise ValueError(digits)


def _month(name: str, text: str) -> int:
    """Month number from an English month name or abbreviation."""
    try:
        return MONTHS[name.lower()]
    except KeyError:
        raise DateError(f"'{text}' is not a valid date") from None


def _from_serial(number: float, shown: str) -> dt.date:
    """Excel's day count since 1899-12-30, as XLSX number cells and some CSV exports hold dates."""
    if not SERIAL_MIN <= number <= SERIAL_MAX:
        raise DateError(f"{shown} is not a valid date")
    return EXCEL_EPOCH + dt.timedelta(days=int(number))


def detect_date_order(values: Iterable[object]) -> str:
    """'ymd' when no value needs an order, 'dmy' or 'mdy' when some value proves it, else 'ambiguous'."""
    day_first = month_first = undecided = False
    for value in values:
        if not isinstance(value, str) or not (match := _NUMERIC.match(value.strip())):
            continue
        first, separator, second, _ = match.groups()
        if len(first) == 4:
            continue
        if separator == "." or int(first) > 12:
            day_first = True
        elif int(second) > 12:
            month_first = True
        elif first != second:
            undecided = True
    if day_first and month_first:
        return "ambiguous"
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    return "ambiguous" if undecided else "ymd"
