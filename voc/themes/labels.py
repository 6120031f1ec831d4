"""Clusters -> human-readable names: distinctive terms per theme and per item, shown unstemmed."""
import numpy as np
import scipy.sparse as sp


def class_tfidf(W: sp.csr_matrix, labels: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    """Theme x term weights: how often a term occurs in a theme, scaled down if common to all.

    A term's share of the theme's term mass, times log(1 + average theme mass / the term's mass
    over all themes), so terms that are frequent in one theme but rare elsewhere come first.
    """
    member = labels >= 0
    present = W[member].copy()
    present.data[:] = 1.0
    indicator = sp.csr_matrix(
        (weights[member], (labels[member], np.arange(member.sum()))), shape=(k, member.sum())
    )
    counts = np.asarray((indicator @ present).todense())
    mass = counts.sum(axis=1, keepdims=True)
    term_mass = counts.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        tf = np.where(mass > 0, counts / mass, 0.0)
        idf = np.log1p(np.where(term_mass > 0, mass.mean() / term_mass, 0.0))
    return tf * idf


def surface(term: str, surfaces: dict[str, str]) -> str:
    """A stemmed term (one or two stems) written with the words people actually used."""
    return " ".join(surfaces.get(s, s) for s in term.split())


def keywords(
    weights: np.ndarray, terms: np.ndarray, surfaces: dict[str, str], top: int = 10
) -> tuple[tuple[str, float], ...]:
    """The theme's top terms with their weights, unstemmed, strongest first."""
    order = np.argsort(-weights, kind="stable")[:top]
    return tuple((surface(terms[i], surfaces), round(float(weights[i]), 4)) for i in order if weights[i] > 0)


def label(words: tuple[tuple[str, float], ...]) -> str:
    """A short name from the top keywords, skipping words a stronger term already shows."""
    chosen: list[str] = []
    shown: set[str] = set()
    for term, _ in words:
        if set(term.split()) <= shown:
            continue
        chosen.append(term)
        shown.update(term.split())
        if len(chosen) == 2:
            break
    return ", ".join(chosen) if chosen else "(no words)"


def explanations(
    W: sp.csr_matrix,
    labels: np.ndarray,
    theme_terms: np.ndarray,
    terms: np.ndarray,
    surfaces: dict[str, str],
    top: int = 3,
) -> list[tuple[str, ...]]:
    """For each row, the terms it shares with its theme's distinctive terms, strongest first."""
    W = W.tocoo()
    themed = labels[W.row] >= 0
    rows, cols = W.row[themed], W.col[themed]
    score = W.data[themed] * theme_terms[labels[rows], cols]
    keep = score > 0
    rows, cols, score = rows[keep], cols[keep], score[keep]
    order = np.lexsort((-score, rows))
    result: list[list[str]] = [[] for _ in range(W.shape[0])]
    for r, c in zip(rows[order], cols[order], strict=True):
        if len(result[r]) < top:
            result[r].append(surface(terms[c], surfaces))
    return [tuple(words) for words in result]
