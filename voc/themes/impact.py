"""How much each theme moves NPS or mean CSAT: the figure over all responses minus the figure without it.

A response counts once, however many of its answers were scored; it belongs to every theme one
of its answers is in. Removing a theme removes its responses.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

MIN_RESPONSES = 20  # scored responses a theme needs before its impact is shown
Z95 = 1.96


@dataclass(frozen=True)
class Impact:
    """A theme's impact in points (NPS) or scale points (CSAT), with a 95% interval."""

    points: float
    low: float
    high: float
    responses: int  # the theme's scored responses


def nps_value(score: int) -> int:
    """A response's share of the NPS: +100 for a promoter (9-10), -100 for a detractor (0-6)."""
    return 100 if score >= 9 else -100 if score <= 6 else 0


def impacts(responses: Iterable[tuple[float, frozenset[int]]]) -> dict[int, Impact]:
    """Impact per theme from (value, themes) per response: value is nps_value or the CSAT score.

    The figure is a mean, so with a theme's share p of the responses, the impact is
    p × (mean inside − mean outside). The interval is the normal approximation, taking p as fixed:
    ±1.96 × p × √(s²in / n_in + s²out / n_out).
    """
    values, members = [], []
    for value, themes in responses:
        values.append(value)
        members.append(themes)
    n = len(values)
    total, squares = sum(values), sum(v * v for v in values)
    inside: dict[int, list[float]] = {}  # theme -> [count, sum, sum of squares]
    for value, themes in zip(values, members, strict=True):
        for theme in themes:
            sums = inside.setdefault(theme, [0, 0.0, 0.0])
            sums[0] += 1
            sums[1] += value
            sums[2] += value * value
    found = {}
    for theme, (n_in, sum_in, squares_in) in inside.items():
        n_out = n - n_in
        if n_in < MIN_RESPONSES or n_out < 2:
            continue
        mean_in, mean_out = sum_in / n_in, (total - sum_in) / n_out
        share = n_in / n
        points = share * (mean_in - mean_out)
        spread = share * math.sqrt(
            _variance(n_in, sum_in, squares_in) / n_in
            + _variance(n_out, total - sum_in, squares - squares_in) / n_out
        )
        found[theme] = Impact(
            round(points, 2), round(points - Z95 * spread, 2), round(points + Z95 * spread, 2), n_in
        )
    return found


def _variance(n: int, total: float, squares: float) -> float:
    """Sample variance from the count, sum and sum of squares."""
    return max(squares - total * total / n, 0.0) / (n - 1)
