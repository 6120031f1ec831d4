"""The OpenAPI 3 description of /api/v1, rendered from what the routes declare.

Each route carries an `Operation` (the `operation` decorator): its summary, its query parameters and
body and its answers, all as voc/api/shapes.py declarations, the same ones the API checks input with
and holds its answers to. The document walks the app's URL map, so a route without a declaration
cannot be served a document (and tests/test_api_schema.py fails).
"""

import re
from dataclasses import dataclass, field

from flask import current_app

from voc.api import shapes
from voc.api.shapes import Field

ROLE_NOTE = "Needs a token whose user is at least **{role}**."
# Named once in components and referred to wherever an answer holds them.
NAMED = {
    "Feedback": shapes.FEEDBACK_RECORD,
    "Customer": shapes.CUSTOMER_RECORD,
    "Interview": shapes.INTERVIEW_RECORD,
    "Theme": shapes.THEME_RECORD,
    "Hit": shapes.HIT_RECORD,
    "Survey": shapes.SURVEY_RECORD,
    "Error": shapes.ERROR,
}


@dataclass(frozen=True)
class Operation:
    """What one route takes and answers, for the document."""

    summary: str
    answers: dict[int, tuple[str, dict[str, Field] | None]]  # status: (description, shape; None: any object)
    query: dict[str, Field] = field(default_factory=dict)
    body: dict[str, Field] | None = None
    batch: bool = False  # the body may also be a list of such objects
    paged: bool = False  # takes page and per_page
    errors: dict[int, str] = field(default_factory=dict)  # answers beyond the ones every route can give


def operation(summary: str, answers: dict, **details):
    """Declare a route's operation; the document is rendered from these declarations."""

    def declare(view):
        view.operation = Operation(summary, answers, **details)
        return view

    return declare


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def object_schema(spec: dict[str, Field], name_it: bool = True) -> dict:
    """A closed JSON Schema object for a declaration: no member beyond the declared ones."""
    if name_it:
        for name, named in NAMED.items():
            if spec is named:
                return _ref(name)
    schema = {
        "type": "object",
        "properties": {name: schema_of(rule) for name, rule in spec.items()},
        "additionalProperties": False,
    }
    required = [name for name, rule in spec.items() if rule.required]
    if required:
        schema["required"] = required
    return schema


def schema_of(rule: Field) -> dict:
    """The JSON Schema of one declared member or parameter."""
    kind = rule.kind
    if kind in ("date", "datetime"):
        schema = {"type": "string", "format": "date" if kind == "date" else "date-time"}
    elif kind == "object":
        schema = {"type": "object"} if rule.open else object_schema(rule.members)
    elif kind == "array":
        schema = {"type": "array", "items": {"type": "object"} if rule.open else object_schema(rule.members)}
    elif kind == "strings":
        schema = {"type": "array", "items": _string(rule)}
        if rule.max_items is not None:
            schema["maxItems"] = rule.max_items
    elif kind == "integers":
        schema = {"type": "array", "items": {"type": "integer"}}
    elif kind in ("counts", "labels"):
        values = "integer" if kind == "counts" else "string"
        schema = {"type": "object", "additionalProperties": {"type": values}}
    elif kind == "integer":
        schema = {"type": "integer", "minimum": -shapes.INT_MAX, "maximum": shapes.INT_MAX}
    elif kind == "string":
        schema = _string(rule)
    else:
        schema = {"type": kind}
    if "$ref" in schema:
        # OpenAPI 3.0 ignores siblings of $ref: a nullable reference is an allOf of one.
        return {"allOf": [schema], "nullable": True} if rule.nullable else schema
    if rule.nullable:
        schema["nullable"] = True
    if rule.description:
        schema["description"] = rule.description
    return schema


def _string(rule: Field) -> dict:
    schema: dict = {"type": "string"}
    if rule.max_length is not None:
        schema["maxLength"] = rule.max_length
    if rule.choices:
        schema["enum"] = list(rule.choices)
    return schema


def _parameter(name: str, rule: Field, where: str = "query") -> dict:
    if rule.kind == "integer":
        schema = {"type": "integer", "minimum": 1, "maximum": rule.high}
    elif rule.kind == "date":
        schema = {"type": "string", "format": "date"}
    else:
        schema = _string(rule)
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "description": rule.description,
    }


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict:
    return _json(description, _ref("Error"))


def _rendered(declared: Operation, role: str | None, path_names: list[str]) -> dict:
    """One operation of the document, with the answers every token-protected operation can give."""
    responses = {
        str(status): _json(description, {"type": "object"} if spec is None else object_schema(spec))
        for status, (description, spec) in declared.answers.items()
    }
    rendered: dict = {"summary": declared.summary, "responses": responses}
    if role is None:
        rendered["security"] = []
    else:
        rendered["description"] = ROLE_NOTE.format(role=role)
        responses["401"] = _error("No token, or an unknown or revoked one.")
        responses["403"] = _error("The token's user has too low a role.")
        responses["422"] = _error("A parameter or field is invalid; `errors` names each.")
        responses["429"] = {
            **_error("The token sent more requests than API_RATE_LIMIT allows; wait, then send again."),
            "headers": {
                "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
            },
        }
    if path_names:
        responses["404"] = _error("No such record.")
    responses.update({str(status): _error(text) for status, text in declared.errors.items()})
    query = dict(declared.query)
    if declared.paged:
        config = current_app.config
        query.update(shapes.paging(config["API_MAX_PER_PAGE"], config["API_PER_PAGE"]))
    id_ = Field("integer", description="The record's id.")
    parameters = [_parameter(name, id_, "path") for name in path_names]
    parameters += [_parameter(name, rule) for name, rule in query.items()]
    if parameters:
        rendered["parameters"] = parameters
    if declared.body is not None:
        body = object_schema(declared.body)
        if declared.batch:
            body = {"oneOf": [body, {"type": "array", "items": body, "minItems": 1}]}
        rendered["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        responses["400"] = _error("The body is not JSON.")
        responses["413"] = _error("The body is larger than API_MAX_BODY.")
    return rendered


def api_rules():
    """The app's /api/v1 rules with the methods each answers (not HEAD and OPTIONS, which Flask adds)."""
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            yield rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def document() -> dict:
    """The whole OpenAPI document, as served at /api/v1/openapi.json."""
    paths: dict[str, dict] = {}
    for rule, methods in api_rules():
        view = current_app.view_functions[rule.endpoint]
        declared = getattr(view, "operation", None)
        if declared is None:
            raise LookupError(f"{rule.endpoint} declares no operation (voc.api.openapi.operation)")
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        names = re.findall(r"{([^}]+)}", path)
        role = getattr(view, "required_role", None)
        for method in methods:
            paths.setdefault(path, {})[method.lower()] = _rendered(declared, role, names)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "voc API",
            "version": "1",
            "description": "Feedback, customers, interviews, themes, hits, surveys and the roadmap of voc. "
            "Authenticate with a personal token: `Authorization: Bearer <token>`. "
            "Each token may send API_RATE_LIMIT requests (default 600 per minute); past that the "
            "answer is 429 with Retry-After.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {name: object_schema(spec, False) for name, spec in NAMED.items()},
        },
        "paths": paths,
    }
