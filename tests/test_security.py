"""Security defaults every response carries."""

import pytest

from tests.factories import make_user, sign_in


@pytest.mark.parametrize("path", ["/login", "/feedback/", "/static/css/app.css"])
def test_every_response_has_the_security_headers(client, app, path):
    sign_in(client, make_user("viewer"))
    response = client.get(path)
    response.close()  # static files are streamed from disk
    headers = response.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_app_refuses_to_start_without_a_secret_key():
    from voc import create_app

    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
