"""Customers' privacy: masking at ingest, logged reveals, the right to erasure and retention."""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import null, or_, select, text, update

from voc import pii
from voc.extensions import db
from voc.models import Customer, Feedback, FollowUp, Interview, Theme, utcnow
from voc.services import audit, clock
from voc.services.customers import get_customer
from voc.services.errors import InvalidInput, NotFound

ERASED = "[erased]"
RETENTION_LOCK = 0x766F6372  # PostgreSQL advisory lock id ("vocr") held while retention erases
# Text that may hold what masking hides: an @, or nine digits with at most two other characters
# between each (a phone or card number written with spaces, dots, dashes or brackets).
MAYBE_PERSONAL = "@|[0-9]([^0-9]{0,2}[0-9]){8}"


@dataclass(frozen=True)
class Erasure:
    """What erasing one customer removed, in counts (the audit log keeps the same)."""

    customer: Customer
    items: int
    interviews: int


@dataclass(frozen=True)
class Retention:
    """What a retention run erased: items received before `cutoff`."""

    cutoff: dt.date
    items: int


def ingest_text(text: str) -> str:
    """Feedback text as it is to be stored: masked when REDACT_PII_AT_INGEST is on."""
    return pii.mask(text) if current_app.config.get("REDACT_PII_AT_INGEST") else text


def found_only_in_masked_data(needle: str) -> set[int]:
    """Items whose text holds the needle only inside masked personal data, which search must not find.

    Search runs in SQL on the stored words; taking these out again means nobody can confirm a
    masked e-mail address, phone or card number by searching for it. Only items with an @ or a
    long run of digits are checked, in Python, with the masking every page uses.
    """
    candidates = db.session.execute(
        select(Feedback.id, Feedback.text).where(
            Feedback.text.icontains(needle, autoescape=True),
            or_(Feedback.text.contains("@", autoescape=True), Feedback.text.regexp_match(MAYBE_PERSONAL)),
        )
    )
    folded = needle.lower()
    return {id_ for id_, text in candidates if folded not in pii.mask(text).lower()}


def shows(text: str, needle: str) -> bool:
    """Whether a text a search found holds the needle as pages show it, outside masked personal data
    (the per-row form of `found_only_in_masked_data`, for lists that check only the rows they show)."""
    if not re.search(MAYBE_PERSONAL, text):
        return True
    return needle.lower() in pii.mask(text).lower()


def reveal(feedback_id: int, actor: audit.Actor) -> Feedback:
    """One item with its text unmasked for staff who need it; every reveal is in the audit log."""
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        raise NotFound(("feedback", "That feedback item does not exist."))
    audit.record("reveal", actor, "feedback", item.id, f"{len(pii.find(item.text))} masked values")
    return item


def _erase_feedback(condition, now: dt.datetime) -> int:
    """Replace the text of the matching items, keeping the items (and so every count) in place."""
    ids = set(db.session.scalars(select(Feedback.id).where(condition, Feedback.erased_at.is_(None))))
    if not ids:
        return 0
    db.session.execute(
        update(Feedback)
        .where(Feedback.id.in_(ids))
        .values(text=ERASED, extras=null(), theme_terms=null(), erased_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()  # items already loaded must not keep the old words
    # A theme's representative quotes must never point at erased words.
    for theme in db.session.scalars(select(Theme)):
        if ids.intersection(theme.quote_ids or ()):
            theme.quote_ids = [i for i in theme.quote_ids if i not in ids]
    return len(ids)


def erase_customer(customer_id: int, actor: audit.Actor, now: dt.datetime | None = None) -> Erasure:
    """Remove a customer's personal details and the words of everything they told us."""
    customer = get_customer(customer_id)
    if customer.erased_at is not None:
        raise InvalidInput(("customer", "This customer has already been erased."))
    now = now or utcnow()
    items = _erase_feedback(Feedback.customer_id == customer_id, now)
    interviews = list(db.session.scalars(select(Interview).where(Interview.customer_id == customer_id)))
    for interview in interviews:
        interview.place, interview.notes = ERASED, ERASED  # where and what, in the interviewer's words
    for follow_up in db.session.scalars(select(FollowUp).where(FollowUp.customer_id == customer_id)):
        follow_up.note = ERASED
    customer.name = f"Erased customer #{customer.id}"
    customer.organisation = customer.email = customer.external_id = None
    customer.consent_quote = customer.consent_contact = False
    customer.erased_at = now
    audit.add_event(
        "erase_customer",
        actor,
        "customer",
        customer.id,
        f"{items} feedback items, {len(interviews)} interviews",
    )
    db.session.commit()
    return Erasure(customer, items, len(interviews))


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def apply_retention(months: int, actor: audit.Actor, today: dt.date | None = None) -> Retention:
    """Erase the text of every item received more than `months` months ago."""
    if months < 1:
        raise InvalidInput(("months", "Retention must be at least one month."))
    cutoff = months_before(today or clock.today(), months)
    if db.session.get_bind().dialect.name == "postgresql":
        # Hosts running retention at once take turns; the later one finds nothing left to erase.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RETENTION_LOCK})
    erased = _erase_feedback(Feedback.received_on < cutoff, utcnow())
    audit.add_event(
        "retention",
        actor,
        "feedback",
        None,
        f"{erased} items received before {cutoff.isoformat()} ({months} months)",
    )
    db.session.commit()
    return Retention(cutoff, erased)
