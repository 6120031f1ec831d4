"""A run's per-item results, read streamed and written back in short batches, never over a person's edit.

A theme run reads every item, works for minutes, then has a value for each (a theme, a suggested
stage). Writing them in one transaction would hold every row's lock for the whole write and
rewrite rows whose value did not change; see docs/themes.md, "How a run writes".
"""

import json
from array import array
from collections.abc import Callable, Sequence

import numpy as np
from sqlalchemy import JSON, String, bindparam, cast, column, func, literal_column, select, text, update
from sqlalchemy.exc import OperationalError

from voc.extensions import db
from voc.models import Feedback

READ_BATCH = 20_000  # rows fetched at a time while a run reads the items
BATCH = 5_000  # items per write transaction: a person's edit to an item waits for one batch at most
MISSING = -1  # no value (NULL), in the arrays of ids read_items returns
VACUUMS = 10  # a write-back that rewrites every item frees replaced rows this many times on the way
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's error when lock_timeout runs out


def read_items(*columns) -> tuple[np.ndarray, list[str], list[np.ndarray]]:
    """Ids, texts and the given integer columns (MISSING for NULL) of the items not erased, by id.

    Streamed into flat arrays: a million rows held as Row objects would cost gigabytes.
    """
    ids, texts, values = array("q"), [], [array("q") for _ in columns]
    rows = db.session.execute(
        # Erased items are left out: their words are gone; they keep their theme, so counts stay.
        select(Feedback.id, Feedback.text, *columns)
        .where(Feedback.erased_at.is_(None))
        .order_by(Feedback.id)
        .execution_options(yield_per=READ_BATCH)
    )
    for item_id, words, *row in rows:
        ids.append(item_id)
        texts.append(words)
        for out, value in zip(values, row, strict=True):
            out.append(MISSING if value is None else int(value))
    return np.frombuffer(ids, dtype=np.int64), texts, [np.frombuffer(v, dtype=np.int64) for v in values]


def write_items(
    ids: np.ndarray,
    wanted: Callable[[int], tuple[tuple, tuple] | None],
    read: Sequence,
    written: Sequence,
    where: Sequence = (),
    after_batch: Callable[[int, int], None] | None = None,
) -> int:
    """Write the `written` columns of items `ids` (ascending) where the run's values differ.

    wanted(position) gives (the `read` columns' values when the run read the item, the new values of
    the `written` columns), or None to leave the item alone. An item is written only while each
    `read` column still holds what the run read and every `where` condition holds, so anything a
    person changed meanwhile stays. One transaction per BATCH items; after_batch(done, total) runs
    before each commit. Returns how many items were written.
    """
    statement = _guarded_update(read, written, where)
    count, total, unvacuumed = 0, len(ids), 0
    for start in range(0, total, BATCH):
        stop = min(start + BATCH, total)
        span = Feedback.id.between(int(ids[start]), int(ids[stop - 1]))
        current = select(Feedback.id, *read, *written).where(span)
        now = {row[0]: row[1:] for row in db.session.execute(current)}
        rows = []
        for position in range(start, stop):
            item_id, change = int(ids[position]), wanted(position)
            found = now.get(item_id)
            if change is None or found is None:
                continue
            was, new = change
            if tuple(found[: len(read)]) == was and tuple(found[len(read) :]) != new:
                rows.append({"id": item_id, **_names(read, was, "was_"), **_names(written, new)})
        if rows:
            count += _write_batch(statement, rows)
            unvacuumed += len(rows)
        if after_batch:
            after_batch(stop, total)
        db.session.commit()
        if unvacuumed >= max(BATCH, total // VACUUMS):
            _vacuum()
            unvacuumed = 0
    return count


def _vacuum() -> None:
    """Free the row versions the batches written so far replaced, so the next batches reuse the space.

    Each UPDATE writes a new version of the row and of its index entries; without this, a run that
    writes every item (the first) leaves the table twice its size. PostgreSQL only, outside a transaction.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # An import's ANALYZE holds the lock VACUUM needs until it commits: skip this one, never wait.
        connection.execute(text("SET lock_timeout = '1s'"))
        try:
            connection.execute(text(f"VACUUM {Feedback.__tablename__}"))
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
        finally:
            connection.execute(text("RESET lock_timeout"))


def _names(columns, values, prefix: str = "") -> dict:
    return {prefix + c.key: v for c, v in zip(columns, values, strict=True)}


def _write_batch(statement, rows: list[dict]) -> int:
    """Run one batch's guarded UPDATE; returns how many of its items were written."""
    return db.session.execute(statement, {"rows": json.dumps(rows)}).rowcount


def _guarded_update(read, written, where):
    """UPDATE feedback from a JSON list of {id, was_<read column>..., <written column>...}."""
    fields = (
        column("id", Feedback.id.type),
        *(column("was_" + c.key, c.type) for c in read),
        *(column(c.key, c.type) for c in written),
    )
    if db.session.get_bind().dialect.name == "postgresql":
        batch = (
            func.json_to_recordset(cast(bindparam("rows", type_=String), JSON))
            .table_valued(*fields)
            .render_derived(name="batch", with_types=True)
        )
    else:  # SQLite reads the same list with json_each
        value = literal_column("value")
        batch = (
            select(*(func.json_extract(value, f"$.{field.name}").label(field.name) for field in fields))
            .select_from(func.json_each(bindparam("rows", type_=String)))
            .subquery("batch")
        )
    return (
        update(Feedback)
        .values({c.key: batch.c[c.key] for c in written})
        .where(
            Feedback.id == batch.c.id,
            *(c.is_not_distinct_from(batch.c["was_" + c.key]) for c in read),
            *where,
        )
    )
