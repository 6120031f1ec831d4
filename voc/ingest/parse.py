"""One source row + a Mapping -> the feedback items it holds, or the one reason it is rejected."""

import datetime as dt
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from voc.ingest.dates import DATE_ORDERS, DateError, parse_date
from voc.ingest.mapping import Mapping, MappingError
from voc.ingest.reader import SourceRow
from voc.vocabulary import MAX_TEXT_LENGTH, SCORE_RANGES

# Longest value each field may hold, as the database stores them.
MAX_LENGTHS = {
    "external_id": 200,
    "customer_email": 254,
    "customer_name": 200,
    "customer_organisation": 200,
    "customer_external_id": 200,
    "segment": 100,
    "stage": 60,
    "source": 100,
}
# Channel words people write -> voc's channels; anything else falls back to the mapping's default.
CHANNEL_WORDS = {
    **dict.fromkeys(("survey", "nps", "csat", "questionnaire", "poll", "form"), "survey"),
    **dict.fromkeys(
        ("ticket", "support", "helpdesk", "email", "e-mail", "chat", "live chat", "phone", "web", "portal"),
        "ticket",
    ),
    **dict.fromkeys(("interview", "user interview", "customer interview", "visit"), "interview"),
    **dict.fromkeys(("review", "app store", "play store", "g2", "trustpilot", "capterra"), "review"),
    **dict.fromkeys(("social", "twitter", "x", "facebook", "linkedin", "instagram", "reddit"), "social"),
    "other": "other",
}
# "9", "9.0", "10 - Extremely likely", "10 (Extremely likely)": a whole number first, words after.
_SCORE = re.compile(r"\s*(\d{1,3})(?:\.0*)?(?![\d.])")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Answers that say there is no answer. A cell of punctuation alone ("-", ".", "...") is one too.
PLACEHOLDERS = frozenset(
    {
        "n/a",
        "na",
        "n a",
        "none",
        "nil",
        "null",
        "no comment",
        "no comments",
        "nothing",
        "nothing to add",
        "nothing to say",
        "nothing else",
        "not applicable",
        "no answer",
        "no response",
        "no feedback",
    }
)
_PLACEHOLDER_WORDS = re.compile(r"\w+(?:/\w+)?")


@dataclass(frozen=True)
class ParseOptions:
    """How to read values the file leaves open."""

    date_order: str = "ymd"  # 'dmy' or 'mdy' settles 03/04/2024; 'ymd' rejects such values as ambiguous
    today: dt.date | None = None  # dates after it are rejected; None means the current date


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was rejected, pointing at the row and column a person should look at."""

    row: int
    column: str | None
    message: str
    skipped: bool = False  # nothing to import (a placeholder answer): skipped rather than rejected

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(slots=True)
class CustomerRef:
    """Who gave the feedback, as the file names them; the service finds or creates the customer."""

    email: str | None
    name: str | None
    organisation: str | None
    external_id: str | None
    segment: str | None

    @property
    def key(self) -> str:
        """See customer_key()."""
        return customer_key(self.email, self.external_id, self.name)


@dataclass(slots=True)
class Item:
    """One feedback item parsed from a row; a survey row with several answers gives several items."""

    row: int
    text: str
    question: str  # the column (or its question text) the text came from
    channel: str
    source: str | None
    external_id: str | None
    response_key: str  # shared by the items of one row
    received_on: dt.date | None  # None when the file gives no date; the service decides
    score: int | None
    score_kind: str | None
    stage: str | None
    customer: CustomerRef | None
    extras: dict

    @property
    def duplicate_key(self) -> tuple:
        """See duplicate_key()."""
        customer_key = self.customer.key if self.customer else ""
        return duplicate_key(self.source, self.external_id, customer_key, self.text, self.received_on)


def duplicate_key(
    source: str | None, external_id: str | None, customer_key: str, text: str, received_on: dt.date | None
) -> tuple:
    """Two items with equal keys are the same feedback: same system id, else same person, words and day.

    Pure, so the service can compute it for file rows and database rows alike and compare in bulk.
    """
    if external_id:
        return ("id", source or "", external_id)
    return ("text", customer_key, normalise_text(text), received_on.isoformat() if received_on else "")


def customer_key(email: str | None, external_id: str | None, name: str | None) -> str:
    """Who a customer is: external id, else e-mail, else name ('' if none).

    The same order as the stored customers are matched in (services/customers.match_customer and
    the import writer): a system's own id outlives a changed e-mail address.
    """
    if external_id and external_id.strip():
        return external_id.strip()
    if email and email.strip():
        return email.strip().lower()
    return " ".join((name or "").split()).casefold()


def normalise_text(text: str) -> str:
    """Text compared for duplicates: case and runs of whitespace ignored."""
    return " ".join(text.split()).casefold()


class RowParser:
    """A Mapping resolved against one header once, so each row costs only list lookups and checks."""

    def __init__(self, header: Sequence[str], mapping: Mapping, options: ParseOptions = ParseOptions()):
        problems = mapping.problems(header)
        if options.date_order not in DATE_ORDERS:
            problems.append(f"'{options.date_order}' is not a date order: use {', '.join(DATE_ORDERS)}")
        if problems:
            raise MappingError(problems)
        index = {name: i for i, name in enumerate(header)}
        self.mapping = mapping
        self.date_order = options.date_order
        # Tomorrow is still fine: the export may be written in a time zone ahead of ours.
        self.latest = (options.today or dt.date.today()) + dt.timedelta(days=1)
        self.text = [(index[c], c, mapping.labels.get(c, c)) for c in mapping.text]
        self.fallback = [(index[c], c, mapping.labels.get(c, c)) for c in [mapping.fallback_text] if c]
        self.names = [index[c] for c in mapping.customer_name]
        self.extras = [(index[c], c) for c in mapping.extras]
        self.date = (index[mapping.date], mapping.date) if mapping.date else None
        self.score = (index[mapping.score], mapping.score) if mapping.score else None
        self.score_range = SCORE_RANGES[mapping.score_kind] if mapping.score else None
        # Sibling answers need their own ids under the (source, external_id) rule; a hash of the
        # column keeps them short and stable across files that ask the same question.
        siblings = mapping.text if len(mapping.text) > 1 else []
        self.suffixes = {c: f":{zlib.crc32(c.encode()):08x}" for c in siblings}
        limits = {**MAX_LENGTHS, "external_id": MAX_LENGTHS["external_id"] - (9 if siblings else 0)}
        # Plain text fields: (field, column index, column, longest allowed value).
        self.plain = [
            (name, index[column], column, limits.get(name, MAX_TEXT_LENGTH))
            for name in (
                "channel",
                "external_id",
                "customer_email",
                "customer_organisation",
                "customer_external_id",
                "segment",
                "stage",
                "source",
            )
            if (column := getattr(mapping, name))
        ]

    def parse(self, row: SourceRow) -> list[Item] | RowError:
        """The row's items, or why it is rejected (the first problem found)."""
        values = row.values
        texts = self._texts(row, self.text)
        if texts == []:
            texts = self._texts(row, self.fallback)
        if isinstance(texts, RowError):
            return texts
        if not texts:
            for i, column, _ in [*self.text, *self.fallback]:
                if is_placeholder(text := _cell(values[i])):
                    message = f"'{text}' is a placeholder, not feedback"
                    return RowError(row.number, column, message, skipped=True)
            columns = [c for _, c, _ in self.text]
            if len(columns) == 1:
                return RowError(row.number, columns[0], "no feedback text")
            return RowError(row.number, None, "no feedback text in " + ", ".join(f"'{c}'" for c in columns))
        fields: dict[str, str] = {}
        for name, i, column, limit in self.plain:
            if value := _cell(values[i]):
                if len(value) > limit:
                    return RowError(row.number, column, f"'{value[:40]}…' is longer than {limit} characters")
                fields[name] = value
        name = " ".join([part for i in self.names if (part := _cell(values[i]))]) or None
        if name is not None and len(name) > MAX_LENGTHS["customer_name"]:
            message = f"the name is longer than {MAX_LENGTHS['customer_name']} characters"
            return RowError(row.number, self.mapping.customer_name[0], message)
        email = fields.get("customer_email")
        if email is not None:
            if not _EMAIL.fullmatch(email):
                message = f"'{email}' is not an e-mail address"
                return RowError(row.number, self.mapping.customer_email, message)
            email = email.lower()
        received_on = None
        if self.date:
            i, column = self.date
            try:
                received_on = parse_date(values[i], self.date_order)
            except DateError as exc:
                return RowError(row.number, column, str(exc))
            if received_on is not None and received_on > self.latest:
                return RowError(row.number, column, f"{received_on.isoformat()} is in the future")
        score = None
        if self.score:
            i, column = self.score
            score = self._score(values[i])
            if isinstance(score, str):
                return RowError(row.number, column, score)
        organisation, customer_id = fields.get("customer_organisation"), fields.get("customer_external_id")
        segment = fields.get("segment")
        customer = None
        if email or name or organisation or customer_id or segment:
            customer = CustomerRef(email, name, organisation, customer_id, segment)
        channel = CHANNEL_WORDS.get((fields.get("channel") or "").casefold(), self.mapping.default_channel)
        source = fields.get("source") or self.mapping.default_source
        external_id = fields.get("external_id")
        extras = {column: value for i, column in self.extras if (value := _extra(values[i])) != ""}
        response_key = external_id or f"row {row.number}"
        return [
            Item(
                row=row.number,
                text=text,
                question=question,
                channel=channel,
                source=source,
                external_id=external_id + self.suffixes.get(column, "") if external_id else None,
                response_key=response_key,
                received_on=received_on,
                score=score,
                score_kind=self.mapping.score_kind if score is not None else None,
                stage=fields.get("stage"),
                customer=customer,
                extras=extras,
            )
            for column, question, text in texts
        ]

    def _texts(self, row: SourceRow, columns: list[tuple[int, str, str]]) -> list[tuple[str, ...]] | RowError:
        """(column, question, text) per answered text cell, or the error for one that is too long."""
        texts = []
        for i, column, question in columns:
            text = _cell(row.values[i])
            if len(text) > MAX_TEXT_LENGTH:
                message = f"the text is {len(text):,} characters long; the limit is {MAX_TEXT_LENGTH:,}"
                return RowError(row.number, column, message)
            if text and not is_placeholder(text):
                texts.append((column, question, text))
        return texts

    def _score(self, value: object) -> int | None | str:
        """The score as a whole number in range, None when empty, or the message saying what is wrong."""
        if value.__class__ is str:
            if not (text := value.strip()):
                return None
            if not (match := _SCORE.match(text)):
                return f"'{text}' is not a score"
            number = int(match.group(1))
        elif value is None:
            return None
        elif isinstance(value, int | float) and not isinstance(value, bool):
            number = value
        else:
            return f"{value!r} is not a score"
        if number != int(number):
            return f"{value} is not a whole-number score"
        low, high = self.score_range
        if not low <= number <= high:
            kind = (self.mapping.score_kind or "").upper()
            return f"{int(number)} is outside the {kind} range {low}-{high}"
        return int(number)


def is_placeholder(text: str) -> bool:
    """Whether a stripped answer only says there is none: "-", "N/A", "no comment.", "None"."""
    if not text or len(text) > 30:
        return False
    if all(unicodedata.category(ch)[0] == "P" or ch.isspace() for ch in text):
        return True  # "-", "...", "?", but not an emoji, which says something
    return " ".join(_PLACEHOLDER_WORDS.findall(text.casefold())) in PLACEHOLDERS


def _cell(value: object) -> str:
    """A cell as stripped text; XLSX numbers like 12345.0 read as '12345'."""
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _extra(value: object) -> str | int | float | bool:
    """A cell as a JSON-ready extra attribute value ('' when empty)."""
    if isinstance(value, int | float | bool):
        return value
    return _cell(value)
