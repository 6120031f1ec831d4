"""The hit list: creating hits with evidence, RICE, statuses, history, locking and the closed loop."""

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from tests.factories import (
    as_user,
    hit_form,
    hit_input,
    make_customer,
    make_feedback,
    make_hit,
    make_theme,
    make_user,
    sign_in,
    stage_named,
)
from voc.extensions import db
from voc.models import HORIZONS, FollowUp, Hit, HitChange
from voc.services import hits
from voc.services.errors import StaleEdit

TODAY = dt.date.today()


@pytest.fixture
def triager(client, app):
    user = make_user("triager", name="Tara Triager")
    sign_in(client, user)
    return user


def count_hits() -> int:
    return db.session.scalar(select(func.count(Hit.id)))


def test_new_hit_from_theme_is_prefilled_and_keeps_the_evidence(client, triager):
    theme = make_theme(name="Smart meter no-shows")
    alice, bob = make_customer(name="Alice"), make_customer(name="Bob")
    make_feedback(theme_id=theme.id, customer=alice, stage=stage_named("Action"))
    make_feedback(theme_id=theme.id, customer=bob, stage=stage_named("Action"))
    make_feedback(theme_id=theme.id, customer=alice, stage=stage_named("Consider"))
    page = client.get(f"/hits/new?theme={theme.id}").get_data(as_text=True)
    assert 'value="Smart meter no-shows"' in page
    assert f'<option selected value="{stage_named("Action").id}">Action</option>' in page
    assert "3 items from 2 customers" in page

    response = client.post(f"/hits/new?theme={theme.id}", data=hit_form(title="Smart meter no-shows"))
    hit = db.session.scalar(select(Hit))
    assert response.headers["Location"] == f"/hits/{hit.id}"
    assert [t.id for t in hit.themes] == [theme.id]
    assert (hit.status, hit.stage.name, hit.version) == ("proposed", "Action", 1)
    assert hit.created_by_id == triager.id
    body = client.get(f"/hits/{hit.id}").get_data(as_text=True)
    assert 'id="evidence-items">3<' in body and 'id="evidence-customers">2<' in body


def test_evidence_counts_follow_feedback_added_to_the_theme_later(app):
    theme = make_theme()
    alice = make_customer()
    make_feedback(
        theme_id=theme.id,
        customer=alice,
        channel="ticket",
        sentiment=-0.8,
        received_on=TODAY - dt.timedelta(days=20),
    )
    direct = make_feedback(
        customer=alice, channel="survey", sentiment=0.4, received_on=TODAY - dt.timedelta(days=5)
    )
    hit = make_hit(theme_ids=(theme.id,), feedback_ids=(direct.id,))
    before = hits.evidence(hit.id)
    assert (before.items, before.customers) == (2, 1)

    bob = make_customer()
    later = make_feedback(
        theme_id=theme.id,
        customer=bob,
        channel="review",
        sentiment=-0.5,
        received_on=TODAY - dt.timedelta(days=40),
    )
    direct.theme_id = theme.id  # an item both linked and in the theme counts once
    db.session.commit()
    after = hits.evidence(hit.id)
    assert (after.items, after.customers) == (3, 2)
    assert dict(after.channels) == {"ticket": 1, "survey": 1, "review": 1}
    assert (after.earliest, after.latest) == (later.received_on, direct.received_on)
    assert after.mean_sentiment == round((-0.8 + 0.4 - 0.5) / 3, 2)
    assert after.negative_share == round(2 / 3, 2)
    assert after.quotes[0].sentiment == -0.8  # the strongest words lead
    [ranked] = hits.ranked_hits(hits.BoardFilters())
    assert (ranked.rice.reach, ranked.rice.reach_from_evidence) == (2, True)


def test_only_consenting_customers_are_marked_quotable(client, triager):
    theme = make_theme()
    make_feedback(theme_id=theme.id, customer=make_customer(consent_quote=True), text="Happy to be quoted")
    make_feedback(theme_id=theme.id, customer=make_customer(consent_quote=False), text="Keep me private")
    make_feedback(theme_id=theme.id, text="Anonymous survey answer")
    hit = make_hit(triager, theme_ids=(theme.id,))
    quotes = client.get(f"/hits/{hit.id}").get_data(as_text=True).split('id="quotes"')[1].split("</ol>")[0]
    assert quotes.count("quotable</span>") == 1 and quotes.count("no consent to quote") == 2
    private = quotes.split("Keep me private")[1].split("</li>")[0]
    assert "no consent to quote" in private


def test_rice_score_uses_evidence_reach_unless_overridden(client, triager):
    theme = make_theme()
    for _ in range(4):
        make_feedback(theme_id=theme.id, customer=make_customer())
    hit = make_hit(triager, theme_ids=(theme.id,), impact=3, confidence=50, effort=2.0)
    body = client.get(f"/hits/{hit.id}").get_data(as_text=True)
    assert "reach 4 × impact 3 × confidence 50% ÷ effort 2 person-weeks = 3" in body
    assert "(distinct customers in the evidence)" in body
    overridden = hits.rice(hit, 4).__class__(
        reach=100, reach_from_evidence=False, impact=3, confidence=50, effort=2.0
    )
    assert overridden.score == 75
    hit.reach = 100
    db.session.commit()
    assert hits.rice(hit, 4).score == 75
    assert "reach 100 × impact 3" in client.get(f"/hits/{hit.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("effort", "suggestion"), [(0.2, "Quick Hit"), (1, "Quick Hit"), (1.5, "Big Hit"), (12, "Big Hit")]
)
def test_size_is_suggested_from_effort(effort, suggestion):
    assert hits.suggest_size(effort) == suggestion


def test_suggestion_is_shown_and_the_triager_decides(client, triager):
    hit = make_hit(triager, effort=0.5, horizon="this year")
    body = client.get(f"/hits/{hit.id}").get_data(as_text=True)
    assert "This year (Big Hit)" in body
    assert "Quick Hit — the triager chose Big Hit" in body


@pytest.mark.parametrize(
    ("impact", "effort", "quadrant"),
    [
        (5, 1, "Quick wins"),
        (3, 2, "Quick wins"),
        (4, 8, "Big bets"),
        (2, 0.5, "Fill-ins"),
        (1, 10, "Money pits"),
    ],
)
def test_impact_effort_quadrant(impact, effort, quadrant):
    assert hits.quadrant(impact, effort) == quadrant


def test_matrix_places_hits_in_their_quadrant(client, triager):
    make_hit(triager, title="Cheap and big", impact=5, effort=0.5)
    make_hit(triager, title="Costly and small", impact=1, effort=20)
    body = client.get("/hits/matrix").get_data(as_text=True)
    quick_wins = body.split("Quick wins")[1].split("Big bets")[0]
    money_pits = body.split("Money pits")[1]
    assert "Cheap and big" in quick_wins and "Costly and small" in money_pits


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"stage_id": ""}, "Choose the journey stage this hit hurts."),
        ({"stage_id": "9999"}, "Choose a journey stage that exists and is not retired."),
        ({"title": "   "}, "A hit needs a title."),
        ({"impact": "0"}, "Impact runs from 1 (minimal) to 5 (massive)."),
        ({"impact": "6"}, "Impact runs from 1 (minimal) to 5 (massive)."),
        ({"confidence": "-1"}, "Confidence is a percentage from 0 to 100."),
        ({"confidence": "101"}, "Confidence is a percentage from 0 to 100."),
        ({"effort": "0"}, "Effort is in person-weeks and must be more than 0."),
        ({"effort": "-2"}, "Effort is in person-weeks and must be more than 0."),
        ({"effort": "nan"}, "Effort is in person-weeks and must be more than 0."),
        ({"owner_id": "9999"}, "Choose an owner who is an active user."),
        ({"reach": "-3"}, "Reach cannot be negative"),
        ({"horizon": "next decade"}, "Not a valid choice."),
        ({"kind": "magic"}, "Not a valid choice."),
        ({"impact": "lots"}, "Not a valid integer value."),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_saved(client, triager, overrides, message):
    response = client.post("/hits/new", data=hit_form(**overrides))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'<p class="error" role="alert">{message}' in body
    assert count_hits() == 0


def test_every_problem_is_reported_at_once(client, triager):
    body = client.post("/hits/new", data=hit_form(stage_id="", impact="9", effort="0")).get_data(as_text=True)
    for message in ("Choose the journey stage", "Impact runs", "Effort is in person-weeks"):
        assert message in body


def post_status(client, hit, status, reason="", version=None):
    return client.post(
        f"/hits/{hit.id}/status",
        data={"status": status, "reason": reason, "version": version or db.session.get(Hit, hit.id).version},
    )


def test_a_hit_walks_the_whole_flow_and_each_move_is_recorded(client, triager):
    hit = make_hit(triager)
    for status in ("planned", "in progress", "done", "loop closed"):
        response = post_status(client, hit, status)
        assert response.status_code == 302, status
        db.session.expire_all()
        assert db.session.get(Hit, hit.id).status == status
    moves = [
        (c.old, c.new)
        for c in db.session.scalars(
            select(HitChange).where(HitChange.field == "Status").order_by(HitChange.id)
        )
    ]
    assert moves == [
        ("proposed", "planned"),
        ("planned", "in progress"),
        ("in progress", "done"),
        ("done", "loop closed"),
    ]


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("proposed", ["planned", "in progress", "done", "dropped"]),
        ("planned", ["in progress", "done", "proposed", "dropped"]),
        ("in progress", ["done", "planned", "dropped"]),
        ("done", ["loop closed", "in progress", "dropped"]),
        ("loop closed", ["done"]),
        ("dropped", ["proposed"]),
    ],
)
def test_allowed_status_moves(status, allowed):
    assert hits.next_statuses(status) == allowed


def test_proposed_to_done_in_one_step_but_the_loop_closes_only_after_done(client, triager):
    hit = make_hit(triager)
    body = post_status(client, hit, "loop closed").get_data(as_text=True)
    assert "A hit that is proposed cannot move to loop closed." in body
    db.session.expire_all()
    assert db.session.get(Hit, hit.id).status == "proposed"
    body = client.post(
        f"/hits/{hit.id}/status", data={"status": "done", "version": 1}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"“{hit.title}” is now done." in body
    db.session.expire_all()
    assert db.session.get(Hit, hit.id).status == "done"


def test_dropping_needs_a_reason_and_reopening_clears_it(client, triager):
    hit = make_hit(triager)
    response = post_status(client, hit, "dropped", reason="  ")
    assert response.status_code == 200
    assert '<p class="error" role="alert">Say why the hit is dropped.</p>' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Hit, hit.id).status == "proposed"

    response = post_status(client, hit, "dropped", reason="Fixed upstream by the meter supplier")
    assert response.status_code == 302
    db.session.expire_all()
    dropped = db.session.get(Hit, hit.id)
    assert (dropped.status, dropped.drop_reason) == ("dropped", "Fixed upstream by the meter supplier")
    assert "Fixed upstream by the meter supplier" in client.get(f"/hits/{hit.id}").get_data(as_text=True)
    assert "Engineers" not in client.get("/hits/").get_data(as_text=True)  # the board hides dropped hits

    post_status(client, hit, "proposed")
    db.session.expire_all()
    assert (db.session.get(Hit, hit.id).status, db.session.get(Hit, hit.id).drop_reason) == ("proposed", None)


def test_history_records_who_when_field_from_and_to(client, triager):
    hit = make_hit(triager, title="Old title")
    client.post(f"/hits/{hit.id}/edit", data=hit_form(title="New title", impact="5", version="1"))
    changes = {c.field: c for c in db.session.scalars(select(HitChange).where(HitChange.hit_id == hit.id))}
    assert set(changes) >= {"Hit", "Title", "Impact", "Problem"}
    title = changes["Title"]
    assert (title.old, title.new, title.user_id) == ("Old title", "New title", triager.id)
    assert (changes["Impact"].old, changes["Impact"].new, changes["Impact"].version) == ("3", "5", 2)
    assert "Kind of move" not in changes  # unchanged fields leave no entry
    history = client.get(f"/hits/{hit.id}").get_data(as_text=True).split('id="history"')[1]
    assert "Tara Triager" in history and "Old title" in history and "New title" in history


def test_second_save_of_the_same_hit_is_refused_and_shows_what_changed(app, triager):
    first, second = app.test_client(), app.test_client()
    sign_in(first, triager)
    sign_in(second, make_user("triager", name="Sam Second"))
    hit = make_hit(triager, title="Call waits", impact=3)
    for client in (first, second):
        page = as_user(client).get(f"/hits/{hit.id}/edit").get_data(as_text=True)
        assert 'name="version" type="hidden" value="1"' in page

    theirs = hit_form(title="Call waits over an hour", version="1")
    assert as_user(second).post(f"/hits/{hit.id}/edit", data=theirs).status_code == 302
    mine = hit_form(title="Call waits", impact="5", version="1")
    response = as_user(first).post(f"/hits/{hit.id}/edit", data=mine)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sam Second changed this hit after you opened it, so nothing you entered was saved." in body
    assert "Sam Second changed <strong>Title</strong>" in body and "Call waits over an hour" in body
    db.session.expire_all()
    stored = db.session.get(Hit, hit.id)
    assert (stored.title, stored.impact, stored.version) == ("Call waits over an hour", 3, 2)

    # The refused form now carries the current version: saving again is a knowing choice.
    assert 'name="version" type="hidden" value="2"' in body
    mine["version"] = "2"
    assert as_user(first).post(f"/hits/{hit.id}/edit", data=mine).status_code == 302
    db.session.expire_all()
    assert (db.session.get(Hit, hit.id).impact, db.session.get(Hit, hit.id).version) == (5, 3)


def test_a_save_racing_another_at_commit_is_refused(app, triager):
    hit = make_hit(triager, title="Race")
    db.session.get(Hit, hit.id)  # this session still holds version 1
    with db.engine.begin() as conn:  # another worker saves in between
        conn.execute(update(Hit).where(Hit.id == hit.id).values(title="Theirs", version=2))
    with pytest.raises(StaleEdit):
        hits.update_hit(hit.id, hit_input(title="Mine"), 1, triager.id)
    db.session.expire_all()
    assert db.session.get(Hit, hit.id).title == "Theirs"


def test_status_change_from_a_stale_page_is_refused(client, triager):
    hit = make_hit(triager)
    hits.move_hit(hit.id, "this year", 1, None)
    body = post_status(client, hit, "planned", version=1).get_data(as_text=True)
    assert "changed this hit after you opened it" in body and "changed <strong>Horizon</strong>" in body
    db.session.expire_all()
    assert db.session.get(Hit, hit.id).status == "proposed"


def test_board_has_a_column_per_horizon_sorted_by_score(client, triager):
    make_hit(triager, title="Low scorer", impact=1, reach=10)
    make_hit(triager, title="High scorer", impact=5, reach=10)
    make_hit(triager, title="Years away", horizon="year 3", reach=1)
    body = client.get("/hits/").get_data(as_text=True)
    for horizon in HORIZONS:
        assert f'data-horizon="{horizon}"' in body
    month = body.split('data-horizon="this month"')[1].split("</ol>")[0]
    assert month.index("High scorer") < month.index("Low scorer")
    assert "Years away" in body.split('data-horizon="year 3"')[1]


def test_board_filters_by_stage_owner_status_and_kind(client, triager):
    owner = make_user("triager", name="Olive Owner")
    make_hit(triager, title="Awareness thing", stage_id=stage_named("Awareness").id)
    make_hit(triager, title="Owned thing", owner_id=owner.id, kind="new capability")
    planned = make_hit(triager, title="Planned thing")
    hits.set_status(planned.id, "planned", "", 1, None)
    cases = {
        f"stage={stage_named('Awareness').id}": "Awareness thing",
        f"owner={owner.id}": "Owned thing",
        "kind=new+capability": "Owned thing",
        "status=planned": "Planned thing",
    }
    for query, only in cases.items():
        body = client.get(f"/hits/?{query}").get_data(as_text=True)
        shown = {t for t in ("Awareness thing", "Owned thing", "Planned thing") if t in body}
        assert shown == {only}, query


def test_move_between_horizons_with_a_plain_form(client, triager):
    hit = make_hit(triager, title="Movable")
    response = client.post(f"/hits/{hit.id}/move", data={"horizon": "this year", "version": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Hit, hit.id).horizon == "this year"
    stale = client.post(
        f"/hits/{hit.id}/move", data={"horizon": "year 2", "version": "1"}, follow_redirects=True
    )
    assert "changed this hit after you opened it" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Hit, hit.id).horizon == "this year"


def test_hit_text_is_shown_as_text(client, triager):
    make_hit(triager, title="<script>alert(1)</script>", problem="<img src=x onerror=alert(1)>")
    board = client.get("/hits/").get_data(as_text=True)
    page = client.get(f"/hits/{db.session.scalar(select(Hit.id))}").get_data(as_text=True)
    assert "<script>alert(1)" not in board and "<script>alert(1)" not in page
    assert "<img src=x" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in board


@pytest.fixture
def done_hit(triager):
    """A done hit raised by a customer who may be contacted and one who may not."""
    theme = make_theme()
    yes = make_customer(name="Yara Yes", consent_contact=True, email="yara@example.com")
    no = make_customer(name="Nick No", consent_contact=False)
    make_feedback(theme_id=theme.id, customer=yes)
    make_feedback(theme_id=theme.id, customer=no)
    make_feedback(theme_id=theme.id)  # anonymous: nobody to get back to
    hit = make_hit(triager, theme_ids=(theme.id,))
    for version, status in enumerate(("planned", "in progress", "done"), start=1):
        hits.set_status(hit.id, status, "", version, triager.id)
    return hit, yes, no


def post_follow_up(client, hit, customer, **overrides):
    data = {
        "customer_id": customer.id if customer else "",
        "method": "call",
        "held_on": TODAY.isoformat(),
        "note": "Told her the engineers now confirm the day before",
        **overrides,
    }
    return client.post(f"/hits/{hit.id}/follow-ups", data=data)


def test_follow_ups_close_the_loop_customer_by_customer(client, triager, done_hit):
    hit, yes, no = done_hit
    page = client.get(f"/hits/{hit.id}").get_data(as_text=True)
    assert "Loop closed with 0 of 2 customers." in page
    assert "Yes, yara@example.com" in page and "No — notes only" in page

    assert post_follow_up(client, hit, yes).status_code == 302
    refused = post_follow_up(client, hit, no).get_data(as_text=True)
    assert "Nick No has not agreed to be contacted; record a note instead." in refused
    noted = post_follow_up(client, hit, no, method="note", note="Fixed; not contacted, as asked")
    assert noted.status_code == 302

    follow_ups = list(db.session.scalars(select(FollowUp).order_by(FollowUp.id)))
    assert [(f.customer.name, f.method, f.user_id, f.held_on) for f in follow_ups] == [
        ("Yara Yes", "call", triager.id, TODAY),
        ("Nick No", "note", triager.id, TODAY),
    ]
    page = client.get(f"/hits/{hit.id}").get_data(as_text=True)
    assert "Loop closed with 2 of 2 customers." in page
    assert "Told her the engineers now confirm the day before" in page

    assert post_status(client, hit, "loop closed").status_code == 302
    db.session.expire_all()
    assert db.session.get(Hit, hit.id).status == "loop closed"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"note": "  "}, "Write down what was said."),
        ({"held_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "The date cannot be in the future."),
        ({"method": "pigeon"}, "Not a valid choice."),
    ],
)
def test_bad_follow_ups_are_explained_and_not_saved(client, done_hit, overrides, message):
    hit, yes, _ = done_hit
    body = post_follow_up(client, hit, yes, **overrides).get_data(as_text=True)
    assert f'<p class="error" role="alert">{message}' in body
    assert db.session.scalar(select(func.count(FollowUp.id))) == 0


def test_follow_up_only_with_customers_who_raised_it_and_only_once_done(client, triager, done_hit):
    hit, _, _ = done_hit
    stranger = make_customer(name="Stranger", consent_contact=True)
    body = post_follow_up(client, hit, stranger).get_data(as_text=True)
    assert "Choose a customer who raised this hit." in body
    fresh = make_hit(triager, feedback_ids=(make_feedback(customer=stranger).id,))
    body = post_follow_up(client, fresh, stranger).get_data(as_text=True)
    assert "Follow-ups are recorded once the hit is done." in body
    assert db.session.scalar(select(func.count(FollowUp.id))) == 0


@pytest.mark.parametrize("role", ["viewer", "contributor"])
def test_viewers_and_contributors_read_but_cannot_triage(client, app, role):
    hit = make_hit(make_user("triager"), title="Readable hit")
    sign_in(client, make_user(role))
    for path in ("/hits/", "/hits/matrix", "/hits/inbox", f"/hits/{hit.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert "Readable hit" in client.get("/hits/").get_data(as_text=True)
    assert 'action="/hits/1/move"' not in client.get("/hits/").get_data(as_text=True)
    posts = {
        "/hits/new": hit_form(),
        f"/hits/{hit.id}/edit": hit_form(title="Changed", version="1"),
        f"/hits/{hit.id}/move": {"horizon": "year 3", "version": "1"},
        f"/hits/{hit.id}/status": {"status": "planned", "version": "1"},
        "/hits/evidence": {"hit": hit.id, "feedback": make_feedback().id},
        "/hits/inbox/dismiss": {"reason": "noise", "feedback": make_feedback().id},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 403, path
    assert client.get("/hits/new").status_code == 403
    db.session.expire_all()
    stored = db.session.get(Hit, hit.id)
    assert (stored.title, stored.horizon, stored.status) == ("Readable hit", "this month", "proposed")
    assert count_hits() == 1


@pytest.mark.parametrize(
    ("role", "status"), [("viewer", 403), ("contributor", 302), ("triager", 302), ("admin", 302)]
)
def test_follow_ups_need_contributor(client, done_hit, role, status):
    hit, yes, _ = done_hit
    sign_in(client, make_user(role))
    assert post_follow_up(client, hit, yes).status_code == status


@pytest.mark.parametrize("role", ["triager", "admin"])
def test_triagers_and_admins_may_change_hits(client, app, role):
    sign_in(client, make_user(role))
    assert client.post("/hits/new", data=hit_form()).status_code == 302
    assert count_hits() == 1


def test_unknown_hit_is_404(client, triager):
    assert client.get("/hits/999").status_code == 404
    assert client.post("/hits/999/move", data={"horizon": "year 2", "version": "1"}).status_code == 404


def test_demo_has_a_full_hit_list(app):
    from voc.models import Stage
    from voc.services.demo import load_demo

    load_demo()
    all_hits = list(db.session.scalars(select(Hit)))
    assert len(all_hits) >= 12
    assert {h.horizon for h in all_hits} == set(HORIZONS)
    assert {h.stage_id for h in all_hits} == set(db.session.scalars(select(Stage.id)))
    assert all(hits.evidence(h.id).items > 0 for h in all_hits)
    assert db.session.scalar(select(func.count(HitChange.id)).where(HitChange.field != "Hit")) > len(all_hits)
    assert db.session.scalar(select(func.count(FollowUp.id))) >= 3
    assert {h.status for h in all_hits} >= {"proposed", "planned", "in progress", "done", "loop closed"}
