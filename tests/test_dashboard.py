"""The journey dashboard: exact figures on a small known data set, order, filters and links."""

import datetime as dt
import html
import json
import re
import sys
import threading

import pytest

from tests.factories import make_customer, make_feedback, make_user, sign_in, stage_named
from voc.extensions import db
from voc.models import Interview, Stage, Theme
from voc.services import dashboard, hits, stages
from voc.services.dashboard import DashboardFilters, Period, Volume
from voc.services.errors import InvalidInput

TODAY = dt.date.today()
LAST_30 = Period(TODAY - dt.timedelta(days=29), TODAY)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def known(app):
    """Fourteen items this period and three in the one before, spread over the stages, with hits."""
    user = make_user("triager", name="Tess Triager")
    alice = make_customer(name="Alice", segment="Residential")
    bob = make_customer(name="Bob", segment="Business")
    meter, fees, green, noise = (
        Theme(label="smart meter", name="Smart meter no-shows"),
        Theme(label="exit fee"),
        Theme(label="green tariff"),
        Theme(label="thanks", noise=True),
    )
    db.session.add_all([meter, fees, green, noise])
    retired = Stage(name="Loyalty", position=9, retired=True)
    db.session.add(retired)
    db.session.commit()
    action, consider, awareness = stage_named("Action"), stage_named("Consider"), stage_named("Awareness")

    def item(stage, theme, days, sentiment, **extra):
        return make_feedback(
            stage=stage,
            theme_id=theme.id if theme else None,
            received_on=ago(days),
            sentiment=sentiment,
            **extra,
        )

    # Action: 6 now (3 rated, 2 negative; NPS 0, 9, 10; CSAT 4), 1 before: the meter theme emerges.
    item(action, meter, 1, -0.6, customer=alice, channel="ticket", score=0, score_kind="nps")
    item(action, meter, 2, -0.4, customer=bob, score=9, score_kind="nps")
    item(action, meter, 3, 0.2, score=10, score_kind="nps")
    item(action, meter, 4, None, score=4, score_kind="csat")
    item(action, meter, 5, None)
    item(action, meter, 6, None)
    item(action, meter, 40, 0.5)
    # Consider: 3 now, 2 before, all tickets: exit fees grow by 50%, too little and too few to emerge.
    c1 = item(consider, fees, 5, 0.5, customer=alice, channel="ticket")
    c2 = item(consider, fees, 6, 0.3, customer=bob, channel="ticket")
    item(consider, fees, 7, -0.1, channel="ticket")
    item(consider, fees, 35, 0.0, channel="ticket")
    item(consider, fees, 36, 0.0, channel="ticket")
    # Awareness: 3 now, none before; two green-tariff items are too few to emerge; noise is hidden.
    item(awareness, green, 8, 0.1)
    item(awareness, green, 9, 0.1)
    item(awareness, noise, 10, 0.0)
    # One without a stage, one on a retired stage, one too old for either period.
    item(None, None, 2, -0.8, channel="review")
    item(retired, None, 3, None)
    item(action, meter, 70, -0.9)

    quick = hits.create_hit(_hit("Engineers confirm the day before", action, "this month"), user.id)
    big = hits.create_hit(_hit("Real-time engineer tracking", action, "this year"), user.id)
    done = hits.create_hit(
        _hit("Exit fee on the quote", consider, "this week"), user.id, feedback_ids=(c1.id, c2.id)
    )
    for status in ("planned", "in progress", "done"):
        hits.set_status(done.id, status, "", done.version, user.id)
    for customer in (alice, bob):
        hits.record_follow_up(done.id, hits.FollowUpInput(customer.id, "note", ago(1), "Told them"), user.id)
    hits.record_follow_up(done.id, hits.FollowUpInput(alice.id, "note", ago(45), "Long ago"), user.id)
    for days, minutes in ((3, 90), (20, 60), (40, 30)):
        db.session.add(
            Interview(
                customer=alice, interviewer=user, held_on=ago(days), place="Leeds", duration_minutes=minutes
            )
        )
    db.session.commit()
    return {
        "action": action,
        "consider": consider,
        "awareness": awareness,
        "meter": meter,
        "fees": fees,
        "green": green,
        "quick": quick,
        "big": big,
        "done": done,
        "user": user,
    }


def _hit(title, stage, horizon) -> hits.HitInput:
    return hits.HitInput(
        title=title, stage_id=stage.id, horizon=horizon, kind="quick fix", impact=3, confidence=80, effort=1.0
    )


def build(**filters) -> dashboard.Dashboard:
    return dashboard.build(DashboardFilters(**{"period": LAST_30, **filters}))


def by_name(board) -> dict:
    return {c.name: c for c in board.columns}


def test_columns_follow_the_journey_then_no_stage(known):
    assert [c.name for c in build().columns] == ["Awareness", "Consider", "Action", "No stage"]


def test_columns_follow_a_reordered_journey(known):
    stages.move_stage(known["action"].id, -1)
    assert [c.name for c in build().columns] == ["Awareness", "Action", "Consider", "No stage"]


def test_stage_figures_are_exact(known):
    columns = by_name(build())
    action = columns["Action"].figures
    assert (action.volume.current, action.volume.previous) == (6, 1)
    assert (action.volume.change, action.volume.change_percent) == (5, 500)
    assert action.sentiment == -0.27  # (-0.6 - 0.4 + 0.2) / 3
    assert (action.negative, action.rated, action.negative_percent) == (2, 3, 67)
    assert (action.nps, action.nps_answers) == (33, 3)  # 2 promoters, 1 detractor of 3
    assert (action.csat, action.csat_answers) == (4.0, 1)
    consider = columns["Consider"].figures
    assert (consider.volume.current, consider.volume.previous, consider.volume.change_percent) == (3, 2, 50)
    assert consider.sentiment == 0.23 and consider.nps is None and consider.csat is None
    awareness = columns["Awareness"].figures
    assert awareness.volume == Volume(3, 0) and awareness.volume.change_percent is None
    assert columns["No stage"].figures.volume.current == 1


def test_strip_figures_are_exact(known):
    strip = build().strip
    assert (strip.figures.volume.current, strip.figures.volume.previous) == (14, 3)  # retired stage too
    assert (strip.figures.negative, strip.figures.rated, strip.figures.negative_percent) == (4, 10, 40)
    assert strip.emerging_themes == 1
    assert [(c.name, [t.title for t in trends]) for c, trends in strip.emerging] == [
        ("Action", ["Smart meter no-shows"])
    ]
    assert [h.title for h in strip.hits_done] == ["Exit fee on the quote"]
    assert strip.followed_up == 2
    assert [(h.title, h.customers) for h in strip.follow_up_hits] == [("Exit fee on the quote", 2)]
    assert (strip.interview_minutes, strip.interviews, strip.interview_hours) == (150, 2, 2.5)


def test_top_themes_and_the_emerging_rule(known):
    columns = by_name(build())
    [meter] = columns["Action"].themes
    assert (meter.title, meter.volume, meter.emerging) == ("Smart meter no-shows", Volume(6, 1), True)
    [fees] = columns["Consider"].themes
    assert (fees.volume, fees.emerging) == (Volume(3, 2), False)
    [green] = columns["Awareness"].themes  # the noise theme is not listed
    assert (green.title, green.volume, green.emerging) == ("green tariff", Volume(2, 0), False)


def test_columns_list_the_busiest_five_but_every_emerging_theme_counts(app):
    action = stage_named("Action")
    themes = [Theme(label=f"theme {n}") for n in range(7)]
    db.session.add_all(themes)
    db.session.commit()
    for n, theme in enumerate(themes[:6]):  # theme n has 10 - n items now and as many before...
        for day in range(10 - n):
            make_feedback(stage=action, theme_id=theme.id, received_on=ago(day))
            make_feedback(stage=action, theme_id=theme.id, received_on=ago(40 + day))
    for day in range(5):  # ...and the last, new this period, is too small for the top five but emerges
        make_feedback(stage=action, theme_id=themes[6].id, received_on=ago(day))
    board = build()
    column = by_name(board)["Action"]
    assert [t.title for t in column.themes] == [f"theme {n}" for n in range(5)]
    assert [t.title for t in column.emerging] == ["theme 6"]
    assert board.strip.emerging_themes == 1


@pytest.mark.parametrize(
    ("current", "previous", "emerging"),
    [(5, 0, True), (4, 0, False), (6, 3, True), (7, 4, False), (10, 5, True), (9, 5, False)],
)
def test_emerging_needs_enough_items_and_twice_as_many(current, previous, emerging):
    assert dashboard.is_emerging(Volume(current, previous)) is emerging


def test_open_hits_sit_in_their_stage_by_size(known):
    columns = by_name(build())
    assert [h.title for h in columns["Action"].quick_hits] == ["Engineers confirm the day before"]
    assert [h.title for h in columns["Action"].big_hits] == ["Real-time engineer tracking"]
    assert columns["Consider"].quick_hits == [] and columns["Consider"].big_hits == []  # done is not open


def test_channel_filter(known):
    columns = by_name(build(channel="survey"))
    assert columns["Action"].figures.volume == Volume(5, 1)
    assert columns["Consider"].figures.volume == Volume(0, 0)


def test_segment_filter(known):
    board = build(segment="Business")
    assert by_name(board)["Action"].figures.volume == Volume(1, 0)
    assert board.strip.figures.volume == Volume(2, 0)  # Bob's meter item and exit-fee item


def test_period_filter(known):
    board = build(period=Period(ago(6), TODAY))
    columns = by_name(board)
    assert columns["Action"].figures.volume == Volume(6, 0)
    assert columns["Consider"].figures.volume == Volume(2, 1)  # day 7 falls in the week before
    assert board.strip.interview_minutes == 90


def test_charts_carry_the_same_numbers(known):
    board = build(period=Period(ago(6), TODAY))
    assert board.volume_chart.labels[0] == ago(6).isoformat() and len(board.volume_chart.labels) == 7
    action = next(s for s in board.volume_chart.series if s.label == "Action")
    assert action.values == [1, 1, 1, 1, 1, 1, 0]  # days 6 to 1 ago
    assert board.sentiment_chart.labels == ["Awareness", "Consider", "Action", "No stage"]
    assert board.sentiment_chart.series[0].values == [None, 0.4, -0.27, -0.8]
    assert [s.label for s in board.theme_chart.series] == ["Smart meter no-shows", "exit fee"]


def test_long_periods_are_charted_by_week(known):
    board = build(period=Period(ago(89), TODAY))
    assert len(board.volume_chart.labels) == 13
    assert sum(sum(s.values) for s in board.volume_chart.series) == 17  # all but the retired stage's


@pytest.mark.parametrize(
    ("choice", "start", "end", "expected"),
    [
        ("7", None, None, Period(dt.date(2026, 11, 9), dt.date(2026, 11, 15))),
        ("90", None, None, Period(dt.date(2026, 8, 18), dt.date(2026, 11, 15))),
        ("quarter", None, None, Period(dt.date(2026, 10, 1), dt.date(2026, 11, 15))),
        (None, None, None, Period(dt.date(2026, 10, 17), dt.date(2026, 11, 15))),
        (
            "custom",
            dt.date(2026, 1, 1),
            dt.date(2026, 1, 31),
            Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
        ),
        ("30", dt.date(2026, 11, 1), None, Period(dt.date(2026, 11, 1), dt.date(2026, 11, 15))),
    ],
)
def test_periods(choice, start, end, expected):
    assert dashboard.resolve_period(choice, start, end, dt.date(2026, 11, 15)) == expected


def test_previous_period_has_equal_length():
    period = Period(dt.date(2026, 10, 1), dt.date(2026, 11, 15))
    assert period.previous == Period(dt.date(2026, 8, 16), dt.date(2026, 9, 30))
    assert period.previous.days == period.days == 46


@pytest.mark.parametrize(
    ("choice", "start", "end", "message"),
    [
        ("custom", None, None, "Give a From date"),
        ("custom", dt.date(2026, 2, 1), dt.date(2026, 1, 1), "on or after the From date"),
        ("365", None, None, "Choose a period"),
    ],
)
def test_bad_periods_are_refused(choice, start, end, message):
    with pytest.raises(InvalidInput, match=message):
        dashboard.resolve_period(choice, start, end, dt.date(2026, 11, 15))


# ----- the page -------------------------------------------------------------------------------------


@pytest.fixture
def viewer(client):
    user = make_user("viewer")
    sign_in(client, user)
    return user


def figure_links(body: str) -> dict[str, str]:
    """Every number's link on the page, by its data-figure name."""
    pairs = re.findall(r'<a data-figure="([^"]+)" href="([^"]+)"', body)
    return {name: html.unescape(href) for name, href in pairs}


def count_on(client, url: str) -> int:
    """How many items the feedback list behind a link says it holds."""
    body = client.get(url).get_data(as_text=True)
    return int(re.search(r'<p class="count">(\d+) items?</p>', body).group(1))


def test_home_is_the_dashboard_for_viewers(client, known, viewer):
    body = client.get("/").get_data(as_text=True)
    assert "<h1>Feedback by journey stage</h1>" in body
    headings = re.findall(r'<h2 class="stage-name"[^>]*>([^<]+)</h2>', body)
    assert headings == ["Awareness", "Consider", "Action", "No stage"]


def test_home_needs_sign_in(client):
    assert client.get("/").status_code == 302


def test_numbers_link_to_the_feedback_behind_them(client, known, viewer):
    links = figure_links(client.get("/").get_data(as_text=True))
    action, consider = known["action"].id, known["consider"].id
    assert count_on(client, links["volume"]) == 14
    assert count_on(client, links["volume-previous"]) == 3
    assert count_on(client, links["negative"]) == 4
    assert count_on(client, links[f"volume-{action}"]) == 6
    assert count_on(client, links[f"volume-previous-{action}"]) == 1
    assert count_on(client, links[f"negative-{action}"]) == 2
    assert count_on(client, links[f"nps-{action}"]) == 3
    assert count_on(client, links[f"csat-{action}"]) == 1
    assert count_on(client, links[f"theme-{action}-{known['meter'].id}"]) == 6
    assert count_on(client, links[f"theme-{consider}-{known['fees'].id}"]) == 3
    assert count_on(client, links["volume-none"]) == 1
    assert links["interviews"] == f"/interviews/?start={LAST_30.start}&end={TODAY}"
    assert links[f"hit-{known['quick'].id}"] == f"/hits/{known['quick'].id}"
    assert links[f"hit-{known['big'].id}"] == f"/hits/{known['big'].id}"
    assert links["hits-done"] == "#hits-done" and links["followed-up"] == "#followed-up"
    assert links["emerging"] == "#emerging"


def test_page_shows_the_figures(client, known, viewer):
    body = client.get("/").get_data(as_text=True)
    strip = body[body.index('class="strip"') : body.index("</dl>")]
    assert re.search(r'data-figure="volume"[^>]*>14</a>', strip)
    assert re.search(r'data-figure="negative"[^>]*>40%</a>', strip)
    assert re.search(r'data-figure="emerging"[^>]*>1</a>', strip)
    assert re.search(r'data-figure="hits-done"[^>]*>1</a>', strip)
    assert re.search(r'data-figure="followed-up"[^>]*>2</a>', strip)
    assert re.search(r'data-figure="interviews"[^>]*>2.5 h</a>', strip)
    assert "NPS +33" in body and "CSAT 4.00" in body
    assert body.count('class="tag emerging"') == 1


def test_a_worker_keeps_its_dashboard_for_the_configured_seconds(client, app, known, viewer, monkeypatch):
    app.config["DASHBOARD_MAX_AGE"] = 15
    clock = [1000.0]
    monkeypatch.setattr(dashboard.time, "monotonic", lambda: clock[0])

    def volume() -> str:
        body = client.get("/").get_data(as_text=True)
        assert "refreshed every 15 seconds at most" in body
        return re.search(r'data-figure="volume"[^>]*>(\d+)</a>', body).group(1)

    assert volume() == "14"
    make_feedback(received_on=TODAY)
    clock[0] += 14
    assert volume() == "14"  # kept: built 14 s ago
    clock[0] += 2
    assert volume() == "15"  # older than 15 s: built afresh


def test_threads_of_one_worker_share_its_kept_dashboards_safely(app, monkeypatch):
    """gunicorn's threaded workers read and evict kept dashboards at once; none may fail."""
    monkeypatch.setattr(dashboard, "KEPT_PER_ENGINE", 3)
    monkeypatch.setattr(dashboard, "build", lambda filters: filters)  # what was built, cheaply
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the GIL over as often as possible to provoke races
    failures = []

    def browse(worker: int) -> None:
        with app.app_context():
            for day in range(200):
                filters = DashboardFilters(Period(ago(day % 9), TODAY), segment=str(worker))
                try:
                    assert dashboard.recent(filters, 15) == filters
                except Exception as error:  # a failure in a thread must reach the test
                    failures.append(error)

    try:
        threads = [threading.Thread(target=browse, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert failures == []
    with app.app_context():
        assert len(dashboard._kept[db.engine]) == 3


def test_filters_live_in_the_url(client, known, viewer):
    body = client.get("/?period=7&channel=ticket&segment=Residential").get_data(as_text=True)
    links = figure_links(body)
    assert count_on(client, links["volume"]) == 2  # Alice's ticket items in the last week
    assert '<option selected value="7">' in body and '<option selected value="ticket">' in body
    assert "Residential</option>" in body


def test_custom_dates_and_their_errors(client, known, viewer):
    body = client.get(f"/?start={ago(3)}&end={TODAY}").get_data(as_text=True)
    assert count_on(client, figure_links(body)["volume"]) == 5  # days 1-3: three Action, unstaged, retired
    for query, message in [
        ("start=2026-02-30", "Not a valid date value."),
        (f"start={TODAY}&end={ago(5)}", "The To date must be on or after the From date."),
        ("period=custom", "Give a From date for a custom period."),
        ("period=forever", "Not a valid choice."),
    ]:
        response = client.get(f"/?{query}")
        body = response.get_data(as_text=True)
        assert response.status_code == 200, query
        assert message in html.unescape(body), query
        assert "Showing the last 30 days instead." in body, query


def test_chart_data_goes_as_json_for_the_script(client, known, viewer):
    body = client.get("/?period=7").get_data(as_text=True)
    raw = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', body, re.S).group(1)
    data = json.loads(html.unescape(raw))
    assert data["volume"]["labels"][0] == ago(6).isoformat()
    assert {"label": "Action", "values": [1, 1, 1, 1, 1, 1, 0]} in data["volume"]["series"]
    assert "<caption>" in body  # each chart has its numbers as a table too
    assert 'src="/static/js/dashboard.js"' in body


def test_theme_names_are_escaped(client, app, viewer):
    theme = Theme(label="x", name="<script>alert(1)</script>")
    db.session.add(theme)
    db.session.commit()
    make_feedback(stage=stage_named("Action"), theme_id=theme.id, received_on=ago(1))
    body = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_empty_database_shows_zeros(client, viewer):
    body = client.get("/").get_data(as_text=True)
    assert re.search(r'data-figure="volume"[^>]*>0</a>', body)
    assert "No stage" not in re.findall(r'<h2 class="stage-name"[^>]*>([^<]+)</h2>', body)


def test_feedback_list_filters_for_dashboard_links(client, app, viewer):
    theme = Theme(label="meter")
    db.session.add(theme)
    db.session.commit()
    business = make_customer(segment="Business")
    make_feedback(
        text="negative themed",
        sentiment=-0.5,
        theme_id=theme.id,
        customer=business,
        score=3,
        score_kind="nps",
    )
    make_feedback(text="positive plain", sentiment=0.5, stage=stage_named("Action"))
    for query, shown in [
        ("sentiment=negative", "negative themed"),
        (f"theme={theme.id}", "negative themed"),
        ("segment=Business", "negative themed"),
        ("score=nps", "negative themed"),
        ("stage=none", "negative themed"),
        (f"stage={stage_named('Action').id}", "positive plain"),
    ]:
        body = client.get(f"/feedback/?{query}").get_data(as_text=True)
        assert shown in body and "1 item" in body, query


@pytest.mark.parametrize(
    ("filters", "interviews"),
    [
        ({}, (150, 2)),
        ({"channel": "interview"}, (150, 2)),
        ({"channel": "ticket"}, (0, 0)),  # interviews are a channel of their own
        ({"segment": "Business"}, (0, 0)),  # all three were with Alice, who is not in it
        ({"segment": "Residential"}, (150, 2)),
    ],
)
def test_field_interviews_card_honours_the_channel_and_segment_filters(known, filters, interviews):
    strip = build(**filters).strip
    assert (strip.interview_minutes, strip.interviews) == interviews
