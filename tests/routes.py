"""The route matrix the security tests share: every route from the URL map, one seeded record of every
kind with hostile text, clients signed in by role, and what each role may do."""

import datetime as dt
import hashlib
from html.parser import HTMLParser

import pytest
from sqlalchemy import select, update

from tests.factories import sign_in
from voc import create_app
from voc.extensions import db
from voc.models import (
    ApiToken,
    AuditEvent,
    Customer,
    Feedback,
    FollowUp,
    Hit,
    HitChange,
    ImportBatch,
    ImportJob,
    Interview,
    Stage,
    Survey,
    Theme,
    ThemeRun,
    TriageDecision,
    User,
    Webhook,
    WebhookDelivery,
)
from voc.services import api_tokens

ROLES = ("viewer", "contributor", "triager", "admin")


XSS = (
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(2)>',
    "javascript:alert(3)",
    '<a href="javascript:alert(4)">click</a>',
    "'><svg onload=alert(5)>",
    "</textarea><script>alert(6)</script>",
    '<iframe src="javascript:alert(7)"></iframe>',
    "{{ 7 * 7 }} {% raw %}",
)


# Values for URL parts that are not record ids.
SURVEY_TOKEN = "t" * 32


PARAM_VALUES = {"fmt": "csv", "key": "0" * 64, "token": SURVEY_TOKEN}


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every route but static files, GETs first."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    cases = [
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    return sorted(cases, key=lambda case: (case[2] != "GET", case[1], case[2]))


ROUTES = _routes()


GETS = [case for case in ROUTES if case[2] == "GET"]


CHANGES = [case for case in ROUTES if case[2] != "GET"]


def hostile(n: int) -> str:
    return XSS[n % len(XSS)]


def seed() -> dict:
    """One record of every kind, every text field hostile; returns the signed-in users by role."""
    people = {
        role: User(email=f"{role}@example.com", name=f"{role} {hostile(i)}", role=role, password_hash="x")
        for i, role in enumerate(ROLES)
    }
    db.session.add_all(people.values())
    stage = Stage(name=hostile(1)[:60], description=hostile(2), position=99)
    quoted = Customer(
        name=hostile(0),
        organisation=hostile(1),
        segment=hostile(2)[:100],
        email="quinn@example.com",
        external_id=hostile(3),
        consent_quote=True,
    )
    private = Customer(name=hostile(4), organisation=hostile(5), consent_quote=False)
    theme = Theme(label=hostile(0), name=hostile(1), keywords=[[hostile(2), 0.5]], size=3)
    other = Theme(label=hostile(3), keywords=[[hostile(4), 0.4]], size=0)
    db.session.add_all([stage, quoted, private, theme, other])
    db.session.flush()
    interview = Interview(
        customer=quoted,
        interviewer_id=people["contributor"].id,
        held_on=dt.date.today(),
        place=hostile(5),
        duration_minutes=30,
        notes=hostile(6),
    )
    items = [
        Feedback(
            text=f"{hostile(n)} call 07700 900123 or mail {n}@example.com",
            channel="survey",
            source=hostile(n + 1)[:100],
            external_id=hostile(n + 2),
            received_on=dt.date.today(),
            customer=customer,
            stage=stage,
            theme=theme,
            sentiment=-0.5,
            theme_terms=[hostile(n + 3)],
            extras={hostile(n): hostile(n + 1)},
            interview=iv,
            created_by_id=people["contributor"].id,
        )
        for n, (customer, iv) in enumerate(
            [(quoted, None), (private, None), (quoted, interview), (None, None)]
        )
    ]
    db.session.add_all(items)
    db.session.flush()
    theme.quote_ids = [item.id for item in items]
    hit = Hit(
        title=hostile(0),
        problem=hostile(1),
        stage=stage,
        horizon="this month",
        kind="quick fix",
        owner_id=people["triager"].id,
        status="done",
        impact=3,
        confidence=80,
        effort=1.0,
        themes=[theme],
        feedback=items[:2],
    )
    db.session.add(hit)
    db.session.flush()
    db.session.add_all(
        [
            HitChange(
                hit_id=hit.id,
                user_id=people["triager"].id,
                version=1,
                field="title",
                old=hostile(2),
                new=hostile(3),
            ),
            FollowUp(
                hit_id=hit.id,
                customer_id=quoted.id,
                user_id=people["triager"].id,
                held_on=dt.date.today(),
                method="call",
                note=hostile(4),
            ),
            TriageDecision(theme_id=other.id, reason=hostile(5), user_id=people["triager"].id),
            TriageDecision(feedback_id=items[3].id, reason=hostile(6), user_id=people["triager"].id),
            ThemeRun(
                requested_by_id=people["triager"].id,
                status="done",
                message=hostile(7),
                settings={"k": None, "stop_words": [hostile(0)], "seed": 0},
                n_items=4,
                n_themes=1,
            ),
            AuditEvent(user_id=people["admin"].id, action="export", target_type="roadmap", detail=hostile(1)),
            ImportBatch(
                user_id=people["contributor"].id,
                filename=hostile(2)[:255],
                sha256="0" * 64,
                mapping={hostile(3): hostile(4)},
                rejected=1,
                rejected_csv=f"text,error\r\n{hostile(5)},x",
            ),
            ImportJob(
                user_id=people["contributor"].id,
                upload_key="0" * 64,
                filename=hostile(8)[:255],
                settings={},
                status="failed",
                message=hostile(9)[:500],
            ),
            Survey(
                token=SURVEY_TOKEN,
                title=hostile(0),
                intro=hostile(1),
                score_kind="nps",
                questions=[hostile(2)],
                stage=stage,
                segment=hostile(3)[:100],
                thanks_name=hostile(4),
                thanks_text=hostile(5),
                embed_origins=["https://shop.example.com"],
            ),
            Webhook(
                url="https://hooks.example.com/" + hostile(6)[:100],
                secret="s",
                events=["feedback.created"],
                deliveries=[WebhookDelivery(event="feedback.created", body="{}", error=hostile(7)[:500])],
            ),
        ]
    )
    db.session.add_all(
        ApiToken(
            user_id=user.id,
            name=hostile(2)[:100],
            token_hash=hashlib.sha256(api_token(role).encode()).hexdigest(),
        )
        for role, user in people.items()
    )
    db.session.commit()
    return {role: user.id for role, user in people.items()}


def api_token(role: str) -> str:
    return f"{api_tokens.PREFIX}test-token-{role}"


def url_for_rule(app, rule: str) -> str:
    """The rule's URL with each part filled from a real record (ids) or PARAM_VALUES."""
    url_rule = next(r for r in app.url_map.iter_rules() if r.rule == rule)
    values = {}
    with app.app_context():
        tables = {t.name: t for t in db.metadata.sorted_tables}
        for name, converter in url_rule._converters.items():
            if hasattr(converter, "items"):  # any(a,b): the first choice
                values[name] = sorted(converter.items)[0]
            elif name in PARAM_VALUES:
                values[name] = PARAM_VALUES[name]
            elif name.endswith("_id"):
                stem = name[: -len("_id")]
                found = (
                    [stem]
                    if stem in tables
                    else [t for t in tables if t.endswith("_" + stem) and "id" in tables[t].c]
                )
                assert len(found) == 1, f"{rule}: which table does <{name}> name? Add it to PARAM_VALUES"
                table = tables[found[0]]
                first = db.session.execute(select(table.c.id).order_by(table.c.id).limit(1)).scalar()
                values[name] = first or 1
            else:
                pytest.fail(f"{rule}: add a value for <{name}> to PARAM_VALUES")
    return url_rule.build(values, append_unknown=False)[1]


def client_as(app, people, role: str | None):
    """A test client signed in with `role` (session and API token), or anonymous for None."""
    client = app.test_client()
    if role:
        # Routes run in turn may have revoked a token (POST /account/tokens/<id>/revoke): revive them;
        # and a password reset (POST /users/<id>/reset-password) would send everyone to My account.
        db.session.execute(update(ApiToken).values(revoked_at=None))
        db.session.execute(update(User).values(must_change_password=False))
        db.session.commit()
        sign_in(client, db.session.get(User, people[role]))
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(role)}"
    return client


def expected(app, endpoint: str, role: str | None) -> str:
    """What a role should get from a route, from the route's own required_role."""
    required = app.view_functions[endpoint].required_role
    if required is None:
        return "allowed"
    if role is None:
        return "sign-in"
    return "allowed" if ROLES.index(role) >= ROLES.index(required) else "forbidden"


class ScriptFinder(HTMLParser):
    """Collects anything in a page that could run script: inline or foreign scripts, on* handlers,
    javascript: URLs and frames."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}
    SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:text/html")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and attributes.get("type") == "application/json":
            return  # a data block the browser never runs (its text is checked as JSON by the dashboard tests)
        if tag == "script":
            self._in_script = True
            if not (attributes.get("src") or "").startswith("/static/"):
                self.problems.append(f"script not from /static/: {attrs}")
        if tag in ("iframe", "object", "embed", "frame", "base"):
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            squeezed = "".join((value or "").split()).lower()
            if name in self.URL_ATTRIBUTES and squeezed.startswith(self.SCRIPT_SCHEMES):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")


def live_script(html: str) -> list[str]:
    finder = ScriptFinder()
    finder.feed(html)
    finder.close()
    return finder.problems
