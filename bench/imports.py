"""Bulk import speed and memory: a generated survey export through the web page's service, with a floor.

    nice -n 10 python bench/imports.py --rows 100000 --small 20000

For each database (SQLite in a temp dir; PostgreSQL at --pg-url in a private schema, dropped after)
and each size, a child process generates the CSV, stores it as the upload page does, guesses the
mapping and runs imports.run_import; then it inserts the very rows the import stored into empty
tables with one plain DBAPI executemany, the floor no import can beat. Peak RSS is per child, so
the small and large runs show whether memory grows with the file. The last line is one JSON object.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOOD = [
    "Setup took ten minutes",
    "support answered within the hour",
    "the dashboard is clear",
    "billing is simple",
    "the mobile app is fast",
    "reports export nicely",
]
BAD = [
    "the app logs me out every day",
    "exports time out on big reports",
    "I was charged twice",
    "search filters reset when I go back",
    "the smart meter install was cancelled again",
    "invoices show the wrong address",
]
ASKS = [
    "please add a dark mode",
    "offline mode would help",
    "let us pay by direct debit",
    "add SSO with Okta",
    "show VAT numbers on invoices",
    "",
]
HEADER = [
    "Response ID",
    "Submitted At",
    "Email",
    "Name",
    "Company",
    "Segment",
    "How likely are you to recommend us to a friend?",
    "What is the main reason for your score?",
    "What could we do better?",
    "Plan",
    "Country",
]
FLOOR_COLUMNS = (
    "text",
    "channel",
    "source",
    "external_id",
    "received_on",
    "customer_id",
    "score",
    "score_kind",
    "created_by_id",
    "created_at",
    "batch_id",
    "response_key",
    "extras",
    "sentiment",
    "theme_pinned",
)


def write_export(path: str, rows: int, seed: int = 7) -> None:
    """A survey export: an NPS score, two open questions (the second often empty), ~rows/5 people."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1)
    people = max(rows // 5, 1)
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            person = rng.randrange(people)
            score = rng.randint(0, 10)
            reason = rng.choice(GOOD if score >= 7 else BAD)
            reason += f", {rng.choice(GOOD + BAD)} (order {n})"
            writer.writerow(
                [
                    f"R{n:07d}",
                    (start + dt.timedelta(minutes=7 * n)).strftime("%Y-%m-%d %H:%M:%S"),
                    f"person{person}@example.com",
                    f"Person {person}",
                    f"Company {person % 997}",
                    rng.choice(["Residential", "Business"]),
                    score,
                    reason,
                    rng.choice(ASKS) if rng.random() < 0.5 else "",
                    rng.choice(["Starter", "Team", "Pro"]),
                    rng.choice(["DE", "FR", "UK", "US"]),
                ]
            )


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB (Linux reports KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def app_on(url: str, uploads: str):
    """An app on an empty database with voc's tables, stages and one importer."""
    from voc import create_app
    from voc.extensions import db
    from voc.services import stages, users

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "IMPORT_UPLOAD_FOLDER": uploads})
    with app.app_context():
        db.create_all()
        stages.seed_default_stages()
        users.create_user("bench@example.com", "contributor", "Bench", "a-long-bench-password")
    return app


def one(kind: str, rows: int, pg_url: str) -> dict:
    """Import `rows` rows into a fresh database of this kind, then time the floor; this process only."""
    from voc.extensions import db
    from voc.models import Feedback, User
    from voc.services import imports, mappings, uploads

    with tempfile.TemporaryDirectory() as tmp, database(kind, tmp, "import", pg_url) as url:
        path = os.path.join(tmp, "survey.csv")
        write_export(path, rows)
        app = app_on(url, os.path.join(tmp, "uploads"))
        with app.app_context():
            user_id = db.session.scalar(db.select(User.id))
            started = time.perf_counter()
            with open(path, "rb") as stream:
                upload = uploads.store_upload(stream, "survey.csv")
            mapping = mappings.inspect(upload).mapping
            outcome = imports.run_import(upload, imports.ImportSettings(mapping), user_id)
            seconds = time.perf_counter() - started
            peak = peak_rss_mb()
            columns = [getattr(Feedback, name) for name in FLOOR_COLUMNS]
            stored = [tuple(row) for row in db.session.execute(db.select(*columns).order_by(Feedback.id))]
            db.session.remove()
            db.engine.dispose()
        with database(kind, tmp, "floor", pg_url) as floor_url:
            floor_seconds = floor(floor_url, os.path.join(tmp, "floor-uploads"), stored)
    return {
        "rows": rows,
        "items": outcome.created,
        "rejected": outcome.rejected,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "peak_rss_mb": peak,
        "floor_seconds": round(floor_seconds, 2),
        "ratio_to_floor": round(seconds / floor_seconds, 1),
        "annotate_seconds": outcome.annotate_seconds,
        "ratio_to_floor_without_annotate": round((seconds - outcome.annotate_seconds) / floor_seconds, 1),
    }


def floor(url: str, uploads: str, stored: list[tuple]) -> float:
    """Seconds for one DBAPI executemany of the stored rows (batch and user present) and a commit."""
    from voc.extensions import db
    from voc.models import ImportBatch, User

    app = app_on(url, uploads)
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id))
        db.session.add(ImportBatch(id=stored[0][10], user_id=user_id, filename="f", sha256="0", mapping={}))
        db.session.commit()
        engine = db.engine
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            from psycopg.types.json import Json

            stored = [(*row[:12], Json(row[12]), *row[13:]) for row in stored]
        else:
            stored = [
                (*row[:12], json.dumps(row[12]) if row[12] is not None else None, *row[13:]) for row in stored
            ]
        stored = [(*row[:5], None, *row[6:8], user_id, *row[9:]) for row in stored]  # no customers there
        marks = ", ".join(["%s" if postgres else "?"] * len(FLOOR_COLUMNS))
        sql = f"INSERT INTO feedback ({', '.join(FLOOR_COLUMNS)}) VALUES ({marks})"
        connection = engine.raw_connection()
        try:
            started = time.perf_counter()
            cursor = connection.cursor()
            cursor.executemany(sql, stored)
            connection.commit()
            seconds = time.perf_counter() - started
        finally:
            connection.close()
        db.session.remove()
        engine.dispose()
    return seconds


class database:
    """A fresh SQLite file in `tmp`, or a private PostgreSQL schema dropped on exit."""

    def __init__(self, kind: str, tmp: str, name: str, pg_url: str):
        self.kind, self.tmp, self.name, self.pg_url = kind, tmp, name, pg_url
        self.schema = f"voc_bench_{uuid.uuid4().hex[:10]}"

    def __enter__(self) -> str:
        if self.kind == "sqlite":
            return "sqlite:///" + os.path.join(self.tmp, f"{self.name}.sqlite3")
        self.admin = create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        return f"{self.pg_url}?options={quote(f'-csearch_path={self.schema}')}"

    def __exit__(self, *exc) -> None:
        if self.kind == "postgresql":
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self.admin.dispose()


def reachable(pg_url: str) -> bool:
    """Whether PostgreSQL answers at this URL."""
    engine = create_engine(pg_url)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=20_000, help="A smaller run to compare peak memory.")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.rows, args.pg_url)))
        return
    results = {}
    for kind in args.db or ["sqlite", "postgresql"]:
        if kind == "postgresql" and not reachable(args.pg_url):
            print(f"postgresql: {args.pg_url} unreachable, skipped", file=sys.stderr)
            continue
        runs = {}
        for rows in (args.small, args.rows):
            child = subprocess.run(
                [sys.executable, __file__, "--one", kind, "--rows", str(rows), "--pg-url", args.pg_url],
                check=True,
                capture_output=True,
                text=True,
            )
            runs[rows] = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"{kind} {rows:>7,} rows: {runs[rows]}", file=sys.stderr)
        results[kind] = {
            **runs[args.rows],
            "peak_rss_mb_small": runs[args.small]["peak_rss_mb"],
            "small_rows": args.small,
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
