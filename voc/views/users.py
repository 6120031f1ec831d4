"""Admin: staff accounts and roles."""

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from voc.access import current_actor, role_required
from voc.forms import ActionForm, RoleForm, UserForm, flash_errors, show_errors
from voc.services import users
from voc.services.errors import ServiceError

bp = Blueprint("users", __name__, url_prefix="/users")


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    """Everyone who can sign in, and a form to add someone (their password is shown once)."""
    form = UserForm()
    if form.validate_on_submit():
        try:
            user, password = users.create_user(
                form.email.data, form.role.data, form.name.data or "", actor=current_actor()
            )
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash(f"{user.email} can now sign in with the password {password} — it is shown only once.")
            return redirect(url_for("users.index"))
    return _page(form)


def _page(form: UserForm, reset: tuple | None = None):
    return render_template(
        "users/index.html",
        form=form,
        users=users.list_users(),
        role_form=RoleForm(),
        locked=users.locked_accounts(),
        action=ActionForm(),
        reset=reset,
    )


@bp.post("/<int:user_id>/reset-password")
@role_required("admin")
def reset_password(user_id: int):
    """Give someone a one-time password, shown once on this response only; they must replace it."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("users.index"))
    reset = users.force_reset(user_id, current_actor())
    response = current_app.make_response(_page(UserForm(formdata=None), reset=reset))
    response.headers["Cache-Control"] = "no-store"  # the password must not linger in caches
    return response


@bp.post("/<int:user_id>/role")
@role_required("admin")
def role(user_id: int):
    """Change one user's role."""
    form = RoleForm()
    if form.validate_on_submit():
        try:
            user = users.set_role(user_id, form.role.data, current_user.id)
        except ServiceError as error:
            flash_errors(error)
        else:
            flash(f"{user.email} is now {user.role}.")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/unlock")
@role_required("admin")
def unlock(user_id: int):
    """Let someone locked out after failed sign-ins try again now."""
    if ActionForm().validate_on_submit():
        user = users.unlock(user_id, current_actor())
        flash(f"{user.email} can sign in again.")
    return redirect(url_for("users.index"))
