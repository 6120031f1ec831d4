"""My account: who I am, and the personal API tokens I create and revoke."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from voc.access import current_actor, role_required
from voc.forms import ActionForm, PasswordForm, TokenForm, show_errors
from voc.services import api_tokens, users
from voc.services.errors import ServiceError

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(form: TokenForm, new_token: str | None = None, password: PasswordForm | None = None):
    return render_template(
        "account/index.html",
        form=form,
        tokens=api_tokens.list_tokens(current_user.id),
        new_token=new_token,
        action=ActionForm(),
        password=password or PasswordForm(formdata=None),
    )


@bp.post("/password")
@role_required("viewer")
def change_password():
    """Change my password, proving the current one."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(
                current_user.id, form.current.data, form.new.data, form.confirm.data, current_actor()
            )
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash("Your password is changed.")
            return redirect(url_for("account.index"))
    return _page(TokenForm(formdata=None), password=form)


@bp.route("/")
@role_required("viewer")
def index():
    """My details and my API tokens."""
    return _page(TokenForm())


@bp.post("/tokens")
@role_required("viewer")
def create_token():
    """Make a token and show it once, on this response only (never in a flash, which sits in the cookie)."""
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _, token = api_tokens.create_token(current_user.id, form.name.data, current_actor())
        except ServiceError as error:
            show_errors(form, error)
        else:
            return _page(TokenForm(formdata=None), new_token=token)
    return _page(form)


@bp.post("/tokens/<int:token_id>/revoke")
@role_required("viewer")
def revoke_token(token_id: int):
    """Stop one of my tokens working."""
    if ActionForm().validate_on_submit():
        record = api_tokens.revoke_token(current_user.id, token_id, current_actor())
        flash(f"Token “{record.name}” revoked: it no longer works.")
    return redirect(url_for("account.index"))
