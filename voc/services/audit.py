"""The audit log: sign-ins, exports, reveals, erasures, access changes and undone imports, for admins."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from voc.extensions import db
from voc.models import AuditEvent

# Every action the log knows, with the label the audit page shows.
ACTIONS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "sign_in_locked": "Sign-in refused: locked",
    "unlock": "Unlocked an account",
    "export": "Exported",
    "reveal": "Revealed personal data",
    "erase_customer": "Erased a customer",
    "retention": "Erased old feedback (retention)",
    "role_change": "Changed a role",
    "edit_feedback": "Edited feedback",
    "delete_feedback": "Deleted feedback",
    "password_change": "Changed their password",
    "password_reset": "Reset a password",
    "confirm_stages": "Confirmed journey stages",
    "create_user": "Created a user",
    "create_token": "Created an API token",
    "revoke_token": "Revoked an API token",
    "create_webhook": "Added a webhook",
    "delete_webhook": "Deleted a webhook",
    "undo_import": "Undid an import",
}


@dataclass(frozen=True)
class Actor:
    """Who acted and from where; None for the command line and background jobs."""

    user_id: int | None = None
    ip: str | None = None


def add_event(
    action: str,
    actor: Actor,
    target_type: str | None = None,
    target_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Put an event in the current transaction, so it is stored with the change it records."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        action=action,
        user_id=actor.user_id,
        ip=actor.ip,
        target_type=target_type,
        target_id=target_id,
        detail=detail[:500],
    )
    db.session.add(event)
    return event


def record(
    action: str,
    actor: Actor,
    target_type: str | None = None,
    target_id: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Store one event on its own (sign-ins, exports)."""
    event = add_event(action, actor, target_type, target_id, detail)
    db.session.commit()
    return event


def list_events(action: str | None, page: int, per_page: int):
    """A page of the log, newest first, optionally one action only."""
    stmt = select(AuditEvent).options(selectinload(AuditEvent.user))
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    stmt = stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
