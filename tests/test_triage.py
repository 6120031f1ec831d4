"""The triage inbox: ranking, new hit from an item, add to an existing hit, and reversible dismissals."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.factories import (
    make_customer,
    make_feedback,
    make_hit,
    make_theme,
    make_user,
    sign_in,
    stage_named,
)
from voc.extensions import db
from voc.models import Hit, HitChange, TriageDecision
from voc.services import hits, triage

TODAY = dt.date.today()


@pytest.fixture
def triager(client, app):
    user = make_user("triager", name="Tara Triager")
    sign_in(client, user)
    return user


def test_themes_are_ranked_by_customers_then_trend_then_sentiment(app):
    small = make_theme("few customers", customers=1)
    rising = make_theme("rising", customers=2)
    steady = make_theme("steady", customers=2)
    for days in (40, 45, 50):
        make_feedback(theme_id=steady.id, received_on=TODAY - dt.timedelta(days=days))
    angry = make_theme("angry but steady", customers=2)
    for days in (40, 45, 50):
        make_feedback(theme_id=angry.id, received_on=TODAY - dt.timedelta(days=days), sentiment=-0.9)
    big = make_theme("many customers", customers=4)
    ranked = triage.theme_candidates(TODAY)
    assert [c.theme.id for c in ranked] == [big.id, rising.id, angry.id, steady.id, small.id]
    assert (ranked[1].recent, ranked[1].earlier, ranked[1].trend) == (2, 0, 2)
    assert ranked[2].trend == -1 and ranked[2].mean_sentiment == -0.9  # items without a score are left out


def test_inbox_leaves_out_themes_already_on_a_hit_noise_and_retired(client, triager):
    on_hit = make_theme("on a hit", customers=1)
    make_theme("noise cluster", customers=1, noise=True)
    make_theme("merged away", customers=1, retired=True)
    waiting = make_theme("still waiting", customers=1)
    make_hit(theme_ids=(on_hit.id,))
    body = client.get("/hits/inbox").get_data(as_text=True)
    themes = body.split('id="inbox-themes"')[1].split("</table>")[0]
    assert "still waiting" in themes and f'href="/hits/new?theme={waiting.id}"' in themes
    assert "on a hit" not in themes and "noise cluster" not in themes and "merged away" not in themes


def test_unthemed_items_are_listed_angriest_first_until_linked(client, triager):
    calm = make_feedback(text="Mildly annoyed about the bill", sentiment=-0.1)
    angry = make_feedback(text="Furious about the engineer", sentiment=-0.9)
    make_feedback(text="In a theme already", theme_id=make_theme("t").id)
    body = client.get("/hits/inbox").get_data(as_text=True).split('id="inbox-items"')[1]
    assert body.index("Furious") < body.index("Mildly") and "In a theme already" not in body
    make_hit(feedback_ids=(angry.id,))
    items, total = triage.item_candidates()
    assert [i.id for i in items] == [calm.id] and total == 1


def test_new_hit_from_an_item_uses_its_words_and_stage(client, triager):
    item = make_feedback(
        text="The sign-up form lost everything I typed",
        stage=stage_named("Consider"),
        customer=make_customer(),
    )
    page = client.get(f"/hits/new?feedback={item.id}").get_data(as_text=True)
    assert 'value="The sign-up form lost everything I typed"' in page
    assert f'<option selected value="{stage_named("Consider").id}">Consider</option>' in page
    data = {
        "title": "Sign-up loses input",
        "problem": item.text,
        "stage_id": stage_named("Consider").id,
        "horizon": "this week",
        "kind": "quick fix",
        "impact": "4",
        "confidence": "90",
        "effort": "0.5",
    }
    assert client.post(f"/hits/new?feedback={item.id}", data=data).status_code == 302
    hit = db.session.scalar(select(Hit))
    assert [f.id for f in hit.feedback] == [item.id] and hits.evidence(hit.id).customers == 1


def test_theme_draft_takes_the_most_common_stage_earliest_on_a_tie(app):
    theme = make_theme("mixed")
    for stage in ("Action", "Consider", "Consider", "Action", "Awareness"):
        make_feedback(theme_id=theme.id, stage=stage_named(stage))
    assert triage.theme_draft(theme.id).stage_id == stage_named("Consider").id


def test_unknown_theme_or_item_for_a_new_hit_is_404(client, triager):
    assert client.get("/hits/new?theme=999").status_code == 404
    assert client.get("/hits/new?feedback=999").status_code == 404


def test_add_a_theme_to_an_existing_hit(client, triager):
    hit = make_hit()
    theme = make_theme("refunds", customers=3)
    response = client.post("/hits/evidence", data={"hit": hit.id, "theme": theme.id})
    assert response.headers["Location"] == f"/hits/{hit.id}"
    assert client.post("/hits/evidence", data={"hit": hit.id, "theme": theme.id}).status_code == 302  # twice
    db.session.expire_all()
    assert [t.id for t in db.session.get(Hit, hit.id).themes] == [theme.id]
    assert hits.evidence(hit.id).customers == 3
    evidence_changes = db.session.scalars(select(HitChange).where(HitChange.field == "Evidence")).all()
    assert [(c.old, c.new, c.user_id) for c in evidence_changes] == [("", "theme “refunds”", triager.id)]

    client.post(f"/hits/{hit.id}/evidence/remove", data={"theme": theme.id})
    db.session.expire_all()
    assert db.session.get(Hit, hit.id).themes == []
    assert "refunds" in client.get("/hits/inbox").get_data(as_text=True).split('id="inbox-themes"')[1]


def test_adding_needs_a_hit(client, triager):
    theme = make_theme("orphan", customers=1)
    response = client.post("/hits/evidence", data={"hit": "", "theme": theme.id}, follow_redirects=True)
    assert "Choose the hit to add this to." in response.get_data(as_text=True)


def test_not_a_pain_point_needs_a_reason_and_can_be_undone(client, triager):
    theme = make_theme("people love the new logo", customers=2)
    refused = client.post("/hits/inbox/dismiss", data={"theme": theme.id, "reason": " "})
    assert refused.status_code == 200
    row = refused.get_data(as_text=True).split(f'id="theme-{theme.id}"')[1].split("</tr>")[0]
    assert '<p class="error" role="alert">Say why this is not a pain point.</p>' in row
    assert db.session.scalar(select(func.count(TriageDecision.id))) == 0

    client.post("/hits/inbox/dismiss", data={"theme": theme.id, "reason": "Praise, not a problem"})
    body = client.get("/hits/inbox").get_data(as_text=True)
    assert "people love the new logo" not in body.split('id="inbox-themes"')[1].split("</table>")[0]
    assert "Praise, not a problem" in body.split('id="dismissed"')[1]

    decision = db.session.scalar(select(TriageDecision))
    assert (decision.user_id, decision.reverted_at) == (triager.id, None)
    client.post(f"/hits/inbox/restore/{decision.id}")
    db.session.expire_all()
    assert db.session.get(TriageDecision, decision.id).reverted_at is not None  # kept on record
    inbox = client.get("/hits/inbox").get_data(as_text=True)
    assert "people love the new logo" in inbox.split('id="dismissed"')[0]


def test_items_can_be_dismissed_too(client, triager):
    item = make_feedback(text="asdfgh test test")
    client.post("/hits/inbox/dismiss", data={"feedback": item.id, "reason": "Test submission"})
    items, total = triage.item_candidates()
    assert items == [] and total == 0


def test_a_hit_citing_a_share_of_a_themes_items_covers_the_theme(client, triager):
    covered = make_theme("cited item by item", customers=10)
    half_done = make_theme("cited here and there", customers=10)
    make_hit(feedback_ids=tuple(item.id for item in covered.items[:2]))  # 2 of 10: the documented fifth
    make_hit(title="One", feedback_ids=(half_done.items[0].id,))  # one item each from two hits: not one
    make_hit(title="Other", feedback_ids=(half_done.items[1].id,))  # hit's share, so not covered
    assert [c.theme.id for c in triage.theme_candidates(TODAY)] == [half_done.id]
    body = client.get("/hits/inbox").get_data(as_text=True)
    listed = body.split('id="inbox-themes"')[1].split("</table>")[0]
    assert "cited here and there" in listed and "cited item by item" not in listed
    assert f"at least {triage.COVERED_PERCENT}% of its items" in body
