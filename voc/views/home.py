"""The landing page for signed-in users."""
from flask import Blueprint, redirect, url_for

from voc.access import role_required

bp = Blueprint("home", __name__)


@bp.route("/")
@role_required("viewer")
def index():
    """Start where the evidence is: the feedback list."""
    return redirect(url_for("feedback.index"))
