"""Feedback put right after the fact: one item edited, many changed at once, or removed; all audited."""

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from voc.extensions import db
from voc.models import Customer, Feedback, Hit, HitChange, HitFeedback, Theme, TriageDecision
from voc.services import audit, privacy, sentiment, themes
from voc.services.audit import Actor
from voc.services.errors import InvalidInput, NotAllowed, NotFound
from voc.services.feedback import FeedbackFilters, check_date, check_score, check_text, filtered_query
from voc.services.stages import active_stage
from voc.vocabulary import CHANNELS

CHUNK = 500  # ids per statement, well under every database's limit on bound parameters
BULK_ACTIONS = ("stage", "customer", "theme", "delete")
# The least role for each bulk action: themes are triage work, removing items is an admin's.
BULK_ROLES = {"stage": "contributor", "customer": "contributor", "theme": "triager", "delete": "admin"}


@dataclass(frozen=True)
class FeedbackEdit:
    """An item's fields as corrected; `text` None leaves the customer's words as they are."""

    channel: str
    received_on: dt.date
    customer_id: int | None
    stage_id: int | None
    score: int | None = None
    score_kind: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Removed:
    """What removing items took with them."""

    items: int
    evidence_links: int


def _item(feedback_id: int) -> Feedback:
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        raise NotFound(("feedback", "That feedback item does not exist."))
    return item


def _customer_exists(customer_id: int | None, field: str = "customer_id") -> None:
    if customer_id is not None and db.session.get(Customer, customer_id) is None:
        raise InvalidInput((field, "That customer does not exist."))


def edit_feedback(feedback_id: int, edit: FeedbackEdit, actor: Actor, may_edit_text: bool) -> Feedback:
    """Correct an item's stage, customer, channel, date, score and (triagers) words; audited.

    The log names the fields that changed, never their values, so it holds no customer's words.
    """
    item = _item(feedback_id)
    if edit.channel not in CHANNELS:
        raise InvalidInput(("channel", f"Channel must be one of: {', '.join(CHANNELS)}."))
    check_date(edit.received_on, "received_on")
    check_score(edit.score, edit.score_kind)
    _customer_exists(edit.customer_id)
    changed = []
    was_theme = item.theme_id
    if edit.text is not None and (text := check_text(edit.text)) != item.text:
        if not may_edit_text:
            raise NotAllowed(("text", "Only triagers and admins may change what the customer said."))
        if item.erased_at is not None:
            raise InvalidInput(("text", "This item's words were erased and cannot be written back."))
        item.text = privacy.ingest_text(text)
        item.language = themes.text_language(item.text)
        changed.append("text")
    if edit.stage_id != item.stage_id:
        item.stage = active_stage(edit.stage_id)  # a retired stage an item already has may stay
        changed.append("stage")
    for name in ("customer_id", "channel", "received_on", "score", "score_kind"):
        value = getattr(edit, name) if name != "score_kind" else edit.score_kind or None
        if getattr(item, name) != value:
            setattr(item, name, value)
            changed.append(name.removesuffix("_id").replace("_", " "))
    if {"text", "score", "score kind"} & set(changed):
        found, source, theme_id, terms = themes.annotations([item.text])[0]
        # The customer's own score decides the sentiment when there is one; else the words do.
        item.sentiment, item.sentiment_source = sentiment.own(item.score, item.score_kind, found, source)
        if "text" in changed and terms is not None and not item.theme_pinned:
            item.theme_id, item.theme_terms = theme_id, terms  # a staff placement outlives a reworded item
    if changed:
        audit.add_event("edit_feedback", actor, "feedback", item.id, "changed " + ", ".join(changed))
        if "text" in changed or "customer" in changed:
            # Only the themes it left and joined: a recount of every theme reads every item.
            themes.refresh_sizes({was_theme, item.theme_id} - {None})
    db.session.commit()
    return item


def _ids(selection: list[int] | FeedbackFilters) -> list[int]:
    """The chosen items' ids: the ticked ones that exist, or every item the filters match."""
    if isinstance(selection, FeedbackFilters):
        query = filtered_query(selection).with_only_columns(Feedback.id).order_by(None).order_by(Feedback.id)
        return list(db.session.scalars(query))
    found = []
    for chunk in _chunks(sorted(set(selection))):
        found += db.session.scalars(select(Feedback.id).where(Feedback.id.in_(chunk)))
    return found


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def bulk_change(
    selection: list[int] | FeedbackFilters, action: str, value: int | None, actor: Actor, role_of
) -> int:
    """Set the stage, customer or theme of many items at once, or delete them; how many changed.

    `role_of(role)` says whether the acting user has a role: see BULK_ROLES.
    """
    if action not in BULK_ACTIONS:
        raise InvalidInput(("action", "Choose what to do with the items."))
    if not role_of(BULK_ROLES[action]):
        raise NotAllowed(("action", f"That needs the {BULK_ROLES[action]} role or above."))
    ids = _ids(selection)
    if not ids:
        raise InvalidInput(("ids", "Tick at least one item, or choose every item the filters match."))
    if action == "delete":
        removed = remove_items(ids, actor.user_id, "deleted by an admin")
        audit.add_event("delete_feedback", actor, "feedback", None, _described(ids))
        db.session.commit()
        return removed.items
    if action == "theme":
        theme = db.session.get(Theme, value) if value is not None else None
        if value is not None and (theme is None or theme.retired):
            raise InvalidInput(("value", "That theme no longer exists; choose a current one."))
        for chunk in _chunks(ids):
            themes.pin_items(chunk, value)
        themes.refresh_sizes()
    else:
        if action == "stage":
            values = {"stage_id": active_stage(value).id if value is not None else None}
        else:
            _customer_exists(value, "value")
            values = {"customer_id": value}
        for chunk in _chunks(ids):
            db.session.execute(update(Feedback).where(Feedback.id.in_(chunk)).values(**values))
    audit.add_event("edit_feedback", actor, "feedback", None, f"set {action} on {_described(ids)}")
    db.session.commit()
    return len(ids)


def _described(ids: list[int]) -> str:
    """Items for the audit log: how many, and the first ids."""
    shown = ", ".join(f"#{i}" for i in ids[:20])
    return f"{len(ids)} item{'' if len(ids) == 1 else 's'}: {shown}{', …' if len(ids) > 20 else ''}"


def delete_feedback(feedback_id: int, actor: Actor) -> Removed:
    """Remove one item for good (admins), with its evidence links and triage marks; audited."""
    _item(feedback_id)
    removed = remove_items([feedback_id], actor.user_id, "deleted by an admin")
    audit.add_event("delete_feedback", actor, "feedback", feedback_id, _described([feedback_id]))
    db.session.commit()
    return removed


def remove_items(ids: list[int], user_id: int | None, why: str) -> Removed:
    """Delete items inside the caller's transaction and everything that counts them.

    Hits note the evidence they lost in their history, triage marks and theme quotes go, and theme
    sizes are counted again, so no page counts an item that is gone.
    """
    lost: Counter[int] = Counter()  # hit id -> evidence items it loses
    for chunk in _chunks(ids):
        lost.update(
            dict(
                db.session.execute(
                    select(HitFeedback.hit_id, func.count())
                    .where(HitFeedback.feedback_id.in_(chunk))
                    .group_by(HitFeedback.hit_id)
                ).all()
            )
        )
        db.session.execute(delete(HitFeedback).where(HitFeedback.feedback_id.in_(chunk)))
        db.session.execute(delete(TriageDecision).where(TriageDecision.feedback_id.in_(chunk)))
    for hit_id, count in sorted(lost.items()):
        db.session.add(
            HitChange(
                hit_id=hit_id,
                user_id=user_id,
                version=db.session.get(Hit, hit_id).version,
                field="Evidence",
                old=f"{count} item(s) {why}",
                new="",
            )
        )
    gone = set(ids)
    for theme in db.session.scalars(select(Theme)):
        if gone.intersection(theme.quote_ids or ()):
            theme.quote_ids = [quote for quote in theme.quote_ids if quote not in gone]
    for chunk in _chunks(ids):
        db.session.execute(delete(Feedback).where(Feedback.id.in_(chunk)))
    themes.refresh_sizes()
    return Removed(len(ids), sum(lost.values()))
