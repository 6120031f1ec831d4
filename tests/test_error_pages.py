"""One path for a service's refusals: a missing record is the 404 page, a refused role the 403 page."""

import pytest

from tests.factories import api_headers, make_feedback, make_user, sign_in

MISSING = 999_999


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("get", f"/feedback/{MISSING}", None),
        ("get", f"/feedback/{MISSING}/edit", None),
        ("get", f"/customers/{MISSING}", None),
        ("get", f"/themes/{MISSING}", None),
        ("get", f"/themes/runs/{MISSING}", None),
        ("get", f"/hits/{MISSING}", None),
        ("get", f"/interviews/{MISSING}", None),
        ("get", f"/imports/{MISSING}", None),
        ("post", f"/themes/items/{MISSING}/move", {"theme": ""}),  # a form action, whose other errors flash
        ("post", f"/stages/{MISSING}/move/up", {}),
    ],
)
def test_a_missing_record_is_the_not_found_page_wherever_a_view_meets_it(client, app, method, path, data):
    make_feedback(text="Something to exist")
    sign_in(client, make_user("admin"))
    response = getattr(client, method)(path, data=data)
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)


def test_the_api_answers_a_missing_record_as_json(client, app):
    response = client.get(f"/api/v1/feedback/{MISSING}", headers=api_headers(make_user("viewer")))
    assert response.status_code == 404
    assert response.get_json()["error"] == "That feedback item does not exist."
