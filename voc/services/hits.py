"""The hit list: pain points to fix, their evidence and priority, their history and the closed loop."""

import dataclasses
import datetime as dt
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Float, cast, distinct, func, select, union
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from voc.extensions import db
from voc.models import (
    FOLLOW_UP_METHODS,
    HIT_FLOW,
    HIT_KINDS,
    HIT_STATUSES,
    HORIZONS,
    QUICK_HORIZONS,
    Customer,
    Feedback,
    FollowUp,
    Hit,
    HitChange,
    HitFeedback,
    HitTheme,
    Theme,
    User,
)
from voc.services import clock, impact, webhooks
from voc.services.errors import InvalidInput, NotFound, StaleEdit
from voc.services.stages import active_stage
from voc.themes.impact import Impact
from voc.themes.relevance import relevance
from voc.vocabulary import MAX_TEXT_LENGTH, NEGATIVE

QUICK_EFFORT = 1.0  # person-weeks: at or under this, suggest a Quick Hit
HIGH_IMPACT = 3  # on the matrix, impact at or above this is high
LOW_EFFORT = 2.0  # on the matrix, effort (person-weeks) at or under this is low
QUOTES_SHOWN = 5
QUOTE_CANDIDATES = 5_000  # newest evidence items read for quotes
QUADRANTS = ("Quick wins", "Big bets", "Fill-ins", "Money pits")  # matrix order, row by row
LOOP_STATUSES = ("done", "loop closed")
LABELS = {
    "title": "Title",
    "problem": "Problem",
    "stage": "Journey stage",
    "horizon": "Horizon",
    "kind": "Kind of move",
    "owner": "Owner",
    "status": "Status",
    "drop_reason": "Drop reason",
    "target_date": "Target date",
    "reach": "Reach",
    "impact": "Impact",
    "confidence": "Confidence",
    "effort": "Effort",
}


@dataclass(frozen=True)
class HitInput:
    """A hit's fields as a triager types them; None means left empty."""

    title: str
    stage_id: int | None
    horizon: str
    kind: str
    impact: int | None
    confidence: int | None
    effort: float | None
    problem: str = ""
    owner_id: int | None = None
    target_date: dt.date | None = None
    reach: int | None = None


@dataclass(frozen=True)
class FollowUpInput:
    """One personal follow-up with a customer, as staff record it."""

    customer_id: int | None
    method: str
    held_on: dt.date | None
    note: str


@dataclass(frozen=True)
class BoardFilters:
    """The board's filters; no status means every hit that is not dropped."""

    stage_id: int | None = None
    owner_id: int | None = None
    status: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Rice:
    """Reach × impact × confidence ÷ effort, with the numbers that made it."""

    reach: int
    reach_from_evidence: bool
    impact: int
    confidence: int
    effort: float

    @property
    def score(self) -> float:
        return round(self.reach * self.impact * self.confidence / 100 / self.effort, 1)

    @property
    def formula(self) -> str:
        return (
            f"reach {self.reach} × impact {self.impact} × confidence {self.confidence}% "
            f"÷ effort {weeks(self.effort)} = {self.score:g}"
        )


@dataclass(frozen=True)
class RankedHit:
    """A hit with its score, as the board and the matrix show it."""

    hit: Hit
    rice: Rice

    @property
    def quadrant(self) -> str:
        return quadrant(self.hit.impact, self.hit.effort)


@dataclass(frozen=True)
class Evidence:
    """Live figures over a hit's evidence: its themes' items and its single items, counted once."""

    items: int
    customers: int
    channels: list[tuple[str, int]]
    earliest: dt.date | None
    latest: dt.date | None
    mean_sentiment: float | None
    negative_share: float | None
    quotes: list[Feedback]
    score_impact: dict[str, Impact] = field(default_factory=dict)  # by score kind, where there is enough


@dataclass(frozen=True)
class LoopRow:
    """A customer who raised the hit and the follow-ups staff recorded with them."""

    customer: Customer
    follow_ups: list[FollowUp]


@dataclass(frozen=True)
class Loop:
    """Who raised the hit and how many of them staff have got back to."""

    rows: list[LoopRow]

    @property
    def closed(self) -> int:
        return sum(1 for row in self.rows if row.follow_ups)

    @property
    def total(self) -> int:
        return len(self.rows)


def weeks(effort: float) -> str:
    """Effort as people read it: "1 person-week", "2.5 person-weeks"."""
    return f"{effort:g} person-week{'' if effort == 1 else 's'}"


def size(horizon: str) -> str:
    """Quick Hit for this week and this month, Big Hit for the years."""
    return "Quick Hit" if horizon in QUICK_HORIZONS else "Big Hit"


def suggest_size(effort: float) -> str:
    """The app's suggestion from effort alone; the triager picks the horizon."""
    return "Quick Hit" if effort <= QUICK_EFFORT else "Big Hit"


def quadrant(impact: int, effort: float) -> str:
    """Where a hit sits on the impact/effort matrix."""
    high, low = impact >= HIGH_IMPACT, effort <= LOW_EFFORT
    return {
        (True, True): QUADRANTS[0],
        (True, False): QUADRANTS[1],
        (False, True): QUADRANTS[2],
        (False, False): QUADRANTS[3],
    }[(high, low)]


def next_statuses(status: str) -> list[str]:
    """Where a hit may go from here: straight to any later status up to done (the loop closes only
    after done), one step back, or dropped."""
    if status == "dropped":
        return ["proposed"]
    index = HIT_FLOW.index(status)
    done = HIT_FLOW.index("done")
    ahead = HIT_FLOW[index + 1 : done + 1] if index < done else HIT_FLOW[index + 1 :]
    moves = [*ahead, *HIT_FLOW[max(index - 1, 0) : index]]
    return moves if status == "loop closed" else [*moves, "dropped"]


def rice(hit: Hit, evidence_customers: int) -> Rice:
    """The hit's RICE score; reach is the evidence's distinct customers unless overridden."""
    return Rice(
        reach=evidence_customers if hit.reach is None else hit.reach,
        reach_from_evidence=hit.reach is None,
        impact=hit.impact,
        confidence=hit.confidence,
        effort=hit.effort,
    )


def _evidence_pairs(hit_ids):
    """(hit_id, feedback_id) rows: each hit's themes' items (a parent's children's) and single items, once."""
    via_themes = (
        select(HitTheme.hit_id, Feedback.id.label("feedback_id"))
        .join(Theme, Theme.counting_for(HitTheme.theme_id))
        .join(Feedback, Feedback.theme_id == Theme.id)
        .where(HitTheme.hit_id.in_(hit_ids))
    )
    direct = select(HitFeedback.hit_id, HitFeedback.feedback_id).where(HitFeedback.hit_id.in_(hit_ids))
    return union(via_themes, direct).subquery()


def items_by_hit(hit_ids: list[int]) -> dict[int, int]:
    """Feedback items behind each hit, counted once, in one query for a whole roadmap."""
    if not hit_ids:
        return {}
    pairs = _evidence_pairs(hit_ids)
    rows = db.session.execute(select(pairs.c.hit_id, func.count()).group_by(pairs.c.hit_id))
    return {hit_id: count for hit_id, count in rows}


def evidence_items(hit_id: int) -> list[Feedback]:
    """Every feedback item behind a hit, newest first."""
    pairs = _evidence_pairs([hit_id])
    return list(
        db.session.scalars(
            select(Feedback)
            .where(Feedback.id.in_(select(pairs.c.feedback_id)))
            .options(selectinload(Feedback.customer), selectinload(Feedback.stage))
            .order_by(Feedback.received_on.desc(), Feedback.id.desc())
        )
    )


def summarise(items: list[Feedback], about: str = "", cited: frozenset[int] = frozenset()) -> Evidence:
    """Counts, dates, sentiment and the quotes that best speak for `about` over a set of items."""
    scored = [item.sentiment for item in items if item.sentiment is not None]
    dates = [item.received_on for item in items]
    return Evidence(
        items=len(items),
        customers=len({item.customer_id for item in items if item.customer_id is not None}),
        channels=Counter(item.channel for item in items).most_common(),
        earliest=min(dates, default=None),
        latest=max(dates, default=None),
        mean_sentiment=round(sum(scored) / len(scored), 2) if scored else None,
        negative_share=round(sum(s < NEGATIVE for s in scored) / len(scored), 2) if scored else None,
        quotes=best_quotes(items, about, cited)[:QUOTES_SHOWN],
    )


def with_impact(summary: Evidence, items: list[Feedback]) -> Evidence:
    """The evidence with its items' impact on NPS and mean CSAT."""
    return dataclasses.replace(summary, score_impact=impact.evidence_impact({item.id for item in items}))


def best_quotes(items: list[Feedback], about: str, cited: frozenset[int] = frozenset()) -> list[Feedback]:
    """Items ranked by how well their words speak for `about` (a hit's title and problem).

    A theme's items that share no word with it are about something else and are never quoted; items
    a person cited one by one always may be. Ties go to the most negative words, then the fullest
    account. Only the newest QUOTE_CANDIDATES items are read, so a hit on a huge theme stays quick.
    """
    candidates = [item for item in items if item.erased_at is None][:QUOTE_CANDIDATES]  # erased: no quote
    scores = relevance(about, [item.text for item in candidates])
    judged = any(scores)  # nothing matches when `about` has no meaningful word: rank by mood alone
    kept = [
        (round(score, 2), item)
        for score, item in zip(scores, candidates, strict=True)
        if score > 0 or item.id in cited or not judged
    ]
    ranked = sorted(
        kept, key=lambda pair: (-pair[0], pair[1].sentiment or 0.0, -len(pair[1].text), pair[1].id)
    )
    return [item for _, item in ranked]


def hit_summary(hit: Hit, items: list[Feedback]) -> Evidence:
    """A hit's evidence, quoted by what speaks for its title and problem."""
    return summarise(items, f"{hit.title}\n{hit.problem}", frozenset(item.id for item in hit.feedback))


def evidence(hit_id: int) -> Evidence:
    """The hit's live evidence figures: later feedback in a linked theme counts at once."""
    items = evidence_items(hit_id)
    return with_impact(hit_summary(get_hit(hit_id), items), items)


def get_hit(hit_id: int) -> Hit:
    """One hit, or NotFound."""
    hit = db.session.get(Hit, hit_id)
    if hit is None:
        raise NotFound(("hit", "That hit does not exist."))
    return hit


def ranked_hits(filters: BoardFilters) -> list[RankedHit]:
    """Hits matching the filters, highest RICE score first."""
    return ranked_page(filters)[0]


def ranked_page(
    filters: BoardFilters, offset: int = 0, limit: int | None = None
) -> tuple[list[RankedHit], int]:
    """Hits matching the filters, highest RICE score first, scored and ranked by the database (all,
    or `limit` of them after `offset`), and how many match."""
    matching = select(Hit.id)
    if filters.stage_id:
        matching = matching.where(Hit.stage_id == filters.stage_id)
    if filters.owner_id:
        matching = matching.where(Hit.owner_id == filters.owner_id)
    if filters.kind:
        matching = matching.where(Hit.kind == filters.kind)
    matching = matching.where(Hit.status == filters.status if filters.status else Hit.status != "dropped")
    pairs = _evidence_pairs(matching)
    reach = (
        select(pairs.c.hit_id, func.count(distinct(Feedback.customer_id)).label("customers"))
        .join(Feedback, Feedback.id == pairs.c.feedback_id)
        .group_by(pairs.c.hit_id)
        .subquery()
    )
    customers = func.coalesce(reach.c.customers, 0)
    # Rice.score before its rounding, in the same floating point steps, so that ties fall to the title.
    score = cast(func.coalesce(Hit.reach, customers) * Hit.impact * Hit.confidence, Float) / 100 / Hit.effort
    rows = db.session.execute(
        select(Hit, customers)
        .outerjoin(reach, reach.c.hit_id == Hit.id)
        .where(Hit.id.in_(matching))
        .options(selectinload(Hit.stage), selectinload(Hit.owner))
        .order_by(score.desc(), func.lower(Hit.title), Hit.id)
        .offset(offset)
        .limit(limit)
    ).all()
    ranked = [RankedHit(hit, rice(hit, count)) for hit, count in rows]
    if limit is None and not offset:
        return ranked, len(ranked)
    return ranked, db.session.scalar(select(func.count()).select_from(matching.subquery()))


def board(filters: BoardFilters) -> dict[str, list[RankedHit]]:
    """The hit list in columns by horizon, each column by score."""
    columns: dict[str, list[RankedHit]] = {horizon: [] for horizon in HORIZONS}
    for ranked in ranked_hits(filters):
        columns[ranked.hit.horizon].append(ranked)
    return columns


def matrix(filters: BoardFilters) -> dict[str, list[RankedHit]]:
    """The hit list on the impact/effort matrix, each quadrant by score."""
    cells: dict[str, list[RankedHit]] = {name: [] for name in QUADRANTS}
    for ranked in ranked_hits(filters):
        cells[ranked.quadrant].append(ranked)
    return cells


def open_hit_choices() -> list[tuple[int, str]]:
    """(id, title) of hits still being worked on, for "add to existing hit"."""
    rows = db.session.execute(
        select(Hit.id, Hit.title)
        .where(Hit.status.not_in(("dropped", "loop closed")))
        .order_by(func.lower(Hit.title), Hit.id)
    )
    return [(id_, title) for id_, title in rows]


def _checked(data: HitInput) -> dict:
    """The hit's attribute values after checking every field; all problems are reported at once."""
    errors: list[tuple[str, str]] = []
    title = data.title.strip()
    if not title:
        errors.append(("title", "A hit needs a title."))
    elif len(title) > 200:
        errors.append(("title", "Keep the title under 200 characters."))
    if len(data.problem) > MAX_TEXT_LENGTH:
        errors.append(("problem", f"Keep the problem statement under {MAX_TEXT_LENGTH:,} characters."))
    stage = None
    if data.stage_id is None:
        errors.append(("stage_id", "Choose the journey stage this hit hurts."))
    else:
        try:
            stage = active_stage(data.stage_id, "stage_id")
        except InvalidInput as error:
            errors += error.errors
    if data.horizon not in HORIZONS:
        errors.append(("horizon", f"Horizon must be one of: {', '.join(HORIZONS)}."))
    if data.kind not in HIT_KINDS:
        errors.append(("kind", f"Kind of move must be one of: {', '.join(HIT_KINDS)}."))
    owner = None
    if data.owner_id is not None:
        owner = db.session.get(User, data.owner_id)
        if owner is None or not owner.active:
            errors.append(("owner_id", "Choose an owner who is an active user."))
    if data.reach is not None and data.reach < 0:
        errors.append(("reach", "Reach cannot be negative; leave it empty to count the evidence."))
    if data.impact is None or not 1 <= data.impact <= 5:
        errors.append(("impact", "Impact runs from 1 (minimal) to 5 (massive)."))
    if data.confidence is None or not 0 <= data.confidence <= 100:
        errors.append(("confidence", "Confidence is a percentage from 0 to 100."))
    if data.effort is None or not math.isfinite(data.effort) or data.effort <= 0:
        errors.append(("effort", "Effort is in person-weeks and must be more than 0."))
    if errors:
        raise InvalidInput(*errors)
    return {
        "title": title,
        "problem": data.problem.strip(),
        "stage": stage,
        "horizon": data.horizon,
        "kind": data.kind,
        "owner": owner,
        "target_date": data.target_date,
        "reach": data.reach,
        "impact": data.impact,
        "confidence": data.confidence,
        "effort": float(data.effort),
    }


def _shown(hit: Hit, name: str) -> str:
    """A field's value as the history shows it."""
    value = getattr(hit, name)
    if name in ("stage", "owner"):
        return value.name if value is not None else ""
    if name == "reach" and value is None:
        return "from evidence"
    if value is None:
        return ""
    if name == "confidence":
        return f"{value}%"
    if name == "effort":
        return weeks(value)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _apply(hit: Hit, values: dict, user_id: int | None) -> None:
    """Set the values and record each real change under the version the save will make."""
    before = {name: _shown(hit, name) for name in values}
    for name, value in values.items():
        setattr(hit, name, value)
    for name in values:
        after = _shown(hit, name)
        if after != before[name]:
            db.session.add(
                HitChange(
                    hit=hit,
                    user_id=user_id,
                    version=hit.version + 1,
                    field=LABELS[name],
                    old=before[name],
                    new=after,
                )
            )


def _stale(hit: Hit, seen_version: int | None) -> StaleEdit:
    """The refusal for a save made from an out-of-date form, naming what changed since."""
    changes = list(
        db.session.scalars(
            select(HitChange)
            .where(HitChange.hit_id == hit.id, HitChange.version > (seen_version or 0))
            .options(selectinload(HitChange.user))
            .order_by(HitChange.id)
        )
    )
    names = sorted({change.user.name for change in changes if change.user is not None})
    who = " and ".join(names) or "Someone else"
    return StaleEdit(
        changes,
        (
            "hit",
            f"{who} changed this hit after you opened it, so nothing you entered was saved. "
            "Check what changed, then save again.",
        ),
    )


def _check_version(hit: Hit, seen_version: int | None) -> None:
    if seen_version != hit.version:
        raise _stale(hit, seen_version)


def _commit(hit: Hit, seen_version: int | None, announce: Callable[[], None] | None = None) -> None:
    """Commit, turning a save that lost a race with another one into a StaleEdit; `announce` stores the
    change's webhook event in the same transaction, once the flush has given the hit its new version."""
    try:
        db.session.flush()
        if announce:
            announce()
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise _stale(get_hit(hit.id), seen_version) from None


def create_hit(
    data: HitInput, user_id: int | None, theme_ids: tuple[int, ...] = (), feedback_ids: tuple[int, ...] = ()
) -> Hit:
    """Put a new hit on the list, proposed, with the themes and items that are its evidence."""
    values = _checked(data)
    themes = [_theme(theme_id) for theme_id in theme_ids]
    items = [_item(feedback_id) for feedback_id in feedback_ids]
    hit = Hit(status="proposed", created_by_id=user_id, **values)
    hit.themes, hit.feedback = themes, items
    db.session.add(hit)
    db.session.add(HitChange(hit=hit, user_id=user_id, version=1, field="Hit", old="", new="created"))
    for subject in [*themes, *items]:
        db.session.add(
            HitChange(hit=hit, user_id=user_id, version=1, field="Evidence", old="", new=_named(subject))
        )
    db.session.commit()
    return hit


def update_hit(hit_id: int, data: HitInput, seen_version: int | None, user_id: int | None) -> Hit:
    """Save an edit made from the form that showed `seen_version`; a newer save wins, loudly."""
    hit = get_hit(hit_id)
    _check_version(hit, seen_version)
    _apply(hit, _checked(data), user_id)
    _commit(hit, seen_version)
    return hit


def move_hit(hit_id: int, horizon: str, seen_version: int | None, user_id: int | None) -> Hit:
    """Move a hit to another horizon column."""
    hit = get_hit(hit_id)
    if horizon not in HORIZONS:
        raise InvalidInput(("horizon", f"Horizon must be one of: {', '.join(HORIZONS)}."))
    _check_version(hit, seen_version)
    _apply(hit, {"horizon": horizon}, user_id)
    _commit(hit, seen_version)
    return hit


def set_status(hit_id: int, status: str, reason: str, seen_version: int | None, user_id: int | None) -> Hit:
    """Move a hit along proposed → planned → in progress → done → loop closed (skipping ahead up to done
    in one step), or drop it with a reason."""
    hit = get_hit(hit_id)
    _check_version(hit, seen_version)
    if status not in HIT_STATUSES or status not in next_statuses(hit.status):
        raise InvalidInput(("status", f"A hit that is {hit.status} cannot move to {status or 'nothing'}."))
    reason = reason.strip()
    values: dict = {"status": status, "drop_reason": None}
    if status == "dropped":
        if not reason:
            raise InvalidInput(("reason", "Say why the hit is dropped."))
        if len(reason) > 500:
            raise InvalidInput(("reason", "Keep the reason under 500 characters."))
        values["drop_reason"] = reason
    before = hit.status
    _apply(hit, values, user_id)

    def announce() -> None:
        webhooks.emit(
            "hit.status_changed",
            {
                "hit": {
                    "id": hit.id,
                    "title": hit.title,
                    "stage": hit.stage.name,
                    "horizon": hit.horizon,
                    "status": hit.status,
                    "drop_reason": hit.drop_reason,
                    "version": hit.version,
                },
                "from": before,
                "to": hit.status,
                "user_id": user_id,
            },
        )

    _commit(hit, seen_version, announce)
    return hit


def _theme(theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.retired:
        raise InvalidInput(("theme", "That theme does not exist or was merged away."))
    return theme


def _item(feedback_id: int) -> Feedback:
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        raise InvalidInput(("feedback", "That feedback item does not exist."))
    return item


def _named(subject: Theme | Feedback) -> str:
    """How the history names a piece of evidence."""
    if isinstance(subject, Theme):
        return f"theme “{subject.title}”"
    return f"item #{subject.id}"


def _evidence_list(hit: Hit, theme_id: int | None, feedback_id: int | None) -> tuple[list, Theme | Feedback]:
    """The hit's list the evidence belongs in, and the theme or item itself."""
    if (theme_id is None) == (feedback_id is None):
        raise InvalidInput(("hit", "Choose one theme or one feedback item."))
    if theme_id is not None:
        return hit.themes, _theme(theme_id)
    return hit.feedback, _item(feedback_id)


def add_evidence(
    hit_id: int, user_id: int | None, theme_id: int | None = None, feedback_id: int | None = None
) -> Hit:
    """Link a theme or an item to a hit; linking it twice changes nothing."""
    if hit_id is None:
        raise InvalidInput(("hit", "Choose the hit to add this to."))
    hit = get_hit(hit_id)
    linked, subject = _evidence_list(hit, theme_id, feedback_id)
    if subject not in linked:
        linked.append(subject)
        db.session.add(
            HitChange(
                hit=hit, user_id=user_id, version=hit.version, field="Evidence", old="", new=_named(subject)
            )
        )
        db.session.commit()
    return hit


def remove_evidence(
    hit_id: int, user_id: int | None, theme_id: int | None = None, feedback_id: int | None = None
) -> Hit:
    """Unlink a theme or an item from a hit; the history keeps that it was there."""
    hit = get_hit(hit_id)
    linked, subject = _evidence_list(hit, theme_id, feedback_id)
    if subject in linked:
        linked.remove(subject)
        db.session.add(
            HitChange(
                hit=hit, user_id=user_id, version=hit.version, field="Evidence", old=_named(subject), new=""
            )
        )
        db.session.commit()
    return hit


def evidence_customers(hit_id: int) -> list[Customer]:
    """The customers who raised a hit, by name."""
    pairs = _evidence_pairs([hit_id])
    return list(
        db.session.scalars(
            select(Customer)
            .join(Feedback, Feedback.customer_id == Customer.id)
            .where(Feedback.id.in_(select(pairs.c.feedback_id)))
            .distinct()
            .order_by(Customer.name, Customer.id)
        )
    )


def raised_by(customer_id: int) -> list[Hit]:
    """The hits whose evidence holds something this customer said, newest first."""
    pairs = _evidence_pairs(select(Hit.id).scalar_subquery())
    return list(
        db.session.scalars(
            select(Hit)
            .where(
                Hit.id.in_(
                    select(pairs.c.hit_id)
                    .join(Feedback, Feedback.id == pairs.c.feedback_id)
                    .where(Feedback.customer_id == customer_id)
                )
            )
            .order_by(Hit.id.desc())
        )
    )


def loop(hit: Hit) -> Loop:
    """Each customer behind the hit with the follow-ups recorded for them."""
    by_customer: dict[int, list[FollowUp]] = {}
    for follow_up in hit.follow_ups:
        by_customer.setdefault(follow_up.customer_id, []).append(follow_up)
    return Loop([LoopRow(c, by_customer.get(c.id, [])) for c in evidence_customers(hit.id)])


def record_follow_up(
    hit_id: int, data: FollowUpInput, user_id: int, today: dt.date | None = None
) -> FollowUp:
    """Note a person's follow-up with a customer who raised a done hit; consent decides how."""
    hit = get_hit(hit_id)
    if hit.status not in LOOP_STATUSES:
        raise InvalidInput(("hit", "Follow-ups are recorded once the hit is done."))
    customers = {customer.id: customer for customer in evidence_customers(hit_id)}
    customer = customers.get(data.customer_id)
    errors: list[tuple[str, str]] = []
    if customer is None:
        errors.append(("customer_id", "Choose a customer who raised this hit."))
    if data.method not in FOLLOW_UP_METHODS:
        errors.append(("method", f"How must be one of: {', '.join(FOLLOW_UP_METHODS)}."))
    elif customer is not None and data.method != "note" and not customer.consent_contact:
        errors.append(("method", f"{customer.name} has not agreed to be contacted; record a note instead."))
    if data.held_on is None:
        errors.append(("held_on", "Give the date of the follow-up."))
    elif data.held_on > (today or clock.today()):
        errors.append(("held_on", "The date cannot be in the future."))
    note = data.note.strip()
    if not note:
        errors.append(("note", "Write down what was said."))
    elif len(note) > MAX_TEXT_LENGTH:
        errors.append(("note", f"Keep the note under {MAX_TEXT_LENGTH:,} characters."))
    if errors:
        raise InvalidInput(*errors)
    follow_up = FollowUp(
        hit=hit, customer=customer, user_id=user_id, held_on=data.held_on, method=data.method, note=note
    )
    db.session.add(follow_up)
    db.session.commit()
    return follow_up
