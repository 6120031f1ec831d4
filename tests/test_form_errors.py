"""Forms keep what a person typed and say on the field what is wrong."""
import pytest
from sqlalchemy import func, select

from tests.conftest import empty_tables, make_app
from tests.factories import make_user, sign_in
from voc.extensions import db
from voc.models import Feedback


@pytest.fixture
def csrf_client(database_url):
    app = make_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app, app.test_client()
    empty_tables(app)


def test_a_form_sent_after_the_session_expired_goes_back_to_its_page_after_sign_in(csrf_client):
    app, client = csrf_client
    response = client.post("/feedback/new", data={"text": "typed"},
                           headers={"Referer": "http://localhost/feedback/new?customer=3"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/feedback/new?customer%3D3%26unsent%3D1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session expired, so nothing was saved yet." in page
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_a_stale_token_while_signed_in_goes_back_to_the_form(csrf_client):
    app, client = csrf_client
    sign_in(client, make_user("contributor"))
    response = client.post("/feedback/new", data={"text": "typed", "csrf_token": "stale"},
                           headers={"Referer": "http://localhost/feedback/new"})
    assert response.headers["Location"] == "/feedback/new?unsent=1"
    assert "The form had expired, so nothing was saved yet." in client.get("/feedback/new?unsent=1").get_data(
        as_text=True)


def test_a_forged_request_from_another_site_is_still_refused(csrf_client):
    app, client = csrf_client
    sign_in(client, make_user("contributor"))
    response = client.post("/feedback/new", data={"text": "forged"},
                           headers={"Referer": "https://evil.example/feedback/new"})
    assert response.status_code == 400 and "security token was missing" in response.get_data(as_text=True)
