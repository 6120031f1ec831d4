"""Days are the team's: across midnight, "today" follows TEAM_TIMEZONE, not the server or UTC."""

import datetime as dt

import pytest
from sqlalchemy import select

from tests.conftest import empty_tables, make_app
from tests.factories import make_user, sign_in
from voc.extensions import db
from voc.models import Feedback
from voc.services import clock

# 11:30 UTC on 7 December is already 00:30 on 8 December in Auckland, and still the 7th in Zurich.
INSTANT = dt.datetime(2026, 12, 7, 11, 30, tzinfo=dt.UTC)


@pytest.fixture
def auckland(database_url, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: INSTANT)
    app = make_app(database_url, TEAM_TIMEZONE="Pacific/Auckland")
    with app.app_context():
        yield app
    empty_tables(app)


def test_today_is_the_teams_date_across_midnight(auckland):
    assert clock.today() == dt.date(2026, 12, 8)
    auckland.config["TEAM_TIMEZONE"] = "Europe/Zurich"
    assert clock.today() == dt.date(2026, 12, 7)


def test_the_feedback_form_defaults_to_and_accepts_the_teams_today(auckland):
    client = auckland.test_client()
    sign_in(client, make_user("contributor"))
    assert 'value="2026-12-08"' in client.get("/feedback/new").get_data(as_text=True)
    response = client.post(
        "/feedback/new",
        data={
            "text": "The engineer came early, thank you",
            "channel": "ticket",
            "received_on": "2026-12-08",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Feedback.received_on)) == dt.date(2026, 12, 8)
    page = client.post(
        "/feedback/new",
        data={
            "text": "Tomorrow's feedback",
            "channel": "ticket",
            "received_on": "2026-12-09",
        },
    ).get_data(as_text=True)
    assert "The date cannot be in the future." in page


def test_a_mistyped_time_zone_stops_the_start_with_a_clear_message(database_url):
    with pytest.raises(RuntimeError, match="TEAM_TIMEZONE 'Europe/Zurch' is not a time zone"):
        make_app(database_url, TEAM_TIMEZONE="Europe/Zurch")
