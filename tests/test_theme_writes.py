"""How a theme run writes back: only changed items, in short batches, never over a person's edit."""

import datetime as dt
import threading
import time

import pytest
from flask import current_app
from sqlalchemy import select, text, update

from tests.factories import add_items, make_customer, make_user, sign_in, theme_of
from voc.extensions import db
from voc.models import Feedback, Theme, ThemeRun
from voc.services import audit, privacy, themes, writeback


@pytest.fixture
def themed(app, runner):
    """120 items in three topics, after a first run with three themes."""
    made = add_items(40)
    assert runner.invoke(args=["voc", "themes", "--k", "3"]).exit_code == 0
    return made, {topic: theme_of(items) for topic, items in made.items()}


def during_fit(monkeypatch, edit) -> None:
    """Make `edit` happen in its own session after the next run has read the items, before it writes."""
    real = themes.discover

    def discover_then_edit(*args):
        result = real(*args)
        with current_app.app_context():  # another app context: another session, as another request
            edit()
        return result

    monkeypatch.setattr(themes, "discover", discover_then_edit)


def test_a_move_made_while_a_run_works_survives_the_run(themed, monkeypatch):
    made, ids = themed
    moved, later = made["refund"][0].id, made["refund"][1].id
    during_fit(monkeypatch, lambda: themes.move_item(moved, ids["login"]))

    run = themes.run_now(None, 3)

    assert run.status == "done"
    item = db.session.get(Feedback, moved)
    assert (item.theme_id, item.theme_pinned) == (ids["login"], True)
    assert db.session.get(Feedback, later).theme_id == ids["refund"]  # the run still wrote the rest
    sizes = dict(db.session.execute(select(Theme.id, Theme.size)).all())
    assert (sizes[ids["refund"]], sizes[ids["login"]]) == (39, 41)


def test_words_erased_while_a_run_works_are_not_written_back(themed, monkeypatch):
    made, ids = themed
    customer = make_customer()
    erased = made["meter"][0]
    erased.customer = customer
    db.session.execute(update(Feedback).values(theme_terms=None))  # every item's terms need writing
    quoted = db.session.get(Theme, ids["meter"]).quote_ids
    db.session.commit()
    during_fit(monkeypatch, lambda: privacy.erase_customer(customer.id, audit.Actor()))

    themes.run_now(None, 3)

    item = db.session.get(Feedback, erased.id)
    assert item.erased_at is not None and item.theme_terms is None
    assert db.session.get(Feedback, made["meter"][1].id).theme_terms  # the others got theirs
    assert erased.id not in db.session.get(Theme, ids["meter"]).quote_ids
    assert quoted  # the meter theme had quotes to lose


def test_a_rerun_on_the_same_items_writes_none_of_them(themed, client, app):
    first = db.session.scalar(select(ThemeRun).order_by(ThemeRun.id))
    assert first.quality["items_written"] == 120

    second = themes.run_now(None, 3)

    assert second.quality["items_written"] == 0
    assert "write back" in second.quality["seconds"]
    sign_in(client, make_user("viewer"))
    page = client.get(f"/themes/runs/{second.id}").get_data(as_text=True)
    assert "<dt>Items written</dt><dd>0 <span" in page


def test_a_theme_the_run_drops_lives_on_while_an_edit_during_the_run_holds_an_item(themed, monkeypatch):
    made, ids = themed
    refund = made["refund"][0].id
    # The run finds two themes; the third is kept only by the item a person moves into it meanwhile.
    during_fit(monkeypatch, lambda: themes.move_item(refund, ids["meter"]))

    themes.run_now(None, 2)

    assert db.session.get(Feedback, refund).theme_id == ids["meter"]
    assert not db.session.get(Theme, ids["meter"]).retired
    live = set(db.session.scalars(select(Theme.id).where(Theme.retired.is_(False))))
    placed = set(db.session.scalars(select(Feedback.theme_id).where(Feedback.theme_id.is_not(None))))
    assert placed <= live  # no item is left in a retired theme


def test_edits_during_the_write_back_answer_at_once_and_survive(themed, app, monkeypatch, database_url):
    """A real concurrent session on PostgreSQL: the run writes one item per slow batch meanwhile."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time; the guarded UPDATE is covered above")
    made, ids = themed
    db.session.execute(update(Feedback).values(theme_terms=None))  # every item's terms need writing
    db.session.commit()
    monkeypatch.setattr(writeback, "BATCH", 1)
    writing = threading.Event()
    real_batch = writeback._write_batch

    def slow_batch(statement, rows):
        writing.set()
        written = real_batch(statement, rows)
        time.sleep(0.03)  # holds the batch's row lock like a busy server would
        return written

    monkeypatch.setattr(writeback, "_write_batch", slow_batch)
    run = themes._new_run(None, 3, "")
    failures = []

    def work():
        with app.app_context():
            try:
                themes.execute_run(run.id)
            except Exception as error:  # surfaced by the assertion below
                failures.append(error)

    worker = threading.Thread(target=work)
    worker.start()
    assert writing.wait(60)
    written_first, last = made["refund"][0].id, made["meter"][-1].id
    waits = []
    for item_id, theme_id in ((written_first, ids["login"]), (last, ids["refund"])):
        with app.app_context():
            began = time.perf_counter()
            themes.move_item(item_id, theme_id)
            waits.append(time.perf_counter() - began)
    still_writing = worker.is_alive()
    worker.join(120)

    assert not failures and still_writing
    assert max(waits) < 1.0
    db.session.expire_all()
    assert db.session.get(Feedback, written_first).theme_id == ids["login"]
    assert db.session.get(Feedback, last).theme_id == ids["refund"]
    assert db.session.get(ThemeRun, run.id).status == "done"


def test_a_move_counts_the_item_out_and_in_as_a_recount_would(themed):
    made, ids = themed
    themes.move_item(made["refund"][0].id, ids["login"])
    themes.move_item(made["refund"][1].id, None)
    themes.move_item(made["refund"][2].id, ids["refund"])  # where it already is: no change
    shifted = dict(db.session.execute(select(Theme.id, Theme.size)).all())

    themes.refresh_sizes()
    db.session.commit()

    assert dict(db.session.execute(select(Theme.id, Theme.size)).all()) == shifted
    assert (shifted[ids["refund"]], shifted[ids["login"]]) == (38, 41)


def test_a_write_back_of_every_item_reuses_the_space_of_the_rows_it_replaced(app, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row versions and VACUUM are PostgreSQL's")
    monkeypatch.setattr(writeback, "BATCH", 200)
    today = dt.date.today()
    db.session.add_all(
        Feedback(text=f"parcel late, order {n}", channel="survey", received_on=today) for n in range(4000)
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE feedback"))  # as autovacuum does after a bulk import
    theme = Theme(label="late parcels")
    db.session.add(theme)
    db.session.commit()
    size = "SELECT pg_relation_size('feedback')"
    before = db.session.scalar(text(size))
    ids, _, _ = writeback.read_items()
    written = writeback.write_items(
        ids, lambda _: ((None,), (theme.id,)), read=[Feedback.theme_id], written=[Feedback.theme_id]
    )
    assert written == 4000
    # Every row rewritten: twice the table without the VACUUMs on the way, a few batches' worth with them.
    assert db.session.scalar(text(size)) < before * 1.3


def test_a_write_back_never_waits_for_an_import_holding_the_vacuum_lock(app, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    monkeypatch.setattr(writeback, "BATCH", 10)
    items = [
        Feedback(text=f"parcel late, order {n}", channel="survey", received_on=dt.date.today())
        for n in range(30)
    ]
    db.session.add_all(items)
    theme = Theme(label="late parcels")
    db.session.add(theme)
    db.session.commit()
    ids, _, _ = writeback.read_items()
    with db.engine.connect() as importer:  # as an import's ANALYZE, held until it commits
        importer.execute(text("LOCK TABLE feedback IN SHARE UPDATE EXCLUSIVE MODE"))
        started = time.perf_counter()
        written = writeback.write_items(
            ids, lambda _: ((None,), (theme.id,)), read=[Feedback.theme_id], written=[Feedback.theme_id]
        )
        assert time.perf_counter() - started < 10
    assert written == 30
