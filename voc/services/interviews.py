"""Field interviews: a conversation and its quotes, saved together."""

import datetime as dt
from dataclasses import dataclass, field

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from voc.extensions import db
from voc.models import Customer, Feedback, Interview, User
from voc.services import privacy, submissions, themes
from voc.services.customers import CustomerInput, build_customer
from voc.services.errors import EmailInUse, InvalidInput, NotFound, ServiceError
from voc.services.feedback import announce, check_date, check_text
from voc.services.stages import active_stage


@dataclass(frozen=True)
class QuoteInput:
    """One thing the customer said, with the journey stage it is about."""

    text: str
    stage_id: int | None = None


@dataclass(frozen=True)
class InterviewInput:
    """An interview as logged by a field team member."""

    interviewer_id: int
    held_on: dt.date
    place: str
    duration_minutes: int
    customer_id: int | None = None
    new_customer: CustomerInput | None = None
    notes: str = ""
    quotes: list[QuoteInput] = field(default_factory=list)


@dataclass(frozen=True)
class InterviewList:
    """One page of the interviews in a period, how many there are and the field time they add up to."""

    page: Pagination  # of Interview
    total_minutes: int

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 1)


def _customer(data: InterviewInput) -> Customer:
    typed = data.new_customer
    if data.customer_id is not None and typed is not None:
        for name in ("name", "organisation", "segment", "email"):
            if getattr(typed, name).strip():
                raise InvalidInput(
                    (
                        f"new_customer_{name}",
                        "You picked an existing customer and typed a new one: clear the new customer's "
                        "details, or choose “— new customer —” above.",
                    )
                )
    if data.customer_id is not None:
        customer = db.session.get(Customer, data.customer_id)
        if customer is None:
            raise InvalidInput(("customer_id", "That customer does not exist."))
        return customer
    if data.new_customer is None or not data.new_customer.name.strip():
        raise InvalidInput(("customer_id", "Pick a customer or type a new customer's name."))
    try:
        customer = build_customer(data.new_customer)
    except EmailInUse as error:
        message = f"“{error.existing.name}” already has this e-mail address: pick them under Customer."
        raise InvalidInput(("new_customer_email", message)) from None
    except ServiceError as error:
        raise InvalidInput(*[(f"new_customer_{f}", m) for f, m in error.errors]) from None
    db.session.add(customer)
    return customer


def _quotes(data: InterviewInput) -> list[tuple[str, object]]:
    """Checked (text, stage) pairs; blank quote rows are the empty extras of the form."""
    quotes, errors = [], []
    for index, quote in enumerate(data.quotes):
        if not quote.text.strip():
            continue
        try:
            quotes.append((privacy.ingest_text(check_text(quote.text)), active_stage(quote.stage_id)))
        except ServiceError as error:
            errors += [(f"quotes-{index}-{f if f == 'text' else 'stage'}", m) for f, m in error.errors]
    if errors:
        raise InvalidInput(*errors)
    if not quotes:
        raise InvalidInput(("quotes-0-text", "Add at least one quote or observation."))
    return quotes


def log_interview(data: InterviewInput, submission_key: str | None = None) -> Interview:
    """Save the interview, a new customer if any, and every quote in one transaction."""
    interview, _ = submissions.once(Interview, submission_key, lambda: _store(data, submission_key))
    return interview


def _store(data: InterviewInput, submission_key: str | None) -> Interview:
    check_date(data.held_on, "held_on")
    if not data.place.strip():
        raise InvalidInput(("place", "Say where the interview took place."))
    if not 0 < data.duration_minutes <= 24 * 60:
        raise InvalidInput(("duration_minutes", "Duration must be between 1 and 1440 minutes."))
    if db.session.get(User, data.interviewer_id) is None:
        raise InvalidInput(("interviewer_id", "That interviewer does not exist."))
    try:
        quotes = _quotes(data)
        customer = _customer(data)
        interview = Interview(
            customer=customer,
            interviewer_id=data.interviewer_id,
            held_on=data.held_on,
            place=data.place.strip(),
            duration_minutes=data.duration_minutes,
            notes=data.notes.strip(),
            submission_key=submission_key,
        )
        db.session.add(interview)
        items = [
            Feedback(
                text=text,
                channel="interview",
                received_on=data.held_on,
                customer=customer,
                stage=stage,
                interview=interview,
                created_by_id=data.interviewer_id,
            )
            for text, stage in quotes
        ]
        db.session.add_all(items)
        themes.annotate(items)
        announce(items)
        db.session.commit()
    except ServiceError:
        db.session.rollback()
        raise
    return interview


def get_interview(interview_id: int) -> Interview:
    """One interview with its quotes, or NotFound."""
    interview = db.session.get(Interview, interview_id)
    if interview is None:
        raise NotFound(("interview", "That interview does not exist."))
    return interview


def _held(start: dt.date | None, end: dt.date | None) -> list:
    """WHERE clauses for interviews held in the period (open-ended when a date is missing)."""
    conditions = []
    if start:
        conditions.append(Interview.held_on >= start)
    if end:
        conditions.append(Interview.held_on <= end)
    return conditions


def field_time(
    start: dt.date | None = None, end: dt.date | None = None, segment: str | None = None
) -> tuple[int, int]:
    """Minutes spent in field interviews held in the period (with customers of the segment, if one is
    given), and how many interviews."""
    conditions = _held(start, end)
    if segment:
        conditions.append(Interview.customer_id.in_(select(Customer.id).where(Customer.segment == segment)))
    minutes, count = db.session.execute(
        select(func.coalesce(func.sum(Interview.duration_minutes), 0), func.count(Interview.id)).where(
            *conditions
        )
    ).one()
    return int(minutes), int(count)


def list_interviews(
    start: dt.date | None = None, end: dt.date | None = None, page: int = 1, per_page: int = 50
) -> InterviewList:
    """A page of the interviews held in the period, newest first, with the total field time."""
    stmt = (
        select(Interview)
        .where(*_held(start, end))
        .options(
            selectinload(Interview.customer),
            selectinload(Interview.interviewer),
            selectinload(Interview.quotes),
        )
        .order_by(Interview.held_on.desc(), Interview.id.desc())
    )
    return InterviewList(
        db.paginate(stmt, page=page, per_page=per_page, error_out=False), field_time(start, end)[0]
    )
