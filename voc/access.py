"""Role checks for views: every route states the least role it needs; and who is acting."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from voc.extensions import login_manager
from voc.services.audit import Actor

# All a person whose password was reset may open until they choose a new one.
PASSWORD_PAGES = ("account.index", "account.change_password", "auth.logout")


def role_required(role: str):
    """Let users with `role` or a higher one in; others get 403, anonymous users the sign-in page."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return back_to_form() or login_manager.unauthorized()
            if current_user.must_change_password and request.endpoint not in PASSWORD_PAGES:
                flash("Your password was reset: choose a new one before you go on.")
                return redirect(url_for("account.index"))
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_role = role
        return wrapper

    return decorator


UNSENT = "unsent"  # query flag on a form page: app.js puts back what the person typed


def back_to_form():
    """A same-site form sent with an expired session or stale token: back to its page to send again.

    Nothing was saved; the person signs in again if needed and lands on the page the form came from,
    where app.js restores what they typed (kept in their browser tab, never on the server). A request
    from another site (a forgery) gets None and so the usual refusal.
    """
    referrer = urlsplit(request.referrer or "")
    same_site = referrer.netloc == request.host and referrer.scheme in ("http", "https")
    if request.method != "POST" or not same_site:
        return None
    if request.endpoint == "auth.login":  # the sign-in form itself went stale: just show it again
        flash("The sign-in form had expired. Please sign in again.")
        return redirect(request.full_path)
    kept = [part for part in referrer.query.split("&") if part and not part.startswith(f"{UNSENT}=")]
    page = f"{referrer.path}?{'&'.join([*kept, f'{UNSENT}=1'])}"
    if current_user.is_authenticated:
        flash("The form had expired, so nothing was saved yet. Check what you typed and send it again.")
        return redirect(page)
    flash("Your session expired, so nothing was saved yet. Sign in again and what you typed comes back.")
    return redirect(url_for("auth.login", next=page))


def public(view):
    """Mark a view that anyone may open (sign-in page); the route test checks the mark."""
    view.required_role = None
    return view


def current_actor() -> Actor:
    """The signed-in user and their address, as the audit log records them."""
    return Actor(current_user.id if current_user.is_authenticated else None, request.remote_addr)
