"""Sign-in, roles and the rule that every route states who may use it."""

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, make_feedback, make_user, sign_in
from voc.extensions import db
from voc.models import Feedback


def test_sign_in_with_right_password_reaches_the_dashboard(client, app):
    make_user("viewer", email="vera@example.com")
    response = client.post(
        "/login", data={"email": "Vera@Example.com", "password": PASSWORD}, follow_redirects=True
    )
    assert b"<h1>Feedback by journey stage</h1>" in response.data
    assert b"User" in response.data and b"viewer" in response.data


def test_wrong_password_is_refused_with_a_message(client, app):
    make_user("viewer", email="vera@example.com")
    response = client.post("/login", data={"email": "vera@example.com", "password": "nope"})
    assert response.status_code == 200
    assert b"do not match an active account" in response.data


def test_inactive_user_cannot_sign_in(client, app):
    make_user("admin", email="gone@example.com", active=False)
    response = client.post("/login", data={"email": "gone@example.com", "password": PASSWORD})
    assert b"do not match an active account" in response.data


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/feedback/")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_sign_in_does_not_follow_offsite_next(client, app):
    make_user("viewer", email="vera@example.com")
    response = client.post(
        "/login?next=//evil.example/x", data={"email": "vera@example.com", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_password_is_stored_hashed_with_argon2(app):
    from voc.services.users import create_user

    user, _ = create_user("ann@example.com", "viewer", password="a long enough secret")
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough secret" not in user.password_hash


@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("contributor", 302), ("triager", 302), ("admin", 302)]
)
def test_posting_feedback_needs_contributor(client, app, role, status):
    sign_in(client, make_user(role))
    response = client.post(
        "/feedback/new",
        data={"text": "The app froze", "channel": "ticket", "received_on": "2024-01-02"},
    )
    assert response.status_code == status
    stored = db.session.scalar(select(Feedback.text))
    assert (stored == "The app froze") == (status == 302)


@pytest.mark.parametrize("role", ["viewer", "contributor", "triager"])
@pytest.mark.parametrize("path", ["/stages/", "/users/"])
def test_admin_pages_are_refused_to_other_roles(client, app, role, path):
    sign_in(client, make_user(role))
    response = client.get(path)
    assert response.status_code == 403
    assert b"Your role does not allow this" in response.data


def test_every_route_declares_its_role(app):
    unguarded = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "required_role")
    ]
    assert unguarded == []


def test_sign_out_needs_a_post(client, app):
    sign_in(client, make_user("viewer"))
    make_feedback()
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/feedback/").status_code == 302
