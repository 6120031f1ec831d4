"""Bulk import of survey and ticket exports: stored uploads, dry runs, batches, duplicates and undo."""

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from voc import jobs
from voc.export.cells import formula_safe
from voc.extensions import db
from voc.ingest import (
    PRESETS,
    CustomerRef,
    Item,
    Mapping,
    MappingError,
    ParseOptions,
    ReadError,
    RowError,
    RowParser,
    Table,
    detect_date_order,
    guess_mapping,
    normalise_text,
    read_table,
    why_no_text,
)
from voc.models import (
    Customer,
    Feedback,
    ImportBatch,
    ImportJob,
    SavedMapping,
    Stage,
    StoredUpload,
    User,
    utcnow,
)
from voc.services import audit, clock, corrections, feedback, privacy, sentiment, themes, webhooks
from voc.services.errors import InvalidInput, NotAllowed, NotFound, ServiceError

ANNOUNCED_ITEMS = 1000  # items per feedback.created event once an import is committed
CHUNK_ROWS = 2000  # items written per INSERT round; memory stays flat whatever the file size
REMEMBERED_CUSTOMERS = 50_000  # customer ids kept across chunks, then forgotten
ANALYZE_ITEMS = 10_000  # PostgreSQL: refresh statistics each time an import doubles a table this size
PREVIEW_ROWS = 10  # rows shown on the mapping page
SAMPLE_ROWS = 200  # rows read to guess the mapping and the date order
LISTED_ERRORS = 200  # rejected rows named on the preview page; the rest are in the CSV
CLASH_WORDS = 8  # words of the stored text shown when a repeated id comes with other words
QUEUED_IMPORT = "voc.services.imports:execute_import"
UPLOAD_DAYS = 2  # stored uploads older than this are removed when the next one arrives
DATE_ORDER_CHOICES = ("dmy", "mdy")  # what a user may confirm; 'ymd' means no numeric dd/mm dates
DATE_ORDERS_ALLOWED = ("ymd", *DATE_ORDER_CHOICES)
BINARY_SNIFF_BYTES = 4096  # NUL bytes here, outside UTF-16 and XLSX, mean a picture or a program
ZIP_MAGIC = b"PK\x03\x04"
_UPLOAD_KEY = re.compile(r"[0-9a-f]{64}")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Upload:
    """A file to import: its bytes on disk under their SHA-256, and the name the user knows it by."""

    key: str  # SHA-256 of the bytes; also the stored file's name, so no user text reaches a path
    filename: str  # shown and recorded, never used as a path
    path: str
    size: int


@dataclass
class Inspection:
    """What the mapping page shows: the columns, the first rows, a guessed mapping and the date order."""

    upload: Upload
    header: list[str]
    rows: list[list[str]]
    mapping: Mapping
    date_order: str  # 'ymd' (no ambiguity seen), 'dmy', 'mdy' or 'ambiguous'
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    no_text: list[str] = field(default_factory=list)  # why no column was taken as text, if none was


@dataclass(frozen=True)
class ImportSettings:
    """How to read a file: the mapping, and the day/month order the user confirmed ('' to detect)."""

    mapping: Mapping
    date_order: str = ""


@dataclass
class Outcome:
    """The counts of one run over a file; `batch` is None for a dry run."""

    rows: int = 0
    created: int = 0
    duplicates: int = 0
    rejected: int = 0
    skipped: int = 0  # rows holding only placeholder answers ("-", "n/a")
    customers_created: int = 0
    errors: list[str] = field(default_factory=list)  # the first LISTED_ERRORS reasons
    skips: list[str] = field(default_factory=list)  # the first LISTED_ERRORS skipped rows and id clashes
    rejected_csv: str | None = None  # every row not imported, with an `error` column saying why
    batch: ImportBatch | None = None
    clashes: int = 0  # duplicates whose id is stored with other words; in rejected_csv too
    seconds: float = 0.0
    annotate_seconds: float = 0.0  # of which scoring sentiment and placing items in themes

    @property
    def not_imported(self) -> int:
        """Rows in the rejected-rows file: rejected, skipped, or an id already stored with other words."""
        return self.rejected + self.skipped + self.clashes


@dataclass(frozen=True)
class UndoResult:
    """What undoing a batch removed."""

    batch: ImportBatch
    items: int
    evidence_links: int


# ----- uploads ---------------------------------------------------------------------------------


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
    """Remove a stored upload once it is imported (its rejected rows live on in the batch)."""
    folder = upload_folder()
    if os.path.dirname(upload.path) != folder:
        return  # a CLI file: not ours to delete
    db.session.execute(delete(StoredUpload).where(StoredUpload.key == upload.key))
    db.session.commit()
    if os.path.exists(upload.path):
        os.unlink(upload.path)  # other servers' copies go with their old files (UPLOAD_DAYS)


@contextmanager
def _table(upload: Upload) -> Iterator[tuple[Table, BinaryIO]]:
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


# ----- the mapping step ------------------------------------------------------------------------


def inspect(upload: Upload, preset: str | None = None, saved_id: int | None = None) -> Inspection:
    """Columns, first rows and a mapping: the chosen preset's or saved one's, else the best guess."""
    with _table(upload) as (table, _):
        try:
            sample = table.peek(SAMPLE_ROWS)
        except ReadError as error:
            raise InvalidInput(("file", f"{upload.filename}: {error}.")) from None
        if not sample:
            raise InvalidInput(("file", f"{upload.filename} has a header row but no data rows."))
        following = [row.values for row in sample]
        if saved_id is not None:
            mapping = Mapping.from_dict(get_saved_mapping(saved_id).mapping)
        elif preset:
            if preset not in PRESETS:
                raise InvalidInput(("preset", f"There is no preset called '{preset}'."))
            mapping = PRESETS[preset].mapping(table.header, following)
        else:
            mapping = guess_mapping(table.header, following)
        return Inspection(
            upload=upload,
            header=table.header,
            rows=[[_shown(value) for value in row.values] for row in sample[:PREVIEW_ROWS]],
            mapping=mapping,
            date_order=_detect_order(table.header, mapping, following),
            encoding=table.encoding,
            delimiter=table.delimiter,
            sheet=table.sheet,
            no_text=[] if mapping.text else why_no_text(table.header, mapping),
        )


def _shown(value: object) -> str:
    """A cell as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _detect_order(header: list[str], mapping: Mapping, following: list[list]) -> str:
    """The day/month order the sample's date column proves, 'ymd' without dates."""
    if not mapping.date or mapping.date not in header:
        return "ymd"
    column = header.index(mapping.date)
    return detect_date_order(values[column] for values in following[mapping.header_rows :])


def presets() -> list[tuple[str, str]]:
    """(name, label) of every preset, for pickers."""
    return [(name, preset.label) for name, preset in PRESETS.items()]


# ----- saved mappings --------------------------------------------------------------------------


def save_mapping(name: str, mapping: Mapping, user_id: int) -> tuple[SavedMapping, bool]:
    """Keep a mapping under a name (replacing one of that name); returns it and whether it is new."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(("mapping_name", "Give the mapping a name."))
    if len(name) > 100:
        raise InvalidInput(("mapping_name", "Keep the name under 100 characters."))
    saved = db.session.scalar(select(SavedMapping).where(SavedMapping.name == name))
    created = saved is None
    if created:
        saved = SavedMapping(name=name, created_by_id=user_id)
        db.session.add(saved)
    saved.mapping = mapping.to_dict()
    db.session.commit()
    return saved, created


def saved_mappings() -> list[SavedMapping]:
    """Every saved mapping, by name."""
    return list(db.session.scalars(select(SavedMapping).order_by(func.lower(SavedMapping.name))))


def get_saved_mapping(saved_id: int) -> SavedMapping:
    """One saved mapping, or NotFound."""
    saved = db.session.get(SavedMapping, saved_id)
    if saved is None:
        raise NotFound(("saved", "That saved mapping does not exist."))
    return saved


def saved_mapping_named(name: str) -> Mapping:
    """A saved mapping by its name (the CLI's --mapping)."""
    saved = db.session.scalar(select(SavedMapping).where(SavedMapping.name == " ".join(name.split())))
    if saved is None:
        raise NotFound(("mapping", f"There is no saved mapping called '{name}'."))
    return Mapping.from_dict(saved.mapping)


# ----- dry run and import ----------------------------------------------------------------------


def dry_run(
    upload: Upload, settings: ImportSettings, user_id: int, progress: Progress | None = None
) -> Outcome:
    """What an import would do (created, duplicates, rejected with reasons), then nothing is kept."""
    try:
        return _run(upload, settings, user_id, progress, keep=False)
    finally:
        db.session.rollback()


def run_import(
    upload: Upload, settings: ImportSettings, user_id: int, progress: Progress | None = None
) -> Outcome:
    """Import the file as one batch in one transaction: all of it is stored, or none of it."""
    try:
        outcome = _run(upload, settings, user_id, progress, keep=True)
        _announce(outcome.batch.id)
        db.session.commit()
    except IntegrityError:
        # Another import (or the API) stored some of the same ids between our check and our insert.
        db.session.rollback()
        raise InvalidInput(
            (
                "file",
                "Some of these items were stored by someone else just now; nothing was imported. "
                "Import the file again to add the rest.",
            )
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    return outcome


def queues_import(upload: Upload) -> bool:
    """A file of IMPORT_QUEUE_BYTES or more imports on the queue, when there is one; a smaller one at once."""
    return jobs.on_queue() and upload.size >= current_app.config["IMPORT_QUEUE_BYTES"]


def queue_import(upload: Upload, settings: ImportSettings, user_id: int) -> ImportJob:
    """Hand the import to a worker; the page follows its progress. Refused when Redis does not answer."""
    job = ImportJob(
        user_id=user_id,
        upload_key=upload.key,
        filename=upload.filename,
        settings={"mapping": settings.mapping.to_dict(), "date_order": settings.date_order},
    )
    db.session.add(job)
    db.session.flush()
    job.job_id = jobs.job_id(f"import-{job.id}")
    db.session.commit()
    try:
        jobs.enqueue(
            QUEUED_IMPORT, job.id, key=f"import-{job.id}", on_failure="voc.services.imports:fail_import_job"
        )
    except jobs.QueueUnavailable as error:
        fail_import_job(job.id, f"Could not be queued: {error}.")
        raise InvalidInput(
            (
                "",
                "The job queue is not answering, so the import could not start; nothing was imported. "
                "Try again in a minute; if it keeps failing, ask your administrator to check Redis.",
            )
        ) from None
    return job


def execute_import(job_id: int) -> None:
    """The queued import (a worker's job): the file as one batch, reporting how far it has read."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status != "queued":
        return  # given up on while it waited
    job.status = "running"
    db.session.commit()
    try:
        upload = get_upload(job.upload_key)
        settings = ImportSettings(Mapping.from_dict(job.settings["mapping"]), job.settings["date_order"])
        outcome = run_import(
            upload,
            settings,
            job.user_id,
            progress=lambda done: jobs.report_progress(done * 100 // upload.size),
        )
        discard_upload(upload)
    except ServiceError as error:  # the file or the mapping: the person's to fix, not a crash
        db.session.rollback()
        fail_import_job(job_id, str(error))
        return
    except Exception as error:
        db.session.rollback()
        fail_import_job(job_id, f"{type(error).__name__}: {error}")
        raise
    db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id)
        .values(status="done", batch_id=outcome.batch.id, finished_at=utcnow())
    )
    db.session.commit()


def fail_import_job(job_id: int, reason: str) -> bool:
    """Mark a queued or running import as failed with the reason; False if it had ended."""
    changed = db.session.execute(
        update(ImportJob)
        .where(ImportJob.id == job_id, ImportJob.status.in_(("queued", "running")))
        .values(status="failed", message=reason[:500], finished_at=utcnow())
    ).rowcount
    db.session.commit()
    return bool(changed)


def import_job_progress(job_id: int) -> tuple[ImportJob, int | None]:
    """A queued import and how far it is (percent, while running); one whose job died is failed first."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(("import", "That import does not exist."))
    if job.status not in ("queued", "running") or not jobs.on_queue():
        return job, None
    ended = jobs.ended_jobs({job.job_id: job.created_at}, utcnow())
    if job.job_id in ended:
        fail_import_job(job.id, ended[job.job_id])
        db.session.refresh(job)
        return job, None
    try:
        return job, jobs.job_states([job.job_id])[job.job_id].progress
    except jobs.QueueUnavailable:
        return job, None


def _announce(batch_id: int) -> None:
    """Tell webhooks about the batch's items, ANNOUNCED_ITEMS per event in file order, as it commits."""
    if not webhooks.subscribers("feedback.created"):
        return  # no one listens: do not load 100,000 items to say nothing
    last_id = 0
    while page := list(
        db.session.scalars(
            select(Feedback)
            .options(selectinload(Feedback.stage))
            .where(Feedback.batch_id == batch_id, Feedback.id > last_id)
            .order_by(Feedback.id)
            .limit(ANNOUNCED_ITEMS)
        )
    ):
        last_id = page[-1].id
        feedback.announce(page)


def _run(
    upload: Upload, settings: ImportSettings, user_id: int, progress: Progress | None, keep: bool
) -> Outcome:
    """Stream the file through the mapping, writing items chunk by chunk inside the caller's transaction."""
    started = time.perf_counter()
    mapping = settings.mapping
    with _table(upload) as (table, stream):
        try:
            sample = table.peek(SAMPLE_ROWS)
        except ReadError as error:
            raise InvalidInput(("file", f"{upload.filename}: {error}.")) from None
        order = _date_order(table.header, mapping, settings.date_order, [row.values for row in sample])
        try:
            parser = RowParser(table.header, mapping, ParseOptions(date_order=order))
        except MappingError as error:
            raise InvalidInput(*(("mapping", problem) for problem in error.problems)) from None
        batch = ImportBatch(
            user_id=user_id,
            filename=upload.filename,
            sha256=upload.key,
            mapping={**mapping.to_dict(), "date_order": order},
        )
        db.session.add(batch)
        db.session.flush()
        writer = _Writer(batch.id, user_id, mapping, annotate=keep)
        rejected = io.StringIO()
        rejects = csv.writer(rejected)
        rejects.writerow([*map(_csv_cell, table.header), "error"])  # a header can be a formula too
        texts = _text_columns(table.header, mapping)
        outcome = Outcome()
        chunk: list[Item] = []
        chunk_rows: dict[int, list] = {}  # source values of the chunk's rows, to name id clashes

        def write_chunk() -> None:
            """Store the chunk; a repeated id with other words is a duplicate worth showing, row by row."""
            clashes: dict[int, list[str]] = {}
            for item, stored in writer.write(chunk):
                words = " ".join(stored.split()[:CLASH_WORDS])
                clashes.setdefault(item.row, []).append(
                    f"row {item.row}: id '{item.response_key}' is already stored with other text, "
                    f"“{words}{'…' if len(stored.split()) > CLASH_WORDS else ''}”; skipped as a duplicate"
                )
            for number, reasons in clashes.items():
                reason = "; ".join(dict.fromkeys(reasons))
                if len(outcome.skips) < LISTED_ERRORS:
                    outcome.skips.append(reason)
                rejects.writerow([*_rejected_cells(chunk_rows[number], texts), reason])
                outcome.clashes += 1

        try:
            for index, row in enumerate(table):
                if index < mapping.header_rows:
                    rejects.writerow([*map(_csv_cell, row.values), ""])  # so the file re-imports alike
                    continue
                outcome.rows += 1
                parsed = parser.parse(row)
                if isinstance(parsed, RowError):
                    count, reasons = (
                        ("skipped", outcome.skips) if parsed.skipped else ("rejected", outcome.errors)
                    )
                    setattr(outcome, count, getattr(outcome, count) + 1)
                    if len(reasons) < LISTED_ERRORS:
                        reasons.append(str(parsed))
                    rejects.writerow([*_rejected_cells(row.values, texts), str(parsed)])
                    continue
                for item in parsed:
                    item.text = privacy.ingest_text(item.text)  # before duplicate checks, like stored texts
                chunk.extend(parsed)
                chunk_rows[row.number] = row.values
                if len(chunk) >= CHUNK_ROWS:
                    write_chunk()
                    chunk, chunk_rows = [], {}
                    if progress:
                        progress(stream.tell())
            write_chunk()
        except ReadError as error:
            raise InvalidInput(("file", f"{upload.filename}: {error}.")) from None
    if not outcome.rows:
        raise InvalidInput(("file", f"{upload.filename} has a header row but no data rows."))
    outcome.created, outcome.duplicates = writer.created, writer.duplicates
    outcome.customers_created = writer.customers_created
    batch.created, batch.duplicates, batch.rejected = outcome.created, outcome.duplicates, outcome.rejected
    batch.skipped = outcome.skipped
    outcome.rejected_csv = rejected.getvalue() if outcome.not_imported else None
    batch.rejected_csv = outcome.rejected_csv
    if keep:
        if writer.themed:
            themes.refresh_sizes()
        outcome.batch = batch
    if progress:
        progress(upload.size)
    outcome.seconds = round(time.perf_counter() - started, 3)
    outcome.annotate_seconds = round(writer.annotate_seconds, 3)
    return outcome


def _date_order(header: list[str], mapping: Mapping, chosen: str, sample: list[list]) -> str:
    """The user's order, else what the sample proves; an ambiguous sample needs the user to choose."""
    if chosen:
        if chosen not in DATE_ORDERS_ALLOWED:
            raise InvalidInput(("date_order", "Choose day first or month first."))
        return chosen
    detected = _detect_order(header, mapping, sample)
    if detected == "ambiguous":
        raise InvalidInput(
            (
                "date_order",
                f"Dates in '{mapping.date}' such as 03/04/2024 could be day first or month "
                "first: choose the order the file uses.",
            )
        )
    return detected


def _csv_cell(value: object) -> object:
    """A source cell written back for the rejected-rows file: as text, never as a formula."""
    return formula_safe(_shown(value))


def _text_columns(header: list[str], mapping: Mapping) -> set[int]:
    """Positions of the columns whose words become feedback text."""
    return {header.index(column) for column in [*mapping.text, mapping.fallback_text] if column}


def _rejected_cells(values: list, texts: set[int]) -> list:
    """A rejected row as kept with the batch: its feedback text stored as feedback would be."""
    return [
        _csv_cell(privacy.ingest_text(_shown(value)) if index in texts else value)
        for index, value in enumerate(values)
    ]


class _Writer:
    """Writes parsed items chunk by chunk: customers found or created, duplicates skipped, items inserted."""

    def __init__(self, batch_id: int, user_id: int, mapping: Mapping, annotate: bool):
        self.batch_id, self.user_id, self.annotate = batch_id, user_id, annotate
        self.several_questions = len(mapping.text) > 1
        self.created = self.duplicates = self.customers_created = 0
        self.themed = False
        self.annotate_seconds = 0.0
        self.today = clock.today()
        self.now = utcnow()  # one created_at for the batch, rather than a clock call per row
        self.customer_ids: dict[str, int] = {}  # customer key -> id, so a returning customer costs no query
        self.analyze_at = _analyze_threshold()
        self.stages = {
            name.casefold(): stage_id
            for stage_id, name in db.session.execute(
                select(Stage.id, Stage.name).where(Stage.retired.is_(False))
            )
        }

    def write(self, items: list[Item]) -> list[tuple[Item, str]]:
        """Store one chunk's new items; earlier chunks are flushed, so their items count as existing.

        Returns the duplicates whose id is stored with other words, each with the stored text.
        """
        if not items:
            return []
        owners = self._customers(items)
        fresh, clashes = self._without_duplicates(items, owners)
        self.duplicates += len(items) - len(fresh)
        if fresh:
            self._insert(fresh)
        return clashes

    def _insert(self, fresh: list[tuple[Item, int | None]]) -> None:
        """Insert the new items, with sentiment and theme when the import is kept."""
        rows = [self._row(item, owner) for item, owner in fresh]
        if self.annotate:
            started = time.perf_counter()
            # Survey answers repeat ("nothing", "great service"): each distinct text is scored once.
            distinct = list(dict.fromkeys(row["text"] for row in rows))
            notes = dict(zip(distinct, themes.annotations(distinct), strict=True))
            spoken = {text: themes.text_language(text) for text in distinct}
            self.annotate_seconds += time.perf_counter() - started
            for row in rows:
                found, source, row["theme_id"], row["theme_terms"] = notes[row["text"]]
                row["language"] = spoken[row["text"]]
                row["sentiment"], row["sentiment_source"] = sentiment.own(
                    row["score"], row["score_kind"], found, source
                )
                self.themed = self.themed or row["theme_id"] is not None
        _insert_items(rows)
        self.created += len(rows)
        if self.analyze_at is not None and self.created >= self.analyze_at:
            # Plans made for a small table (duplicate checks, then every page) turn slow once it has grown.
            db.session.execute(text("ANALYZE feedback, customer"))
            self.analyze_at *= 2

    def _row(self, item: Item, owner: int | None) -> dict:
        """The feedback row for an item; every row has every column, so one INSERT serves the chunk."""
        extras = dict(item.extras)
        stage_id = None
        if item.stage:
            stage_id = self.stages.get(item.stage.casefold())
            if stage_id is None:  # not one of our stages: keep the word rather than lose the row
                extras["stage"] = item.stage
        if self.several_questions:  # which of the survey's questions this answers
            extras["question"] = item.question
        return {
            "text": item.text,
            "channel": item.channel,
            "source": item.source,
            "external_id": item.external_id,
            "received_on": item.received_on or self.today,
            "customer_id": owner,
            "stage_id": stage_id,
            "score": item.score,
            "score_kind": item.score_kind,
            "created_by_id": self.user_id,
            "created_at": self.now,
            "batch_id": self.batch_id,
            "response_key": item.response_key[:200],
            "extras": extras or None,
            "sentiment": None,
            "sentiment_source": None,
            "language": None,
            "theme_id": None,
            "theme_pinned": False,
            "theme_terms": None,
        }

    def _customers(self, items: list[Item]) -> list[int | None]:
        """Each item's customer id (None without one): remembered, found or else created."""
        keys = [item.customer.key or None if item.customer else None for item in items]
        if len(self.customer_ids) > REMEMBERED_CUSTOMERS:
            self.customer_ids.clear()  # memory stays flat however many people the file names
        found = self.customer_ids
        refs = {key: item.customer for key, item in zip(keys, items, strict=True) if key and key not in found}
        if refs:
            self._find_customers(refs)
            missing = [key for key in refs if key not in found]
            if missing:
                rows = [_customer_row(refs[key]) for key in missing]
                ids = db.session.scalars(
                    insert(Customer).returning(Customer.id, sort_by_parameter_order=True), rows
                ).all()
                found.update(zip(missing, ids, strict=True))
                self.customers_created += len(missing)
        return [found[key] if key else None for key in keys]

    def _find_customers(self, refs: dict[str, CustomerRef]) -> None:
        """Remember the stored customers these references name, by external id, then e-mail, then name."""
        found = self.customer_ids
        by_external = {ref.external_id: key for key, ref in refs.items() if ref.external_id}
        if by_external:
            for customer_id, external_id in db.session.execute(
                select(Customer.id, Customer.external_id).where(Customer.external_id.in_(by_external))
            ):
                found.setdefault(by_external[external_id], customer_id)
        by_email = {ref.email: key for key, ref in refs.items() if ref.email and key not in found}
        if by_email:
            for customer_id, email in db.session.execute(
                select(Customer.id, func.lower(Customer.email)).where(
                    func.lower(Customer.email).in_(by_email)
                )
            ):
                found.setdefault(by_email[email], customer_id)
        # Someone known only by name (a Jira reporter) is the customer of that name with no e-mail or id.
        by_name = {
            ref.name.casefold(): key
            for key, ref in refs.items()
            if key not in found and ref.name and not ref.email and not ref.external_id
        }
        if by_name:
            for customer_id, name in db.session.execute(
                select(Customer.id, func.lower(Customer.name)).where(
                    func.lower(Customer.name).in_(by_name),
                    Customer.email.is_(None),
                    Customer.external_id.is_(None),
                )
            ):
                found.setdefault(by_name[name], customer_id)

    def _without_duplicates(
        self, items: list[Item], owners: list[int | None]
    ) -> tuple[list[tuple[Item, int | None]], list[tuple[Item, str]]]:
        """The items not already stored (by source and id, else by customer, text and day) nor repeated;
        and the repeated ids whose words differ, with the stored (or earlier) text."""
        by_id: dict[str | None, set[str]] = {}
        for item in items:
            if item.external_id:
                by_id.setdefault(item.source, set()).add(item.external_id)
        known: dict[tuple, str] = {}  # key -> the text stored under it
        for source, ids in by_id.items():
            same_source = Feedback.source.is_(None) if source is None else Feedback.source == source
            for external_id, words in db.session.execute(
                select(Feedback.external_id, Feedback.text).where(same_source, Feedback.external_id.in_(ids))
            ):
                known[("id", source, external_id)] = words
        plain = [(item, owner) for item, owner in zip(items, owners, strict=True) if not item.external_id]
        if plain:
            owner_set = {owner for _, owner in plain}
            days = {item.received_on or self.today for item, _ in plain}
            owner_ids = [owner for owner in owner_set if owner is not None]
            conditions = [Feedback.customer_id.in_(owner_ids)] if owner_ids else []
            if None in owner_set:
                conditions.append(Feedback.customer_id.is_(None))
            for customer_id, received_on, words in db.session.execute(
                select(Feedback.customer_id, Feedback.received_on, Feedback.text).where(
                    Feedback.external_id.is_(None),
                    Feedback.received_on.in_(days),
                    or_(*conditions),
                )
            ):
                known[("text", customer_id, received_on, normalise_text(words))] = words
        fresh, clashes = [], []
        for item, owner in zip(items, owners, strict=True):
            if item.external_id:
                key = ("id", item.source, item.external_id)
            else:
                key = ("text", owner, item.received_on or self.today, normalise_text(item.text))
            if key not in known:
                known[key] = item.text
                fresh.append((item, owner))
            elif normalise_text(stored := known[key]) != normalise_text(item.text):
                clashes.append((item, stored))
        return fresh, clashes


def _insert_items(rows: list[dict]) -> None:
    """One DBAPI executemany of feedback rows that all give the same columns.

    Each value still goes through its column type's conversion for this database; what is skipped is
    SQLAlchemy's per-row parameter bookkeeping, a sixth of an import's time without sentiment.
    """
    table = Feedback.__table__
    connection = db.session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    compiled = table.insert().compile(dialect=dialect, column_keys=names)
    order = compiled.positiontup if compiled.positional else names
    convert = [
        (index, processor)
        for index, name in enumerate(order)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    params = []
    for row in rows:
        values = [row[name] for name in order]
        for index, processor in convert:
            values[index] = processor(values[index])
        params.append(tuple(values) if compiled.positional else dict(zip(order, values, strict=True)))
    connection.exec_driver_sql(compiled.string, params)


def _analyze_threshold() -> int | None:
    """Items after which PostgreSQL's statistics are stale (the table has doubled); None elsewhere."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    estimate = db.session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'feedback'::regclass"))
    return max(ANALYZE_ITEMS, int(estimate or 0))


def _customer_row(ref: CustomerRef) -> dict:
    """A new customer from what the file says about them; the name falls back to e-mail or id."""
    name = ref.name or ref.email or ref.organisation or ref.external_id or "Unknown"
    return {
        "name": name[:200],
        "email": ref.email,
        "organisation": ref.organisation,
        "external_id": ref.external_id,
        "segment": ref.segment,
        "consent_quote": False,
        "consent_contact": False,
    }


# ----- batches ---------------------------------------------------------------------------------


def list_batches(limit: int = 100) -> list[ImportBatch]:
    """Past imports, newest first."""
    return list(db.session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)))


def get_batch(batch_id: int) -> ImportBatch:
    """One batch, or NotFound."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise NotFound(("batch", "That import does not exist."))
    return batch


def batches_of_file(sha256: str) -> list[ImportBatch]:
    """Earlier imports of the same bytes, so the mapping page can say so."""
    return list(
        db.session.scalars(
            select(ImportBatch).where(ImportBatch.sha256 == sha256).order_by(ImportBatch.id.desc())
        )
    )


def batch_items(batch_id: int, limit: int = 20) -> list[Feedback]:
    """The first items a batch brought in, in file order."""
    return list(
        db.session.scalars(
            select(Feedback).where(Feedback.batch_id == batch_id).order_by(Feedback.id).limit(limit)
        )
    )


def may_undo(batch: ImportBatch, user: User) -> bool:
    """Contributors undo their own imports; triagers and admins undo anyone's."""
    return batch.user_id == user.id or user.has_role("triager")


def rejected_rows(batch: ImportBatch) -> str:
    """The rows not imported as CSV with an `error` column, ready to fix and upload again."""
    if not batch.rejected_csv:
        raise NotFound(("batch", "This import left out no rows."))
    return batch.rejected_csv


def rejected_reasons(batch: ImportBatch, limit: int = LISTED_ERRORS) -> list[str]:
    """The first reasons from the rejected-rows file (rejected, skipped, id clashes), for the batch page."""
    if not batch.rejected_csv:
        return []
    reasons = (row[-1] for row in csv.reader(io.StringIO(batch.rejected_csv)) if row and row[-1])
    next(reasons, None)  # the header's "error"
    return [reason for _, reason in zip(range(limit), reasons, strict=False)]


def undo_batch(batch_id: int, user: User, actor: audit.Actor | None = None) -> UndoResult:
    """Remove exactly the batch's items, their hit evidence links and triage marks, in one transaction."""
    batch = get_batch(batch_id)
    if not may_undo(batch, user):
        raise NotAllowed(
            ("batch", "Only the person who imported this file, a triager or an admin can undo it.")
        )
    if batch.undone_at is not None:
        raise InvalidInput(("batch", "This import was already undone."))
    ids = list(db.session.scalars(select(Feedback.id).where(Feedback.batch_id == batch.id)))
    removed = corrections.remove_items(ids, user.id, f"from import #{batch.id}")
    batch.undone_at = utcnow()
    audit.add_event(
        "undo_import",
        actor or audit.Actor(user.id),
        "import",
        batch.id,
        f"{batch.filename}: {removed.items} items removed",
    )
    db.session.commit()
    return UndoResult(batch, removed.items, removed.evidence_links)


def default_importer() -> User:
    """The user the CLI records as importer when none is named: the first admin."""
    user = db.session.scalar(
        select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.id).limit(1)
    )
    if user is None:
        raise NotFound(("user", "No admin exists yet; name the importer with --user."))
    return user


def user_named(email: str) -> User:
    """The user with this e-mail (the CLI's --user), who must be allowed to import."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise NotFound(("user", f"There is no user {email}."))
    if not user.has_role("contributor"):
        raise NotAllowed(("user", f"{email} is a viewer; importing needs a contributor or above."))
    return user
