"""Admin: outbound webhooks, their events and their delivery record."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from voc.access import current_actor, role_required
from voc.forms import ActionForm, WebhookForm, show_errors
from voc.services import webhooks
from voc.services.errors import ServiceError

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    """Every webhook, and a form to add one (a generated secret is shown once, on this response)."""
    form = WebhookForm()
    secret = None
    if form.validate_on_submit():
        data = webhooks.WebhookInput(
            url=form.url.data, events=tuple(form.events.data), secret=form.secret.data or ""
        )
        try:
            webhook, secret = webhooks.create_webhook(data, current_user.id, current_actor())
        except ServiceError as error:
            show_errors(form, error)
        else:
            if secret is None:
                flash(f"Webhook to {webhook.url} added.")
                return redirect(url_for("webhooks.index"))
            form = WebhookForm(formdata=None)
    return render_template(
        "webhooks/index.html",
        form=form,
        webhooks=webhooks.list_webhooks(),
        secret=secret,
        action=ActionForm(),
    )


@bp.route("/<int:webhook_id>")
@role_required("admin")
def show(webhook_id: int):
    """One webhook and its latest deliveries: attempts, answers, errors and the next retry."""
    webhook = webhooks.get_webhook(webhook_id)
    return render_template(
        "webhooks/show.html",
        webhook=webhook,
        deliveries=webhooks.recent_deliveries(webhook_id),
        action=ActionForm(),
    )


@bp.post("/<int:webhook_id>/<any(pause, resume):change>")
@role_required("admin")
def toggle(webhook_id: int, change: str):
    """Pause a webhook or resume it."""
    if ActionForm().validate_on_submit():
        webhook = webhooks.set_active(webhook_id, change == "resume")
        flash(f"Webhook to {webhook.url} {'resumed' if webhook.active else 'paused'}.")
    return redirect(url_for("webhooks.show", webhook_id=webhook_id))


@bp.post("/<int:webhook_id>/delete")
@role_required("admin")
def delete(webhook_id: int):
    """Remove a webhook and its delivery record."""
    if ActionForm().validate_on_submit():
        webhooks.delete_webhook(webhook_id, current_actor())
        flash("Webhook removed.")
    return redirect(url_for("webhooks.index"))
