"""Feedback corrected after the fact: edits by role, admin deletion, bulk actions; all audited."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.factories import as_user, make_customer, make_feedback, make_user, sign_in, stage_named
from voc.extensions import db
from voc.models import AuditEvent, Feedback, HitChange, HitFeedback, Theme, TriageDecision
from voc.services import corrections, hits, triage
from voc.services.audit import Actor
from voc.services.errors import InvalidInput, NotAllowed

DAY = dt.date.today() - dt.timedelta(days=3)


def form(item, **changes) -> dict:
    values = {
        "channel": item.channel,
        "received_on": item.received_on.isoformat(),
        "customer_id": item.customer_id or "",
        "stage_id": item.stage_id or "",
        "score": "",
        "score_kind": "",
        "text": item.text,
    }
    return {**values, **changes}


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_contributors_correct_the_fields_but_not_the_words(client, app):
    item = make_feedback(text="The bill doubled", channel="survey", received_on=DAY - dt.timedelta(days=1))
    grace = make_customer(name="Grace")
    user = make_user("contributor")
    sign_in(client, user)
    assert f'href="/feedback/{item.id}/edit"' in client.get(f"/feedback/{item.id}").get_data(as_text=True)
    response = client.post(
        f"/feedback/{item.id}/edit",
        data=form(
            item,
            channel="ticket",
            received_on=DAY.isoformat(),
            customer_id=grace.id,
            stage_id=stage_named("Action").id,
            score="3",
            score_kind="csat",
            text="Changed words",
        ),
    )
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.channel, item.received_on, item.customer_id) == ("ticket", DAY, grace.id)
    assert item.stage.name == "Action"
    assert (item.score, item.score_kind) == (3, "csat")
    assert (item.sentiment, item.sentiment_source) == (0.0, "score")  # a CSAT of 3 is neutral
    assert item.text == "The bill doubled"  # the words stay: text is a triager's to change
    [event] = events("edit_feedback")
    assert (event.user_id, event.target_id) == (user.id, item.id)
    assert event.detail == "changed stage, customer, channel, received on, score, score kind"
    with pytest.raises(NotAllowed):
        corrections.edit_feedback(
            item.id,
            corrections.FeedbackEdit(
                channel="ticket",
                received_on=DAY,
                customer_id=None,
                stage_id=item.stage_id,
                text="New words",
            ),
            Actor(user.id),
            may_edit_text=False,
        )


def test_triagers_correct_the_words_and_the_log_holds_no_words(client, app):
    item = make_feedback(text="The app is great", sentiment=0.6)
    sign_in(client, make_user("triager"))
    page = client.get(f"/feedback/{item.id}/edit").get_data(as_text=True)
    assert 'name="text"' in page
    client.post(f"/feedback/{item.id}/edit", data=form(item, text="The app is terrible and broken"))
    db.session.refresh(item)
    assert item.text == "The app is terrible and broken" and item.sentiment < 0
    [event] = events("edit_feedback")
    assert event.detail == "changed text" and "terrible" not in event.detail


def test_a_bad_correction_says_why_on_its_field(client, app):
    item = make_feedback()
    sign_in(client, make_user("contributor"))
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    page = client.post(f"/feedback/{item.id}/edit", data=form(item, received_on=tomorrow)).get_data(True)
    assert "The date cannot be in the future." in page
    assert events("edit_feedback") == []


def test_admins_delete_an_item_and_every_count_follows(client, app):
    theme = Theme(label="bills", size=2)
    db.session.add(theme)
    db.session.commit()
    item = make_feedback(text="Delete me", theme_id=theme.id)
    other = make_feedback(text="Keep me", theme_id=theme.id)
    theme.quote_ids = [item.id, other.id]
    data = hits.HitInput(
        title="Bills",
        stage_id=stage_named("Action").id,
        horizon="this month",
        kind="quick fix",
        impact=3,
        confidence=80,
        effort=1.0,
    )
    hit = hits.create_hit(data, None, feedback_ids=(item.id, other.id))
    triage.dismiss(make_user("triager").id, "not a pain", feedback_id=item.id)
    sign_in(client, make_user("triager"))
    assert client.post(f"/feedback/{item.id}/delete").status_code == 403
    admin = make_user("admin")
    sign_in(as_user(client), admin)
    response = client.post(f"/feedback/{item.id}/delete", follow_redirects=True)
    assert f"Feedback #{item.id} deleted, and taken off 1 hit(s)." in response.get_data(as_text=True)
    assert db.session.get(Feedback, item.id) is None
    assert db.session.scalar(select(func.count()).select_from(HitFeedback)) == 1
    assert db.session.scalar(select(func.count(TriageDecision.id))) == 0
    db.session.refresh(theme)
    assert (theme.size, theme.quote_ids) == (1, [other.id])
    assert hits.evidence(hit.id).items == 1
    lost = select(HitChange.old).where(HitChange.field == "Evidence", HitChange.old != "")
    assert db.session.scalar(lost) == "1 item(s) deleted by an admin"
    [event] = events("delete_feedback")
    assert (event.user_id, event.target_id, event.detail) == (admin.id, item.id, f"1 item: #{item.id}")


def test_bulk_actions_on_ticked_and_filtered_items(client, app):
    survey = [make_feedback(channel="survey") for _ in range(3)]
    ticket = make_feedback(channel="ticket")
    grace = make_customer(name="Grace")
    action = stage_named("Action")
    contributor = make_user("contributor")
    sign_in(client, contributor)
    page = client.get("/feedback/").get_data(as_text=True)
    assert 'id="bulk"' in page and 'value="delete"' not in page and 'value="theme"' not in page
    response = client.post(
        "/feedback/bulk",
        data={
            "bulk-ids": [survey[0].id, survey[1].id],
            "bulk-scope": "ticked",
            "bulk-action": "stage",
            "bulk-stage": action.id,
        },
        follow_redirects=True,
    )
    assert "Done: set the journey stage for 2 items." in response.get_data(as_text=True)
    stages = [db.session.get(Feedback, i.id).stage_id for i in (*survey, ticket)]
    assert stages == [action.id, action.id, None, None]
    client.post(
        "/feedback/bulk?channel=survey",
        data={"bulk-scope": "filtered", "bulk-action": "customer", "bulk-customer": grace.id},
    )
    assert [db.session.get(Feedback, i.id).customer_id for i in (*survey, ticket)] == [grace.id] * 3 + [None]
    refused = client.post(
        "/feedback/bulk", data={"bulk-ids": [ticket.id], "bulk-action": "delete"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Not a valid choice." in refused  # a contributor is not even offered deletion
    assert db.session.get(Feedback, ticket.id) is not None
    with pytest.raises(InvalidInput):
        corrections.bulk_change([], "stage", action.id, Actor(contributor.id), contributor.has_role)

    sign_in(as_user(client), make_user("admin"))
    survey_ids = [i.id for i in survey]
    client.post("/feedback/bulk?channel=survey", data={"bulk-scope": "filtered", "bulk-action": "delete"})
    assert db.session.scalar(select(func.count(Feedback.id))) == 1
    assert [e.detail for e in events("delete_feedback")] == [
        "3 items: " + ", ".join(f"#{i}" for i in survey_ids)
    ]
    assert len(events("edit_feedback")) == 2


def test_opening_words_with_personal_data_to_correct_them_is_a_logged_reveal(client, app):
    item = make_feedback(text="Call me on 07700 900123 about the bill")
    sign_in(client, make_user("triager"))
    response = client.get(f"/feedback/{item.id}/edit")
    assert "07700 900123" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    assert [e.target_id for e in events("reveal")] == [item.id]
