"""Sentiment learned from the customers' own scores, blended with the lexicon.

A score is the customer's own verdict on their words. Once an installation holds enough scored
feedback, a linear model learns its words (product names, jargon, the way its customers
complain) from those verdicts; the lexicon's reading of each text is one of the model's
features, so a small training set leans on the lexicon and a large one on the words.

A few hundred scored items name only a fraction of the installation's words. So the model also
reads each text's place in a topic space (LSA) fitted on all the items, scored or not: a word no
scored item used still lands near words that one did, and the verdicts carry over to it.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

from voc.themes.sentiment import reading
from voc.vocabulary import SCORE_RANGES

LABELS = ("negative", "neutral", "positive")
# The customer's score read as a label; kinds: "nps" 0-10, "csat" 1-5, "stars" 1-5.
_CUTS = {"nps": (6, 8), "csat": (2, 3), "stars": (2, 3)}  # up to the first: negative; to the second: neutral
MIN_SCORED = 200  # scored items needed (of at least two labels) before a model is learned
MAX_LEARNED = 10_000  # the newest scored items learned from: the fit's time grows faster than its gain
LEXICON_WEIGHT = 3.0  # the lexicon features' scale: ×3 cuts their penalty ninefold, so few items lean on them
POLARITY = 0.05  # compound at or beyond ±0.05 reads positive or negative (VADER's own cut-off)
TOPIC_DIMS = 100  # dimensions of the topic space
TOPIC_SAMPLE = 20_000  # items, scored or not, the topic space is fitted on: its cost stays flat
TOPIC_VOCABULARY = 10_000  # commonest words and word pairs it is built from; keeps the model a few MB
TOPIC_WEIGHT = 3.0  # the topic features' scale, like LEXICON_WEIGHT: few scored items lean on them


def score_label(score: int, kind: str) -> str:
    """The customer's score as negative, neutral or positive (cut-offs in docs/themes.md)."""
    negative_up_to, neutral_up_to = _CUTS[kind]
    return "negative" if score <= negative_up_to else "neutral" if score <= neutral_up_to else "positive"


def score_sentiment(score: int, kind: str) -> float:
    """The customer's score as a compound sentiment, on the side of ±0.05 its label says."""
    low, high = SCORE_RANGES.get(kind, (1, 5))  # stars run 1-5 like CSAT
    negative_up_to, neutral_up_to = _CUTS[kind]
    label = score_label(score, kind)
    if label == "neutral":
        return 0.0
    if label == "negative":  # the lowest score -1, the highest detractor's -0.25
        return round(-1 + 0.75 * (score - low) / max(negative_up_to - low, 1), 4)
    return round(1 - 0.5 * (high - score) / max(high - neutral_up_to - 1, 1), 4)


def lexicon_features(texts: Sequence[str]) -> np.ndarray:
    """Per text: voc's compound and VADER's negative, neutral and positive shares."""
    return np.asarray([reading(text) for text in texts], dtype=float).reshape(len(texts), 4)


@dataclass
class TopicSpace:
    """LSA of the installation's texts: TF-IDF words and word pairs reduced to TOPIC_DIMS directions."""

    words: TfidfVectorizer
    svd: TruncatedSVD | None  # None when the texts hold too few distinct words for topics

    def place(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length topic coordinates per text."""
        if self.svd is None:
            return np.zeros((len(texts), 1))
        return normalize(self.svd.transform(self.words.transform(texts)))


def topic_space(texts: Sequence[str], seed: int = 0) -> TopicSpace:
    """Fit the topic space on (a sample of) the texts."""
    if len(texts) > TOPIC_SAMPLE:
        picked = np.random.default_rng(seed).choice(len(texts), TOPIC_SAMPLE, replace=False)
        texts = [texts[i] for i in sorted(picked)]
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=TOPIC_VOCABULARY)
    X = words.fit_transform(texts)
    if X.shape[1] < 2:
        return TopicSpace(words, None)
    # A space nearly as big as the vocabulary would merge no words: a handful of texts gets a few topics.
    dims = max(min(TOPIC_DIMS, X.shape[1] // 10, len(texts) - 1), 1)
    svd = TruncatedSVD(dims, random_state=seed).fit(X)
    svd.components_ = svd.components_.astype(np.float32)  # half the size kept, no loss that shows
    return TopicSpace(words, svd)


@dataclass
class LearnedSentiment:
    """A fitted model; picklable, kept with the theme run that learned it."""

    words: TfidfVectorizer
    classifier: LogisticRegression
    trained_on: int  # scored items it learned from
    # None in a model kept by a voc before topics, which still reads texts as it learned them.
    topics: TopicSpace | None = None
    # Character n-grams, only in a model kept by a voc before they were dropped (docs/themes.md).
    chars: TfidfVectorizer | None = None

    def probabilities(self, texts: Sequence[str], lexicon: np.ndarray | None = None) -> np.ndarray:
        """Per text, the chance of each label in LABELS order."""
        lexicon = lexicon_features(texts) if lexicon is None else lexicon
        found = self.classifier.predict_proba(self.features(texts, lexicon))
        full = np.zeros((len(texts), len(LABELS)))
        for column, label in enumerate(self.classifier.classes_):
            full[:, LABELS.index(label)] = found[:, column]
        return full

    def sentiments(self, texts: Sequence[str], lexicon: np.ndarray | None = None) -> list[float]:
        """Compound sentiment per text: the likeliest label picks the side of ±0.05, the odds the size."""
        return [_compound(row) for row in self.probabilities(texts, lexicon)]

    def features(self, texts: Sequence[str], lexicon: np.ndarray):
        """Words, topics and the lexicon's reading, side by side."""
        parts = [self.words.transform(texts)]
        if self.chars is not None:
            parts.append(self.chars.transform(texts))
        if self.topics is not None:
            parts.append(csr_matrix(self.topics.place(texts) * TOPIC_WEIGHT))
        return hstack([*parts, csr_matrix(lexicon * LEXICON_WEIGHT)]).tocsr()


def _compound(probabilities: np.ndarray) -> float:
    negative, neutral, positive = probabilities
    lean = float(positive - negative)
    if neutral >= max(negative, positive):
        return round(lean * (POLARITY - 0.001), 4)  # stays inside the neutral band
    return round(math.copysign(max(abs(lean), POLARITY), positive - negative), 4)


def learn(
    texts: Sequence[str], labels: Sequence[str], unscored: Sequence[str] = (), seed: int = 0
) -> LearnedSentiment | None:
    """Fit on scored texts and their labels, and the topics of those and the unscored texts.

    None below MIN_SCORED scored items or with a single label.
    """
    counts = Counter(labels)
    if len(texts) < MIN_SCORED or len(counts) < 2:
        return None
    # Among many items a word seen once is noise; among a few hundred it may be all there is.
    min_df = 1 if len(texts) < 1000 else 2
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, max_features=200_000)
    words.fit(texts)
    # One BLAS thread: on a busy server, threads fighting over the cores made the fit ten times slower.
    with threadpool_limits(1):
        topics = topic_space([*texts, *unscored], seed)
        # Newton-CG: the dense, scaled lexicon and topic columns beside sparse TF-IDF make the problem
        # ill-conditioned, so L-BFGS took ~300 iterations at 11,000 items; Newton-CG takes about ten.
        classifier = LogisticRegression(C=3.0, class_weight="balanced", solver="newton-cg")
        model = LearnedSentiment(words, classifier, len(texts), topics)
        model.classifier.fit(model.features(texts, lexicon_features(texts)), list(labels))
    return model
