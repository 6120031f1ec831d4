"""Scale benchmark (issue 20): N items on PostgreSQL, every list page's server time, a theme run on RQ.

    python bench/scale.py --items 100000
    python bench/scale.py --items 1000000 --database-url postgresql://postgres@127.0.0.1:5432/voc_scale

Loading takes the fast path: customers (one per ten items) and feedback built from the demo company's
sentences are written with PostgreSQL's COPY into a private schema (no import checks, no sentiment),
then VACUUM ANALYZE, as autovacuum would soon after a bulk load. gunicorn serves the app on a loopback
port and an RQ worker (`flask voc worker`) works a queue of this run's own on --redis-url.

Signed in as a triager (and with an API token), each page is requested --repeat times one after another
after one warm-up; the time from request to full response on 127.0.0.1 stands for the server time. The
baseline in the same run is the sign-in page, which touches no data.

A first theme run (pressed on the themes page, worked by the RQ worker) gives the data its themes.
A second run is then measured end to end: the worker's peak RSS (the largest VmHWM of its work-horses),
the schema's size before and after, two browsing clients' latencies while it runs, and one triager
moving an item to another theme while the run writes its themes back (progress >= --edit-at-progress),
with how long the move took and whether the item was still where the triager put it after the run.
The last line is one JSON object.
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import servers  # noqa: E402
from voc import create_app  # noqa: E402
from voc.config import normalise_database_url  # noqa: E402
from voc.demo import build_demo  # noqa: E402
from voc.extensions import db  # noqa: E402
from voc.services import api_tokens, stages, users  # noqa: E402

EMAIL = "scale@voc.example"
PASSWORD = "scale-test-password-1"
DEFAULT_DATABASE = os.environ.get("VOC_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Eva", "Femi", "Grace", "Hugo", "Ines", "Jon", "Kai", "Lena"]
LAST = ["Smith", "Jones", "Patel", "Nguyen", "Garcia", "Okafor", "Kowalski", "Larsen", "Moreau", "Ito"]
SEGMENTS = ["Residential", "Business", "Enterprise", None]
PAGE_TIMEOUT = 300  # seconds: a request blocked behind a run's write-back must still be measured


# ----- the database ----------------------------------------------------------------------------------


def private_schema(database_url: str) -> tuple[str, str]:
    """A fresh schema in the given database; its name and a URL with it first on the search path."""
    schema = f"voc_scale_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_database_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema, schema_url(database_url, schema)


def schema_url(database_url: str, schema: str) -> str:
    separator = "&" if "?" in database_url else "?"
    return f"{normalise_database_url(database_url)}{separator}options={quote(f'-csearch_path={schema}')}"


def new_token(url: str) -> str:
    """A fresh API token for the bench user of a kept schema."""
    app = create_app({"SECRET_KEY": "scale", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        user_id = db.session.scalar(text('SELECT id FROM "user" WHERE email = :e'), {"e": EMAIL})
        _, token = api_tokens.create_token(user_id, "scale bench")
        db.engine.dispose()
    return token


def drop_schema(database_url: str, schema: str) -> None:
    admin = create_engine(normalise_database_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def seed(url: str, items: int) -> str:
    """Tables, stages, a triager with an API token, customers and `items` feedback rows (COPY);
    returns the token."""
    app = create_app({"SECRET_KEY": "scale", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        stages.seed_default_stages()
        user, _ = users.create_user(EMAIL, "triager", "Scale", PASSWORD)
        _, token = api_tokens.create_token(user.id, "scale bench")
        stage_ids = [*db.session.scalars(text("SELECT id FROM stage")).all(), None]
        db.session.commit()
        rng = random.Random(20)
        n_customers = max(50, items // 10)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            with cursor.copy(
                "COPY customer (name, organisation, segment, email, external_id, consent_quote, "
                "consent_contact, created_at) FROM STDIN"
            ) as copy:
                for i in range(1, n_customers + 1):
                    first, last = rng.choice(FIRST), rng.choice(LAST)
                    copy.write_row(
                        (
                            f"{first} {last} {i}",
                            f"Org {i % 997}" if i % 3 else None,
                            rng.choice(SEGMENTS),
                            f"{first}.{last}.{i}@Example.com",
                            f"C-{i}",
                            i % 2 == 0,
                            i % 4 == 0,
                            now,
                        )
                    )
            cursor.execute("SELECT min(id), max(id) FROM customer")
            low, high = cursor.fetchone()
            demo = build_demo().feedback
            today = dt.date.today()
            with cursor.copy(
                "COPY feedback (text, channel, source, received_on, customer_id, stage_id, score, "
                "score_kind, theme_pinned, created_at) FROM STDIN"
            ) as copy:
                for i in range(items):
                    source = demo[i % len(demo)]
                    copy.write_row(
                        (
                            source.text,
                            source.channel,
                            source.source,
                            today - dt.timedelta(days=rng.randrange(730)),
                            rng.randint(low, high) if rng.random() < 0.9 else None,
                            rng.choice(stage_ids),
                            source.score,
                            source.score_kind,
                            False,
                            now,
                        )
                    )
            raw.commit()
        finally:
            raw.close()
        vacuum(db.engine)
        db.engine.dispose()
    return token


def vacuum(engine) -> None:
    """What autovacuum does soon after bulk writes, so plans and index-only scans are the usual ones."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def schema_bytes(engine, schema: str) -> int:
    """Tables, their indexes and TOAST: the whole size of the schema on disk."""
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :schema AND c.relkind = 'r'"
                ),
                {"schema": schema},
            )
        )


# ----- processes ---------------------------------------------------------------------------------------


def app_env(url: str, redis_url: str, queue: str) -> dict:
    return {
        **os.environ,
        "VOC_DATABASE_URL": url,
        "VOC_SECRET_KEY": "scale-" + uuid.uuid4().hex,
        "VOC_REDIS_URL": redis_url,
        "VOC_RQ_QUEUE": queue,
    }


def start_gunicorn(env: dict, workers: int, threads: int, log) -> tuple[subprocess.Popen, str]:
    options = ("--timeout", str(PAGE_TIMEOUT), "--log-level", "warning")
    return servers.start_gunicorn(env, workers, threads, options, log)


def start_worker(env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "voc", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


class PeakMemory:
    """Polls the worker's children (RQ's work-horses) and keeps the largest peak RSS (VmHWM) seen."""

    def __init__(self, parent_pid: int):
        self.parent_pid, self.peak_kb = parent_pid, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.is_set():
            for pid in children(self.parent_pid):
                self.peak_kb = max(self.peak_kb, peak_rss_kb(pid))
            time.sleep(0.2)


def children(parent_pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent_pid:
                found.append(int(entry))
    return found


def peak_rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# ----- requests ----------------------------------------------------------------------------------------


def sign_in(base: str) -> tuple[requests.Session, str]:
    """A signed-in session and its CSRF token (one per session, reused by every form)."""
    session = requests.Session()
    page = session.get(base + "/login", timeout=30).text
    token = csrf_token(page)
    answer = session.post(
        base + "/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD}, timeout=30
    )
    if answer.url.rstrip("/").endswith("/login"):
        raise SystemExit("could not sign in as the bench user")
    return session, csrf_token(session.get(base + "/themes/", timeout=PAGE_TIMEOUT).text)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    return found.group(1)


def timed_get(session: requests.Session, url: str, **kwargs) -> float:
    """Milliseconds for one GET; a failure or a bounce to the sign-in page stops the bench."""
    started = time.perf_counter()
    answer = session.get(url, timeout=PAGE_TIMEOUT, allow_redirects=False, **kwargs)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise SystemExit(f"{url} answered {answer.status_code}")
    return elapsed


def figures(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
    }


def page_paths(engine, search: str) -> dict[str, str]:
    """Every page the issue names, with ids and cursors read from the seeded data."""
    with engine.connect() as conn:
        theme_id = conn.scalar(
            text("SELECT id FROM theme WHERE NOT retired AND NOT is_parent ORDER BY size DESC LIMIT 1")
        )
        item_id = conn.scalar(text("SELECT max(id) FROM feedback"))
        count = conn.scalar(text("SELECT count(*) FROM feedback"))
        # The item half-way down the list (newest first): a deep link, as a bookmark or "page 5,000" is.
        middle = conn.execute(
            text("SELECT received_on, id FROM feedback ORDER BY received_on DESC, id DESC OFFSET :n LIMIT 1"),
            {"n": count // 2},
        ).one()
        name = conn.scalar(text("SELECT name FROM customer ORDER BY id LIMIT 1"))
    prefix = name.split()[0][:3].lower()
    return {
        "dashboard": "/",
        "customers": "/customers/",
        "customers_search": f"/customers/?q={quote(name.split()[1])}",
        "customer_picker": f"/customers/pick?q={prefix}",
        "feedback_new": "/feedback/new",
        "feedback_edit": f"/feedback/{item_id}/edit",
        "interview_new": "/interviews/new",
        "feedback_list": "/feedback/",
        "feedback_list_deep": f"/feedback/?after={middle.received_on.isoformat()}_{middle.id}",
        "feedback_list_last": "/feedback/?oldest=1",
        "feedback_search": f"/feedback/?q={quote(search)}",
        "themes": "/themes/",
        "theme": f"/themes/{theme_id}",
        "api_feedback": "/api/v1/feedback",
        "api_customers": "/api/v1/customers",
    }


def measure_pages(
    base: str, session: requests.Session, token: str, paths: dict[str, str], repeat: int
) -> dict[str, dict]:
    """Median and p95 of `repeat` requests per page, one after another, after one warm-up each."""
    result = {}
    for name, path in paths.items():
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        if session.head(base + path, headers=headers, timeout=PAGE_TIMEOUT).status_code == 404:
            print(f"  {name:<20} missing: {path} answers 404 in this version", file=sys.stderr)
            continue
        timed_get(session, base + path, headers=headers)
        result[name] = figures([timed_get(session, base + path, headers=headers) for _ in range(repeat)])
        print(
            f"  {name:<20} p50 {result[name]['p50_ms']:>8} ms  p95 {result[name]['p95_ms']:>8} ms  {path}",
            file=sys.stderr,
        )
    return result


# ----- theme runs --------------------------------------------------------------------------------------


def press_find_themes(base: str, session: requests.Session, token: str) -> None:
    answer = session.post(
        base + "/themes/runs",
        data={"csrf_token": token, "k": "", "stop_words": ""},
        timeout=PAGE_TIMEOUT,
        allow_redirects=False,
    )
    if answer.status_code != 302 or "/themes/runs/" not in answer.headers.get("Location", ""):
        raise SystemExit(f"Find themes answered {answer.status_code}: {answer.text[:300]}")


def latest_run(engine):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT id, status, progress, message, seconds FROM theme_run ORDER BY id DESC LIMIT 1")
        ).one()


def wait_for_run(engine, timeout: float, on_progress=None):
    """Poll the latest run until it is done or failed; `on_progress(run)` sees every poll while it runs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = latest_run(engine)
        if run.status in ("done", "failed"):
            return run
        if on_progress is not None:
            on_progress(run)
        time.sleep(0.05)
    raise SystemExit(f"the theme run did not finish in {timeout:.0f} s")


class Browsing:
    """`clients` people reading pages one after another without pause while the run goes."""

    def __init__(self, base: str, cookies, paths: list[str], clients: int):
        self.base, self.cookies, self.paths = base, cookies, paths
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._browse, args=(i,), daemon=True) for i in range(clients)
        ]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _browse(self, offset: int) -> None:
        session = requests.Session()
        session.cookies.update(self.cookies)
        i = offset
        while not self._stop.is_set():
            self.samples.append(timed_get(session, self.base + self.paths[i % len(self.paths)]))
            i += 1


class EditDuringRun:
    """Moves one item to another theme once the run reaches `at_progress`; records how long it took."""

    def __init__(self, base: str, session: requests.Session, token: str, engine, at_progress: int):
        self.base, self.session, self.token, self.at_progress = base, session, token, at_progress
        with engine.connect() as conn:
            # The newest themed item: a write-back in id order reaches it last.
            self.item_id, current = conn.execute(
                text("SELECT id, theme_id FROM feedback WHERE theme_id IS NOT NULL ORDER BY id DESC LIMIT 1")
            ).one()
            self.target = conn.scalar(
                text(
                    "SELECT id FROM theme WHERE NOT retired AND NOT is_parent AND id <> :current "
                    "ORDER BY size DESC LIMIT 1"
                ),
                {"current": current},
            )
        self.ms: float | None = None
        self.progress: int | None = None

    def __call__(self, run) -> None:
        if self.ms is None and run.status == "running" and run.progress >= self.at_progress:
            self.progress = run.progress
            started = time.perf_counter()
            answer = self.session.post(
                f"{self.base}/themes/items/{self.item_id}/move",
                data={"csrf_token": self.token, "theme": str(self.target)},
                timeout=PAGE_TIMEOUT,
                allow_redirects=False,
            )
            self.ms = round((time.perf_counter() - started) * 1000, 1)
            if answer.status_code != 302:
                raise SystemExit(f"moving an item answered {answer.status_code}")

    def survived(self, engine) -> bool:
        with engine.connect() as conn:
            return (
                conn.scalar(text("SELECT theme_id FROM feedback WHERE id = :id"), {"id": self.item_id})
                == self.target
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE,
        help="a PostgreSQL database; the bench works in a private schema and drops it",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("VOC_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    )
    parser.add_argument("--repeat", type=int, default=15, help="requests per page after one warm-up")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--clients", type=int, default=2, help="browsing clients during the measured run")
    parser.add_argument(
        "--edit-at-progress",
        type=int,
        default=75,
        help="move an item once the run's progress reaches this (its write-back)",
    )
    parser.add_argument("--search", default="refund")
    parser.add_argument("--run-timeout", type=int, default=3600)
    parser.add_argument("--keep", action="store_true", help="keep the schema (its name goes to stderr)")
    parser.add_argument("--schema", help="reuse a schema kept by --keep: no loading, no first run")
    args = parser.parse_args()

    if args.schema:
        schema, url = args.schema, schema_url(args.database_url, args.schema)
    else:
        schema, url = private_schema(args.database_url)
    queue = f"voc-scale-{uuid.uuid4().hex[:8]}"  # this run's own queue: other jobs on the db are not ours
    engine = create_engine(url)
    log = tempfile.NamedTemporaryFile(prefix="voc-scale-", suffix=".log", delete=False)
    gunicorn = worker = None
    try:
        started = time.perf_counter()
        token = new_token(url) if args.schema else seed(url, args.items)
        load_seconds = round(time.perf_counter() - started, 1)
        if not args.schema:
            print(f"loaded {args.items:,} items by COPY in {load_seconds} s", file=sys.stderr)
        env = app_env(url, args.redis_url, queue)
        gunicorn, base = start_gunicorn(env, args.workers, args.threads, log)
        worker = start_worker(env, log)
        session, csrf = sign_in(base)

        first_run_seconds = None
        if not args.schema:
            started = time.perf_counter()
            press_find_themes(base, session, csrf)
            first = wait_for_run(engine, args.run_timeout)
            first_run_seconds = round(time.perf_counter() - started, 1)
            if first.status != "done":
                raise SystemExit(f"the first theme run failed: {first.message}")
            print(f"first theme run: {first_run_seconds} s", file=sys.stderr)
        vacuum(engine)
        with engine.connect() as conn:
            items = conn.scalar(text("SELECT count(*) FROM feedback"))

        paths = page_paths(engine, args.search)
        anonymous = requests.Session()
        baseline = figures([timed_get(anonymous, base + "/login") for _ in range(args.repeat)])
        pages = measure_pages(base, session, token, paths, args.repeat)

        size_before = schema_bytes(engine, schema)
        edit = EditDuringRun(base, session, csrf, engine, args.edit_at_progress)
        browse_paths = [paths[name] for name in ("feedback_list", "themes", "dashboard", "customers")]
        browsing = Browsing(base, session.cookies, browse_paths, args.clients)
        with PeakMemory(worker.pid) as memory, browsing:
            started = time.perf_counter()
            press_find_themes(base, session, csrf)
            run = wait_for_run(engine, args.run_timeout, on_progress=edit)
            run_seconds = round(time.perf_counter() - started, 1)
        if run.status != "done":
            raise SystemExit(f"the measured theme run failed: {run.message}")
        size_after = schema_bytes(engine, schema)
        during = figures(browsing.samples) if browsing.samples else {"p50_ms": None, "p95_ms": None}
        result = {
            "items": items,
            "pages": pages,
            "run_seconds": run_seconds,
            "worker_peak_mb": round(memory.peak_kb / 1024, 1),
            "db_growth_pct": round(100 * (size_after - size_before) / size_before, 1),
            "browse_p95_ms_during_run": during["p95_ms"],
            "edit_during_run": {
                "ms": edit.ms,
                "survived": edit.survived(engine) if edit.ms is not None else None,
                "at_progress": edit.progress,
            },
            "loading": "COPY",
            "load_seconds": load_seconds,
            "first_run_seconds": first_run_seconds,
            "run_seconds_in_worker": run.seconds,
            "db_mb_before_run": round(size_before / 2**20, 1),
            "db_mb_after_run": round(size_after / 2**20, 1),
            "browse_requests_during_run": len(browsing.samples),
            "browse_p50_ms_during_run": during["p50_ms"],
            "baseline_login_page": baseline,
            "slowest_page_p95_ratio_to_baseline": round(
                max(p["p95_ms"] for p in pages.values()) / max(baseline["p95_ms"], 0.1), 1
            ),
            "workers": args.workers,
            "threads": args.threads,
            "clients": args.clients,
        }
        print(
            f"theme run {run_seconds} s, worker peak {result['worker_peak_mb']} MB, database "
            f"{result['db_mb_before_run']} -> {result['db_mb_after_run']} MB, browsing p95 during the run "
            f"{during['p95_ms']} ms, edit during the run {edit.ms} ms "
            f"(survived: {result['edit_during_run']['survived']})"
        )
        print(json.dumps(result))
    finally:
        stop(worker)
        stop(gunicorn)
        engine.dispose()
        if args.keep or args.schema:
            print(f"kept schema {schema}; log {log.name}", file=sys.stderr)
        else:
            drop_schema(args.database_url, schema)
            os.unlink(log.name)


if __name__ == "__main__":
    main()
