"""Browsing and entering feedback."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from voc import pii
from voc.access import current_actor, role_required
from voc.forms import (
    BULK_CHOICES,
    ActionForm,
    BulkFeedbackForm,
    ConfirmStageForm,
    FeedbackEditForm,
    FeedbackFilterForm,
    FeedbackForm,
    choices,
    flash_errors,
    show_errors,
)
from voc.services import (
    clock,
    corrections,
    customers,
    feedback,
    privacy,
    sentiment,
    stage_suggestions,
    stages,
    themes,
)
from voc.services.errors import NotFound, ServiceError
from voc.vocabulary import CHANNELS, SCORE_KINDS

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
PLACE = ("after", "before", "oldest", "page")  # where in the list, not what it shows ("page": old links)


def _filters() -> tuple[FeedbackFilterForm, feedback.FeedbackFilters]:
    """The list's filter form and the filters it asks for, from the query string."""
    form = FeedbackFilterForm(request.args)
    form.stage.choices = choices(
        stages.stage_choices(include_retired=True, blank="Any stage") + [("none", "No stage")]
    )
    form.suggested.choices = choices(stages.stage_choices(blank="Any or none"))
    form.segment.choices = choices([("", "Any segment")] + [(s, s) for s in customers.segments()])
    form.theme.choices = choices([("", "Any theme")] + themes.theme_choices())
    spoken = feedback.languages()
    form.language.choices = choices([("", "Any language")] + spoken)
    form.validate()
    stage = form.stage.data if not form.stage.errors else None
    return form, feedback.FeedbackFilters(
        channel=form.channel.data if form.channel.data in CHANNELS else None,
        stage_id=stage if isinstance(stage, int) else None,
        unstaged=stage == "none",
        customer_id=form.customer.data if not form.customer.errors else None,
        customer_text=form.who.data or "",
        by_email=customers.sees_contact_details(current_user),
        start=form.start.data if not form.start.errors else None,
        end=form.end.data if not form.end.errors else None,
        text=form.q.data or "",
        segment=form.segment.data or None,
        negative=form.sentiment.data == "negative",
        theme_id=form.theme.data if not form.theme.errors else None,
        score_kind=form.score.data if form.score.data in SCORE_KINDS else None,
        suggested_stage_id=form.suggested.data if not form.suggested.errors else None,
        language=form.language.data if form.language.data in dict(spoken) else None,
        survey_id=form.survey.data if not form.survey.errors else None,
    )


@bp.route("/")
@role_required("viewer")
def index():
    """Newest feedback first, filtered by the query string; contributors and above act on many."""
    form, filters = _filters()
    page = feedback.feedback_page(
        filters,
        current_app.config["FEEDBACK_PER_PAGE"],
        after=feedback.Cursor.parse(request.args.get("after")),
        before=feedback.Cursor.parse(request.args.get("before")),
        oldest=request.args.get("oldest") == "1",
    )
    args = {k: v for k, v in request.args.items() if k not in PLACE and v}
    try:
        chosen = customers.get_customer(filters.customer_id) if filters.customer_id else None
    except NotFound:
        chosen = None  # a stale link: the list says no feedback matches
    everyone = {k: v for k, v in args.items() if k != "customer"}
    suggested = stage_suggestions.open_count(filters) if current_user.has_role("triager") else None
    return render_template(
        "feedback/index.html",
        form=form,
        page=page,
        args=args,
        chosen=chosen,
        everyone=everyone,
        suggested=suggested,
        action=ActionForm(),
        bulk=_bulk_form() if current_user.has_role("contributor") else None,
    )


def _bulk_form() -> BulkFeedbackForm:
    """The bulk actions form with the actions this user may take and the values to choose from."""
    form = BulkFeedbackForm(prefix="bulk")  # the filter form above has its own stage and theme fields
    form.action.choices = choices(
        (action, label)
        for action, label in BULK_CHOICES
        if current_user.has_role(corrections.BULK_ROLES[action])
    )
    form.stage.choices = choices(stages.stage_choices(blank="No stage"))
    form.theme.choices = choices([("", "Unthemed")] + themes.theme_choices())
    return form


@bp.post("/bulk")
@role_required("contributor")
def bulk():
    """Set the stage, customer or theme of the ticked (or all filtered) items, or delete them."""
    form = _bulk_form()
    _, filters = _filters()  # the list's filters ride along in the query string
    if form.validate_on_submit():
        selection = filters if form.scope.data == "filtered" else form.ids.data or []
        value = {"stage": form.stage.data, "customer": form.customer.data, "theme": form.theme.data}.get(
            form.action.data
        )
        try:
            count = corrections.bulk_change(
                selection, form.action.data, value, current_actor(), current_user.has_role
            )
        except ServiceError as error:
            flash_errors(error)
        else:
            label = dict(BULK_CHOICES)[form.action.data].lower()
            flash(f"Done: {label} for {count:,} item{'' if count == 1 else 's'}.")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("feedback.index", **request.args))


@bp.route("/<int:feedback_id>/edit", methods=["GET", "POST"])
@role_required("contributor")
def edit(feedback_id: int):
    """Correct an item after the fact; triagers and admins may also correct its words."""
    item = feedback.get_feedback(feedback_id)
    may_edit_text = current_user.has_role("triager") and item.erased_at is None
    form = FeedbackEditForm(obj=item)
    form.stage_id.choices = choices(stages.stage_choices(include_retired=True))
    if not form.customer.raw_data:  # the form as stored, not the item's customer record
        form.customer.data = customers.label(item.customer) if item.customer else ""
    choice = None
    if form.validate_on_submit():
        try:
            customer_id = customers.pick(*form.picked(), customers.sees_contact_details(current_user))
            change = corrections.FeedbackEdit(
                channel=form.channel.data,
                received_on=form.received_on.data,
                customer_id=customer_id,
                stage_id=form.stage_id.data,
                score=form.score.data,
                score_kind=form.score_kind.data or None,
                text=form.text.data if may_edit_text else None,
            )
            corrections.edit_feedback(feedback_id, change, current_actor(), may_edit_text)
        except ServiceError as error:
            show_errors(form, error)
            choice = error if isinstance(error, customers.CustomerChoice) else None
        else:
            flash("Feedback updated.")
            return redirect(url_for("feedback.show", feedback_id=feedback_id))
    response = current_app.make_response(
        render_template(
            "feedback/edit.html",
            form=form,
            item=item,
            may_edit_text=may_edit_text,
            choice=choice,
        )
    )
    if may_edit_text and pii.find(item.text):
        # The words to correct are the real ones, so opening them is a reveal: logged, never cached.
        if request.method == "GET":
            privacy.reveal(feedback_id, current_actor())
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:feedback_id>/delete")
@role_required("admin")
def delete(feedback_id: int):
    """Remove an item for good, with its evidence links; the deletion is in the audit log."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("feedback.show", feedback_id=feedback_id))
    removed = corrections.delete_feedback(feedback_id, current_actor())
    flash(
        f"Feedback #{feedback_id} deleted"
        f"{f', and taken off {removed.evidence_links} hit(s)' if removed.evidence_links else ''}."
    )
    return redirect(url_for("feedback.index"))


@bp.post("/accept-stages")
@role_required("triager")
def accept_stages():
    """Confirm the suggested stage of every unstaged item the list's filters (query string) match."""
    args = {k: v for k, v in request.args.items() if v}
    if ActionForm().validate_on_submit():
        done = stage_suggestions.accept_filtered(_filters()[1], current_actor())
        flash(f"Suggested stage confirmed on {done} item{'' if done == 1 else 's'}.")
    return redirect(url_for("feedback.index", **args))


@bp.route("/new", methods=["GET", "POST"])
@role_required("contributor")
def new():
    """Type in one piece of feedback."""
    form = FeedbackForm()
    form.stage_id.choices = choices(stages.stage_choices())
    if request.method == "GET":
        form.received_on.data = clock.today()
    form.ensure_submission_key()
    choice = None
    if form.validate_on_submit():
        try:
            data = feedback.FeedbackInput(
                text=form.text.data,
                channel=form.channel.data,
                received_on=form.received_on.data,
                source=form.source.data or "",
                external_id=form.external_id.data or "",
                customer_id=customers.pick(*form.picked(), customers.sees_contact_details(current_user)),
                stage_id=form.stage_id.data,
                score=form.score.data,
                score_kind=form.score_kind.data or None,
            )
            item = feedback.create_feedback(data, current_user.id, form.submission_key.data)
        except ServiceError as error:
            show_errors(form, error)
            choice = error if isinstance(error, customers.CustomerChoice) else None
        else:
            flash("Feedback saved.")
            return redirect(url_for("feedback.show", feedback_id=item.id))
    return render_template("feedback/new.html", form=form, choice=choice)


@bp.route("/<int:feedback_id>")
@role_required("viewer")
def show(feedback_id: int):
    """One item in full."""
    item = feedback.get_feedback(feedback_id)
    return render_template(
        "feedback/show.html",
        item=item,
        masked=bool(pii.find(item.text)),
        revealed=False,
        action=ActionForm(),
        sentiment_from=sentiment.describe(item),
        confirm=_confirm_form(item),
    )


def _confirm_form(item) -> ConfirmStageForm:
    """The stage picker of an unstaged item, offering the active stages."""
    form = ConfirmStageForm()
    form.stage.choices = choices(stages.stage_choices(blank="— choose —"))
    return form


@bp.post("/<int:feedback_id>/stage")
@role_required("triager")
def confirm_stage(feedback_id: int):
    """Accept the item's suggested stage (no stage chosen) or correct it to the chosen one."""
    form = ConfirmStageForm()
    if form.validate_on_submit():
        try:
            item = stage_suggestions.accept_item(feedback_id, current_actor(), form.stage.data)
        except ServiceError as error:
            flash_errors(error)
        else:
            flash(f"Stage set to {item.stage.name}.")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("feedback.show", feedback_id=feedback_id))


@bp.post("/<int:feedback_id>/reveal")
@role_required("triager")
def reveal(feedback_id: int):
    """Show the item's text unmasked, once, on this response only; the reveal is logged."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("feedback.show", feedback_id=feedback_id))
    item = privacy.reveal(feedback_id, current_actor())
    response = current_app.make_response(
        render_template(
            "feedback/show.html",
            item=item,
            masked=True,
            revealed=True,
            action=ActionForm(),
            sentiment_from=sentiment.describe(item),
            confirm=_confirm_form(item),
        )
    )
    response.headers["Cache-Control"] = "no-store"  # revealed words must not linger in caches
    return response
