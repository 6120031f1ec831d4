"""The shape of JSON input (types, required fields, lengths), checked before any service sees it.

This is the API's counterpart of voc/forms.py: no queries, only what a value must look like.
Services still apply every rule of the data (ranges, duplicates, known stages).
"""

import datetime as dt
from dataclasses import dataclass, field

from voc.models import INT_MAX
from voc.vocabulary import MAX_TEXT_LENGTH


@dataclass(frozen=True)
class Field:
    """One JSON member: its type, whether it must be there, its longest length, nested members."""

    kind: str  # "string", "integer", "number", "boolean", "date", "object", "array", "strings"
    required: bool = False
    max_length: int | None = None  # of a string, or of each string of "strings"
    max_items: int | None = None  # of "strings"
    members: dict[str, "Field"] = field(default_factory=dict)  # for objects, and for array items
    nullable: bool = True


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
