"""Vectors -> cluster labels: k-means on reduced vectors, refined on the full TF-IDF, no catch-alls."""

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize

# A cluster whose members sit this much less tightly than the median cluster's is a grab-bag of
# items that fit nowhere, not a theme (measured on the three benchmark sets: one or two per run).
INCOHERENT = 0.5
# A theme more than this many times the median theme's size is a catch-all and gets split.
OVERSIZED = 2.0
# Multiply-adds per row the nearest-neighbour search may cost. Short texts stay below it
# (CLINC150 and StackOverflow: 1-2 x 10^4); 60-word reviews 3.3 x 10^5 (14 CPU s for 10,000).
SEARCH_COST = 30_000


def centroids(X: sp.csr_matrix, labels: np.ndarray, k: int, weights: np.ndarray) -> sp.csc_matrix:
    """Unit-length mean direction of each cluster's rows; -1 rows and empty clusters give zeros.

    Column-major, so its transpose is row-major and `similarities` multiplies by it as it is:
    converting k dense-ish centres cost most of placing one long text.
    """
    member = labels >= 0
    rows = np.flatnonzero(member)
    indicator = sp.csr_matrix((weights[member], (labels[member], rows)), shape=(k, X.shape[0]))
    return normalize(indicator @ X).tocsc()


def similarities(X: sp.csr_matrix, centres: sp.csc_matrix) -> np.ndarray:
    """Cosine of every (unit-length) row to every centre, dense rows x clusters."""
    return np.asarray((X @ centres.T).todense())


def neighbour_graph(X: sp.csr_matrix, neighbours: int, chunk: int = 2000) -> sp.csr_matrix:
    """Sparse rows x rows weights: each row itself (1) and its nearest rows (their cosine).

    Multiplying vectors by it averages each text with its closest texts. Short texts share few
    words even when they say the same thing; borrowing from close neighbours fills that in, so
    k-means sees topics rather than word overlaps. Long texts are searched by their rarer terms
    (`searchable`), so the search costs at most SEARCH_COST per row. X may also be dense unit-length
    rows (the semantic lens's sentence vectors).
    """
    n = X.shape[0]
    neighbours = min(neighbours, n - 1)
    if neighbours < 1:
        return sp.identity(n, dtype=X.dtype, format="csr")
    dense = not sp.issparse(X)
    X = X if dense else searchable(X, SEARCH_COST * n)
    XT = X.T if dense else X.T.tocsr()
    cols = np.empty((n, neighbours), dtype=np.int64)
    weights = np.empty((n, neighbours), dtype=X.dtype)
    for start in range(0, n, chunk):
        sims = X[start : start + chunk] @ XT
        sims = sims if dense else sims.toarray()
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = -np.inf  # itself is added once below, not as a neighbour
        nearest = np.argpartition(-sims, neighbours - 1, axis=1)[:, :neighbours]
        cols[start : start + chunk] = nearest
        # Weighted by cosine, so a small set's far "neighbours" from other topics add next to nothing.
        weights[start : start + chunk] = np.maximum(np.take_along_axis(sims, nearest, axis=1), 0)
    graph = sp.csr_matrix(
        (weights.ravel(), cols.ravel(), np.arange(0, n * neighbours + 1, neighbours)),
        shape=(n, n),
    )
    return (graph + sp.identity(n, dtype=X.dtype, format="csr")).tocsr()


def mutual_weighted(graph: sp.csr_matrix) -> sp.csr_matrix:
    """The neighbour graph with each one-way edge at half its weight, mutual edges and self unchanged.

    A text on the edge of a topic lists texts of the next topic among its nearest, but they seldom
    list it back; halving such edges keeps smoothing from pulling the two topics together. Dropping
    them outright starved small sets (HWU64's dev split: 17 texts an intent, -0.7 NMI).
    """
    return ((graph + graph.minimum(graph.T)) / 2).tocsr()


def searchable(X: sp.csr_matrix, budget: float) -> sp.csr_matrix:
    """X without its commonest terms, as few as bring the cost of X @ X.T within budget.

    The product costs the sum over terms of (rows holding the term) squared. In long texts common
    character n-grams make most of it while adding little to any cosine (their idf is low), so
    neighbours are found by the rarer, telling terms. Cosines then leave those terms out.
    """
    df = np.bincount(X.indices, minlength=X.shape[1]).astype(np.float64)
    commonest = np.argsort(-df, kind="stable")
    cost_without = np.cumsum((df[commonest] ** 2)[::-1])[::-1]  # keeping commonest[i:]
    drop = int(np.searchsorted(-cost_without, -budget))
    if drop == 0:
        return X
    kept = np.ones(X.shape[1], dtype=X.dtype)
    kept[commonest[:drop]] = 0
    X = X.copy()
    X.data *= kept[X.indices]
    X.eliminate_zeros()
    return X


def refine(X: sp.csr_matrix, labels: np.ndarray, k: int, weights: np.ndarray, rounds: int = 10) -> np.ndarray:
    """Spherical k-means on the full vectors, started from labels: fixes what reduction blurred."""
    for _ in range(rounds):
        new = similarities(X, centroids(X, labels, k, weights)).argmax(axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _cohesion(sims: np.ndarray, labels: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    """Weighted mean cosine of each cluster's members to its own centre (nan when empty)."""
    own = sims[np.arange(len(labels)), labels]
    total = np.bincount(labels, weights=weights * own, minlength=k)
    size = np.bincount(labels, weights=weights, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / size


def _fill_empty(Z: np.ndarray, labels: np.ndarray, k: int, weights: np.ndarray, seed: int) -> np.ndarray:
    """Give every empty cluster id half of the currently largest cluster."""
    labels = labels.copy()
    for empty in np.flatnonzero(np.bincount(labels, weights=weights, minlength=k) == 0):
        largest = np.bincount(labels, weights=weights, minlength=k).argmax()
        members = np.flatnonzero(labels == largest)
        if len(members) < 2:
            break
        halves = KMeans(2, n_init=3, random_state=seed).fit_predict(
            Z[members], sample_weight=weights[members]
        )
        labels[members[halves == 1]] = empty
    return labels


def split_catch_alls(
    X: sp.csr_matrix, Z: np.ndarray, labels: np.ndarray, k: int, weights: np.ndarray, seed: int
) -> np.ndarray:
    """Halve every theme over twice the median size, freeing an id by merging the closest small pair.

    A theme carried by one often-repeated text is a real, frequent complaint, not a catch-all: it
    is left whole.
    """
    labels = labels.copy()
    whole: set[int] = set()
    for _ in range(k):
        sizes = np.bincount(labels, weights=weights, minlength=k)
        limit = OVERSIZED * np.median(sizes)
        oversized = [t for t in np.argsort(-sizes, kind="stable") if sizes[t] > limit and t not in whole]
        if not oversized:
            break
        big = oversized[0]
        members = np.flatnonzero(labels == big)
        if weights[members].max() > sizes[big] / 2:
            whole.add(big)
            continue
        centres = centroids(X, labels, k, weights)
        closeness = (centres @ centres.T).toarray()
        # Only pairs that stay under the limit together, so a merge never makes a new catch-all.
        closeness[sizes[:, None] + sizes[None, :] > limit] = -np.inf
        closeness[big, :] = closeness[:, big] = -np.inf
        np.fill_diagonal(closeness, -np.inf)
        keep, free = np.unravel_index(closeness.argmax(), closeness.shape)
        if not np.isfinite(closeness[keep, free]):
            break
        halves = KMeans(2, n_init=3, random_state=seed).fit_predict(
            Z[members], sample_weight=weights[members]
        )
        labels[labels == free] = keep
        labels[members[halves == 1]] = free
    return labels


def cluster(X: sp.csr_matrix, Z: np.ndarray, k: int, weights: np.ndarray, seed: int) -> np.ndarray:
    """Cluster ids 0..k-1 for each row: k-means on Z, refined on X, grab-bags and catch-alls undone."""
    labels = KMeans(k, n_init=3, random_state=seed).fit_predict(Z, sample_weight=weights)
    labels = refine(X, labels, k, weights)
    for _ in range(3):
        sims = similarities(X, centroids(X, labels, k, weights))
        cohesion = _cohesion(sims, labels, k, weights)
        grab_bags = np.flatnonzero(cohesion < INCOHERENT * np.nanmedian(cohesion))
        if len(grab_bags) == 0:
            break
        # Members move to their best real theme by their smoothed vectors: on their own words they
        # fit nowhere, their neighbours' words say where they belong. The freed ids go to halves
        # of the largest themes.
        member = sp.csr_matrix((weights, (labels, np.arange(len(labels)))), shape=(k, len(labels)))
        nearest = Z @ normalize(member @ Z).T
        nearest[:, grab_bags] = -np.inf
        labels = np.where(np.isin(labels, grab_bags), nearest.argmax(axis=1), labels)
        labels = _fill_empty(Z, labels, k, weights, seed)
        labels = refine(X, labels, k, weights, rounds=5)
    return split_catch_alls(X, Z, labels, k, weights, seed)


def silhouette(Z: np.ndarray, labels: np.ndarray, seed: int, sample: int = 2000) -> float:
    """Cosine silhouette of the themed rows, on a fixed sample so it stays cheap for big sets."""
    themed = np.flatnonzero(labels >= 0)
    if len(np.unique(labels[themed])) < 2 or len(themed) < 3:
        return 0.0
    if len(themed) > sample:
        themed = np.random.default_rng(seed).choice(themed, sample, replace=False)
        if len(np.unique(labels[themed])) < 2:
            return 0.0
    return float(silhouette_score(Z[themed], labels[themed], metric="cosine"))


def leave_one_out(X: sp.csr_matrix, labels: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    """Cosine of each row to its cluster's centre without the row itself (0 when unclustered).

    In small sets an odd item props up its own centre; without itself it shows it fits nowhere.
    """
    member = labels >= 0
    indicator = sp.csr_matrix(
        (weights[member], (labels[member], np.flatnonzero(member))), shape=(k, X.shape[0])
    )
    sums = (indicator @ X).tocsr()
    own = np.where(member, labels, 0)
    # Each row's dot with its own theme's sum, read off rows x themes: sums[own] would copy the
    # theme's sum once per row (gigabytes for a few big themes of long texts).
    dots = np.asarray((X @ sums.T)[np.arange(X.shape[0]), own]).ravel()
    squared = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()[own]
    # Take out one copy of the row, not all of its duplicates: |S - x|^2 = |S|^2 - 2 x.S + 1
    # for a unit-length row x, so a theme of identical complaints still holds together.
    rest = np.sqrt(np.maximum(squared - 2 * dots + 1.0, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.where(rest > 1e-9, (dots - 1.0) / rest, 0.0)
    return np.where(member, cosine, 0.0)
