"""The triage inbox: themes and unthemed items no hit covers yet, ranked by their evidence."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from voc.extensions import db
from voc.models import Feedback, HitFeedback, HitTheme, Stage, Theme, TriageDecision
from voc.services import clock
from voc.services.errors import InvalidInput, NotFound
from voc.services.hits import Evidence, summarise

TREND_DAYS = 30
ITEMS_SHOWN = 25
# A hit that cites at least this share of a theme's items one by one covers the theme, as if it
# cited the theme: the triager took the theme's point item by item.
COVERED_PERCENT = 20


@dataclass(frozen=True)
class ThemeCandidate:
    """A theme waiting for a decision, with the evidence it is ranked by."""

    theme: Theme
    items: int
    customers: int
    recent: int  # items in the last TREND_DAYS days
    earlier: int  # items in the TREND_DAYS days before that
    mean_sentiment: float | None

    @property
    def trend(self) -> int:
        return self.recent - self.earlier


@dataclass(frozen=True)
class Draft:
    """What "new hit from this" fills in: title, stage, problem and the evidence."""

    title: str
    stage_id: int | None
    problem: str
    evidence: Evidence
    theme_ids: tuple[int, ...] = ()
    feedback_ids: tuple[int, ...] = ()


def _dismissed(column):
    """Ids (of themes or items) that someone judged not a pain point and nobody restored."""
    return select(column).where(column.is_not(None), TriageDecision.reverted_at.is_(None))


def theme_candidates(today: dt.date | None = None) -> list[ThemeCandidate]:
    """Live themes no hit covers and nobody dismissed: most customers first, then rising, then angriest."""
    today = today or clock.today()
    recent_from = today - dt.timedelta(days=TREND_DAYS)
    earlier_from = recent_from - dt.timedelta(days=TREND_DAYS)
    figures = (
        select(
            Feedback.theme_id,
            func.count(Feedback.id).label("n_items"),
            func.sum(case((Feedback.received_on > recent_from, 1), else_=0)).label("recent"),
            func.sum(
                case(
                    (and_(Feedback.received_on > earlier_from, Feedback.received_on <= recent_from), 1),
                    else_=0,
                )
            ).label("earlier"),
            func.avg(Feedback.sentiment).label("sentiment"),
        )
        .where(Feedback.theme_id.is_not(None))
        .group_by(Feedback.theme_id)
        .subquery()
    )
    cited = (
        select(Feedback.theme_id, HitFeedback.hit_id, func.count().label("n_cited"))
        .join(Feedback, Feedback.id == HitFeedback.feedback_id)
        .where(Feedback.theme_id.is_not(None))
        .group_by(Feedback.theme_id, HitFeedback.hit_id)
        .subquery()
    )
    covered_item_by_item = (
        select(cited.c.theme_id)
        .where(cited.c.theme_id == Theme.id, cited.c.n_cited * 100 >= figures.c.n_items * COVERED_PERCENT)
        .exists()
    )
    rows = db.session.execute(
        select(
            Theme,
            figures.c.n_items,
            Theme.customers,  # kept by runs and edits: counting them here sorted every item's customer
            figures.c.recent,
            figures.c.earlier,
            figures.c.sentiment,
        )
        .join(figures, figures.c.theme_id == Theme.id)
        .where(
            Theme.retired.is_(False),
            Theme.noise.is_(False),
            Theme.id.not_in(select(HitTheme.theme_id)),
            ~covered_item_by_item,
            # A hit citing a parent covers the themes under it.
            or_(Theme.parent_id.is_(None), Theme.parent_id.not_in(select(HitTheme.theme_id))),
            Theme.id.not_in(_dismissed(TriageDecision.theme_id)),
        )
    )
    candidates = [
        ThemeCandidate(
            theme,
            items,
            customers,
            int(recent or 0),
            int(earlier or 0),
            None if sentiment is None else round(float(sentiment), 2),
        )
        for theme, items, customers, recent, earlier, sentiment in rows
    ]
    return sorted(
        candidates,
        key=lambda c: (
            -c.customers,
            -c.trend,
            c.mean_sentiment if c.mean_sentiment is not None else 0.0,
            -c.items,
            c.theme.id,
        ),
    )


def item_candidates(limit: int = ITEMS_SHOWN) -> tuple[list[Feedback], int]:
    """Unthemed items (or ones the clustering called noise) no hit uses, angriest first; and how many."""
    condition = and_(
        or_(Feedback.theme_id.is_(None), Theme.noise.is_(True)),
        Feedback.id.not_in(select(HitFeedback.feedback_id)),
        Feedback.id.not_in(_dismissed(TriageDecision.feedback_id)),
    )
    base = select(Feedback).outerjoin(Theme, Theme.id == Feedback.theme_id).where(condition)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    items = db.session.scalars(
        base.options(selectinload(Feedback.customer), selectinload(Feedback.stage))
        .order_by(
            Feedback.sentiment.is_(None),
            Feedback.sentiment,
            Feedback.customer_id.is_(None),
            Feedback.received_on.desc(),
            Feedback.id.desc(),
        )
        .limit(limit)
    )
    return list(items), total


def dismissals() -> list[TriageDecision]:
    """Themes and items judged not a pain point and still set aside, newest first."""
    return list(
        db.session.scalars(
            select(TriageDecision)
            .where(TriageDecision.reverted_at.is_(None))
            .options(
                selectinload(TriageDecision.theme),
                selectinload(TriageDecision.feedback),
                selectinload(TriageDecision.user),
            )
            .order_by(TriageDecision.at.desc(), TriageDecision.id.desc())
        )
    )


def dismiss(
    user_id: int, reason: str, theme_id: int | None = None, feedback_id: int | None = None
) -> TriageDecision:
    """Set a theme or item aside as not a pain point, keeping who decided and why."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(("reason", "Say why this is not a pain point."))
    if len(reason) > 500:
        raise InvalidInput(("reason", "Keep the reason under 500 characters."))
    if (theme_id is None) == (feedback_id is None):
        raise InvalidInput(("reason", "Choose one theme or one feedback item."))
    if theme_id is not None and db.session.get(Theme, theme_id) is None:
        raise NotFound(("theme", "That theme does not exist."))
    if feedback_id is not None and db.session.get(Feedback, feedback_id) is None:
        raise NotFound(("feedback", "That feedback item does not exist."))
    decision = TriageDecision(theme_id=theme_id, feedback_id=feedback_id, reason=reason, user_id=user_id)
    db.session.add(decision)
    db.session.commit()
    return decision


def restore(decision_id: int, user_id: int) -> TriageDecision:
    """Bring a dismissed theme or item back to the inbox; the decision stays on record."""
    decision = db.session.get(TriageDecision, decision_id)
    if decision is None:
        raise NotFound(("decision", "That decision does not exist."))
    if decision.reverted_at is None:
        decision.reverted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        decision.reverted_by_id = user_id
        db.session.commit()
    return decision


def theme_draft(theme_id: int) -> Draft:
    """A new hit from a theme: its title, its most common stage and its items as evidence."""
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.retired:
        raise NotFound(("theme", "That theme does not exist or was merged away."))
    counted = select(Theme.id).where(Theme.counting_for(theme_id))
    items = list(
        db.session.scalars(
            select(Feedback).where(Feedback.theme_id.in_(counted)).options(selectinload(Feedback.customer))
        )
    )
    evidence = summarise(items, theme.title)
    return Draft(theme.title, _commonest_stage(items), "", evidence, theme_ids=(theme.id,))


def feedback_draft(feedback_id: int) -> Draft:
    """A new hit from one item: its words as the problem, its stage, the item as evidence."""
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        raise NotFound(("feedback", "That feedback item does not exist."))
    title = item.text if len(item.text) <= 80 else item.text[:79].rstrip() + "…"
    return Draft(title, item.stage_id, item.text, summarise([item]), feedback_ids=(item.id,))


def _commonest_stage(items: list[Feedback]) -> int | None:
    """The active stage most items are tagged with; ties go to the earlier stage in the journey."""
    counts = Counter(item.stage_id for item in items if item.stage_id is not None)
    if not counts:
        return None
    positions = dict(
        db.session.execute(
            select(Stage.id, Stage.position).where(Stage.id.in_(counts), Stage.retired.is_(False))
        ).all()
    )
    ranked = sorted(positions, key=lambda stage_id: (-counts[stage_id], positions[stage_id]))
    return ranked[0] if ranked else None
