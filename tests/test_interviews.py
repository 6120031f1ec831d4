"""Logging field interviews with their quotes, and counting field time."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.factories import interview_form, make_customer, make_user, sign_in
from voc.extensions import db
from voc.models import Customer, Feedback, Interview

TODAY = dt.date.today()


@pytest.fixture
def field_worker(client, app):
    user = make_user("contributor", name="Fatima Field")
    sign_in(client, user)
    return user


def counts():
    return (
        db.session.scalar(select(func.count(Interview.id))),
        db.session.scalar(select(func.count(Feedback.id))),
        db.session.scalar(select(func.count(Customer.id))),
    )


def test_interview_and_its_quotes_are_saved_together(client, field_worker):
    customer = make_customer(name="Tom Baker")
    response = client.post(
        "/interviews/new",
        data=interview_form(field_worker, customer_id=customer.id),
        follow_redirects=True,
    )
    assert b"Interview saved with 2 quotes." in response.data
    interview = db.session.scalar(select(Interview))
    assert (interview.place, interview.duration_minutes, interview.interviewer.name) == (
        "Market Square stall",
        45,
        "Fatima Field",
    )
    quotes = [(q.text, q.stage.name, q.channel, q.customer.name) for q in interview.quotes]
    assert quotes == [
        ("I never understood the tariff names", "Consider", "interview", "Tom Baker"),
        ("The installer was brilliant", "Action", "interview", "Tom Baker"),
    ]


def test_new_customer_is_created_inline(client, field_worker):
    client.post(
        "/interviews/new",
        data=interview_form(
            field_worker,
            new_customer_name="Ola Nowak",
            new_customer_organisation="Nowak Bakery",
            new_customer_segment="Small business",
        ),
    )
    interview = db.session.scalar(select(Interview))
    assert (interview.customer.name, interview.customer.organisation) == ("Ola Nowak", "Nowak Bakery")
    assert interview.customer.consent_quote is False and interview.customer.consent_contact is False


def test_blank_quote_rows_are_ignored(client, field_worker):
    customer = make_customer()
    client.post(
        "/interviews/new",
        data=interview_form(field_worker, customer_id=customer.id, **{"quotes-1-text": "  "}),
    )
    assert counts()[:2] == (1, 1)


def test_no_javascript_add_another_quote_rerenders_without_saving(client, field_worker):
    customer = make_customer()
    data = interview_form(field_worker, customer_id=customer.id)
    del data["submit"]
    data["add_quote"] = "Add another quote"
    response = client.post("/interviews/new", data=data)
    body = response.get_data(as_text=True)
    assert 'name="quotes-2-text"' in body
    assert "I never understood the tariff names" in body  # what was typed is kept
    assert counts()[:2] == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quotes-0-text": "", "quotes-1-text": ""}, b"Add at least one quote or observation."),
        ({"quotes-1-stage": "9999"}, b"Choose a journey stage that exists and is not retired."),
        ({"quotes-1-text": "y" * 20_001}, b"Keep it under 20,000 characters."),
        ({"held_on": (TODAY + dt.timedelta(days=1)).isoformat()}, b"cannot be in the future"),
        ({"duration_minutes": "0"}, b"Number must be between 1 and 1440."),
        ({"place": ""}, b"This field is required."),
        ({"customer_id": ""}, b"Pick a customer or type a new customer&#39;s name."),
        (
            {"customer_id": "", "new_customer_name": "Zed", "new_customer_email": "not-an-email"},
            b"An email address must have an @-sign.",
        ),
    ],
)
def test_bad_interview_saves_nothing(client, field_worker, overrides, message):
    customer = make_customer()
    data = interview_form(field_worker, customer_id=customer.id)
    data.update(overrides)
    response = client.post("/interviews/new", data=data)
    assert message in response.data
    assert counts() == (0, 0, 1)


def test_double_submitted_interview_is_stored_once(client, field_worker):
    customer = make_customer()
    data = interview_form(field_worker, customer_id=customer.id, submission_key="abc-123")
    client.post("/interviews/new", data=data)
    client.post("/interviews/new", data=data)
    assert counts() == (1, 2, 1)


def test_field_time_adds_up_in_the_chosen_period(client, field_worker):
    customer = make_customer()
    for days, minutes in [(2, 90), (10, 30), (40, 60)]:
        db.session.add(
            Interview(
                customer=customer,
                interviewer=field_worker,
                place="Shop",
                held_on=TODAY - dt.timedelta(days=days),
                duration_minutes=minutes,
            )
        )
    db.session.commit()
    everything = client.get("/interviews/").get_data(as_text=True)
    assert "<strong>3.0 hours</strong> with customers in 3 interviews" in everything
    start = (TODAY - dt.timedelta(days=14)).isoformat()
    recent = client.get(f"/interviews/?start={start}").get_data(as_text=True)
    assert "<strong>2.0 hours</strong> with customers in 2 interviews" in recent


def test_viewer_cannot_log_an_interview(client, app):
    viewer = make_user("viewer")
    sign_in(client, viewer)
    customer = make_customer()
    response = client.post("/interviews/new", data=interview_form(viewer, customer_id=customer.id))
    assert response.status_code == 403
    assert counts() == (0, 0, 1)


def test_the_list_pages_and_counts_every_interview_in_the_period(client, field_worker, app):
    app.config["FEEDBACK_PER_PAGE"] = 2
    customer = make_customer()
    for days in range(5):
        db.session.add(
            Interview(
                customer=customer,
                interviewer=field_worker,
                place=f"Market {days}",
                held_on=TODAY - dt.timedelta(days=days),
                duration_minutes=60,
            )
        )
    db.session.commit()
    first = client.get("/interviews/").get_data(as_text=True)
    assert "with customers in 5 interviews" in first and "Page 1 of 3" in first
    assert "Market 0" in first and "Market 2" not in first
    last = client.get("/interviews/?page=3").get_data(as_text=True)
    assert "Market 4" in last and "Market 0" not in last
