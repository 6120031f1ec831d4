"""Themes -> near-duplicate pairs (close centres, texts that are each other's neighbours) and their merge.

Automatic k sometimes cuts one topic in two along its phrasings ("exit fee" and "leaving the
contract"). Close centres alone do not tell such halves from neighbouring topics: CLINC150's
"when is my oil change due" and "how do I change my oil" are two intents with centres at cosine
0.68. What tells them apart is the texts' nearest neighbours: the halves of one topic keep
finding each other, two topics rarely do. docs/themes.md gives the figures behind the threshold.
"""

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from voc.themes.cluster import OVERSIZED

# A pair is similar when cosine of centres x share of the smaller theme's neighbour links that
# reach the other theme (x HEAD_BONUS when their names share the head keyword) is at least this.
# Measured on CLINC150, StackOverflow, HWU64 and the demo: 0.03 cost HWU64 and CLINC150 NMI,
# 0.08 left most of the demo's duplicates.
SIMILAR = 0.05
HEAD_BONUS = 2.0
HEAD_DEPTH = 3  # the head keyword of one theme counts as shared if among the other's top three


def links(graph: sp.csr_matrix, labels: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    """Theme x theme counts of neighbour links (either direction), each text weighted; -1 rows left out."""
    edges = graph.tocoo()
    keep = (edges.row != edges.col) & (labels[edges.row] >= 0) & (labels[edges.col] >= 0)
    rows, cols = edges.row[keep], edges.col[keep]
    counts = sp.csr_matrix((weights[rows], (labels[rows], labels[cols])), shape=(k, k)).toarray()
    return counts + counts.T


def similar_pairs(
    centres: sp.spmatrix,
    theme_terms: np.ndarray,
    graph: sp.csr_matrix,
    labels: np.ndarray,
    weights: np.ndarray,
) -> list[tuple[int, int, float]]:
    """(a, b, score) with a < b for every pair of themes that says the same thing, most similar first.

    centres: unit-length theme centres; theme_terms: theme x term weights for naming; graph: the
    texts' neighbour graph; labels and weights: each text's theme (-1 none) and weight.
    """
    k = centres.shape[0]
    if k < 2:
        return []
    cosine = np.asarray((centres @ centres.T).todense())
    linked = links(graph, labels, k, weights)
    reach = linked.sum(axis=1)
    smaller = np.maximum(np.minimum(reach[:, None], reach[None, :]), 1.0)
    score = np.maximum(cosine, 0.0) * linked / smaller
    score = np.where(_shares_head(theme_terms), HEAD_BONUS * score, score)
    a, b = np.triu_indices(k, 1)
    close = score[a, b] >= SIMILAR
    pairs = [(int(i), int(j), round(float(score[i, j]), 4)) for i, j in zip(a[close], b[close], strict=True)]
    return sorted(pairs, key=lambda pair: -pair[2])


def _shares_head(theme_terms: np.ndarray) -> np.ndarray:
    """Theme x theme: whether either theme's strongest term is among the other's first few."""
    top = np.argsort(-theme_terms, axis=1, kind="stable")[:, :HEAD_DEPTH]
    heads = np.where(theme_terms[np.arange(len(top)), top[:, 0]] > 0, top[:, 0], -1)
    in_other = (heads[:, None, None] == top[None, :, :]).any(axis=2) & (heads[:, None] >= 0)
    return in_other | in_other.T


def held(groups: Sequence[Sequence[int]], theme_of: np.ndarray) -> set[int]:
    """The theme holding most texts of each group (text indices; theme_of: each text's theme, -1 none)."""
    kept = set()
    for group in groups:
        themes = theme_of[np.asarray(group, dtype=np.int64)]
        themes = themes[themes >= 0]
        if len(themes):
            kept.add(int(np.bincount(themes).argmax()))
    return kept


def merged_numbers(pairs: Sequence[tuple[int, int, float]], sizes: np.ndarray, kept: set[int]) -> np.ndarray:
    """Each theme's number once similar pairs are joined (union-find), 0.. contiguous in order.

    Most similar pairs join first. A kept theme (one the team edited) joins no other, and no join
    makes a catch-all that `cluster.split_catch_alls` would cut in two again: such pairs are left
    for the team to merge.
    """
    parent = list(range(len(sizes)))
    total = np.asarray(sizes, dtype=np.float64).copy()
    limit = OVERSIZED * np.median(sizes)

    def root(t: int) -> int:
        """The representative of t's group, shortening the path as it goes."""
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    for a, b, _ in pairs:
        first, second = sorted((root(a), root(b)))
        if a in kept or b in kept or first == second or total[first] + total[second] > limit:
            continue
        parent[second] = first
        total[first] += total[second]
    roots = np.array([root(t) for t in range(len(sizes))])
    _, numbers = np.unique(roots, return_inverse=True)
    return numbers
