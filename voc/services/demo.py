"""Loading the fictional demo company into an empty database."""
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from voc.demo import build_demo
from voc.extensions import db
from voc.models import Customer, Feedback, Interview, Stage, User
from voc.services import stages, users

DEMO_ADMIN_EMAIL = "admin@voc.example"


@dataclass(frozen=True)
class DemoResult:
    """What loading the demo did; the password is set only when the admin was made now."""

    loaded: bool
    feedback: int
    customers: int
    interviews: int
    admin_email: str | None = None
    admin_password: str | None = None


def database_is_empty() -> bool:
    """No feedback and no customers yet."""
    return not (
        db.session.scalar(select(func.count(Feedback.id)))
        or db.session.scalar(select(func.count(Customer.id)))
    )


def load_demo(today: dt.date | None = None, seed: int = 7) -> DemoResult:
    """Seed stages, the demo admin and the demo company's feedback, unless data is already there."""
    stages.seed_default_stages()
    admin_email = admin_password = None
    if db.session.scalar(select(func.count(User.id))) == 0:
        _, admin_password = users.create_user(DEMO_ADMIN_EMAIL, "admin", "Demo Admin")
        admin_email = DEMO_ADMIN_EMAIL
    if not database_is_empty():
        return DemoResult(False, *_counts(), admin_email, admin_password)
    today = today or dt.date.today()
    data = build_demo(seed)
    by_name = {s.name: s for s in db.session.scalars(select(Stage))}
    interviewer = db.session.scalar(select(User).order_by(User.id))
    people = [
        Customer(
            name=c.name, organisation=c.organisation, segment=c.segment, email=c.email,
            consent_quote=c.consent_quote, consent_contact=c.consent_contact,
        )
        for c in data.customers
    ]
    db.session.add_all(people)
    for item in data.feedback:
        db.session.add(
            Feedback(
                text=item.text, channel=item.channel, source=item.source,
                external_id=item.external_id,
                received_on=today - dt.timedelta(days=item.days_ago),
                customer=people[item.customer] if item.customer is not None else None,
                stage=by_name.get(item.stage) if item.stage else None,
                score=item.score, score_kind=item.score_kind,
            )
        )
    for talk in data.interviews:
        held_on = today - dt.timedelta(days=talk.days_ago)
        interview = Interview(
            customer=people[talk.customer], interviewer=interviewer, held_on=held_on,
            place=talk.place, duration_minutes=talk.duration_minutes, notes=talk.notes,
        )
        db.session.add(interview)
        for quote in talk.quotes:
            db.session.add(
                Feedback(
                    text=quote.text, channel="interview", received_on=held_on,
                    customer=people[talk.customer],
                    stage=by_name.get(quote.stage) if quote.stage else None,
                    interview=interview, created_by_id=interviewer.id,
                )
            )
    db.session.commit()
    return DemoResult(True, *_counts(), admin_email, admin_password)


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(Feedback.id))),
        db.session.scalar(select(func.count(Customer.id))),
        db.session.scalar(select(func.count(Interview.id))),
    )
