"""Every route, derived from the URL map: who may use it, CSRF, hostile text, SQL-meta input and size.

Nothing here lists routes by hand: routes added later are covered as soon as they are registered.
A route whose URL needs a value these tests cannot derive fails with a message saying where to add it.
"""

from html.parser import HTMLParser

import pytest
from sqlalchemy import text

from tests.conftest import empty_tables, make_app
from tests.factories import sign_in
from tests.routes import (
    CHANGES,
    GETS,
    ROLES,
    ROUTES,
    XSS,
    client_as,
    expected,
    live_script,
    seed,
    url_for_rule,
)
from voc import create_app
from voc.extensions import db

SQL_META = ("'", '"', ";", "--", "%", "_", "\\", "' OR '1'='1", "%_\\'\";--")


@pytest.fixture(scope="module")
def world(database_url):
    """One seeded app shared by this module's tests (read mostly; POSTs carry no valid input)."""
    app = make_app(database_url)
    with app.app_context():
        people = seed()
    yield app, people
    empty_tables(app)


def outcome(response) -> str:
    if response.status_code == 302 and "/login?next=" in response.headers["Location"]:
        return "sign-in"
    if response.status_code == 401:
        return "sign-in"
    if response.status_code == 403:
        return "forbidden"
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    return "allowed"


@pytest.mark.parametrize("role", [None, *ROLES], ids=lambda r: r or "anonymous")
@pytest.mark.parametrize(("endpoint", "rule", "method"), ROUTES, ids=[f"{m} {r}" for _, r, m in ROUTES])
def test_authorisation_matrix(world, endpoint, rule, method, role):
    app, people = world
    with app.app_context():
        client = client_as(app, people, role)
        response = client.open(url_for_rule(app, rule), method=method)
        want = expected(app, endpoint, role)
        assert outcome(response) == want, f"{method} {rule} as {role or 'anonymous'}: {response.status_code}"
        if want == "allowed" and method == "GET":
            assert response.status_code in (200, 302), f"{rule}: {response.status_code}"
        response.close()


def test_script_finder_catches_what_it_looks_for():
    assert live_script('<script src="/static/js/app.js"></script><a href="/x">ok</a>') == []
    assert live_script("<script>alert(1)</script>")
    assert live_script('<img src=x onerror="alert(1)">')
    assert live_script('<a href=" java\tscript:alert(1)">x</a>')
    assert live_script('<iframe src="/x"></iframe>')
    assert live_script('<script type="application/json">{"a": 1}</script>') == []
    assert live_script('<script type="application/json">{}</script><script>alert(1)</script>')


@pytest.mark.parametrize("role", ["viewer", "admin"])
def test_no_page_runs_script_from_hostile_records(world, role):
    app, people = world
    shown = 0
    with app.app_context():
        client = client_as(app, people, role)
        for endpoint, rule, _ in GETS:
            if expected(app, endpoint, role) != "allowed":
                continue
            response = client.get(url_for_rule(app, rule))
            if response.status_code == 200 and response.mimetype == "text/html":
                body = response.get_data(as_text=True)
                assert live_script(body) == [], rule
                shown += "&lt;script&gt;alert(" in body or "&lt;img src=x onerror" in body
            response.close()
    assert shown >= 10  # the hostile text did reach the pages, escaped


def test_revealed_and_re_rendered_pages_run_no_script_either(world):
    """POSTs that answer with a page (a reveal, a form shown again with errors) escape hostile text too."""
    app, people = world
    with app.app_context():
        client = client_as(app, people, "admin")
        for endpoint, rule, method in CHANGES:
            if endpoint == "auth.logout":
                continue
            data = {name: XSS[0] for name in ("text", "name", "title", "problem", "note", "reason", "place")}
            response = client.open(url_for_rule(app, rule), method=method, data=data)
            if response.status_code == 200 and response.mimetype == "text/html":
                assert live_script(response.get_data(as_text=True)) == [], rule
            response.close()


class GetFormFields(HTMLParser):
    """Names of the fields of every GET form on a page: the page's search and filter parameters."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif self._in_get_form and tag in ("input", "select", "textarea") and attributes.get("name"):
            if attributes.get("type") not in ("submit", "button"):
                self.names.add(attributes["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def test_sql_meta_characters_in_every_search_and_filter_never_fail(world):
    app, people = world
    checked = set()
    with app.app_context():
        client = client_as(app, people, "admin")
        for _, rule, _ in GETS:
            url = url_for_rule(app, rule)
            page = client.get(url)
            if page.mimetype != "text/html":
                page.close()
                continue
            finder = GetFormFields()
            finder.feed(page.get_data(as_text=True))
            for name in finder.names | {"page"}:
                for meta in SQL_META:
                    response = client.get(url, query_string={name: meta})
                    assert response.status_code < 500, f"{rule}?{name}={meta!r}: {response.status_code}"
                    response.close()
                checked.add(f"{rule}?{name}")
    assert {"/feedback/?q", "/customers/?q", "/feedback/?channel", "/audit/?action"} <= checked


def snapshot(app) -> dict[str, list]:
    """Every row of every table, to prove a refused request changed nothing."""
    with app.app_context():
        with db.engine.connect() as conn:
            return {
                table.name: sorted(map(repr, conn.execute(text(f'SELECT * FROM "{table.name}"'))))
                for table in db.metadata.sorted_tables
            }


@pytest.fixture(scope="module")
def guarded(world, database_url):
    """The seeded database behind an app with CSRF protection on and a 64 KB request limit."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": True,
            "MAX_CONTENT_LENGTH": 64 * 1024,
            "API_MAX_BODY": 64 * 1024,
        }
    )
    yield app, world[1]
    with app.app_context():
        db.engine.dispose()


def _csrf_exempt(app, endpoint: str) -> bool:
    csrf = app.extensions["csrf"]
    view = app.view_functions[endpoint]
    return (
        f"{view.__module__}.{view.__name__}" in csrf._exempt_views
        or app.blueprints.get(endpoint.split(".")[0]) in csrf._exempt_blueprints
    )


@pytest.mark.parametrize(("endpoint", "rule", "method"), CHANGES, ids=[f"{m} {r}" for _, r, m in CHANGES])
def test_state_changing_route_refuses_a_request_without_csrf_token(guarded, endpoint, rule, method):
    app, people = guarded
    refusal = "security token was missing"
    if _csrf_exempt(app, endpoint):
        # Only the token-authenticated JSON API may skip CSRF (browsers never send its token), and the
        # public survey form, which has no session to forge with and carries a signed token of its own.
        assert rule.startswith("/api/") or endpoint == "surveys.answer", f"{rule} is exempt from CSRF"
        if rule.startswith("/api/"):
            return
        refusal = "nothing was sent yet"
    before = snapshot(app)
    with app.app_context():
        client = client_as(app, people, "admin")
        client.environ_base.pop("HTTP_AUTHORIZATION")
        response = client.open(
            url_for_rule(app, rule),
            method=method,
            data={"text": "sneaky", "name": "sneaky", "title": "sneaky", "confirm": "y"},
        )
    assert response.status_code == 400
    assert refusal in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize(("endpoint", "rule", "method"), CHANGES, ids=[f"{m} {r}" for _, r, m in CHANGES])
def test_oversized_body_gets_the_413_page(guarded, endpoint, rule, method):
    app, people = guarded
    before = snapshot(app)
    with app.app_context():
        client = client_as(app, people, "admin")
        body = {"text": "x" * (100 * 1024)}
        if rule.startswith("/api/"):  # the API reads JSON only
            response = client.open(url_for_rule(app, rule), method=method, json=body)
        else:
            response = client.open(url_for_rule(app, rule), method=method, data=body)
    assert response.status_code == 413
    message = "the limit is" if rule.startswith("/api/") else "too large"
    assert message in response.get_data(as_text=True).lower()
    assert snapshot(app) == before


def test_searches_match_sql_meta_characters_literally(client, app):
    from tests.factories import make_customer, make_feedback, make_user

    sign_in(client, make_user("viewer"))
    make_feedback(text="Save 100% now_please 'quoted' \"double\"; -- back\\slash")
    make_feedback(text="Save 100 percent now please")
    make_customer(name="O'Brien_%")
    make_customer(name="OXBrien")
    for needle in ("100%", "now_please", "'quoted'", '"double";', "--", "back\\slash"):
        body = client.get("/feedback/", query_string={"q": needle}).get_data(as_text=True)
        assert "Save 100% now_please" in body and "Save 100 percent" not in body, needle
    body = client.get("/customers/", query_string={"q": "'Brien_%"}).get_data(as_text=True)
    assert "O&#39;Brien_%" in body and "OXBrien" not in body
