"""Small factories for test records; each takes overrides for the fields a test cares about."""
import datetime as dt
import itertools
from functools import cache

from argon2 import PasswordHasher

from voc.extensions import db
from voc.models import Customer, Feedback, Stage, User

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
