"""Theme runs in the app: stable ids across re-runs, staff edits kept, incremental assignment."""

import datetime as dt
import itertools
import os
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import skip_or_fail
from tests.factories import add_items, make_customer, make_user, sign_in, theme_of
from tests.texts import POOLS, pool_texts
from voc.extensions import db
from voc.models import Feedback, Theme, ThemeRun
from voc.services import themes
from voc.themes import model

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def no_model_from_another_test(monkeypatch):
    """Each test database numbers runs from 1: another test's model for run 1 must not place items."""
    monkeypatch.setattr(themes, "_models", {})


@pytest.fixture
def seeded(app):
    return add_items(40)


def test_separate_topics_get_separate_labelled_themes(runner, seeded):
    result = runner.invoke(args=["voc", "themes", "--k", "3"])
    assert result.exit_code == 0, result.output
    assert "120 items into 3 themes" in result.output
    ids = {topic: theme_of(items) for topic, items in seeded.items()}
    assert len(set(ids.values())) == 3
    for word, theme_id in zip(("refund", "log", "meter"), ids.values(), strict=True):
        theme = db.session.get(Theme, theme_id)
        assert word in theme.label
        assert len(theme.quote_ids) == 3
    item = db.session.get(Feedback, seeded["refund"][0].id)
    assert item.theme_terms and item.sentiment is not None


def test_every_run_is_recorded(runner, seeded):
    runner.invoke(args=["voc", "themes", "--k", "3", "--ignore", "Larkspur, app"])
    run = db.session.scalar(select(ThemeRun))
    assert run.status == "done" and run.n_items == 120 and run.n_themes == 3
    assert run.settings == {"k": 3, "stop_words": ["app", "larkspur"], "seed": 0}
    assert run.seconds > 0 and run.finished_at is not None
    assert {"silhouette", "largest_share"} <= set(run.quality)


def test_rerun_with_five_percent_more_keeps_ids_names_and_pins(runner, seeded):
    runner.invoke(args=["voc", "themes", "--k", "3"])
    before = {topic: theme_of(items) for topic, items in seeded.items()}
    themes.rename_theme(before["refund"], "Refunds are slow")
    pinned = seeded["login"][0]
    themes.move_item(pinned.id, before["meter"])  # staff disagree with the clustering

    add_items(2, seed=99)  # 6 more items, 5% of 120
    result = runner.invoke(args=["voc", "themes", "--k", "3"])
    assert result.exit_code == 0, result.output
    after = {topic: theme_of(items) for topic, items in seeded.items()}
    assert after == before
    assert db.session.get(Theme, before["refund"]).title == "Refunds are slow"
    assert db.session.get(Feedback, pinned.id).theme_id == before["meter"]


def test_merge_and_split_survive_a_rerun(runner, seeded):
    runner.invoke(args=["voc", "themes", "--k", "3"])
    refund, login, meter = (theme_of(seeded[t]) for t in ("refund", "login", "meter"))
    themes.merge_themes(login, refund)
    split_off = [item.id for item in seeded["meter"][:5]]
    new = themes.split_theme(meter, split_off, "Meter: cancelled visits")

    runner.invoke(args=["voc", "themes", "--k", "3"])
    assert {db.session.get(Feedback, i.id).theme_id for i in seeded["login"]} == {refund}
    assert {db.session.get(Feedback, i).theme_id for i in split_off} == {new.id}
    assert db.session.get(Theme, login).retired
    assert db.session.get(Theme, new.id).title == "Meter: cancelled visits"


def test_new_feedback_is_assigned_without_a_rerun(client, runner, seeded):
    runner.invoke(args=["voc", "themes", "--k", "3"])
    sign_in(client, make_user("contributor"))
    client.post(
        "/feedback/new",
        data={
            "text": "Still waiting for the refund I was promised",
            "channel": "ticket",
            "received_on": TODAY.isoformat(),
        },
    )
    item = db.session.scalar(select(Feedback).order_by(Feedback.id.desc()).limit(1))
    assert item.theme_id == theme_of(seeded["refund"])
    assert "refund" in item.theme_terms
    assert item.sentiment < 0
    assert db.session.scalar(select(func.count(ThemeRun.id))) == 1


def test_themes_page_ranks_by_evidence(client, runner, app):
    made = add_items(40)
    customers = [make_customer() for _ in range(3)]
    for item, customer in zip(made["meter"], itertools.cycle(customers), strict=False):
        item.customer = customer
    made["login"][0].customer = customers[0]
    db.session.commit()
    runner.invoke(args=["voc", "themes", "--k", "3"])
    sign_in(client, make_user("viewer"))
    body = client.get("/themes/").get_data(as_text=True)
    meter = db.session.get(Theme, theme_of(made["meter"]))
    login = db.session.get(Theme, theme_of(made["login"]))
    assert body.index(meter.title) < body.index(login.title)  # 3 customers before 1
    page = client.get(f"/themes/{meter.id}").get_data(as_text=True)
    assert "40 items" in page and "why here:" in page


def test_web_run_shows_its_outcome(client, app, seeded):
    app.config["JOBS_INLINE"] = True
    sign_in(client, make_user("triager"))
    response = client.post("/themes/runs", data={"k": "3"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Run #" in body and ": done" in body and "What changed" in body


def test_bad_k_is_explained(client, app, seeded):
    sign_in(client, make_user("triager"))
    response = client.post("/themes/runs", data={"k": "1"}, follow_redirects=True)
    assert "Number must be between 2 and 300." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ThemeRun.id))) == 0


@pytest.mark.parametrize(
    ("role", "path"),
    [("contributor", "/themes/runs"), ("viewer", "/themes/1/rename"), ("contributor", "/themes/1/noise")],
)
def test_only_triagers_change_themes(client, app, role, path):
    sign_in(client, make_user(role))
    assert client.post(path, data={"name": "x", "k": "3"}).status_code == 403


def test_noise_themes_drop_to_the_bottom(client, runner, seeded):
    runner.invoke(args=["voc", "themes", "--k", "3"])
    refund = theme_of(seeded["refund"])
    sign_in(client, make_user("triager"))
    client.post(f"/themes/{refund}/noise")
    ranked = themes.ranked_themes()
    assert ranked[-1].theme.id == refund and ranked[-1].theme.noise


def test_failed_run_is_recorded_not_left_running(app, monkeypatch):
    add_items(5)

    def broken(texts, settings, text_languages):
        raise ValueError("boom")

    monkeypatch.setattr(themes, "discover", broken)
    with pytest.raises(ValueError):
        themes.run_now(None, 3)
    run = db.session.scalar(select(ThemeRun))
    assert run.status == "failed" and "boom" in run.message


def test_run_goes_through_the_redis_queue(app, seeded, monkeypatch, database_url):
    url = os.environ.get("VOC_TEST_REDIS_URL")
    if not url:
        skip_or_fail("Redis test skipped: set VOC_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to enable it")
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisDown:
        skip_or_fail(f"Redis at {url} is unreachable")
    queue_name = f"voc-test-{os.getpid()}"
    app.config.update(REDIS_URL=url, RQ_QUEUE=queue_name)
    # The worker builds its own app from the environment, as `flask voc worker` does.
    monkeypatch.setenv("VOC_DATABASE_URL", database_url)
    monkeypatch.setenv("VOC_SECRET_KEY", "test-secret")
    run = themes.request_run(None, 3)
    queue = Queue(queue_name, connection=connection)
    assert queue.count == 1
    SimpleWorker([queue], connection=connection).work(burst=True)
    queue.delete(delete_jobs=True)
    db.session.expire_all()
    assert db.session.get(ThemeRun, run.id).status == "done"
    assert db.session.scalar(select(func.count(Theme.id))) == 3


def test_theme_page_offers_a_new_hit_with_its_evidence(client, runner, seeded):
    runner.invoke(args=["voc", "themes", "--k", "3"])
    refund = theme_of(seeded["refund"])
    sign_in(client, make_user("triager"))
    page = client.get(f"/themes/{refund}").get_data(as_text=True)
    assert f'href="/hits/new?theme={refund}"' in page
    form = client.get(f"/hits/new?theme={refund}").get_data(as_text=True)
    assert "refund" in form.lower()


def test_triagers_pick_other_themes_to_merge_into_and_viewers_get_no_pickers(client, runner, seeded):
    runner.invoke(args=["voc", "themes", "--k", "3"])
    refund, login, meter = (theme_of(seeded[t]) for t in ("refund", "login", "meter"))
    themes.rename_theme(login, "Login trouble")
    sign_in(client, make_user("triager"))
    page = client.get(f"/themes/{refund}").get_data(as_text=True)
    merge = re.search(r'<select[^>]*name="into".*?</select>', page, re.S).group(0)
    assert f'value="{login}">Login trouble</option>' in merge  # a rename shows in the picker
    assert f'value="{meter}"' in merge
    assert f'value="{refund}"' not in merge  # a theme cannot merge into itself
    move = re.search(r'<select id="move-to" name="theme">.*?</select>', page, re.S).group(0)
    assert 'value="unthemed">Unthemed</option>' in move and f'value="{meter}"' in move

    client.post("/logout")
    sign_in(client, make_user("viewer"))
    page = client.get(f"/themes/{refund}").get_data(as_text=True)
    assert 'name="into"' not in page and 'name="theme"' not in page


@pytest.fixture
def pooled(app):
    """Four clear topics of 40 items, which five themes cut one of in two near-duplicate halves."""
    items = [Feedback(text=text, channel="survey", received_on=TODAY) for text in pool_texts(POOLS, 40)]
    db.session.add_all(items)
    db.session.commit()
    return items


def test_similar_themes_are_offered_with_names_and_sizes_and_merge_in_one_click(client, runner, pooled):
    result = runner.invoke(args=["voc", "themes", "--k", "5"])
    assert "1 similar" in result.output
    [(larger, smaller)] = themes.similar_themes()
    assert larger.size + smaller.size == 40 and larger.size > smaller.size  # wherever the cut falls
    sign_in(client, make_user("triager"))
    page = client.get("/themes/").get_data(as_text=True)
    section = re.search(r'<section class="similar">.*?</section>', page, re.S).group(0)
    assert "Similar themes — merge?" in section
    assert f"{smaller.title}</a> ({smaller.size} items)" in section
    assert f"{larger.title}</a> ({larger.size} items)" in section
    action, into = re.search(r'action="([^"]+)">.*?name="into" value="(\d+)"', section, re.S).groups()
    assert (action, int(into)) == (f"/themes/{smaller.id}/merge", larger.id)

    assert 'name="confirmed" value="yes"' in section  # the offer names both themes and sizes: no second page
    page = client.post(action, data={"into": into, "confirmed": "yes"}, follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "Themes merged" in page
    assert db.session.get(Theme, smaller.id).retired and db.session.get(Theme, larger.id).size == 40
    assert "Similar themes" not in client.get("/themes/").get_data(as_text=True)

    client.post("/logout")
    themes.rename_theme(larger.id, "Billing")  # a viewer sees no merge buttons, whatever is pending
    sign_in(client, make_user("viewer"))
    assert "Similar themes" not in client.get("/themes/").get_data(as_text=True)


@pytest.mark.parametrize("edit", [None, "rename", "pin", "split"])
def test_themes_the_team_edited_are_never_merged_or_suggested(runner, pooled, monkeypatch, edit):
    runner.invoke(args=["voc", "themes", "--k", "5"])
    [(larger, smaller)] = themes.similar_themes()
    members = db.session.scalars(select(Feedback.id).where(Feedback.theme_id == smaller.id)).all()
    edited = smaller.id
    if edit == "rename":
        themes.rename_theme(smaller.id, "Fees, in our words")
    elif edit == "pin":
        other = db.session.scalar(select(Feedback.id).where(Feedback.theme_id == larger.id).limit(1))
        themes.move_item(other, smaller.id)
    elif edit == "split":
        edited = themes.split_theme(smaller.id, members[:6], "Split by hand").id
    suggested = {theme.id for pair in themes.similar_themes() for theme in pair}
    assert edited not in suggested if edit else suggested == {larger.id, smaller.id}

    # An automatic run that cuts the topic in two again merges the halves, unless the team edited one.
    monkeypatch.setattr(model, "choose_k", lambda *args, **kwargs: 5)
    runner.invoke(args=["voc", "themes"])
    run = themes.latest_run()
    assert run.settings["k"] is None and run.quality["duplicates_merged"] == (0 if edit else 1)
    if edit:
        assert not db.session.get(Theme, edited).retired
        assert edited not in {theme.id for pair in themes.similar_themes() for theme in pair}
