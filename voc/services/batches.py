"""Past imports: the batch list, what each brought in and left out, and undo."""

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select

from voc.extensions import db
from voc.models import Feedback, ImportBatch, User, utcnow
from voc.services import audit, corrections
from voc.services.errors import InvalidInput, NotAllowed, NotFound
from voc.services.imports import LISTED_ERRORS


@dataclass(frozen=True)
class UndoResult:
    """What undoing a batch removed."""

    batch: ImportBatch
    items: int
    evidence_links: int


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
