"""Surveys: staff set them up, respondents answer at a public link, answers become feedback at once."""

import datetime as dt
import json
import re

import pytest
from flask import g
from sqlalchemy import func, select

from tests.factories import make_customer, make_user, sign_in, stage_named
from voc.extensions import db
from voc.models import Customer, Feedback, Survey, SurveyResponse, Webhook, WebhookDelivery
from voc.services import dashboard, surveys
from voc.services.impact import _responses

HOSTILE = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>"


def make_survey(**overrides) -> Survey:
    values = {
        "title": "How was your visit?",
        "questions": ["What went wrong?", "What should we keep?"],
        "thanks_name": "Ana from Support",
        "thanks_text": "I read every answer myself on Fridays.",
        "score_kind": "nps",
        "stage_id": stage_named("Action").id,
        **overrides,
    }
    return surveys.create_survey(surveys.SurveyInput(**values), None)


def form_token(page: str) -> str:
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', page).group(1)


def answer(client, survey: Survey, token: str | None = None, **data):
    """Open the survey's page and send it with `data`; returns the POST's response."""
    if token is None:
        token = form_token(client.get(f"/s/{survey.token}").get_data(as_text=True))
    response = client.post(f"/s/{survey.token}", data={"form_token": token, **data})
    forget_visitor()
    return response


def forget_visitor():
    """The test's app context outlives requests: drop the anonymous user Flask-Login kept in g."""
    g.pop("_login_user", None)


def test_staff_create_a_survey_and_its_link_opens_for_anyone(client, app):
    sign_in(client, make_user("triager"))
    response = client.post(
        "/surveys/new",
        data={
            "title": "After your call",
            "intro": "Two minutes, three questions.",
            "score_kind": "csat",
            "question_0": "What did we get wrong?",
            "question_1": "",
            "question_2": "",
            "stage": str(stage_named("Consider").id),
            "segment": "Residential",
            "thanks_name": "Bo",
            "thanks_text": "Thanks — I reply to every note within a week.",
            "embed_origins": "https://www.example.com/\n",
        },
    )
    survey = db.session.scalar(select(Survey))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/surveys/{survey.id}")
    assert survey.questions == ["What did we get wrong?"] and survey.embed_origins == [
        "https://www.example.com"
    ]
    assert len(survey.token) >= 32
    page = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    assert f"/s/{survey.token}" in page and "Open" in page

    anonymous = app.test_client()
    public = anonymous.get(f"/s/{survey.token}")
    body = public.get_data(as_text=True)
    assert public.status_code == 200
    assert "After your call" in body and "What did we get wrong?" in body and "Very satisfied" in body
    assert "<script" not in body  # the respondent's page runs no script at all


def test_staff_edit_and_bad_settings_are_explained(client, app):
    sign_in(client, make_user("triager"))
    survey = make_survey()
    response = client.post(
        f"/surveys/{survey.id}/edit",
        data={
            "title": "",
            "question_0": "",
            "thanks_name": "x",
            "thanks_text": "y",
            "embed_origins": "https://ok.example.com\njavascript:alert(1)",
            "score_kind": "nps",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "This field is required." in body
    response = client.post(
        f"/surveys/{survey.id}/edit",
        data={
            "title": "New title",
            "question_0": "Q?",
            "thanks_name": "x",
            "thanks_text": "y",
            "embed_origins": "https://ok.example.com/path",
            "score_kind": "nps",
        },
    )
    assert "is not an origin like https://www.example.com" in response.get_data(as_text=True)
    db.session.refresh(survey)
    assert survey.title == "How was your visit?"  # nothing half-saved
    client.post(
        f"/surveys/{survey.id}/edit",
        data={
            "title": "New title",
            "question_0": "Q?",
            "thanks_name": "x",
            "thanks_text": "y",
            "score_kind": "",
        },
    )
    db.session.refresh(survey)
    assert survey.title == "New title" and survey.score_kind is None and survey.questions == ["Q?"]


@pytest.mark.parametrize("role", ["viewer", "contributor"])
def test_only_triagers_and_admins_set_surveys_up(client, app, role):
    sign_in(client, make_user(role))
    survey = make_survey()
    assert client.get("/surveys/new").status_code == 403
    assert client.post(f"/surveys/{survey.id}/close").status_code == 403
    assert client.get(f"/surveys/{survey.id}").status_code == 200  # results are for everyone on staff


def test_an_answer_becomes_feedback_in_the_surveys_stage_with_one_response_id(client, app, monkeypatch):
    queued = []
    monkeypatch.setattr("voc.services.webhooks.jobs.enqueue", lambda path, ids: queued.append(ids))
    db.session.add(Webhook(url="https://hooks.example.com/x", secret="s", events=["feedback.created"]))
    db.session.commit()
    survey = make_survey(segment="Business")
    response = answer(
        client,
        survey,
        score="3",
        answer_0="The installer never came and nobody called.",
        answer_1="The app itself is fine.",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/s/{survey.token}/thanks")
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "I read every answer myself on Fridays." in thanks and "Ana from Support" in thanks

    items = db.session.scalars(select(Feedback).order_by(Feedback.id)).all()
    stored = db.session.scalar(select(SurveyResponse))
    assert [i.text for i in items] == [
        "The installer never came and nobody called.",
        "The app itself is fine.",
    ]
    assert {i.survey_response_id for i in items} == {stored.id}
    assert all(
        i.channel == "survey" and i.stage.name == "Action" and i.score == 3 and i.score_kind == "nps"
        for i in items
    )
    assert all(i.source == "Survey: How was your visit?" for i in items)
    assert all(i.sentiment is not None for i in items)  # placed at once, no theme run needed
    assert stored.customer_id is None and stored.consent_version == surveys.CONSENT_VERSION
    body = json.loads(db.session.scalar(select(WebhookDelivery.body)))
    assert body["event"] == "feedback.created" and len(body["data"]["feedback"]) == 2 and queued
    # The survey's segment finds its anonymous answers.
    board = dashboard.build(
        dashboard.DashboardFilters(dashboard.resolve_period("30", None, None), segment="Business")
    )
    assert board.strip.figures.current == 2


def test_a_response_counts_once_in_nps_however_many_questions_it_answered(client, app):
    survey = make_survey(questions=["One?", "Two?", "Three?"])
    answer(client, survey, score="10", answer_0="Great", answer_1="Really great", answer_2="Superb")
    answer(client, survey, score="2", answer_0="Terrible")
    board = dashboard.build(dashboard.DashboardFilters(dashboard.resolve_period("30", None, None)))
    figures = board.strip.figures
    assert figures.current == 4
    assert (figures.nps_answers, figures.promoters, figures.detractors, figures.nps) == (2, 1, 1, 0)
    onboarding = next(c for c in board.columns if c.name == "Action")
    assert onboarding.figures.nps_answers == 2
    # The theme impact counts the respondent once too.
    assert sorted(len(groups) for _, groups in _responses(lambda *_: ()).get("nps", [])) == [0, 0]
    assert len(_responses(lambda *_: ())["nps"]) == 2
    result = surveys.results(survey.id)
    assert (result.responses, result.answers, result.score_value) == (2, 4, 0)
    assert dict(result.scores)[10] == 1 and dict(result.scores)[2] == 1 and len(result.scores) == 11


def test_consent_given_links_a_customer_by_email_and_shows_the_wording_seen(client, app):
    survey = make_survey()
    existing = make_customer(name="Kim", email="kim@example.com")
    answer(
        client,
        survey,
        answer_0="Please call me about the bill.",
        consent_contact="y",
        consent_quote="y",
        email="KIM@example.com",
    )
    stored = db.session.scalar(select(SurveyResponse))
    assert stored.customer_id == existing.id and stored.consent_quote and stored.consent_contact
    db.session.refresh(existing)
    assert existing.consent_contact and existing.consent_quote
    assert db.session.scalar(select(Feedback.customer_id)) == existing.id

    sign_in(client, make_user("viewer"))
    page = client.get(f"/customers/{existing.id}").get_data(as_text=True)
    assert 'id="survey-consents"' in page and f"wording version {surveys.CONSENT_VERSION}" in page
    assert surveys.CONSENT_WORDINGS[surveys.CONSENT_VERSION]["contact"] in page


def test_a_new_consent_wording_keeps_what_earlier_respondents_read(client, app, monkeypatch):
    survey = make_survey()
    answer(client, survey, answer_0="First", consent_contact="y", email="a@example.com")
    monkeypatch.setitem(
        surveys.CONSENT_WORDINGS,
        "2027-01",
        {"quote": "New quote wording.", "contact": "New contact wording."},
    )
    monkeypatch.setattr(surveys, "CONSENT_VERSION", "2027-01")
    assert "New contact wording." in client.get(f"/s/{survey.token}").get_data(as_text=True)
    forget_visitor()
    answer(client, survey, answer_0="Second", consent_contact="y", email="a@example.com")
    versions = db.session.scalars(select(SurveyResponse.consent_version).order_by(SurveyResponse.id)).all()
    assert versions == ["2026-12", "2027-01"]
    customer = db.session.scalar(select(Customer))
    # Named for the survey: staff who may not see e-mail addresses see the name.
    assert (customer.name, customer.email) == ("Respondent to How was your visit?", "a@example.com")
    sign_in(client, make_user("viewer"))
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "New contact wording." in page and surveys.CONSENT_WORDINGS["2026-12"]["contact"] in page


def test_no_customer_without_contact_consent_and_the_email_field_follows_the_box(client, app):
    survey = make_survey()
    page = client.get(f"/s/{survey.token}").get_data(as_text=True)
    assert 'id="consent_quote" name="consent_quote" type="checkbox" value="y">' in page  # unticked
    assert "never marketing" in page and "without your name" in page
    answer(client, survey, answer_0="Quote me, but don't write", consent_quote="y", email="x@example.com")
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
    response = answer(client, survey, answer_0="Write to me", consent_contact="y", email="not an address")
    assert response.status_code == 200
    assert "Give an e-mail address we can write to" in response.get_data(as_text=True)
    assert "Write to me" in response.get_data(as_text=True)  # what they typed is still there
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_double_submit_stores_one_response(client, app):
    survey = make_survey()
    token = form_token(client.get(f"/s/{survey.token}").get_data(as_text=True))
    for _ in range(3):
        response = answer(client, survey, token=token, answer_0="Sent three times by an impatient finger")
        assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 1


def test_a_missing_or_forged_form_token_sends_nothing_and_keeps_the_answers(client, app):
    survey = make_survey()
    other = make_survey(title="Another")
    other_token = form_token(client.get(f"/s/{other.token}").get_data(as_text=True))
    for token in ("", "forged", other_token):
        response = answer(client, survey, token=token, answer_0="My typed words")
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and "nothing was sent yet" in body and "My typed words" in body
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_the_honeypot_thanks_a_bot_and_stores_nothing(client, app):
    survey = make_survey()
    page = client.get(f"/s/{survey.token}").get_data(as_text=True)
    assert re.search(r'<div class="trap" aria-hidden="true">', page) and 'tabindex="-1"' in page
    response = answer(client, survey, answer_0="Buy cheap watches", website="http://spam.example.com")
    assert response.status_code == 302 and response.headers["Location"].endswith("/thanks")
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"answer_0": "x" * 2_001}, "Please keep this answer under 2,000 characters; it has 2,001."),
        ({"answer_0": "   "}, "Please write a few words in answer to at least one question."),
        ({"answer_0": "ok", "score": "11"}, "Choose a score from 0 to 10."),
        ({"answer_0": "ok", "score": "ten"}, "Not a valid integer value."),
        (
            {"answer_0": "ok", "consent_contact": "y", "email": "a@" + "b" * 260 + ".com"},
            "Give an e-mail address",
        ),
    ],
)
def test_bad_answers_get_a_clear_message_and_store_nothing(client, app, data, message):
    survey = make_survey()
    response = answer(client, survey, **data)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_a_closed_survey_says_so_kindly_and_takes_no_answers(client, app):
    sign_in(client, make_user("triager"))
    survey = make_survey()
    token = form_token(client.get(f"/s/{survey.token}").get_data(as_text=True))
    client.post(f"/surveys/{survey.id}/close")
    page = client.get(f"/s/{survey.token}")
    assert page.status_code == 200 and "This survey has closed" in page.get_data(as_text=True)
    late = answer(client, survey, token=token, answer_0="Arrived after closing")
    assert "This survey has closed" in late.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    client.post(f"/surveys/{survey.id}/open")
    assert answer(client, survey, answer_0="Open again").status_code == 302


def test_a_survey_closes_at_its_date_and_after_its_responses(client, app):
    by_date = make_survey(closes_on=dt.date.today() - dt.timedelta(days=1))
    assert "its last day has passed" in client.get(f"/s/{by_date.token}").get_data(as_text=True)
    full = make_survey(max_responses=1)
    assert answer(client, full, answer_0="The only one").status_code == 302
    assert "already has all the answers" in client.get(f"/s/{full.token}").get_data(as_text=True)
    assert surveys.closed_reason(full) == "full"


def test_an_unknown_link_is_a_404(client, app):
    assert client.get("/s/not-a-survey").status_code == 404


def test_framing_is_allowed_only_on_the_listed_origins(client, app):
    listed = make_survey(embed_origins=["https://shop.example.com"])
    unlisted = make_survey()
    page = client.get(f"/s/{listed.token}")
    assert "frame-ancestors https://shop.example.com" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none' forbids script
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    page = client.get(f"/s/{unlisted.token}")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    # Everywhere else framing stays denied.
    staff = client.get("/auth/login")
    assert "frame-ancestors 'none'" in staff.headers["Content-Security-Policy"]
    assert staff.headers["X-Frame-Options"] == "DENY"


def test_rate_limits_answer_with_a_kind_429_that_keeps_the_answers(client, app):
    app.config.update(SURVEY_LIMIT_PER_ADDRESS="2 per minute", SURVEY_LIMIT_PER_SURVEY="1000 per minute")
    survey = make_survey()
    for n in range(2):
        assert answer(client, survey, answer_0=f"Answer {n}").status_code == 302
    response = answer(client, survey, answer_0="One too many")
    body = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "please wait a minute, then send them again" in body and "One too many" in body
    # Another address is not held back by this one.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert answer(other, survey, answer_0="From elsewhere").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 3


def test_the_per_survey_limit_holds_everybody_back_on_that_survey_only(client, app):
    app.config.update(SURVEY_LIMIT_PER_SURVEY="1 per minute")
    busy, quiet = make_survey(), make_survey(title="Quiet")
    assert answer(client, busy, answer_0="First").status_code == 302
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.8"
    assert answer(other, busy, answer_0="Second").status_code == 429
    assert answer(other, quiet, answer_0="Elsewhere").status_code == 302


def test_hostile_text_in_every_field_is_shown_as_text(client, app):
    sign_in(client, make_user("triager"))
    survey = make_survey(
        title=HOSTILE,
        intro=HOSTILE,
        questions=[HOSTILE],
        thanks_name=HOSTILE,
        thanks_text=HOSTILE,
        segment=HOSTILE[:100],
    )
    respondent = app.test_client()
    page = respondent.get(f"/s/{survey.token}").get_data(as_text=True)
    forget_visitor()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    response = answer(
        respondent, survey, answer_0=HOSTILE, answer_1=HOSTILE, email=HOSTILE, consent_contact="y", score="5"
    )
    assert "<script>alert" not in response.get_data(as_text=True)  # shown again with the e-mail error
    response = answer(respondent, survey, answer_0=HOSTILE, score="5")
    thanks = respondent.get(response.headers["Location"]).get_data(as_text=True)
    forget_visitor()
    assert "<script>alert" not in thanks and HOSTILE not in thanks
    # Another respondent's page never shows what this one typed.
    assert thanks.count("&lt;script&gt;") == 3  # the title, thank-you and signature the staff wrote
    for url in ("/surveys/", f"/surveys/{survey.id}", f"/feedback/?survey={survey.id}"):
        body = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in body and "&lt;script&gt;alert" in body, url


def test_feedback_list_filters_to_a_survey(client, app):
    sign_in(client, make_user("viewer"))
    one, two = make_survey(title="One"), make_survey(title="Two")
    respondent = app.test_client()
    answer(respondent, one, answer_0="Said in survey one")
    answer(respondent, two, answer_0="Said in survey two")
    page = client.get(f"/feedback/?survey={one.id}").get_data(as_text=True)
    assert "Said in survey one" in page and "Said in survey two" not in page and 'id="chosen-survey"' in page
    results = client.get(f"/surveys/{one.id}").get_data(as_text=True)
    assert f"/feedback/?survey={one.id}" in results


def test_surveys_in_the_api_list_read_create_and_close(client, app):
    from tests.factories import api_headers

    triager = api_headers(make_user("triager"))
    created = client.post(
        "/api/v1/surveys",
        headers=triager,
        json={
            "title": "After sign-up",
            "questions": ["What nearly stopped you?"],
            "score_kind": "csat",
            "stage": "Consider",
            "thanks_name": "Ana",
            "thanks_text": "I read every one.",
            "embed_origins": ["https://www.example.com"],
        },
    )
    assert created.status_code == 201, created.json
    survey = created.json
    assert (
        survey["stage"] == "Consider"
        and survey["taking_answers"]
        and survey["url"].endswith("/s/" + db.session.get(Survey, survey["id"]).token)
    )
    respondent = app.test_client()
    answer(respondent, db.session.get(Survey, survey["id"]), answer_0="The price page confused me", score="2")

    listed = client.get("/api/v1/surveys", headers=triager).json
    assert [s["title"] for s in listed["items"]] == ["After sign-up"] and listed["items"][0]["responses"] == 1
    read = client.get(f"/api/v1/surveys/{survey['id']}", headers=triager).json
    assert (read["responses"], read["answers"], read["score"]) == (1, 1, 2)
    answers = client.get(f"/api/v1/feedback?survey={survey['id']}", headers=triager).json
    assert [i["text"] for i in answers["items"]] == ["The price page confused me"]

    closed = client.post(f"/api/v1/surveys/{survey['id']}/close", headers=triager)
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert not closed.json["taking_answers"]

    viewer = api_headers(make_user("viewer"))
    assert client.post("/api/v1/surveys", headers=viewer, json={}).status_code == 403
    bad = client.post(
        "/api/v1/surveys",
        headers=triager,
        json={
            "title": "x",
            "questions": [],
            "thanks_name": "a",
            "thanks_text": "b",
            "embed_origins": ["ftp://x"],
        },
    )
    assert bad.status_code == 422 and "Ask one to 3 open questions." in bad.json["error"]
