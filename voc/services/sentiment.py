"""Each item's sentiment and its source: its own score, the model learned at the last run, or the lexicon."""

from sqlalchemy import select, update

from voc.extensions import db
from voc.models import Feedback, ThemeRun
from voc.themes import sentiments, stored
from voc.themes.learned import MAX_LEARNED, learn, score_label, score_sentiment

_learned: dict[tuple, object] = {}  # the newest run's learned model, unpickled once per process


def describe(item: Feedback) -> str | None:
    """Where an item's sentiment came from, as its page and the API say it."""
    if item.sentiment is None:
        return None
    if item.sentiment_source == "score":
        return "from the customer's score"
    if item.sentiment_source == "learned":
        trained = db.session.scalar(
            select(ThemeRun.sentiment_trained)
            .where(ThemeRun.status == "done")
            .order_by(ThemeRun.id.desc())
            .limit(1)
        )
        if trained:
            return f"learned from {trained:,} scored items"
    return "lexicon"


def newest_run():
    """(id, finished_at) of the newest finished theme run, or None: the key of the models kept per process.

    Keyed by the finish time too: a restored backup or an emptied table gives run ids out again.
    """
    return db.session.execute(
        select(ThemeRun.id, ThemeRun.finished_at)
        .where(ThemeRun.status == "done")
        .order_by(ThemeRun.id.desc())
        .limit(1)
    ).first()


def _model():
    """The newest finished run's learned model (None when it had too few scored items), cached per process."""
    newest = newest_run()
    if newest is None:
        return None
    key = tuple(newest)
    if key not in _learned:
        blob = db.session.scalar(select(ThemeRun.sentiment_model).where(ThemeRun.id == newest.id))
        _learned.clear()
        try:
            _learned[key] = stored.load(blob) if blob else None
        except stored.StaleModel:  # other library versions wrote it: the lexicon decides until the next run
            _learned[key] = None
    return _learned[key]


def read(texts: list[str]) -> tuple[list[float], str]:
    """Sentiment of unscored texts, by the newest run's learned model when it has one, and its source."""
    model = _model()
    if model is None:
        return sentiments(texts), "lexicon"
    return model.sentiments(texts), "learned"


def own(score: int | None, kind: str | None, found: float, source: str) -> tuple[float, str]:
    """An item's sentiment and its source: the customer's score when it has one, else what was found."""
    return (score_sentiment(score, kind), "score") if score is not None else (found, source)


def relearn(run: ThemeRun) -> None:
    """Learn from the scored items, then give every item its sentiment: the score's, learned or the lexicon's.

    Without a model only items never scored, or scored by an earlier model, are read again.
    """
    rows = db.session.execute(
        select(Feedback.id, Feedback.text, Feedback.score, Feedback.score_kind, Feedback.sentiment_source)
        # Erased items keep the sentiment they had, their words being gone; one never read is read now.
        .where(Feedback.erased_at.is_(None) | Feedback.sentiment.is_(None))
        .order_by(Feedback.id)
    ).all()
    scored = [r for r in rows if r.score is not None]
    newest = scored[-MAX_LEARNED:]
    model = learn(
        [r.text for r in newest],
        [score_label(r.score, r.score_kind) for r in newest],
        [r.text for r in rows if r.score is None],
    )
    run.sentiment_model = stored.dump(model) if model else None
    run.sentiment_trained = model.trained_on if model else None
    changes = [
        {"id": r.id, "sentiment": score_sentiment(r.score, r.score_kind), "sentiment_source": "score"}
        for r in scored
        if r.sentiment_source != "score"
    ]
    unscored = [r for r in rows if r.score is None and (model or r.sentiment_source != "lexicon")]
    if unscored:
        texts = [r.text for r in unscored]
        found, source = (model.sentiments(texts), "learned") if model else (sentiments(texts), "lexicon")
        changes += [
            {"id": r.id, "sentiment": value, "sentiment_source": source}
            for r, value in zip(unscored, found, strict=True)
        ]
    if changes:
        db.session.execute(update(Feedback), changes)
