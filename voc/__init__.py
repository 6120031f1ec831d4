"""voc: a self-hosted voice-of-customer tracker."""

import os
import time

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from voc.boundary import CleanRequest, ids_in_range
from voc.config import Defaults, normalise_database_url, sqlite_url
from voc.extensions import csrf, db, limiter, login_manager, migrate
from voc.services import clock
from voc.services.errors import NotAllowed, NotFound


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error pages and CLI."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=os.path.join(root, "instance"),
        instance_relative_config=True,
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    app.request_class = CleanRequest
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("VOC")
    else:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Put SECRET_KEY = '<long random string>' in "
            "instance/config.py or export VOC_SECRET_KEY (`make run` writes one for you)."
        )
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    clock.zone_named(app.config["TEAM_TIMEZONE"])  # a mistyped zone stops the start, not a request
    os.makedirs(app.instance_path, exist_ok=True)
    configure_database(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_pages(app)
    register_template_filters(app)
    register_security_headers(app)
    register_commands(app)
    trust_proxies(app)
    return app


def configure_database(app: Flask) -> None:
    """SQLite in instance/ unless VOC_DATABASE_URL (or DATABASE_URL in config) says otherwise."""
    url = app.config.get("DATABASE_URL") or app.config.get("SQLALCHEMY_DATABASE_URI")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url or sqlite_url(app.instance_path))


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from voc import models  # noqa: F401  (tables must be known to Flask-Migrate)

    db.init_app(app)
    with app.app_context():
        wait_for_database(db.engine, app.config["DATABASE_CONNECT_WAIT"])
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    app.config["RATELIMIT_STORAGE_URI"] = (
        app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
    )
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(models.User, int(user_id))


def wait_for_database(engine, seconds: float) -> None:
    """New connections retry for a while, so a database restart costs only the requests in flight."""
    if seconds <= 0 or engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "do_connect")
    def connect_patiently(dialect, connection_record, cargs, cparams):
        deadline = time.monotonic() + seconds
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.25)


def register_blueprints(app: Flask) -> None:
    """One blueprint per area."""
    from voc.api import views as api
    from voc.views import (
        account,
        audit,
        auth,
        customers,
        feedback,
        hits,
        home,
        imports,
        interviews,
        roadmap,
        stages,
        surveys,
        themes,
        users,
        webhooks,
    )

    areas = (
        auth,
        home,
        feedback,
        interviews,
        customers,
        imports,
        themes,
        hits,
        roadmap,
        stages,
        users,
        audit,
        account,
        webhooks,
        surveys,
        api,
    )
    for module in areas:
        app.register_blueprint(module.bp)
    app.url_value_preprocessor(ids_in_range)
    csrf.exempt(api.bp)  # bearer tokens only, never cookies, so there is no cross-site request to forge
    # A respondent has no session to forge with, and another site's frame may not send our cookie:
    # the survey form carries its own signed token instead (voc/views/surveys.py).
    csrf.exempt(surveys.answer)


def register_error_pages(app: Flask) -> None:
    """Clear pages instead of bare errors."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        from voc.access import back_to_form

        return back_to_form() or (render_template("errors/csrf.html", reason=error.description), 400)

    from voc.api.views import http_error

    def page(error: HTTPException, code: int):
        if error.response is not None:  # a page of its own, e.g. a form shown again over a rate limit
            return error.response
        if request.path.startswith("/api/"):
            return http_error(error)
        return render_template(f"errors/{code}.html"), code

    for code in (403, 404, 413, 429, 500):
        app.register_error_handler(code, lambda error, code=code: page(error, code))
    # A service's "no such record" and "not yours" are the same pages, wherever a view meets them
    # (the API's blueprint answers them as JSON itself).
    app.register_error_handler(NotFound, lambda error: (render_template("errors/404.html"), 404))
    app.register_error_handler(NotAllowed, lambda error: (render_template("errors/403.html"), 403))
    # Any other HTTP error (400, 405, …) is JSON under /api/ and Werkzeug's own page elsewhere.
    app.register_error_handler(
        HTTPException, lambda error: http_error(error) if request.path.startswith("/api/") else error
    )


def register_template_filters(app: Flask) -> None:
    """`feedback_text` shows customers' words with e-mails, phones and card numbers masked;
    `language_name` a language code as a name; `sees_contact_details(user)` says whether a page
    may show how to reach a customer."""
    from voc import pii
    from voc.services.customers import sees_contact_details
    from voc.themes import languages

    app.add_template_filter(pii.mask, "feedback_text")
    app.add_template_filter(languages.name, "language_name")
    app.add_template_global(sees_contact_details)


# Only our own files: no inline script or style, no framing, no plugins (feedback text is hostile).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def register_security_headers(app: Flask) -> None:
    """Headers that stop framing, MIME sniffing and injected scripts on every response."""

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        # A page that lists the sites allowed to frame it (a survey) says so in its own policy.
        if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def trust_proxies(app: Flask) -> None:
    """Take the client's address and scheme from TRUSTED_PROXIES reverse proxies' headers."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_commands(app: Flask) -> None:
    """The `flask voc …` command group."""
    from voc.cli import voc_cli

    app.cli.add_command(voc_cli)
