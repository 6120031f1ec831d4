"""Load and fault benchmark: gunicorn serving signed-in users on a seeded database, driven by wrk.

    python bench/load.py --restart-postgresql  # 100,000 items on PostgreSQL, 50 users, 60 s
    python bench/load.py --items 3000 --users 10 --seconds 5 --restart-postgresql

Seeds a private PostgreSQL schema (or a temporary SQLite file with --sqlite) with feedback built from
the demo company's sentences, finds themes, starts gunicorn on a loopback port and lets wrk browse the
dashboard, the feedback list and a theme page. Users pause 1 to 3 s between pages (--think-ms), as
people reading pages do; a second run without pauses finds how many pages per second the app can
serve at most. The baseline, in the same run, is that flat-out load on the sign-in page, which
touches no data. With --restart-postgresql the server is restarted half-way
through a second run: only requests in flight may fail, and the app must serve again without a restart.
The last line of output is one JSON object.
"""

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import requests
from sqlalchemy import create_engine, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import servers  # noqa: E402
from voc import create_app  # noqa: E402
from voc.config import normalise_database_url  # noqa: E402
from voc.demo import build_demo  # noqa: E402
from voc.extensions import db  # noqa: E402
from voc.models import Customer, Feedback, Stage, Theme  # noqa: E402
from voc.services import stages, themes, users  # noqa: E402

EMAIL = "load@voc.example"
PASSWORD = "load-test-password-1"
POSTGRESQL = os.environ.get("VOC_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def seed(database_url: str, items: int) -> None:
    """Tables, stages, a viewer to sign in as, `items` feedback rows spread over a year, and themes."""
    app = create_app({"SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
        stages.seed_default_stages()
        users.create_user(EMAIL, "viewer", "Load", PASSWORD)
        demo = build_demo()
        rng = random.Random(1)
        db.session.execute(
            insert(Customer),
            [
                {"name": f"Customer {i}", "segment": rng.choice(["Residential", "Business"])}
                for i in range(2000)
            ],
        )
        customer_ids = db.session.scalars(select(Customer.id)).all()
        stage_ids = [*db.session.scalars(select(Stage.id)).all(), None]
        today = dt.date.today()
        rows = []
        for i in range(items):
            source = demo.feedback[i % len(demo.feedback)]
            rows.append(
                {
                    "text": source.text,
                    "channel": source.channel,
                    "received_on": today - dt.timedelta(days=rng.randrange(365)),
                    "customer_id": rng.choice(customer_ids),
                    "stage_id": rng.choice(stage_ids),
                    "score": source.score,
                    "score_kind": source.score_kind,
                }
            )
            if len(rows) == 10_000:
                db.session.execute(insert(Feedback), rows)
                rows = []
        if rows:
            db.session.execute(insert(Feedback), rows)
        db.session.commit()
        themes.run_now(None)
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load; without it every index-only scan would
            # visit the table too and the figures would describe a database minutes old.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        db.engine.dispose()


def first_theme_id(database_url: str) -> int:
    """The largest theme, whose page is the heaviest to render."""
    engine = create_engine(database_url)
    with engine.connect() as conn:
        theme_id = conn.scalar(select(Theme.id).order_by(Theme.size.desc()).limit(1))
    engine.dispose()
    return theme_id


def start_gunicorn(database_url: str, workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    """gunicorn on a free loopback port; returns the process and its base URL once it answers."""
    env = {**os.environ, "VOC_DATABASE_URL": database_url, "VOC_SECRET_KEY": "load-" + uuid.uuid4().hex}
    return servers.start_gunicorn(env, workers, threads, ("--keep-alive", "5", "--log-level", "warning"))


def sign_in(base: str) -> str:
    """A session cookie for the load user (the sign-in form needs its CSRF token)."""
    session = requests.Session()
    page = session.get(base + "/login", timeout=10).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    answer = session.post(
        base + "/login",
        data={"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD},
        timeout=10,
    )
    if answer.url.rstrip("/").endswith("/login"):
        raise SystemExit("could not sign in as the load user")
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def load_env(paths: list[str], cookie: str, think_ms: str | None) -> dict:
    """What bench/load.lua reads: the pages, the session cookie and the pause between pages."""
    env = {**os.environ, "VOC_LOAD_PATHS": ",".join(paths), "VOC_LOAD_COOKIE": cookie}
    if think_ms:
        env["VOC_LOAD_THINK_MS"] = think_ms
    return env


def wrk(
    base: str, paths: list[str], cookie: str, users: int, seconds: int, think_ms: str | None = None
) -> dict:
    """One wrk run over the paths in turn; its JSON summary plus requests per second."""
    env = load_env(paths, cookie, think_ms)
    threads = min(2, users)
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(users),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "load.lua"),
            base,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    figures["rps"] = round(figures["requests"] / (figures.pop("duration_us") / 1e6), 1)
    figures["errors"] = figures["non_2xx_3xx"] + figures["socket_errors"]
    return figures


def restart_postgresql() -> None:
    """Restart the local cluster the way the machine's image starts it."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )


def run_with_restart(
    base: str, paths: list[str], cookie: str, users: int, seconds: int, think_ms: str | None
) -> dict:
    """wrk while PostgreSQL restarts half-way; then check the app serves again without a restart."""
    env = load_env(paths, cookie, think_ms)
    load = subprocess.Popen(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(users),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "load.lua"),
            base,
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(seconds / 2)
    restart_postgresql()
    figures = json.loads(load.communicate()[0].strip().splitlines()[-1])
    after = [
        requests.get(base + path, headers={"Cookie": cookie}, timeout=10, allow_redirects=False).status_code
        for path in paths * 4
    ]
    return {
        "requests": figures["requests"],
        "errors_during_restart": figures["non_2xx_3xx"] + figures["socket_errors"],
        "errors_after_restart": sum(status >= 400 for status in after),
    }


def private_schema_url(keep: bool) -> tuple[str, Callable[[], None]]:
    """A fresh schema in the local test database and a function that drops it (unless kept)."""
    admin = create_engine(
        normalise_database_url(POSTGRESQL), isolation_level="AUTOCOMMIT", pool_pre_ping=True
    )
    schema = f"voc_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        if keep:
            print(f"kept: --schema {schema}", file=sys.stderr)
        else:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return schema_url(schema), drop


def schema_url(schema: str) -> str:
    """The local test database with `schema` first on the search path."""
    return f"{normalise_database_url(POSTGRESQL)}?options={quote(f'-csearch_path={schema}')}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--threads",
        type=int,
        default=16,
        help="threads per worker; 1 is gunicorn's sync worker, held by each connection until it sends",
    )
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--restart-postgresql", action="store_true", help="restart PostgreSQL under load")
    parser.add_argument("--think-ms", default="1000,3000", help="each user's pause between pages, MIN,MAX ms")
    parser.add_argument("--keep", action="store_true", help="keep the seeded PostgreSQL schema")
    parser.add_argument("--schema", help="reuse a schema kept by --keep instead of seeding")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")

    scratch = tempfile.mkdtemp(prefix="voc-load-")
    if args.sqlite:
        url, drop = f"sqlite:///{scratch}/voc.sqlite3", lambda: None
    elif args.schema:
        url, drop = schema_url(args.schema), lambda: None
    else:
        url, drop = private_schema_url(args.keep)
    gunicorn = None
    try:
        started = time.perf_counter()
        if not args.schema:
            seed(url, args.items)
        seed_seconds = round(time.perf_counter() - started, 1)
        gunicorn, base = start_gunicorn(url, args.workers, args.threads)
        cookie = sign_in(base)
        paths = ["/", "/feedback/", f"/themes/{first_theme_id(url)}"]
        for path in paths:  # a redirect to the sign-in page would count as success in wrk
            answer = requests.get(base + path, headers={"Cookie": cookie}, timeout=30, allow_redirects=False)
            if answer.status_code >= 400 or "/login" in answer.headers.get("Location", ""):
                raise SystemExit(f"{path} answered {answer.status_code} before the load started")
        pages = wrk(base, paths, cookie, args.users, args.seconds, args.think_ms)
        flat_out = wrk(base, paths, cookie, args.users, args.seconds)
        floor = wrk(base, ["/login"], "", args.users, args.seconds)
        result = {
            "database": "sqlite" if args.sqlite else "postgresql",
            "items": args.items,
            "users": args.users,
            "seconds": args.seconds,
            "workers": args.workers,
            "threads": args.threads,
            "think_ms": args.think_ms,
            "seed_seconds": seed_seconds,
            "paths": paths,
            "pages": pages,
            "flat_out": flat_out,
            "baseline_login_page": floor,
            "capacity_ratio_to_baseline": round(flat_out["rps"] / max(floor["rps"], 0.01), 2),
        }
        if args.restart_postgresql and not args.sqlite:
            result["restart"] = run_with_restart(
                base, paths, cookie, args.users, max(args.seconds, 6), args.think_ms
            )
        print(
            f"browsing: {pages['requests']} requests, {pages['errors']} errors, {pages['rps']} req/s, "
            f"p50 {pages['p50_ms']} ms, p95 {pages['p95_ms']} ms, p99 {pages['p99_ms']} ms; "
            f"flat out: {flat_out['rps']} req/s, p95 {flat_out['p95_ms']} ms "
            f"(sign-in page flat out: {floor['rps']} req/s)"
        )
        print(json.dumps(result))
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        drop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
