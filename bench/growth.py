"""Database growth of a theme run's write-back on PostgreSQL, without the clustering (issue 20).

    python bench/growth.py --items 100000 --database-url postgresql://postgres@127.0.0.1:5432/voc_scale_h

Loads N items as bench/scale.py does (COPY, then VACUUM ANALYZE), then writes back as a first run
does (every item gets a theme and its terms) and as a re-run that moves a tenth of the items, through
voc/services/writeback.py. Prints the schema's size (tables, indexes, TOAST) before and after each, and
after a VACUUM FULL (the data itself). --vacuums 0 turns off the VACUUMs made during the write-back,
to compare. The last line is one JSON object.
"""

import argparse
import json
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import scale  # noqa: E402

from voc import create_app  # noqa: E402
from voc.extensions import db  # noqa: E402
from voc.models import Feedback, Theme  # noqa: E402
from voc.services import writeback  # noqa: E402

THEMES = 40
TERMS = ["refund", "late", "engineer"]


def megabytes(engine, schema: str) -> float:
    return round(scale.schema_bytes(engine, schema) / 2**20, 1)


def write_back(ids, wanted) -> tuple[int, float]:
    started = time.perf_counter()
    written = writeback.write_items(
        ids, wanted, read=[Feedback.theme_id], written=[Feedback.theme_id, Feedback.theme_terms]
    )
    return written, round(time.perf_counter() - started, 1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--database-url", default=scale.DEFAULT_DATABASE)
    parser.add_argument("--vacuums", type=int, default=writeback.VACUUMS)
    args = parser.parse_args()
    schema, url = scale.private_schema(args.database_url)
    try:
        scale.seed(url, args.items)
        app = create_app({"SECRET_KEY": "growth", "SQLALCHEMY_DATABASE_URI": url})
        engine = create_engine(url)
        with app.app_context():
            if args.vacuums:
                writeback.VACUUMS = args.vacuums
            else:
                writeback._vacuum = lambda: None  # the write-back as it was before
            db.session.add_all([Theme(label=f"theme {n}") for n in range(THEMES)])
            db.session.commit()
            themes = list(db.session.scalars(select(Theme.id)))
            ids, _, _ = writeback.read_items()
            first = {"mb_before": megabytes(engine, schema)}
            first["written"], first["seconds"] = write_back(
                ids, lambda p: ((None,), (themes[p % THEMES], TERMS))
            )
            first["mb_after"] = megabytes(engine, schema)
            scale.vacuum(engine)  # as autovacuum would between runs

            def moved(p):
                old = themes[p % THEMES]
                return (old,), (themes[(p + 1) % THEMES] if p % 10 == 0 else old, TERMS)

            rerun = {"mb_before": megabytes(engine, schema)}
            rerun["written"], rerun["seconds"] = write_back(ids, moved)
            rerun["mb_after"] = megabytes(engine, schema)
            db.engine.dispose()
        for phase in (first, rerun):
            phase["growth_pct"] = round(
                100 * (phase["mb_after"] - phase["mb_before"]) / phase["mb_before"], 1
            )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM FULL feedback"))
        packed = megabytes(engine, schema)
        engine.dispose()
    finally:
        scale.drop_schema(args.database_url, schema)
    print(
        json.dumps(
            {
                "items": args.items,
                "vacuums": args.vacuums,
                "first_run": first,
                "rerun_10pct": rerun,
                "packed_mb": packed,
            }
        )
    )


if __name__ == "__main__":
    main()
