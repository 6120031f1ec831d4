"""Suggested journey stages: made at each theme run, shown apart from facts, confirmed by triagers."""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select, update

from voc.extensions import db
from voc.models import Feedback, Stage
from voc.services import audit, feedback, writeback
from voc.services.errors import InvalidInput, NotFound
from voc.services.stages import active_stage
from voc.themes.stages import UNKNOWN, suggest

# Fewer staged items than this, or all at one stage, teach nothing worth suggesting.
MIN_STAGED = 10


def refresh() -> int:
    """Suggest a stage for every unstaged item from the items people staged; returns how many have one.

    Only active stages are suggested; items on a retired stage keep it and teach nothing. Written
    in short batches, only where a suggestion changed, and never to an item whose stage a person
    set meanwhile (see writeback.write_items).
    """
    # Erased words suggest nothing; their old suggestions go.
    db.session.execute(
        update(Feedback)
        .where(Feedback.erased_at.is_not(None), Feedback.suggested_stage_id.is_not(None))
        .values(suggested_stage_id=None, stage_confidence=None)
    )
    ids, texts, (stage_ids,) = writeback.read_items(Feedback.stage_id)
    active = list(db.session.scalars(select(Stage.id).where(Stage.retired.is_(False)).order_by(Stage.id)))
    db.session.commit()  # no transaction stays open (holding back vacuum) while the suggestions are fitted
    index = {stage_id: i for i, stage_id in enumerate(active)}
    known = np.array([index.get(s, UNKNOWN) for s in stage_ids.tolist()], dtype=np.int64)
    taught = known[known != UNKNOWN]
    stages, confidence = np.full(len(ids), UNKNOWN), np.zeros(len(ids))
    if len(taught) >= MIN_STAGED and len(set(taught.tolist())) >= 2:
        result = suggest(texts, known)
        stages, confidence = result.confident(), result.confidence
    del texts
    unstaged = stage_ids == writeback.MISSING
    suggested = unstaged & (stages != UNKNOWN)

    def wanted(position: int):
        stage_id = int(stage_ids[position])
        if not suggested[position]:  # staged, or nothing to suggest: no suggestion
            return (None if stage_id == writeback.MISSING else stage_id,), (None, None)
        return (None,), (active[stages[position]], round(float(confidence[position]), 3))

    writeback.write_items(
        ids,
        wanted,
        read=[Feedback.stage_id],
        written=[Feedback.suggested_stage_id, Feedback.stage_confidence],
        where=[Feedback.erased_at.is_(None)],
    )
    return int(suggested.sum())


def _open(stmt):
    """Narrow a select of feedback to items still open to accept: no stage, an active one suggested."""
    return stmt.where(
        Feedback.stage_id.is_(None),
        Feedback.suggested_stage_id.in_(select(Stage.id).where(Stage.retired.is_(False))),
    )


def _confirm(
    ids, actor: audit.Actor, target_type: str, target_id: int | None, what: str, stage: Stage | None = None
) -> int:
    """Give the chosen items their suggested stage (or `stage`), clear the suggestions, audit, commit."""
    stage_id = Feedback.suggested_stage_id if stage is None else stage.id
    done = db.session.execute(
        update(Feedback)
        .where(Feedback.id.in_(ids))
        .values(stage_id=stage_id, suggested_stage_id=None, stage_confidence=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        detail = f"{done} item{'' if done == 1 else 's'} of {what}"
        detail += f" set to {stage.name}" if stage else " given their suggested stage"
        audit.add_event("confirm_stages", actor, target_type, target_id, detail)
    db.session.commit()
    db.session.expire_all()  # the bulk update bypassed the loaded items
    return done


def accept_item(feedback_id: int, actor: audit.Actor, stage_id: int | None = None) -> Feedback:
    """Confirm one item's suggested stage, or correct it to stage_id."""
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        raise NotFound(("feedback", "That feedback item does not exist."))
    if item.stage_id is not None:
        raise InvalidInput(("stage", f"This item already has a stage: {item.stage.name}."))
    stage = active_stage(stage_id)
    if stage is None:
        if item.suggested_stage is None or item.suggested_stage.retired:
            raise InvalidInput(("stage", "This item has no suggested stage to accept; choose one."))
    _confirm([feedback_id], actor, "feedback", feedback_id, f"feedback #{feedback_id}", stage)
    return db.session.get(Feedback, feedback_id)


def accept_theme(theme_id: int, actor: audit.Actor) -> int:
    """Confirm the suggested stage of every unstaged item of a theme; returns how many."""
    ids = _open(select(Feedback.id).where(Feedback.theme_id == theme_id))
    return _confirm(ids.scalar_subquery(), actor, "theme", theme_id, f"theme #{theme_id}")


def accept_filtered(filters: feedback.FeedbackFilters, actor: audit.Actor) -> int:
    """Confirm the suggested stage of every unstaged item the feedback list's filters match."""
    ids = _open(feedback.filtered_query(filters).with_only_columns(Feedback.id).order_by(None))
    return _confirm(ids.scalar_subquery(), actor, "feedback", None, "a filtered feedback list")


def open_count_for_theme(theme_id: int) -> int:
    """Items of the theme with a suggestion waiting to be accepted."""
    return db.session.scalar(_open(select(func.count(Feedback.id)).where(Feedback.theme_id == theme_id)))


def open_count(filters: feedback.FeedbackFilters) -> feedback.Count:
    """Items the feedback list's filters match with a suggestion waiting to be accepted, counted up to
    feedback.COUNT_CAP (the list shows this on every page, so it never reads them all)."""
    return feedback.count_feedback(filters, narrow=_open)
