"""Passwords: changed on My account, reset from the command line or by an admin, then replaced."""

import re

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, as_user, make_user, sign_in
from voc.extensions import db
from voc.models import AuditEvent, LoginThrottle, User
from voc.services import users
from voc.services.errors import ServiceError

NEW = "a much better passphrase"


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def field(page: str, name: str) -> str:
    return re.search(rf'<div class="field[^"]*">\s*<label for="{name}".*?</div>', page, re.S)[0]


def test_a_person_changes_their_password_on_my_account(client, app):
    user = make_user("viewer", email="vera@example.com")
    sign_in(client, user)
    assert 'action="/account/password"' in client.get("/account/").get_data(as_text=True)
    wrong = client.post("/account/password", data={"current": "nope", "new": NEW, "confirm": NEW})
    assert "That is not your current password." in field(wrong.get_data(as_text=True), "current")
    short = client.post("/account/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert "Use at least 10 characters" in field(short.get_data(as_text=True), "new")
    differ = client.post("/account/password", data={"current": PASSWORD, "new": NEW, "confirm": NEW + "!"})
    assert "The two new passwords differ." in field(differ.get_data(as_text=True), "confirm")
    done = client.post(
        "/account/password", data={"current": PASSWORD, "new": NEW, "confirm": NEW}, follow_redirects=True
    )
    assert "Your password is changed." in done.get_data(as_text=True)
    assert users.authenticate("vera@example.com", NEW) is not None
    assert users.authenticate("vera@example.com", PASSWORD) is None
    assert actions() == ["password_change"]


def test_the_command_line_resets_a_lost_password_and_lifts_the_lock(client, app, runner):
    admin = make_user("admin", email="boss@example.com")
    for _ in range(5):
        with pytest.raises(ServiceError):
            users.sign_in("boss@example.com", "wrong guess", "192.0.2.1")
    assert db.session.scalar(select(LoginThrottle.locked_until).where(LoginThrottle.key.like("account:%")))
    result = runner.invoke(args=["voc", "reset-password", "--email", "Boss@Example.com", "--password", NEW])
    assert result.exit_code == 0, result.output
    assert "Password reset for admin boss@example.com" in result.output
    assert users.sign_in("boss@example.com", NEW, "192.0.2.1").id == admin.id  # no longer locked
    generated = runner.invoke(args=["voc", "reset-password", "--email", "boss@example.com"], input="\n")
    password = generated.output.rsplit("Password (shown once): ", 1)[1].strip()
    assert users.authenticate("boss@example.com", password) is not None
    missing = runner.invoke(
        args=["voc", "reset-password", "--email", "nobody@example.com", "--password", NEW],
        catch_exceptions=False,
    )
    assert missing.exit_code != 0 and "There is no user nobody@example.com." in missing.output

    # The reset password opens only My account until the person chooses their own.
    sign_in(client, db.session.get(User, admin.id))
    response = client.get("/feedback/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert "Your password was reset" in client.get("/account/").get_data(as_text=True)
    client.post("/account/password", data={"current": password, "new": NEW + "2", "confirm": NEW + "2"})
    assert client.get("/feedback/").status_code == 200


def test_an_admin_forces_a_reset_and_sees_the_one_time_password_once(client, app):
    vera = make_user("viewer", email="vera@example.com", name="Vera")
    sign_in(client, make_user("admin"))
    page = client.post(f"/users/{vera.id}/reset-password")
    assert page.headers["Cache-Control"] == "no-store"
    shown = re.search(
        r'<div class="new-token" role="status" id="reset">.*?<code>(.*?)</code>',
        page.get_data(as_text=True),
        re.S,
    )
    assert users.authenticate("vera@example.com", shown[1]) is not None
    assert users.authenticate("vera@example.com", PASSWORD) is None
    assert db.session.get(User, vera.id).must_change_password
    assert "must choose a new password" in client.get("/users/").get_data(as_text=True)
    assert actions() == ["password_reset"]
    sign_in(as_user(client), make_user("triager"))
    assert client.post(f"/users/{vera.id}/reset-password").status_code == 403


def test_the_sign_in_page_sends_a_signed_in_person_on(client, app):
    sign_in(client, make_user("viewer"))
    assert client.get("/login").headers["Location"] == "/"
    assert client.get("/login?next=/feedback/").headers["Location"] == "/feedback/"
    assert client.get("/login?next=https://evil.example/").headers["Location"] == "/"
