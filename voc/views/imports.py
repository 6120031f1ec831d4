"""Importing exports: upload, map columns, dry run, import; past batches, rejected rows and undo."""

import io
import json

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from voc.access import current_actor, role_required
from voc.forms import ActionForm, MappingForm, UploadForm, choices, flash_errors, show_errors
from voc.ingest import Mapping
from voc.ingest.mapping import SINGLE_FIELDS
from voc.services import batches, imports, mappings, uploads
from voc.services.errors import NotFound, ServiceError

bp = Blueprint("imports", __name__, url_prefix="/imports")


@bp.route("/")
@role_required("contributor")
def index():
    """Past imports, newest first."""
    return render_template("imports/index.html", batches=batches.list_batches())


@bp.route("/new", methods=["GET", "POST"])
@role_required("contributor")
def new():
    """Upload a file; it is checked at once, then kept for the mapping step."""
    form = UploadForm()
    if form.validate_on_submit():
        try:
            upload = uploads.store_upload(form.file.data.stream, form.file.data.filename)
            mappings.inspect(upload)
        except ServiceError as error:
            show_errors(form, error)
        else:
            return redirect(url_for("imports.mapping", key=upload.key))
    return render_template("imports/new.html", form=form)


@bp.route("/file/<key>", methods=["GET", "POST"])
@role_required("contributor")
def mapping(key: str):
    """Map the file's columns, dry-run, save the mapping or import."""
    start = request.args.get("start", "")
    try:
        upload = uploads.get_upload(key)
        inspection = mappings.inspect(upload, **_starting_point(start))
    except NotFound as error:  # an expired upload means "start again", not a 404 page
        flash(error.errors[0][1], "error")
        return redirect(url_for("imports.new"))
    except ServiceError as error:
        flash_errors(error)
        inspection = mappings.inspect(upload)
        start = ""
    form = MappingForm()
    _fill_choices(form, inspection.header)
    if request.method == "GET":
        _fill(form, inspection.mapping)
    outcome = None
    if form.validate_on_submit():
        settings = imports.ImportSettings(_mapping(form, inspection.header), form.date_order.data or "")
        try:
            if form.save.data:
                saved, created = mappings.save_mapping(
                    form.mapping_name.data or "", settings.mapping, current_user.id
                )
                flash(f"Mapping “{saved.name}” {'saved' if created else 'updated'}.")
            elif form.run.data and imports.queues_import(upload):
                job = imports.queue_import(upload, settings, current_user.id)
                return redirect(url_for("imports.job", import_job_id=job.id))
            elif form.run.data:
                outcome = imports.run_import(upload, settings, current_user.id, discard=True)
                flash(
                    f"Imported {upload.filename}: {outcome.created:,} items created, "
                    f"{outcome.duplicates:,} duplicates skipped, {outcome.rejected:,} rows rejected"
                    f"{f', {outcome.skipped:,} placeholder answers skipped' if outcome.skipped else ''}."
                )
                return redirect(url_for("imports.show", batch_id=outcome.batch.id))
            else:
                outcome = imports.dry_run(upload, settings, current_user.id)
        except ServiceError as error:
            show_errors(form, error)
    return render_template(
        "imports/map.html",
        form=form,
        inspection=inspection,
        outcome=outcome,
        start=start,
        starts=_starting_points(),
        preset_labels=dict(mappings.presets()),
        earlier=batches.batches_of_file(upload.key),
    )


@bp.route("/jobs/<int:import_job_id>")
@role_required("contributor")
def job(import_job_id: int):
    """A large import on the queue: its progress (the page reloads itself), then its batch."""
    queued, percent = imports.import_job_progress(import_job_id)
    if queued.status == "done":
        flash(f"Imported {queued.filename}.")
        return redirect(url_for("imports.show", batch_id=queued.batch_id))
    return render_template("imports/job.html", job=queued, percent=percent)


def _starting_point(start: str) -> dict:
    """The ?start= value as inspect() arguments: 'preset:zendesk', 'saved:3' or '' (guess)."""
    kind, _, value = start.partition(":")
    if kind == "preset":
        return {"preset": value}
    if kind == "saved" and value.isdigit():
        return {"saved_id": int(value)}
    return {}


def _starting_points() -> list[tuple[str, str]]:
    """The picker of starting mappings: the guess, each preset, each saved mapping."""
    points = [("", "Guess from the column names")]
    points += [(f"preset:{name}", f"Preset: {label}") for name, label in mappings.presets()]
    points += [(f"saved:{saved.id}", f"Saved: {saved.name}") for saved in mappings.saved_mappings()]
    return points


def _fill_choices(form: MappingForm, header: list[str]) -> None:
    """Every column picker offers the file's columns."""
    columns = [(column, column) for column in header]
    for name in (*SINGLE_FIELDS, "fallback_text"):
        form[name].choices = choices([("", "— none —"), *columns])
    form.text.choices = choices(columns)
    form.customer_name.choices = choices(columns)


def _fill(form: MappingForm, mapping: Mapping) -> None:
    """The form showing a mapping."""
    for name in (*SINGLE_FIELDS, "fallback_text", "text", "customer_name", "default_channel", "header_rows"):
        form[name].data = getattr(mapping, name)
    form.score_kind.data = mapping.score_kind or ""
    form.default_source.data = mapping.default_source or ""
    form.labels.data = json.dumps(mapping.labels)
    form.preset.data = mapping.preset or ""


def _mapping(form: MappingForm, header: list[str]) -> Mapping:
    """The mapping the form describes; every column it leaves unused is kept as an extra."""
    try:
        labels = json.loads(form.labels.data or "{}")
    except ValueError:
        labels = {}
    if not (isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values())):
        labels = {}
    mapping = Mapping(
        text=list(form.text.data or []),
        customer_name=list(form.customer_name.data or []),
        score_kind=form.score_kind.data or None,
        default_channel=form.default_channel.data,
        default_source=(form.default_source.data or "").strip() or None,
        header_rows=form.header_rows.data,
        labels={column: text for column, text in labels.items() if column in header},
        preset=form.preset.data or None,
        **{name: form[name].data or None for name in (*SINGLE_FIELDS, "fallback_text")},
    )
    mapping.extras = [column for column in header if column not in mapping.columns()]
    return mapping


@bp.route("/<int:batch_id>")
@role_required("contributor")
def show(batch_id: int):
    """One import: counts, mapping, rejected rows and the items it brought in."""
    batch = batches.get_batch(batch_id)
    return render_template(
        "imports/show.html",
        batch=batch,
        reasons=batches.rejected_reasons(batch),
        items=batches.batch_items(batch.id),
        may_undo=batches.may_undo(batch, current_user),
        form=ActionForm(),
    )


@bp.route("/<int:batch_id>/rejected.csv")
@role_required("contributor")
def rejected(batch_id: int):
    """The rows not imported with an `error` column saying why, to fix and upload again."""
    batch = batches.get_batch(batch_id)
    content = batches.rejected_rows(batch)
    stem = batch.filename.rsplit(".", 1)[0] or "import"
    # A byte-order mark so Excel opens the UTF-8 file with its accents intact.
    return send_file(
        io.BytesIO(("\ufeff" + content).encode("utf-8")),
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"{stem}-rejected.csv",
    )


@bp.route("/<int:batch_id>/undo", methods=["POST"])
@role_required("contributor")
def undo(batch_id: int):
    """Remove the batch's items; its record stays, marked undone."""
    form = ActionForm()
    if form.validate_on_submit():
        try:
            result = batches.undo_batch(batch_id, current_user, current_actor())
        except ServiceError as error:
            flash_errors(error)
        else:
            removed = f"Import #{batch_id} undone: {result.items:,} items removed"
            if result.evidence_links:
                removed += f", and {result.evidence_links} links from hits to them"
            flash(removed + ".")
    return redirect(url_for("imports.show", batch_id=batch_id))
