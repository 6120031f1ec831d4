"""The OpenAPI document tells the truth: schemathesis calls every operation with generated input."""

import copy
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from tests.factories import (
    api_headers,
    make_customer,
    make_feedback,
    make_hit,
    make_theme,
    make_user,
    stage_named,
    stored_controls,
)
from voc.api.shapes import Undeclared
from voc.extensions import db
from voc.models import Customer, Feedback
from voc.services import feedback, surveys

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Tried in every string of every operation on every run, whatever hypothesis generates besides.
HOSTILE = (
    "nul\x00 bell\x07 end",
    "emoji 😀👍🏽 and an RTL mark \u200f",
    "long " * 2000,
    "lone \ud800 here",
)
# A valid body for each operation that takes one, so that a hostile string in one field reaches the database.
BODIES = {
    "POST /feedback": {"text": "Bills arrive late", "channel": "survey"},
    "POST /customers": {"name": "Ola Nordmann"},
    "PATCH /customers/{customer_id}": {},
    "POST /interviews": {
        "held_on": "2024-03-01",
        "place": "Leeds",
        "duration_minutes": 30,
        "quotes": [{"text": "The meter man never came"}],
    },
    "PATCH /themes/{theme_id}": {},
    "PATCH /hits/{hit_id}": {"version": 1, "status": "dropped"},
    "POST /surveys": {
        "title": "After your visit",
        "questions": ["What went wrong?"],
        "thanks_name": "Ana",
        "thanks_text": "I read every answer.",
    },
}


def api_rules(app) -> list[tuple[str, str]]:
    """(METHOD, /path/{name}) of every /api/v1 rule of the URL map, each method but HEAD and OPTIONS."""
    return [
        (method, re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1")))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    ]


def operations(app) -> list:
    """Every operation of the document the app serves, loaded through WSGI as a client would."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def string_paths(schema: dict, prefix: tuple = ()) -> list[tuple]:
    """Where a request body schema takes a string: ("customer", "email"), ("quotes", 0, "text"), …"""
    schema = schema.get("oneOf", [schema])[0]
    if schema.get("type") == "string":
        return [prefix]
    if schema.get("type") == "array":
        return string_paths(schema["items"], (*prefix, 0))
    return [
        path
        for name, member in schema.get("properties", {}).items()
        for path in string_paths(member, (*prefix, name))
    ]


def with_value(body, path: tuple, value):
    """A deep copy of the body with `value` at `path`, creating objects and lists on the way."""
    body = copy.deepcopy(body)
    here = body
    for step, after in zip(path, path[1:], strict=False):
        if isinstance(step, int):
            here = here[step]
        else:
            here = here.setdefault(step, [{}] if isinstance(after, int) else {})
    here[path[-1]] = value
    return body


def hostile_cases(operation, path_parameters: dict) -> list:
    """Cases with each HOSTILE string in each string of the body, and in each string query parameter."""
    definition = operation.definition.raw
    parameters = definition.get("parameters", [])
    used = {p["name"]: path_parameters[p["name"]] for p in parameters if p["in"] == "path"}
    cases = []
    for parameter in parameters:
        if parameter["in"] == "query" and parameter["schema"].get("type") == "string":
            # A URL cannot carry a lone surrogate; the other strings go in the query.
            cases += [
                operation.Case(path_parameters=used, query={parameter["name"]: value})
                for value in HOSTILE
                if "\ud800" not in value
            ]
    if "requestBody" in definition:
        key = f"{operation.method.upper()} {operation.path}"
        assert key in BODIES, f"add a valid body for {key} to BODIES"
        schema = definition["requestBody"]["content"]["application/json"]["schema"]
        cases += [
            operation.Case(
                path_parameters=used, body=with_value(BODIES[key], path, value), media_type="application/json"
            )
            for path in string_paths(schema)
            for value in HOSTILE
        ]
    return cases


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(app, mode):
    customer = make_customer(name="Ola", email="ola@example.com", consent_quote=True)
    theme = make_theme("meter visits")
    # A suggested stage, so that the documented shape of a suggestion is checked too.
    item = make_feedback(
        customer_id=customer.id,
        theme_id=theme.id,
        suggested_stage_id=stage_named("Action").id,
        stage_confidence=0.42,
    )
    hit = make_hit(title="Meter visits", feedback_ids=(item.id,))
    headers = api_headers(make_user("admin"))
    survey = surveys.create_survey(
        surveys.SurveyInput(
            title="After your visit", questions=["What went wrong?"], thanks_name="Ana", thanks_text="Thanks."
        ),
        None,
    )
    ids = {
        "customer_id": customer.id,
        "theme_id": theme.id,
        "feedback_id": item.id,
        "hit_id": hit.id,
        "interview_id": 1,
        "survey_id": survey.id,
    }
    app.config["API_RATE_LIMIT"] = "100000 per minute"  # hypothesis sends far more than a client would
    found = operations(app)
    # schemathesis leaves out the operation that serves the document itself
    assert {(o.method.upper(), o.path) for o in found} == set(api_rules(app)) - {("GET", "/openapi.json")}

    for operation in found:

        def answers_as_documented(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        for case in hostile_cases(operation, ids):
            answers_as_documented = example(case=case)(answers_as_documented)
        given(case=operation.as_strategy(generation_mode=mode))(
            settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))(
                answers_as_documented
            )
        )()
    db.session.remove()
    assert stored_controls() == []
    if mode == GenerationMode.POSITIVE:  # the hostile strings reached the database, stripped
        assert db.session.scalar(select(Feedback).where(Feedback.text == "nul bell end")) is not None
        assert db.session.scalar(select(Customer).where(Customer.name == "lone  here")) is not None


def test_the_document_is_served_without_a_token(client, app):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.") and "/feedback" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_api_rule_is_documented_and_every_operation_is_a_rule(client, app):
    document = client.get("/api/v1/openapi.json").json
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert documented == set(api_rules(app))
    assert ("POST", "/feedback") in documented and ("PATCH", "/hits/{hit_id}") in documented


def test_a_rule_without_a_declared_operation_gets_no_document(client, app):
    app.add_url_rule("/api/v1/secret", endpoint="api.secret", view_func=lambda: "{}")
    with pytest.raises(LookupError, match="api.secret declares no operation"):
        client.get("/api/v1/openapi.json")


def closed_objects(schema, where: str = "") -> list[str]:
    """Where an object schema of the document lets an undeclared member through."""
    if isinstance(schema, list):
        return [
            found for n, element in enumerate(schema) for found in closed_objects(element, f"{where}/{n}")
        ]
    if not isinstance(schema, dict):
        return []
    found = []
    if "properties" in schema and schema.get("additionalProperties") is not False:
        found.append(where)
    for key, value in schema.items():
        found += closed_objects(value, f"{where}/{key}")
    return found


def test_every_documented_object_is_closed_to_undeclared_members(client):
    document = client.get("/api/v1/openapi.json").json
    assert closed_objects(document["components"]) == []
    assert closed_objects(document["paths"]) == []


@pytest.mark.parametrize("change", ["a new member", "a member gone"])
def test_a_serializer_that_strays_from_its_declaration_fails(client, monkeypatch, change):
    item = make_feedback()
    headers = api_headers(make_user("viewer"))
    record = feedback.record

    def strayed(item):
        values = record(item)
        if change == "a new member":
            return {**values, "mood": "grumpy"}
        return {name: value for name, value in values.items() if name != "language"}

    monkeypatch.setattr(feedback, "record", strayed)
    with pytest.raises(Undeclared):
        client.get(f"/api/v1/feedback/{item.id}", headers=headers)
