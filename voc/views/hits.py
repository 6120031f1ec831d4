"""The hit list: triage inbox, board, matrix, one hit with its evidence, history and closed loop."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from voc.access import role_required
from voc.forms import (
    ActionForm,
    DismissForm,
    EvidenceForm,
    FollowUpForm,
    HitFilterForm,
    HitForm,
    HitStatusForm,
    MoveHitForm,
    choices,
    flash_errors,
    record_number,
    show_errors,
)
from voc.models import HIT_KINDS, HIT_STATUSES, HORIZONS
from voc.services import clock, hits, impact, stages, triage, users
from voc.services.errors import ServiceError, StaleEdit

bp = Blueprint("hits", __name__, url_prefix="/hits")


def _filters() -> tuple[HitFilterForm, hits.BoardFilters]:
    """The board's filter form from the query string, and the filters it stands for."""
    form = HitFilterForm(request.args)
    form.stage.choices = choices(stages.stage_choices(include_retired=True, blank="Any stage"))
    form.owner.choices = choices([("", "Any owner")] + [(u.id, u.name) for u in users.list_users()])
    form.validate()
    return form, hits.BoardFilters(
        stage_id=form.stage.data if not form.stage.errors else None,
        owner_id=form.owner.data if not form.owner.errors else None,
        status=form.status.data if form.status.data in HIT_STATUSES else None,
        kind=form.kind.data if form.kind.data in HIT_KINDS else None,
    )


@bp.route("/")
@role_required("viewer")
def board():
    """The hit list in horizon columns, each by RICE score."""
    form, filters = _filters()
    return render_template(
        "hits/board.html",
        form=form,
        columns=hits.board(filters),
        move=MoveHitForm(),
        horizons=HORIZONS,
        args={k: v for k, v in request.args.items() if v},
    )


@bp.route("/matrix")
@role_required("viewer")
def matrix():
    """The same hits on the impact/effort matrix."""
    form, filters = _filters()
    return render_template(
        "hits/matrix.html",
        form=form,
        cells=hits.matrix(filters),
        args={k: v for k, v in request.args.items() if v},
    )


def _inbox(failed: DismissForm | None = None):
    """The inbox page; a refused dismissal comes back with its error next to its row."""
    return render_template(
        "hits/inbox.html",
        themes=triage.theme_candidates(),
        impacts=impact.theme_impacts(),
        items=triage.item_candidates(),
        dismissed=triage.dismissals(),
        open_hits=hits.open_hit_choices(),
        failed=failed,
        action=ActionForm(),
        covered_percent=triage.COVERED_PERCENT,
    )


@bp.route("/inbox")
@role_required("viewer")
def inbox():
    """Themes and unthemed items no hit covers yet, strongest evidence first."""
    return _inbox()


@bp.post("/inbox/dismiss")
@role_required("triager")
def dismiss():
    """Set a theme or item aside as not a pain point, with the reason."""
    form = DismissForm()
    if form.validate_on_submit():
        try:
            triage.dismiss(current_user.id, form.reason.data or "", form.theme.data, form.feedback.data)
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash("Set aside as not a pain point; restore it below if that was wrong.")
            return redirect(url_for("hits.inbox"))
    return _inbox(failed=form)


@bp.post("/inbox/restore/<int:decision_id>")
@role_required("triager")
def restore(decision_id: int):
    """Bring a dismissed theme or item back into the inbox."""
    if ActionForm().validate_on_submit():
        triage.restore(decision_id, current_user.id)
        flash("Back in the inbox.")
    return redirect(url_for("hits.inbox"))


def _choose_people(form: HitForm) -> None:
    form.stage_id.choices = choices(stages.stage_choices(blank="— choose a stage —"))
    form.owner_id.choices = choices([("", "— nobody yet —")] + [(u.id, u.name) for u in users.list_users()])


def _input(form: HitForm) -> hits.HitInput:
    return hits.HitInput(
        title=form.title.data or "",
        problem=form.problem.data or "",
        stage_id=form.stage_id.data,
        horizon=form.horizon.data,
        kind=form.kind.data,
        owner_id=form.owner_id.data,
        target_date=form.target_date.data,
        reach=form.reach.data,
        impact=form.impact.data,
        confidence=form.confidence.data,
        effort=form.effort.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("triager")
def new():
    """A new hit, pre-filled from a theme (?theme=) or an item (?feedback=) when one is given."""
    theme_id = request.args.get("theme", type=record_number)
    feedback_id = request.args.get("feedback", type=record_number)
    draft = (
        triage.theme_draft(theme_id)
        if theme_id
        else triage.feedback_draft(feedback_id)
        if feedback_id
        else None
    )
    form = HitForm()
    _choose_people(form)
    if request.method == "GET":
        form.horizon.data, form.kind.data, form.owner_id.data = "this month", "quick fix", current_user.id
        form.impact.data, form.confidence.data, form.effort.data = 3, 80, 1
        if draft:
            form.title.data, form.problem.data = draft.title, draft.problem
            form.stage_id.data = draft.stage_id
    if form.validate_on_submit():
        try:
            hit = hits.create_hit(
                _input(form),
                current_user.id,
                draft.theme_ids if draft else (),
                draft.feedback_ids if draft else (),
            )
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash(f"“{hit.title}” is on the hit list, proposed.")
            return redirect(url_for("hits.show", hit_id=hit.id))
    return render_template("hits/form.html", form=form, hit=None, draft=draft, conflict=None)


@bp.route("/<int:hit_id>/edit", methods=["GET", "POST"])
@role_required("triager")
def edit(hit_id: int):
    """Change a hit; a save from a form someone else has overtaken is refused and explained."""
    hit = hits.get_hit(hit_id)
    form = HitForm(obj=hit)
    _choose_people(form)
    conflict = None
    if form.validate_on_submit():
        try:
            hits.update_hit(hit_id, _input(form), form.version.data, current_user.id)
        except StaleEdit as error:
            show_errors(form, error)
            conflict = error.changes
            form.version.data = hits.get_hit(hit_id).version  # saving again is now a choice made knowingly
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash("Hit saved.")
            return redirect(url_for("hits.show", hit_id=hit_id))
    return render_template("hits/form.html", form=form, hit=hit, draft=None, conflict=conflict)


def _show(hit_id: int, status_form=None, follow_up_form=None, conflict=None):
    """The hit page; failed status or follow-up forms come back with their errors."""
    hit = hits.get_hit(hit_id)
    evidence = hits.evidence(hit_id)
    if status_form is None:
        status_form = HitStatusForm(formdata=None, version=hit.version)
    status_form.status.choices = choices((s, s.capitalize()) for s in hits.next_statuses(hit.status))
    closing = hits.loop(hit) if hit.status in hits.LOOP_STATUSES else None
    if follow_up_form is None:
        # "Follow up" on a customer's page arrives with ?customer=<id>, so the form starts on them.
        follow_up_form = FollowUpForm(
            formdata=None, held_on=clock.today(), customer_id=request.args.get("customer", type=record_number)
        )
    if closing is not None:
        people = [
            (row.customer.id, row.customer.name + ("" if row.customer.consent_contact else " (no contact)"))
            for row in closing.rows
        ]
        follow_up_form.customer_id.choices = choices([("", "— choose a customer —"), *people])
    return render_template(
        "hits/show.html",
        hit=hit,
        evidence=evidence,
        rice=hits.rice(hit, evidence.customers),
        size=hits.size(hit.horizon),
        suggestion=hits.suggest_size(hit.effort),
        quadrant=hits.quadrant(hit.impact, hit.effort),
        weeks=hits.weeks(hit.effort),
        closing=closing,
        status_form=status_form,
        follow_up_form=follow_up_form,
        conflict=conflict,
        action=ActionForm(),
    )


@bp.route("/<int:hit_id>")
@role_required("viewer")
def show(hit_id: int):
    """One hit: priority, live evidence and quotes, history, and who to get back to."""
    return _show(hit_id)


@bp.post("/<int:hit_id>/move")
@role_required("triager")
def move(hit_id: int):
    """Move a hit to another horizon from the board, without drag and drop."""
    form = MoveHitForm()
    if form.validate_on_submit():
        try:
            hit = hits.move_hit(hit_id, form.horizon.data, form.version.data, current_user.id)
        except ServiceError as error:
            flash_errors(error)
        else:
            flash(f"“{hit.title}” moved to {hit.horizon}.")
    return redirect(url_for("hits.board", **request.args))


@bp.post("/<int:hit_id>/status")
@role_required("triager")
def status(hit_id: int):
    """Move a hit along its status flow, or drop it with a reason."""
    hits.get_hit(hit_id)
    form = HitStatusForm()
    conflict = None
    if form.validate_on_submit():
        try:
            hit = hits.set_status(
                hit_id, form.status.data, form.reason.data or "", form.version.data, current_user.id
            )
        except StaleEdit as error:
            show_errors(form, error)
            conflict = error.changes
            form.version.data = hits.get_hit(hit_id).version
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash(f"“{hit.title}” is now {hit.status}.")
            return redirect(url_for("hits.show", hit_id=hit_id))
    return _show(hit_id, status_form=form, conflict=conflict)


@bp.post("/evidence")
@role_required("triager")
def add_evidence():
    """Add a theme or an item to an existing hit."""
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            hit = hits.add_evidence(form.hit.data, current_user.id, form.theme.data, form.feedback.data)
        except ServiceError as error:
            flash_errors(error)
        else:
            flash(f"Added to the evidence for “{hit.title}”.")
            return redirect(url_for("hits.show", hit_id=hit.id))
    return redirect(url_for("hits.inbox"))


@bp.post("/<int:hit_id>/evidence/remove")
@role_required("triager")
def remove_evidence(hit_id: int):
    """Take a theme or an item off a hit's evidence."""
    form = EvidenceForm()
    if form.validate_on_submit():
        try:
            hits.remove_evidence(hit_id, current_user.id, form.theme.data, form.feedback.data)
        except ServiceError as error:
            flash_errors(error)
        else:
            flash("Removed from the evidence.")
    return redirect(url_for("hits.show", hit_id=hit_id))


@bp.post("/<int:hit_id>/follow-ups")
@role_required("contributor")
def follow_up(hit_id: int):
    """Record a personal follow-up with a customer who raised a done hit."""
    hits.get_hit(hit_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        data = hits.FollowUpInput(
            customer_id=form.customer_id.data,
            method=form.method.data,
            held_on=form.held_on.data,
            note=form.note.data or "",
        )
        try:
            done = hits.record_follow_up(hit_id, data, current_user.id)
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash(f"Follow-up with {done.customer.name} recorded.")
            return redirect(url_for("hits.show", hit_id=hit_id, _anchor="loop"))
    return _show(hit_id, follow_up_form=form)
