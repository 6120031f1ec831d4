"""Signing in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from voc.access import public, role_required
from voc.forms import ActionForm, LoginForm, show_errors
from voc.services import users
from voc.services.errors import ServiceError

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow same-site relative paths after sign-in."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """The sign-in form; someone already signed in goes on to where they were heading."""
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        config = current_app.config
        limits = users.LoginLimits(
            per_account=config["LOGIN_MAX_FAILURES"],
            per_ip=config["LOGIN_MAX_FAILURES_PER_IP"],
            minutes=config["LOGIN_LOCK_MINUTES"],
        )
        try:
            user = users.sign_in(form.email.data, form.password.data, request.remote_addr, limits)
        except ServiceError as error:
            show_errors(form, error)
        else:
            session.permanent = True  # expires PERMANENT_SESSION_LIFETIME after the latest request
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@role_required("viewer")
def logout():
    """Sign out (a POST, so other sites cannot sign people out)."""
    if ActionForm().validate_on_submit():
        logout_user()
        flash("You are signed out.")
    return redirect(url_for("auth.login"))
