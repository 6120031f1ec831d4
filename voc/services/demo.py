"""Loading the fictional demo company into an empty database."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from voc.demo import build_demo
from voc.extensions import db
from voc.models import Customer, Feedback, Interview, Stage, User
from voc.services import clock, hits, stages, themes, users

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
    today = today or clock.today()
    data = build_demo(seed)
    by_name = {s.name: s for s in db.session.scalars(select(Stage))}
    interviewer = db.session.scalar(select(User).order_by(User.id))
    people = [
        Customer(
            name=c.name,
            organisation=c.organisation,
            segment=c.segment,
            email=c.email,
            consent_quote=c.consent_quote,
            consent_contact=c.consent_contact,
        )
        for c in data.customers
    ]
    db.session.add_all(people)
    for item in data.feedback:
        db.session.add(
            Feedback(
                text=item.text,
                channel=item.channel,
                source=item.source,
                external_id=item.external_id,
                received_on=today - dt.timedelta(days=item.days_ago),
                customer=people[item.customer] if item.customer is not None else None,
                stage=by_name.get(item.stage) if item.stage else None,
                score=item.score,
                score_kind=item.score_kind,
                language=themes.text_language(item.text),
            )
        )
    for talk in data.interviews:
        held_on = today - dt.timedelta(days=talk.days_ago)
        interview = Interview(
            customer=people[talk.customer],
            interviewer=interviewer,
            held_on=held_on,
            place=talk.place,
            duration_minutes=talk.duration_minutes,
            notes=talk.notes,
        )
        db.session.add(interview)
        for quote in talk.quotes:
            db.session.add(
                Feedback(
                    text=quote.text,
                    channel="interview",
                    received_on=held_on,
                    customer=people[talk.customer],
                    stage=by_name.get(quote.stage) if quote.stage else None,
                    interview=interview,
                    created_by_id=interviewer.id,
                    language=themes.text_language(quote.text),
                )
            )
    db.session.commit()
    load_demo_hits(today, interviewer)
    return DemoResult(True, *_counts(), admin_email, admin_password)


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(Feedback.id))),
        db.session.scalar(select(func.count(Customer.id))),
        db.session.scalar(select(func.count(Interview.id))),
    )


# The triaged hit list: (title, problem, stage, first horizon, horizon, kind, evidence keywords,
# impact, confidence, effort, status). Evidence is every item whose text holds a keyword.
DEMO_HITS = (
    (
        "Advert prices leave out the standing charge",
        "The price in the advert is not the price I was quoted once the standing charge went on.",
        "Awareness",
        "this month",
        "this month",
        "quick fix",
        ("advert",),
        4,
        80,
        1.0,
        "in progress",
    ),
    (
        "Comparison-site prices go out of date",
        "The price on the comparison site vanished the moment I clicked through.",
        "Awareness",
        "this month",
        "this week",
        "efficiency / automation",
        ("comparison", "priceparrot", "switchwise", "comparenest", "energyowl"),
        3,
        70,
        0.5,
        "done",
    ),
    (
        "Show where the green electricity comes from",
        "Is the green tariff real renewable power or just certificates?",
        "Awareness",
        "year 2",
        "year 2",
        "new capability",
        ("renewable", "green"),
        2,
        60,
        6.0,
        "proposed",
    ),
    (
        "Stop pushy doorstep selling",
        "A salesman in a Larkspur jacket would not take no for an answer.",
        "Awareness",
        "this year",
        "this year",
        "quick fix",
        ("door", "salesman"),
        5,
        90,
        4.0,
        "planned",
    ),
    (
        "A tariff page people can compare",
        "I can't tell the difference between your tariffs from the tariff page.",
        "Consider",
        "this year",
        "this year",
        "new capability",
        ("tariff page", "tariffs", "unit rate"),
        4,
        70,
        8.0,
        "planned",
    ),
    (
        "Exit fees on the quote, not page 12 of the terms",
        "Nowhere on the quote does it say what the exit fee is if I leave early.",
        "Consider",
        "this week",
        "this week",
        "quick fix",
        ("exit fee",),
        4,
        90,
        0.5,
        "loop closed",
    ),
    (
        "Install quotes that are quick and right",
        "Requested a quote weeks ago and still nothing; then it came back with the wrong measurements.",
        "Consider",
        "this year",
        "year 2",
        "efficiency / automation",
        ("quote for a", "surveyor"),
        3,
        60,
        10.0,
        "proposed",
    ),
    (
        "Sign-up form that accepts every address",
        "The sign-up form won't accept my postcode and times out on the last page.",
        "Consider",
        "this month",
        "this month",
        "quick fix",
        ("sign-up", "signup", "sign up"),
        5,
        80,
        1.0,
        "in progress",
    ),
    (
        "Heat pumps as a monthly subscription",
        "The heat pump quote is more than I can pay upfront.",
        "Consider",
        "year 3",
        "year 3",
        "new business model",
        ("heat pump",),
        3,
        40,
        26.0,
        "proposed",
    ),
    (
        "Smart meter appointments that happen",
        "Took a day off work for the smart meter installation and the engineer cancelled.",
        "Action",
        "this month",
        "this week",
        "efficiency / automation",
        ("smart meter",),
        5,
        90,
        1.0,
        "done",
    ),
    (
        "Bills from real readings, not estimates",
        "My bill was estimated even though I sent a meter reading.",
        "Action",
        "this year",
        "this year",
        "efficiency / automation",
        ("estimated", "estimate"),
        5,
        80,
        6.0,
        "in progress",
    ),
    (
        "Refund credit balances within ten days",
        "I closed my account months ago and I'm still waiting for my credit balance.",
        "Action",
        "this month",
        "this month",
        "efficiency / automation",
        ("refund",),
        4,
        90,
        2.0,
        "planned",
    ),
    (
        "The app stops logging people out",
        "Since the update the app logs me out every time I switch to another app.",
        "Action",
        "this week",
        "this week",
        "quick fix",
        ("logs me out", "logged me out", "log out"),
        4,
        90,
        0.5,
        "loop closed",
    ),
    (
        "Call back instead of hours on hold",
        "Waited over an hour on hold to speak to someone about my account.",
        "Action",
        "this year",
        "year 2",
        "new capability",
        ("on hold",),
        4,
        70,
        12.0,
        "planned",
    ),
    (
        "Live updates during power cuts",
        "We had no electricity for hours and the outage map said no known issues.",
        "Action",
        "year 3",
        "year 3",
        "new capability",
        ("power cut", "outage"),
        3,
        50,
        20.0,
        "proposed",
    ),
    (
        "Warn before a direct debit goes up",
        "My direct debit went up with no explanation.",
        "Action",
        "this month",
        "this month",
        "quick fix",
        ("direct debit",),
        3,
        80,
        1.0,
        "proposed",
    ),
    (
        "New hold music",
        "The hold music is the only consistent thing about your phone line.",
        "Action",
        "this week",
        "this week",
        "quick fix",
        ("hold music",),
        1,
        30,
        0.5,
        "dropped",
    ),
)
DEMO_DROP_REASON = "People want shorter waits, not other music: the call-back hit covers it."
DEMO_FOLLOW_UPS = {
    "call": "Rang to say this is fixed. Pleased, and asked us to keep an eye on it.",
    "email": "Wrote personally to explain what changed and to thank them for raising it.",
    "visit": "Called in during a nearby install and showed them the change.",
    "note": "Fixed; not contacted, as they asked.",
}
EVIDENCE_PER_HIT = 30


def load_demo_hits(today: dt.date, triager: User) -> None:
    """Triage the demo feedback into a full hit list, with history and follow-ups, via the services."""
    by_name = {s.name: s.id for s in db.session.scalars(select(Stage))}
    for n, (
        title,
        problem,
        stage,
        first,
        horizon,
        kind,
        words,
        impact,
        confidence,
        effort,
        status,
    ) in enumerate(DEMO_HITS):
        evidence = db.session.scalars(
            select(Feedback.id)
            .where(or_(*[Feedback.text.icontains(word, autoescape=True) for word in words]))
            .order_by(Feedback.id)
            .limit(EVIDENCE_PER_HIT)
        )
        data = hits.HitInput(
            title=title,
            problem=problem,
            stage_id=by_name[stage],
            horizon=first,
            kind=kind,
            impact=impact,
            confidence=confidence,
            effort=effort,
            owner_id=triager.id if n % 4 else None,
            target_date=today + dt.timedelta(days=7 * (n + 1)) if status != "dropped" else None,
        )
        hit = hits.create_hit(data, triager.id, feedback_ids=tuple(evidence))
        if horizon != first:
            hits.move_hit(hit.id, horizon, hit.version, triager.id)
        _walk(hit, status, today, triager)


def _walk(hit, status: str, today: dt.date, triager: User) -> None:
    """Move a demo hit along the flow to its status, getting back to customers on the way."""
    if status == "dropped":
        hits.set_status(hit.id, "dropped", DEMO_DROP_REASON, hit.version, triager.id)
        return
    for step in ("planned", "in progress", "done", "loop closed"):
        if hit.status == status:
            return
        if step == "loop closed":
            for days, customer in enumerate(hits.evidence_customers(hit.id)[:3]):
                method = ("call", "email", "visit")[days] if customer.consent_contact else "note"
                hits.record_follow_up(
                    hit.id,
                    hits.FollowUpInput(
                        customer.id, method, today - dt.timedelta(days=days), DEMO_FOLLOW_UPS[method]
                    ),
                    triager.id,
                    today,
                )
        hits.set_status(hit.id, step, "", hit.version, triager.id)
