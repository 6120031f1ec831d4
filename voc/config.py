"""Default settings; secrets and site choices come from instance/config.py or VOC_* variables."""

import datetime as dt
import os


class Defaults:
    """Safe defaults for a local, single-server install."""

    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app: SQLite file in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    DATABASE_CONNECT_WAIT = 15  # seconds a new connection keeps trying while the server restarts
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024
    FEEDBACK_PER_PAGE = 50
    CUSTOMERS_PER_PAGE = 50
    DASHBOARD_MAX_AGE = 15  # seconds a worker may show the dashboard it built before; 0: always fresh
    REDIS_URL = None  # set VOC_REDIS_URL to run background jobs on an RQ queue
    IMPORT_QUEUE_BYTES = 2 * 1024 * 1024  # with Redis, web imports of files this size or more go to the queue
    RQ_QUEUE = None  # None: "voc-<database>-<digest>", one queue per database (voc.jobs.queue_name)
    THEME_RUN_TIMEOUT = 3600  # seconds a queued theme run may take before RQ stops it
    API_MAX_BODY = 1024 * 1024  # bytes; a larger request to /api/v1 gets 413
    API_PER_PAGE = 50
    API_MAX_PER_PAGE = 200
    API_RATE_LIMIT = "600 per minute"  # requests per token (per address without one); then 429
    WEBHOOK_TIMEOUT = 10  # seconds for one delivery attempt
    WEBHOOK_RETRY_SECONDS = 60  # first retry after this, then doubling
    WEBHOOK_MAX_ATTEMPTS = 8  # then the delivery is marked failed
    WEBHOOK_CLAIM_BATCH = 100  # deliveries one `webhooks deliver` process takes at a time
    WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False  # True: receivers on loopback or the private network too
    WTF_CSRF_TIME_LIMIT = None  # a long interview write-up must not lose its token
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_DURATION = dt.timedelta(days=14)  # "Keep me signed in"
    # Idle timeout: a signed-in session lasts this long after its latest request.
    PERMANENT_SESSION_LIFETIME = dt.timedelta(hours=1)
    # Cookies only over HTTPS: turn on (VOC_SESSION_COOKIE_SECURE=true) whenever voc is served
    # over HTTPS; off by default so http://127.0.0.1 works. The remember-me cookie follows it.
    SESSION_COOKIE_SECURE = False
    LOGIN_MAX_FAILURES = 5  # per account, then locked for LOGIN_LOCK_MINUTES
    LOGIN_MAX_FAILURES_PER_IP = 20  # per network address within LOGIN_LOCK_MINUTES
    LOGIN_LOCK_MINUTES = 15
    # Behind a reverse proxy: how many proxies to trust for X-Forwarded-For/-Proto. Without it every
    # sign-in seems to come from the proxy, and one address's lockout would lock out everybody.
    TRUSTED_PROXIES = 0
    REDACT_PII_AT_INGEST = False  # True: store e-mails, phones and card numbers masked
    RETENTION_MONTHS = None  # `flask voc retention` erases feedback text older than this
    AUDIT_PER_PAGE = 50
    TEAM_TIMEZONE = "UTC"  # IANA name (VOC_TEAM_TIMEZONE=Europe/Zurich): what "today" means for dates
    # The team's main language (ISO 639-1): a short or ambiguous text is read in it (docs/themes.md).
    LANGUAGE = "en"
    # Theme runs group by topic across languages with sentence vectors; needs the `semantic` extra.
    SEMANTIC_LENS = False
    # Rate limits (Flask-Limiter notation). Counters live in memory, or in Redis when REDIS_URL (or
    # RATELIMIT_STORAGE_URI) is set, so every gunicorn worker shares them; while Redis is away each
    # worker counts on its own rather than refuse everybody.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    SURVEY_LIMIT_PER_ADDRESS = "10 per minute; 100 per day"  # answers sent from one network address
    SURVEY_LIMIT_PER_SURVEY = "300 per minute"  # answers to one survey from everybody


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs (SQLAlchemy would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_url(instance_path: str) -> str:
    """The embedded default database: one SQLite file in the instance folder."""
    return "sqlite:///" + os.path.join(instance_path, "voc.sqlite3")
