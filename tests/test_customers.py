"""The customer's 360° timeline, details and consents."""

import datetime as dt

from sqlalchemy import select

from tests.factories import make_customer, make_feedback, make_hit, make_user, sign_in, stage_named
from voc.extensions import db
from voc.models import Customer, Feedback, FollowUp, Interview, Theme
from voc.services import hits

TODAY = dt.date.today()


def test_timeline_shows_every_channel_newest_first(client, app):
    viewer = make_user("viewer", name="Ivy Interviewer")
    sign_in(client, viewer)
    customer = make_customer(name="Dana Cole")
    make_feedback(
        customer=customer,
        channel="survey",
        text="Survey answer about prices",
        received_on=TODAY - dt.timedelta(days=30),
        stage=stage_named("Consider"),
    )
    make_feedback(
        customer=customer,
        channel="ticket",
        text="Ticket about a late refund",
        source="Zendesk",
        external_id="ZD-5",
        received_on=TODAY - dt.timedelta(days=2),
    )
    interview = Interview(
        customer=customer,
        interviewer=viewer,
        place="Café on High St",
        held_on=TODAY - dt.timedelta(days=10),
        duration_minutes=40,
    )
    db.session.add(interview)
    db.session.add(
        Feedback(
            text="Quote from the café",
            channel="interview",
            customer=customer,
            interview=interview,
            received_on=interview.held_on,
            stage=stage_named("Action"),
        )
    )
    db.session.commit()
    make_feedback(text="Someone else's words", customer=make_customer())

    body = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    order = [body.index(s) for s in ("late refund", "Café on High St", "Quote from the café", "about prices")]
    assert order == sorted(order)
    assert "Someone else" not in body
    assert "Zendesk ZD-5" in body and "Consider" in body and "Action" in body
    assert body.count("Quote from the café") == 1  # shown inside its interview, not twice


def test_consent_defaults_to_no_and_is_shown(client, app):
    sign_in(client, make_user("contributor"))
    client.post("/customers/new", data={"name": "Sam Lee", "email": "sam@example.com"})
    customer = db.session.scalar(select(Customer))
    assert (customer.consent_quote, customer.consent_contact) == (False, False)
    body = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert '<li id="consent-quote" class="consent-no"><strong>May be quoted: No.</strong>' in body
    assert "exports and the roadmap's print view leave them out" in body
    assert '<li id="consent-contact" class="consent-no"><strong>May be contacted: No.</strong>' in body
    assert "Nobody calls, visits or e-mails them about their feedback" in body


def test_consent_is_explained_on_the_form(client, app):
    sign_in(client, make_user("contributor"))
    body = client.get("/customers/new").get_data(as_text=True)
    assert "may appear as quotes" in body and "get in touch personally" in body


def test_editing_records_consent(client, app):
    sign_in(client, make_user("contributor"))
    customer = make_customer(name="Sam Lee")
    client.post(
        f"/customers/{customer.id}/edit",
        data={"name": "Sam Lee", "consent_quote": "y", "segment": "Landlord"},
    )
    db.session.refresh(customer)
    assert (customer.consent_quote, customer.consent_contact, customer.segment) == (True, False, "Landlord")


def test_customer_needs_a_name(client, app):
    sign_in(client, make_user("contributor"))
    response = client.post("/customers/new", data={"name": "   "})
    assert b"A customer needs a name." in response.data
    assert db.session.scalar(select(Customer)) is None


def test_customer_list_searches_and_counts(client, app):
    sign_in(client, make_user("viewer"))
    ann = make_customer(name="Ann Archer", organisation="Archer Farms")
    make_customer(name="Bob Brown")
    make_feedback(customer=ann)
    make_feedback(customer=ann)
    body = client.get("/customers/?q=archer").get_data(as_text=True)
    assert "Ann Archer" in body and "Bob Brown" not in body
    assert '<td class="num">2</td>' in body


def test_unknown_customer_is_a_404_page(client, app):
    sign_in(client, make_user("viewer"))
    response = client.get("/customers/9999")
    assert response.status_code == 404
    assert b"There is nothing at this address." in response.data


def section(body: str, element_id: str) -> str:
    """The inner HTML of the list with that id."""
    return body.split(f'id="{element_id}"')[1].split("</ul>")[0]


def test_customer_page_is_the_whole_story_scores_themes_hits_follow_ups(client, app):
    triager = make_user("triager", name="Tess Triager")
    sign_in(client, triager)
    dana = make_customer(name="Dana Cole", consent_contact=True)
    refunds = Theme(label="refund", name="Refunds")
    db.session.add(refunds)
    db.session.commit()
    make_feedback(
        customer=dana,
        text="Refund took weeks",
        theme_id=refunds.id,
        score=3,
        score_kind="nps",
        received_on=TODAY - dt.timedelta(days=40),
    )
    make_feedback(
        customer=dana,
        text="Refund arrived at last",
        theme_id=refunds.id,
        score=8,
        score_kind="nps",
        received_on=TODAY - dt.timedelta(days=5),
    )
    make_feedback(customer=make_customer(name="Other"), text="Another theme", theme_id=refunds.id)
    hit = make_hit(triager, theme_ids=[refunds.id], title="Refunds in a week")
    hits.set_status(hit.id, "done", "", hit.version, triager.id)
    db.session.add(
        FollowUp(
            hit_id=hit.id,
            customer_id=dana.id,
            user_id=triager.id,
            held_on=TODAY,
            method="call",
            note="Told Dana refunds now take a week",
        )
    )
    db.session.commit()

    body = client.get(f"/customers/{dana.id}").get_data(as_text=True)
    scores = body.split('id="scores"')[1].split("</table>")[0]
    assert scores.index("</meter> 3<") < scores.index("</meter> 8<")  # oldest first
    assert 'Refunds</a> <span class="hint">2 items</span>' in section(body, "customer-themes")
    raised = section(body, "customer-hits")
    assert "Refunds in a week</a>" in raised and ">done</span>" in raised
    assert f'href="/hits/{hit.id}?customer={dana.id}#loop">Follow up' in raised
    assert "Call on" in section(body, "customer-follow-ups") and "Told Dana refunds now take a week" in body

    # The follow-up link lands on the hit's form with Dana already chosen.
    form = client.get(f"/hits/{hit.id}?customer={dana.id}").get_data(as_text=True)
    assert f'<option selected value="{dana.id}">Dana Cole</option>' in form

    dana.consent_contact = False
    db.session.commit()
    body = client.get(f"/customers/{dana.id}").get_data(as_text=True)
    assert ">Follow up<" not in body and ">Add a note<" in body
    assert "has not agreed to be contacted, so follow-ups can only be notes" in body
