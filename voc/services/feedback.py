"""Feedback items: validation, entry by hand and browsing."""

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select, text, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from voc import pii
from voc.extensions import db
from voc.models import INT_MAX, Customer, Feedback, Survey, SurveyResponse
from voc.services import clock, privacy, sentiment, stages, submissions, themes, webhooks
from voc.services.customers import CustomerRef, match_customer, matching
from voc.services.errors import DuplicateFeedback, InvalidInput, InvalidItems, NotFound, ServiceError
from voc.services.stages import active_stage
from voc.themes import languages as language_names
from voc.vocabulary import CHANNELS, MAX_TEXT_LENGTH, NEGATIVE, SCORE_RANGES


@dataclass(frozen=True)
class FeedbackInput:
    """One piece of feedback as typed or received."""

    text: str
    channel: str
    received_on: dt.date
    source: str = ""
    external_id: str = ""
    customer_id: int | None = None
    stage_id: int | None = None
    score: int | None = None
    score_kind: str | None = None


@dataclass(frozen=True)
class ReceivedFeedback:
    """An item as another system sends it: the stage by name and the customer by their details."""

    item: FeedbackInput
    stage: str = ""
    customer: CustomerRef | None = None


@dataclass(frozen=True)
class FeedbackFilters:
    """The filters of the feedback list, as they appear in its URL."""

    channel: str | None = None
    stage_id: int | None = None
    customer_id: int | None = None
    customer_text: str = ""  # the customer's name or organisation (or e-mail, see below) contains this
    by_email: bool = False  # customer_text also matches e-mail addresses (for those who may see them)
    start: dt.date | None = None
    end: dt.date | None = None
    text: str = ""
    unstaged: bool = False  # only items without a journey stage
    segment: str | None = None  # the customer's segment
    negative: bool = False  # only items whose sentiment reads negative
    theme_id: int | None = None
    score_kind: str | None = None  # only items with an NPS or CSAT score
    suggested_stage_id: int | None = None  # only unstaged items suggested for this stage
    language: str | None = None  # only items in this language (a code, see voc/themes/languages.py)
    survey_id: int | None = None  # only answers to this survey


def check_text(text: str, field: str = "text") -> str:
    """Stripped feedback text, refusing empty and oversized text."""
    text = text.strip()
    if not text:
        raise InvalidInput((field, "Feedback text cannot be empty."))
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput(
            (field, f"Feedback text is {len(text):,} characters; the limit is {MAX_TEXT_LENGTH:,}.")
        )
    return text


def check_date(value: dt.date, field: str) -> dt.date:
    """Refuse dates in the future: feedback cannot have been received yet."""
    if value > clock.today():
        raise InvalidInput((field, "The date cannot be in the future."))
    return value


def check_score(score: int | None, kind: str | None) -> None:
    """A score needs its kind, and must sit in that kind's range."""
    if score is None and not kind:
        return
    if score is None or not kind:
        raise InvalidInput(("score", "Give both a score and its kind (NPS or CSAT), or neither."))
    if kind not in SCORE_RANGES:
        raise InvalidInput(("score_kind", "Score kind must be NPS or CSAT."))
    low, high = SCORE_RANGES[kind]
    if not low <= score <= high:
        raise InvalidInput(("score", f"{kind.upper()} scores run from {low} to {high}."))


def build_feedback(data: FeedbackInput) -> Feedback:
    """A checked, unsaved feedback item (the caller adds and commits)."""
    text = check_text(data.text)
    if data.channel not in CHANNELS:
        raise InvalidInput(("channel", f"Channel must be one of: {', '.join(CHANNELS)}."))
    check_date(data.received_on, "received_on")
    check_score(data.score, data.score_kind)
    stage = active_stage(data.stage_id)
    if data.customer_id is not None and db.session.get(Customer, data.customer_id) is None:
        raise InvalidInput(("customer_id", "That customer does not exist."))
    source, external_id = data.source.strip() or None, data.external_id.strip() or None
    if source and len(source) > 100:
        raise InvalidInput(("source", "Keep the source under 100 characters."))
    if external_id and len(external_id) > 200:
        raise InvalidInput(("external_id", "Keep the external id under 200 characters."))
    if external_id:
        existing = db.session.scalar(
            select(Feedback.id).where(
                Feedback.source.is_(None) if source is None else Feedback.source == source,
                Feedback.external_id == external_id,
            )
        )
        if existing:
            raise DuplicateFeedback(
                existing,
                ("external_id", f"{source or 'This source'} item {external_id} is already stored."),
            )
    return Feedback(
        text=privacy.ingest_text(text),
        channel=data.channel,
        source=source,
        external_id=external_id,
        received_on=data.received_on,
        customer_id=data.customer_id,
        stage=stage,
        score=data.score,
        score_kind=data.score_kind or None,
    )


def create_feedback(
    data: FeedbackInput, created_by_id: int | None, submission_key: str | None = None
) -> Feedback:
    """Store one item; a repeated submission (double click) returns the first one."""

    def store() -> Feedback:
        item = build_feedback(data)
        item.created_by_id = created_by_id
        item.submission_key = submission_key
        db.session.add(item)
        themes.annotate([item])
        announce([item])
        db.session.commit()
        return item

    try:
        item, _ = submissions.once(Feedback, submission_key, store)
    except IntegrityError as error:  # a concurrent request stored the same external id first
        raise InvalidInput(("external_id", "This item was stored by someone else just now.")) from error
    return item


def receive_feedback(entries: list[ReceivedFeedback], created_by_id: int | None) -> list[tuple[int, bool]]:
    """Store a batch in one transaction, all or nothing; per entry, its id and whether it is new.

    An entry whose source and external id are already stored (or earlier in the batch) is not stored
    again: it gets the stored item's id and False. Any invalid entry stores nothing and raises
    InvalidItems naming every invalid entry.
    """
    results: list[tuple[int | Feedback, bool]] = []
    errors: list[tuple[int, str, str]] = []
    new: list[Feedback] = []
    for index, entry in enumerate(entries):
        try:
            data = entry.item
            if entry.stage.strip():
                data = dataclasses.replace(data, stage_id=stages.stage_id_named(entry.stage))
            item = build_feedback(data)  # first, so a duplicate never creates its customer
            customer = match_customer(entry.customer) if entry.customer else None
        except DuplicateFeedback as duplicate:
            results.append((duplicate.existing_id, False))
            continue
        except ServiceError as error:
            errors += [(index, field, message) for field, message in error.errors]
            continue
        item.customer, item.created_by_id = customer, created_by_id
        db.session.add(item)
        new.append(item)
        results.append((item, True))
    if errors:
        db.session.rollback()
        raise InvalidItems(errors)
    themes.annotate(new)
    try:
        announce(new)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()  # a concurrent request stored one of these external ids first
        raise InvalidInput(
            ("external_id", "Some of these items were stored by someone else just now; send the batch again.")
        ) from error
    return [(item if isinstance(item, int) else item.id, created) for item, created in results]


def record(item: Feedback) -> dict:
    """The item's own fields as plain JSON values, for the API and webhook payloads.

    Personal data in the text is masked: what leaves voc by machine is never revealed (the logged
    reveal is a page action for a person)."""
    return {
        "id": item.id,
        "text": pii.mask(item.text),
        "channel": item.channel,
        "received_on": item.received_on.isoformat(),
        "source": item.source,
        "external_id": item.external_id,
        "stage": item.stage.name if item.stage else None,
        "customer_id": item.customer_id,
        "interview_id": item.interview_id,
        "score": item.score,
        "score_kind": item.score_kind,
        "sentiment": item.sentiment,
        "sentiment_source": sentiment.describe(item),
        **_suggestion(item),
        "theme_id": item.theme_id,
        "language": item.language,
        "created_at": item.created_at.isoformat(timespec="seconds") + "Z",
    }


def _suggestion(item: Feedback) -> dict:
    """The stage voc suggests for an unstaged item and its confidence, while still open to accept."""
    open_ = item.stage_id is None and item.suggested_stage is not None and not item.suggested_stage.retired
    return {
        "suggested_stage": item.suggested_stage.name if open_ else None,
        "stage_confidence": item.stage_confidence if open_ else None,
    }


def announce(items: list[Feedback]) -> None:
    """Tell subscribed webhooks about these new items once the caller commits them (they are flushed)."""
    if items:
        db.session.flush()
        webhooks.emit("feedback.created", {"feedback": [record(item) for item in items]})


def get_feedback(feedback_id: int) -> Feedback:
    """One item with its customer and stage, or NotFound."""
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        raise NotFound(("feedback", "That feedback item does not exist."))
    return item


def in_segment(segment: str):
    """A WHERE clause: the item's customer is filed under the segment, or it answers a survey of it."""
    return or_(
        Feedback.customer_id.in_(select(Customer.id).where(Customer.segment == segment)),
        Feedback.survey_response_id.in_(
            select(SurveyResponse.id).join(Survey).where(Survey.segment == segment)
        ),
    )


def filtered_query(filters: FeedbackFilters):
    """The select() behind the feedback list, newest first."""
    return _shown(_filtered(filters)).order_by(*NEWEST_FIRST)


def _shown(stmt):
    """With what each item of the list shows beside its words."""
    return stmt.options(joinedload(Feedback.customer), joinedload(Feedback.stage))


def _filtered(filters: FeedbackFilters, whole_search: bool = True):
    """The filtered select() of feedback, in no order. A text search takes out the items whose words
    hold it only inside masked data; that reads every match, so a list showing a page at a time asks
    for `whole_search=False` and checks only the rows it shows (`_visible`)."""
    stmt = select(Feedback)
    if filters.channel:
        stmt = stmt.where(Feedback.channel == filters.channel)
    if filters.stage_id:
        stmt = stmt.where(Feedback.stage_id == filters.stage_id)
    if filters.customer_id:
        stmt = stmt.where(Feedback.customer_id == filters.customer_id)
    if filters.customer_text.strip():
        customers = select(Customer.id).where(matching(filters.customer_text, filters.by_email))
        stmt = stmt.where(Feedback.customer_id.in_(customers))
    if filters.start:
        stmt = stmt.where(Feedback.received_on >= filters.start)
    if filters.end:
        stmt = stmt.where(Feedback.received_on <= filters.end)
    if needle := filters.text.strip():
        # The text as shown, masked, is what is searched: a match inside an e-mail is no match.
        stmt = stmt.where(Feedback.text.icontains(needle, autoescape=True))
        if whole_search and (hidden := privacy.found_only_in_masked_data(needle)):
            stmt = stmt.where(Feedback.id.not_in(hidden))
    if filters.unstaged:
        stmt = stmt.where(Feedback.stage_id.is_(None))
    if filters.segment:
        stmt = stmt.where(in_segment(filters.segment))
    if filters.negative:
        stmt = stmt.where(Feedback.sentiment < NEGATIVE)
    if filters.theme_id:
        stmt = stmt.where(Feedback.theme_id == filters.theme_id)
    if filters.score_kind:
        stmt = stmt.where(Feedback.score_kind == filters.score_kind)
    if filters.language:
        stmt = stmt.where(Feedback.language == filters.language)
    if filters.suggested_stage_id:
        stmt = stmt.where(
            Feedback.stage_id.is_(None), Feedback.suggested_stage_id == filters.suggested_stage_id
        )
    if filters.survey_id:
        stmt = stmt.where(
            Feedback.survey_response_id.in_(
                select(SurveyResponse.id).where(SurveyResponse.survey_id == filters.survey_id)
            )
        )
    return stmt


# Language codes an item can carry, for filters that check their input.
LANGUAGES = tuple(sorted(language_names.NAMES))


def languages() -> list[tuple[str, str]]:
    """(code, name) of the languages the stored feedback is in, most items first, for filters."""
    codes = db.session.scalars(
        select(Feedback.language)
        .where(Feedback.language.is_not(None))
        .group_by(Feedback.language)
        .order_by(func.count().desc(), Feedback.language)
    )
    return [(code, language_names.name(code)) for code in codes]


def list_feedback(filters: FeedbackFilters, offset: int, limit: int) -> list[Feedback]:
    """`limit` items of the filtered list after the first `offset`, for clients that page by number
    (feedback_page seeks instead, at the same cost on every page)."""
    return list(db.session.scalars(filtered_query(filters).offset(offset).limit(limit)))


# ----- the list, a page at a time by its sort key -----------------------------------------------

# The list's order, and the key that seeks in it: (received_on, id) is unique and ix_feedback_received
# reads it in either direction, so every page costs the same, the last one included.
NEWEST_FIRST = (Feedback.received_on.desc(), Feedback.id.desc())
SORT_KEY = tuple_(Feedback.received_on, Feedback.id)
COUNT_CAP = 1_000  # counting beyond this would read every matching row on every page


@dataclass(frozen=True)
class Cursor:
    """A place in the list: the sort key of one item, written into links as 2026-03-01_123."""

    received_on: dt.date
    id: int

    def __str__(self) -> str:
        return f"{self.received_on.isoformat()}_{self.id}"

    @classmethod
    def parse(cls, value: str | None) -> "Cursor | None":
        """The cursor in a link, or None when there is none or it is malformed (the list starts over)."""
        day, _, number = (value or "").partition("_")
        try:
            cursor = cls(dt.date.fromisoformat(day), int(number))
        except ValueError:
            return None
        return cursor if 1 <= cursor.id <= INT_MAX else None

    @classmethod
    def of(cls, item: Feedback) -> "Cursor":
        return cls(item.received_on, item.id)


@dataclass(frozen=True)
class Count:
    """How many items match: exact up to COUNT_CAP, else "about" the planner's estimate or "more than"."""

    value: int
    kind: str = "exact"  # or "about", "more than"


@dataclass(frozen=True)
class FeedbackPage:
    """One page of the list and where its neighbours start."""

    items: list[Feedback]
    newer: Cursor | None  # link "before" this to the newer page, when there is one
    older: Cursor | None  # link "after" this to the older page, when there is one
    count: Count


def feedback_page(
    filters: FeedbackFilters,
    per_page: int,
    after: Cursor | None = None,
    before: Cursor | None = None,
    oldest: bool = False,
) -> FeedbackPage:
    """The page of items just older than `after`, just newer than `before`, the oldest, or the newest."""
    base, visible = _filtered(filters, whole_search=False), _visible(filters)
    if before is not None or oldest:
        rows = _take(base, visible, per_page + 1, newest_first=False, start=before)
        items = rows[:per_page][::-1]
        newer = Cursor.of(items[0]) if len(rows) > per_page else None
        older = None
        if items and not oldest and _take(base, visible, 1, newest_first=True, start=Cursor.of(items[-1])):
            older = Cursor.of(items[-1])
    else:
        rows = _take(base, visible, per_page + 1, newest_first=True, start=after)
        items = rows[:per_page]
        older = Cursor.of(items[-1]) if len(rows) > per_page else None
        newer = None
        if items and after and _take(base, visible, 1, newest_first=False, start=Cursor.of(items[0])):
            newer = Cursor.of(items[0])
    return FeedbackPage(items, newer, older, count_feedback(filters))


def _visible(filters: FeedbackFilters):
    """Whether a row the SQL search found shows the searched words (see `_filtered`)."""
    needle = filters.text.strip()
    return (lambda item: privacy.shows(item.text, needle)) if needle else (lambda item: True)


def _take(base, visible, wanted: int, newest_first: bool, start: Cursor | None) -> list[Feedback]:
    """Up to `wanted` visible items past `start` in the list's order (or its reverse), read in batches."""
    order = NEWEST_FIRST if newest_first else (Feedback.received_on, Feedback.id)
    taken = []
    while len(taken) < wanted:
        stmt = base
        if start is not None:
            key = tuple_(start.received_on, start.id)
            stmt = stmt.where(SORT_KEY < key if newest_first else SORT_KEY > key)
        batch = list(db.session.scalars(_shown(stmt).order_by(*order).limit(wanted)))
        taken += [item for item in batch if visible(item)]
        if len(batch) < wanted:
            break
        start = Cursor.of(batch[-1])
    return taken[:wanted]


def count_feedback(filters: FeedbackFilters, narrow=None) -> Count:
    """How many items the filters (and `narrow`, a function of the select) match, counting at most
    COUNT_CAP + 1 of them.

    Past the cap, the whole unfiltered list on PostgreSQL takes the planner's row estimate (kept by
    ANALYZE and autovacuum), which costs nothing; a filtered one says "more than COUNT_CAP".
    """
    stmt = _filtered(filters, whole_search=False)
    if narrow is not None:
        stmt = narrow(stmt)
    needle = filters.text.strip()
    rows = db.session.execute(
        stmt.with_only_columns(Feedback.id, Feedback.text if needle else Feedback.id).limit(COUNT_CAP + 1)
    ).all()
    if len(rows) <= COUNT_CAP:
        return Count(sum(1 for _, words in rows if not needle or privacy.shows(words, needle)))
    if narrow is None and filters == FeedbackFilters(by_email=filters.by_email) and _postgresql():
        estimate = db.session.scalar(
            text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('feedback')")
        )
        if estimate and estimate > COUNT_CAP:
            return Count(int(estimate), "about")
    return Count(COUNT_CAP, "more than")


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"
