"""Default settings; secrets and site choices come from instance/config.py or VOC_* variables."""
import os


class Defaults:
    """Safe defaults for a local, single-server install."""

    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app: SQLite file in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024
    FEEDBACK_PER_PAGE = 50
    REDIS_URL = None  # set VOC_REDIS_URL to run background jobs on an RQ queue
    RQ_QUEUE = "voc"
    API_MAX_BODY = 1024 * 1024  # bytes; a larger request to /api/v1 gets 413
    API_PER_PAGE = 50
    API_MAX_PER_PAGE = 200
    WEBHOOK_TIMEOUT = 10  # seconds for one delivery attempt
    WEBHOOK_RETRY_SECONDS = 60  # first retry after this, then doubling
    WEBHOOK_MAX_ATTEMPTS = 8  # then the delivery is marked failed
    WTF_CSRF_TIME_LIMIT = None  # a long interview write-up must not lose its token
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_url(instance_path: str) -> str:
    """The embedded default database: one SQLite file in the instance folder."""
    return "sqlite:///" + os.path.join(instance_path, "voc.sqlite3")
