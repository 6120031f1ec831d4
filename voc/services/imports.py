"""Bulk import of survey and ticket exports: dry runs, imports as one batch, and queued imports."""

import csv
import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from voc import jobs
from voc.export.cells import formula_safe
from voc.extensions import db
from voc.ingest import Item, Mapping, MappingError, ParseOptions, ReadError, RowError, RowParser
from voc.models import Feedback, ImportBatch, ImportJob, utcnow
from voc.services import feedback, privacy, themes, webhooks
from voc.services.errors import InvalidInput, NotFound, ServiceError
from voc.services.import_writer import Writer
from voc.services.mappings import SAMPLE_ROWS, date_order, shown
from voc.services.uploads import Upload, discard_upload, get_upload, open_table

ANNOUNCED_ITEMS = 1000  # items per feedback.created event once an import is committed
CHUNK_ROWS = 2000  # items written per INSERT round; memory stays flat whatever the file size
LISTED_ERRORS = 200  # rejected rows named on the preview page; the rest are in the CSV
CLASH_WORDS = 8  # words of the stored text shown when a repeated id comes with other words
QUEUED_IMPORT = "voc.services.imports:execute_import"
Progress = Callable[[int], None]


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


def dry_run(
    upload: Upload, settings: ImportSettings, user_id: int, progress: Progress | None = None
) -> Outcome:
    """What an import would do (created, duplicates, rejected with reasons), then nothing is kept."""
    try:
        return _run(upload, settings, user_id, progress, keep=False)
    finally:
        db.session.rollback()


def run_import(
    upload: Upload,
    settings: ImportSettings,
    user_id: int,
    progress: Progress | None = None,
    discard: bool = False,
) -> Outcome:
    """Import the file as one batch in one transaction: all of it is stored, or none of it.

    With `discard` the stored upload is removed in that transaction too (a web upload, once imported).
    """
    with _one_batch():
        outcome = _store(upload, settings, user_id, progress)
        if discard:
            discard_upload(upload)
    return outcome


@contextmanager
def _one_batch() -> Iterator[None]:
    """An import's one transaction: committed when the block ends, rolled back on any error."""
    try:
        yield
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


def _store(upload: Upload, settings: ImportSettings, user_id: int, progress: Progress | None) -> Outcome:
    """The batch, its items and its webhook events, written in the caller's transaction."""
    outcome = _run(upload, settings, user_id, progress, keep=True)
    _announce(outcome.batch.id)
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
        # The batch, the upload's removal and the record's "done" are one transaction: a worker that
        # dies in between leaves a failed import to run again, never a batch its record does not name.
        with _one_batch():
            outcome = _store(
                upload,
                settings,
                job.user_id,
                progress=lambda done: jobs.report_progress(done * 100 // upload.size),
            )
            discard_upload(upload)
            db.session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id)
                .values(status="done", batch_id=outcome.batch.id, finished_at=utcnow())
            )
    except ServiceError as error:  # the file or the mapping: the person's to fix, not a crash
        db.session.rollback()
        fail_import_job(job_id, str(error))
        return
    except Exception as error:
        db.session.rollback()
        fail_import_job(job_id, f"{type(error).__name__}: {error}")
        raise


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
    with open_table(upload) as (table, stream):
        try:
            sample = table.peek(SAMPLE_ROWS)
        except ReadError as error:
            raise InvalidInput(("file", f"{upload.filename}: {error}.")) from None
        order = date_order(table.header, mapping, settings.date_order, [row.values for row in sample])
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
        writer = Writer(batch.id, user_id, mapping, annotate=keep)
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


def _csv_cell(value: object) -> object:
    """A source cell written back for the rejected-rows file: as text, never as a formula."""
    return formula_safe(shown(value))


def _text_columns(header: list[str], mapping: Mapping) -> set[int]:
    """Positions of the columns whose words become feedback text."""
    return {header.index(column) for column in [*mapping.text, mapping.fallback_text] if column}


def _rejected_cells(values: list, texts: set[int]) -> list:
    """A rejected row as kept with the batch: its feedback text stored as feedback would be."""
    return [
        _csv_cell(privacy.ingest_text(shown(value)) if index in texts else value)
        for index, value in enumerate(values)
    ]
