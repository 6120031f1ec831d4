"""Keep theme identities across re-runs by matching old and new clusters on the members they share."""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

# "Mostly went to one new cluster": at least this share of a previous theme's members.
MOSTLY = 0.5


@dataclass(frozen=True)
class Match:
    """What one new cluster is: the previous key it keeps (None when it is new) and its sizes."""

    key: Hashable | None
    size: int
    previous_size: int  # 0 for a new theme
    shared: int  # members it has in common with the previous theme it keeps


@dataclass(frozen=True)
class Changes:
    """What changed between two runs, for a change report; new clusters are given by index."""

    new: list[tuple[int, int]]  # (new cluster index, size)
    grown: list[tuple[Hashable, int, int]]  # (key, previous size, size)
    shrunk: list[tuple[Hashable, int, int]]
    vanished: list[tuple[Hashable, int]]  # (key, previous size)
    merged: list[tuple[int, tuple[Hashable, ...]]]  # (new cluster index, previous keys that merged)


def match_themes(
    previous: Mapping[Hashable, set], current: Sequence[set], min_jaccard: float = 0.2
) -> tuple[list[Match], Changes]:
    """Pair new clusters with previous themes one-to-one (Hungarian method on Jaccard overlap)."""
    keys = list(previous)
    shared = np.array([[len(previous[key] & cluster) for cluster in current] for key in keys], dtype=float)
    shared = shared.reshape(len(keys), len(current))
    old_sizes = np.array([len(previous[key]) for key in keys], dtype=float)
    new_sizes = np.array([len(cluster) for cluster in current], dtype=float)
    union = old_sizes[:, None] + new_sizes[None, :] - shared
    jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)

    kept: dict[int, int] = {}
    for row, col in zip(*linear_sum_assignment(-jaccard), strict=True):
        if jaccard[row, col] >= min_jaccard:
            kept[int(col)] = int(row)

    matches = []
    for col, cluster in enumerate(current):
        row = kept.get(col)
        if row is None:
            matches.append(Match(None, len(cluster), 0, 0))
        else:
            matches.append(Match(keys[row], len(cluster), len(previous[keys[row]]), int(shared[row, col])))

    # A merge: two or more previous themes whose members mostly went to the same new cluster.
    mostly_to = {
        row: int(shared[row].argmax())
        for row in range(len(keys))
        if len(current) and old_sizes[row] and shared[row].max() >= MOSTLY * old_sizes[row]
    }
    merged = []
    for col in range(len(current)):
        sources = [row for row, target in mostly_to.items() if target == col]
        if len(sources) >= 2:
            merged.append((col, tuple(keys[row] for row in sources)))
    absorbed = {key for _, group in merged for key in group}
    matched_rows = set(kept.values())
    kept_matches = [m for m in matches if m.key is not None]
    changes = Changes(
        new=[(col, m.size) for col, m in enumerate(matches) if m.key is None],
        grown=[(m.key, m.previous_size, m.size) for m in kept_matches if m.size > m.previous_size],
        shrunk=[(m.key, m.previous_size, m.size) for m in kept_matches if m.size < m.previous_size],
        vanished=[
            (keys[row], int(old_sizes[row]))
            for row in range(len(keys))
            if row not in matched_rows and keys[row] not in absorbed
        ],
        merged=merged,
    )
    return matches, changes
