"""Texts -> themes: the settings, the result, the fitted model and `discover`, which ties them up."""

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from voc.themes import duplicates, semantic
from voc.themes import labels as naming
from voc.themes.cluster import (
    centroids,
    cluster,
    leave_one_out,
    mutual_weighted,
    neighbour_graph,
    silhouette,
    similarities,
    split_catch_alls,
)
from voc.themes.grams import CharGrams, WordGrams
from voc.themes.hierarchy import Parent, parents
from voc.themes.languages import DEFAULT_LANGUAGE
from voc.themes.preprocess import Tokenizer, documents_and_surfaces, language_of

UNTHEMED = -1
# Vectorising and scoring in chunks keeps peak memory flat for a million items.
CHUNK = 50_000
# Automatic k settles for fewer themes when their silhouette is this close (10%) to the best:
# past the natural number of topics silhouette wanders and creeps up as themes split hairs
# (5% let StackOverflow's 20 tags become 22 themes with one seed and 161 or 200 with others).
NEAR_BEST = 0.10
# Passes of splitting catch-alls again once every item is placed: one settled the benchmark sets,
# a topic split in halves that draw unevenly needs a second.
RESPLIT_ROUNDS = 3


@dataclass(frozen=True)
class ThemeSettings:
    """How to discover themes; the defaults suit customer feedback of any kind."""

    k: int | None = None  # None: chosen by silhouette, see docs/themes.md
    seed: int = 0
    extra_stop_words: tuple[str, ...] = ()  # e.g. the company's and product's own names
    min_similarity: float = 0.05  # below this cosine to every theme an item stays unthemed
    max_themes: int = 200
    min_theme_size: int = 15  # automatic k keeps the average theme at least this big
    svd_dims: int = 100
    char_weight: float = 0.7  # character n-grams catch typos and word variants
    fit_sample: int = 10_000  # distinct texts the themes are fitted on; the rest are assigned
    neighbours: int = 12  # each text is clustered as the mean of itself and this many nearest texts
    smoothing_rounds: int = 3  # repeats of that averaging: neighbours of neighbours count too
    idf_power: float = 1.5  # above 1 rare, telling words outweigh common ones even more
    # Groups of text indices (a theme the team edited each): with automatic k, the theme holding
    # most of a group is never merged with a near-duplicate.
    keep_apart: tuple[tuple[int, ...], ...] = ()
    language: str = DEFAULT_LANGUAGE  # the team's main language: short, unsure texts are read in it
    # The semantic lens (semantic.py): texts -> unit-length sentence vectors, for the neighbour graph.
    embed: Callable[[list[str]], np.ndarray] | None = None


@dataclass(frozen=True)
class Theme:
    """One discovered theme; its position in ThemeResult.themes is its number in assignments."""

    label: str
    keywords: tuple[tuple[str, float], ...]
    representatives: tuple[int, ...]  # indices of the texts closest to its centre
    size: int
    language: str | None = None  # the language most of its items are in


@dataclass
class ThemeModel:
    """The fitted vectorisers and theme centres, picklable, to place new texts without re-running."""

    tokenizer: Tokenizer
    # Models pickled before grams.py hold TfidfVectorizers here, which place texts the same way.
    word_vectorizer: WordGrams
    char_vectorizer: CharGrams
    char_weight: float
    min_similarity: float
    centres: sp.csc_matrix
    theme_terms: np.ndarray
    surfaces: dict[str, str]
    terms: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        """Keep the vocabulary as an array, indexed like the columns of theme_terms."""
        self.terms = self.word_vectorizer.get_feature_names_out()

    def vectors(self, docs: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Word TF-IDF (for naming) and the unit-length word+character vectors (for placing)."""
        words = self.word_vectorizer.transform(docs)
        chars = self.char_vectorizer.transform(docs)
        return words, _combined(words, chars, self.char_weight)

    def nearest(self, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Theme number (or UNTHEMED) and similarity of each row of placing vectors."""
        sims = similarities(X, self.centres)
        best = sims.argmax(axis=1)
        score = sims[np.arange(X.shape[0]), best]
        return np.where(score >= self.min_similarity, best, UNTHEMED), score

    def place(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[tuple[str, ...]]]:
        """Theme number (or UNTHEMED), similarity and explaining terms for stemmed documents."""
        words, X = self.vectors(docs)
        themes, score = self.nearest(X)
        why = naming.explanations(words, themes, self.theme_terms, self.terms, self.surfaces)
        return themes, score, why


@dataclass(frozen=True)
class ThemeResult:
    """Themes for a list of texts; assignments and explanations are indexed like the texts."""

    assignments: list[int]
    themes: list[Theme]
    explanations: list[tuple[str, ...]]
    model: ThemeModel | None  # None only when no text had any meaningful word
    quality: dict
    parents: list[Parent] = field(default_factory=list)  # related themes grouped, see hierarchy.py
    similar: list[tuple[int, int, float]] = field(default_factory=list)  # near-duplicate theme pairs


def _vectorizers(n: int) -> tuple[WordGrams, CharGrams]:
    """Word 1-2-gram and character 3-5-gram TF-IDF; tiny sets keep rare and common terms."""
    min_df, max_df = (2, 0.5) if n >= 100 else (1, 1.0)
    return WordGrams(min_df, max_df), CharGrams((3, 5), min_df, max_df)


def _sharpened(vectorizer: WordGrams | CharGrams, power: float) -> WordGrams | CharGrams:
    """The fitted vectorizer with its idf weights raised to power, used from then on when placing."""
    vectorizer.idf_ = vectorizer.idf_**power
    return vectorizer


def _unsharpened(tfidf: sp.csr_matrix, vectorizer: WordGrams | CharGrams, power: float) -> sp.csr_matrix:
    """The same rows weighted by plain idf again (rows are unit length, so rescaling columns is exact)."""
    return normalize(tfidf @ sp.diags(vectorizer.idf_ ** ((1 - power) / power)))


def _combined(words: sp.csr_matrix, chars: sp.csr_matrix, char_weight: float) -> sp.csr_matrix:
    """Word and weighted character TF-IDF side by side, each row unit length."""
    return normalize(sp.hstack([words, char_weight * chars], format="csr"))


def _reduce(X: sp.csr_matrix, dims: int, seed: int) -> np.ndarray:
    """Unit-length dense vectors with at most dims dimensions, for k-means to work in."""
    dims = min(dims, X.shape[1] - 1, X.shape[0] - 1)
    if dims < 2:
        return normalize(X.toarray().astype(np.float64))
    # float64: scikit-learn's k-means++ upcasts float32 in small chunks, several times slower.
    return normalize(TruncatedSVD(dims, random_state=seed).fit_transform(X).astype(np.float64))


def choose_k(X: sp.csr_matrix, Z: np.ndarray, max_k: int, seed: int, sample: int = 5000) -> int:
    """The fewest themes whose silhouette is within NEAR_BEST of the best on its first plateau.

    Candidates are clustered on Z (the smoothed reduced vectors) but scored on X, the full TF-IDF
    with plain idf weights: smoothing and sharpened idf make every extra split look tidier, while
    plain X shows which cuts the texts really support.
    """
    if max_k <= 2:
        return max(1, min(max_k, len(Z)))
    if len(Z) > sample:
        rows = np.sort(np.random.default_rng(seed).choice(len(Z), sample, replace=False))
        X, Z = X[rows], Z[rows]

    def score(k: int) -> float:
        """Silhouette on X of a quick single-start k-means with k clusters on Z."""
        return silhouette(X, KMeans(k, n_init=1, random_state=seed).fit_predict(Z), seed)

    steps = int(np.log(max_k / 2) / np.log(1.25)) + 2
    return first_plateau(sorted({int(round(k)) for k in np.geomspace(2, max_k, num=steps)}), score)


def first_plateau(grid: Sequence[int], score: Callable[[int], float]) -> int:
    """The fewest candidates whose score is within NEAR_BEST of the best on the curve's first plateau.

    Candidates are scored in ascending order until two in a row fall more than NEAR_BEST below the
    best so far: past the natural number of topics silhouette dips, then creeps up again at large k
    as themes split hairs (StackOverflow's 20 tags: a first peak at 18-22, then 0.026 at 35 and
    0.037 at 200), and a rise that late is chance, not topics (161 themes with one seed). One low
    candidate alone does not end the plateau, so noise at small k does not either.
    """
    scores: dict[int, float] = {}
    below = 0
    for k in grid:
        scores[k] = score(k)
        best = max(scores.values())
        below = below + 1 if scores[k] < best - NEAR_BEST * abs(best) else 0
        if below == 2:
            break
    best = max(scores.values())
    return min(k for k in scores if scores[k] >= best - NEAR_BEST * abs(best))


def discover(
    texts: Sequence[str],
    settings: ThemeSettings = ThemeSettings(),
    text_languages: Sequence[str | None] | None = None,
) -> ThemeResult:
    """Group texts into themes, name them, and return a model that places new texts the same way.

    text_languages (a code, or None for a text with no letters) are detected when not given.
    """
    clock = {"start": time.perf_counter()}

    def lap(phase: str) -> None:
        """Record seconds since the previous phase ended."""
        now = time.perf_counter()
        clock[phase] = now - clock.get("last", clock["start"])
        clock["last"] = now

    tokenizer = Tokenizer.with_extra(settings.extra_stop_words)
    if text_languages is None:
        text_languages = [language_of(text, settings.language) for text in texts]
    docs, surfaces = documents_and_surfaces(texts, tokenizer, text_languages)
    # Identical documents are clustered once and weighted by how often they occur.
    first_index: dict[str, int] = {}
    for i, doc in enumerate(docs):
        if doc:
            first_index.setdefault(doc, i)
    unique = list(first_index)
    position = {doc: u for u, doc in enumerate(unique)}
    inverse = np.array([position.get(doc, -1) for doc in docs], dtype=np.int64)
    counts = np.bincount(inverse[inverse >= 0], minlength=len(unique)).astype(np.float64)
    lap("preprocess")
    reading = {"languages": _counts(text_languages), "no_words": sum(1 for doc in docs if not doc)}
    if not unique:
        return _empty(len(texts), clock, reading)

    rng = np.random.default_rng(settings.seed)
    fit = np.arange(len(unique))
    if len(unique) > settings.fit_sample:
        fit = np.sort(rng.choice(len(unique), settings.fit_sample, replace=False))
    fit_docs = [unique[u] for u in fit]
    word_vectorizer, char_vectorizer = _vectorizers(len(fit_docs))
    words = _sharpened(word_vectorizer.fit(fit_docs), settings.idf_power).transform(fit_docs)
    chars = _sharpened(char_vectorizer.fit(fit_docs), settings.idf_power).transform(fit_docs)
    X = _combined(words, chars, settings.char_weight)
    # k-means works on smoothed reduced vectors; refining and placing use the texts' own vectors.
    Z = _reduce(X, settings.svd_dims, settings.seed)
    if settings.embed is None:
        graph, lens = neighbour_graph(X, settings.neighbours), None
    else:
        fit_texts = [texts[first_index[unique[u]]] for u in fit]
        fit_languages = [text_languages[first_index[unique[u]]] for u in fit]
        lens = semantic.topic_vectors(settings.embed(fit_texts), fit_languages)
        graph = neighbour_graph(lens, settings.neighbours)
    smoothing = mutual_weighted(graph)
    for _ in range(settings.smoothing_rounds):
        Z = normalize(smoothing @ Z)
    lap("vectorise")

    max_k = min(settings.max_themes, max(2, len(unique) // settings.min_theme_size))
    if settings.k:
        k = settings.k
    else:
        judged = _combined(
            _unsharpened(words, word_vectorizer, settings.idf_power),
            _unsharpened(chars, char_vectorizer, settings.idf_power),
            settings.char_weight,
        )
        # With the lens each text is judged with its lens neighbours' words: TF-IDF shares no term
        # across languages, so a theme spanning two would look like a bad cut, and the sentence
        # vectors alone score all cuts alike (2 themes on CLINC150's 150 intents, docs/benchmarks.md).
        k = choose_k(judged if lens is None else normalize(graph @ judged), Z, max_k, settings.seed)
    k = max(1, min(k, len(fit_docs)))
    weights = counts[fit]
    labels = cluster(X, Z, k, weights, settings.seed) if k > 1 else np.zeros(len(fit), dtype=np.int64)
    model = ThemeModel(
        tokenizer,
        word_vectorizer,
        char_vectorizer,
        settings.char_weight,
        settings.min_similarity,
        centroids(X, labels, k, weights),
        np.zeros((k, 0)),
        surfaces,
    )
    lap("cluster")

    unique_theme = np.empty(len(unique), dtype=np.int64)
    unique_score = np.empty(len(unique))
    unique_words = []
    for start in range(0, len(unique), CHUNK):
        chunk_words, chunk_X = model.vectors(unique[start : start + CHUNK])
        unique_theme[start : start + CHUNK], unique_score[start : start + CHUNK] = model.nearest(chunk_X)
        unique_words.append(chunk_words)
    # Items outside the fitted sample (often noisy copies of a few topics) can grow a theme past
    # the catch-all limit again: split again on the sample, each member standing for its share of
    # the items its theme drew, and re-place the items of the themes that changed. Halves of one
    # topic may draw unevenly, hence a few rounds.
    for _ in range(RESPLIT_ROUNDS):
        themed = unique_theme >= 0
        drawn = np.bincount(unique_theme[themed], weights=counts[themed], minlength=k)
        fitted = np.bincount(labels, weights=weights, minlength=k)
        resplit = split_catch_alls(X, Z, labels, k, weights * drawn[labels] / fitted[labels], settings.seed)
        changed = np.unique(np.concatenate([labels[resplit != labels], resplit[resplit != labels]]))
        if len(changed) == 0:
            break
        labels = resplit
        model.centres = centroids(X, labels, k, weights)
        moved = np.flatnonzero(np.isin(unique_theme, changed))
        _, moved_X = model.vectors([unique[u] for u in moved])
        unique_theme[moved], unique_score[moved] = model.nearest(moved_X)
    merged = 0
    if settings.k is None:
        # One topic cut in two along its phrasings becomes one theme again (see duplicates.py).
        kept = duplicates.held(
            settings.keep_apart, np.where(inverse >= 0, unique_theme[np.maximum(inverse, 0)], UNTHEMED)
        )
        pairs = duplicates.similar_pairs(
            model.centres, naming.class_tfidf(words, labels, k, weights), graph, labels, weights
        )
        numbers = duplicates.merged_numbers(pairs, np.bincount(labels, weights=weights, minlength=k), kept)
        merged, k = k - int(numbers.max()) - 1, int(numbers.max()) + 1
        labels, unique_theme = numbers[labels], np.append(numbers, UNTHEMED)[unique_theme]
        model.centres = centroids(X, labels, k, weights)
    sims = similarities(X, model.centres)
    fit_labels = np.where(sims.max(axis=1) >= settings.min_similarity, sims.argmax(axis=1), UNTHEMED)
    model.theme_terms = naming.class_tfidf(words, fit_labels, k, weights)
    alone = fit[leave_one_out(X, unique_theme[fit], k, weights) < settings.min_similarity]
    unique_theme[alone] = UNTHEMED
    unique_why = naming.explanations(
        sp.vstack(unique_words, format="csr"), unique_theme, model.theme_terms, model.terms, surfaces
    )
    lap("assign")

    # Renumber themes largest first and drop any left empty.
    item_theme = np.where(inverse >= 0, unique_theme[np.maximum(inverse, 0)], UNTHEMED)
    sizes = np.bincount(item_theme[item_theme >= 0], minlength=k)
    order = [t for t in np.argsort(-sizes, kind="stable") if sizes[t] > 0]
    # One slot past the last theme, so renumber[UNTHEMED] (index -1) stays UNTHEMED.
    renumber = np.full(k + 1, UNTHEMED)
    renumber[order] = np.arange(len(order))
    model.centres = model.centres[order]
    model.theme_terms = model.theme_terms[order]
    unique_theme = renumber[unique_theme]
    item_theme = renumber[item_theme]

    themes = []
    first = np.array([first_index[doc] for doc in unique])
    spoken = _main_languages(item_theme, text_languages, len(order))
    fit_languages = [text_languages[i] for i in first[fit]]
    # Read once: themes and their parents are named from the same candidate phrases.
    found = naming.phrase_matrix([texts[i] for i in first[fit]], tokenizer.extra_words, fit_languages)
    names = naming.phrase_names(found, unique_theme[fit], weights, len(order))
    for t in range(len(order)):
        members = np.flatnonzero(unique_theme == t)
        closest = members[np.argsort(-unique_score[members], kind="stable")[:3]]
        words_weights = naming.keywords(model.theme_terms[t], model.terms, surfaces)
        representatives = tuple(int(i) for i in first[closest])
        themes.append(Theme(names[t], words_weights, representatives, int(sizes[order[t]]), spoken[t]))
    explanations = [unique_why[u] if u >= 0 else () for u in inverse]
    groups = parents(
        model.centres,
        sizes[order],
        found,
        unique_theme[fit],
        weights,
        words,
        model.terms,
        surfaces,
    )
    lap("label")

    similar = duplicates.similar_pairs(model.centres, model.theme_terms, graph, renumber[fit_labels], weights)
    n = len(texts)
    quality = {
        "n_themes": len(themes),
        "k_requested": settings.k,
        "largest_share": themes[0].size / n if themes else 0.0,
        "unthemed_share": float(np.mean(item_theme == UNTHEMED)),
        "silhouette": silhouette(Z, renumber[fit_labels], settings.seed),
        "n_parents": len(groups),
        "duplicates_merged": merged,
        "seconds": _seconds(clock),
        **reading,
    }
    return ThemeResult(
        item_theme.tolist(), themes, explanations, model, quality, parents=groups, similar=similar
    )


def _seconds(clock: dict[str, float]) -> dict[str, float]:
    """Per-phase timings plus the total, rounded for reports."""
    phases = {p: round(s, 3) for p, s in clock.items() if p not in ("start", "last")}
    phases["total"] = round(time.perf_counter() - clock["start"], 3)
    return phases


def _main_languages(item_theme: np.ndarray, text_languages: Sequence[str | None], k: int) -> list[str | None]:
    """The language most items of each theme are in."""
    codes, language = np.unique([code or "" for code in text_languages], return_inverse=True)
    themed = item_theme >= 0
    per_theme = np.bincount(
        item_theme[themed] * len(codes) + language[themed], minlength=k * len(codes)
    ).reshape(k, len(codes))
    return [str(codes[i]) or None for i in per_theme.argmax(axis=1)]


def _counts(text_languages: Sequence[str | None]) -> dict[str, int]:
    """Texts per language, most first; "" counts the texts with no letters to read."""
    return dict(Counter(language or "" for language in text_languages).most_common())


def _empty(n: int, clock: dict[str, float], reading: dict) -> ThemeResult:
    """The result when no text has a meaningful word: everything unthemed, no model."""
    quality = {
        "n_themes": 0,
        "k_requested": None,
        "largest_share": 0.0,
        "unthemed_share": 1.0 if n else 0.0,
        "silhouette": 0.0,
        "n_parents": 0,
        "duplicates_merged": 0,
        "seconds": _seconds(clock),
        **reading,
    }
    return ThemeResult([UNTHEMED] * n, [], [()] * n, None, quality)
