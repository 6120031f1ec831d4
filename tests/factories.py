"""Small factories for test records; each takes overrides for the fields a test cares about."""

import datetime as dt
import io
import itertools
import json
import pathlib
import random
import threading
import time
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from argon2 import PasswordHasher
from flask import current_app, g
from sqlalchemy import String, Text, func, select

from tests.texts import TOPICS, topic_texts
from voc.extensions import db
from voc.ingest import Mapping
from voc.ingest.controls import CONTROLS
from voc.ingest.mapping import SINGLE_FIELDS
from voc.models import Customer, Feedback, Hit, Stage, Theme, User, Webhook
from voc.services import imports, mappings, uploads, webhooks

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


@cache
def _password_hash() -> str:
    """Hash once per run: argon2 is slow on purpose."""
    return PasswordHasher().hash(PASSWORD)


def make_user(role: str = "contributor", **overrides) -> User:
    n = next(_serial)
    user = User(
        email=overrides.pop("email", f"user{n}@example.com"),
        name=overrides.pop("name", f"User {n}"),
        role=role,
        password_hash=_password_hash(),
        **overrides,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_customer(**overrides) -> Customer:
    n = next(_serial)
    customer = Customer(**{"name": f"Customer {n}", "segment": "Residential", **overrides})
    db.session.add(customer)
    db.session.commit()
    return customer


def make_feedback(**overrides) -> Feedback:
    n = next(_serial)
    values = {
        "text": f"Feedback number {n}",
        "channel": "survey",
        "received_on": dt.date.today() - dt.timedelta(days=n % 30),
        **overrides,
    }
    item = Feedback(**values)
    db.session.add(item)
    db.session.commit()
    return item


def stage_named(name: str) -> Stage:
    return db.session.scalar(db.select(Stage).where(Stage.name == name))


def sign_in(client, user: User) -> None:
    """Sign in through the session, skipping the (slow, separately tested) password check."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def api_headers(user: User) -> dict:
    """The Authorization header of a fresh personal API token for the user."""
    from voc.services import api_tokens

    _, token = api_tokens.create_token(user.id, "tests")
    return {"Authorization": f"Bearer {token}"}


def make_theme(label: str = "smart meter no-shows", customers: int = 0, **overrides) -> Theme:
    """A theme; with customers=N, N customers' items in it from three days ago, counted as a run would."""
    theme = Theme(label=label, customers=customers, **overrides)
    db.session.add(theme)
    db.session.commit()
    for _ in range(customers):
        make_feedback(
            theme_id=theme.id, customer=make_customer(), received_on=dt.date.today() - dt.timedelta(days=3)
        )
    return theme


def hit_input(**overrides):
    from voc.services import hits

    values = {
        "title": "Refunds take weeks",
        "stage_id": stage_named("Action").id,
        "horizon": "this month",
        "kind": "quick fix",
        "impact": 3,
        "confidence": 80,
        "effort": 1.0,
        **overrides,
    }
    return hits.HitInput(**values)


def make_hit(user=None, theme_ids=(), feedback_ids=(), **overrides) -> Hit:
    """A hit made through the service, as a triager would, with its evidence."""
    from voc.services import hits

    return hits.create_hit(hit_input(**overrides), user.id if user else None, theme_ids, feedback_ids)


def hit_form(**overrides) -> dict:
    """The new-hit form as a browser posts it."""
    return {
        "title": "Engineers miss smart meter appointments",
        "problem": "I took a day off and nobody came",
        "stage_id": stage_named("Action").id,
        "horizon": "this month",
        "kind": "quick fix",
        "owner_id": "",
        "target_date": "",
        "reach": "",
        "impact": "3",
        "confidence": "80",
        "effort": "1",
        **overrides,
    }


def count(model) -> int:
    """How many rows the model's table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def as_user(client):
    """The test's long-lived app context caches the signed-in user in g; forget it between clients."""
    g.pop("_login_user", None)
    return client


def add_items(per_topic: int, seed: int = 1, days_ago: int = 10) -> dict[str, list[Feedback]]:
    """Items in TOPICS' three clear topics, per_topic each, received days_ago; by topic."""
    rng = random.Random(seed)
    action = stage_named("Action")
    received_on = dt.date.today() - dt.timedelta(days=days_ago)
    made = {}
    for topic in TOPICS:
        made[topic] = [
            Feedback(text=text, channel="survey", stage=action, received_on=received_on)
            for text in topic_texts(topic, per_topic, rng)
        ]
        db.session.add_all(made[topic])
    db.session.commit()
    return made


def theme_of(items: list[Feedback]) -> int:
    """The theme most of these items are in."""
    ids = [db.session.get(Feedback, item.id).theme_id for item in items]
    return max(set(ids), key=ids.count)


WEBHOOK_SECRET = "s3cret-shared-with-the-receiver"


class Receiver:
    """A local HTTP endpoint that records each request and answers with the next scripted status."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []
        self.delay = 0.0  # seconds each answer takes
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def add_webhook(url: str, events=("feedback.created",)) -> Webhook:
    """A webhook to a receiver on this machine, which the admin setting for private addresses allows."""
    current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = True
    data = webhooks.WebhookInput(url=url, events=tuple(events), secret=WEBHOOK_SECRET)
    webhook, _ = webhooks.create_webhook(data, None)
    return webhook


IMPORT_FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "imports"


def upload(data: bytes | str, name: str = "export.csv") -> uploads.Upload:
    """Store bytes as the upload page would."""
    if isinstance(data, str):
        data = data.encode()
    return uploads.store_upload(io.BytesIO(data), name)


def import_file(up: uploads.Upload, user, mapping: Mapping | None = None, date_order: str = "", dry=False):
    """Import with the guessed mapping unless one is given."""
    mapping = mapping or mappings.inspect(up).mapping
    run = imports.dry_run if dry else imports.run_import
    return run(up, imports.ImportSettings(mapping, date_order), user.id)


TICKETS = (
    "Ticket ID,Description,Created,Email\n"
    "T-1,Login fails,2024-02-01,a@example.com\n"
    'T-2,"=SUM(A1:A9)",2024-02-31,b@example.com\n'
    "T-3,,2024-02-03,c@example.com\n"
)


def post_file(client, data: bytes | str, name: str = "tickets.csv"):
    if isinstance(data, str):
        data = data.encode()
    return client.post(
        "/imports/new", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def uploaded(client, data, name="tickets.csv") -> str:
    """Upload and return the mapping page's URL."""
    response = post_file(client, data, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def form_data(url: str, action: str, **overrides) -> dict:
    """The mapping form as the page fills it in, plus the button pressed."""
    mapping = mappings.inspect(uploads.get_upload(url.rsplit("/", 1)[1])).mapping
    data = {name: getattr(mapping, name) or "" for name in (*SINGLE_FIELDS, "fallback_text")}
    data.update(
        text=mapping.text,
        customer_name=mapping.customer_name,
        score_kind=mapping.score_kind or "",
        default_channel=mapping.default_channel,
        default_source=mapping.default_source or "",
        header_rows=str(mapping.header_rows),
        labels=json.dumps(mapping.labels),
        preset=mapping.preset or "",
        date_order="",
        mapping_name="",
    )
    data.update(overrides)
    data[action] = "x"
    return data


def interview_form(interviewer, **overrides):
    data = {
        "customer_id": "",
        "new_customer_name": "",
        "interviewer_id": str(interviewer.id),
        "held_on": dt.date.today().isoformat(),
        "place": "Market Square stall",
        "duration_minutes": "45",
        "notes": "Met at the pop-up stand.",
        "quotes-0-text": "I never understood the tariff names",
        "quotes-0-stage": str(stage_named("Consider").id),
        "quotes-1-text": "The installer was brilliant",
        "quotes-1-stage": str(stage_named("Action").id),
        "submit": "Save interview",
    }
    data.update(overrides)
    return data


def stored_controls() -> list[str]:
    """Every stored text value, in every string column of every table, that holds a control character."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text):
                for value in db.session.scalars(select(column).where(column.is_not(None))):
                    if CONTROLS.search(value):
                        found.append(f"{table.name}.{column.name}: {value[:60]!r}")
    return found


REDIS_DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once
