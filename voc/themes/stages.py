"""Texts + the stages people set on a few of them -> a suggested stage and its confidence for the rest.

A team stages a few dozen items by hand; a classifier trained on those alone guesses poorly. The
unstaged items still say a lot: items that read alike sit at the same stage. So the known stages
are spread over the neighbour graph of all texts (label propagation), and a linear classifier is
then trained on the known items plus the items the spreading is surest of, to catch what the
graph misses (texts without close neighbours). The two opinions are averaged.

A suggestion's confidence is how far the averaged chance of its stage rises above a blind guess
among the stages (0: no better than a guess, 1: certain), so one threshold means the same for a
journey of three stages and of eighteen.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize

from voc.themes.cluster import neighbour_graph
from voc.themes.model import _combined, _vectorizers
from voc.themes.preprocess import Tokenizer

UNKNOWN = -1
# Below this confidence no stage is suggested. On CLINC150 and HWU64 it keeps at least half of the
# rest at a precision of 0.8 or more with 0.5% of the items staged, and 70% at 0.9 or more with 5%
# (docs/benchmarks.md, Stage suggestions); a higher one starves the first case, a lower one lets
# precision fall in both.
MIN_CONFIDENCE = 0.22


@dataclass(frozen=True)
class StageSettings:
    """How stages are suggested; the defaults were chosen on two intent sets (docs/stages.md)."""

    neighbours: int = 20  # each text is linked to this many nearest texts
    min_similarity: float = 0.05  # weaker links are dropped: a text alike to none gets no stage from them
    sharpness: float = 3.0  # link weight is cosine to this power: near neighbours count far more
    keep: float = 0.99  # share of its neighbours' stage mix a text takes at each step (vs its own)
    steps: int = 40
    trust_share: float = 0.3  # the unstaged items the spreading is surest of that train the classifier
    # How much each of those counts against an item a person staged: enough to help when people staged
    # a handful, little enough that with hundreds staged the spreading's mistakes do not drown them.
    trust_weight: float = 0.1
    graph_sample: int = 30_000  # texts in the graph; beyond it the rest get the classifier's opinion
    seed: int = 0


@dataclass(frozen=True)
class Suggestions:
    """Per text: the suggested stage index (UNKNOWN for none) and the confidence (0..1)."""

    stages: np.ndarray
    confidence: np.ndarray

    def confident(self, min_confidence: float = MIN_CONFIDENCE) -> np.ndarray:
        """The stage indices, UNKNOWN wherever the confidence is below min_confidence."""
        return np.where(self.confidence >= min_confidence, self.stages, UNKNOWN)


def _vectors(texts: Sequence[str], rows: np.ndarray) -> sp.csr_matrix:
    """The unit-length word + character TF-IDF the themes use, of the given rows only.

    Only the graph's rows need them: character n-grams of a million texts would take gigabytes.
    """
    tokenizer = Tokenizer()
    docs = [tokenizer.document(texts[i]) for i in rows]
    words, chars = _vectorizers(len(docs))
    return _combined(words.fit(docs).transform(docs), chars.fit(docs).transform(docs), 0.7)


def propagate(X: sp.csr_matrix, seeds: np.ndarray, n_stages: int, settings: StageSettings) -> np.ndarray:
    """Rows x stages mix, each row summing to 1 (0 when no known stage reaches it).

    Zhou et al.'s local and global consistency: F <- keep * S F + (1 - keep) * Y on the
    symmetrically normalised neighbour graph S, with Y the known stages.
    """
    # Small chunks: a set of near-identical texts makes every chunk of the search nearly dense.
    graph = neighbour_graph(X, settings.neighbours, chunk=500)
    graph = graph - sp.identity(X.shape[0], dtype=X.dtype, format="csr")
    # The normalisation below would blow a text's few faint links up to full weight.
    weights = graph.data.astype(np.float64)
    graph.data = np.where(weights >= settings.min_similarity, weights, 0) ** settings.sharpness
    graph.eliminate_zeros()
    graph = (graph + graph.T) / 2
    degree = np.asarray(graph.sum(axis=1)).ravel()
    scale = sp.diags(1 / np.sqrt(np.where(degree > 0, degree, 1)))
    S = (scale @ graph @ scale).tocsr()
    known = np.flatnonzero(seeds >= 0)
    Y = np.zeros((X.shape[0], n_stages))
    Y[known, seeds[known]] = 1
    F = Y.copy()
    for _ in range(settings.steps):
        F = settings.keep * (S @ F) + (1 - settings.keep) * Y
    return normalize(F, norm="l1")


def _classifier_mix(
    texts: Sequence[str],
    fit: np.ndarray,
    train: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    n_stages: int,
    seed: int,
) -> np.ndarray:
    """Logistic regression's stage probabilities for every row, trained on the given rows.

    It reads plain lower-cased words, small words included: "how do I" and "where is my" tell
    stages apart although themes rightly ignore them.
    """
    X = TfidfVectorizer(sublinear_tf=True, dtype=np.float32).fit([texts[i] for i in fit]).transform(texts)
    if len(np.unique(labels[train])) < 2:
        mix = np.zeros((X.shape[0], n_stages))
        mix[:, labels[train][0]] = 1
        return mix
    model = LogisticRegression(C=10, max_iter=1000, random_state=seed)
    model.fit(X[train], labels[train], sample_weight=weights)
    mix = np.zeros((X.shape[0], n_stages))
    mix[:, model.classes_] = model.predict_proba(X)
    return mix


def suggest(
    texts: Sequence[str], known: Sequence[int], settings: StageSettings = StageSettings()
) -> Suggestions:
    """A stage index and confidence for every text; known[i] is text i's stage index or UNKNOWN.

    Texts with a known stage get it back with confidence 1. With no known stage nothing is suggested.
    """
    n = len(texts)
    known = np.asarray(known, dtype=np.int64)
    staged = known >= 0
    if not staged.any():
        return Suggestions(np.full(n, UNKNOWN), np.zeros(n))
    n_stages = int(known.max()) + 1
    # The graph holds the staged texts and a fixed sample of the others (the graph costs n^2); when
    # people staged more than the graph holds, a fixed sample of them fills half of it.
    teachers = np.flatnonzero(staged)
    rows = np.arange(n)
    if n > settings.graph_sample:
        if len(teachers) > settings.graph_sample:
            teachers = np.sort(
                np.random.default_rng(settings.seed + 1).choice(
                    teachers, settings.graph_sample // 2, replace=False
                )
            )
        others = np.flatnonzero(~staged)
        picked = np.random.default_rng(settings.seed).choice(
            others, min(max(settings.graph_sample - len(teachers), 0), len(others)), replace=False
        )
        rows = np.sort(np.concatenate([teachers, picked]))
    spread = np.zeros((n, n_stages))
    spread[rows] = propagate(_vectors(texts, rows), known[rows], n_stages, settings)
    guess = np.where(staged, known, spread.argmax(axis=1))
    sure = spread.max(axis=1)
    in_graph = np.zeros(n, dtype=bool)
    in_graph[rows] = True
    candidates = np.flatnonzero(in_graph & ~staged & (sure > 0))
    surest = np.argsort(-sure[candidates], kind="stable")
    trusted = candidates[surest[: int(settings.trust_share * len(candidates))]]
    train = np.concatenate([teachers, trusted])
    weights = np.concatenate([np.ones(len(teachers)), np.full(len(trusted), settings.trust_weight)])
    classifier = _classifier_mix(texts, rows, train, guess, weights, n_stages, settings.seed)
    # Texts outside the graph have only the classifier's opinion.
    mix = np.where(in_graph[:, None], (spread + classifier) / 2, classifier)
    stages = mix.argmax(axis=1)
    blind = 1 / n_stages
    confidence = np.clip((mix.max(axis=1) - blind) / (1 - blind), 0, 1) if n_stages > 1 else mix.max(axis=1)
    stages[staged], confidence[staged] = known[staged], 1.0
    return Suggestions(stages, confidence)
