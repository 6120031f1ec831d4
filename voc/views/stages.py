"""Admin: the journey stages and their order."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from voc.access import role_required
from voc.forms import ActionForm, StageForm, show_errors
from voc.services import stages
from voc.services.errors import ServiceError

bp = Blueprint("stages", __name__, url_prefix="/stages")


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    """The stages in journey order, with a form to add one at the end."""
    form = StageForm()
    if form.validate_on_submit():
        try:
            stage = stages.add_stage(form.name.data, form.description.data or "")
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash(f"Stage “{stage.name}” added at the end of the journey.")
            return redirect(url_for("stages.index"))
    return render_template(
        "stages/index.html",
        form=form,
        stages=stages.list_stages(include_retired=True),
        action=ActionForm(),
    )


@bp.route("/<int:stage_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit(stage_id: int):
    """Rename a stage or change its description."""
    stage = next((s for s in stages.list_stages(True) if s.id == stage_id), None)
    if stage is None:
        abort(404)
    form = StageForm(obj=stage)
    if form.validate_on_submit():
        try:
            stages.update_stage(stage_id, form.name.data, form.description.data or "")
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash("Stage updated.")
            return redirect(url_for("stages.index"))
    return render_template("stages/edit.html", form=form, stage=stage)


@bp.post("/<int:stage_id>/move/<any(up,down):direction>")
@role_required("admin")
def move(stage_id: int, direction: str):
    """Move a stage one place earlier or later in the journey."""
    if ActionForm().validate_on_submit():
        stages.move_stage(stage_id, -1 if direction == "up" else 1)
    return redirect(url_for("stages.index"))


@bp.post("/<int:stage_id>/<any(retire,restore):action>")
@role_required("admin")
def retire(stage_id: int, action: str):
    """Retire a stage (its feedback stays) or restore it."""
    if ActionForm().validate_on_submit():
        stage = stages.set_retired(stage_id, action == "retire")
        flash(f"Stage “{stage.name}” {'retired; its feedback is kept' if stage.retired else 'restored'}.")
    return redirect(url_for("stages.index"))
