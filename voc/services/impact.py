"""Which themes pull NPS and CSAT down: each theme's impact, counted once per survey response.

Theme impacts are worked out at each theme run (reading every scored item once) and kept, so the
themes page and the dashboard read a row per theme instead.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select

from voc.extensions import db
from voc.models import Feedback, Stage, Theme, ThemeImpact
from voc.themes.impact import Impact, impacts, nps_value
from voc.vocabulary import SCORE_KINDS

TOP_DRAGS = 5


@dataclass(frozen=True)
class Drag:
    """A theme that pulls a score down, at the journey stage where most of its items are."""

    theme_id: int
    title: str
    stage: str | None
    kind: str
    impact: Impact


def _responses(groups_of: Callable[[int, int | None], Iterable[int]]) -> dict[str, list]:
    """(value, groups) per scored response, by score kind; groups_of names the groups of one answer."""
    rows = db.session.execute(
        select(
            Feedback.id,
            Feedback.batch_id,
            Feedback.response_key,
            Feedback.score,
            Feedback.score_kind,
            Feedback.theme_id,
            Feedback.survey_response_id,
        )
        .where(Feedback.score.is_not(None))
        .order_by(Feedback.id)
    )
    # The answers of one survey response (imported or answered here) share its score: one response, one vote.
    responses: dict[tuple, list] = {}  # key -> [kind, score, groups]
    for item_id, batch_id, response_key, score, kind, theme_id, survey_response_id in rows:
        if batch_id is not None and response_key:
            key = (batch_id, response_key)
        elif survey_response_id is not None:
            key = ("survey", survey_response_id)
        else:
            key = (None, item_id)
        responses.setdefault(key, [kind, score, set()])[2].update(groups_of(item_id, theme_id))
    by_kind: dict[str, list] = defaultdict(list)
    for kind, score, groups in responses.values():
        by_kind[kind].append((nps_value(score) if kind == "nps" else score, frozenset(groups)))
    return by_kind


def store_theme_impacts() -> int:
    """Work out every theme's impact from the scored items and keep it; returns how many figures.

    Runs inside a theme run's transaction, after the items have their themes (the caller commits).
    """
    by_kind = _responses(lambda _, theme_id: () if theme_id is None else (theme_id,))
    rows = [
        {
            "theme_id": theme_id,
            "kind": kind,
            "points": found.points,
            "low": found.low,
            "high": found.high,
            "responses": found.responses,
        }
        for kind in SCORE_KINDS
        for theme_id, found in impacts(by_kind[kind]).items()
    ]
    db.session.execute(delete(ThemeImpact))
    if rows:
        db.session.execute(insert(ThemeImpact), rows)
    return len(rows)


def theme_impacts() -> dict[int, dict[str, Impact]]:
    """Per theme with enough scored responses, its impact on NPS and mean CSAT as the latest run found it."""
    found: dict[int, dict[str, Impact]] = defaultdict(dict)
    for row in db.session.scalars(select(ThemeImpact)):
        found[row.theme_id][row.kind] = Impact(row.points, row.low, row.high, row.responses)
    return dict(found)


def evidence_impact(item_ids: Collection[int]) -> dict[str, Impact]:
    """The impact of a set of items (a hit's evidence) on NPS and mean CSAT, where it has enough responses."""
    by_kind = _responses(lambda item_id, _: (0,) if item_id in item_ids else ())
    return {kind: found[0] for kind in SCORE_KINDS if (found := impacts(by_kind[kind])) and 0 in found}


def drag(found: dict[str, Impact] | None) -> tuple[int, float]:
    """Sort key, biggest drag first: by NPS impact, then themes with only a CSAT impact, then the rest."""
    for rank, kind in enumerate(SCORE_KINDS):
        if found and kind in found:
            return rank, found[kind].points
    return len(SCORE_KINDS), 0.0


def sort_by_drag(groups: list, found: dict[int, dict[str, Impact]]) -> None:
    """Order the themes page's rows by drag (parents have no figure of their own), noise last."""
    groups.sort(key=lambda g: (g.evidence.theme.noise, drag(found.get(g.evidence.theme.id))))


def top_drags(limit: int = TOP_DRAGS) -> list[Drag]:
    """The themes pulling NPS (else CSAT) down the most, surely so (interval below zero), in journey order."""
    found = theme_impacts()
    live = dict(
        db.session.execute(
            select(Theme.id, func.coalesce(Theme.name, Theme.label)).where(
                Theme.id.in_(list(found)), Theme.noise.is_(False), Theme.retired.is_(False)
            )
        ).all()
    )
    drags = []
    for theme_id in live:
        kind = next(k for k in SCORE_KINDS if k in found[theme_id])  # NPS where there is one
        if found[theme_id][kind].high < 0:
            drags.append((theme_id, kind, found[theme_id][kind]))
    drags = sorted(drags, key=lambda d: (SCORE_KINDS.index(d[1]), d[2].points))[:limit]
    # Each drag sits at its theme's busiest stage, so the list reads along the journey.
    busiest: dict[int, tuple[int, int, str]] = {}
    for theme_id, position, name, count in db.session.execute(
        select(Feedback.theme_id, Stage.position, Stage.name, func.count())
        .join(Stage, Stage.id == Feedback.stage_id)
        .where(Feedback.theme_id.in_([d[0] for d in drags]))
        .group_by(Feedback.theme_id, Stage.position, Stage.name)
    ):
        if count > busiest.get(theme_id, (0,))[0]:
            busiest[theme_id] = (count, position, name)
    last = float("inf")
    drags.sort(key=lambda d: (busiest[d[0]][1] if d[0] in busiest else last, d[2].points))
    return [Drag(t, live[t], busiest[t][2] if t in busiest else None, kind, i) for t, kind, i in drags]
