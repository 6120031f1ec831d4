"""Background work: a thread in the embedded set-up, an RQ queue on Redis when VOC_REDIS_URL is set."""

import datetime as dt
import hashlib
import importlib
import os
import re
import threading
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.engine import make_url

REDIS_CONNECT_SECONDS = 2  # a request must not hang on a Redis that is down
REDIS_ANSWER_SECONDS = 5
# A record saying "queued" whose job the queue still does not know after this was never queued: its
# request died between saving the record and queueing the job.
LOST_AFTER = dt.timedelta(minutes=2)


class QueueUnavailable(Exception):
    """Redis did not take or answer about a job; nothing was queued."""


@dataclass(frozen=True)
class JobState:
    """Where a queued job stands: 'waiting', 'running', 'finished', 'failed' or 'missing'; why it failed."""

    status: str
    reason: str = ""
    progress: int | None = None  # percent, as the job last reported it


def on_queue() -> bool:
    """True when jobs go to Redis (VOC_REDIS_URL), where other processes run them."""
    return bool(current_app.config.get("REDIS_URL"))


def queue_name(app: Flask | None = None) -> str:
    """RQ_QUEUE, else one named after the database: installs sharing a Redis never run each other's jobs."""
    app = app or current_app
    if app.config.get("RQ_QUEUE"):
        return app.config["RQ_QUEUE"]
    # Where the data lives, without who connects: a new password or driver keeps the same queue.
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    where = url.set(drivername=url.get_backend_name(), username=None, password=None)
    digest = hashlib.sha256(where.render_as_string(hide_password=False).encode()).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9_-]", "", os.path.splitext(os.path.basename(url.database or ""))[0])[:40]
    return f"voc-{name}-{digest}" if name else f"voc-{digest}"


def job_id(key: str) -> str:
    """The queue's id for a job named `key` (e.g. 'theme-run-7'), unique across installs."""
    return f"{queue_name()}-{key}"


def redis_connection(app: Flask | None = None, patient: bool = False):
    """A connection to the configured Redis; a worker's (`patient`) may block while it waits for jobs."""
    from redis import Redis

    url = (app or current_app).config["REDIS_URL"]
    if patient:
        return Redis.from_url(url)
    return Redis.from_url(
        url, socket_connect_timeout=REDIS_CONNECT_SECONDS, socket_timeout=REDIS_ANSWER_SECONDS
    )


def enqueue(
    function_path: str, *args, key: str | None = None, on_failure: str | None = None, timeout: int = 3600
) -> str:
    """Run `module:function(*args)` in the background; returns how it was queued.

    On the queue, `key` names the job (see job_id) and `on_failure` ('module:function') is called with
    the job's args and a reason when the job fails or times out. Raises QueueUnavailable when Redis
    does not take the job.
    """
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        from redis.exceptions import RedisError
        from rq import Callback, Queue

        queue = Queue(queue_name(app), connection=redis_connection(app))
        try:
            queue.enqueue(
                run_in_app,
                function_path,
                *args,
                job_timeout=timeout,
                job_id=job_id(key) if key else None,
                meta={"on_failure": on_failure},
                on_failure=Callback(job_failed) if on_failure else None,
            )
        except RedisError as error:
            name = type(error).__name__
            raise QueueUnavailable(f"Redis at {_where(app)} did not answer ({name})") from None
        return "redis"
    if app.config.get("JOBS_INLINE"):
        _call(app, function_path, *args)  # tests: finish before the request returns
        return "inline"
    threading.Thread(target=_call, args=(app, function_path, *args), daemon=True).start()
    return "thread"


def job_states(ids: list[str]) -> dict[str, JobState]:
    """What the queue says about each job id; raises QueueUnavailable when Redis does not answer."""
    from redis.exceptions import RedisError
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    connection = redis_connection()
    states = {}
    try:
        for id_ in ids:
            try:
                job = Job.fetch(id_, connection=connection)
            except NoSuchJobError:
                states[id_] = JobState("missing")
                continue
            status = job.get_status(refresh=False)
            if status == JobStatus.STARTED:
                states[id_] = JobState("running", progress=(job.meta or {}).get("progress"))
            elif status == JobStatus.FINISHED:
                states[id_] = JobState("finished")
            elif status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
                result = job.latest_result()
                states[id_] = JobState("failed", (result.exc_string if result else "") or str(status.value))
            else:
                states[id_] = JobState("waiting")
    except RedisError as error:
        raise QueueUnavailable(f"Redis did not answer ({type(error).__name__})") from None
    return states


def ended_jobs(started: dict[str, dt.datetime], now: dt.datetime) -> dict[str, str]:
    """Why each of these jobs (id: when its record was made) is over though its record says it is not.

    RQ calls no failure callback when a work-horse is killed, so whoever next looks at a record asks
    the queue. Says nothing when Redis does not answer: the next look will tell.
    """
    try:
        states = job_states(list(started))
    except QueueUnavailable:
        return {}
    reasons = {}
    for id_, state in states.items():
        if state.status == "failed":
            reasons[id_] = f"The worker stopped it: {_last_line(state.reason)}."
        elif state.status == "finished":
            reasons[id_] = "Its job ended without recording an outcome."
        elif state.status == "missing" and now - started[id_] > LOST_AFTER:
            reasons[id_] = "Its job is not on the queue (lost, or never queued)."
    return reasons


def _last_line(reason: str) -> str:
    """The last line of a traceback: the error itself."""
    lines = [line.strip() for line in reason.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else "no reason given").rstrip(" ;")


def report_progress(percent: int) -> None:
    """Record how far the running RQ job is, for the page that follows it (no-op outside a worker)."""
    from rq import get_current_job

    job = get_current_job()
    if job is not None and (job.meta or {}).get("progress") != percent:
        job.meta["progress"] = percent
        job.save_meta()


def _where(app: Flask) -> str:
    """The Redis address without its password, for messages."""
    return make_url(app.config["REDIS_URL"]).render_as_string(hide_password=True)


def run_in_app(function_path: str, *args):
    """Entry point of an RQ worker: build the app from its config, then call the job."""
    from voc import create_app
    from voc.extensions import db

    app = create_app()
    try:
        return _call(app, function_path, *args)
    finally:
        with app.app_context():
            db.engine.dispose()  # one app per job: leave no connection behind


def job_failed(job, connection, kind, error, traceback) -> None:
    """RQ's failure callback (an error, a time-out, an abandoned job): tell the job's own handler why."""
    from rq.exceptions import AbandonedJobError
    from rq.timeouts import JobTimeoutException

    handler = (job.meta or {}).get("on_failure")
    if not handler:
        return
    if kind is not None and issubclass(kind, JobTimeoutException):
        reason = f"It took longer than the job time-out ({job.timeout} s) and was stopped."
    elif kind is not None and issubclass(kind, AbandonedJobError):
        reason = "The worker running it stopped before it finished."
    else:
        reason = f"{getattr(kind, '__name__', 'Error')}: {error}"
    _, *args = job.args
    run_in_app(handler, *args, reason)


def _call(app: Flask, function_path: str, *args):
    module_name, name = function_path.split(":")
    function = getattr(importlib.import_module(module_name), name)
    with app.app_context():
        return function(*args)
