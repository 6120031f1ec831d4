"""Small factories for test records; each takes overrides for the fields a test cares about."""

import datetime as dt
import itertools
from functools import cache

from argon2 import PasswordHasher
from flask import g
from sqlalchemy import func, select

from voc.extensions import db
from voc.models import Customer, Feedback, Hit, Stage, Theme, User

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
