"""Background work: a thread in the embedded set-up, an RQ queue on Redis when VOC_REDIS_URL is set."""
import importlib
import threading

from flask import Flask, current_app


def enqueue(function_path: str, *args) -> str:
    """Run `module:function(*args)` in the background; returns how it was queued."""
    app = current_app._get_current_object()
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        queue = Queue(app.config.get("RQ_QUEUE", "voc"), connection=Redis.from_url(redis_url))
        queue.enqueue(run_in_app, function_path, *args, job_timeout=3600)
        return "redis"
    if app.config.get("JOBS_INLINE"):
        _call(app, function_path, *args)  # tests: finish before the request returns
        return "inline"
    threading.Thread(target=_call, args=(app, function_path, *args), daemon=True).start()
    return "thread"


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


def _call(app: Flask, function_path: str, *args):
    module_name, name = function_path.split(":")
    function = getattr(importlib.import_module(module_name), name)
    with app.app_context():
        return function(*args)
