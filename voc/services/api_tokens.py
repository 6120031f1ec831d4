"""Personal API tokens: made once and shown once, stored as a SHA-256, revoked by their owner."""

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select

from voc.extensions import db
from voc.models import ApiToken, User, utcnow
from voc.services import audit
from voc.services.errors import InvalidInput, NotFound

PREFIX = "voc_"  # lets secret scanners and people tell a voc token from other strings
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_used_at is refreshed at most this often, not per request


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user_id: int, name: str, actor: audit.Actor | None = None) -> tuple[ApiToken, str]:
    """A new token for the user; returns the record and the token itself, which is never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput(("name", "Name the token after what will use it, e.g. “Zendesk webhook”."))
    if len(name) > 100:
        raise InvalidInput(("name", "Keep the name under 100 characters."))
    token = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(user_id=user_id, name=name, token_hash=_digest(token))
    db.session.add(record)
    db.session.flush()
    audit.add_event("create_token", actor or audit.Actor(user_id), "api_token", record.id, name)
    db.session.commit()
    return record, token


def list_tokens(user_id: int) -> list[ApiToken]:
    """The user's tokens, live ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(user_id: int, token_id: int, actor: audit.Actor | None = None) -> ApiToken:
    """Stop a token working at once; only its owner may revoke it, and revoking twice is harmless."""
    record = db.session.get(ApiToken, token_id)
    if record is None or record.user_id != user_id:
        raise NotFound(("token", "That token does not exist."))
    if record.revoked_at is None:
        record.revoked_at = utcnow()
        audit.add_event("revoke_token", actor or audit.Actor(user_id), "api_token", record.id, record.name)
        db.session.commit()
    return record


def authenticate(token: str) -> User | None:
    """The active user behind a live token, or None; notes when the token was last used."""
    if not token.startswith(PREFIX):
        return None
    record = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if record is None or record.revoked_at is not None or not record.user.active:
        return None
    now = utcnow()
    if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
        record.last_used_at = now
        db.session.commit()
    return record.user
