"""Documents -> character n-gram TF-IDF inside words, counted once per distinct word, not per occurrence."""
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


class CharGrams:
    """The same vectors as TfidfVectorizer(analyzer="char_wb", lowercase=False, sublinear_tf=True).

    Inside-word n-grams depend only on the word, so a document's counts are its word counts times
    each distinct word's n-gram counts. Counting n-grams text by text in Python cost most of the
    time of long texts (60 words make ~900 n-grams); words repeat, so this does a fraction of it.
    """

    def __init__(
        self, ngram_range: tuple[int, int], min_df: int, max_df: float, dtype: type = np.float32
    ) -> None:
        """Settings as TfidfVectorizer's: min_df a number of documents, max_df a share of them."""
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.dtype = dtype
        self.vocabulary_: dict[str, int] = {}
        self.idf_ = np.zeros(0, dtype=dtype)  # of each n-gram, indexed like the columns

    def fit(self, docs: Sequence[str]) -> "CharGrams":
        """Learn the n-grams in at least min_df and at most max_df of the documents, and their idf."""
        vocabulary: dict[str, int] = {}
        counts = self._counts(docs, vocabulary, grow=True)
        df = np.bincount(counts.indices, minlength=len(vocabulary))
        keep = (df >= self.min_df) & (df <= self.max_df * len(docs))
        # Alphabetical columns, as TfidfVectorizer has them.
        kept = sorted(g for g, j in vocabulary.items() if keep[j])
        self.vocabulary_ = {g: j for j, g in enumerate(kept)}
        # Smoothed idf, computed in the vectors' dtype as TfidfTransformer does.
        kept_df = df[[vocabulary[g] for g in kept]].astype(self.dtype) + self.dtype(1)
        self.idf_ = np.log(np.full_like(kept_df, len(docs) + 1) / kept_df) + self.dtype(1)
        return self

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Unit-length sublinear TF-IDF rows over the learnt n-grams; unknown n-grams are ignored."""
        tfidf = self._counts(docs, self.vocabulary_, grow=False)
        tfidf.data = (np.log(tfidf.data) + 1) * self.idf_[tfidf.indices]
        return normalize(tfidf, copy=False)

    def _counts(self, docs: Sequence[str], vocabulary: dict[str, int], grow: bool) -> sp.csr_matrix:
        """Documents x n-grams counts: documents x distinct words times distinct words x n-grams."""
        words: dict[str, int] = {}
        indices: list[int] = []
        indptr = [0]
        for doc in docs:
            indices.extend(words.setdefault(w, len(words)) for w in doc.split())
            indptr.append(len(indices))
        per_doc = sp.csr_matrix(
            (np.ones(len(indices), dtype=self.dtype), indices, indptr), shape=(len(docs), len(words))
        )
        analyse = _analyser(self.ngram_range)
        gram_indices: list[int] = []
        gram_indptr = [0]
        for word in words:
            grams = analyse(word)
            if grow:
                gram_indices.extend(vocabulary.setdefault(g, len(vocabulary)) for g in grams)
            else:
                gram_indices.extend(vocabulary[g] for g in grams if g in vocabulary)
            gram_indptr.append(len(gram_indices))
        per_word = sp.csr_matrix(
            (np.ones(len(gram_indices), dtype=self.dtype), gram_indices, gram_indptr),
            shape=(len(words), len(vocabulary)),
        )
        per_doc.sum_duplicates()
        per_word.sum_duplicates()
        counts = (per_doc @ per_word).tocsr()
        counts.sort_indices()
        return counts


@lru_cache(maxsize=4)
def _analyser(ngram_range: tuple[int, int]) -> Callable[[str], list[str]]:
    """scikit-learn's own inside-word n-grams of one text, built once per range."""
    return TfidfVectorizer(analyzer="char_wb", lowercase=False, ngram_range=ngram_range).build_analyzer()
