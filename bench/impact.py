"""What a themes page view pays for score impact: the kept figures against working them out afresh.

    python bench/impact.py [--items 100000] [--runs 5]

Seeds a temporary SQLite file by bulk insert with --items scored items (NPS and CSAT halves,
60 themes, some imported survey responses of two answers), then times, median of --runs:
`store_theme_impacts()` (reads every scored item once: what each view of the themes page and the
dashboard paid before, and what each theme run pays now) against `theme_impacts()` (reads the kept
row per theme and kind: what each view pays now). The last line of output is one JSON object.
"""

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from voc import create_app  # noqa: E402
from voc.extensions import db  # noqa: E402
from voc.models import Feedback, ImportBatch, Theme, User  # noqa: E402
from voc.services import impact  # noqa: E402

THEMES = 60


def seed(n_items: int, rng: random.Random) -> None:
    """Themes, one import batch and n scored items, a fifth of them answers of two-answer responses."""
    db.session.add(User(email="bench@example.com", name="Bench", password_hash="x", role="admin"))
    db.session.flush()
    batch = ImportBatch(filename="survey.csv", sha256="0" * 64, user_id=1, mapping={})
    db.session.add(batch)
    db.session.execute(insert(Theme), [{"label": f"theme {i}", "size": 0} for i in range(THEMES)])
    rows, today, n = [], dt.date.today(), 0
    while n < n_items:
        kind = "nps" if n % 2 else "csat"
        score = rng.randrange(0, 11) if kind == "nps" else rng.randrange(1, 6)
        answers = 2 if rng.random() < 0.1 else 1  # a survey response of two answers shares key and score
        for _ in range(answers):
            key = (batch.id, f"r{n}") if answers == 2 else (None, None)
            rows.append(
                {
                    "text": f"item {n}",
                    "channel": "survey",
                    "received_on": today,
                    "score": score,
                    "score_kind": kind,
                    "theme_id": rng.randrange(1, THEMES + 1),
                    "batch_id": key[0],
                    "response_key": key[1],
                }
            )
            n += 1
        if len(rows) >= 20_000:
            db.session.execute(insert(Feedback), rows)
            rows = []
    if rows:
        db.session.execute(insert(Feedback), rows)
    db.session.commit()


def median_seconds(call, runs: int) -> float:
    """Median wall time of call() over runs."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Seed, time both, print the figures and their ratio, then one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
            }
        )
        with app.app_context():
            db.create_all()
            seed(args.items, random.Random(0))
            afresh = median_seconds(lambda: (impact.store_theme_impacts(), db.session.commit()), args.runs)
            kept = median_seconds(impact.theme_impacts, args.runs)
            figures = len(impact.theme_impacts())
            db.session.remove()
            db.engine.dispose()
    report = {
        "items": args.items,
        "themes_with_figures": figures,
        "afresh_ms": round(afresh * 1000, 1),
        "kept_ms": round(kept * 1000, 2),
        "ratio": round(afresh / kept, 1),
    }
    print(f"{args.items:,} scored items, {figures} themes with a figure")
    print(
        f"worked out afresh (the run, and every view before) {report['afresh_ms']} ms; "
        f"kept figures read (every view now) {report['kept_ms']} ms: {report['ratio']}x"
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
