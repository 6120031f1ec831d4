"""Forms keep what a person typed and say on the field what is wrong."""

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import empty_tables, make_app
from tests.factories import make_customer, make_user, sign_in
from voc.extensions import db
from voc.models import Customer, Feedback, Interview, Theme


@pytest.fixture
def csrf_client(database_url):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app, app.test_client()
    empty_tables(app)


def test_a_form_sent_after_the_session_expired_goes_back_to_its_page_after_sign_in(csrf_client):
    app, client = csrf_client
    response = client.post(
        "/feedback/new",
        data={"text": "typed"},
        headers={"Referer": "http://localhost/feedback/new?customer=3"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/feedback/new?customer%3D3%26unsent%3D1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session expired, so nothing was saved yet." in page
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_a_stale_token_while_signed_in_goes_back_to_the_form(csrf_client):
    app, client = csrf_client
    sign_in(client, make_user("contributor"))
    response = client.post(
        "/feedback/new",
        data={"text": "typed", "csrf_token": "stale"},
        headers={"Referer": "http://localhost/feedback/new"},
    )
    assert response.headers["Location"] == "/feedback/new?unsent=1"
    assert "The form had expired, so nothing was saved yet." in client.get("/feedback/new?unsent=1").get_data(
        as_text=True
    )


def test_a_forged_request_from_another_site_is_still_refused(csrf_client):
    app, client = csrf_client
    sign_in(client, make_user("contributor"))
    response = client.post(
        "/feedback/new", data={"text": "forged"}, headers={"Referer": "https://evil.example/feedback/new"}
    )
    assert response.status_code == 400 and "security token was missing" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "A theme needs a name."),
        ("   ", "A theme needs a name."),
        ("x" * 100_000, "Keep the name under 200 characters."),
    ],
)
def test_a_refused_theme_rename_says_why_on_its_field(client, app, name, message):
    theme = Theme(label="refund late", size=0)
    db.session.add(theme)
    db.session.commit()
    sign_in(client, make_user("triager"))
    page = client.post(f"/themes/{theme.id}/rename", data={"name": name}).get_data(as_text=True)
    rename = re.search(r'<form[^>]*action="/themes/\d+/rename".*?</form>', page, re.S).group(0)
    assert "has-error" in rename and message in rename
    assert '<details class="tools" open>' in page
    db.session.refresh(theme)
    assert theme.name is None


def test_picking_a_customer_and_typing_a_new_one_is_refused_on_the_field(client, app):
    grace = make_customer(name="Grace Hopper")
    user = make_user("contributor")
    sign_in(client, user)
    page = client.post(
        "/interviews/new",
        data={
            "customer_id": str(grace.id),
            "new_customer_name": "Ada Lovelace",
            "interviewer_id": str(user.id),
            "held_on": "2024-05-01",
            "place": "Bakery",
            "duration_minutes": "30",
            "quotes-0-text": "Hello",
            "submit": "Save interview",
        },
    ).get_data(as_text=True)
    field = re.search(r'<div class="field[^"]*">\s*<label for="new_customer_name".*?</div>', page, re.S)[0]
    assert "has-error" in field and "You picked an existing customer and typed a new one" in field
    assert 'value="Ada Lovelace"' in field
    assert db.session.scalar(select(func.count(Interview.id))) == 0


def test_a_new_interview_customer_with_an_e_mail_in_use_is_offered_the_existing_one(client, app):
    make_customer(name="Grace Hopper", email="grace@example.com")
    user = make_user("contributor")
    sign_in(client, user)
    page = client.post(
        "/interviews/new",
        data={
            "customer_id": "",
            "new_customer_name": "G. Hopper",
            "new_customer_email": "Grace@example.com",
            "interviewer_id": str(user.id),
            "held_on": "2024-05-01",
            "place": "Bakery",
            "duration_minutes": "30",
            "quotes-0-text": "Hello",
            "submit": "Save interview",
        },
    ).get_data(as_text=True)
    assert "“Grace Hopper” already has this e-mail address: pick them under Customer." in page
    assert db.session.scalar(select(func.count(Customer.id))) == 1


def test_a_second_customer_with_the_same_e_mail_is_warned_and_may_go_ahead(client, app):
    grace = make_customer(name="Grace Hopper", email="grace@example.com")
    sign_in(client, make_user("contributor"))
    form = {"name": "Grace H.", "email": "GRACE@example.com"}
    page = client.post("/customers/new", data=form).get_data(as_text=True)
    field = re.search(r'<div class="field[^"]*">\s*<label for="email".*?</div>', page, re.S).group(0)
    assert "has-error" in field and "“Grace Hopper” already has this e-mail address." in field
    assert f'href="/customers/{grace.id}">Open Grace Hopper</a>' in page
    assert 'value="Grace H."' in page  # nothing typed is lost
    assert db.session.scalar(select(func.count(Customer.id))) == 1
    # Editing a customer keeps their own address without a warning.
    assert (
        client.post(
            f"/customers/{grace.id}/edit", data={"name": "Grace", "email": "grace@example.com"}
        ).status_code
        == 302
    )
    response = client.post("/customers/new", data={**form, "shared_email_ok": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Customer.id))) == 2


def test_a_refused_theme_run_says_why_on_its_field(client, app):
    sign_in(client, make_user("triager"))
    page = client.post("/themes/runs", data={"k": "1", "stop_words": "Larkspur"}).get_data(as_text=True)
    field = re.search(r'<div class="field[^"]*">\s*<label for="k".*?</div>', page, re.S)[0]
    assert "has-error" in field and "Number must be between 2 and 300." in field
    assert 'value="Larkspur"' in page
