"""The roadmap as exports see it: hits with their evidence, in journey, horizon and score order."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_QUOTES = 3

# The columns of the flat exports (CSV and each XLSX horizon sheet), in order.
COLUMNS = (
    "stage",
    "horizon",
    "title",
    "problem",
    "status",
    "owner",
    "kind",
    "score",
    "reach",
    "impact",
    "confidence",
    "effort",
    "target_date",
    "items",
    "customers",
    "channels",
    "first_seen",
    "last_seen",
    "mean_sentiment",
    "share_negative",
    "nps_impact",
    "csat_impact",
    *(f"quote_{n}" for n in range(1, MAX_QUOTES + 1)),
)

Value = str | int | float | dt.date | None


@dataclass(frozen=True)
class Evidence:
    """What the feedback behind a hit adds up to: volume, spread, timing and mood."""

    items: int = 0
    customers: int = 0  # distinct
    channels: Mapping[str, int] = field(default_factory=dict)  # channel -> items
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None
    mean_sentiment: float | None = None  # -1..+1
    share_negative: float | None = None  # 0..1
    # Score kind ("nps", "csat") -> (points, low, high): the figure over all scored responses minus
    # the same without the evidence's, with its 95% interval (voc/themes/impact.py).
    score_impact: Mapping[str, tuple[float, float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class RoadmapHit:
    """One pain point on the roadmap, with its RICE figures, evidence and consented quotes."""

    title: str
    problem: str
    stage: str
    horizon: str
    kind: str
    owner: str
    status: str
    score: float
    reach: int
    impact: int  # 1-5
    confidence: int  # percent
    effort: float  # person-weeks
    target_date: dt.date | None = None
    evidence: Evidence = field(default_factory=Evidence)
    quotes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if len(self.quotes) > MAX_QUOTES:
            raise ValueError(f"{self.title!r} has {len(self.quotes)} quotes, more than {MAX_QUOTES}")


@dataclass(frozen=True)
class Roadmap:
    """The hits to export, the stage and horizon orders they follow, and how they were chosen."""

    stages: tuple[str, ...]  # journey order
    horizons: tuple[str, ...]  # nearest first
    hits: tuple[RoadmapHit, ...]
    generated_on: dt.date
    filters: Mapping[str, str] = field(default_factory=dict)  # label -> value, as the user chose them

    def __post_init__(self) -> None:
        # Every export groups by stage and horizon, so a hit outside both orders would silently vanish.
        problems = [
            f"{hit.title!r} has unknown {name} {value!r}"
            for hit in self.hits
            for name, value, known in (
                ("stage", hit.stage, self.stages),
                ("horizon", hit.horizon, self.horizons),
            )
            if value not in known
        ]
        if problems:
            raise ValueError("; ".join(problems))


def ordered_hits(roadmap: Roadmap) -> list[RoadmapHit]:
    """Hits by journey stage, then horizon, then highest score; title breaks ties so output is stable."""
    stage_rank = {stage: n for n, stage in enumerate(roadmap.stages)}
    horizon_rank = {horizon: n for n, horizon in enumerate(roadmap.horizons)}
    return sorted(
        roadmap.hits,
        key=lambda hit: (stage_rank[hit.stage], horizon_rank[hit.horizon], -hit.score, hit.title),
    )


def channels_text(channels: Mapping[str, int]) -> str:
    """Channels as "survey 3; ticket 2", busiest first."""
    ranked = sorted(channels.items(), key=lambda pair: (-pair[1], pair[0]))
    return "; ".join(f"{channel} {count}" for channel, count in ranked)


def hit_row(hit: RoadmapHit) -> tuple[Value, ...]:
    """The hit's values in COLUMNS order; numbers and dates stay typed for each writer to format."""
    evidence = hit.evidence
    quotes = hit.quotes + (None,) * (MAX_QUOTES - len(hit.quotes))
    return (
        hit.stage,
        hit.horizon,
        hit.title,
        hit.problem,
        hit.status,
        hit.owner,
        hit.kind,
        round(hit.score, 2),
        hit.reach,
        hit.impact,
        hit.confidence,
        hit.effort,
        hit.target_date,
        evidence.items,
        evidence.customers,
        channels_text(evidence.channels),
        evidence.first_seen,
        evidence.last_seen,
        _rounded(evidence.mean_sentiment),
        _rounded(evidence.share_negative),
        *(evidence.score_impact.get(kind, (None,))[0] for kind in ("nps", "csat")),
        *quotes,
    )


def evidence_summary(evidence: Evidence) -> str:
    """The evidence in one readable line, for exports meant for people rather than spreadsheets."""
    parts = [f"{evidence.items} items", f"{evidence.customers} customers"]
    if evidence.channels:
        parts.append(channels_text(evidence.channels))
    if evidence.first_seen and evidence.last_seen:
        parts.append(f"seen {evidence.first_seen.isoformat()} to {evidence.last_seen.isoformat()}")
    if evidence.mean_sentiment is not None:
        parts.append(f"mean sentiment {evidence.mean_sentiment:+.2f}")
    if evidence.share_negative is not None:
        parts.append(f"{evidence.share_negative:.0%} negative")
    for kind, (points, low, high) in sorted(evidence.score_impact.items(), reverse=True):
        parts.append(f"{kind.upper()} impact {points:+g} ({low:+g} to {high:+g})")
    return ", ".join(parts)


def _rounded(value: float | None) -> float | None:
    """Two decimals: sentiment and shares are estimates, more digits would only suggest precision."""
    return None if value is None else round(value, 2)
