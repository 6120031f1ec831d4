"""Server time of the journey dashboard with 100,000 feedback items on SQLite, against the feedback list.

    python bench/dashboard.py [--items 100000] [--runs 15]

Seeds a temporary SQLite file by bulk insert (a year of feedback over five stages, 60 themes,
2,000 customers in four segments, 60 hits with history and follow-ups, 300 interviews), then
times GET / through the Flask test client: the median of --runs requests per filter combination.
Beside it, in the same run: the first page of the feedback list (GET /feedback/) and a bare
`SELECT count(*)` over the same table, and the dashboard's ratio to the list. The dashboard is
built afresh for every request (DASHBOARD_MAX_AGE 0); "kept" times the default period again with
the default setting, where a worker reuses the dashboard it built seconds before.
The last line of output is one JSON object.
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

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from voc import create_app  # noqa: E402
from voc.extensions import db  # noqa: E402
from voc.models import (
    # noqa: E402     CHANNELS,
    HIT_STATUSES,
    HORIZONS,
    Customer,
    Feedback,
    FollowUp,
    Hit,
    HitChange,
    Interview,
    Stage,
    Theme,
    User,
)
from voc.vocabulary import CHANNELS

SEGMENTS = ("Residential", "Business", "Landlord", "Prepay")
STAGES = ("Awareness", "Consider", "Action", "Use", "Loyalty")
FILTERS = {
    "last 30 days": "/",
    "last 7 days": "/?period=7",
    "last 90 days": "/?period=90",
    "this quarter": "/?period=quarter",
    "custom year": "/?start={year_ago}&end={today}",
    "90 days, survey": "/?period=90&channel=survey",
    "90 days, Business": "/?period=90&segment=Business",
}


def seed(n_items: int, today: dt.date, rng: random.Random) -> None:
    """Fill the empty database by bulk inserts; feedback grows towards today as real volumes do."""
    db.session.add_all(Stage(name=name, position=i) for i, name in enumerate(STAGES))
    user = User(email="bench@example.com", name="Bench", password_hash="x", role="admin")
    db.session.add(user)
    db.session.flush()
    stage_ids = list(db.session.scalars(select(Stage.id)))
    db.session.execute(
        insert(Customer),
        [{"name": f"Customer {i}", "segment": SEGMENTS[i % len(SEGMENTS)]} for i in range(2000)],
    )
    db.session.execute(
        insert(Theme),
        [{"label": f"theme {i}", "keywords": [], "quote_ids": [], "noise": i % 20 == 0} for i in range(60)],
    )
    customer_ids = list(db.session.scalars(select(Customer.id)))
    theme_ids = list(db.session.scalars(select(Theme.id)))
    rows = []
    for i in range(n_items):
        kind = rng.choice((None, None, "nps", "csat"))
        rows.append(
            {
                "text": f"Item {i}",
                "channel": rng.choice(CHANNELS),
                "received_on": today - dt.timedelta(days=int(365 * rng.random() ** 1.3)),
                "customer_id": rng.choice(customer_ids) if rng.random() < 0.8 else None,
                "stage_id": rng.choice(stage_ids) if rng.random() < 0.9 else None,
                "theme_id": rng.choice(theme_ids) if rng.random() < 0.85 else None,
                "sentiment": round(rng.uniform(-1, 1), 3),
                "score_kind": kind,
                "score": None if kind is None else rng.randint(0, 10) if kind == "nps" else rng.randint(1, 5),
                "theme_pinned": False,
            }
        )
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(Feedback), rows[start : start + 10_000])
    for i in range(60):
        status = HIT_STATUSES[i % len(HIT_STATUSES)]
        hit = Hit(
            title=f"Hit {i}",
            stage_id=rng.choice(stage_ids),
            horizon=HORIZONS[i % len(HORIZONS)],
            kind="quick fix",
            status=status,
            drop_reason="bench" if status == "dropped" else None,
            impact=3,
            confidence=80,
            effort=1.0,
            version=1,
        )
        db.session.add(hit)
        db.session.flush()
        at = dt.datetime.combine(today - dt.timedelta(days=rng.randrange(120)), dt.time(12))
        db.session.add(HitChange(hit_id=hit.id, at=at, version=1, field="Status", old="", new="done"))
        for customer_id in rng.sample(customer_ids, 3):
            db.session.add(
                FollowUp(
                    hit_id=hit.id,
                    customer_id=customer_id,
                    user_id=user.id,
                    method="note",
                    held_on=today - dt.timedelta(days=rng.randrange(120)),
                    note="bench",
                )
            )
    db.session.execute(
        insert(Interview),
        [
            {
                "customer_id": rng.choice(customer_ids),
                "interviewer_id": user.id,
                "place": "Leeds",
                "held_on": today - dt.timedelta(days=rng.randrange(365)),
                "duration_minutes": rng.randint(20, 90),
                "notes": "",
            }
            for _ in range(300)
        ],
    )
    db.session.commit()


def median_ms(client, url: str, runs: int) -> float:
    """Median wall time of GET url in milliseconds, after one warm-up request."""
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(1000 * (time.perf_counter() - started))
        assert response.status_code == 200, url
    return round(statistics.median(times), 1)


def main() -> None:
    """Seed, time every filter combination and the baselines, print a table and one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    today = dt.date.today()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "DASHBOARD_MAX_AGE": 0,
            }
        )
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            seed(args.items, today, random.Random(0))
            seeded = round(time.perf_counter() - started, 1)
            user_id = db.session.scalar(select(User.id))
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = str(user_id)
            urls = {
                name: url.format(today=today, year_ago=today - dt.timedelta(days=364))
                for name, url in FILTERS.items()
            }
            dashboard = {name: median_ms(client, url, args.runs) for name, url in urls.items()}
            feedback_list = median_ms(client, "/feedback/", args.runs)
            app.config["DASHBOARD_MAX_AGE"] = 15
            kept = median_ms(client, urls["last 30 days"], args.runs)
            count_times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                db.session.scalar(select(func.count()).select_from(Feedback))
                count_times.append(1000 * (time.perf_counter() - started))
            count_ms = round(statistics.median(count_times), 1)
            db.engine.dispose()
    print(f"{args.items:,} items seeded in {seeded} s; median of {args.runs} requests each (ms):")
    for name, ms in dashboard.items():
        print(f"  dashboard, {name:<18} {ms:7.1f}   {ms / feedback_list:4.1f}x the feedback list")
    print(f"  dashboard, last 30 days kept {kept:7.1f}   {kept / feedback_list:4.1f}x the feedback list")
    print(f"  feedback list, page 1        {feedback_list:7.1f}")
    print(f"  SELECT count(*)              {count_ms:7.1f}")
    worst = max(dashboard.values())
    print(
        json.dumps(
            {
                "items": args.items,
                "runs": args.runs,
                "dashboard_ms": dashboard,
                "dashboard_worst_ms": worst,
                "dashboard_kept_ms": kept,
                "feedback_list_ms": feedback_list,
                "select_count_ms": count_ms,
                "worst_ratio_to_list": round(worst / feedback_list, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
