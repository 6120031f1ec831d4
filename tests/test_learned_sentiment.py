"""Sentiment learned from the customers' own scores: cut-offs, the model, and where each item's came from."""

import pickle
import random

import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score

from tests.factories import api_headers, make_feedback, make_user, sign_in
from voc.extensions import db
from voc.models import ThemeRun
from voc.services import feedback, themes
from voc.services.feedback import FeedbackInput
from voc.themes.learned import (
    MIN_SCORED,
    learn,
    lexicon_features,
    score_label,
    score_sentiment,
)
from voc.themes.sentiment import analyzer, sentiment

# Words no lexicon knows, which this installation's customers use for good and bad.
WORDS = {
    "positive": ["zorbly", "plimsome", "grooby"],
    "negative": ["skronky", "blarfed", "gunked"],
    "neutral": ["beigeish", "middling-ish", "so-so-ish"],
}
THINGS = [
    "the portal",
    "my order",
    "the invoice",
    "the kiosk",
    "the courier",
    "the handset",
    "the tariff",
    "the engineer",
    "the app",
    "my account",
]


def unusual(n: int, seed: int) -> tuple[list[str], list[str]]:
    """n texts saying how a thing was with one of the unusual words, and the label each word means."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        label = ("positive", "negative", "neutral")[i % 3]
        when = rng.choice(["today", "again", ""])
        texts.append(f"{rng.choice(THINGS)} was {rng.choice(WORDS[label])} {when}")
        labels.append(label)
    return texts, labels


def polarity(value: float) -> str:
    return "positive" if value >= 0.05 else "negative" if value <= -0.05 else "neutral"


@pytest.mark.parametrize(
    "kind, score, label",
    [
        ("nps", 0, "negative"),
        ("nps", 6, "negative"),
        ("nps", 7, "neutral"),
        ("nps", 8, "neutral"),
        ("nps", 9, "positive"),
        ("nps", 10, "positive"),
        ("csat", 2, "negative"),
        ("csat", 3, "neutral"),
        ("csat", 4, "positive"),
        ("stars", 1, "negative"),
        ("stars", 5, "positive"),
    ],
)
def test_scores_read_as_the_documented_labels_and_sentiments(kind, score, label):
    assert score_label(score, kind) == label
    assert polarity(score_sentiment(score, kind)) == label


def test_learned_model_beats_the_lexicon_where_the_words_are_unusual():
    texts, labels = unusual(MIN_SCORED + 40, seed=1)
    model = learn(texts, labels)
    unseen, truth = unusual(90, seed=2)
    learned = f1_score(truth, [polarity(v) for v in model.sentiments(unseen)], average="macro")
    lexicon = f1_score(truth, [polarity(sentiment(t)) for t in unseen], average="macro")
    assert lexicon < 0.4 and learned > 0.9
    assert model.trained_on == MIN_SCORED + 40


def said(n: int, seed: int, pick) -> tuple[list[str], list[str]]:
    """n texts saying how a thing was, in words pick(rng, words of the label) chooses, and the labels."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        label = ("positive", "negative", "neutral")[i % 3]
        texts.append(f"{rng.choice(THINGS)} was {pick(rng, WORDS[label])}")
        labels.append(label)
    return texts, labels


def test_unscored_items_teach_which_unusual_words_go_together():
    # Scored items use only the first word of each kind; unscored ones pair the words up.
    scored, labels = said(MIN_SCORED + 40, 1, lambda rng, words: words[0])
    unscored, _ = said(600, 3, lambda rng, words: " and ".join(rng.sample(words, 2)))
    unseen, truth = said(90, 2, lambda rng, words: rng.choice(words[1:]))  # words no scored item used

    def macro_f1(model) -> float:
        return f1_score(truth, [polarity(v) for v in model.sentiments(unseen)], average="macro")

    assert macro_f1(learn(scored, labels, unscored)) > 0.9
    assert macro_f1(learn(scored, labels)) < 0.6  # the scored items alone cannot tell


@pytest.mark.parametrize("topics", [True, False], ids=["with-topics", "before-topics"])
def test_a_model_kept_by_an_earlier_voc_still_reads_texts(topics):
    """Earlier models also read character n-grams, and the first ones had no topic space."""
    texts, labels = unusual(MIN_SCORED + 40, seed=1)
    model = learn(texts, labels)
    state = {**vars(model), "chars": TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(texts)}
    if not topics:
        del state["topics"]  # unpickling such an object sets no topics: the class default, None, shows
    older = pickle.loads(pickle.dumps(model))
    older.__dict__ = state
    older.classifier = clone(model.classifier).fit(older.features(texts, lexicon_features(texts)), labels)
    assert (
        older.features(texts[:1], lexicon_features(texts[:1])).shape[1]
        > model.features(texts[:1], lexicon_features(texts[:1])).shape[1]
    )
    unseen, truth = unusual(90, seed=2)
    assert [polarity(v) for v in older.sentiments(unseen)] == truth


def test_too_few_scored_items_or_one_label_learn_nothing():
    texts, labels = unusual(MIN_SCORED - 1, seed=1)
    assert learn(texts, labels) is None
    assert learn(texts * 2, ["positive"] * len(texts) * 2) is None


NPS_OF = {"positive": 10, "negative": 2, "neutral": 7}


def test_theme_run_learns_from_scored_items_and_every_item_says_where_its_sentiment_came_from(client, app):
    texts, labels = unusual(MIN_SCORED + 10, seed=1)
    scored = [
        make_feedback(text=text, score=NPS_OF[label], score_kind="nps")
        for text, label in zip(texts, labels, strict=True)
    ]
    unscored = make_feedback(text="the kiosk was skronky")
    run = themes.run_now(None, k=3)
    assert run.sentiment_trained == MIN_SCORED + 10
    db.session.refresh(unscored)
    assert unscored.sentiment <= -0.05 and unscored.sentiment_source == "learned"
    assert scored[0].sentiment == 1.0 and scored[0].sentiment_source == "score"  # a promoter's 10
    viewer = make_user("viewer")
    sign_in(client, viewer)
    assert f"learned from {MIN_SCORED + 10:,} scored items" in client.get(f"/feedback/{unscored.id}").text
    assert "from the customer&#39;s score" in client.get(f"/feedback/{scored[0].id}").text
    record = client.get(f"/api/v1/feedback/{unscored.id}", headers=api_headers(viewer)).json
    assert record["sentiment_source"] == f"learned from {MIN_SCORED + 10:,} scored items"
    # Between runs, new items are read by the learned model, and a score still wins.
    contributor = make_user("contributor")
    unscored_new, scored_new = (
        feedback.create_feedback(
            FeedbackInput(text, "survey", unscored.received_on, score=score, score_kind=score and "nps"),
            contributor.id,
        )
        for text, score in (("my order was blarfed", None), ("the handset was gunked", 9))
    )
    assert (unscored_new.sentiment_source, polarity(unscored_new.sentiment)) == ("learned", "negative")
    assert (scored_new.sentiment_source, scored_new.sentiment) == ("score", 0.5)


def test_below_the_threshold_the_lexicon_decides(client, app):
    texts, labels = unusual(30, seed=1)
    for text, label in zip(texts, labels, strict=True):
        make_feedback(text=text, score=NPS_OF[label], score_kind="nps")
    item = make_feedback(text="Please hire more staff, nobody answered for weeks")
    run = themes.run_now(None, k=2)
    assert run.sentiment_trained is None and db.session.get(ThemeRun, run.id).sentiment_model is None
    db.session.refresh(item)
    assert item.sentiment_source == "lexicon" and item.sentiment == sentiment(item.text)
    sign_in(client, make_user("viewer"))
    assert "lexicon" in client.get(f"/feedback/{item.id}").text


def test_the_lexicon_features_are_vaders_shares_beside_vocs_own_compound():
    texts = ["Charged twice and no one calls back", "Lovely staff, thank you", "The parcel came on Tuesday"]
    for text, row in zip(texts, lexicon_features(texts), strict=True):
        parts = analyzer().polarity_scores(text)
        assert tuple(row) == (sentiment(text), parts["neg"], parts["neu"], parts["pos"])
