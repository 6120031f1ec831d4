"""Admin: the audit log of sign-ins, exports, reveals, erasures and role changes."""

from flask import Blueprint, current_app, render_template, request

from voc.access import role_required
from voc.forms import record_number
from voc.services import audit

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@role_required("admin")
def index():
    """The log, newest first, a page at a time, optionally one action only."""
    action = request.args.get("action", "")
    action = action if action in audit.ACTIONS else ""
    events = audit.list_events(
        action or None, request.args.get("page", 1, type=record_number), current_app.config["AUDIT_PER_PAGE"]
    )
    return render_template(
        "audit/index.html",
        events=events,
        action=action,
        actions=audit.ACTIONS,
        args={"action": action} if action else {},
    )
