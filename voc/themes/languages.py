"""Which language a text is in, and each language's stop words and stemmer, all offline.

Identification is py3langid's bundled naive Bayes model (4 MB, about 0.05 ms a text, no download);
stop words are the pinned stopwords-iso lists (stopwordsiso); stemmers are NLTK's Snowball ones,
which need no downloaded data. See docs/themes.md, "Languages", for why these.
"""

from collections.abc import Callable
from functools import lru_cache

import stopwordsiso
from nltk.stem.snowball import SnowballStemmer
from py3langid.langid import MODEL_FILE, LanguageIdentifier

# The team's main language when nothing says otherwise (ThemeSettings.language, VOC_LANGUAGE).
DEFAULT_LANGUAGE = "en"
# Another language wins over the main one only when it is this many times likelier. Short English
# texts ("login broken") often score a little higher as Basque or Latin, never this much higher:
# with 30, 0 of CLINC150's 4,500 and 3 of StackOverflow's 6,000 test texts leave English, and every
# text of the multilingual fixture (bench/data/languages.csv) is read right.
LIKELIER = 30.0

SNOWBALL = {
    "ar": "arabic",
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}

# Negations stay in, as in English: "nicht angekommen" and "angekommen" are opposite complaints.
# The stop-word lists drop them, so they are put back per language.
NEGATIONS = {
    "da": {"ikke", "ingen", "aldrig", "intet"},
    "de": {"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "nie", "niemals", "nichts"},
    "es": {"no", "nunca", "nada", "ninguno", "ninguna", "ningún", "jamás", "tampoco", "ni"},
    "fi": {"ei", "en", "et", "emme", "ette", "eivät"},
    "fr": {"ne", "pas", "jamais", "rien", "aucun", "aucune", "non", "personne"},
    "it": {"non", "mai", "niente", "nulla", "nessuno", "nessuna"},
    "nl": {"niet", "geen", "nooit", "niets"},
    "no": {"ikke", "ingen", "aldri", "intet"},
    "pl": {"nie", "nigdy", "nic", "żaden", "żadna"},
    "pt": {"não", "nunca", "nada", "nenhum", "nenhuma", "nem"},
    "ru": {"не", "нет", "ни", "никогда", "ничего", "никто"},
    "sv": {"inte", "ingen", "inget", "aldrig"},
    "uk": {"не", "ні", "немає", "ніколи", "нічого"},
}


# What people see: each language by its English name (the interface is in English).
NAMES = {
    "af": "Afrikaans",
    "ar": "Arabic",
    "bg": "Bulgarian",
    "bn": "Bengali",
    "br": "Breton",
    "ca": "Catalan",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "eo": "Esperanto",
    "es": "Spanish",
    "et": "Estonian",
    "eu": "Basque",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "ga": "Irish",
    "gl": "Galician",
    "gu": "Gujarati",
    "ha": "Hausa",
    "he": "Hebrew",
    "hi": "Hindi",
    "hr": "Croatian",
    "hu": "Hungarian",
    "hy": "Armenian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "ku": "Kurdish",
    "la": "Latin",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "mr": "Marathi",
    "ms": "Malay",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sk": "Slovak",
    "sl": "Slovenian",
    "so": "Somali",
    "st": "Sotho",
    "sv": "Swedish",
    "sw": "Swahili",
    "th": "Thai",
    "tl": "Tagalog",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ur": "Urdu",
    "vi": "Vietnamese",
    "yo": "Yoruba",
    "zh": "Chinese",
    "zu": "Zulu",
}


def name(language: str | None) -> str:
    """A language code as people read it; None is a text with no letters to read."""
    if not language:
        return "No words to read"
    return NAMES.get(language, language)


# Every language's negations: a name may hold one, never consist of one ("не", "nicht").
ALL_NEGATIONS = frozenset().union(*NEGATIONS.values())


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """The model, loaded on first use (0.7 s) and limited to the languages voc has stop words for."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(sorted(stopwordsiso.langs() & set(identifier.nb_classes)))
    return identifier


def identify(text: str, main: str = DEFAULT_LANGUAGE) -> str:
    """The language of a text that has letters: the likeliest, unless the main language is close."""
    best, _ = _identifier().classify(text)
    if best == main:  # most texts: ranking every language (twice the cost) would change nothing
        return main
    ranks = dict(_identifier().rank(text))
    return best if ranks[best] > LIKELIER * ranks.get(main, 0.0) else main


@lru_cache(maxsize=128)
def stop_words(language: str | None) -> frozenset[str]:
    """The language's own stop words without its negations; none for English or an unknown language
    (English has voc's own list, written for feedback, in preprocess.py)."""
    if language in (None, "en") or not stopwordsiso.has_lang(language):
        return frozenset()
    return frozenset(stopwordsiso.stopwords(language)) - NEGATIONS.get(language, set())


@lru_cache(maxsize=32)
def stemmer(language: str) -> Callable[[str], str] | None:
    """The Snowball stemmer of a language other than English, or None when Snowball has none."""
    name = SNOWBALL.get(language)
    return SnowballStemmer(name).stem if name and language != "en" else None
