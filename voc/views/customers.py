"""Customers: the list, their details and consents, and the 360° timeline."""

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from voc.access import current_actor, role_required
from voc.forms import CustomerForm, EraseCustomerForm, record_number, show_errors
from voc.services import customers, hits, privacy, surveys
from voc.services.errors import EmailInUse, ServiceError

bp = Blueprint("customers", __name__, url_prefix="/customers")


def _input(form: CustomerForm) -> customers.CustomerInput:
    return customers.CustomerInput(
        name=form.name.data or "",
        organisation=form.organisation.data or "",
        segment=form.segment.data or "",
        email=form.email.data or "",
        consent_quote=form.consent_quote.data,
        consent_contact=form.consent_contact.data,
        shared_email_ok=form.shared_email_ok.data,
    )


@bp.route("/")
@role_required("viewer")
def index():
    """All customers, searchable by name, organisation or (for those who may see it) e-mail."""
    query = request.args.get("q", "")[:200]
    by_email = customers.sees_contact_details(current_user)
    after = request.args.get("after", type=record_number)
    page = customers.list_customers(
        query, by_email, limit=current_app.config["CUSTOMERS_PER_PAGE"], after=after
    )
    return render_template("customers/index.html", page=page, query=query, after=after)


@bp.route("/pick")
@role_required("contributor")
def pick():
    """Customers for a picker as the person types (JSON): a few at a time, `after` the last one shown."""
    page = customers.suggest(
        request.args.get("q", "")[:200],
        customers.sees_contact_details(current_user),
        after=request.args.get("after", type=record_number),
    )
    return jsonify(
        customers=[{"id": customer.id, "label": customers.label(customer)} for customer, _ in page.rows],
        more=page.more,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("contributor")
def new():
    """Add a customer."""
    form = CustomerForm()
    existing = None
    if form.validate_on_submit():
        try:
            customer = customers.create_customer(_input(form))
        except EmailInUse as error:
            show_errors(form, error)
            existing = error.existing
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash("Customer saved.")
            return redirect(url_for("customers.show", customer_id=customer.id))
    return render_template("customers/form.html", form=form, customer=None, existing=existing)


@bp.route("/<int:customer_id>")
@role_required("viewer")
def show(customer_id: int):
    """Everything this customer told us, across channels, newest first."""
    customer = customers.get_customer(customer_id)
    entries = customers.timeline(customer_id)
    return render_template(
        "customers/show.html",
        customer=customer,
        entries=entries,
        profile=customers.profile(customer_id),
        raised=hits.raised_by(customer_id),
        loop_statuses=hits.LOOP_STATUSES,
        consents=surveys.consents_given(customer_id),
    )


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@role_required("contributor")
def edit(customer_id: int):
    """Change a customer's details or consents."""
    customer = customers.get_customer(customer_id)
    form = CustomerForm(obj=customer)
    existing = None
    if form.validate_on_submit():
        try:
            customers.update_customer(customer_id, _input(form))
        except EmailInUse as error:
            show_errors(form, error)
            existing = error.existing
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash("Customer updated.")
            return redirect(url_for("customers.show", customer_id=customer_id))
    return render_template("customers/form.html", form=form, customer=customer, existing=existing)


@bp.route("/<int:customer_id>/erase", methods=["GET", "POST"])
@role_required("admin")
def erase(customer_id: int):
    """Right to erasure: remove the customer's details and the words of all they told us."""
    customer = customers.get_customer(customer_id)
    form = EraseCustomerForm()
    if form.validate_on_submit():
        try:
            done = privacy.erase_customer(customer_id, current_actor())
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash(
                f"Customer erased: their details and the text of {done.items} feedback items "
                f"and {done.interviews} interviews are gone."
            )
            return redirect(url_for("customers.show", customer_id=customer_id))
    return render_template(
        "customers/erase.html",
        form=form,
        customer=customer,
        items=customers.feedback_count(customer_id),
    )
