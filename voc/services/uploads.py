"""Uploaded files kept for the import steps: stored under their SHA-256 in the database, copied to
each server's folder on first read, removed once imported or after UPLOAD_DAYS."""

import codecs
import csv
import datetime as dt
import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from voc.extensions import db
from voc.ingest import ReadError, Table, read_table
from voc.models import StoredUpload, utcnow
from voc.services.errors import InvalidInput, NotFound

UPLOAD_DAYS = 2  # stored uploads older than this are removed when the next one arrives
BINARY_SNIFF_BYTES = 4096  # NUL bytes here, outside UTF-16 and XLSX, mean a picture or a program
ZIP_MAGIC = b"PK\x03\x04"
_UPLOAD_KEY = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Upload:
    """A file to import: its bytes on disk under their SHA-256, and the name the user knows it by."""

    key: str  # SHA-256 of the bytes; also the stored file's name, so no user text reaches a path
    filename: str  # shown and recorded, never used as a path
    path: str
    size: int


def upload_folder() -> str:
    """This server's copies of stored uploads: instance/uploads by default (the database holds the file)."""
    folder = current_app.config.get("IMPORT_UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads"
    )
    os.makedirs(folder, exist_ok=True)
    return folder


def display_name(filename: str | None) -> str:
    """The last part of a client's file name without control characters, for showing only."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-255:] or "upload.csv"


def store_upload(stream: BinaryIO, filename: str | None) -> Upload:
    """Keep an uploaded file under its SHA-256 in the database, so the import step finds it on any server."""
    folder = upload_folder()
    _remove_old_uploads(folder)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".part-", delete=False) as part:
        while block := stream.read(1 << 20):
            digest.update(block)
            part.write(block)
            size += len(block)
    if size == 0:
        os.unlink(part.name)
        raise InvalidInput(("file", "The file is empty."))
    key = digest.hexdigest()
    path = os.path.join(folder, key)
    os.replace(part.name, path)
    name = display_name(filename)
    expires = utcnow() + dt.timedelta(days=UPLOAD_DAYS)
    stored = db.session.get(StoredUpload, key)
    if stored is None:
        with open(path, "rb") as copy:
            db.session.add(
                StoredUpload(key=key, filename=name, size=size, content=copy.read(), expires_at=expires)
            )
    else:  # the same bytes again: keep one copy, under the newer name
        stored.filename, stored.expires_at = name, expires
    try:
        db.session.commit()
    except IntegrityError:  # the same file uploaded at the same moment on another server
        db.session.rollback()
    return Upload(key, name, path, size)


def _remove_old_uploads(folder: str) -> None:
    """Uploads nobody imported within UPLOAD_DAYS are not kept forever, here or in the database."""
    db.session.execute(delete(StoredUpload).where(StoredUpload.expires_at < utcnow()))
    db.session.commit()
    cutoff = time.time() - UPLOAD_DAYS * 86_400
    for entry in os.scandir(folder):
        if entry.is_file() and entry.stat().st_mtime < cutoff:
            os.unlink(entry.path)


def get_upload(key: str) -> Upload:
    """A stored upload by its key, or NotFound (also for anything that is not a SHA-256).

    The bytes are copied from the database to this server's folder the first time it reads them.
    """
    if not _UPLOAD_KEY.fullmatch(key or ""):
        raise NotFound(("file", "That upload does not exist."))
    stored = db.session.get(StoredUpload, key)
    if stored is None or stored.expires_at < utcnow():
        raise NotFound(("file", "That upload has expired; upload the file again."))
    folder = upload_folder()
    path = os.path.join(folder, key)
    if not os.path.exists(path):
        # Named by its hash, so a copy is never stale; written aside and renamed, so never half there.
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".part-", delete=False) as part:
            part.write(stored.content)
        os.replace(part.name, path)
    return Upload(key, display_name(stored.filename), path, stored.size)


def local_file(path: str) -> Upload:
    """A file on this machine (the CLI), hashed like an upload but read where it is."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    size = os.path.getsize(path)
    if size == 0:
        raise InvalidInput(("file", "The file is empty."))
    return Upload(digest.hexdigest(), display_name(path), path, size)


def discard_upload(upload: Upload) -> None:
    """Remove a stored upload once it is imported, in the import's transaction (its rejected rows live on
    in the batch). Should that transaction roll back, the copy is made again from the database."""
    folder = upload_folder()
    if os.path.dirname(upload.path) != folder:
        return  # a CLI file: not ours to delete
    db.session.execute(delete(StoredUpload).where(StoredUpload.key == upload.key))
    if os.path.exists(upload.path):
        os.unlink(upload.path)  # other servers' copies go with their old files (UPLOAD_DAYS)


@contextmanager
def open_table(upload: Upload) -> Iterator[tuple[Table, BinaryIO]]:
    """The upload opened as a table, read errors turned into a message about the file."""
    with open(upload.path, "rb") as stream:
        head = stream.read(BINARY_SNIFF_BYTES)
        stream.seek(0)
        if b"\x00" in head and not head.startswith((ZIP_MAGIC, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise InvalidInput(("file", f"{upload.filename} is not a CSV or Excel file."))
        try:
            table = read_table(stream, upload.filename)
        except (ReadError, csv.Error) as error:
            raise InvalidInput(("file", f"{upload.filename}: {error}.")) from None
        with table:
            yield table, stream
