"""Consistent copies of the embedded SQLite database while the app keeps running."""

import os
import sqlite3

from voc.extensions import db
from voc.services.errors import InvalidInput


def backup_sqlite(destination: str) -> int:
    """Copy the live SQLite database with its online backup API; returns the bytes written."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise InvalidInput(
            (
                "database",
                "This database is not an SQLite file; for PostgreSQL use pg_dump (see docs/operations.md).",
            )
        )
    if os.path.exists(destination):
        raise InvalidInput(("destination", f"{destination} already exists; choose a new file name."))
    source = sqlite3.connect(url.database)
    target = sqlite3.connect(destination)
    try:
        # Copies page by page inside read transactions, so writers are never blocked for long
        # and the copy is one consistent snapshot.
        source.backup(target, pages=1024)
    finally:
        target.close()
        source.close()
    return os.path.getsize(destination)
