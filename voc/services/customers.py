"""Customers as people: their details, consents and everything they told us."""

import datetime as dt
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select, tuple_
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


def checked_email(email: str) -> str | None:
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
    email = checked_email(data.email)
    if email and not data.shared_email_ok:
        other = db.session.scalar(
            select(Customer)
            .where(func.lower(Customer.email) == email.lower(), Customer.id != customer.id)
            .order_by(Customer.id)
            .limit(1)
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


@dataclass(frozen=True)
class CustomerPage:
    """Customers in name order with how many items each gave, and whether more follow."""

    rows: list[tuple[Customer, int]]
    more: bool


BY_NAME = (func.lower(Customer.name), Customer.id)  # ix_customer_name_lower reads the list in this order


def list_customers(
    query: str = "", by_email: bool = False, *, limit: int, offset: int = 0, after: int | None = None
) -> CustomerPage:
    """A page of customers by name, optionally searched (see `matching`): `limit` of them after the
    customer numbered `after` (a link from the previous page), or after skipping `offset`."""
    stmt = select(Customer).order_by(*BY_NAME)
    if query.strip():
        stmt = stmt.where(matching(query, by_email))
    if after is not None:
        name = select(func.lower(Customer.name)).where(Customer.id == after).scalar_subquery()
        stmt = stmt.where(tuple_(*BY_NAME) > tuple_(name, after))
    found = list(db.session.scalars(stmt.offset(offset).limit(limit + 1)))
    shown = found[:limit]
    counts = (
        dict(
            db.session.execute(
                # Only this page's customers: ix_feedback_customer_received counts each from its index.
                select(Feedback.customer_id, func.count())
                .where(Feedback.customer_id.in_([c.id for c in shown]))
                .group_by(Feedback.customer_id)
            ).all()
        )
        if shown
        else {}
    )
    return CustomerPage([(customer, counts.get(customer.id, 0)) for customer in shown], len(found) > limit)


def count_customers(query: str = "", by_email: bool = False) -> int:
    """How many customers the search finds (the API's total)."""
    stmt = select(func.count(Customer.id))
    if query.strip():
        stmt = stmt.where(matching(query, by_email))
    return db.session.scalar(stmt)


def matching(query: str, by_email: bool = False):
    """A WHERE clause: the customer's name or organisation contains the query, or with `by_email`
    their e-mail address (only for searchers who may see it, else a search would confirm it)."""
    needle = query.strip()
    fields = [Customer.name, Customer.organisation, *([Customer.email] if by_email else [])]
    return or_(*(field.icontains(needle, autoescape=True) for field in fields))


def feedback_count(customer_id: int) -> int:
    """How many items this customer has given, interview quotes included."""
    return db.session.scalar(select(func.count(Feedback.id)).where(Feedback.customer_id == customer_id))


def label(customer: Customer) -> str:
    """How pickers name a customer: the organisation tells namesakes apart."""
    return f"{customer.name} ({customer.organisation})" if customer.organisation else customer.name


PICKS = 10  # suggestions per answer of the picker; a name typed further narrows them


def suggest(query: str, by_email: bool = False, after: int | None = None, limit: int = PICKS) -> CustomerPage:
    """Customers whose name or organisation (or e-mail, see `matching`) contains what was typed, by name."""
    return list_customers(query, by_email, limit=limit, after=after)


class CustomerChoice(InvalidInput):
    """What was typed in a picker names several customers; `matches` are the first few to choose from."""

    def __init__(self, matches: list[Customer], more: bool, *errors: tuple[str, str]):
        super().__init__(*errors)
        self.matches, self.more = matches, more


def pick(
    customer_id: int | None, typed: str | None, by_email: bool = False, field: str = "customer"
) -> int | None:
    """The customer a picker names: the chosen id while the typed text still describes that customer,
    else the one customer the text names, None for an emptied field. Without the text field at all (a
    script sending the id) the id is passed on as it is, for the caller's own check.

    Text naming nobody or several people is refused, the several with their names to choose from.
    """
    if typed is None:
        return customer_id
    needle = typed.strip()
    if not needle:
        return None
    if customer_id is not None:
        chosen = db.session.get(Customer, customer_id)
        if chosen is not None and _describes(chosen, needle, by_email):
            return customer_id
    exact = _labelled(needle)
    if len(exact) == 1:
        return exact[0].id
    page = suggest(needle, by_email)
    found = exact or [customer for customer, _ in page.rows]
    if len(found) == 1:
        return found[0].id
    if not found:
        raise InvalidInput(
            (field, f"No customer matches “{needle}”; check the spelling or add the customer first.")
        )
    raise CustomerChoice(
        found, page.more and not exact, (field, f"Several customers match “{needle}”; choose one.")
    )


def _describes(customer: Customer, needle: str, by_email: bool) -> bool:
    """The typed text is the customer's label or part of what `matching` searches."""
    folded = needle.casefold()
    fields = [customer.name, customer.organisation, *([customer.email] if by_email else [])]
    return folded == label(customer).casefold() or any(folded in (f or "").casefold() for f in fields)


def _labelled(needle: str) -> list[Customer]:
    """Customers whose picker label is exactly the text (any case): found by name through its index."""
    names = {needle}
    if needle.endswith(")") and " (" in needle:
        names.add(needle.rsplit(" (", 1)[0])
    # SQLite's lower() folds ASCII only, so the name as typed is looked up too.
    candidates = db.session.scalars(
        select(Customer)
        .where(or_(func.lower(Customer.name).in_({n.lower() for n in names}), Customer.name.in_(names)))
        .order_by(*BY_NAME)
        .limit(PICKS + 1)
    )
    return [c for c in candidates if label(c).casefold() == needle.casefold()]


def segments() -> list[str]:
    """The segments customers are filed under, for filter pickers."""
    return list(
        db.session.scalars(
            select(Customer.segment)
            .where(Customer.segment.is_not(None))
            .distinct()
            .order_by(Customer.segment)
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
        email = checked_email(ref.email)
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
            CustomerInput(
                name=ref.name.strip() or email or external_id,
                organisation=ref.organisation,
                segment=ref.segment,
                email=email or "",
                shared_email_ok=True,
            )
        )
    except InvalidInput as error:
        raise InvalidInput(*[(f"customer.{f}", m) for f, m in error.errors]) from None
    customer.external_id = external_id or None
    db.session.add(customer)
    return customer
