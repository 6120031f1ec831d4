"""Feedback text -> stemmed tokens, offline: no NLTK data, voc's own stop words, negations kept.

English texts use voc's own stop words; other languages add their own list and Snowball stemmer
(languages.py); Chinese and Japanese, written without spaces, are cut into short pieces.
"""

import html
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nltk.stem.snowball import SnowballStemmer

from voc.themes import languages

# "app not working" and "app working" are opposite complaints, so negations stay in.
NEGATIONS = frozenset({"not", "no", "never", "nor", "none", "nothing", "nobody", "neither", "nowhere"})

# Words that tie a sentence together but say nothing about what went wrong. Written for feedback:
# unlike generic lists it keeps "up", "back", "out", "off", "first", "amount", "call", "system",
# "bill", "top", "full", "empty": "top up", "call back", "logged out", "first class" and
# "bill amount" are complaints.
FUNCTION_WORDS = frozenset(
    """
    a an the this that these those some any each every all both either another other such same own
    i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves one ones someone anyone
    everyone something anything everything somebody anybody everybody who whom whose which what
    whatever whoever whichever
    am is are was were be been being have has had having do does did doing will would shall should
    can could may might must ought
    and or but if then than because as so while whereas although though unless until since whether
    yet also too
    of to in on at by for with about against between into through during before after above below
    from under via per within without upon onto towards toward across along among amongst around
    behind beside besides beyond near throughout thru
    here there where when why how now ever often sometimes always already soon
    more most much many few less least several lot lots very quite rather really just only even
    else etc ie eg
""".split()
)

# Greetings, sign-offs, politeness and filler: everywhere in tickets, never what a ticket is about.
FILLER = frozenset(
    """
    hi hello hey hiya dear greetings morning afternoon evening thanks thank thx ty cheers regards
    sincerely kind please pls plz sorry ok okay oh ah um uh hmm yes yeah yep well anyway basically
    actually literally simply totally honestly seriously definitely probably maybe perhaps
    like get gets getting got gotten go goes going gone went make makes made making
    let lets say says said tell told thing things stuff way
""".split()
)

# Unlike generic lists (scikit-learn's), voc keeps "find", "show", "name", "fill", "take", "see": in
# feedback and requests they carry the point ("can't find", "doesn't show", "what is your name").
# Dropping them as well measured CLINC150 79.5 -> 78.2 NMI and sent StackOverflow's automatic k
# from 20 themes to 116, though StackOverflow's fixed k gained (73.9 -> 75.5).
STOP_WORDS = FUNCTION_WORDS | FILLER

# Order matters: URLs and e-mail addresses before @handles, ticket ids before bare numbers.
_NOISE = re.compile(
    r"""
    (?:https?://|www\.)\S+                  # URLs
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+          # e-mail addresses
    | (?<!\w)@\w+                           # @handles
    | (?<!\w)\#\d+                          # ticket ids like #12345
    | \b[a-z]{2,10}-\d+\b                   # ticket ids like INC-123, JIRA-42
    | \b(?!\d+(?:st|nd|rd|th)\b)\d[\d.,:/-]*\b  # numbers, dates, times, amounts; not ordinals
    """,
    re.VERBOSE,
)
# An opening greeting ("Hi team,", "Hello Sam -") and a closing sign-off ("Thanks, Sam",
# "Kind regards, Jo Bloggs"): a name or "team" there would otherwise read as a topic.
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|hiya|dear|good\s+(?:morning|afternoon|evening))\b(?:\s+[^\W\d_]+){0,2}\s*[.,;:!?\n-]"
)
_SIGN_OFF = re.compile(
    r"[.,;:!?\n]\s*(?:many\s+thanks|thanks(?:\s+again)?|thank\s+you|kind\s+regards|best\s+regards|regards"
    r"|best\s+wishes|cheers|sincerely)\b[\s,-]*(?:[^\W\d_]+\s*){0,3}[.!]?\s*$"
)
_CONTRACTIONS = (
    (re.compile(r"\bcan't\b|\bcannot\b"), "can not"),
    (re.compile(r"\bwon't\b"), "will not"),
    (re.compile(r"\b(\w+)n't\b"), r"\1 not"),
    # Apostrophe-less forms people type on phones.
    (re.compile(r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should)nt\b"), r"\1 not"),
)
# Words of any alphabet ("café", "Rückerstattung"), and ordinals ("1st class").
_TOKEN = re.compile(r"\d+(?:st|nd|rd|th)\b|[^\W\d_][^\W_]+")
_LETTER = re.compile(r"[^\W\d_]")
# Chinese and Japanese: runs of Han characters, of katakana (loanwords: アプリ, パスワード) and of
# hiragana (mostly grammar: particles and endings), and anything else inside the same token.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KATAKANA = "\u30a0-\u30ff\uff66-\uff9f"
_HIRAGANA = "\u3040-\u309f"
_CJK = _HAN + _KATAKANA + _HIRAGANA
_UNSPACED = re.compile(f"[{_CJK}]")
_PIECES = re.compile(f"[{_HAN}]+|[{_KATAKANA}]+|[{_HIRAGANA}]+|[^{_CJK}]+")
# Chinese function characters (of, done, is, at, I, you, they, question particles, and, also, very,
# this, that): a Han run is cut at them, so no pair reads across one.
_HAN_FUNCTION = re.compile("[的了是在我你他她它们吗呢吧啊和就都也很这那个么着过]")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball stem of one word, cached because feedback repeats a small vocabulary."""
    return _stemmer().stem(word)


@lru_cache(maxsize=1)
def _stemmer() -> SnowballStemmer:
    """The English Snowball stemmer, built on first use (it needs no downloaded data)."""
    return SnowballStemmer("english", ignore_stopwords=False)


@lru_cache(maxsize=200_000)
def stem_in(word: str, language: str | None = None) -> str:
    """Stem of one word in its language: English's for English and unknown languages' texts in the
    main language, the language's Snowball stemmer, or the word itself where Snowball has none."""
    if language in (None, "en"):
        return stem(word)
    stemmer = languages.stemmer(language)
    return stemmer(word) if stemmer else word


def language_of(text: str, main: str = languages.DEFAULT_LANGUAGE) -> str | None:
    """The language of a text, or None when it has no letters to read (only numbers, links, emoji)."""
    text = plain(text)
    return languages.identify(text, main) if _LETTER.search(text) else None


def unspaced(text: str) -> bool:
    """Whether text holds Chinese or Japanese characters."""
    return bool(_UNSPACED.search(text))


def unspaced_words(token: str) -> list[str]:
    """A Chinese or Japanese token as words: katakana runs whole, Han runs as overlapping character
    pairs (the usual stand-in for words without a dictionary), hiragana grammar left out."""
    found = []
    for piece in _PIECES.findall(token):
        if "\u3040" <= piece[0] <= "\u309f":
            continue
        if "\u30a0" <= piece[0] <= "\u30ff" or "\uff66" <= piece[0] <= "\uff9f":
            found.append(piece)
        elif _UNSPACED.match(piece):
            for part in filter(None, _HAN_FUNCTION.split(piece)):
                found.extend([part] if len(part) < 3 else [part[i : i + 2] for i in range(len(part) - 1)])
        elif len(piece) > 1:
            found.append(piece)
    return found


def marked(stems: list[str], language: str | None) -> list[str]:
    """Stems of a language other than English carry its code ("de:app"), so no term is shared
    across languages: the same letters in two languages ("app", "service", "problem") would
    otherwise pull a German and an English theme together by accident, not by topic."""
    if language in (None, "en"):
        return stems
    return [f"{language}:{s}" for s in stems]


@lru_cache(maxsize=256)
def _stop_words_in(stop_words: frozenset[str], language: str | None) -> frozenset[str]:
    """The given stop words plus the language's own."""
    return stop_words | languages.stop_words(language)


def plain(text: str) -> str:
    """Lower-case text with HTML entities decoded, curly apostrophes straightened, greetings and
    sign-offs cut, and URLs, e-mails, @handles, ticket ids and numbers blanked out."""
    # NFC, so an accent typed as a separate mark ("u" + U+0308) is one letter, "ü", as usual.
    text = unicodedata.normalize("NFC", html.unescape(text)).lower().replace("\u2019", "'")
    text = _SIGN_OFF.sub(" ", _GREETING.sub(" ", text))
    # A line break where noise was, so no phrase is read across a removed URL or number.
    return _NOISE.sub("\n", text)


def clean(text: str) -> str:
    """plain() with contractions spelled out, so "can't" and "can not" are the same words."""
    text = plain(text)
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def words(text: str, stop_words: frozenset[str] = STOP_WORDS, language: str | None = None) -> list[str]:
    """Surface words of text that carry meaning, in order; language adds its own stop words."""
    text = clean(text)
    stop_words = _stop_words_in(stop_words, language)
    if not _UNSPACED.search(text):
        return [w for w in _TOKEN.findall(text) if w not in stop_words]
    return [
        w
        for token in _TOKEN.findall(text)
        for w in (unspaced_words(token) if _UNSPACED.search(token) else [token])
        if w not in stop_words
    ]


@dataclass(frozen=True)
class Tokenizer:
    """Turns texts into space-joined stems; extra stop words (e.g. the company's name) are dropped."""

    stop_words: frozenset[str] = STOP_WORDS

    @classmethod
    def with_extra(cls, extra_stop_words: Iterable[str] = ()) -> "Tokenizer":
        """A tokenizer that also drops the given words, compared lower-cased."""
        extra = {w for phrase in extra_stop_words for w in _TOKEN.findall(phrase.lower())}
        return cls(STOP_WORDS | extra)

    @property
    def extra_words(self) -> frozenset[str]:
        """The words dropped beyond voc's own list: names a theme must never carry."""
        return self.stop_words - STOP_WORDS

    def stems(self, text: str, language: str | None = None) -> list[str]:
        """Stems of the meaningful words of one text in the given language (None: English)."""
        return [stem_in(w, language) for w in words(text, self.stop_words, language)]

    def document(self, text: str, language: str | None = None) -> str:
        """One text as space-joined stems, the form the vectorisers read."""
        return " ".join(marked(self.stems(text, language), language))


def documents_and_surfaces(
    texts: Sequence[str], tokenizer: Tokenizer, text_languages: Sequence[str | None] | None = None
) -> tuple[list[str], dict[str, str]]:
    """Stemmed documents, plus stem -> its most frequent surface word so labels read naturally."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    docs = []
    for i, text in enumerate(texts):
        language = text_languages[i] if text_languages is not None else None
        surface = words(text, tokenizer.stop_words, language)
        stems = marked([stem_in(w, language) for w in surface], language)
        for s, w in zip(stems, surface, strict=True):
            seen[s][w] += 1
        docs.append(" ".join(stems))
    # Ties go to the shorter word ("refund" over "refunds").
    surfaces = {s: min(c.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0] for s, c in seen.items()}
    return docs, surfaces
