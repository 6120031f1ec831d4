"""The OpenAPI 3 description of /api/v1, kept true by tests/test_api_schema.py (schemathesis).

Request bodies are built from voc/api/shapes.py, the same rules the API checks input with.
"""

from voc.api import shapes
from voc.models import HIT_KINDS, HIT_STATUSES, HORIZONS
from voc.services.feedback import LANGUAGES
from voc.vocabulary import CHANNELS, SCORE_KINDS

ROLE_NOTE = "Needs a token whose user is at least **{role}**."


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def _string(nullable: bool = False, **extra) -> dict:
    schema = {"type": "string", **extra}
    return _nullable(schema) if nullable else schema


def _integer(nullable: bool = False, **extra) -> dict:
    schema = {"type": "integer", **extra}
    return _nullable(schema) if nullable else schema


def _number(nullable: bool = False, **extra) -> dict:
    schema = {"type": "number", **extra}
    return _nullable(schema) if nullable else schema


def _object(properties: dict, required=None, nullable: bool = False) -> dict:
    schema = {"type": "object", "properties": properties, "required": list(required or properties)}
    return _nullable(schema) if nullable else schema


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def request_schema(spec: dict[str, shapes.Field]) -> dict:
    """A JSON Schema for a body that passes shapes.check with this spec."""
    properties = {}
    for name, rule in spec.items():
        if rule.kind == "date":
            schema = {"type": "string", "format": "date"}
        elif rule.kind == "object":
            schema = request_schema(rule.members)
        elif rule.kind == "array":
            schema = {"type": "array", "items": request_schema(rule.members)}
        elif rule.kind == "strings":
            schema = {
                "type": "array",
                "items": {"type": "string", "maxLength": rule.max_length},
                "maxItems": rule.max_items,
            }
        elif rule.kind == "integer":
            schema = {"type": "integer", "minimum": -shapes.INT_MAX, "maximum": shapes.INT_MAX}
        else:
            schema = {"type": rule.kind}
        if rule.max_length is not None and rule.kind != "strings":
            schema["maxLength"] = rule.max_length
        properties[name] = _nullable(schema) if rule.nullable else schema
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [name for name, rule in spec.items() if rule.required]
    if required:
        schema["required"] = required
    return schema


BRIEF = _object({"id": _integer(), "name": _string()})
FEEDBACK = _object(
    {
        "id": _integer(),
        "text": _string(),
        "channel": _string(enum=list(CHANNELS)),
        "received_on": _string(format="date"),
        "source": _string(True),
        "external_id": _string(True),
        "stage": _string(True),
        "customer_id": _integer(True),
        "interview_id": _integer(True),
        "score": _integer(True),
        "score_kind": _string(True, enum=list(SCORE_KINDS)),
        "sentiment": _number(True),
        "sentiment_source": _string(
            True, description="From the customer's score, learned from N scored items, or the lexicon."
        ),
        "suggested_stage": _string(
            True,
            description="For an item without a stage: the stage voc suggests, "
            "not yet confirmed by a person (null when none).",
        ),
        "stage_confidence": _number(
            True,
            description="The suggestion's confidence, 0 to 1; none is made below the documented minimum.",
        ),
        "theme_id": _integer(True),
        "language": _string(
            True, description="ISO 639-1 code read from the text; null when it has no letters."
        ),
        "created_at": _string(format="date-time"),
        "customer": {**BRIEF, "nullable": True},
        "quotable": {"type": "boolean", "description": "The customer agreed to be quoted."},
    }
)
CUSTOMER = _object(
    {
        "id": _integer(),
        "name": _string(),
        "organisation": _string(True),
        "segment": _string(True),
        "external_id": _string(True),
        "consent_quote": {"type": "boolean"},
        "consent_contact": {"type": "boolean"},
        "created_at": _string(format="date-time"),
        "email": _string(True, description="Only in answers to triagers and admins."),
        "feedback_items": _integer(description="In lists: how many items the customer gave."),
    },
    required=[
        "id",
        "name",
        "organisation",
        "segment",
        "external_id",
        "consent_quote",
        "consent_contact",
        "created_at",
    ],
)
INTERVIEW = _object(
    {
        "id": _integer(),
        "customer": BRIEF,
        "interviewer": BRIEF,
        "held_on": _string(format="date"),
        "place": _string(),
        "duration_minutes": _integer(),
        "notes": _string(),
        "items": {"type": "array", "items": _ref("Feedback")},
    }
)
THEME_FIELDS = {
    "id": _integer(),
    "title": _string(),
    "label": _string(),
    "name": _string(True),
    "keywords": {"type": "array", "items": _object({"term": _string(), "weight": _number()})},
    "noise": {"type": "boolean"},
    "retired": {"type": "boolean"},
    "merged_into_id": _integer(True),
    "items": _integer(),
    "customers": _integer(),
    "sentiment": _number(True),
    "recent": _integer(),
    "previous": _integer(),
    "trend": _integer(),
    "channels": {"type": "object", "additionalProperties": {"type": "integer"}},
    "stages": {"type": "array", "items": _object({"stage": _string(), "items": _integer()})},
}
THEME_BASICS = ["id", "title", "label", "name", "keywords", "noise", "retired", "merged_into_id", "items"]
THEME = _object(THEME_FIELDS, required=list(THEME_FIELDS))
THEME_DETAIL = _object(
    {
        **THEME_FIELDS,
        "quotes": {"type": "array", "items": _object({"feedback_id": _integer(), "text": _string()})},
    },
    required=[*THEME_BASICS, "quotes"],
)
HIT_FIELDS = {
    "id": _integer(),
    "title": _string(),
    "problem": _string(),
    "stage": _string(),
    "horizon": _string(enum=list(HORIZONS)),
    "size": _string(enum=["Quick Hit", "Big Hit"]),
    "kind": _string(enum=list(HIT_KINDS)),
    "owner": {**BRIEF, "nullable": True},
    "status": _string(enum=list(HIT_STATUSES)),
    "next_statuses": {"type": "array", "items": _string(enum=list(HIT_STATUSES))},
    "drop_reason": _string(True),
    "target_date": _string(True, format="date"),
    "reach": _integer(),
    "reach_from_evidence": {"type": "boolean"},
    "impact": _integer(),
    "confidence": _integer(),
    "effort": _number(),
    "score": _number(),
    "version": _integer(),
    "updated_at": _string(format="date-time"),
}
HIT = _object(HIT_FIELDS)
HIT_DETAIL = _object(
    {
        **HIT_FIELDS,
        "evidence": _object(
            {
                "items": _integer(),
                "customers": _integer(),
                "channels": {"type": "object", "additionalProperties": {"type": "integer"}},
                "earliest": _string(True, format="date"),
                "latest": _string(True, format="date"),
                "mean_sentiment": _number(True),
                "negative_share": _number(True),
                "theme_ids": {"type": "array", "items": _integer()},
                "feedback_ids": {"type": "array", "items": _integer()},
            }
        ),
        "quotes": {
            "type": "array",
            "items": _string(),
            "description": "Only customers who agreed to be quoted.",
        },
    }
)
ROADMAP = {
    "type": "object",
    "description": "The roadmap JSON export: see docs/api.md.",
    "properties": {
        "format": _string(enum=["voc-roadmap"]),
        "version": _integer(),
        "generated_on": _string(format="date"),
        "filters": {"type": "object", "additionalProperties": _string()},
        "stages": {"type": "array", "items": _string()},
        "horizons": {"type": "array", "items": _string()},
        "hits": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["format", "version", "generated_on", "filters", "stages", "horizons", "hits"],
}
SURVEY = _object(
    {
        "id": _integer(),
        "title": _string(),
        "intro": _string(),
        "score_kind": _string(True, enum=list(SCORE_KINDS)),
        "questions": {"type": "array", "items": _string()},
        "stage": _string(True),
        "segment": _string(True),
        "thanks_name": _string(),
        "thanks_text": _string(),
        "status": _string(enum=["open", "closed"], description="Set by hand: open, or closed."),
        "taking_answers": {
            "type": "boolean",
            "description": "Open, before its last day and short of its response limit.",
        },
        "closes_on": _string(True, format="date"),
        "max_responses": _integer(True),
        "embed_origins": {"type": "array", "items": _string()},
        "url": _string(description="The public link respondents answer at."),
        "responses": _integer(),
        "created_at": _string(format="date-time"),
        "closed_at": _string(True, format="date-time"),
    }
)
SURVEY_DETAIL = _object(
    {
        **SURVEY["properties"],
        "answers": _integer(description="Feedback items its responses became: GET /feedback?survey=<id>."),
        "score": {**_number(True), "description": "NPS (-100 to 100) or mean CSAT of its scored responses."},
    }
)
ERROR = _object(
    {
        "error": _string(),
        "errors": {
            "type": "array",
            "items": _object(
                {"field": _string(), "message": _string(), "index": _integer(description="Item of a batch.")},
                required=["field", "message"],
            ),
        },
    },
    required=["error"],
)
STORED = _object(
    {
        "items": {
            "type": "array",
            "items": _object(
                {
                    "id": _integer(),
                    "status": _string(enum=["created", "duplicate"]),
                    "feedback": _ref("Feedback"),  # as stored: what the answer to a create shows
                }
            ),
        },
        "created": _integer(),
        "duplicates": _integer(),
    }
)


def _page(item: str) -> dict:
    return _object(
        {
            "items": {"type": "array", "items": _ref(item)},
            "page": _integer(),
            "per_page": _integer(),
            "total": _integer(),
            "pages": _integer(),
            "links": _object({"self": _string(), "next": _string(True), "prev": _string(True)}),
        }
    )


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(_ref("Error"), description)


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


ID = {"type": "integer", "minimum": 1, "maximum": shapes.INT_MAX}


def _path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


PAGING = [
    _query("page", ID, "Page number, from 1."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}, "Items per page (default 50)."),
]
DATES = [
    _query("start", {"type": "string", "format": "date"}, "On or after this date."),
    _query("end", {"type": "string", "format": "date"}, "On or before this date."),
]


def _operation(
    summary: str, role: str, ok: dict, *, parameters=(), body: dict | None = None, extra: dict | None = None
) -> dict:
    """One operation with the answers every token-protected operation can give."""
    responses = {
        **ok,
        "401": _error("No token, or an unknown or revoked one."),
        "403": _error("The token's user has too low a role."),
        "422": _error("A parameter or field is invalid; `errors` names each."),
        **(extra or {}),
    }
    operation = {"summary": summary, "description": ROLE_NOTE.format(role=role), "responses": responses}
    if parameters:
        operation["parameters"] = list(parameters)
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        operation["responses"]["400"] = _error("The body is not JSON.")
        operation["responses"]["413"] = _error("The body is larger than API_MAX_BODY.")
    return operation


NOT_FOUND = {"404": _error("No such record.")}


def document() -> dict:
    """The whole OpenAPI document, as served at /api/v1/openapi.json."""
    feedback_body = request_schema(shapes.FEEDBACK)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "voc API",
            "version": "1",
            "description": "Feedback, customers, interviews, themes, hits, surveys and the roadmap of voc. "
            "Authenticate with a personal token: `Authorization: Bearer <token>`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Feedback": FEEDBACK,
                "Customer": CUSTOMER,
                "Interview": INTERVIEW,
                "Theme": THEME,
                "Hit": HIT,
                "Survey": SURVEY,
                "Error": ERROR,
            },
        },
        "paths": {
            "/openapi.json": {
                "get": {
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
                },
            },
            "/feedback": {
                "get": _operation(
                    "Feedback, newest first.",
                    "viewer",
                    {"200": _json(_page("Feedback"), "One page.")},
                    parameters=[
                        _query("channel", {"type": "string", "enum": list(CHANNELS)}, "Only this channel."),
                        _query("stage", ID, "Only this stage id."),
                        _query("customer", ID, "Only this customer id."),
                        *DATES,
                        _query("q", {"type": "string", "maxLength": 200}, "Text contains this."),
                        _query(
                            "language",
                            {"type": "string", "enum": list(LANGUAGES)},
                            "Only items in this language (ISO 639-1).",
                        ),
                        _query("survey", ID, "Only answers to this survey id."),
                        *PAGING,
                    ],
                ),
                "post": _operation(
                    "Store one item or a list of items, all or nothing.",
                    "contributor",
                    {
                        "201": _json(STORED, "At least one item was new."),
                        "200": _json(STORED, "Every item was already stored (same source and external id)."),
                    },
                    body={"oneOf": [feedback_body, {"type": "array", "items": feedback_body, "minItems": 1}]},
                ),
            },
            "/feedback/{feedback_id}": {
                "get": _operation(
                    "One feedback item.",
                    "viewer",
                    {"200": _json(_ref("Feedback"), "The item.")},
                    parameters=[_path("feedback_id")],
                    extra=NOT_FOUND,
                ),
            },
            "/customers": {
                "get": _operation(
                    "Customers by name.",
                    "viewer",
                    {"200": _json(_page("Customer"), "One page.")},
                    parameters=[
                        _query(
                            "q",
                            {"type": "string", "maxLength": 200},
                            "Name, organisation or e-mail contains this.",
                        ),
                        *PAGING,
                    ],
                ),
                "post": _operation(
                    "Add a customer.",
                    "contributor",
                    {"201": _json(_ref("Customer"), "The new customer.")},
                    body=request_schema(shapes.CUSTOMER),
                ),
            },
            "/customers/{customer_id}": {
                "get": _operation(
                    "One customer.",
                    "viewer",
                    {"200": _json(_ref("Customer"), "The customer.")},
                    parameters=[_path("customer_id")],
                    extra=NOT_FOUND,
                ),
                "patch": _operation(
                    "Change some of a customer's details or consents.",
                    "contributor",
                    {"200": _json(_ref("Customer"), "The changed customer.")},
                    parameters=[_path("customer_id")],
                    body=request_schema(shapes.CUSTOMER_CHANGES),
                    extra=NOT_FOUND,
                ),
            },
            "/interviews": {
                "get": _operation(
                    "Interviews, newest first, with their field time.",
                    "viewer",
                    {
                        "200": _json(
                            {
                                **_page("Interview"),
                                "required": [*_page("Interview")["required"], "total_minutes"],
                            },
                            "One page.",
                        )
                    },
                    parameters=[*DATES, *PAGING],
                ),
                "post": _operation(
                    "Log an interview with its quotes; the token's user is the interviewer.",
                    "contributor",
                    {"201": _json(_ref("Interview"), "The new interview.")},
                    body=request_schema(shapes.INTERVIEW),
                ),
            },
            "/interviews/{interview_id}": {
                "get": _operation(
                    "One interview.",
                    "viewer",
                    {"200": _json(_ref("Interview"), "The interview.")},
                    parameters=[_path("interview_id")],
                    extra=NOT_FOUND,
                ),
            },
            "/themes": {
                "get": _operation(
                    "Current themes, most customers first.",
                    "viewer",
                    {"200": _json(_page("Theme"), "One page.")},
                    parameters=PAGING,
                ),
            },
            "/themes/{theme_id}": {
                "get": _operation(
                    "One theme with consented quotes.",
                    "viewer",
                    {"200": _json(THEME_DETAIL, "The theme.")},
                    parameters=[_path("theme_id")],
                    extra=NOT_FOUND,
                ),
                "patch": _operation(
                    "Rename a theme or mark it as noise.",
                    "triager",
                    {"200": _json(THEME_DETAIL, "The changed theme.")},
                    parameters=[_path("theme_id")],
                    body=request_schema(shapes.THEME_CHANGES),
                    extra=NOT_FOUND,
                ),
            },
            "/hits": {
                "get": _operation(
                    "Hits by RICE score.",
                    "viewer",
                    {"200": _json(_page("Hit"), "One page.")},
                    parameters=[
                        _query("stage", ID, "Only this stage id."),
                        _query("owner", ID, "Only this owner's user id."),
                        _query(
                            "status",
                            {"type": "string", "enum": list(HIT_STATUSES)},
                            "Only this status (default: every status but dropped).",
                        ),
                        _query("kind", {"type": "string", "enum": list(HIT_KINDS)}, "Only this kind."),
                        *PAGING,
                    ],
                ),
            },
            "/hits/{hit_id}": {
                "get": _operation(
                    "One hit with its evidence.",
                    "viewer",
                    {"200": _json(HIT_DETAIL, "The hit.")},
                    parameters=[_path("hit_id")],
                    extra=NOT_FOUND,
                ),
                "patch": _operation(
                    "Change a hit's status (with a reason to drop it) or its horizon.",
                    "triager",
                    {"200": _json(HIT_DETAIL, "The changed hit.")},
                    parameters=[_path("hit_id")],
                    body=request_schema(shapes.HIT_CHANGES),
                    extra={**NOT_FOUND, "409": _error("The hit changed since `version`; read it again.")},
                ),
            },
            "/surveys": {
                "get": _operation(
                    "Surveys, newest first.",
                    "viewer",
                    {"200": _json(_page("Survey"), "One page.")},
                    parameters=PAGING,
                ),
                "post": _operation(
                    "Set up a survey; it opens at once at its public link.",
                    "triager",
                    {"201": _json(_ref("Survey"), "The new survey.")},
                    body=request_schema(shapes.SURVEY),
                ),
            },
            "/surveys/{survey_id}": {
                "get": _operation(
                    "One survey with its results.",
                    "viewer",
                    {"200": _json(SURVEY_DETAIL, "The survey.")},
                    parameters=[_path("survey_id")],
                    extra=NOT_FOUND,
                ),
            },
            "/surveys/{survey_id}/close": {
                "post": _operation(
                    "Close a survey: its link then says so and takes no answers.",
                    "triager",
                    {"200": _json(_ref("Survey"), "The closed survey.")},
                    parameters=[_path("survey_id")],
                    extra=NOT_FOUND,
                ),
            },
            "/roadmap": {
                "get": _operation(
                    "The roadmap document.",
                    "viewer",
                    {"200": _json(ROADMAP, "The roadmap.")},
                    parameters=[
                        _query("stage", ID, "Only this stage id."),
                        _query("horizon", {"type": "string", "enum": list(HORIZONS)}, "Only this horizon."),
                    ],
                ),
            },
        },
    }
