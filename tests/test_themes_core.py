"""Behaviour of the pure theme core: preprocessing, discovery, assignment, matching, sentiment."""

import pickle
import re

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from tests.texts import POOLS, family_texts, pool_texts
from voc.themes import UNTHEMED, ThemeSettings, cluster, discover, match_themes, model, sentiment
from voc.themes.cluster import leave_one_out, mutual_weighted, neighbour_graph, searchable, split_catch_alls
from voc.themes.duplicates import held, merged_numbers
from voc.themes.grams import CharGrams, WordGrams
from voc.themes.hierarchy import group_themes, line_bounds
from voc.themes.labels import phrase_matrix, phrase_names, phrases
from voc.themes.preprocess import Tokenizer, clean, documents_and_surfaces, words

REFUNDS = [
    "refund still pending after two weeks",
    "where is my refund, it is pending",
    "refund pending since march",
    "my refund is still pending",
    "waiting on a pending refund for my order",
    "the refund shows pending in my account",
    "refund pending, please help",
    "pending refund not received yet",
]
LOGIN = [
    "cannot log in to the app, password rejected",
    "login fails with password error",
    "password reset does not let me log in",
    "app rejects my password at login",
    "login screen says wrong password",
    "locked out after password login failed",
    "password accepted but login spins forever",
    "login with my password broke today",
]
SETTINGS = ThemeSettings(k=2, seed=0)


def test_two_topics_land_in_separate_themes():
    result = discover(REFUNDS + LOGIN, SETTINGS)
    refund_themes = {result.assignments[i] for i in range(len(REFUNDS))}
    login_themes = {result.assignments[len(REFUNDS) + i] for i in range(len(LOGIN))}
    assert len(refund_themes) == 1 and len(login_themes) == 1
    assert refund_themes != login_themes
    assert sorted(t.size for t in result.themes) == [8, 8]


def test_smoothing_borrows_only_from_the_same_topic():
    # Twelve neighbours for topics of eight: the five taken from the other topic share no word.
    X = TfidfVectorizer().fit_transform(pool_texts(POOLS[:2], 8))
    graph = neighbour_graph(X, 12).toarray()
    topic = np.repeat([0, 1], 8)
    same = topic[:, None] == topic[None, :]
    assert graph[~same].max() == 0
    assert (graph[same] > 0).all()


def test_smoothing_halves_a_neighbour_that_does_not_list_the_text_back():
    # Texts 0 and 1 list each other; text 2, on the edge of their topic, lists 1 but 1 does not list it.
    graph = sp.csr_matrix(np.array([[1.0, 0.8, 0.0], [0.8, 1.0, 0.0], [0.0, 0.6, 1.0]]))
    assert mutual_weighted(graph).toarray() == pytest.approx(
        np.array([[1.0, 0.8, 0.0], [0.8, 1.0, 0.0], [0.0, 0.3, 1.0]])
    )


@pytest.mark.parametrize("neighbours", [0, 12])
def test_smoothing_keeps_two_topics_apart(neighbours):
    texts = pool_texts(POOLS[:2], 30)
    result = discover(texts, ThemeSettings(k=2, neighbours=neighbours))
    assert len(set(result.assignments[:30])) == 1 and len(set(result.assignments[30:])) == 1
    assert result.assignments[0] != result.assignments[30]


def test_neighbour_search_drops_only_the_commonest_terms_and_only_over_budget():
    X = TfidfVectorizer().fit_transform(pool_texts(POOLS, 20) + ["refund money login password"] * 5)
    assert searchable(X, np.inf) is X
    df = np.bincount(X.indices, minlength=X.shape[1])
    budget = (df.astype(float) ** 2).sum() / 3
    kept = searchable(X, budget)
    kept_df = np.bincount(kept.indices, minlength=X.shape[1])
    assert (kept_df.astype(float) ** 2).sum() <= budget
    dropped = (kept_df == 0) & (df > 0)
    assert dropped.any() and df[dropped].min() >= df[~dropped].max()
    assert np.array_equal(kept.toarray()[:, ~dropped], X.toarray()[:, ~dropped])


def test_long_texts_over_the_search_budget_keep_topics_apart(monkeypatch):
    # Forty words each: ten from the topic, thirty shared filler that makes the search costly.
    rng = np.random.default_rng(3)
    filler = ["really", "think", "bought", "wear", "color", "fabric", "store", "online", "great", "size"]
    texts = [
        " ".join(list(rng.choice(pool, 4, replace=False)) + list(rng.choice(filler, 30)))
        for pool in POOLS[:2]
        for _ in range(30)
    ]
    monkeypatch.setattr(cluster, "SEARCH_COST", 200)
    result = discover(texts, ThemeSettings(k=2))
    assert len(set(result.assignments[:30])) == 1 and len(set(result.assignments[30:])) == 1
    assert result.assignments[0] != result.assignments[30]


def test_automatic_k_finds_the_number_of_clear_topics():
    result = discover(pool_texts(POOLS, 40), ThemeSettings(k=None))
    assert result.quality["n_themes"] == len(POOLS)
    for t in range(len(POOLS)):
        assert len(set(result.assignments[40 * t : 40 * (t + 1)])) == 1


# Silhouette by k on StackOverflow's test split (20 tags), seed 1: a first peak at 18-22, a dip,
# then a late rise as themes split hairs.
HAIR_SPLITTING = {
    2: 0.0064,
    5: 0.0092,
    9: 0.021,
    14: 0.0286,
    18: 0.0327,
    22: 0.0316,
    28: 0.0300,
    35: 0.0257,
    43: 0.0251,
    54: 0.0253,
    83: 0.0295,
    129: 0.0318,
    161: 0.035,
    200: 0.037,
}


def test_automatic_k_stops_at_the_first_plateau_not_a_late_rise():
    scored: list[int] = []
    k = model.first_plateau(sorted(HAIR_SPLITTING), lambda k: scored.append(k) or HAIR_SPLITTING[k])
    assert k == 18 and max(scored) == 43  # the two candidates past the fall end the search


def test_one_low_candidate_does_not_end_the_plateau():
    curve = {2: 0.10, 3: 0.05, 4: 0.20, 5: 0.30, 6: 0.31, 7: 0.20, 8: 0.19}
    assert model.first_plateau(sorted(curve), curve.__getitem__) == 5


def test_catch_all_is_split_and_k_kept():
    # Topics 0 and 1 share cluster 0 (a catch-all), topic 3 is cut in two: 40, 20, 10, 10 items.
    texts = pool_texts(POOLS, 20)
    X = TfidfVectorizer().fit_transform(texts).astype(np.float64)
    labels = np.repeat([0, 0, 1, 2], 20)
    labels[70:] = 3
    found = split_catch_alls(X, X.toarray(), labels, 4, np.ones(len(texts)), seed=0)
    sizes = np.bincount(found, minlength=4)
    assert sizes.max() <= 2 * np.median(sizes)
    assert sorted(sizes) == [20, 20, 20, 20]
    assert all(len(set(found[20 * t : 20 * (t + 1)])) == 1 for t in range(4))


def test_theme_of_one_often_repeated_text_stays_whole():
    texts = pool_texts(POOLS, 10)
    X = TfidfVectorizer().fit_transform(texts).astype(np.float64)
    labels = np.repeat(np.arange(4), 10)
    weights = np.ones(len(texts))
    weights[0] = 200  # one complaint sent 200 times: big, but not a catch-all
    found = split_catch_alls(X, X.toarray(), labels, 4, weights, seed=0)
    assert np.array_equal(found, labels)


def test_theme_grown_by_items_outside_the_fitted_sample_is_split():
    # The 100 texts themes are fitted on (discover's own draw) hold the four topics evenly; the
    # other 300 are all refunds, so placing them would make refunds 13 times the median theme.
    n, sample = 400, 100
    fitted = np.random.default_rng(0).choice(n, sample, replace=False)
    topic = np.zeros(n, dtype=int)
    topic[fitted] = np.arange(sample) % len(POOLS)
    rng = np.random.default_rng(7)
    texts = [" ".join(rng.choice(POOLS[t], 4, replace=False)) + f" order{i}" for i, t in enumerate(topic)]
    result = discover(texts, ThemeSettings(k=4, fit_sample=sample, seed=0))
    sizes = [theme.size for theme in result.themes]
    assert len(sizes) == 4 and sum(sizes) == n
    assert max(sizes) <= 2 * np.median(sizes)
    found = np.asarray(result.assignments)
    assert all(len(set(found[topic == t])) == 1 for t in range(1, len(POOLS)))


def test_leave_one_out_equals_brute_force():
    rng = np.random.default_rng(5)
    dense = sp.random(40, 30, density=0.2, random_state=5).toarray()
    dense[3] = dense[2]  # a duplicate pair: only the row's own copy is left out
    dense = normalize(dense)
    labels = rng.integers(-1, 3, 40)  # -1: unclustered
    labels[2] = labels[3] = 1
    labels[9] = 3  # alone in its theme with weight 1: nothing left, so 0
    weights = rng.integers(1, 4, 40).astype(float)
    weights[9] = 1
    expected = np.zeros(40)
    for i in np.flatnonzero(labels >= 0):
        same = labels == labels[i]
        rest = (weights[same, None] * dense[same]).sum(axis=0) - dense[i]
        norm = np.linalg.norm(rest)
        expected[i] = dense[i] @ rest / norm if norm > 1e-9 else 0.0
    found = leave_one_out(sp.csr_matrix(dense), labels, 4, weights)
    assert np.allclose(found, expected)
    assert found[9] == 0 and (found[labels < 0] == 0).all()


@pytest.mark.parametrize("min_df, max_df", [(1, 1.0), (2, 0.5)])
@pytest.mark.parametrize("kind", ["words", "chars"])
def test_grams_equal_scikit_learn_tfidf(kind, min_df, max_df):
    docs = [Tokenizer().document(t) for t in REFUNDS + LOGIN] + ["refund refund refund", "zz", ""]
    shape = (
        dict(token_pattern=r"\S+", ngram_range=(1, 2))
        if kind == "words"
        else dict(analyzer="char_wb", ngram_range=(3, 5))
    )
    theirs = TfidfVectorizer(
        lowercase=False, sublinear_tf=True, min_df=min_df, max_df=max_df, dtype=np.float32, **shape
    ).fit(docs[:12])
    ours = WordGrams(min_df, max_df) if kind == "words" else CharGrams((3, 5), min_df, max_df)
    ours.fit(docs[:12])
    assert ours.vocabulary_ == theirs.vocabulary_
    assert list(ours.get_feature_names_out()) == list(theirs.get_feature_names_out())
    # Placing texts with words and pairs never seen in fitting, one-word and empty texts.
    unseen = docs[12:] + ["refunded passwords pending refund", "password", ""]
    assert np.array_equal(ours.transform(unseen).toarray(), theirs.transform(unseen).toarray())
    assert np.array_equal(ours.transform(docs).toarray(), theirs.transform(docs).toarray())


def test_same_input_and_seed_give_identical_result():
    first = discover(REFUNDS + LOGIN, ThemeSettings(seed=3))
    second = discover(REFUNDS + LOGIN, ThemeSettings(seed=3))
    assert first.assignments == second.assignments
    assert first.themes == second.themes
    assert first.explanations == second.explanations


@pytest.mark.parametrize(
    "text", ["app not working", "app isn't working", "app isnt working", "app never works"]
)
def test_negation_is_kept(text):
    stems = Tokenizer().stems(text)
    assert "not" in stems or "never" in stems
    assert Tokenizer().stems("app working") == ["app", "work"]


def test_contractions_become_not():
    assert Tokenizer().stems("I can't log in and it won't load") == ["not", "log", "not", "load"]


@pytest.mark.parametrize(
    "text",
    [
        "see https://example.com/help?id=4 now",
        "mail jane.doe+x@example.co.uk now",
        "thanks @acme_support now",
        "ticket #12345 now",
        "see INC-123 now",
        "paid 42.50 12/03/2024 now",
    ],
)
def test_noise_is_stripped(text):
    assert clean(text).split() == [clean(text).split()[0], "now"]


def test_extra_stop_words_never_become_themes():
    texts = [f"Acme {t}" for t in REFUNDS + LOGIN]
    result = discover(texts, ThemeSettings(k=2, extra_stop_words=("Acme",)))
    words = {w for theme in result.themes for term, _ in theme.keywords for w in term.split()}
    assert "acme" not in words


def test_labels_use_surface_words():
    result = discover(REFUNDS + LOGIN, SETTINGS)
    labels = " ".join(t.label for t in result.themes)
    assert "pending" in labels and "pend" not in labels.split()
    docs, surfaces = documents_and_surfaces(["refunds pending", "refund pending"], Tokenizer())
    assert docs == ["refund pend", "refund pend"]
    assert surfaces == {"refund": "refund", "pend": "pending"}


def test_representatives_and_explanations_point_inside_the_theme():
    result = discover(REFUNDS + LOGIN, SETTINGS)
    for number, theme in enumerate(result.themes):
        assert len(theme.representatives) == 3
        assert all(result.assignments[i] == number for i in theme.representatives)
    assert "refund" in result.explanations[0] or "pending" in result.explanations[0]


def test_off_topic_and_empty_items_are_unthemed():
    texts = REFUNDS + LOGIN + ["zebra giraffe savannah", "the of and", ""]
    result = discover(texts, SETTINGS)
    assert result.assignments[-3:] == [UNTHEMED] * 3
    assert result.explanations[-1] == ()
    assert result.quality["unthemed_share"] == pytest.approx(3 / len(texts))


def test_model_assigns_new_text_after_pickling():
    result = discover(REFUNDS + LOGIN, SETTINGS)
    model = pickle.loads(pickle.dumps(result.model))
    refund_theme = result.assignments[0]
    themes, _, terms = model.place(
        [model.tokenizer.document(text) for text in ("my refund is pending for ages", "qwxz blorft zzyzx")]
    )
    assert themes[0] == refund_theme
    assert "refund" in terms[0] or "pending" in terms[0]
    assert themes[1] == UNTHEMED


def test_no_meaningful_words_gives_no_themes():
    result = discover(["", "the and", "12345"], ThemeSettings())
    assert result.assignments == [UNTHEMED] * 3 and result.themes == [] and result.model is None


def test_matching_keeps_keys_and_reports_changes():
    previous = {
        "a": set(range(0, 10)),
        "b": set(range(10, 20)),
        "c": set(range(20, 25)),
        "d": set(range(25, 30)),
        "gone": set(range(30, 34)),
    }
    current = [
        set(range(0, 12)),  # a grew
        set(range(12, 20)),  # b shrank
        set(range(20, 30)),  # c and d merged
        set(range(100, 106)),  # new
    ]
    matches, changes = match_themes(previous, current)
    assert [m.key for m in matches][:2] == ["a", "b"]
    assert matches[2].key in {"c", "d"}
    assert matches[3].key is None
    assert changes.new == [(3, 6)]
    assert ("a", 10, 12) in changes.grown
    assert ("b", 10, 8) in changes.shrunk
    assert changes.merged == [(2, ("c", "d"))]
    assert changes.vanished == [("gone", 4)]


def members(assignments: list[int]) -> list[set[int]]:
    """Text indices per theme number (unthemed left out), as a run builds them from item ids."""
    numbers = range(max(assignments) + 1)
    return [{i for i, theme in enumerate(assignments) if theme == number} for number in numbers]


def test_recluster_after_five_percent_more_items_keeps_theme_keys():
    topics = {
        "refund": "refund pending money back order {}",
        "login": "login password rejected account locked {}",
        "delivery": "parcel delivery courier late tracking {}",
        "billing": "invoice bill charged fee amount {}",
    }
    fillers = ["today", "again", "please", "help", "urgent", "still", "now", "why", "soon", "ok"]
    texts = [template.format(f) for template in topics.values() for f in fillers * 2]
    first = discover(texts, ThemeSettings(k=4))
    previous = {f"theme-{n}": group for n, group in enumerate(members(first.assignments))}
    more = texts + [template.format("extra") for template in topics.values()]
    second = discover(more, ThemeSettings(k=4))
    matches, _ = match_themes(previous, members(second.assignments))
    kept = [m.key for m in matches if m.key is not None]
    assert len(kept) >= 0.9 * len(previous)


@pytest.mark.parametrize(
    "text",
    [
        "my bag never arrived",
        "still waiting for my refund",
        "charged twice",
        "app crashes on login",
        "I did not receive my parcel",
    ],
)
def test_complaints_read_negative(text):
    assert sentiment(text) <= -0.05


def test_praise_reads_positive():
    assert sentiment("great service, thank you") >= 0.05


# ----- names -----------------------------------------------------------------------------------

CHARGED = [
    "I was charged twice for my March bill",
    "charged twice this month, please fix",
    "Why have I been charged twice?",
    "you charged twice for one order",
    "the bill is wrong, charged twice again",
    "double payment taken from my card",
]
HOLD = [
    "on hold for hours before anyone answered",
    "I was on hold for hours yesterday",
    "kept on hold for hours, then cut off",
    "on hold for hours and no answer",
    "phone queue is terrible",
    "nobody answers the phone line",
]


def names_of(texts: list[str], groups: list[int], banned: frozenset[str] = frozenset()) -> list[str]:
    """Names for known groups of texts, each text weighted once."""
    labels = np.array(groups)
    return phrase_names(phrase_matrix(texts, banned), labels, np.ones(len(texts)), labels.max() + 1)


def words_of(text: str) -> str:
    """Lower-cased words with punctuation aside, padded, for 'written word for word' checks."""
    return " " + " ".join(re.sub(r"[^\w']+", " ", text.lower()).split()) + " "


def test_names_are_phrases_the_customers_wrote():
    names = names_of(CHARGED + HOLD, [0] * 6 + [1] * 6)
    assert names == ["charged twice", "on hold for hours"]


def test_name_falls_back_to_words_when_no_phrase_is_shared():
    texts = ["wifi dropped", "wifi slow today", "no wifi signal", "wifi password rejected", "signal weak"]
    assert names_of(texts, [0] * 5) == ["wifi, signal"]


def test_fallback_keeps_a_second_word_only_when_it_is_common():
    texts = ["wifi dropped", "wifi slow", "wifi gone", "wifi broken", "wifi bad", "wifi awful", "seat"]
    assert names_of(texts, [0] * 7) == ["wifi"]


def test_names_never_repeat_a_part_and_appear_in_their_theme():
    result = discover(REFUNDS + LOGIN + CHARGED + HOLD, ThemeSettings(k=4, seed=0))
    for number, theme in enumerate(result.themes):
        parts = [set(p.split()) for p in theme.label.split(", ")]
        assert not any(a <= b for i, a in enumerate(parts) for j, b in enumerate(parts) if i != j)
        texts = [
            words_of(t)
            for t, a in zip(REFUNDS + LOGIN + CHARGED + HOLD, result.assignments, strict=True)
            if a == number
        ]
        for part in theme.label.split(", "):
            assert sum(f" {part} " in t for t in texts) >= 0.2 * len(texts), theme.label


def test_greetings_sign_offs_handles_and_filler_never_name_a_theme():
    texts = [f"Hi team, {t} @support_desk. Thanks, Sam" for t in CHARGED] + [
        f"Hello Jo - {t} https://help.example.com/{n}\nKind regards,\nPat Smith" for n, t in enumerate(HOLD)
    ]
    names = names_of(texts, [0] * 6 + [1] * 6)
    assert names == ["charged twice", "on hold for hours"]
    for text in texts:
        found = phrases(text)
        greeting = {"hi", "team", "thanks", "sam", "hello", "jo", "kind", "regards", "pat", "smith"}
        assert not {w for p in found for w in p.split()} & (greeting | {"support_desk"})


def test_negations_and_auxiliaries_sit_inside_a_name_but_never_carry_it():
    found = phrases("it did not arrive, never, gone")
    assert {"not", "did", "did not", "never", "gone", "does"}.isdisjoint(found)
    assert "did not arrive" not in phrases("did not arrive")  # cannot start on an auxiliary
    assert "not arrive" in phrases("did not arrive")
    assert "can't log in" in phrases("I can't log in")
    assert "visit in" not in phrases("great engineer visit in May")


def test_the_company_name_is_never_in_a_name():
    texts = [f"Acme {t}" for t in CHARGED] + [f"{t} at Acme" for t in HOLD]
    assert "acme" not in " ".join(names_of(texts, [0] * 6 + [1] * 6, frozenset({"acme"})))


def test_words_that_matter_in_feedback_are_kept():
    kept = words("I need to top up, call back about the bill amount on my first class ticket")
    assert {"top", "up", "call", "back", "bill", "amount", "first", "class"} <= set(kept)
    assert {"i", "to", "about", "the", "on", "my"}.isdisjoint(kept)


def test_entities_ordinals_and_any_alphabet_are_words():
    assert words("Rückerstattung für Zoë im Café") == ["rückerstattung", "für", "zoë", "im", "café"]
    assert words("Fish &amp; chips in 1st class on 12/03") == ["fish", "chips", "1st", "class"]
    assert "amp" not in words("terms &amp; conditions")


def test_keywords_of_particles_or_negations_alone_are_left_out():
    texts = ["top up failed", "top up not working", "cannot top up", "top up declined"] * 3
    result = discover(texts + LOGIN, ThemeSettings(k=2, seed=0))
    shown = {term for theme in result.themes for term, _ in theme.keywords}
    assert "top up" in shown and not shown & {"up", "not"}


def test_related_themes_end_under_one_parent_named_for_what_they_share():
    texts, families = family_texts()
    result = discover(texts, ThemeSettings(k=15, seed=0))
    assert len(result.themes) == 15 and result.quality["n_parents"] == 5
    for parent in result.parents:
        members = [families[i] for i, theme in enumerate(result.assignments) if theme in parent.children]
        assert len(set(members)) == 1 and len(parent.children) == 3
        assert parent.size == len(members) == sum(result.themes[c].size for c in parent.children)
        assert members[0] in parent.label


def test_themes_and_parents_are_named_from_one_reading_of_the_texts(monkeypatch):
    texts, _ = family_texts()
    read: list[str] = []
    monkeypatch.setattr(
        "voc.themes.labels.phrases", lambda text, banned: read.append(text) or phrases(text, banned)
    )
    result = discover(texts, ThemeSettings(k=15, seed=0))
    assert result.quality["n_parents"] == 5 and "(no words)" not in [p.label for p in result.parents]
    # Each fitted text is read for its phrases once, not once per level.
    assert read and len(read) == len(set(read))


def test_a_dozen_themes_or_fewer_need_no_parents():
    texts, _ = family_texts()
    result = discover(texts, ThemeSettings(k=12, seed=0))
    assert result.parents == [] and result.quality["n_parents"] == 0


@pytest.mark.parametrize(
    ("n_themes", "fewest", "most"), [(13, 4, 6), (30, 8, 15), (60, 10, 20), (200, 10, 20)]
)
def test_parents_plus_lone_themes_fit_one_screen(n_themes, fewest, most):
    assert line_bounds(n_themes) == (fewest, most)
    centres = normalize(sp.csr_matrix(np.random.default_rng(n_themes).random((n_themes, 40)) ** 8))
    sizes = np.random.default_rng(1).integers(5, 500, n_themes)
    groups = group_themes(centres, sizes)
    assert fewest <= len(set(groups)) <= most
    totals = np.bincount(groups, weights=sizes)
    assert list(totals) == sorted(totals, reverse=True)  # numbered largest first


def test_automatic_run_merges_a_topic_cut_in_two_and_fixed_k_only_reports_it(monkeypatch):
    # Five themes for four clear topics: one topic is cut in two, which automatic k undoes.
    texts = pool_texts(POOLS, 40)
    fixed = discover(texts, ThemeSettings(k=5))
    sizes = sorted(t.size for t in fixed.themes)
    assert sizes[2:] == [40, 40, 40] and sizes[0] + sizes[1] == 40  # where the cut falls is by the way
    halves = [t for t, theme in enumerate(fixed.themes) if theme.size < 40]
    assert [pair[:2] for pair in fixed.similar] == [tuple(halves)]
    assert fixed.quality["duplicates_merged"] == 0

    monkeypatch.setattr(model, "choose_k", lambda *args, **kwargs: 5)
    automatic = discover(texts, ThemeSettings(k=None))
    assert [t.size for t in automatic.themes] == [40, 40, 40, 40]
    assert automatic.quality["duplicates_merged"] == 1 and automatic.similar == []
    for t in range(len(POOLS)):
        assert len(set(automatic.assignments[40 * t : 40 * (t + 1)])) == 1


def test_automatic_run_keeps_a_theme_the_team_edited_apart(monkeypatch):
    texts = pool_texts(POOLS, 40)
    fixed = discover(texts, ThemeSettings(k=5))
    # Themes are numbered largest first: the last is the smaller half of the topic cut in two.
    smaller = [i for i, t in enumerate(fixed.assignments) if t == len(fixed.themes) - 1]
    monkeypatch.setattr(model, "choose_k", lambda *args, **kwargs: 5)
    kept = discover(texts, ThemeSettings(k=None, keep_apart=(tuple(smaller),)))
    assert sorted(t.size for t in kept.themes) == sorted(t.size for t in fixed.themes)
    assert kept.quality["duplicates_merged"] == 0 and len(kept.similar) == 1


def test_duplicates_join_in_chains_but_never_through_a_kept_theme_or_into_a_catch_all():
    pairs = [(0, 1, 0.3), (1, 2, 0.2), (3, 4, 0.1), (4, 5, 0.1)]
    sizes = np.array([5, 5, 5, 40, 40, 40, 40])  # twice the median: 80
    assert merged_numbers(pairs, sizes, set()).tolist() == [0, 0, 0, 1, 1, 2, 3]
    assert merged_numbers(pairs, sizes, {1}).tolist() == [0, 1, 2, 3, 3, 4, 5]
    assert held([(0, 1, 2), (5,)], np.array([2, 2, 0, -1, -1, -1])) == {2}
