"""Outbound webhooks: signed JSON about events, sent in the background and retried with back-off."""

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from voc import jobs
from voc.extensions import db
from voc.models import WEBHOOK_EVENTS, Webhook, WebhookDelivery, utcnow
from voc.services import audit, clock
from voc.services.errors import InvalidInput, NotFound

SECRET_PREFIX = "whsec_"  # Standard Webhooks' form of a secret: base64 of the key bytes
MIN_SECRET_LENGTH = 16
CLAIM_SPARE_SECONDS = 60  # beyond WEBHOOK_TIMEOUT before a claimed delivery is due again
OUTBOX = "webhook_outbox"  # session.info key: deliveries stored by the open transaction, by id


@dataclass(frozen=True)
class WebhookInput:
    """A webhook as an admin sets it up; a blank secret asks for a generated one."""

    url: str
    events: tuple[str, ...]
    secret: str = ""


def signing_key(secret: str) -> bytes:
    """The HMAC key: a Standard Webhooks "whsec_<base64>" secret decoded, any other secret as typed."""
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except ValueError:
            pass  # not base64 after all: the whole string is the key
    return secret.encode()


def signed_headers(delivery_id: int, secret: str, body: bytes, at: dt.datetime) -> dict[str, str]:
    """Standard Webhooks headers: the delivery's id (the same on every retry), this attempt's time, and
    HMAC-SHA256 of "id.timestamp.body", so a receiver can refuse a captured delivery replayed later."""
    message_id, timestamp = f"voc-delivery-{delivery_id}", str(int(at.timestamp()))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


def refused_address(url: str) -> str | None:
    """Why voc may not send to this address (loopback, link-local, private network), or None.

    A webhook must not become a way to reach the server's own network; an admin who runs the
    receiver there sets WEBHOOK_ALLOW_PRIVATE_ADDRESSES. A name that does not resolve now passes:
    it is checked again before every delivery.
    """
    if current_app.config["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"]:
        return None
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (socket.gaierror, UnicodeError):
        return None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_unspecified or ip.is_multicast:
            return f"{host} is a loopback, link-local or private address ({ip}); voc does not send there."
    return None


def retry_delay(attempts: int, base_seconds: float) -> dt.timedelta:
    """Exponential back-off: base, 2×base, 4×base, … after the 1st, 2nd, 3rd failed attempt."""
    return dt.timedelta(seconds=base_seconds * 2 ** (attempts - 1))


def create_webhook(
    data: WebhookInput, user_id: int | None, actor: audit.Actor | None = None
) -> tuple[Webhook, str | None]:
    """Add a webhook; returns it and the generated secret (shown once) when none was given."""
    errors = []
    url = data.url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors.append(("url", "Give a full http:// or https:// address."))
    elif len(url) > 500:
        errors.append(("url", "Keep the address under 500 characters."))
    elif refusal := refused_address(url):
        errors.append(("url", refusal))
    events = [event for event in WEBHOOK_EVENTS if event in data.events]
    if not events or len(events) != len(set(data.events)):
        errors.append(("events", f"Choose one or more of: {', '.join(WEBHOOK_EVENTS)}."))
    secret, generated = data.secret.strip(), None
    if not secret:
        secret = generated = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()
    elif not MIN_SECRET_LENGTH <= len(secret) <= 200:
        errors.append(
            ("secret", f"Use a secret of {MIN_SECRET_LENGTH} to 200 characters, or leave it empty.")
        )
    if errors:
        raise InvalidInput(*errors)
    webhook = Webhook(url=url, secret=secret, events=events, created_by_id=user_id)
    db.session.add(webhook)
    db.session.flush()
    audit.add_event(
        "create_webhook",
        actor or audit.Actor(user_id),
        "webhook",
        webhook.id,
        f"{url} for {', '.join(events)}",
    )
    db.session.commit()
    return webhook, generated


def list_webhooks() -> list[Webhook]:
    """Every webhook, oldest first."""
    return list(db.session.scalars(select(Webhook).order_by(Webhook.id)))


def get_webhook(webhook_id: int) -> Webhook:
    """One webhook, or NotFound."""
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(("webhook", "That webhook does not exist."))
    return webhook


def recent_deliveries(webhook_id: int, limit: int = 50) -> list[WebhookDelivery]:
    """The webhook's latest deliveries, newest first."""
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def set_active(webhook_id: int, active: bool) -> Webhook:
    """Pause a webhook (events are no longer queued for it) or resume it."""
    webhook = get_webhook(webhook_id)
    webhook.active = active
    db.session.commit()
    return webhook


def delete_webhook(webhook_id: int, actor: audit.Actor) -> None:
    """Remove a webhook and its delivery record."""
    webhook = get_webhook(webhook_id)
    audit.add_event("delete_webhook", actor, "webhook", webhook.id, webhook.url)
    db.session.delete(webhook)
    db.session.commit()


def subscribers(event: str) -> list[Webhook]:
    """The active webhooks that want this event."""
    return [
        hook
        for hook in db.session.scalars(select(Webhook).where(Webhook.active.is_(True)))
        if event in hook.events
    ]


def emit(event: str, data: dict) -> int:
    """Store the event for every active webhook that wants it, in the caller's transaction (an outbox).

    The caller's commit stores the event with the change it announces, or neither; once that commit
    is made the deliveries are handed to the background (see _hand_off). Call it before committing.
    """
    hooks = subscribers(event)
    if not hooks:
        return 0
    now = utcnow()
    body = json.dumps(
        {"event": event, "occurred_at": now.isoformat(timespec="seconds") + "Z", "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    deliveries = [
        WebhookDelivery(webhook=hook, event=event, body=body, next_attempt_at=now) for hook in hooks
    ]
    db.session.add_all(deliveries)
    db.session.flush()
    db.session.info.setdefault(OUTBOX, []).extend(delivery.id for delivery in deliveries)
    return len(deliveries)


@event.listens_for(db.session, "after_commit")
def _hand_off(session: Session) -> None:
    """Queue the deliveries the transaction just committed stored; a crash before this loses nothing:
    they are stored as due, and `flask voc webhooks deliver` sends them."""
    delivery_ids = session.info.pop(OUTBOX, None)
    if not delivery_ids:
        return
    try:
        jobs.enqueue("voc.services.webhooks:deliver", delivery_ids)
    except Exception as error:  # the change is committed: no failure to queue may undo or hide it
        current_app.logger.warning("Webhook deliveries wait for `voc webhooks deliver`: %s", error)


@event.listens_for(db.session, "after_rollback")
def _forget(session: Session) -> None:
    """A rolled-back transaction stored no deliveries: there is nothing to hand off."""
    session.info.pop(OUTBOX, None)


def deliver(delivery_ids: list[int]) -> None:
    """Make one attempt at each of these deliveries (the background job behind emit)."""
    for delivery in _claim(WebhookDelivery.id.in_(delivery_ids), utcnow()):
        attempt(delivery)


def deliver_due(now: dt.datetime | None = None) -> tuple[int, int]:
    """Retry every pending delivery whose time has come; returns (attempted, delivered).

    Any number of hosts may run this at once: each delivery is claimed by one of them.
    """
    now = now or utcnow()
    attempted: set[int] = set()  # one attempt each per call, however soon its retry falls due
    delivered = 0
    while claimed := _claim(WebhookDelivery.id.not_in(attempted), now):
        attempted.update(delivery.id for delivery in claimed)
        delivered += sum(attempt(delivery) for delivery in claimed)
    return len(attempted), delivered


def _claim(condition, now: dt.datetime) -> list[WebhookDelivery]:
    """Take up to WEBHOOK_CLAIM_BATCH due deliveries for this process, so no other host sends them too.

    PostgreSQL skips rows another host has locked (FOR UPDATE SKIP LOCKED); each claimed row's next
    attempt moves past the attempt's time-out, so it is due again only if this process dies mid-send.
    The conditional update makes the claim safe on SQLite as well, whose writes are serial.
    """
    due = (WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
    ids = db.session.scalars(
        select(WebhookDelivery.id)
        .where(*due, condition)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(current_app.config["WEBHOOK_CLAIM_BATCH"])
        .with_for_update(skip_locked=True)
    ).all()
    spare = current_app.config["WEBHOOK_TIMEOUT"] + CLAIM_SPARE_SECONDS
    lease = max(now, utcnow()) + dt.timedelta(seconds=spare)
    claimed = [
        delivery_id
        for delivery_id in ids
        if db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, *due)
            .values(next_attempt_at=lease)
            .execution_options(synchronize_session=False)
        ).rowcount
    ]
    db.session.commit()
    if not claimed:
        return []
    return list(
        db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.id.in_(claimed)).order_by(WebhookDelivery.id)
        )
    )


def attempt(delivery: WebhookDelivery) -> bool:
    """POST the stored body once, record the outcome and schedule a retry; True when it arrived."""
    config = current_app.config
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "voc-webhooks",
        "X-Voc-Event": delivery.event,
        **signed_headers(delivery.id, delivery.webhook.secret, body, clock.now()),
    }
    refusal = refused_address(delivery.webhook.url)  # the name may point elsewhere since it was added
    if refusal:
        delivery.status_code, delivery.error = None, refusal
    else:
        try:
            response = requests.post(
                delivery.webhook.url,
                data=body,
                headers=headers,
                timeout=config["WEBHOOK_TIMEOUT"],
                allow_redirects=False,
            )
            delivery.status_code, delivery.error = response.status_code, None
            response.close()
            if not 200 <= response.status_code < 300:
                delivery.error = f"The receiver answered HTTP {response.status_code}."
        except requests.RequestException as error:
            delivery.status_code, delivery.error = None, f"{type(error).__name__}: {error}"[:500]
    delivery.attempts += 1
    now = utcnow()
    if delivery.error is None:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    elif refusal or delivery.attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts, config["WEBHOOK_RETRY_SECONDS"])
    db.session.commit()
    return delivery.status == "delivered"
