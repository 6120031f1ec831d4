"""Documents -> word 1-2-gram and inside-word character n-gram TF-IDF, counted with arrays, not per token.

Both give the same vectors as scikit-learn's TfidfVectorizer (sublinear tf, smoothed idf, unit rows,
alphabetical columns). Its Python loop over every n-gram of every text cost most of the time of
long texts; here each distinct word and word pair is looked at once and the rest is array work.
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


class _Grams(ABC):
    """Fitting and weighting shared by both kinds; `_counts` says what is counted."""

    def __init__(self, min_df: int, max_df: float, dtype: type = np.float32) -> None:
        """min_df a number of documents, max_df a share of them, as in TfidfVectorizer."""
        self.min_df = min_df
        self.max_df = max_df
        self.dtype = dtype
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0, dtype=dtype)  # of each term, indexed like the columns

    def fit(self, docs: Sequence[str]) -> "_Grams":
        """Learn the terms in at least min_df and at most max_df of the documents, and their idf."""
        vocabulary: dict[str, int] = {}
        counts = self._counts(docs, vocabulary, grow=True)
        df = np.bincount(counts.indices, minlength=len(vocabulary))
        keep = (df >= self.min_df) & (df <= self.max_df * len(docs))
        kept = sorted(g for g, j in vocabulary.items() if keep[j])
        self.vocabulary_ = {g: j for j, g in enumerate(kept)}
        # Smoothed idf, computed in the vectors' dtype as TfidfTransformer does.
        kept_df = df[[vocabulary[g] for g in kept]].astype(self.dtype) + self.dtype(1)
        self.idf_ = np.log(np.full_like(kept_df, len(docs) + 1) / kept_df) + self.dtype(1)
        return self

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Unit-length sublinear TF-IDF rows over the learnt terms; unknown terms are ignored."""
        tfidf = self._counts(docs, self.vocabulary_, grow=False)
        tfidf.data = (np.log(tfidf.data) + 1) * self.idf_[tfidf.indices]
        return normalize(tfidf, copy=False)

    def get_feature_names_out(self) -> np.ndarray:
        """The terms in column order."""
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.__getitem__), dtype=object)

    @abstractmethod
    def _counts(self, docs: Sequence[str], vocabulary: dict[str, int], grow: bool) -> sp.csr_matrix:
        """Documents x terms counts; new terms join vocabulary when grow, else are left out."""


class WordGrams(_Grams):
    """TfidfVectorizer(token_pattern=r"\\S+", lowercase=False, ngram_range=(1, 2), sublinear_tf=True)."""

    def _counts(self, docs: Sequence[str], vocabulary: dict[str, int], grow: bool) -> sp.csr_matrix:
        """Each document's words and pairs of adjacent words, counted."""
        words, ids, indptr = _word_ids(docs)
        rows = np.repeat(np.arange(len(docs)), np.diff(indptr))
        # Pairs start at every word but a document's last.
        starts = np.ones(len(ids), dtype=bool)
        starts[indptr[1:][np.diff(indptr) > 0] - 1] = False
        first = np.flatnonzero(starts)
        pairs, pair_of = np.unique(ids[first] * len(words) + ids[first + 1], return_inverse=True)
        terms = chain(words, (f"{words[p // len(words)]} {words[p % len(words)]}" for p in pairs))
        term_ids = np.fromiter(
            (_term_id(t, vocabulary, grow) for t in terms), dtype=np.int64, count=len(words) + len(pairs)
        )
        columns = np.concatenate([term_ids[ids], term_ids[len(words) + pair_of.ravel()]])
        rows = np.concatenate([rows, rows[first]])
        known = columns >= 0
        return _matrix(rows[known], columns[known], (len(docs), len(vocabulary)), self.dtype)


class CharGrams(_Grams):
    """TfidfVectorizer(analyzer="char_wb", lowercase=False, sublinear_tf=True) with ngram_range.

    Inside-word n-grams depend only on the word, so a document's counts are its word counts times
    each distinct word's n-gram counts.
    """

    def __init__(
        self, ngram_range: tuple[int, int], min_df: int, max_df: float, dtype: type = np.float32
    ) -> None:
        """The n-gram lengths, then the settings of _Grams."""
        super().__init__(min_df, max_df, dtype)
        self.ngram_range = ngram_range

    def _counts(self, docs: Sequence[str], vocabulary: dict[str, int], grow: bool) -> sp.csr_matrix:
        """Documents x distinct words, times distinct words x n-grams."""
        words, ids, indptr = _word_ids(docs)
        per_doc = _matrix(
            np.repeat(np.arange(len(docs)), np.diff(indptr)), ids, (len(docs), len(words)), self.dtype
        )
        analyse = _analyser(self.ngram_range)
        gram_indices: list[int] = []
        gram_indptr = [0]
        for word in words:
            ids_of_word = (_term_id(g, vocabulary, grow) for g in analyse(word))
            gram_indices.extend(j for j in ids_of_word if j >= 0)
            gram_indptr.append(len(gram_indices))
        per_word = sp.csr_matrix(
            (np.ones(len(gram_indices), dtype=self.dtype), gram_indices, gram_indptr),
            shape=(len(words), len(vocabulary)),
        )
        per_word.sum_duplicates()
        counts = (per_doc @ per_word).tocsr()
        counts.sort_indices()
        return counts


def _word_ids(docs: Sequence[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Distinct words in order of first use, each token's word number, and where each document starts."""
    tokens_per_doc = [doc.split() for doc in docs]
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([len(tokens) for tokens in tokens_per_doc], out=indptr[1:])
    tokens = list(chain.from_iterable(tokens_per_doc))
    words = list(dict.fromkeys(tokens))
    number = dict(zip(words, range(len(words)), strict=True))
    return words, np.fromiter(map(number.__getitem__, tokens), dtype=np.int64, count=len(tokens)), indptr


def _term_id(term: str, vocabulary: dict[str, int], grow: bool) -> int:
    """The term's column, a new one when growing, -1 for an unknown term otherwise."""
    return vocabulary.setdefault(term, len(vocabulary)) if grow else vocabulary.get(term, -1)


def _matrix(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int], dtype: type) -> sp.csr_matrix:
    """Counts of (row, column) pairs as a sparse matrix with sorted columns."""
    counts = sp.csr_matrix((np.ones(len(rows), dtype=dtype), (rows, columns)), shape=shape)
    counts.sum_duplicates()
    counts.sort_indices()
    return counts


@lru_cache(maxsize=4)
def _analyser(ngram_range: tuple[int, int]) -> Callable[[str], list[str]]:
    """scikit-learn's own inside-word n-grams of one text, built once per range."""
    return TfidfVectorizer(analyzer="char_wb", lowercase=False, ngram_range=ngram_range).build_analyzer()
