"""Clusters -> human-readable names: phrases the customers wrote, distinctive terms, shown unstemmed."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from voc.themes import languages
from voc.themes.preprocess import NEGATIONS, STOP_WORDS, plain, stem, unspaced, unspaced_words

# A name (or each part of a fallback name) is written, word for word, in at least this share of its
# theme's items: a name most members do not contain describes the few that do.
MIN_SHARE = 0.2
MAX_PHRASE_WORDS = 6
# Each extra word multiplies a phrase's mark by this: a longer phrase wins when it keeps at least
# 90% of a shorter one's mark, "direct debit went up" over "direct debit" when most wrote it whole.
LENGTH_BONUS = 1.1
# Particles complete a phrase ("top up", "logs me out", "call back") but name nothing; "in" only
# after the verbs it completes ("can't log in"), elsewhere it dangles ("visit in").
PARTICLES = frozenset({"up", "out", "off", "down", "back", "away"})
_TAKES_IN = frozenset(
    {"log", "logged", "logging", "sign", "signed", "signing", "check", "checked", "plug", "plugged"}
)
# Words that join clauses: a name is one thought, so a phrase never runs across them.
_CLAUSE_WORDS = frozenset(
    {
        "and",
        "but",
        "or",
        "so",
        "because",
        "when",
        "while",
        "if",
        "then",
        "although",
        "though",
        "since",
        "unless",
        "until",
        "whereas",
        "which",
        "who",
        "where",
        "that",
        "yet",
    }
)
# Prepositions that may open a phrase right before a content word: "on hold for hours", "at checkout".
_LEADING_PREPOSITIONS = frozenset({"on", "at", "in", "without", "after", "during", "over"})
# Punctuation and line ends (plain() leaves one where it blanked noise): no phrase runs across them.
# A hyphen inside a word is not one: "sign-up form" is the phrase "sign up form", as people say it.
_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_BREAK = re.compile(r"[^\w\s']|[_\n]|'(?!\w)|(?<!\w)'")
_WORD = re.compile(r"\d+(?:st|nd|rd|th)\b|[^\W_]+(?:'[^\W\d_]+)?")


def _negative(word: str) -> bool:
    """ "not", "never", "can't", "didn't": may sit in a name, never carry it."""
    return word in NEGATIONS or word == "cannot" or word.endswith("n't") or word in languages.ALL_NEGATIONS


def _content(word: str) -> bool:
    """A word that can carry a name: not a function word, filler, negation or particle."""
    return not (word in STOP_WORDS or word in PARTICLES or _negative(word) or word.isdigit())


def _can_lead(word: str) -> bool:
    return _content(word) or _negative(word) or word in _LEADING_PREPOSITIONS


def _can_end(previous: str, word: str) -> bool:
    return _content(word) or word in PARTICLES or (word == "in" and previous in _TAKES_IN)


def phrases(text: str, banned: frozenset[str] = frozenset()) -> set[str]:
    """Every candidate name in one text: single content words, and runs of 2-6 words as written that
    start and end on words that can and hold a word that names something, with no word twice."""
    found: set[str] = set()
    for run in _BREAK.split(_HYPHEN.sub(" ", plain(text))):
        tokens = _WORD.findall(run)
        if unspaced(run):
            # Chinese and Japanese pieces are guesses at words: each may name, no run of them.
            pieces = (w for t in tokens for w in unspaced_words(t))
            found.update(w for w in pieces if w not in banned and _content(w))
            continue
        for i, first in enumerate(tokens):
            if first in banned or not _can_lead(first):
                continue
            if first in _LEADING_PREPOSITIONS and not (i + 1 < len(tokens) and _content(tokens[i + 1])):
                continue
            if _content(first):
                found.add(first)
            seen, has_content = {first}, _content(first)
            for j in range(i + 1, min(i + MAX_PHRASE_WORDS, len(tokens))):
                word = tokens[j]
                if word in seen or word in banned or word in _CLAUSE_WORDS:
                    break
                seen.add(word)
                has_content = has_content or _content(word)
                if has_content and _can_end(tokens[j - 1], word):
                    found.add(" ".join(tokens[i : j + 1]))
    return found


@dataclass(frozen=True)
class Phrases:
    """Which candidate names each text holds: read once per run, named from at every level."""

    present: sp.csr_matrix  # texts x phrases, 1 where the text holds the phrase
    terms: np.ndarray  # the phrases, indexed like present's columns


def phrase_matrix(
    texts: Sequence[str],
    banned: frozenset[str] = frozenset(),
    text_languages: Sequence[str | None] | None = None,
) -> Phrases:
    """The candidate names of every text (see `phrases`), as a texts x phrases matrix.

    With text_languages, each text's own language's stop words never start, end or sit in a name,
    so a German theme is not named "die, ich".
    """
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, text in enumerate(texts):
        own = banned | languages.stop_words(text_languages[row]) if text_languages is not None else banned
        for phrase in phrases(text, own):
            cols.append(vocabulary.setdefault(phrase, len(vocabulary)))
            rows.append(row)
    present = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(vocabulary)))
    return Phrases(present, np.array(list(vocabulary), dtype=object))


def phrase_names(found: Phrases, labels: np.ndarray, weights: np.ndarray, k: int) -> list[str]:
    """A name for each theme 0..k-1 from its members' own words (labels -1: members of none).

    The name is the phrase of two to six words that is both common in the theme (in at least
    MIN_SHARE of its items) and rare elsewhere: its share of the theme times the share of its
    uses that fall in the theme, with a bonus per word. With no such phrase, the two strongest
    single words, the second only when it is common in the theme too.
    """
    if len(found.terms) == 0:
        return ["(no words)"] * k
    present, terms = found.present, found.terms
    member = labels >= 0
    indicator = sp.csr_matrix(
        (weights[member], (labels[member], np.flatnonzero(member))), shape=(k, present.shape[0])
    )
    in_theme = np.asarray((indicator @ present).todense())
    everywhere = np.asarray(weights @ present).ravel()
    sizes = np.bincount(labels[member], weights=weights[member], minlength=k)
    lengths = np.array([t.count(" ") + 1 for t in terms])
    names = []
    for t in range(k):
        if sizes[t] == 0:
            names.append("(no words)")
            continue
        counts = in_theme[t]
        coverage = counts / sizes[t]
        score = coverage * counts / np.maximum(everywhere, 1e-12)
        common = (coverage >= MIN_SHARE) & (counts >= min(2.0, sizes[t]))
        multi = common & (lengths > 1)
        if multi.any():
            names.append(str(terms[np.flatnonzero(multi)[np.argmax((score * LENGTH_BONUS**lengths)[multi])]]))
            continue
        words = np.flatnonzero(lengths == 1)
        ranked = words[np.lexsort((-score[words], ~common[words]))]
        chosen: list[int] = []
        for j in ranked:
            if stem(terms[j]) not in {stem(terms[c]) for c in chosen}:
                chosen.append(j)
            # The second word only when it is common too: "wifi" says more than "wifi, seat".
            if len(chosen) == 2 or not common[chosen[0]]:
                break
        if len(chosen) == 2 and not common[chosen[1]]:
            chosen.pop()
        names.append(", ".join(terms[chosen]) if chosen else "(no words)")
    return names


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
    """The theme's top terms with their weights, unstemmed, strongest first; a term of particles and
    negations alone ("up", "not") is left out, as it names nothing."""
    shown = []
    for i in np.argsort(-weights, kind="stable"):
        if weights[i] <= 0 or len(shown) == top:
            break
        term = surface(terms[i], surfaces)
        if any(_content(word) for word in term.split()):
            shown.append((term, round(float(weights[i]), 4)))
    return tuple(shown)


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
