"""Surveys sent as public links: staff set them up, respondents answer, answers become feedback at once."""

import datetime as dt
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from voc.extensions import db
from voc.models import Feedback, Survey, SurveyResponse, Theme, utcnow
from voc.services import clock, customers, feedback, submissions, themes
from voc.services.errors import InvalidInput, NotFound, ServiceError
from voc.services.stages import active_stage
from voc.vocabulary import SCORE_RANGES

# What each consent allows, in the words the respondent reads beside the box. A changed wording
# gets a new version; responses keep the version they were shown, so old consents keep their meaning.
CONSENT_WORDINGS = {
    "2026-12": {
        "quote": "We may show your words, without your name, to our team and in our reports.",
        "contact": "Someone from our team may write to you personally about this — never marketing.",
    },
}
CONSENT_VERSION = "2026-12"  # the wording shown to new respondents

MAX_QUESTIONS = 3
MAX_ANSWER = 2_000  # characters per answer: a survey answer, not an essay or a paste of a file
MAX_ORIGINS = 5
# An origin as a browser sends it: scheme, host and optional port, nothing else (it goes into a header).
ORIGIN = re.compile(r"https?://[a-z0-9]([a-z0-9.-]{0,250}[a-z0-9])?(:[0-9]{1,5})?")
LENGTHS = {
    "title": 200,
    "intro": 2_000,
    "question": 300,
    "segment": 100,
    "thanks_name": 120,
    "thanks_text": 500,
}


@dataclass(frozen=True)
class SurveyInput:
    """A survey as staff type it."""

    title: str
    questions: list[str]
    thanks_name: str
    thanks_text: str
    intro: str = ""
    score_kind: str | None = None
    stage_id: int | None = None
    segment: str = ""
    closes_on: dt.date | None = None
    max_responses: int | None = None
    embed_origins: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """What one respondent sent."""

    answers: list[str]  # one per question, "" when skipped
    score: int | None = None
    consent_quote: bool = False
    consent_contact: bool = False
    email: str = ""


@dataclass(frozen=True)
class Results:
    """One survey's figures: responses per day, the score's spread, NPS or CSAT, its answers' themes."""

    survey: Survey
    responses: int
    answers: int
    per_day: list[tuple[dt.date, int]]
    scores: list[tuple[int, int]]  # (score, responses), every value of the scale
    score_value: float | int | None  # NPS (-100..100) or mean CSAT
    themes: list[tuple[int, str, int]]  # (theme id, title, answers)
    consents: tuple[int, int]  # responses allowing quotes, contact


def _text(value: str, name: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput((name, "This cannot be empty."))
    if len(value) > LENGTHS[name]:
        raise InvalidInput((name, f"Keep it under {LENGTHS[name]:,} characters."))
    return value


def check_origins(origins: list[str]) -> list[str]:
    """The origins that may frame the survey, normalised; anything but scheme://host[:port] is refused."""
    cleaned = []
    for origin in origins:
        origin = origin.strip().rstrip("/").lower()
        if not origin:
            continue
        if not ORIGIN.fullmatch(origin):
            raise InvalidInput(
                (
                    "embed_origins",
                    f"“{origin[:100]}” is not an origin like https://www.example.com "
                    "(scheme and host only, no path).",
                )
            )
        if origin not in cleaned:
            cleaned.append(origin)
    if len(cleaned) > MAX_ORIGINS:
        raise InvalidInput(("embed_origins", f"List at most {MAX_ORIGINS} sites."))
    return cleaned


def _apply(survey: Survey, data: SurveyInput) -> None:
    questions = [q.strip() for q in data.questions if q and q.strip()]
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise InvalidInput(("questions", f"Ask one to {MAX_QUESTIONS} open questions."))
    if any(len(q) > LENGTHS["question"] for q in questions):
        raise InvalidInput(("questions", f"Keep each question under {LENGTHS['question']} characters."))
    if data.score_kind not in (None, *SCORE_RANGES):
        raise InvalidInput(("score_kind", "Choose NPS, CSAT or no score question."))
    if data.max_responses is not None and data.max_responses < 1:
        raise InvalidInput(("max_responses", "Close after at least one response, or leave it empty."))
    survey.title = _text(data.title, "title", required=True)
    survey.intro = _text(data.intro, "intro")
    survey.thanks_name = _text(data.thanks_name, "thanks_name", required=True)
    survey.thanks_text = _text(data.thanks_text, "thanks_text", required=True)
    survey.segment = _text(data.segment, "segment") or None
    survey.questions = questions
    survey.score_kind = data.score_kind
    survey.stage = active_stage(data.stage_id)
    survey.closes_on = data.closes_on
    survey.max_responses = data.max_responses
    survey.embed_origins = check_origins(data.embed_origins)


def create_survey(data: SurveyInput, user_id: int | None) -> Survey:
    """A new, open survey with its own unguessable link."""
    survey = Survey(token=secrets.token_urlsafe(24), created_by_id=user_id, status="open")
    _apply(survey, data)
    db.session.add(survey)
    db.session.commit()
    return survey


def update_survey(survey_id: int, data: SurveyInput) -> Survey:
    """Change a survey; its link and its responses stay."""
    survey = get_survey(survey_id)
    _apply(survey, data)
    db.session.commit()
    return survey


def set_open(survey_id: int, is_open: bool) -> Survey:
    """Open or close a survey by hand."""
    survey = get_survey(survey_id)
    survey.status = "open" if is_open else "closed"
    survey.closed_at = None if is_open else utcnow()
    db.session.commit()
    return survey


def get_survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(("survey", "That survey does not exist."))
    return survey


def survey_by_token(token: str) -> Survey:
    """The survey behind a public link."""
    survey = db.session.scalar(select(Survey).where(Survey.token == token)) if len(token) <= 43 else None
    if survey is None:
        raise NotFound(("survey", "There is no survey at this address."))
    return survey


def response_counts(survey_ids: list[int]) -> dict[int, int]:
    """Responses per survey id of these surveys."""
    stmt = (
        select(SurveyResponse.survey_id, func.count())
        .where(SurveyResponse.survey_id.in_(survey_ids))
        .group_by(SurveyResponse.survey_id)
    )
    return dict(db.session.execute(stmt).all())


def list_surveys(limit: int | None = None, offset: int = 0) -> list[tuple[Survey, int]]:
    """Surveys newest first (all, or `limit` of them after `offset`), with their responses."""
    stmt = select(Survey).order_by(Survey.created_at.desc(), Survey.id.desc()).offset(offset).limit(limit)
    rows = list(db.session.scalars(stmt))
    counts = response_counts([survey.id for survey in rows])
    return [(survey, counts.get(survey.id, 0)) for survey in rows]


def count_surveys() -> int:
    """How many surveys there are."""
    return db.session.scalar(select(func.count()).select_from(Survey))


def closed_reason(survey: Survey, today: dt.date | None = None) -> str | None:
    """Why the survey takes no answers now ("closed", "date", "full"), or None when it does."""
    if survey.status != "open":
        return "closed"
    if survey.closes_on is not None and (today or clock.today()) > survey.closes_on:
        return "date"
    if survey.max_responses is not None:
        taken = db.session.scalar(
            select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
        )
        if taken >= survey.max_responses:
            return "full"
    return None


def _checked(survey: Survey, answer: Answer) -> tuple[list[tuple[int, str]], str | None]:
    """The answered questions as (index, text) and the respondent's e-mail; every problem at once."""
    errors = []
    answered = []
    for index, text in enumerate(answer.answers[: len(survey.questions)]):
        text = (text or "").strip()
        if len(text) > MAX_ANSWER:
            errors.append(
                (
                    f"answer_{index}",
                    f"Please keep this answer under {MAX_ANSWER:,} characters; it has {len(text):,}.",
                )
            )
        elif text:
            answered.append((index, text))
    if not answered and not any(f.startswith("answer_") for f, _ in errors):
        errors.append(("answer_0", "Please write a few words in answer to at least one question."))
    if answer.score is not None:
        low, high = SCORE_RANGES.get(survey.score_kind or "", (1, 0))
        if not low <= answer.score <= high:
            errors.append(
                ("score", f"Choose a score from {low} to {high}." if high else "This survey asks no score.")
            )
    email = None
    if answer.consent_contact:
        try:
            email = customers.checked_email(answer.email)
        except InvalidInput:
            email = ""
        if not email:
            errors.append(
                ("email", "Give an e-mail address we can write to, or untick “You may contact me”.")
            )
    if errors:
        raise InvalidInput(*errors)
    return answered, email


def respond(survey: Survey, answer: Answer, submission_key: str) -> SurveyResponse:
    """Store a response and its answers as feedback, placed and announced; a resent form stores nothing new.

    Raises SurveyClosed when the survey takes no answers, InvalidInput naming every problem otherwise.
    """
    answered, email = _checked(survey, answer)  # first: a resend that is now too long is refused too

    def store() -> SurveyResponse:
        reason = closed_reason(survey)
        if reason:
            raise SurveyClosed(reason)
        try:
            response, items = _response(survey, answer, answered, email, submission_key)
        except ServiceError:
            db.session.rollback()  # a customer matched or made for it must not be saved later
            raise
        themes.annotate(items)
        feedback.announce(items)
        db.session.commit()
        return response

    response, _ = submissions.once(SurveyResponse, submission_key, store)
    return response


def _response(
    survey: Survey, answer: Answer, answered: list[tuple[int, str]], email: str | None, submission_key: str
) -> tuple[SurveyResponse, list[Feedback]]:
    """The unsaved response and its answers as feedback items, added to the session."""
    response = SurveyResponse(
        survey=survey,
        submission_key=submission_key,
        score=answer.score,
        consent_quote=answer.consent_quote,
        consent_contact=answer.consent_contact,
        consent_version=CONSENT_VERSION,
    )
    if email:
        # Only a respondent who asked to be contacted is matched to (or becomes) a customer.
        # Named for the survey, not by the address: staff who may not see e-mails see the name.
        customer = customers.match_customer(
            customers.CustomerRef(
                name=f"Respondent to {survey.title}"[:200],
                email=email,
                segment=survey.segment or "",
            )
        )
        customer.consent_contact = True
        customer.consent_quote = customer.consent_quote or answer.consent_quote
        response.customer = customer
    stage_id = survey.stage_id if survey.stage is not None and not survey.stage.retired else None
    items = []
    for _, text in answered:
        item = feedback.build_feedback(
            feedback.FeedbackInput(
                text=text,
                channel="survey",
                received_on=clock.today(),
                source=f"Survey: {survey.title}"[:100],
                stage_id=stage_id,
                score=answer.score if survey.score_kind else None,
                score_kind=survey.score_kind if answer.score is not None else None,
            )
        )
        item.customer = response.customer
        item.survey_response = response
        items.append(item)
    db.session.add(response)
    return response, items


class SurveyClosed(Exception):
    """The survey takes no answers; `reason` says why (closed_reason)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def results(survey_id: int) -> Results:
    """The survey's figures, each response counted once whatever it answered."""
    survey = get_survey(survey_id)
    of_survey = SurveyResponse.survey_id == survey.id
    responses = db.session.execute(
        select(
            SurveyResponse.created_at,
            SurveyResponse.score,
            SurveyResponse.consent_quote,
            SurveyResponse.consent_contact,
        ).where(of_survey)
    ).all()
    per_day = Counter(created.date() for created, *_ in responses)
    scored = [score for _, score, *_ in responses if score is not None]
    spread = Counter(scored)
    low, high = SCORE_RANGES.get(survey.score_kind or "", (1, 0))
    value = None
    if scored and survey.score_kind == "nps":
        value = round(100 * (sum(s >= 9 for s in scored) - sum(s <= 6 for s in scored)) / len(scored))
    elif scored:
        value = round(sum(scored) / len(scored), 2)
    answers_of = Feedback.survey_response_id.in_(select(SurveyResponse.id).where(of_survey))
    answers = db.session.scalar(select(func.count()).select_from(Feedback).where(answers_of))
    top = db.session.execute(
        select(Theme.id, func.coalesce(Theme.name, Theme.label), func.count())
        .join(Feedback, Feedback.theme_id == Theme.id)
        .where(answers_of, Theme.noise.is_(False))
        .group_by(Theme.id, Theme.name, Theme.label)
        .order_by(func.count().desc(), Theme.id)
        .limit(5)
    ).all()
    return Results(
        survey=survey,
        responses=len(responses),
        answers=answers,
        per_day=sorted(per_day.items()),
        scores=[(score, spread.get(score, 0)) for score in range(low, high + 1)],
        score_value=value,
        themes=[(theme_id, title, count) for theme_id, title, count in top],
        consents=(sum(1 for r in responses if r[2]), sum(1 for r in responses if r[3])),
    )


def consents_given(customer_id: int) -> list[tuple[SurveyResponse, dict]]:
    """The customer's survey responses that gave a consent, newest first, with the wording they saw."""
    rows = db.session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.customer_id == customer_id)
        .order_by(SurveyResponse.created_at.desc(), SurveyResponse.id.desc())
    )
    return [(row, CONSENT_WORDINGS.get(row.consent_version, {})) for row in rows]
