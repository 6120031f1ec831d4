"""One submission, one record: a form posted twice (double click, retry, back button) stores once.

Forms carry a random submission key; the model has a unique column for it. A repeat, or a
concurrent request that stored the same key first, gets the first record back instead of a copy.
"""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from voc.extensions import db

Record = TypeVar("Record")


def once(model: type[Record], key: str | None, store: Callable[[], Record]) -> tuple[Record, bool]:
    """(record, whether it is new): store() commits a new one unless this key was stored already.

    An IntegrityError that is not a repeated key is re-raised for the caller to explain.
    """
    if key and (earlier := _stored(model, key)) is not None:
        return earlier, False
    try:
        return store(), True
    except IntegrityError:
        db.session.rollback()
        if key and (earlier := _stored(model, key)) is not None:
            return earlier, False
        raise


def _stored(model, key: str):
    return db.session.scalar(select(model).where(model.submission_key == key))
