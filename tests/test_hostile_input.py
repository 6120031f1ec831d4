"""Hostile input at every door, generated from the URL map: filters, path ids and form fields.

Like tests/test_security_routes.py, nothing here lists routes or parameters by hand: the query
parameters a page reads are recorded while it renders, and the form fields are read from its HTML.
"""

import datetime as dt
import itertools
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import String, Text, select, update

from tests.conftest import empty_tables, make_app
from tests.factories import stored_controls
from tests.routes import (
    GETS,
    PARAM_VALUES,
    ROUTES,
    client_as,
    expected,
    live_script,
    seed,
    url_for_rule,
)
from voc.extensions import db
from voc.models import INT_MAX, Customer, ThemeRun, Webhook

# Values a shared link, a typo or a fuzzer puts in a filter; each must give a page, a 404 or a 422.
BAD_VALUES = (
    "0",
    "-1",
    "99999",
    "abc",
    "",
    " 1",
    "1.5",
    "9" * 40,
    "x" * 5000,
    "\x00",
    "2024-02-30",
    "%00",
    "none",
)
# Typed into every text field of every form: what is stored must be the same without the controls.
# (A browser cannot send a lone surrogate in a form; the API tests send one in JSON.)
PAYLOAD = "<b onclick=alert(1)> '\";-- =1+1 \u200f😀"  # markup, SQL, a formula, an RTL mark, an emoji
TYPED = f"Nul\x00Bell\x07Esc\x1bEnd {PAYLOAD}"
STORED = f"NulBellEscEnd {PAYLOAD}"
BIG = "Ab " * 34_000  # about 100 KB, over every field's limit


class Recording:
    """Query parameters that remember which names the view asked for (mixed into the app's own class)."""

    asked: set[str] = set()

    def __contains__(self, key):
        Recording.asked.add(key)
        return super().__contains__(key)

    def __getitem__(self, key):
        Recording.asked.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):  # noqa: A002  (MultiDict's own signature)
        Recording.asked.add(key)
        return super().getlist(key, type)


def recording(request_class: type) -> type:
    """The app's request class with parameters that record what the view reads."""
    args = type("RecordingArgs", (Recording, request_class.parameter_storage_class), {})
    return type("RecordingRequest", (request_class,), {"parameter_storage_class": args})


@pytest.fixture(scope="module")
def world(database_url):
    """One seeded app for this module, whose requests record the parameters views read.

    Jobs run inline and the seeded webhook is off, so nothing runs on after a test or leaves the machine.
    """
    app = make_app(database_url, JOBS_INLINE=True)
    app.request_class = recording(app.request_class)
    with app.app_context():
        people = seed()
        db.session.execute(update(Webhook).values(active=False))
        db.session.execute(update(Customer).values(consent_contact=True))  # so follow-ups may be recorded
        db.session.execute(update(ThemeRun).values(status="failed"))  # the seed's run has no fitted model
        db.session.commit()
    yield app, people
    empty_tables(app)


def parameters_read(client, url: str) -> set[str]:
    """The query parameters the page at `url` reads (form fields such as csrf_token left out)."""
    Recording.asked = set()
    client.get(url).close()
    return {name for name in Recording.asked if name != "csrf_token"}


@pytest.mark.parametrize(("endpoint", "rule", "method"), GETS, ids=[r for _, r, _ in GETS])
def test_every_filter_answers_bad_values_without_failing(world, endpoint, rule, method):
    app, people = world
    if expected(app, endpoint, "admin") != "allowed":
        pytest.skip("not for signed-in users")
    with app.app_context():
        client = client_as(app, people, "admin")
        url = url_for_rule(app, rule)
        failed = []
        for name in sorted(parameters_read(client, url)):
            for value in BAD_VALUES:
                response = client.get(url, query_string={name: value})
                if response.status_code not in (200, 302, 404, 422):
                    failed.append(f"?{name}={value[:20]!r}: {response.status_code}")
                response.close()
    assert failed == []


def test_filters_are_found_by_recording(world):
    """The recording sees the parameters of forms and of plain request.args reads alike."""
    app, people = world
    with app.app_context():
        client = client_as(app, people, "admin")
        assert {"q", "stage", "customer", "theme", "after", "before"} <= parameters_read(client, "/feedback/")
        assert {"stage", "horizon", "paper"} <= parameters_read(client, "/roadmap/print")


ID_ROUTES = [case for case in ROUTES if "<int:" in case[1]]


@pytest.mark.parametrize(("endpoint", "rule", "method"), ID_ROUTES, ids=[f"{m} {r}" for _, r, m in ID_ROUTES])
def test_ids_too_large_for_any_record_are_not_found(world, endpoint, rule, method):
    app, people = world

    def part(match: re.Match) -> str:
        converter, name = match.groups()
        return str(INT_MAX + 1) if converter == "int" else PARAM_VALUES[name]

    with app.app_context():
        client = client_as(app, people, "admin")
        response = client.open(re.sub(r"<(?:(\w+):)?(\w+)>", part, rule), method=method)
    assert response.status_code == 404


class PostForms(HTMLParser):
    """Every POST form of a page: its action and the values a person would send (checkboxes ticked)."""

    TEXT_TYPES = {"text", "search", "email", "url", "tel", None}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._form = {
                "action": a.get("action") or "",
                "data": {},
                "typed": set(),
                "textareas": set(),
                "submit": None,
            }
            self.forms.append(self._form)
        if self._form is None:
            return
        data = self._form["data"]
        if tag == "option" and self._select and (not data.get(self._select) or "selected" in a):
            data[self._select] = a.get("value", "")  # the chosen option, else the first real one
        if not a.get("name"):
            return
        name, kind = a["name"], a.get("type")
        if tag == "textarea":
            self._textarea = name
            self._form["textareas"].add(name)
            data[name] = ""
        elif tag == "select":
            self._select = name
        elif tag == "input" and kind in self.TEXT_TYPES and a.get("tabindex") == "-1":
            data[name] = ""  # out of a person's reach: a honeypot only bots fill in (tests/test_surveys.py)
        elif tag == "input" and kind in self.TEXT_TYPES:
            data[name] = a.get("value", "")
            self._form["typed"].add(name)
        elif tag == "input" and kind == "checkbox" and name != "confirm":  # never confirm an erasure
            data.setdefault(name, []).append(a.get("value", "y"))
        elif tag == "input" and kind == "submit" and self._form["submit"] in (None, "add_quote"):
            self._form["submit"] = name  # the form's own submit, not its "add another" button
        elif tag == "input" and kind in ("hidden", "number", "date", "password"):
            defaults = {"number": "1", "date": dt.date.today().isoformat(), "password": "not the password"}
            data[name] = a.get("value") or defaults.get(kind, "")

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["data"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._form is not None:
            self._form["typed"].add(self._textarea)
            self._textarea = None


_ADDRESSES = itertools.count()


def typed(name: str, value: str) -> str:
    """What a person with a stuck key sends in a text field: its value with control characters typed in."""
    if "email" in name:  # one address per form, as an address already in use is refused
        return f"Nul\x00Bell\x07Esc\x1bEnd{next(_ADDRESSES)}@example.com"
    if name == "url":
        return "https://receiver.invalid/Nul\x00Bell\x07Esc\x1bEnd"  # .invalid never resolves: no delivery
    return TYPED


def stored_typing() -> set[str]:
    """The tables in which the typed text arrived whole, without its control characters."""
    return {
        table.name
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text)
        and db.session.scalar(select(column).where(column.contains(STORED)).limit(1)) is not None
    }


def altered_typing() -> list[str]:
    """Stored values that hold the typed words but not the rest of what was typed.

    E-mails and URLs aside, and the audit log's details, which name a new user by their address
    as stored (lower case)."""
    return [
        f"{table.name}.{column.name}: {value[:80]!r}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text)
        and column.name not in ("email", "url")
        and str(column) != "audit_event.detail"
        for value in db.session.scalars(select(column).where(column.contains("NulBellEscEnd")))
        if STORED not in value
    ]


def test_every_form_field_stores_typed_text_without_control_characters(world):
    """Each POST form on each page, sent with control characters and hostile text in every text field,
    then with 100 KB in each text area: nothing fails, nothing but the controls is lost, no script runs."""
    app, people = world
    failed, sent = [], 0
    with app.app_context():
        for endpoint, rule, _ in GETS:
            if rule.startswith("/api/") or expected(app, endpoint, "admin") != "allowed":
                continue
            client = client_as(app, people, "admin")
            url = url_for_rule(app, rule)
            page = client.get(url)
            page.close()  # a file response (the icon) holds its file open until closed
            if page.mimetype != "text/html":
                continue
            finder = PostForms()
            finder.feed(page.get_data(as_text=True))
            for form in finder.forms:
                if not form["typed"]:
                    continue
                data = {k: typed(k, v) if k in form["typed"] else v for k, v in form["data"].items()}
                if "new_customer_name" in form["typed"]:
                    data["customer_id"] = ""  # typing a new customer means not picking an existing one
                if "customer" in form["typed"]:
                    data["customer"] = ""  # a picker's words name a stored customer; they are not stored
                if form["submit"]:
                    data[form["submit"]] = "y"
                response = client_as(app, people, "admin").post(form["action"] or url, data=data)
                sent += 1
                if response.status_code not in (200, 302):
                    failed.append(f"{form['action'] or url}: {response.status_code}")
                areas = [name for name in form["typed"] if name in form["textareas"]]
                if areas:  # too long to store: refused with the text kept in the form
                    response = client_as(app, people, "admin").post(
                        form["action"] or url, data={**data, **dict.fromkeys(areas, BIG)}
                    )
                    if response.status_code != 200 or BIG not in response.get_data(as_text=True):
                        failed.append(f"{form['action'] or url} with 100 KB: {response.status_code}")
        db.session.remove()
        assert failed == []
        assert stored_controls() == []
        assert altered_typing() == []
        arrived = stored_typing()
        for role in ("viewer", "admin"):
            client = client_as(app, people, role)
            for endpoint, rule, _ in GETS:
                if expected(app, endpoint, role) == "allowed":
                    page = client.get(url_for_rule(app, rule))
                    page.close()
                    if page.mimetype == "text/html":
                        assert live_script(page.get_data(as_text=True)) == [], rule
    assert sent >= 15
    assert {"feedback", "customer", "interview", "hit", "stage", "user", "webhook", "api_token"} <= arrived
