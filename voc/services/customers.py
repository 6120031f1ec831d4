"""Customers as people: their details, consents and everything they told us."""
import datetime as dt
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from voc.extensions import db
from voc.models import Customer, Feedback, Interview
from voc.services.errors import InvalidInput, NotFound


@dataclass(frozen=True)
class CustomerInput:
    """What staff type about a customer."""

    name: str
    organisation: str = ""
    segment: str = ""
    email: str = ""
    consent_quote: bool = False
    consent_contact: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    """One moment in a customer's story: an interview (with its quotes) or a single item."""

    on: dt.date
    interview: Interview | None = None
    feedback: Feedback | None = None


def build_customer(data: CustomerInput) -> Customer:
    """A new, unsaved customer after checking the fields (the caller commits)."""
    customer = Customer()
    _apply(customer, data)
    return customer


def _apply(customer: Customer, data: CustomerInput) -> None:
    name = data.name.strip()
    if not name:
        raise InvalidInput(("name", "A customer needs a name."))
    email = data.email.strip()
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise InvalidInput(("email", str(error))) from None
    customer.name = name
    customer.organisation = data.organisation.strip() or None
    customer.segment = data.segment.strip() or None
    customer.email = email or None
    customer.consent_quote = data.consent_quote
    customer.consent_contact = data.consent_contact


def create_customer(data: CustomerInput) -> Customer:
    """Save a new customer."""
    customer = build_customer(data)
    db.session.add(customer)
    db.session.commit()
    return customer


def update_customer(customer_id: int, data: CustomerInput) -> Customer:
    """Change a customer's details or consents."""
    customer = get_customer(customer_id)
    _apply(customer, data)
    db.session.commit()
    return customer


def get_customer(customer_id: int) -> Customer:
    """One customer, or NotFound."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(("customer", "That customer does not exist."))
    return customer


def list_customers(query: str = "") -> list[tuple[Customer, int]]:
    """Customers by name with how many items each has given, optionally searched."""
    stmt = (
        select(Customer, func.count(Feedback.id))
        .outerjoin(Feedback, Feedback.customer_id == Customer.id)
        .group_by(Customer.id)
        .order_by(func.lower(Customer.name), Customer.id)
    )
    if query.strip():
        needle = query.strip()
        stmt = stmt.where(
            or_(
                Customer.name.icontains(needle, autoescape=True),
                Customer.organisation.icontains(needle, autoescape=True),
                Customer.email.icontains(needle, autoescape=True),
            )
        )
    return [(customer, count) for customer, count in db.session.execute(stmt)]


def customer_choices() -> list[tuple[int, str]]:
    """(id, label) pairs for pickers, organisation shown to tell namesakes apart."""
    rows = db.session.execute(
        select(Customer.id, Customer.name, Customer.organisation).order_by(
            func.lower(Customer.name), Customer.id
        )
    )
    return [(id_, f"{name} ({org})" if org else name) for id_, name, org in rows]


def segments() -> list[str]:
    """The segments customers are filed under, for filter pickers."""
    return list(
        db.session.scalars(
            select(Customer.segment).where(Customer.segment.is_not(None)).distinct().order_by(Customer.segment)
        )
    )


def timeline(customer_id: int) -> list[TimelineEntry]:
    """Everything the customer told us across channels, newest first."""
    get_customer(customer_id)
    interviews = db.session.scalars(
        select(Interview)
        .where(Interview.customer_id == customer_id)
        .options(selectinload(Interview.quotes).selectinload(Feedback.stage))
    )
    items = db.session.scalars(
        select(Feedback)
        .where(Feedback.customer_id == customer_id, Feedback.interview_id.is_(None))
        .options(selectinload(Feedback.stage))
    )
    entries = [TimelineEntry(on=i.held_on, interview=i) for i in interviews]
    entries += [TimelineEntry(on=f.received_on, feedback=f) for f in items]
    entries.sort(
        key=lambda e: (e.on, (e.interview or e.feedback).created_at, (e.interview or e.feedback).id),
        reverse=True,
    )
    return entries
