"""The journey dashboard: the critical few numbers per journey stage, aggregated in SQL."""

import dataclasses
import datetime as dt
import threading
import time
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, distinct, func, or_, select

from voc.extensions import db
from voc.models import QUICK_HORIZONS, Feedback, FollowUp, Hit, HitChange, Stage, Theme
from voc.services import clock
from voc.services.errors import InvalidInput
from voc.services.feedback import in_segment
from voc.services.impact import Drag, top_drags
from voc.services.interviews import field_time
from voc.vocabulary import CHANNELS, NEGATIVE

PERIODS = {"7": 7, "30": 30, "90": 90}  # "last N days", today included
DEFAULT_PERIOD = "30"
OPEN_STATUSES = ("proposed", "planned", "in progress")
TOP_THEMES = 5
# A theme is emerging in a stage when it has at least EMERGING_MIN_ITEMS items there this period
# and at least EMERGING_GROWTH_PERCENT more than in the previous period (+100%: twice as many;
# a theme new to the stage counts as growing without limit).
EMERGING_MIN_ITEMS = 5
EMERGING_GROWTH_PERCENT = 100
DAILY_UP_TO = 31  # longer periods are charted in weeks
PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promote, 0-6 detract


@dataclass(frozen=True)
class Period:
    """An inclusive date range and the range of equal length just before it."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> "Period":
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))


@dataclass(frozen=True)
class DashboardFilters:
    """What the dashboard covers; channel and segment narrow the feedback figures and field interviews."""

    period: Period
    channel: str | None = None
    segment: str | None = None


@dataclass(frozen=True)
class Volume:
    """Items this period against the previous period of equal length."""

    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def change_percent(self) -> int | None:
        """Growth over the previous period; None when there was nothing to grow from."""
        return round(100 * self.change / self.previous) if self.previous else None


@dataclass(frozen=True)
class Figures:
    """Sums over a set of feedback this period (and its volume before), from which the means follow."""

    current: int = 0
    previous: int = 0
    rated: int = 0  # items with a sentiment
    sentiment_sum: float = 0.0
    negative: int = 0  # items reading negative
    nps_answers: int = 0
    promoters: int = 0
    detractors: int = 0
    csat_answers: int = 0
    csat_sum: int = 0

    def __add__(self, other: "Figures") -> "Figures":
        # Field by field, not dataclasses.astuple: that deep-copies and cost a third of the page.
        return Figures(*(getattr(self, name) + getattr(other, name) for name in _FIGURE_FIELDS))

    @property
    def volume(self) -> Volume:
        return Volume(self.current, self.previous)

    @property
    def sentiment(self) -> float | None:
        """Mean compound sentiment, -1..+1."""
        return round(self.sentiment_sum / self.rated, 2) if self.rated else None

    @property
    def negative_percent(self) -> int | None:
        return round(100 * self.negative / self.rated) if self.rated else None

    @property
    def nps(self) -> int | None:
        """The standard Net Promoter Score: % promoters (9-10) minus % detractors (0-6)."""
        if not self.nps_answers:
            return None
        return round(100 * (self.promoters - self.detractors) / self.nps_answers)

    @property
    def csat(self) -> float | None:
        """Mean CSAT answer, 1..5."""
        return round(self.csat_sum / self.csat_answers, 2) if self.csat_answers else None


_FIGURE_FIELDS = tuple(f.name for f in dataclasses.fields(Figures))


@dataclass(frozen=True)
class ThemeTrend:
    """A theme's items in one stage (or overall) this period and the previous one."""

    theme_id: int
    title: str
    volume: Volume

    @property
    def emerging(self) -> bool:
        return is_emerging(self.volume)


@dataclass(frozen=True)
class OpenHit:
    """A hit still to be done, as a stage column lists it."""

    id: int
    title: str
    horizon: str


@dataclass(frozen=True)
class StageRef:
    """The stage a column is about, as plain values, so a kept dashboard outlives its session."""

    id: int
    name: str


@dataclass(frozen=True)
class Column:
    """One journey stage (or the items without one) and its figures."""

    stage: StageRef | None
    figures: Figures
    trends: list[ThemeTrend]  # every theme with items in the stage this period, busiest first
    quick_hits: list[OpenHit] = field(default_factory=list)
    big_hits: list[OpenHit] = field(default_factory=list)
    # Unstaged items this period suggested for the stage (for "No stage": suggested for any stage);
    # shown beside the confirmed figures, never added to them.
    suggested: int = 0

    @property
    def name(self) -> str:
        return self.stage.name if self.stage else "No stage"

    @property
    def themes(self) -> list[ThemeTrend]:
        """The busiest themes, as the column lists them."""
        return self.trends[:TOP_THEMES]

    @property
    def emerging(self) -> list[ThemeTrend]:
        """Every theme emerging in the stage, however small."""
        return [t for t in self.trends if t.emerging]

    @property
    def key(self) -> int | str:
        """The feedback list's stage filter value for this column."""
        return self.stage.id if self.stage else "none"


@dataclass(frozen=True)
class DoneHit:
    """A hit that reached "done" in the period, or got follow-ups in it."""

    id: int
    title: str
    customers: int = 0  # customers followed up in the period


@dataclass(frozen=True)
class Strip:
    """The critical few numbers above the columns."""

    figures: Figures
    emerging: list[tuple[Column, list[ThemeTrend]]]  # per column, its emerging themes
    hits_done: list[DoneHit]
    followed_up: int  # distinct customers followed up in the period
    follow_up_hits: list[DoneHit]
    interview_minutes: int
    interviews: int

    @property
    def emerging_themes(self) -> int:
        """Distinct themes emerging in at least one stage."""
        return len({trend.theme_id for _, trends in self.emerging for trend in trends})

    @property
    def interview_hours(self) -> float:
        return round(self.interview_minutes / 60, 1)


@dataclass(frozen=True)
class Series:
    """One line or bar set of a chart."""

    label: str
    values: list


@dataclass(frozen=True)
class Chart:
    """A chart's labels and series; the page draws it and shows the same numbers as a table."""

    labels: list[str]
    series: list[Series]

    def as_json(self) -> dict:
        series = [{"label": s.label, "values": s.values} for s in self.series]
        return {"labels": self.labels, "series": series}


@dataclass(frozen=True)
class Dashboard:
    """Everything the journey dashboard shows."""

    filters: DashboardFilters
    strip: Strip
    columns: list[Column]
    volume_chart: Chart
    sentiment_chart: Chart
    theme_chart: Chart
    drags: list[Drag] = field(default_factory=list)  # over all scored feedback, not just the period
    built_at: dt.datetime = field(default_factory=lambda: clock.here().replace(microsecond=0))


def is_emerging(volume: Volume) -> bool:
    """The weak-signal rule: enough items now, and growing at least EMERGING_GROWTH_PERCENT."""
    return volume.current >= EMERGING_MIN_ITEMS and volume.current * 100 >= volume.previous * (
        100 + EMERGING_GROWTH_PERCENT
    )


def resolve_period(
    choice: str | None, start: dt.date | None, end: dt.date | None, today: dt.date | None = None
) -> Period:
    """The period a filter asks for: given dates win, else the last 7/30/90 days or this quarter."""
    today = today or clock.today()
    if start or end or choice == "custom":
        if start is None:
            raise InvalidInput(("start", "Give a From date for a custom period."))
        end = end or today
        if start > end:
            raise InvalidInput(("end", "The To date must be on or after the From date."))
        return Period(start, end)
    if choice == "quarter":
        return Period(dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today)
    days = PERIODS.get(choice or DEFAULT_PERIOD)
    if days is None:
        raise InvalidInput(("period", "Choose a period from the list."))
    return Period(today - dt.timedelta(days=days - 1), today)


def _conditions(filters: DashboardFilters, period: Period) -> list:
    """WHERE clauses for feedback in a period under the channel and segment filters."""
    conditions = [Feedback.received_on >= period.start, Feedback.received_on <= period.end]
    if filters.channel:
        if filters.channel not in CHANNELS:
            raise InvalidInput(("channel", f"Channel must be one of: {', '.join(CHANNELS)}."))
        conditions.append(Feedback.channel == filters.channel)
    if filters.segment:
        conditions.append(in_segment(filters.segment))
    return conditions


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _aggregate(filters: DashboardFilters) -> tuple[dict, dict]:
    """Figures per stage id and theme volumes per (stage id, theme id), from one GROUP BY over both periods.

    Grouping by stage, theme and period at once reads the items once; the rows it returns are
    a few per stage and theme, which are then added up here. Stage id None means no stage.
    """
    period = filters.period
    now = Feedback.received_on >= period.start
    conditions = _conditions(filters, Period(period.previous.start, period.end))
    # A survey response's answers share its score: only its first answer counts it. An imported
    # response is its batch and row key; a response to a voc survey is its survey_response_id.
    linked = or_(Feedback.batch_id.is_not(None), Feedback.survey_response_id.is_not(None))
    first_answers = (
        select(func.min(Feedback.id))
        .where(*conditions, Feedback.score.is_not(None), linked)
        .group_by(Feedback.batch_id, Feedback.response_key, Feedback.survey_response_id)
    )
    counted = or_(~linked, Feedback.id.in_(first_answers))
    nps, csat = and_(Feedback.score_kind == "nps", counted), and_(Feedback.score_kind == "csat", counted)
    rows = db.session.execute(
        select(
            Feedback.stage_id,
            Feedback.theme_id,
            now,
            func.count(),
            func.count(Feedback.sentiment),
            func.sum(Feedback.sentiment),
            _count_if(Feedback.sentiment < NEGATIVE),
            _count_if(nps),
            _count_if(and_(nps, Feedback.score >= PROMOTER)),
            _count_if(and_(nps, Feedback.score <= DETRACTOR)),
            _count_if(csat),
            func.sum(case((csat, Feedback.score))),
        )
        .where(*conditions)
        .group_by(Feedback.stage_id, Feedback.theme_id, now)
    )
    figures: dict[int | None, Figures] = defaultdict(Figures)
    counts: dict[tuple[int | None, int], list[int]] = defaultdict(lambda: [0, 0])  # [now, before]
    for stage_id, theme_id, is_now, count, *sums in rows:
        if is_now:
            rated, sentiment_sum, *rest = (0 if value is None else value for value in sums)
            figures[stage_id] += Figures(count, 0, int(rated), float(sentiment_sum), *(int(v) for v in rest))
        else:
            figures[stage_id] += Figures(previous=count)
        if theme_id is not None:
            counts[(stage_id, theme_id)][0 if is_now else 1] += count
    return figures, {key: Volume(*pair) for key, pair in counts.items()}


def _suggested(filters: DashboardFilters) -> dict[int, int]:
    """Unstaged items this period per suggested stage id."""
    return dict(
        db.session.execute(
            select(Feedback.suggested_stage_id, func.count())
            .where(
                *_conditions(filters, filters.period),
                Feedback.stage_id.is_(None),
                Feedback.suggested_stage_id.is_not(None),
            )
            .group_by(Feedback.suggested_stage_id)
        ).all()
    )


def _theme_trends(volumes: dict[tuple[int | None, int], Volume]) -> dict[int | None, list[ThemeTrend]]:
    """Each stage's current themes (not noise) with items this period, busiest first."""
    titles = dict(
        db.session.execute(
            select(Theme.id, func.coalesce(Theme.name, Theme.label)).where(
                Theme.noise.is_(False), Theme.retired.is_(False)
            )
        ).all()
    )
    by_stage: dict[int | None, list[ThemeTrend]] = defaultdict(list)
    for (stage_id, theme_id), volume in volumes.items():
        if theme_id in titles and volume.current:
            by_stage[stage_id].append(ThemeTrend(theme_id, titles[theme_id], volume))
    for trends in by_stage.values():
        trends.sort(key=_busiest)
    return by_stage


def _busiest(trend: ThemeTrend) -> tuple:
    return (-trend.volume.current, -trend.volume.change, trend.title.lower(), trend.theme_id)


def _busiest_themes(by_stage: dict[int | None, list[ThemeTrend]]) -> list[tuple[int, str]]:
    """(id, title) of the themes with the most items this period across all stages."""
    totals: dict[int, list] = {}
    for trends in by_stage.values():
        for t in trends:
            totals.setdefault(t.theme_id, [t.title, 0])[1] += t.volume.current
    ranked = sorted(totals.items(), key=lambda pair: (-pair[1][1], pair[1][0].lower(), pair[0]))
    return [(theme_id, title) for theme_id, (title, _) in ranked[:TOP_THEMES]]


def _open_hits() -> dict[int, list[OpenHit]]:
    """Hits not yet done, per stage, by title."""
    rows = db.session.execute(
        select(Hit.stage_id, Hit.id, Hit.title, Hit.horizon)
        .where(Hit.status.in_(OPEN_STATUSES))
        .order_by(func.lower(Hit.title), Hit.id)
    )
    by_stage: dict[int, list[OpenHit]] = defaultdict(list)
    for stage_id, hit_id, title, horizon in rows:
        by_stage[stage_id].append(OpenHit(hit_id, title, horizon))
    return by_stage


def _within(column, period: Period):
    """A timestamp column falling on one of the period's days."""
    return and_(
        column >= dt.datetime.combine(period.start, dt.time()),
        column < dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time()),
    )


def _hits_done(period: Period) -> list[DoneHit]:
    """Hits whose status was set to done during the period."""
    rows = db.session.execute(
        select(Hit.id, Hit.title)
        .where(
            Hit.id.in_(
                select(HitChange.hit_id).where(
                    HitChange.field == "Status", HitChange.new == "done", _within(HitChange.at, period)
                )
            )
        )
        .order_by(func.lower(Hit.title), Hit.id)
    )
    return [DoneHit(hit_id, title) for hit_id, title in rows]


def _follow_ups(period: Period) -> tuple[int, list[DoneHit]]:
    """Distinct customers followed up in the period, and per hit how many of them."""
    in_period = and_(FollowUp.held_on >= period.start, FollowUp.held_on <= period.end)
    total = db.session.scalar(select(func.count(distinct(FollowUp.customer_id))).where(in_period))
    rows = db.session.execute(
        select(Hit.id, Hit.title, func.count(distinct(FollowUp.customer_id)))
        .join(FollowUp, FollowUp.hit_id == Hit.id)
        .where(in_period)
        .group_by(Hit.id, Hit.title)
        .order_by(func.lower(Hit.title), Hit.id)
    )
    return int(total or 0), [DoneHit(hit_id, title, count) for hit_id, title, count in rows]


def _buckets(period: Period) -> tuple[int, list[str]]:
    """Days per chart point (1, or 7 for long periods) and each point's first day."""
    size = 1 if period.days <= DAILY_UP_TO else 7
    starts = range(0, period.days, size)
    return size, [(period.start + dt.timedelta(days=offset)).isoformat() for offset in starts]


def _volume_chart(filters: DashboardFilters, columns: list[Column]) -> Chart:
    """Items per day (or week) for each column's stage this period."""
    period = filters.period
    size, labels = _buckets(period)
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0] * len(labels))
    for stage_id, day, count in db.session.execute(
        select(Feedback.stage_id, Feedback.received_on, func.count())
        .where(*_conditions(filters, period))
        .group_by(Feedback.stage_id, Feedback.received_on)
    ):
        counts[stage_id][(day - period.start).days // size] += count
    return Chart(labels, [Series(c.name, counts[c.stage.id if c.stage else None]) for c in columns])


def _theme_chart(filters: DashboardFilters, themes: list[tuple[int, str]]) -> Chart:
    """Items per day (or week) of the busiest themes this period."""
    period = filters.period
    size, labels = _buckets(period)
    counts: dict[int, list[int]] = {theme_id: [0] * len(labels) for theme_id, _ in themes}
    if themes:
        for theme_id, day, count in db.session.execute(
            select(Feedback.theme_id, Feedback.received_on, func.count())
            # "+ 0" keeps SQLite on the date index; the theme index would read the themes' whole past.
            .where(*_conditions(filters, period), (Feedback.theme_id + 0).in_(list(counts)))
            .group_by(Feedback.theme_id, Feedback.received_on)
        ):
            counts[theme_id][(day - period.start).days // size] += count
    return Chart(labels, [Series(title, counts[theme_id]) for theme_id, title in themes])


def build(filters: DashboardFilters) -> Dashboard:
    """The dashboard for the filters: active stages in journey order, then items without a stage."""
    figures, volumes = _aggregate(filters)
    themes = _theme_trends(volumes)
    hits = _open_hits()
    suggested = _suggested(filters)
    stages = db.session.scalars(
        select(Stage).where(Stage.retired.is_(False)).order_by(Stage.position, Stage.id)
    )
    columns = [
        Column(
            StageRef(stage.id, stage.name),
            figures.get(stage.id, Figures()),
            themes[stage.id],
            quick_hits=[h for h in hits[stage.id] if h.horizon in QUICK_HORIZONS],
            big_hits=[h for h in hits[stage.id] if h.horizon not in QUICK_HORIZONS],
            suggested=suggested.get(stage.id, 0),
        )
        for stage in stages
    ]
    if figures[None].current or figures[None].previous:
        shown = sum(c.suggested for c in columns)  # suggestions of retired stages stay "No stage"
        columns.append(Column(None, figures[None], themes[None], suggested=shown))
    followed_up, follow_up_hits = _follow_ups(filters.period)
    # Interviews are the "interview" channel: another channel filter leaves none of them on the card.
    minutes, interviews = (
        (0, 0)
        if filters.channel not in (None, "interview")
        else field_time(filters.period.start, filters.period.end, filters.segment)
    )
    strip = Strip(
        figures=sum(figures.values(), Figures()),  # retired stages count here, not in a column
        emerging=[(c, c.emerging) for c in columns if c.emerging],
        hits_done=_hits_done(filters.period),
        followed_up=followed_up,
        follow_up_hits=follow_up_hits,
        interview_minutes=minutes,
        interviews=interviews,
    )
    return Dashboard(
        filters=filters,
        strip=strip,
        columns=columns,
        volume_chart=_volume_chart(filters, columns),
        sentiment_chart=Chart(
            [c.name for c in columns], [Series("Mean sentiment", [c.figures.sentiment for c in columns])]
        ),
        theme_chart=_theme_chart(filters, _busiest_themes(themes)),
        drags=top_drags(),
    )


# Built dashboards per database engine and filters, with the monotonic time they were built.
_kept: "weakref.WeakKeyDictionary[object, dict[DashboardFilters, tuple[float, Dashboard]]]" = (
    weakref.WeakKeyDictionary()
)
KEPT_PER_ENGINE = 64  # filter combinations; beyond that the oldest are forgotten
_kept_lock = threading.Lock()  # the threads of one gunicorn worker share its dashboards


def recent(filters: DashboardFilters, max_age: float) -> Dashboard:
    """The dashboard built at most max_age seconds ago in this process, or a new one.

    The dashboard is read far more often than feedback arrives: under 50 browsing users on 100,000
    items its GROUP BYs were most of the server's work (docs/benchmarks.md, Load). max_age 0 always
    builds afresh.
    """
    if max_age <= 0:
        return build(filters)
    now = time.monotonic()
    with _kept_lock:
        kept = _kept.setdefault(db.engine, {})
        found = kept.get(filters)
    if found is not None and now - found[0] < max_age:
        return found[1]
    board = build(filters)
    with _kept_lock:
        kept[filters] = (now, board)
        while len(kept) > KEPT_PER_ENGINE:
            del kept[min(kept, key=lambda key: kept[key][0])]
    return board
