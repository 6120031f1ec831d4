"""Field interviews: logging one with its quotes, and the list with field time."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from voc.access import role_required
from voc.forms import InterviewForm, PeriodForm, choices, record_number, show_errors
from voc.services import clock, customers, interviews, stages, users
from voc.services.customers import CustomerInput
from voc.services.errors import NotFound, ServiceError

bp = Blueprint("interviews", __name__, url_prefix="/interviews")


@bp.route("/")
@role_required("viewer")
def index():
    """Interviews in the chosen period and the hours spent with customers."""
    form = PeriodForm(request.args)
    form.validate()
    start = form.start.data if not form.start.errors else None
    end = form.end.data if not form.end.errors else None
    page = request.args.get("page", 1, type=record_number)
    result = interviews.list_interviews(start, end, page, current_app.config["FEEDBACK_PER_PAGE"])
    args = {name: value.isoformat() for name, value in (("start", start), ("end", end)) if value}
    return render_template("interviews/index.html", form=form, result=result, args=args)


def _input(form: InterviewForm, customer_id: int | None) -> interviews.InterviewInput:
    new_customer = None
    typed = (
        form.new_customer_name,
        form.new_customer_organisation,
        form.new_customer_segment,
        form.new_customer_email,
    )
    if customer_id is None or any((field.data or "").strip() for field in typed):
        new_customer = CustomerInput(
            name=form.new_customer_name.data or "",
            organisation=form.new_customer_organisation.data or "",
            segment=form.new_customer_segment.data or "",
            email=form.new_customer_email.data or "",
        )
    return interviews.InterviewInput(
        interviewer_id=form.interviewer_id.data,
        held_on=form.held_on.data,
        place=form.place.data,
        duration_minutes=form.duration_minutes.data,
        customer_id=customer_id,
        new_customer=new_customer,
        notes=form.notes.data or "",
        quotes=[
            interviews.QuoteInput(text=entry.form.text.data or "", stage_id=entry.form.stage.data)
            for entry in form.quotes
        ],
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("contributor")
def new():
    """Log an interview; 'add another quote' without JavaScript re-renders with one more row."""
    form = InterviewForm()
    form.interviewer_id.choices = choices((u.id, u.name) for u in users.list_users())
    stage_options = stages.stage_choices()
    if request.method == "GET":
        form.interviewer_id.data = current_user.id
        form.held_on.data = clock.today()
        _choose(form, request.args.get("customer", type=record_number))
    if form.add_quote.data:
        form.quotes.append_entry()
    for entry in form.quotes:
        entry.form.stage.choices = choices(stage_options)
    form.ensure_submission_key()
    choice = None
    if form.submit.data and form.validate_on_submit():
        try:
            customer_id = customers.pick(*form.picked(), customers.sees_contact_details(current_user))
            interview = interviews.log_interview(_input(form, customer_id), form.submission_key.data)
        except ServiceError as error:
            show_errors(form, error)
            choice = error if isinstance(error, customers.CustomerChoice) else None
        else:
            flash(f"Interview saved with {len(interview.quotes)} quotes.")
            return redirect(url_for("interviews.show", interview_id=interview.id))
    return render_template("interviews/new.html", form=form, stage_options=stage_options, choice=choice)


def _choose(form: InterviewForm, customer_id: int | None) -> None:
    """Start the picker on the customer whose page linked here (a stale link starts it empty)."""
    if customer_id is not None:
        try:
            form.customer.data = customers.label(customers.get_customer(customer_id))
        except NotFound:
            return
        form.customer_id.data = customer_id


@bp.route("/<int:interview_id>")
@role_required("viewer")
def show(interview_id: int):
    """One interview and its quotes."""
    interview = interviews.get_interview(interview_id)
    return render_template("interviews/show.html", interview=interview)
