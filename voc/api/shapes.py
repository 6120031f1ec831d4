"""The API's one declaration of its shapes: request bodies, query parameters and answers.

Bodies and query strings are checked against them before any service sees a value (the API's
counterpart of voc/forms.py: no queries, only what a value must look like; services still apply every
rule of the data). Answers are held to them on the way out (`answer`), and voc/api/openapi.py renders
the same declarations into the OpenAPI document, so the three cannot drift apart.
"""

import datetime as dt
from dataclasses import dataclass, field

from voc.models import HIT_KINDS, HIT_STATUSES, HORIZONS, INT_MAX
from voc.services.feedback import LANGUAGES
from voc.vocabulary import CHANNELS, MAX_TEXT_LENGTH, SCORE_KINDS


@dataclass(frozen=True)
class Field:
    """One JSON member or query parameter: its type, whether it must be there, its longest length,
    nested members, and what the document says of it."""

    # "string", "integer", "number", "boolean", "date", "datetime", "object", "array" (of objects),
    # "strings", "integers", "counts" (an object of integers by name), "labels" (of strings by name)
    kind: str
    required: bool = False
    max_length: int | None = None  # of a string, or of each string of "strings"
    max_items: int | None = None  # of "strings"
    members: dict[str, "Field"] = field(default_factory=dict)  # for objects, and for array items
    nullable: bool = True
    description: str = ""
    choices: tuple[str, ...] = ()  # the only values a string may take
    high: int = INT_MAX  # the largest integer a query parameter takes (the smallest is 1)
    open: bool = False  # an object (or array item) whose members are not declared: the roadmap's hits


CUSTOMER_REF = {
    "name": Field("string", max_length=200),
    "email": Field("string", max_length=254),
    "organisation": Field("string", max_length=200),
    "segment": Field("string", max_length=100),
    "external_id": Field("string", max_length=200),
}
FEEDBACK = {
    "text": Field("string", required=True, max_length=MAX_TEXT_LENGTH, nullable=False),
    "channel": Field("string", required=True, max_length=20, nullable=False),
    "date": Field("date"),
    "source": Field("string", max_length=100),
    "external_id": Field("string", max_length=200),
    "score": Field("integer"),
    "score_kind": Field("string", max_length=10),
    "stage": Field("string", max_length=60),
    "customer": Field("object", members=CUSTOMER_REF),
}
CUSTOMER = {
    "name": Field("string", required=True, max_length=200, nullable=False),
    "organisation": Field("string", max_length=200),
    "segment": Field("string", max_length=100),
    "email": Field("string", max_length=254),
    "consent_quote": Field("boolean"),
    "consent_contact": Field("boolean"),
}
# A partial update: the same fields, none required.
CUSTOMER_CHANGES = {
    name: Field(f.kind, max_length=f.max_length, nullable=f.nullable) for name, f in CUSTOMER.items()
}
QUOTE = {
    "text": Field("string", required=True, max_length=MAX_TEXT_LENGTH, nullable=False),
    "stage": Field("string", max_length=60),
}
NEW_CUSTOMER = {name: CUSTOMER_REF[name] for name in ("name", "email", "organisation", "segment")}
INTERVIEW = {
    "customer_id": Field("integer"),
    "customer": Field("object", members=NEW_CUSTOMER),
    "held_on": Field("date", required=True, nullable=False),
    "place": Field("string", required=True, max_length=200, nullable=False),
    "duration_minutes": Field("integer", required=True, nullable=False),
    "notes": Field("string", max_length=MAX_TEXT_LENGTH),
    "quotes": Field("array", required=True, members=QUOTE, nullable=False),
}
THEME_CHANGES = {
    "name": Field("string", max_length=200, nullable=False),
    "noise": Field("boolean", nullable=False),
}
HIT_CHANGES = {
    "version": Field("integer", required=True, nullable=False),
    "status": Field("string", max_length=20, nullable=False),
    "reason": Field("string", max_length=500),
    "horizon": Field("string", max_length=20, nullable=False),
}
SURVEY = {
    "title": Field("string", required=True, max_length=200, nullable=False),
    "intro": Field("string", max_length=2_000),
    "score_kind": Field("string", max_length=10),
    "questions": Field("strings", required=True, max_length=300, max_items=3, nullable=False),
    "stage": Field("string", max_length=60),
    "segment": Field("string", max_length=100),
    "thanks_name": Field("string", required=True, max_length=120, nullable=False),
    "thanks_text": Field("string", required=True, max_length=500, nullable=False),
    "closes_on": Field("date"),
    "max_responses": Field("integer"),
    "embed_origins": Field("strings", max_length=100, max_items=5),
}
# ----- answers -------------------------------------------------------------------------------------


def out(kind: str, nullable: bool = False, required: bool = True, **details) -> Field:
    """A member of an answer: there unless `required` is False, never null unless `nullable`."""
    return Field(kind, required=required, nullable=nullable, **details)


BRIEF = {"id": out("integer"), "name": out("string")}
FEEDBACK_RECORD = {
    "id": out("integer"),
    "text": out("string"),
    "channel": out("string", choices=CHANNELS),
    "received_on": out("date"),
    "source": out("string", True),
    "external_id": out("string", True),
    "stage": out("string", True),
    "customer_id": out("integer", True),
    "interview_id": out("integer", True),
    "score": out("integer", True),
    "score_kind": out("string", True, choices=SCORE_KINDS),
    "sentiment": out("number", True),
    "sentiment_source": out(
        "string", True, description="From the customer's score, learned from N scored items, or the lexicon."
    ),
    "suggested_stage": out(
        "string",
        True,
        description="For an item without a stage: the stage voc suggests, "
        "not yet confirmed by a person (null when none).",
    ),
    "stage_confidence": out(
        "number",
        True,
        description="The suggestion's confidence, 0 to 1; none is made below the documented minimum.",
    ),
    "theme_id": out("integer", True),
    "language": out(
        "string", True, description="ISO 639-1 code read from the text; null when it has no letters."
    ),
    "created_at": out("datetime"),
    "customer": out("object", True, members=BRIEF),
    "quotable": out("boolean", description="The customer agreed to be quoted."),
}
STORED = {
    "items": out(
        "array",
        members={
            "id": out("integer"),
            "status": out("string", choices=("created", "duplicate")),
            "feedback": out("object", members=FEEDBACK_RECORD, description="The item as stored."),
        },
    ),
    "created": out("integer"),
    "duplicates": out("integer"),
}
CUSTOMER_RECORD = {
    "id": out("integer"),
    "name": out("string"),
    "organisation": out("string", True),
    "segment": out("string", True),
    "external_id": out("string", True),
    "consent_quote": out("boolean"),
    "consent_contact": out("boolean"),
    "created_at": out("datetime"),
    "email": out("string", True, required=False, description="Only in answers to triagers and admins."),
    "feedback_items": out(
        "integer", required=False, description="In lists: how many items the customer gave."
    ),
}
INTERVIEW_RECORD = {
    "id": out("integer"),
    "customer": out("object", members=BRIEF),
    "interviewer": out("object", members=BRIEF),
    "held_on": out("date"),
    "place": out("string"),
    "duration_minutes": out("integer"),
    "notes": out("string"),
    "items": out("array", members=FEEDBACK_RECORD),
}
# A theme's evidence is there while it is current (not retired) and has items.
_EVIDENCE = {"required": False}
THEME_RECORD = {
    "id": out("integer"),
    "title": out("string"),
    "label": out("string"),
    "name": out("string", True),
    "keywords": out("array", members={"term": out("string"), "weight": out("number")}),
    "noise": out("boolean"),
    "retired": out("boolean"),
    "merged_into_id": out("integer", True),
    "items": out("integer"),
    "customers": out("integer", **_EVIDENCE),
    "sentiment": out("number", True, **_EVIDENCE),
    "recent": out("integer", description="Items in the last 30 days.", **_EVIDENCE),
    "previous": out("integer", description="Items in the 30 days before those.", **_EVIDENCE),
    "trend": out("integer", **_EVIDENCE),
    "channels": out("counts", **_EVIDENCE),
    "stages": out("array", members={"stage": out("string"), "items": out("integer")}, **_EVIDENCE),
}
THEME_DETAIL = {
    **THEME_RECORD,
    "quotes": out(
        "array",
        members={"feedback_id": out("integer"), "text": out("string")},
        description="Only customers who agreed to be quoted.",
    ),
}
HIT_RECORD = {
    "id": out("integer"),
    "title": out("string"),
    "problem": out("string"),
    "stage": out("string"),
    "horizon": out("string", choices=HORIZONS),
    "size": out("string", choices=("Quick Hit", "Big Hit")),
    "kind": out("string", choices=HIT_KINDS),
    "owner": out("object", True, members=BRIEF),
    "status": out("string", choices=HIT_STATUSES),
    "next_statuses": out("strings", choices=HIT_STATUSES),
    "drop_reason": out("string", True),
    "target_date": out("date", True),
    "reach": out("integer"),
    "reach_from_evidence": out("boolean"),
    "impact": out("integer"),
    "confidence": out("integer"),
    "effort": out("number"),
    "score": out("number"),
    "version": out("integer"),
    "updated_at": out("datetime"),
}
HIT_DETAIL = {
    **HIT_RECORD,
    "evidence": out(
        "object",
        members={
            "items": out("integer"),
            "customers": out("integer"),
            "channels": out("counts"),
            "earliest": out("date", True),
            "latest": out("date", True),
            "mean_sentiment": out("number", True),
            "negative_share": out("number", True),
            "theme_ids": out("integers"),
            "feedback_ids": out("integers"),
        },
    ),
    "quotes": out("strings", description="Only customers who agreed to be quoted."),
}
SURVEY_RECORD = {
    "id": out("integer"),
    "title": out("string"),
    "intro": out("string"),
    "score_kind": out("string", True, choices=SCORE_KINDS),
    "questions": out("strings"),
    "stage": out("string", True),
    "segment": out("string", True),
    "thanks_name": out("string"),
    "thanks_text": out("string"),
    "status": out("string", choices=("open", "closed"), description="Set by hand: open, or closed."),
    "taking_answers": out(
        "boolean", description="Open, before its last day and short of its response limit."
    ),
    "closes_on": out("date", True),
    "max_responses": out("integer", True),
    "embed_origins": out("strings"),
    "url": out("string", description="The public link respondents answer at."),
    "responses": out("integer"),
    "created_at": out("datetime"),
    "closed_at": out("datetime", True),
}
SURVEY_DETAIL = {
    **SURVEY_RECORD,
    "answers": out("integer", description="Feedback items its responses became: GET /feedback?survey=<id>."),
    "score": out("number", True, description="NPS (-100 to 100) or mean CSAT of its scored responses."),
}
ROADMAP = {
    "format": out("string", choices=("voc-roadmap",)),
    "version": out("integer"),
    "generated_on": out("date"),
    "filters": out("labels"),
    "stages": out("strings"),
    "horizons": out("strings"),
    "hits": out("array", open=True, description="The hits of the roadmap export: see docs/api.md."),
}
ERROR = {
    "error": out("string"),
    "errors": out(
        "array",
        required=False,
        members={
            "field": out("string"),
            "message": out("string"),
            "index": out("integer", required=False, description="Item of a batch."),
        },
    ),
}
LINKS = {"self": out("string"), "next": out("string", True), "prev": out("string", True)}


def listing(record: dict[str, Field], **extra: Field) -> dict[str, Field]:
    """One page of a list of `record`s with its counts and links (and `extra` members)."""
    return {
        "items": out("array", members=record),
        "page": out("integer"),
        "per_page": out("integer"),
        "total": out("integer"),
        "pages": out("integer"),
        "links": out("object", members=LINKS),
        **extra,
    }


FEEDBACK_LISTING = {
    **listing(FEEDBACK_RECORD),
    "page": out("integer", True, description="Null on a page reached by `after` or `before`."),
    "pages": out("integer", True, description="Null when `total` is not exact."),
    "total": out("integer", description="Exact up to 1,000; past that, see `total_kind`."),
    "total_kind": out(
        "string",
        choices=("exact", "about", "more than"),
        description="How `total` was counted: exactly, the database's estimate, or stopped at 1,000.",
    ),
}

CUSTOMER_LISTING = listing(CUSTOMER_RECORD)
INTERVIEW_LISTING = listing(
    INTERVIEW_RECORD, total_minutes=out("integer", description="Field time of every interview of the period.")
)
THEME_LISTING = listing(THEME_RECORD)
HIT_LISTING = listing(HIT_RECORD)
SURVEY_LISTING = listing(SURVEY_RECORD)


class Undeclared(Exception):
    """An answer's member that its declaration lacks, or a required one it misses: a bug of the API."""


def answer(spec: dict[str, Field], data: dict) -> dict:
    """The serializer's `data`, refused if it strays from its declaration, so the document stays true."""
    extra = [name for name in data if name not in spec]
    missing = [name for name, rule in spec.items() if rule.required and name not in data]
    if extra or missing:
        raise Undeclared(f"undeclared members {extra}, missing members {missing}")
    for name, value in data.items():
        rule = spec[name]
        if rule.kind == "object" and value is not None:
            answer(rule.members, value)
        elif rule.kind == "array" and not rule.open:
            for element in value:
                answer(rule.members, element)
    return data


# ----- query parameters ----------------------------------------------------------------------------

STAGE = Field("integer", description="Only this stage id.")
DATES = {
    "start": Field("date", description="On or after this date."),
    "end": Field("date", description="On or before this date."),
}
FEEDBACK_FILTERS = {
    "channel": Field("string", choices=CHANNELS, description="Only this channel."),
    "stage": STAGE,
    "customer": Field("integer", description="Only this customer id."),
    **DATES,
    "q": Field("string", max_length=200, description="Text contains this."),
    "language": Field("string", choices=LANGUAGES, description="Only items in this language (ISO 639-1)."),
    "survey": Field("integer", description="Only answers to this survey id."),
    "after": Field(
        "string", max_length=40, description="The `links.next` cursor: the page of items older than it."
    ),
    "before": Field(
        "string", max_length=40, description="The `links.prev` cursor: the page of items newer than it."
    ),
}
CUSTOMER_FILTERS = {
    "q": Field("string", max_length=200, description="Name, organisation or e-mail contains this.")
}
HIT_FILTERS = {
    "stage": STAGE,
    "owner": Field("integer", description="Only this owner's user id."),
    "status": Field(
        "string", choices=HIT_STATUSES, description="Only this status (default: every status but dropped)."
    ),
    "kind": Field("string", choices=HIT_KINDS, description="Only this kind."),
}
ROADMAP_FILTERS = {
    "stage": STAGE,
    "horizon": Field("string", choices=HORIZONS, description="Only this horizon."),
}


def paging(max_per_page: int, default: int) -> dict[str, Field]:
    """The page parameters every list takes, with the configured size limits."""
    return {
        "page": Field("integer", description="Page number, from 1."),
        "per_page": Field("integer", high=max_per_page, description=f"Items per page (default {default})."),
    }


def read_query(args, spec: dict[str, Field]) -> tuple[dict, list[tuple[str, str]]]:
    """The declared parameters of `args` (None when absent or empty) and every problem as (name, message)."""
    values, problems = {}, []
    for name, rule in spec.items():
        raw = args.get(name, "")
        values[name] = None
        if not raw:
            continue
        if rule.kind == "integer" and not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= rule.high):
            problems.append((name, f"Give a whole number from 1 to {rule.high:,}."))
        elif rule.kind == "date" and not is_date(raw):
            problems.append((name, "Give a date as YYYY-MM-DD."))
        elif rule.choices and raw not in rule.choices:
            problems.append((name, f"Choose one of: {', '.join(rule.choices)}."))
        elif rule.max_length is not None and len(raw) > rule.max_length:
            problems.append((name, f"Keep it under {rule.max_length:,} characters."))
        else:
            values[name] = {"integer": int, "date": dt.date.fromisoformat}.get(rule.kind, str)(raw)
    return values, problems


TYPES = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
    "strings": list,
}


def check(data, spec: dict[str, Field], prefix: str = "") -> list[tuple[str, str]]:
    """Every shape problem of one JSON object as (field, message); nested fields read "customer.email"."""
    if not isinstance(data, dict):
        return [(prefix.rstrip(".") or "body", "Send a JSON object.")]
    problems = [(prefix + name, "Unknown field.") for name in data if name not in spec]
    for name, rule in spec.items():
        path = prefix + name
        if name not in data:
            if rule.required:
                problems.append((path, "This field is required."))
            continue
        value = data[name]
        if value is None:
            if not rule.nullable:
                problems.append((path, "This field cannot be null."))
            continue
        problems += _check_value(value, rule, path)
    return problems


def _check_value(value, rule: Field, path: str) -> list[tuple[str, str]]:
    if rule.kind == "date":
        if not isinstance(value, str) or not is_date(value):
            return [(path, "Give a date as YYYY-MM-DD.")]
        return []
    expected = TYPES[rule.kind]
    if not isinstance(value, expected) or (rule.kind in ("integer", "number") and isinstance(value, bool)):
        return [(path, f"Expected {'an' if rule.kind[0] in 'aeio' else 'a'} {rule.kind}.")]
    if rule.kind == "integer" and not -INT_MAX <= value <= INT_MAX:
        return [(path, f"Keep it between {-INT_MAX:,} and {INT_MAX:,}.")]
    if rule.max_length is not None and len(value) > rule.max_length:
        return [(path, f"Keep it under {rule.max_length:,} characters.")]
    if rule.kind == "strings":
        if rule.max_items is not None and len(value) > rule.max_items:
            return [(path, f"Send at most {rule.max_items}.")]
        each = Field("string", max_length=rule.max_length)
        return [
            problem
            for index, element in enumerate(value)
            for problem in _check_value(element, each, f"{path}.{index}")
        ]
    if rule.kind == "object":
        return check(value, rule.members, path + ".")
    if rule.kind == "array":
        problems = []
        for index, element in enumerate(value):
            problems += check(element, rule.members, f"{path}.{index}.")
        return problems
    return []


def is_date(value: str) -> bool:
    """Whether the string is a real date written YYYY-MM-DD."""
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def date(value: str | None) -> dt.date | None:
    """A checked YYYY-MM-DD string as a date."""
    return dt.date.fromisoformat(value) if value else None
