"""Sentiment of customer feedback, -1..+1: VADER plus words and phrases of complaints it misses.

VADER scores words people use about films and friends; feedback complains with plain verbs
("never arrived", "charged twice", "crashes on login") that it reads as neutral. The additions
below were written for customer feedback in general before any measuring (docs/benchmarks.md).
"""

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

# Extra single words, on VADER's -4..+4 valence scale.
WORDS = {
    # things breaking
    "crash": -2.0,
    "crashes": -2.0,
    "crashed": -2.0,
    "crashing": -2.0,
    "freeze": -1.8,
    "freezes": -1.8,
    "froze": -1.8,
    "frozen": -1.5,
    "freezing": -1.5,
    "glitch": -1.5,
    "glitches": -1.5,
    "glitchy": -1.8,
    "buggy": -2.0,
    "bug": -1.3,
    "bugs": -1.3,
    "laggy": -1.8,
    "lag": -1.2,
    "outage": -2.0,
    "outages": -2.0,
    "downtime": -1.5,
    "unresponsive": -2.0,
    "timeout": -1.2,
    "timeouts": -1.2,
    "error": -1.3,
    "errors": -1.3,
    "faulty": -2.0,
    "defective": -2.2,
    "damaged": -2.0,
    "leaking": -1.5,
    "leaks": -1.3,
    "disconnects": -1.5,
    "disconnected": -1.3,
    "unusable": -2.5,
    # money and orders going wrong
    "overcharged": -2.5,
    "overcharge": -2.2,
    "overbilled": -2.5,
    "refused": -1.8,
    "declined": -1.3,
    "delayed": -1.5,
    "delay": -1.3,
    "delays": -1.3,
    "late": -1.0,
    "missing": -1.5,
    "lost": -1.5,
    "cancelled": -1.2,
    "canceled": -1.2,
    "stuck": -1.5,
    "unreachable": -1.8,
    "ignored": -1.8,
    "scammed": -3.0,
    "ripoff": -2.5,
    # things going right
    "resolved": 1.5,
    "fixed": 1.2,
    "sorted": 1.0,
    "promptly": 1.5,
    "prompt": 1.2,
    "seamless": 2.0,
    "smooth": 1.5,
    "smoothly": 1.5,
    "intuitive": 1.5,
    "painless": 1.5,
    "hassle-free": 2.0,
    "lifesaver": 2.5,
    "reliable": 1.5,
    "responsive": 1.2,
    "refunded": 1.0,
}

_EXPECTED = (
    r"(?:arrive[ds]?|receive[ds]?|deliver(?:ed|s)?|show(?:ed|s)? up|turn(?:ed)? up|c[oa]me|get|got|"
    r"work(?:ed|s|ing)?|respond(?:ed|s)?|repl(?:y|ied)|answer(?:ed)?|call(?:ed)? (?:me )?back|"
    r"refund(?:ed)?|load(?:ed|s|ing)?|open(?:ed|s)?|sync(?:ed|s)?|connect(?:ed|s)?|start(?:ed|s)?|"
    r"fix(?:ed)?|help(?:ed)?|credit(?:ed)?|process(?:ed)?|ship(?:ped)?|honou?r(?:ed)?)"
)
# Phrases and their valence; each match counts like one more lexicon word.
PHRASES = [
    # an expected event that did not happen: "never arrived", "did not receive", "won't load"
    (re.compile(rf"\b(?:never|not|no longer|yet to|still to)\s+(?:\w+\s+)?{_EXPECTED}\b"), -2.2),
    (re.compile(r"\bstill (?:waiting|no|nothing|not|haven't|hasn't|have not|has not|pending)\b"), -2.0),
    (re.compile(r"\b(?:waiting|waited|on hold)\b.{0,30}\b(?:days|weeks|months|hours|forever|ages)\b"), -1.8),
    (re.compile(r"\b(?:charged|billed|debited) (?:me )?(?:twice|double|two times|again)\b"), -2.5),
    (re.compile(r"\bdouble[- ]charged\b"), -2.5),
    (re.compile(r"\b(?:no one|nobody|no-one)\b"), -1.5),
    (re.compile(r"\bkeeps? (?:crashing|freezing|failing|dropping|logging me out|asking|charging)\b"), -2.0),
    (re.compile(r"\bwhere is my\b|\bwhere's my\b"), -1.5),
    (re.compile(r"\bwaste of (?:time|money)\b"), -2.5),
    (re.compile(r"\b(?:the )?(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time\b"), -1.0),
    (re.compile(r"\b(?:took|takes|taking) (?:\w+ )?(?:weeks|months|forever|ages)\b"), -1.5),
    (re.compile(r"\b(?:above and beyond|went the extra mile|on time|ahead of schedule|right away)\b"), 1.8),
    (re.compile(r"\b(?:thank you|thanks|thx)\b"), 1.0),
]
# "crashed again" is worse than "crashed": a repeated problem weighs more.
_AGAIN = re.compile(r"\bagain\b|\bevery (?:time|day|week)\b|\bconstantly\b|\balways\b")
_ALPHA = 15  # VADER's normalisation constant: compound = x / sqrt(x^2 + alpha)


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    """VADER with its shipped lexicon plus the feedback words, built on first use."""
    vader = SentimentIntensityAnalyzer()
    vader.lexicon.update(WORDS)
    return vader


@lru_cache(maxsize=1)
def plain_analyzer() -> SentimentIntensityAnalyzer:
    """VADER exactly as shipped, the baseline the benchmark compares with."""
    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """Compound sentiment of one piece of feedback, from -1 (angry) to +1 (delighted)."""
    return reading(text)[0]


def reading(text: str) -> tuple[float, float, float, float]:
    """voc's compound sentiment and VADER's negative, neutral and positive shares, from one VADER pass
    (the learned model reads all four for every unscored item at each run)."""
    parts = analyzer().polarity_scores(text)
    return _compound(text, parts["compound"]), parts["neg"], parts["neu"], parts["pos"]


def _compound(text: str, compound: float) -> float:
    """VADER's compound with the feedback phrases and repeated problems weighed in."""
    lowered = text.lower().replace("’", "'")
    # Undo VADER's squashing, add phrase valences as if they were words, squash again.
    compound = max(min(compound, 0.9999), -0.9999)
    total = compound * math.sqrt(_ALPHA / (1 - compound**2))
    total += sum(valence * len(pattern.findall(lowered)) for pattern, valence in PHRASES)
    if total < 0 and _AGAIN.search(lowered):
        total *= 1.3
    return round(total / math.sqrt(total**2 + _ALPHA), 4)


def sentiments(texts: Sequence[str]) -> list[float]:
    """Compound sentiment for each text, in order."""
    return [sentiment(text) for text in texts]
