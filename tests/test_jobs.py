"""Background jobs on Redis: runs that recover from failed, killed, timed-out or unqueued jobs, one
queue per database, and `flask voc themes` on the queue."""

import os
import re
import signal
import time

import pytest
from sqlalchemy import func, select, update

from tests.conftest import skip_or_fail
from tests.factories import REDIS_DOWN, TICKETS, add_items, form_data, make_user, sign_in, uploaded
from voc import create_app, jobs
from voc.extensions import db
from voc.models import Feedback, ImportBatch, ImportJob, StoredUpload, ThemeRun, utcnow
from voc.services import themes


@pytest.fixture
def redis(app, database_url, monkeypatch):
    """A Redis connection on the test database's own queue; the worker builds its app from the environment."""
    url = os.environ.get("VOC_TEST_REDIS_URL")
    if not url:
        skip_or_fail("Redis test skipped: set VOC_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to enable it")
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(url)
    try:
        connection.ping()
    except RedisDown:
        skip_or_fail(f"Redis at {url} is unreachable")
    app.config.update(REDIS_URL=url, RQ_QUEUE=None)
    monkeypatch.setenv("VOC_DATABASE_URL", database_url)
    monkeypatch.setenv("VOC_SECRET_KEY", "test-secret")
    monkeypatch.setenv("VOC_REDIS_URL", url)
    name = jobs.queue_name()
    yield connection
    for key in connection.scan_iter(match=f"*{name}*"):  # this test's queue, jobs and results only
        connection.delete(key)


def work(connection, forking: bool = True) -> None:
    """Run the test database's queue until it is empty, as `flask voc worker` would."""
    from rq import Queue, SimpleWorker, Worker

    kind = Worker if forking else SimpleWorker
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        kind([Queue(jobs.queue_name(), connection=connection)], connection=connection).work(burst=True)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def queued(connection) -> int:
    from rq import Queue

    return Queue(jobs.queue_name(), connection=connection).count


def killed(*args):
    """Stands in for clustering: the work-horse dies as an out-of-memory kill would end it."""
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_work_horse_leaves_a_failed_run_that_is_retried(app, client, redis, monkeypatch):
    add_items(3)
    monkeypatch.setattr(themes, "discover", killed)  # the forked work-horse inherits it
    run = themes.request_run(None, 3, "meter, app")
    work(redis)
    db.session.expire_all()
    assert db.session.get(ThemeRun, run.id).status == "running"  # RQ failed the job, the row never heard
    sign_in(client, make_user("triager"))
    page = client.get("/themes/").get_data(as_text=True)
    assert f"Run #{run.id}: failed — The worker stopped it: Work-horse terminated unexpectedly" in page
    assert "signal 9" in page
    assert f"Retry run #{run.id}" in page
    response = client.post(f"/themes/runs/{run.id}/retry")
    retry = db.session.scalar(select(ThemeRun).where(ThemeRun.id > run.id))
    assert response.headers["Location"] == f"/themes/runs/{retry.id}"
    assert (retry.status, retry.settings) == ("queued", db.session.get(ThemeRun, run.id).settings)
    assert retry.settings["stop_words"] == ["app", "meter"]
    assert queued(redis) == 1
    page = client.get(f"/themes/runs/{retry.id}").get_data(as_text=True)
    assert f"Run #{run.id} is being tried again as run #{retry.id}." in page


def test_a_failed_job_fails_its_run_through_the_failure_callback(app, redis):
    run = themes._new_run(None, None, "", queued=True)
    jobs.enqueue(
        "tests.test_jobs:explode",
        run.id,
        key=f"theme-run-{run.id}",
        on_failure="voc.services.themes:fail_run",
    )
    work(redis, forking=False)
    db.session.expire_all()
    run = db.session.get(ThemeRun, run.id)
    assert (run.status, run.message) == ("failed", "RuntimeError: the disk is full")
    assert run.finished_at is not None


def explode(run_id: int) -> None:
    """A job that fails before a run could record it itself."""
    raise RuntimeError("the disk is full")


def test_a_timed_out_run_is_failed_and_says_so(app, client, redis, monkeypatch):
    add_items(3)

    def slow(*args):
        time.sleep(120)
        raise AssertionError("the job time-out did not stop the run")

    monkeypatch.setattr(themes, "discover", slow)
    # Long enough for the work-horse to start and read the items on a busy machine, so the time-out
    # lands in the clustering (as a real slow run's does), not in library code loading on the way.
    app.config["THEME_RUN_TIMEOUT"] = 10
    run = themes.request_run(None, 3)
    work(redis)
    sign_in(client, make_user("viewer"))
    page = client.get(f"/themes/runs/{run.id}").get_data(as_text=True)
    # Stopped inside the run (which records it) or, on a slow machine, before it began (the callback).
    assert re.search(
        rf"Run #{run.id}: failed — (JobTimeoutException: .*10 seconds|"
        r"It took longer than the job time-out \(10 s\) and was stopped)",
        page,
    )
    assert "Retry" not in page  # viewers cannot start runs


def test_redis_down_at_enqueue_leaves_no_ghost_and_says_why(app, client):
    add_items(3)
    app.config.update(REDIS_URL=REDIS_DOWN)
    sign_in(client, make_user("triager"))
    for _ in range(2):  # and the failed attempt does not block the next one
        response = client.post("/themes/runs", data={"k": "3", "stop_words": ""})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "The job queue is not answering, so run #" in page
        assert "nothing is running" in page and "still going" not in page
    runs = db.session.scalars(select(ThemeRun).order_by(ThemeRun.id)).all()
    assert [run.status for run in runs] == ["failed", "failed"]
    assert runs[0].message == f"Could not be queued: Redis at {REDIS_DOWN} did not answer (ConnectionError)."
    page = client.get("/themes/").get_data(as_text=True)
    assert f"Retry run #{runs[1].id}" in page


def test_a_queued_run_whose_job_never_reached_the_queue_fails_after_a_grace(app, redis):
    run = themes._new_run(None, None, "", queued=True)  # the request died before queueing its job
    themes.settle_runs()
    assert db.session.get(ThemeRun, run.id).status == "queued"  # its job may still be on its way
    themes.settle_runs(now=run.created_at + jobs.LOST_AFTER * 2)
    run = db.session.get(ThemeRun, run.id)
    assert (run.status, run.message) == ("failed", "Its job is not on the queue (lost, or never queued).")


def bare_app(url: str, **config):
    """An app on a database, without touching it: queue names need no tables."""
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url, **config})


def test_each_database_has_its_own_queue(database_url, tmp_path):
    mine, same = bare_app(database_url), bare_app(database_url)
    other = bare_app(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    assert jobs.queue_name(mine) == jobs.queue_name(same)
    assert jobs.queue_name(mine) != jobs.queue_name(other)
    assert re.fullmatch(r"voc-[A-Za-z0-9_-]+-[0-9a-f]{12}", jobs.queue_name(mine))
    assert jobs.queue_name(bare_app(database_url, RQ_QUEUE="shared")) == "shared"


def test_installs_sharing_a_redis_database_never_run_each_others_jobs(app, redis, tmp_path):
    add_items(3)
    run = themes.request_run(None, 3)
    neighbour = bare_app(f"sqlite:///{tmp_path / 'neighbour.sqlite3'}", REDIS_URL=app.config["REDIS_URL"])
    with neighbour.app_context():
        work(redis, forking=False)  # the neighbour's worker, on its own queue
    assert queued(redis) == 1
    db.session.expire_all()
    assert db.session.get(ThemeRun, run.id).status == "queued"
    work(redis, forking=False)
    db.session.expire_all()
    assert db.session.get(ThemeRun, run.id).status == "done"


def test_the_themes_command_queues_when_redis_is_configured_and_runs_here_on_request(app, runner, redis):
    add_items(3)
    result = runner.invoke(args=["voc", "themes", "--k", "3"])
    run = db.session.scalar(select(ThemeRun))
    assert result.exit_code == 0, result.output
    assert f"Run #{run.id} queued on {jobs.queue_name()}" in result.output
    assert (run.status, queued(redis)) == ("queued", 1)
    work(redis, forking=False)
    result = runner.invoke(args=["voc", "themes", "--k", "3", "--here"])
    assert result.exit_code == 0, result.output
    assert re.match(r"Run #\d+: 9 items into 3 themes in [\d.]+ s", result.output)
    assert queued(redis) == 0


def test_the_themes_command_explains_a_redis_that_is_down(app, runner):
    app.config.update(REDIS_URL=REDIS_DOWN)
    add_items(3)
    result = runner.invoke(args=["voc", "themes"])
    assert result.exit_code == 1
    assert "The job queue is not answering" in result.output
    assert db.session.scalar(select(ThemeRun.status)) == "failed"


def test_a_large_web_import_runs_on_the_queue_with_its_progress(app, client, redis, tmp_path, monkeypatch):
    from rq.job import Job

    app.config.update(IMPORT_QUEUE_BYTES=1, IMPORT_UPLOAD_FOLDER=str(tmp_path / "web"))
    monkeypatch.setenv("VOC_IMPORT_UPLOAD_FOLDER", str(tmp_path / "worker"))  # another host's disk
    sign_in(client, make_user("contributor"))
    url = uploaded(client, TICKETS)
    response = client.post(url, data=form_data(url, "run", default_source="helpdesk"))
    queued_import = db.session.scalar(select(ImportJob))
    assert response.headers["Location"] == f"/imports/jobs/{queued_import.id}"
    page = client.get(f"/imports/jobs/{queued_import.id}").get_data(as_text=True)
    assert "Waiting for a worker" in page and 'data-poll="yes"' in page
    assert db.session.scalar(select(func.count(Feedback.id))) == 0
    work(redis, forking=False)
    assert Job.fetch(queued_import.job_id, connection=redis).meta["progress"] == 100
    response = client.get(f"/imports/jobs/{queued_import.id}")
    batch = db.session.scalar(select(ImportBatch))
    assert response.headers["Location"] == f"/imports/{batch.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported tickets.csv." in page and 'class="created">1 items' in page
    assert db.session.scalar(select(StoredUpload.key)) is None


def test_a_queued_import_that_fails_says_why_and_imports_nothing(app, client, redis, tmp_path, monkeypatch):
    app.config.update(IMPORT_QUEUE_BYTES=1, IMPORT_UPLOAD_FOLDER=str(tmp_path / "web"))
    monkeypatch.setenv("VOC_IMPORT_UPLOAD_FOLDER", str(tmp_path / "worker"))
    sign_in(client, make_user("contributor"))
    url = uploaded(client, TICKETS)
    client.post(url, data=form_data(url, "run"))
    db.session.execute(update(StoredUpload).values(expires_at=utcnow()))  # expires while the job waits
    db.session.commit()
    work(redis, forking=False)
    queued_import = db.session.scalar(select(ImportJob))
    page = client.get(f"/imports/jobs/{queued_import.id}").get_data(as_text=True)
    assert (
        "The import failed and nothing was imported: That upload has expired; upload the file again."
    ) in page
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_redis_down_at_a_large_import_says_so_and_imports_nothing(app, client, tmp_path):
    app.config.update(IMPORT_QUEUE_BYTES=1, IMPORT_UPLOAD_FOLDER=str(tmp_path / "web"))
    sign_in(client, make_user("contributor"))
    url = uploaded(client, TICKETS)
    app.config.update(REDIS_URL=REDIS_DOWN)
    response = client.post(url, data=form_data(url, "run"))
    assert response.status_code == 200
    assert "The job queue is not answering, so the import could not start" in response.get_data(as_text=True)
    assert db.session.scalar(select(ImportJob.status)) == "failed"
    assert db.session.scalar(select(func.count(Feedback.id))) == 0


def test_an_operator_fails_a_run_a_restart_left_running(app, runner, client):
    run = themes._new_run(None, None, "")  # a thread's run, its process gone
    db.session.execute(update(ThemeRun).values(status="running"))
    db.session.commit()
    result = runner.invoke(args=["voc", "fail-run", str(run.id), "--reason", "Server restarted."])
    assert result.output == f"Run #{run.id} marked failed: Server restarted.\n"
    sign_in(client, make_user("triager"))
    assert f"Retry run #{run.id}" in client.get("/themes/").get_data(as_text=True)
    again = runner.invoke(args=["voc", "fail-run", str(run.id)])
    assert again.exit_code == 1 and "is not queued or running; nothing to do" in again.output
