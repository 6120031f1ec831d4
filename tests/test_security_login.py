"""Sign-in lockout per account and per address, the idle session timeout and cookie settings."""

import datetime as dt

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from tests.conftest import empty_tables, make_app
from tests.factories import PASSWORD, make_user
from voc.extensions import db
from voc.models import AuditEvent, LoginThrottle
from voc.services import users
from voc.services.errors import InvalidInput, LockedOut


def post_login(client, email, password, ip="10.0.0.1"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip}
    )


def test_five_failures_lock_the_account_for_fifteen_minutes_with_a_clear_message(client, app):
    make_user("viewer", email="vera@example.com")
    for _ in range(4):
        assert b"do not match an active account" in post_login(client, "vera@example.com", "nope").data
    fifth = post_login(client, "vera@example.com", "nope").data.decode()
    assert "locked for 15 more minutes" in fifth
    # Even the right password is refused while the lock lasts, and nobody is signed in.
    response = post_login(client, "vera@example.com", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-ins for this account" in response.data.decode()
    assert client.get("/feedback/").status_code == 302


def test_lock_expires_after_fifteen_minutes(app):
    make_user("viewer", email="vera@example.com")
    start = dt.datetime(2026, 1, 1, 9, 0)
    for minute in range(5):
        with pytest.raises(LockedOut if minute == 4 else InvalidInput):
            users.sign_in("vera@example.com", "nope", "10.0.0.1", now=start + dt.timedelta(minutes=minute))
    with pytest.raises(LockedOut) as refused:
        users.sign_in("vera@example.com", PASSWORD, "10.0.0.1", now=start + dt.timedelta(minutes=10))
    assert refused.value.minutes == 9
    user = users.sign_in("vera@example.com", PASSWORD, "10.0.0.1", now=start + dt.timedelta(minutes=20))
    assert user.email == "vera@example.com"


def test_success_resets_the_account_counter(app):
    make_user("viewer", email="vera@example.com")
    now = dt.datetime(2026, 1, 1, 9, 0)
    for _ in range(4):
        with pytest.raises(InvalidInput):
            users.sign_in("vera@example.com", "nope", None, now=now)
    users.sign_in("vera@example.com", PASSWORD, None, now=now)
    for _ in range(4):  # four more failures do not lock: the count started again
        with pytest.raises(InvalidInput):
            users.sign_in("vera@example.com", "nope", None, now=now)
    assert users.sign_in("vera@example.com", PASSWORD, None, now=now)


def test_counters_that_ran_out_are_dropped(app):
    start = dt.datetime(2026, 1, 1, 9, 0)
    with pytest.raises(InvalidInput):
        users.sign_in("someone@example.com", "guess", "192.0.2.1", now=start)
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 2
    with pytest.raises(InvalidInput):
        users.sign_in("other@example.com", "guess", "192.0.2.2", now=start + dt.timedelta(minutes=16))
    keys = set(db.session.scalars(select(LoginThrottle.key)))
    assert len(keys) == 2 and "ip:192.0.2.2" in keys and "ip:192.0.2.1" not in keys


def test_unknown_accounts_lock_the_same_way_so_locks_do_not_reveal_who_exists(app):
    now = dt.datetime(2026, 1, 1, 9, 0)
    for _ in range(4):
        with pytest.raises(InvalidInput):
            users.sign_in("nobody@example.com", "guess", None, now=now)
    for _ in range(2):
        with pytest.raises(LockedOut):
            users.sign_in("nobody@example.com", "guess", None, now=now)
    keys = list(db.session.scalars(select(LoginThrottle.key)))
    assert keys and all("nobody" not in key for key in keys)  # only a hash of the e-mail is kept


def test_one_address_trying_many_accounts_is_locked_out(client, app):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3  # 20 by default; fewer keeps the test quick
    make_user("viewer", email="vera@example.com")
    for n in range(3):
        post_login(client, f"guess{n}@example.com", "nope", ip="203.0.113.9")
    refused = post_login(client, "vera@example.com", PASSWORD, ip="203.0.113.9")
    assert "Too many failed sign-ins for this network address" in refused.data.decode()
    # Another address is not affected.
    assert post_login(client, "vera@example.com", PASSWORD, ip="198.51.100.2").status_code == 302


def test_sign_ins_and_failures_are_in_the_audit_log(client, app):
    vera = make_user("viewer", email="vera@example.com")
    post_login(client, "vera@example.com", "nope")
    post_login(client, "ghost@example.com", "nope")
    post_login(client, "vera@example.com", PASSWORD)
    events = db.session.execute(
        select(
            AuditEvent.action, AuditEvent.user_id, AuditEvent.target_id, AuditEvent.ip, AuditEvent.detail
        ).order_by(AuditEvent.id)
    ).all()
    assert events == [
        ("sign_in_failed", None, vera.id, "10.0.0.1", ""),
        ("sign_in_failed", None, None, "10.0.0.1", "no such account"),
        ("sign_in", vera.id, vera.id, "10.0.0.1", ""),
    ]


@pytest.fixture
def outside_client(database_url):
    """A client of an app with no app context kept open, so nothing is cached between requests."""
    app = make_app(database_url, SESSION_COOKIE_SECURE=True)
    with app.app_context():
        make_user("viewer", email="vera@example.com")
    yield app.test_client()
    empty_tables(app)


def test_session_ends_after_an_idle_hour_but_each_request_renews_it(outside_client, monkeypatch):
    client = outside_client
    clock = {"now": 1_900_000_000}
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: clock["now"])
    assert post_login(client, "vera@example.com", PASSWORD).status_code == 302
    for _ in range(3):  # 50 idle minutes at a time: still signed in, hours after signing in
        clock["now"] += 50 * 60
        assert client.get("/feedback/").status_code == 200
    clock["now"] += 61 * 60
    response = client.get("/feedback/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_cookie_is_http_only_and_secure_when_configured(outside_client):
    response = outside_client.post(
        "/login", data={"email": "vera@example.com", "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie
    assert "Secure" in remember_cookie and "HttpOnly" in remember_cookie


def test_cookies_are_not_secure_by_default_so_plain_http_on_localhost_works(app):
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_SECURE"] is False
    assert app.permanent_session_lifetime == dt.timedelta(hours=1)


def test_behind_a_trusted_proxy_the_client_address_is_recorded(database_url):
    app = make_app(database_url, TRUSTED_PROXIES=1)
    with app.app_context():
        make_user("viewer", email="vera@example.com")
    client = app.test_client()
    client.post(
        "/login",
        data={"email": "vera@example.com", "password": "nope"},
        headers={"X-Forwarded-For": "198.51.100.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.ip)) == "198.51.100.7"
    empty_tables(app)


def test_without_trusted_proxies_forwarded_headers_are_ignored(client, app):
    make_user("viewer", email="vera@example.com")
    client.post(
        "/login",
        data={"email": "vera@example.com", "password": "nope"},
        headers={"X-Forwarded-For": "198.51.100.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert db.session.scalar(select(AuditEvent.ip)) == "10.0.0.2"
