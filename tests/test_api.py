"""The JSON API: tokens, storing feedback from other systems, and reading every area."""

import datetime as dt
import gc
import hashlib
import json
import os
import warnings

import pytest
from flask import g
from sqlalchemy import event, func, select

from tests.conftest import make_app, skip_or_fail
from tests.factories import (
    api_headers,
    make_customer,
    make_feedback,
    make_hit,
    make_theme,
    make_user,
    sign_in,
    stage_named,
)
from voc.extensions import db
from voc.models import ApiToken, Customer, Feedback, Hit, Interview

TODAY = dt.date.today()


@pytest.fixture
def contributor(app):
    return make_user("contributor", name="Casey Contributor")


@pytest.fixture
def headers(contributor):
    return api_headers(contributor)


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def item(**overrides) -> dict:
    return {"text": "The engineer never came", "channel": "ticket", "date": TODAY.isoformat(), **overrides}


# ----- tokens --------------------------------------------------------------------------------------------


def test_token_is_made_on_my_account_page_shown_once_and_stored_hashed(client, contributor):
    sign_in(client, contributor)
    page = client.post("/account/tokens", data={"name": "Zendesk webhook"})
    token = page.get_data(as_text=True).split('<code id="new-token">')[1].split("</code>")[0]
    assert token.startswith("voc_") and "shown only once" in page.get_data(as_text=True)
    record = db.session.scalar(select(ApiToken))
    assert (record.name, record.user_id) == ("Zendesk webhook", contributor.id)
    assert record.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in record.token_hash
    again = client.get("/account/").get_data(as_text=True)
    assert "Zendesk webhook" in again and token not in again and "never" in again

    client.delete_cookie("session")  # the API ignores cookies: only the token counts
    response = client.get("/api/v1/feedback", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    db.session.refresh(record)
    assert record.last_used_at is not None


def test_a_token_needs_a_name(client, contributor):
    sign_in(client, contributor)
    page = client.post("/account/tokens", data={"name": "  "})
    assert "Name the token" in page.get_data(as_text=True)
    assert count(ApiToken) == 0


def test_revoked_token_gets_401_and_only_its_owner_may_revoke_it(client, contributor, headers):
    record = db.session.scalar(select(ApiToken))
    sign_in(client, make_user("admin"))
    assert client.post(f"/account/tokens/{record.id}/revoke").status_code == 404
    assert client.get("/api/v1/feedback", headers=headers).status_code == 200
    g.pop("_login_user", None)  # the test's app context outlives each request
    sign_in(client, contributor)
    page = client.post(f"/account/tokens/{record.id}/revoke", follow_redirects=True)
    assert "revoked: it no longer works" in page.get_data(as_text=True)
    response = client.get("/api/v1/feedback", headers=headers)
    assert response.status_code == 401
    assert response.json == {"error": "This token is unknown or revoked."}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("authorization", [None, "Bearer voc_madeup", "Basic dXNlcjpwYXNz", "Bearer "])
def test_missing_or_unknown_token_gets_401_json(client, app, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get("/api/v1/customers", headers=headers)
    assert response.status_code == 401 and response.is_json and response.json["error"]


def test_a_signed_in_browser_session_is_not_accepted_by_the_api(client, app):
    sign_in(client, make_user("admin"))
    assert client.get("/feedback/").status_code == 200
    assert client.get("/api/v1/feedback").status_code == 401
    response = client.post("/api/v1/feedback", json=item())
    assert response.status_code == 401 and count(Feedback) == 0


def test_a_deactivated_users_tokens_stop_working(client, contributor, headers):
    contributor.active = False
    db.session.commit()
    assert client.get("/api/v1/feedback", headers=headers).status_code == 401


# ----- storing feedback ----------------------------------------------------------------------------------


def test_one_item_is_stored_with_its_customer_and_stage(client, contributor, headers):
    response = client.post(
        "/api/v1/feedback",
        headers=headers,
        json=item(
            source="Zendesk",
            external_id="ZD-41",
            stage="action",
            score=2,
            score_kind="csat",
            customer={
                "email": "Priya@Example.com",
                "name": "Priya Shah",
                "organisation": "Shah & Co",
                "external_id": "org-7",
                "segment": "SME",
            },
        ),
    )
    assert response.status_code == 201
    stored = db.session.scalar(select(Feedback))
    [answer] = response.json["items"]
    assert (answer["id"], answer["status"], answer["feedback"]["stage"]) == (stored.id, "created", "Action")
    assert (response.json["created"], response.json["duplicates"]) == (1, 0)
    assert response.headers["Location"].endswith(f"/api/v1/feedback/{stored.id}")
    assert (stored.text, stored.channel, stored.source, stored.external_id, stored.stage.name) == (
        "The engineer never came",
        "ticket",
        "Zendesk",
        "ZD-41",
        "Action",
    )
    assert (stored.score, stored.score_kind, stored.created_by_id) == (2, "csat", contributor.id)
    customer = stored.customer
    assert (customer.name, customer.email, customer.organisation, customer.segment, customer.external_id) == (
        "Priya Shah",
        "Priya@example.com",
        "Shah & Co",
        "SME",
        "org-7",
    )
    assert not customer.consent_quote


def test_a_batch_finds_existing_customers_and_shares_new_ones(client, headers):
    known = make_customer(name="Known", email="known@example.com")
    response = client.post(
        "/api/v1/feedback",
        headers=headers,
        json=[
            item(text="one", customer={"email": "KNOWN@example.com"}),
            item(text="two", customer={"email": "new@example.com", "name": "New Person"}),
            item(text="three", customer={"email": "new@example.com"}),
        ],
    )
    assert response.status_code == 201 and response.json["created"] == 3
    by_text = {f.text: f.customer for f in db.session.scalars(select(Feedback))}
    assert by_text["one"].id == known.id
    assert by_text["two"].id == by_text["three"].id and by_text["two"].name == "New Person"
    assert count(Customer) == 2


def test_the_answer_shows_each_item_as_stored_trimmed_and_without_control_characters(client, headers):
    sent = "\u00a0 The bill\x00 came\x07 twice 😀 \u200f<b>onclick=x</b>\u2029\n"
    response = client.post(
        "/api/v1/feedback",
        headers=headers,
        json=[
            item(
                text=sent,
                source="\tZendesk\x00 ",
                external_id=" 77 ",
                customer={"name": " Zoë\x1b ", "email": "zoe@example.com"},
            ),
            item(text="lone \ud800 surrogate"),
        ],
    )
    assert response.status_code == 201
    stored = {f.id: f for f in db.session.scalars(select(Feedback))}
    shown = response.json["items"]
    assert [row["feedback"]["text"] for row in shown] == [
        "The bill came twice 😀 \u200f<b>onclick=x</b>",
        "lone  surrogate",
    ]
    assert [stored[row["id"]].text for row in shown] == [row["feedback"]["text"] for row in shown]
    first = shown[0]["feedback"]
    assert (first["source"], first["external_id"], first["customer"]["name"]) == ("Zendesk", "77", "Zoë")


def test_duplicates_answer_200_with_the_stored_ids(client, headers):
    first = client.post("/api/v1/feedback", headers=headers, json=item(source="Zendesk", external_id="9"))
    stored_id = first.json["items"][0]["id"]
    again = client.post("/api/v1/feedback", headers=headers, json=item(source="Zendesk", external_id="9"))
    assert again.status_code == 200
    assert [(row["id"], row["status"]) for row in again.json["items"]] == [(stored_id, "duplicate")]
    assert (again.json["created"], again.json["duplicates"]) == (0, 1)
    mixed = client.post(
        "/api/v1/feedback",
        headers=headers,
        json=[
            item(source="Zendesk", external_id="9"),
            item(source="Zendesk", external_id="10"),
            item(source="Zendesk", external_id="10"),
        ],
    )
    assert mixed.status_code == 201
    statuses = [(row["status"], row["id"]) for row in mixed.json["items"]]
    assert statuses[0] == ("duplicate", stored_id)
    assert statuses[1][0] == "created" and statuses[2] == ("duplicate", statuses[1][1])
    assert count(Feedback) == 2


def test_an_invalid_item_stores_nothing_of_the_batch_and_names_every_problem(client, headers):
    response = client.post(
        "/api/v1/feedback",
        headers=headers,
        json=[
            item(text="fine"),
            item(text="   ", channel="pigeon"),
            item(score=11, score_kind="nps", stage="Nowhere"),
            item(date=(TODAY + dt.timedelta(days=2)).isoformat(), customer={"email": "not-an-address"}),
        ],
    )
    assert response.status_code == 422
    assert "Nothing was stored" in response.json["error"]
    problems = {(e["index"], e["field"]): e["message"] for e in response.json["errors"]}
    assert problems[(1, "text")] == "Feedback text cannot be empty."
    assert problems[(2, "stage")] == "There is no stage called “Nowhere”."
    assert (3, "received_on") in problems and "future" in problems[(3, "received_on")]
    assert 0 not in {index for index, _ in problems}
    assert count(Feedback) == 0 and count(Customer) == 0
    only_score = client.post("/api/v1/feedback", headers=headers, json=item(score=11, score_kind="nps"))
    assert only_score.json["errors"] == [
        {"index": 0, "field": "score", "message": "NPS scores run from 0 to 10."}
    ]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"channel": "ticket"}, "text", "This field is required."),
        (item(text=5), "text", "Expected a string."),
        (item(score="10"), "score", "Expected an integer."),
        (item(score=True), "score", "Expected an integer."),
        (item(date="01/02/2024"), "date", "Give a date as YYYY-MM-DD."),
        (item(colour="red"), "colour", "Unknown field."),
        (item(customer={"email": 3}), "customer.email", "Expected a string."),
        (item(source="x" * 101), "source", "Keep it under 100 characters."),
        (item(text=None), "text", "This field cannot be null."),
        ([item(), "text"], "body", "Send a JSON object."),
    ],
)
def test_badly_shaped_items_are_refused_with_the_field_named(client, headers, body, field, message):
    response = client.post("/api/v1/feedback", headers=headers, json=body)
    assert response.status_code == 422
    assert {"field": field, "message": message} in [
        {"field": e["field"], "message": e["message"]} for e in response.json["errors"]
    ]
    assert count(Feedback) == 0


def test_empty_list_and_non_json_bodies_are_refused(client, headers):
    assert client.post("/api/v1/feedback", headers=headers, json=[]).json["errors"] == [
        {"field": "body", "message": "Send at least one item."}
    ]
    response = client.post("/api/v1/feedback", headers=headers, data="text=hi")
    assert response.status_code == 400
    assert response.json == {"error": "Send a JSON body with Content-Type: application/json."}


def test_a_body_over_the_limit_gets_413_json(client, app, headers):
    app.config["API_MAX_BODY"] = 2000
    body = json.dumps(item(text="x" * 3000))
    response = client.post("/api/v1/feedback", headers=headers, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json == {"error": f"The body is {len(body):,} bytes; the limit is 2,000."}
    assert count(Feedback) == 0


def test_viewers_may_not_store_feedback(client, app):
    response = client.post("/api/v1/feedback", headers=api_headers(make_user("viewer")), json=item())
    assert response.status_code == 403
    assert response.json == {
        "error": "Your role (viewer) does not allow this; it needs contributor or higher."
    }
    assert count(Feedback) == 0


# ----- reading feedback -------------------------------------------------------------------------------


def test_feedback_list_pages_and_links(client, headers):
    for n in range(5):
        make_feedback(text=f"item {n}", received_on=TODAY - dt.timedelta(days=n))
    first = client.get("/api/v1/feedback?per_page=2", headers=headers).json
    assert [row["text"] for row in first["items"]] == ["item 0", "item 1"]
    assert (first["total"], first["pages"], first["page"], first["links"]["prev"]) == (5, 3, 1, None)
    second = client.get(first["links"]["next"], headers=headers).json
    assert [row["text"] for row in second["items"]] == ["item 2", "item 3"]
    last = client.get(second["links"]["next"], headers=headers).json
    assert [row["text"] for row in last["items"]] == ["item 4"] and last["links"]["next"] is None
    assert client.get("/api/v1/feedback?page=9", headers=headers).json["items"] == []


def test_feedback_list_filters_like_the_page(client, headers):
    customer = make_customer(name="Ann")
    action = stage_named("Action")
    make_feedback(
        text="meter broken",
        channel="ticket",
        stage_id=action.id,
        customer_id=customer.id,
        received_on=TODAY - dt.timedelta(days=3),
    )
    make_feedback(text="meter fine", channel="survey", received_on=TODAY - dt.timedelta(days=20))
    make_feedback(text="bill wrong", channel="ticket", received_on=TODAY)

    def texts(query: str) -> list[str]:
        return [row["text"] for row in client.get(f"/api/v1/feedback?{query}", headers=headers).json["items"]]

    assert texts("channel=ticket") == ["bill wrong", "meter broken"]
    assert texts(f"stage={action.id}") == ["meter broken"]
    assert texts(f"customer={customer.id}") == ["meter broken"]
    assert texts("q=METER") == ["meter broken", "meter fine"]
    start, end = (TODAY - dt.timedelta(days=10)).isoformat(), (TODAY - dt.timedelta(days=1)).isoformat()
    assert texts(f"start={start}&end={end}") == ["meter broken"]


def test_bad_filters_are_named_in_a_422(client, headers):
    response = client.get("/api/v1/feedback?channel=fax&start=yesterday&per_page=500&page=0", headers=headers)
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json["errors"]}
    assert fields == {
        "channel": "Choose one of: survey, ticket, interview, review, social, other.",
        "start": "Give a date as YYYY-MM-DD.",
        "per_page": "Give a whole number from 1 to 200.",
        "page": "Give a whole number from 1 to 2,147,483,647.",
    }


def test_one_item_reads_in_full_and_unknown_ones_are_404(client, headers):
    customer = make_customer(name="Bo", consent_quote=True)
    stored = make_feedback(text="Great app", customer_id=customer.id, source="Typeform", external_id="r1")
    record = client.get(f"/api/v1/feedback/{stored.id}", headers=headers).json
    assert record["text"] == "Great app" and record["customer"] == {"id": customer.id, "name": "Bo"}
    assert (record["source"], record["external_id"], record["quotable"]) == ("Typeform", "r1", True)
    missing = client.get("/api/v1/feedback/999999", headers=headers)
    assert missing.status_code == 404 and missing.json == {"error": "That feedback item does not exist."}
    nowhere = client.get("/api/v1/nowhere", headers=headers)
    assert nowhere.json == {"error": "There is nothing at this address."}
    assert client.delete("/api/v1/feedback", headers=headers).json == {"error": "DELETE is not allowed here."}


@pytest.mark.parametrize("role", ["viewer", "contributor", "triager", "admin"])
def test_personal_data_in_feedback_text_is_masked_for_every_role(client, app, role):
    make_feedback(text="Call me on 07700 900123 or write to jo@example.com")
    headers = api_headers(make_user(role))
    [listed] = client.get("/api/v1/feedback", headers=headers).json["items"]
    read = client.get(f"/api/v1/feedback/{listed['id']}", headers=headers).json
    for record in (listed, read):
        assert "07700 900123" not in record["text"] and "jo@example.com" not in record["text"]
        assert record["text"].startswith("Call me on ")
    stored = db.session.get(Feedback, listed["id"])
    assert "jo@example.com" in stored.text  # masked on the way out, kept as given


# ----- customers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"), [("viewer", False), ("contributor", False), ("triager", True), ("admin", True)]
)
def test_customer_emails_are_shown_to_triagers_and_admins_only(client, app, role, sees):
    customer = make_customer(name="Dee", email="dee@example.com")
    headers = api_headers(make_user(role))
    record = client.get(f"/api/v1/customers/{customer.id}", headers=headers).json
    assert record["name"] == "Dee"
    assert ("email" in record) == sees and record.get("email", "dee@example.com") == "dee@example.com"
    listed = client.get("/api/v1/customers?q=dee", headers=headers).json["items"]
    assert [("email" in row) for row in listed] == [sees]


def test_customers_are_listed_by_name_with_their_counts_and_searched(client, headers):
    ann, _ = make_customer(name="Ann", organisation="Acme"), make_customer(name="bob")
    make_feedback(customer_id=ann.id)
    body = client.get("/api/v1/customers", headers=headers).json
    assert [(row["name"], row["feedback_items"]) for row in body["items"]] == [("Ann", 1), ("bob", 0)]
    found = client.get("/api/v1/customers?q=acm", headers=headers).json["items"]
    assert [row["name"] for row in found] == ["Ann"]
    assert client.get("/api/v1/customers/99999", headers=headers).status_code == 404


def test_contributors_create_and_change_customers(client, headers):
    response = client.post(
        "/api/v1/customers",
        headers=headers,
        json={"name": "Eve", "organisation": "Eve Ltd", "email": "eve@example.com", "consent_quote": True},
    )
    assert response.status_code == 201
    customer = db.session.get(Customer, response.json["id"])
    assert (customer.name, customer.email, customer.consent_quote, customer.consent_contact) == (
        "Eve",
        "eve@example.com",
        True,
        False,
    )
    changed = client.patch(
        f"/api/v1/customers/{customer.id}", headers=headers, json={"consent_contact": True}
    )
    assert changed.status_code == 200 and changed.json["consent_contact"] is True
    db.session.refresh(customer)
    assert (customer.name, customer.organisation, customer.consent_quote, customer.consent_contact) == (
        "Eve",
        "Eve Ltd",
        True,
        True,
    )
    bad = client.patch(f"/api/v1/customers/{customer.id}", headers=headers, json={"email": "nope"})
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "email"
    assert client.post("/api/v1/customers", headers=headers, json={"name": " "}).json["errors"] == [
        {"field": "name", "message": "A customer needs a name."}
    ]


def test_viewers_may_not_create_customers(client, app):
    response = client.post("/api/v1/customers", headers=api_headers(make_user("viewer")), json={"name": "Z"})
    assert response.status_code == 403 and count(Customer) == 0


# ----- interviews -------------------------------------------------------------------------------------


def interview(**overrides) -> dict:
    return {
        "customer": {"name": "Farah", "organisation": "Farm Co"},
        "held_on": TODAY.isoformat(),
        "place": "Their kitchen",
        "duration_minutes": 45,
        "notes": "Friendly",
        "quotes": [{"text": "The app logs me out", "stage": "Action"}, {"text": "Prices are clear"}],
        **overrides,
    }


def test_contributors_log_interviews_with_quotes_and_read_them_back(client, contributor, headers):
    response = client.post("/api/v1/interviews", headers=headers, json=interview())
    assert response.status_code == 201
    body = response.json
    assert body["interviewer"] == {"id": contributor.id, "name": "Casey Contributor"}
    assert body["customer"]["name"] == "Farah" and body["place"] == "Their kitchen"
    assert [(q["text"], q["stage"], q["channel"]) for q in body["items"]] == [
        ("The app logs me out", "Action", "interview"),
        ("Prices are clear", None, "interview"),
    ]
    listing = client.get(f"/api/v1/interviews?start={TODAY.isoformat()}", headers=headers).json
    assert listing["total"] == 1 and listing["total_minutes"] == 45
    assert client.get(f"/api/v1/interviews/{body['id']}", headers=headers).json == body
    assert client.get("/api/v1/interviews/4242", headers=headers).status_code == 404


def test_bad_interviews_name_their_fields_and_store_nothing(client, headers):
    response = client.post(
        "/api/v1/interviews",
        headers=headers,
        json=interview(duration_minutes=0, quotes=[{"text": "ok", "stage": "Mars"}]),
    )
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"field": "quotes-0-stage", "message": "There is no stage called “Mars”."}
    ]
    response = client.post("/api/v1/interviews", headers=headers, json=interview(duration_minutes=0))
    assert response.json["errors"] == [
        {"field": "duration_minutes", "message": "Duration must be between 1 and 1440 minutes."}
    ]
    shape = client.post("/api/v1/interviews", headers=headers, json={"place": "x"})
    assert {e["field"] for e in shape.json["errors"]} == {"held_on", "duration_minutes", "quotes"}
    assert count(Interview) == 0 and count(Feedback) == 0


# ----- themes -----------------------------------------------------------------------------------------


def test_themes_quote_only_customers_who_agreed(client, headers):
    yes, no = make_customer(name="Yes", consent_quote=True), make_customer(name="No")
    theme = make_theme("meter visits", keywords=[["meter", 0.5]])
    quoted = make_feedback(text="Quote me", customer_id=yes.id, theme_id=theme.id)
    hidden = make_feedback(text="Do not quote me", customer_id=no.id, theme_id=theme.id)
    anonymous = make_feedback(text="Nobody's words", theme_id=theme.id)
    theme.quote_ids = [hidden.id, quoted.id, anonymous.id]
    theme.size, theme.customers = 3, 2  # as a run counts them
    db.session.commit()
    listing = client.get("/api/v1/themes", headers=headers).json
    assert [(t["title"], t["items"], t["customers"]) for t in listing["items"]] == [("meter visits", 3, 2)]
    detail = client.get(f"/api/v1/themes/{theme.id}", headers=headers).json
    assert detail["quotes"] == [{"feedback_id": quoted.id, "text": "Quote me"}]
    quoted.text = "Quote me, or mail me at yes@example.com"
    db.session.commit()
    [quote] = client.get(f"/api/v1/themes/{theme.id}", headers=headers).json["quotes"]
    assert quote["text"].startswith("Quote me, or mail me at ") and "yes@example.com" not in quote["text"]
    assert detail["keywords"] == [{"term": "meter", "weight": 0.5}]
    assert client.get("/api/v1/themes/777", headers=headers).status_code == 404


def test_triagers_rename_themes_and_others_may_not(client, app, headers):
    theme = make_theme("bill shock")
    url = f"/api/v1/themes/{theme.id}"
    assert client.patch(url, headers=headers, json={"name": "Bills"}).status_code == 403
    triager = api_headers(make_user("triager"))
    response = client.patch(url, headers=triager, json={"name": "Bills", "noise": True})
    assert response.status_code == 200 and (response.json["title"], response.json["noise"]) == ("Bills", True)
    blank = client.patch(url, headers=triager, json={"name": " ", "noise": False})
    assert blank.status_code == 422
    assert blank.json["errors"] == [{"field": "name", "message": "A theme needs a name."}]
    assert client.get(url, headers=triager).json["noise"] is True  # one change refused: neither stored


# ----- hits and the roadmap ---------------------------------------------------------------------------


def test_hits_are_listed_by_score_and_filtered(client, headers):
    make_hit(title="Small", impact=1)
    make_hit(title="Big", impact=5)
    dropped = make_hit(title="Gone")
    dropped.status, dropped.drop_reason = "dropped", "dup"
    db.session.commit()
    body = client.get("/api/v1/hits", headers=headers).json
    assert [h["title"] for h in body["items"]] == ["Big", "Small"]
    assert body["items"][0]["next_statuses"] == ["planned", "in progress", "done", "dropped"]
    dropped_only = client.get("/api/v1/hits?status=dropped", headers=headers).json["items"]
    assert [h["title"] for h in dropped_only] == ["Gone"]
    assert client.get("/api/v1/hits?status=lost", headers=headers).status_code == 422


def test_triagers_move_hits_along_with_optimistic_locking(client, app):
    hit = make_hit(title="Refunds")
    triager = api_headers(make_user("triager", name="Tess"))
    moved = client.patch(f"/api/v1/hits/{hit.id}", headers=triager, json={"status": "planned", "version": 1})
    assert moved.status_code == 200 and (moved.json["status"], moved.json["version"]) == ("planned", 2)
    stale = client.patch(f"/api/v1/hits/{hit.id}", headers=triager, json={"horizon": "year 2", "version": 1})
    assert stale.status_code == 409 and "Tess changed this hit" in stale.json["error"]
    skip = client.patch(
        f"/api/v1/hits/{hit.id}", headers=triager, json={"status": "loop closed", "version": 2}
    )
    assert skip.status_code == 422
    assert skip.json["errors"] == [
        {"field": "status", "message": "A hit that is planned cannot move to loop closed."}
    ]
    drop = client.patch(f"/api/v1/hits/{hit.id}", headers=triager, json={"status": "dropped", "version": 2})
    assert drop.json["errors"] == [{"field": "reason", "message": "Say why the hit is dropped."}]
    both = client.patch(
        f"/api/v1/hits/{hit.id}",
        headers=triager,
        json={"status": "dropped", "horizon": "year 2", "version": 2},
    )
    assert both.status_code == 422
    horizon = client.patch(
        f"/api/v1/hits/{hit.id}", headers=triager, json={"horizon": "year 2", "version": 2}
    )
    assert horizon.json["horizon"] == "year 2" and horizon.json["size"] == "Big Hit"
    assert db.session.get(Hit, hit.id).horizon == "year 2"
    missing = client.patch("/api/v1/hits/999", headers=triager, json={"horizon": "year 2", "version": 1})
    assert missing.status_code == 404
    contributor = api_headers(make_user("contributor"))
    assert (
        client.patch(
            f"/api/v1/hits/{hit.id}", headers=contributor, json={"horizon": "year 3", "version": 3}
        ).status_code
        == 403
    )


def test_hit_and_roadmap_quotes_come_only_from_consenting_customers(client, headers):
    yes, no = make_customer(name="Yes", consent_quote=True), make_customer(name="No", email="no@example.com")
    said = make_feedback(text="Refund took six weeks", customer_id=yes.id, sentiment=-0.8)
    secret = make_feedback(text="Private complaint", customer_id=no.id, sentiment=-0.9)
    hit = make_hit(title="Refunds", feedback_ids=(said.id, secret.id))
    detail = client.get(f"/api/v1/hits/{hit.id}", headers=headers).json
    assert detail["quotes"] == ["Refund took six weeks"]
    assert (detail["evidence"]["items"], detail["evidence"]["customers"]) == (2, 2)
    assert detail["evidence"]["feedback_ids"] == [said.id, secret.id]
    roadmap = client.get("/api/v1/roadmap", headers=headers)
    assert roadmap.status_code == 200 and roadmap.json["format"] == "voc-roadmap"
    assert [(h["title"], h["quotes"]) for h in roadmap.json["hits"]] == [
        ("Refunds", ["Refund took six weeks"])
    ]
    assert client.get("/api/v1/roadmap?horizon=next%20decade", headers=headers).status_code == 422
    assert client.get("/api/v1/roadmap?stage=999", headers=headers).json["errors"] == [
        {"field": "stage", "message": "That stage does not exist."}
    ]


# ----- pages in SQL, and the rate limit ---------------------------------------------------------------


@pytest.fixture
def statements(app):
    """The SQL each request sends, to see that a list is cut by the database."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def test_feedback_pages_follow_cursors_both_ways_and_count_with_a_cap(client, headers, statements):
    for n in range(5):
        make_feedback(text=f"item {n}", received_on=TODAY - dt.timedelta(days=n))
    first = client.get("/api/v1/feedback?per_page=2", headers=headers).json
    assert "after=" in first["links"]["next"] and first["total_kind"] == "exact"
    statements.clear()
    second = client.get(first["links"]["next"], headers=headers).json
    assert [row["text"] for row in second["items"]] == ["item 2", "item 3"] and second["page"] is None
    assert any("(feedback.received_on, feedback.id) <" in sql for sql in statements)  # a seek, not a skip
    back = client.get(second["links"]["prev"], headers=headers).json
    assert [row["text"] for row in back["items"]] == ["item 0", "item 1"]
    by_number = client.get("/api/v1/feedback?per_page=2&page=2", headers=headers).json
    assert [row["text"] for row in by_number["items"]] == ["item 2", "item 3"]
    assert (by_number["page"], by_number["links"]["prev"]) == (2, "/api/v1/feedback?per_page=2&page=1")
    last = client.get(by_number["links"]["next"], headers=headers).json
    assert [row["text"] for row in last["items"]] == ["item 4"] and last["links"]["next"] is None
    bad = client.get("/api/v1/feedback?after=yesterday", headers=headers)
    assert bad.status_code == 422
    assert bad.json["errors"] == [
        {"field": "after", "message": "Give the cursor of a links.next or links.prev address."}
    ]


def test_feedback_count_stops_at_the_cap(client, headers, monkeypatch):
    from voc.services import feedback

    monkeypatch.setattr(feedback, "COUNT_CAP", 3)
    for n in range(5):
        make_feedback(text=f"item {n}", channel="review")
    body = client.get("/api/v1/feedback?channel=review&per_page=2", headers=headers).json
    assert (body["total"], body["total_kind"], body["pages"]) == (3, "more than", None)
    assert len(body["items"]) == 2 and body["links"]["next"]


def test_theme_list_is_ranked_and_cut_by_the_database_and_one_theme_ranks_no_others(
    client, headers, monkeypatch, statements
):
    from voc.services import themes

    ranked = []
    for label, customers in (("wide", 3), ("narrow", 1), ("middle", 2)):
        theme = make_theme(label)
        for _ in range(customers):
            make_feedback(theme_id=theme.id, customer_id=make_customer().id)
        ranked.append((customers, label, theme.id))
    noise = make_theme("noise", noise=True)
    make_feedback(theme_id=noise.id, customer_id=make_customer().id)
    make_theme("empty")  # no items: not ranked
    themes.refresh_sizes()  # customers counted as a run counts them
    db.session.commit()
    monkeypatch.setattr(themes, "ranked_themes", None)  # neither the list nor one theme ranks them all
    pages = [client.get(f"/api/v1/themes?per_page=1&page={n}", headers=headers).json for n in (1, 2, 3, 4)]
    assert [p["items"][0]["title"] for p in pages] == ["wide", "middle", "narrow", "noise"]
    assert {p["total"] for p in pages} == {4}
    assert any("LIMIT" in sql and "GROUP BY" in sql for sql in statements)
    middle = dict((label, id_) for _, label, id_ in ranked)["middle"]
    detail = client.get(f"/api/v1/themes/{middle}", headers=headers).json
    assert (detail["title"], detail["customers"], detail["items"]) == ("middle", 2, 2)


def test_hit_and_survey_lists_are_cut_by_the_database(client, headers, statements):
    from voc.services import surveys

    for title, impact in (("Small", 1), ("Big", 5), ("Middling", 3)):
        make_hit(title=title, impact=impact)
    second = client.get("/api/v1/hits?per_page=1&page=2", headers=headers).json
    assert [h["title"] for h in second["items"]] == ["Middling"] and second["total"] == 3
    for title in ("First", "Second", "Third"):
        surveys.create_survey(
            surveys.SurveyInput(title=title, questions=["Why?"], thanks_name="Ana", thanks_text="Thanks."),
            None,
        )
    statements.clear()
    page = client.get("/api/v1/surveys?per_page=2&page=2", headers=headers).json
    assert [s["title"] for s in page["items"]] == ["First"] and (page["total"], page["pages"]) == (3, 2)
    assert any("LIMIT" in sql and "FROM survey " in sql for sql in statements)


def test_each_token_is_limited_with_a_429_that_says_when_to_come_back(client, app, headers):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    assert [client.get("/api/v1/hits", headers=headers).status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/v1/hits", headers=headers)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 61
    assert refused.json["error"].startswith("Too many requests with this token (the limit is 2 per 1 minute)")
    other = api_headers(make_user("viewer"))
    assert client.get("/api/v1/hits", headers=other).status_code == 200  # counted per token
    assert client.get("/api/v1/openapi.json").status_code == 200  # the document is not counted


def test_every_worker_counts_against_one_limit_in_redis(app, database_url, headers):
    url = os.environ.get("VOC_TEST_REDIS_URL")
    if not url:
        skip_or_fail("Redis test skipped: set VOC_TEST_REDIS_URL=redis://127.0.0.1:6379/13 to enable it")
    answers = []
    for requests in (2, 1):  # each app binds the limiter anew: only what Redis holds carries over
        worker = make_app(database_url, RATELIMIT_STORAGE_URI=url, API_RATE_LIMIT="2 per minute")
        with worker.app_context():
            try:
                browser = worker.test_client()
                answers += [browser.get("/api/v1/hits", headers=headers).status_code for _ in range(requests)]
            finally:
                db.session.remove()
                db.engine.dispose()
    # The workers, gone, leave connections to the garbage collector: collect them here, quietly, rather
    # than let their warning fail whichever PostgreSQL test runs next.
    del worker, browser
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    assert answers == [200, 200, 429]


def test_a_digit_that_is_not_ascii_is_a_bad_number_not_a_crash(client, headers):
    response = client.get("/api/v1/hits?page=²", headers=headers)
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"field": "page", "message": "Give a whole number from 1 to 2,147,483,647."}
    ]
