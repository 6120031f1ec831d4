"""Which themes pull NPS and CSAT down: each theme's impact, counted once per survey response."""
from collections import defaultdict

from sqlalchemy import select

from voc.extensions import db
from voc.models import Feedback
from voc.themes.impact import Impact, impacts, nps_value

KINDS = ("nps", "csat")


def theme_impacts() -> dict[int, dict[str, Impact]]:
    """Per theme with enough scored responses, its impact on NPS and on mean CSAT, by score kind."""
    rows = db.session.execute(
        select(Feedback.id, Feedback.batch_id, Feedback.response_key, Feedback.score, Feedback.score_kind,
               Feedback.theme_id)
        .where(Feedback.score.is_not(None))
        .order_by(Feedback.id)
    )
    # The answers of one imported survey response share its score: one response, one vote.
    responses: dict[tuple, list] = {}  # key -> [kind, score, themes]
    for item_id, batch_id, response_key, score, kind, theme_id in rows:
        key = (batch_id, response_key) if batch_id is not None and response_key else (None, item_id)
        response = responses.setdefault(key, [kind, score, set()])
        if theme_id is not None:
            response[2].add(theme_id)
    by_kind: dict[str, list] = defaultdict(list)
    for kind, score, themes in responses.values():
        by_kind[kind].append((nps_value(score) if kind == "nps" else score, frozenset(themes)))
    found: dict[int, dict[str, Impact]] = defaultdict(dict)
    for kind in KINDS:
        for theme_id, impact in impacts(by_kind[kind]).items():
            found[theme_id][kind] = impact
    return dict(found)


def drag(found: dict[str, Impact] | None) -> tuple[int, float]:
    """Sort key, biggest drag first: by NPS impact, then themes with only a CSAT impact, then the rest."""
    for rank, kind in enumerate(KINDS):
        if found and kind in found:
            return rank, found[kind].points
    return len(KINDS), 0.0


def sort_by_drag(ranked: list, found: dict[int, dict[str, Impact]]) -> None:
    """Order the themes page's evidence by drag, noise still last."""
    ranked.sort(key=lambda e: (e.theme.noise, drag(found.get(e.theme.id))))
