"""Fixtures: every database test runs on SQLite, and again on PostgreSQL when one is configured."""

import os
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from voc import create_app
from voc.config import normalise_database_url
from voc.extensions import db
from voc.services import stages

IN_CI = os.environ.get("CI") == "true"


def skip_or_fail(reason: str):
    """Outside CI a missing service skips with a hint; in CI it is a failure."""
    if IN_CI:
        pytest.fail(reason + " (required when CI=true)")
    pytest.skip(reason)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    """A database with voc's tables, private to this test session."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "voc-test.sqlite3")
        return
    url = os.environ.get("VOC_TEST_DATABASE_URL")
    if not url:
        skip_or_fail(
            "PostgreSQL run skipped: set VOC_TEST_DATABASE_URL="
            "postgresql://postgres@127.0.0.1:5432/test to enable it"
        )
    # No pool: a connection held between the schema's creation and its drop would outlive server restarts
    # (tests/test_load.py) and terminated backends, and be garbage-collected open in a later test.
    admin = create_engine(normalise_database_url(url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    schema = f"voc_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        skip_or_fail(f"PostgreSQL at {url} is unreachable: {error.orig}")
    separator = "&" if "?" in url else "?"
    yield f"{normalise_database_url(url)}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def make_app(database_url: str, **config):
    """An app on the test database with its tables and default stages in place."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "DASHBOARD_MAX_AGE": 0,  # tests see every change at once; test_dashboard checks keeping
            **config,
        }
    )
    with app.app_context():
        db.create_all()
        stages.seed_default_stages()
    return app


def empty_tables(app) -> None:
    """Leave the shared test database as it was found."""
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    """The app on the test database, keeping uploads in the test's own folder."""
    app = make_app(database_url, IMPORT_UPLOAD_FOLDER=str(tmp_path / "uploads"))
    with app.app_context():
        yield app
    empty_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
