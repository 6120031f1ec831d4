"""Themes -> parent themes: related themes grouped so a leader reads 10-20 lines, not 150."""

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import silhouette_score

from voc.themes import labels as naming

# Up to this many themes fit on one screen as they are, so they get no parents.
FLAT_UP_TO = 12
# A leader's screen holds at most MOST_LINES top-level lines (parents plus themes no parent holds)
# and, when there are themes enough, at least FEWEST_LINES (about THEMES_PER_LINE themes a line);
# between those bounds the cut whose groups stand most apart (silhouette) wins.
FEWEST_LINES = 10
MOST_LINES = 20
THEMES_PER_LINE = 4
# No catch-all parents: a merge may not make a group bigger than this many times the average line
# at the most lines (unless no other merge is left). On CLINC150 two parents held 20% and 18% of
# the items without it; with it NMI against the domains rose (docs/benchmarks.md).
LARGEST_LINE = 2.0


@dataclass(frozen=True)
class Parent:
    """Related themes under one name; children are theme numbers, largest first."""

    label: str
    keywords: tuple[tuple[str, float], ...]
    children: tuple[int, ...]
    size: int


def line_bounds(n_themes: int) -> tuple[int, int]:
    """Fewest and most top-level lines (parents plus themes no parent holds) for n themes."""
    return min(FEWEST_LINES, math.ceil(n_themes / THEMES_PER_LINE)), min(MOST_LINES, n_themes // 2)


def merge_history(
    similarity: np.ndarray, sizes: np.ndarray, fewest: int, cap: float
) -> dict[int, np.ndarray]:
    """Group number per theme after each merge down to `fewest` groups, keyed by the number of groups.

    Average linkage weighted by size: two groups' similarity is the mean, over every pair of items
    in them, of the cosine between the items' theme centres, so a big theme pulls its group's
    direction as its items would. Merges past `cap` items wait until no other is left. Ties merge
    the lowest numbers first, so the result is fixed.
    """
    n = len(sizes)
    sim = similarity.astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    weight = sizes.astype(np.float64)
    group = np.arange(n)
    history = {n: group.copy()}
    for count in range(n - 1, fewest - 1, -1):
        allowed = np.where(weight[:, None] + weight[None, :] <= cap, sim, -np.inf)
        pick = allowed if np.isfinite(allowed).any() else sim
        a, b = sorted(np.unravel_index(np.argmax(pick), sim.shape))
        row = (weight[a] * sim[a] + weight[b] * sim[b]) / (weight[a] + weight[b])
        sim[a], sim[:, a] = row, row
        sim[a, a] = -np.inf
        sim[b], sim[:, b] = -np.inf, -np.inf
        weight[a] += weight[b]
        group[group == b] = a
        history[count] = group.copy()
    return history


def group_themes(centres: sp.csr_matrix, sizes: np.ndarray) -> np.ndarray | None:
    """Top-level group per theme (numbered 0.., largest first), or None when the themes fit as they are."""
    n = len(sizes)
    if n <= FLAT_UP_TO:
        return None
    similarity = np.asarray((centres @ centres.T).todense())
    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    fewest, most = line_bounds(n)
    history = merge_history(similarity, sizes, fewest, LARGEST_LINE * sizes.sum() / most)
    scores = {
        count: silhouette_score(distance, history[count], metric="precomputed")
        for count in range(fewest, most + 1)
    }
    # The best separated cut; on a tie the fewer lines.
    best = history[max(scores, key=lambda count: (scores[count], -count))]
    totals = np.bincount(best, weights=sizes, minlength=n)
    order = sorted(np.unique(best), key=lambda g: (-totals[g], g))
    renumber = np.empty(n, dtype=np.int64)
    renumber[order] = np.arange(len(order))
    return renumber[best]


def parents(
    centres: sp.csr_matrix,
    sizes: np.ndarray,
    found: naming.Phrases,
    labels: np.ndarray,
    weights: np.ndarray,
    W: sp.csr_matrix,
    terms: np.ndarray,
    surfaces: dict[str, str],
) -> list[Parent]:
    """Parents of two or more related themes, named as themes are; lone themes keep no parent.

    centres and sizes are per theme; found (their candidate names), labels (theme number or -1),
    weights and word TF-IDF rows W are those of the fitted texts the themes were named from. A
    parent is named from its children's texts against the other top-level lines, so its name is
    what its children share and its neighbours do not.
    """
    groups = group_themes(centres, sizes)
    if groups is None:
        return []
    n_groups = int(groups.max()) + 1
    group_of_text = np.where(labels >= 0, groups[np.maximum(labels, 0)], -1)
    names = naming.phrase_names(found, group_of_text, weights, n_groups)
    group_terms = naming.class_tfidf(W, group_of_text, n_groups, weights)
    found = []
    for g in range(n_groups):
        children = tuple(int(t) for t in np.flatnonzero(groups == g))
        if len(children) > 1:
            words = naming.keywords(group_terms[g], terms, surfaces)
            found.append(Parent(names[g], words, children, int(sizes[list(children)].sum())))
    return found
