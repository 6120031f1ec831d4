"""Feedback text -> stemmed tokens, offline: no NLTK data, sklearn stop words, negations kept."""
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

# "app not working" and "app working" are opposite complaints, so negations stay in.
NEGATIONS = frozenset({"not", "no", "never", "nor", "none", "nothing", "nobody", "neither"})
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) - NEGATIONS

# Order matters: URLs and e-mail addresses before @handles, ticket ids before bare numbers.
_NOISE = re.compile(
    r"""
    (?:https?://|www\.)\S+                  # URLs
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+          # e-mail addresses
    | (?<!\w)@\w+                           # @handles
    | (?<!\w)\#\d+                          # ticket ids like #12345
    | \b[a-z]{2,10}-\d+\b                   # ticket ids like INC-123, JIRA-42
    | \b\d[\d.,:/-]*\b                      # numbers, dates, times, amounts
    """,
    re.VERBOSE,
)
_CONTRACTIONS = (
    (re.compile(r"\bcan[’']?t\b|\bcannot\b"), "can not"),
    (re.compile(r"\bwon[’']?t\b"), "will not"),
    (re.compile(r"\b(\w+)n[’']t\b"), r"\1 not"),
    # Apostrophe-less forms people type on phones.
    (re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should)nt\b"), r"\1 not"),
)
_TOKEN = re.compile(r"[a-z][a-z0-9]+")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of one word, cached because feedback repeats a small vocabulary."""
    return _stemmer().stem(word)


@lru_cache(maxsize=1)
def _stemmer() -> SnowballStemmer:
    """The English Snowball stemmer, built on first use (it needs no downloaded data)."""
    return SnowballStemmer("english", ignore_stopwords=False)


def clean(text: str) -> str:
    """Lower-case text with URLs, e-mails, @handles, ticket ids and numbers removed."""
    text = _NOISE.sub(" ", text.lower())
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def words(text: str, stop_words: frozenset[str] = STOP_WORDS) -> list[str]:
    """Surface words of text that carry meaning, in order."""
    return [w for w in _TOKEN.findall(clean(text)) if w not in stop_words]


@dataclass(frozen=True)
class Tokenizer:
    """Turns texts into space-joined stems; extra stop words (e.g. the company's name) are dropped."""

    stop_words: frozenset[str] = STOP_WORDS

    @classmethod
    def with_extra(cls, extra_stop_words: Iterable[str] = ()) -> "Tokenizer":
        """A tokenizer that also drops the given words, compared lower-cased."""
        extra = {w.lower() for phrase in extra_stop_words for w in _TOKEN.findall(phrase.lower())}
        return cls(STOP_WORDS | extra)

    def stems(self, text: str) -> list[str]:
        """Stems of the meaningful words of one text."""
        return [stem(w) for w in words(text, self.stop_words)]

    def document(self, text: str) -> str:
        """One text as space-joined stems, the form the vectorisers read."""
        return " ".join(self.stems(text))


def documents_and_surfaces(
    texts: Sequence[str], tokenizer: Tokenizer
) -> tuple[list[str], dict[str, str]]:
    """Stemmed documents, plus stem -> its most frequent surface word so labels read naturally."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    docs = []
    for text in texts:
        surface = words(text, tokenizer.stop_words)
        stems = [stem(w) for w in surface]
        for s, w in zip(stems, surface, strict=True):
            seen[s][w] += 1
        docs.append(" ".join(stems))
    # Ties go to the shorter word ("refund" over "refunds").
    surfaces = {s: min(c.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0] for s, c in seen.items()}
    return docs, surfaces
