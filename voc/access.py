"""Role checks for views: every route states the least role it needs; and who is acting."""
from functools import wraps

from flask import abort, request
from flask_login import current_user

from voc.extensions import login_manager
from voc.services.audit import Actor


def role_required(role: str):
    """Let users with `role` or a higher one in; others get 403, anonymous users the sign-in page."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_role = role
        return wrapper

    return decorator


def public(view):
    """Mark a view that anyone may open (sign-in page); the route test checks the mark."""
    view.required_role = None
    return view


def current_actor() -> Actor:
    """The signed-in user and their address, as the audit log records them."""
    return Actor(current_user.id if current_user.is_authenticated else None, request.remote_addr)
