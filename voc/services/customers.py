"""Customers as people: their details, consents and everything they told us."""
import datetime as dt
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from voc.extensions import db
from voc.models import Customer, Feedback, FollowUp, Interview, Theme
from voc.services.errors import EmailInUse, InvalidInput, NotFound


@dataclass(frozen=True)
class CustomerInput:
    """What staff type about a customer."""

    name: str
    organisation: str = ""
    segment: str = ""
    email: str = ""
    consent_quote: bool = False
    consent_contact: bool = False
    shared_email_ok: bool = False  # the person confirmed a second customer with an e-mail in use


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


LENGTHS = {"name": 200, "organisation": 200, "segment": 100}


def _checked_email(email: str) -> str | None:
    """The normalised address, None when blank; a malformed one is refused."""
    email = email.strip()
    if not email:
        return None
    if len(email) > 254:
        raise InvalidInput(("email", "Keep the e-mail address under 254 characters."))
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidInput(("email", str(error))) from None


def _apply(customer: Customer, data: CustomerInput) -> None:
    name = data.name.strip()
    if not name:
        raise InvalidInput(("name", "A customer needs a name."))
    for field, limit in LENGTHS.items():
        if len(getattr(data, field).strip()) > limit:
            raise InvalidInput((field, f"Keep the {field} under {limit} characters."))
    email = _checked_email(data.email)
    if email and not data.shared_email_ok:
        other = db.session.scalar(
            select(Customer)
            .where(func.lower(Customer.email) == email.lower(), Customer.id != customer.id)
            .order_by(Customer.id).limit(1)
        )
        if other is not None:
            raise EmailInUse(other, ("email", f"“{other.name}” already has this e-mail address."))
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
    """Change a customer's details or consents; an erased customer stays erased."""
    customer = get_customer(customer_id)
    if customer.erased_at is not None:
        raise InvalidInput(("name", "This customer was erased; add a new customer instead."))
    _apply(customer, data)
    db.session.commit()
    return customer


def get_customer(customer_id: int) -> Customer:
    """One customer, or NotFound."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(("customer", "That customer does not exist."))
    return customer


def sees_contact_details(user) -> bool:
    """Customers' e-mail addresses are for triagers and admins, who follow up with customers."""
    return user.has_role("triager")


def list_customers(query: str = "", by_email: bool = False) -> list[tuple[Customer, int]]:
    """Customers by name with how many items each has given, optionally searched (see `matching`)."""
    stmt = (
        select(Customer, func.count(Feedback.id))
        .outerjoin(Feedback, Feedback.customer_id == Customer.id)
        .group_by(Customer.id)
        .order_by(func.lower(Customer.name), Customer.id)
    )
    if query.strip():
        stmt = stmt.where(matching(query, by_email))
    return [(customer, count) for customer, count in db.session.execute(stmt)]


def matching(query: str, by_email: bool = False):
    """A WHERE clause: the customer's name or organisation contains the query, or with `by_email`
    their e-mail address (only for searchers who may see it, else a search would confirm it)."""
    needle = query.strip()
    fields = [Customer.name, Customer.organisation, *([Customer.email] if by_email else [])]
    return or_(*(field.icontains(needle, autoescape=True) for field in fields))


def feedback_count(customer_id: int) -> int:
    """How many items this customer has given, interview quotes included."""
    return db.session.scalar(select(func.count(Feedback.id)).where(Feedback.customer_id == customer_id))


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


@dataclass(frozen=True)
class Profile:
    """The rest of a customer's 360° view: scores over time, the themes of their words, follow-ups."""

    scores: list[Feedback]  # scored items, oldest first
    themes: list[tuple[Theme, int]]  # current themes their items fell into, most items first
    follow_ups: list[FollowUp]  # newest first


def profile(customer_id: int) -> Profile:
    """What the customer page shows beside the timeline, in three small queries."""
    get_customer(customer_id)
    scores = db.session.scalars(
        select(Feedback)
        .where(Feedback.customer_id == customer_id, Feedback.score.is_not(None))
        .order_by(Feedback.received_on, Feedback.id)
    ).all()
    themes = db.session.execute(
        select(Theme, func.count(Feedback.id))
        .join(Feedback, Feedback.theme_id == Theme.id)
        .where(Feedback.customer_id == customer_id, Theme.retired.is_(False))
        .group_by(Theme.id)
        .order_by(func.count(Feedback.id).desc(), Theme.id)
    ).all()
    follow_ups = db.session.scalars(
        select(FollowUp)
        .where(FollowUp.customer_id == customer_id)
        .options(selectinload(FollowUp.hit), selectinload(FollowUp.user))
        .order_by(FollowUp.held_on.desc(), FollowUp.id.desc())
    ).all()
    return Profile(list(scores), [(theme, count) for theme, count in themes], list(follow_ups))


@dataclass(frozen=True)
class CustomerRef:
    """A customer as another system names them, e.g. a ticket's requester."""

    name: str = ""
    email: str = ""
    organisation: str = ""
    segment: str = ""
    external_id: str = ""


def match_customer(ref: CustomerRef) -> Customer:
    """The stored customer with this external id, else this e-mail, else a new one (the caller commits).

    A match keeps the details staff recorded; a new customer starts without consents.
    """
    external_id = ref.external_id.strip()
    if len(external_id) > 200:
        raise InvalidInput(("customer.external_id", "Keep the customer's external id under 200 characters."))
    try:
        email = _checked_email(ref.email)
    except InvalidInput as error:
        raise InvalidInput(*[(f"customer.{f}", m) for f, m in error.errors]) from None
    found = None
    if external_id:
        found = db.session.scalar(
            select(Customer).where(Customer.external_id == external_id).order_by(Customer.id).limit(1)
        )
    if found is None and email:
        found = db.session.scalar(
            select(Customer).where(func.lower(Customer.email) == email.lower()).order_by(Customer.id).limit(1)
        )
    if found is not None:
        return found
    if not (ref.name.strip() or email or external_id):
        raise InvalidInput(("customer.name", "A new customer needs a name, an e-mail or an external id."))
    try:
        customer = build_customer(
            CustomerInput(name=ref.name.strip() or email or external_id, organisation=ref.organisation,
                          segment=ref.segment, email=email or "", shared_email_ok=True)
        )
    except InvalidInput as error:
        raise InvalidInput(*[(f"customer.{f}", m) for f, m in error.errors]) from None
    customer.external_id = external_id or None
    db.session.add(customer)
    return customer
