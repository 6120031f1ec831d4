"""Theme run write-back (issue 20): how long a run writes, what it costs the database, and edits meanwhile.

    python bench/assign.py --items 100000
    python bench/assign.py --items 1000000 --database-url postgresql://postgres@127.0.0.1:5432/voc_assign

Loads N items (fast path: PostgreSQL COPY of the demo company's sentences into a private schema, then
VACUUM ANALYZE) and measures, each in a process of its own as an RQ work-horse would be:
  first run   every item gets a theme (all of them are written);
  re-run      1% more items, as new feedback between runs (only what changed is written);
  baseline    the write-back before issue 20, on the same data in the same run: one transaction
              updating every item (ORM bulk UPDATE by primary key, one statement per item).
For each: seconds, CPU seconds and peak RSS of that process, items written, database growth (pg_total
size of the schema), and two triagers moving items while it writes (the first item, already written,
and the last, not yet written): how long each move took and whether it survived. VACUUM ANALYZE runs
between phases, as autovacuum would. The last line is one JSON object.
"""

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.scale import schema_bytes, vacuum  # noqa: E402  (one size measure for both benches)
from voc import create_app  # noqa: E402
from voc.config import normalise_database_url  # noqa: E402
from voc.demo import build_demo  # noqa: E402
from voc.extensions import db  # noqa: E402
from voc.models import Feedback, ThemeRun  # noqa: E402
from voc.services import stages, themes  # noqa: E402

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/voc_assign"


def app_for(url: str):
    return create_app({"SECRET_KEY": "assign", "SQLALCHEMY_DATABASE_URI": url})


def schema_url(database_url: str, schema: str) -> str:
    return f"{normalise_database_url(database_url)}?options={quote(f'-csearch_path={schema}')}"


def load(url: str, items: int, first: int = 0) -> None:
    """`items` feedback rows by COPY, numbered from `first` so added rows differ from the loaded ones."""
    app = app_for(url)
    with app.app_context():
        db.create_all()
        if not first:
            stages.seed_default_stages()
            db.session.commit()
        stage_ids = [*db.session.scalars(text("SELECT id FROM stage")).all(), None]
        demo = build_demo().feedback
        rng = random.Random(first + 20)
        today, now = dt.date.today(), dt.datetime.now(dt.UTC).replace(tzinfo=None)
        raw = db.engine.raw_connection()
        try:
            with raw.cursor().copy(
                "COPY feedback (text, channel, received_on, stage_id, theme_pinned, created_at) FROM STDIN"
            ) as copy:
                for i in range(first, first + items):
                    source = demo[i % len(demo)]
                    received = today - dt.timedelta(days=rng.randrange(730))
                    copy.write_row((source.text, source.channel, received, rng.choice(stage_ids), False, now))
            raw.commit()
        finally:
            raw.close()
        db.engine.dispose()


# ----- what a work-horse does, in a child process ---------------------------------------------------


def child(mode: str, url: str) -> None:
    """Do one phase and print its figures as JSON; 'writing' is printed when the write-back starts."""
    app = app_for(url)
    started, cpu = time.perf_counter(), time.process_time()
    with app.app_context():
        if mode == "run":
            run = themes.run_now(None)
            figures = {
                "status": run.status,
                "items_written": run.quality.get("items_written"),
                "write_back_seconds": run.quality["seconds"].get("write back"),
                "themes": run.n_themes,
            }
        else:  # the old write-back: every item in one transaction, one UPDATE per item
            rows = [
                {"id": i, "theme_id": t, "theme_terms": terms}
                for i, t, terms in db.session.execute(
                    select(Feedback.id, Feedback.theme_id, Feedback.theme_terms).order_by(Feedback.id)
                )
            ]
            print("writing", flush=True)
            began = time.perf_counter()
            db.session.execute(update(Feedback), rows)
            db.session.commit()
            figures = {
                "status": "done",
                "items_written": len(rows),
                "write_back_seconds": round(time.perf_counter() - began, 3),
            }
        db.engine.dispose()
    figures.update(
        seconds=round(time.perf_counter() - started, 1),
        cpu_seconds=round(time.process_time() - cpu, 1),
        peak_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )
    print(json.dumps(figures), flush=True)


# ----- the parent: phases, and triagers' edits while each writes --------------------------------------


def move(app, item_id: int, theme_id: int) -> float:
    """A triager's move through the service, in its own session; milliseconds it took."""
    with app.app_context():
        began = time.perf_counter()
        themes.move_item(item_id, theme_id)
        took = round((time.perf_counter() - began) * 1000, 1)
        db.session.remove()
    return took


def targets(engine) -> tuple[list[int], list[int]]:
    """The first and last item, and for each a live theme other than its own (two different ones)."""
    with engine.connect() as conn:
        first, last = conn.execute(text("SELECT min(id), max(id) FROM feedback")).one()
        live = conn.scalars(
            text("SELECT id FROM theme WHERE NOT retired AND NOT is_parent ORDER BY size DESC, id LIMIT 3")
        ).all()
        own = dict(
            conn.execute(
                text("SELECT id, theme_id FROM feedback WHERE id IN (:a, :b)"), {"a": first, "b": last}
            ).all()
        )
    picks = [next(t for t in live if t != own.get(item)) for item in (first, last)]
    return [first, last], picks


def phase(mode: str, url: str, app, engine, schema: str) -> dict:
    """Run one phase in a child process; two triagers move items once it writes back."""
    before = schema_bytes(engine, schema)
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", mode, "--database-url", url], stdout=subprocess.PIPE, text=True
    )
    edits = []
    if mode == "run":
        while True:
            with engine.connect() as conn:
                message, status = conn.execute(
                    select(ThemeRun.message, ThemeRun.status).order_by(ThemeRun.id.desc()).limit(1)
                ).one_or_none() or ("", "queued")
            ended = status in ("done", "failed") or proc.poll() is not None
            if message.startswith("Writing themes") or ended:
                break
            time.sleep(0.1)
    else:
        assert proc.stdout.readline().strip() == "writing"
        time.sleep(1.0)  # its UPDATEs have begun
    items, moved_to = targets(engine)
    for item_id, theme_id in zip(items, moved_to, strict=True):
        edits.append({"item": item_id, "ms": move(app, item_id, theme_id), "to": theme_id})
    figures = json.loads(proc.communicate()[0].strip().splitlines()[-1])
    with engine.connect() as conn:
        for edit in edits:
            now = conn.scalar(select(Feedback.theme_id).where(Feedback.id == edit["item"]))
            edit["survived"] = now == edit.pop("to")
    after = schema_bytes(engine, schema)
    figures.update(
        db_mb_before=round(before / 2**20, 1),
        db_mb_after=round(after / 2**20, 1),
        db_growth_pct=round(100 * (after - before) / before, 1),
        edits=edits,
    )
    vacuum(engine)
    return figures


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
    parser.add_argument("--child", choices=("run", "old"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.database_url)
        return

    schema = f"voc_assign_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_database_url(args.database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = schema_url(args.database_url, schema)
    engine = create_engine(url)
    app = app_for(url)
    try:
        began = time.perf_counter()
        load(url, args.items)
        vacuum(engine)
        print(f"loaded {args.items:,} items by COPY in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        first = phase("run", url, app, engine, schema)
        print(f"first run: {first}", file=sys.stderr)
        load(url, args.items // 100, first=args.items)
        vacuum(engine)
        rerun = phase("run", url, app, engine, schema)
        print(f"re-run: {rerun}", file=sys.stderr)
        baseline = phase("old", url, app, engine, schema)
        print(f"baseline (old write-back): {baseline}", file=sys.stderr)
        with engine.connect() as conn:
            items = conn.scalar(text("SELECT count(*) FROM feedback"))
        result = {
            "items": items,
            "first_run": first,
            "rerun": rerun,
            "baseline_old_write_back": baseline,
            "write_back_ratio_rerun_to_baseline": round(
                rerun["write_back_seconds"] / max(baseline["write_back_seconds"], 0.001), 3
            ),
            "write_back_ratio_first_run_to_baseline": round(
                first["write_back_seconds"] / max(baseline["write_back_seconds"], 0.001), 3
            ),
            "loading": "COPY",
            "cpu_count": os.cpu_count(),
        }
        print(
            f"write-back: first run {first['write_back_seconds']} s, "
            f"re-run {rerun['write_back_seconds']} s, "
            f"old {baseline['write_back_seconds']} s; growth {first['db_growth_pct']}% / "
            f"{rerun['db_growth_pct']}% / {baseline['db_growth_pct']}%"
        )
        print(json.dumps(result))
    finally:
        engine.dispose()
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
