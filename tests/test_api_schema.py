"""The OpenAPI document tells the truth: schemathesis calls every operation with generated input."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import api_headers, make_customer, make_feedback, make_user
from tests.test_hits import make_hit, make_theme

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def operations(app) -> list:
    """Every operation of the document the app serves, loaded through WSGI as a client would."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(app, mode):
    customer = make_customer(name="Ola", email="ola@example.com", consent_quote=True)
    theme = make_theme("meter visits")
    item = make_feedback(customer_id=customer.id, theme_id=theme.id)
    make_hit(title="Meter visits", feedback_ids=(item.id,))
    headers = api_headers(make_user("admin"))
    found = operations(app)
    assert len(found) == 17

    for operation in found:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        answers_as_documented()


def test_the_document_is_served_without_a_token(client, app):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.") and "/feedback" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
