"""The roadmap page, its print view and its exports."""

from flask import Blueprint, Response, abort, render_template, request, url_for

from voc.access import current_actor, role_required
from voc.forms import record_number
from voc.models import HORIZONS
from voc.services import roadmap, stages
from voc.services.errors import InvalidInput

bp = Blueprint("roadmap", __name__, url_prefix="/roadmap")


def _filters() -> roadmap.RoadmapFilters:
    """Filters from the query string; unknown values mean "all", as on the feedback list."""
    horizon = request.args.get("horizon")
    return roadmap.RoadmapFilters(
        stage_id=request.args.get("stage", type=record_number),
        horizon=horizon if horizon in HORIZONS else None,
    )


def _args(filters: roadmap.RoadmapFilters) -> dict:
    return {k: v for k, v in (("stage", filters.stage_id), ("horizon", filters.horizon)) if v}


@bp.route("/")
@role_required("viewer")
def index():
    """Stages down, horizons across, hits in the cells."""
    filters = _filters()
    return render_template(
        "roadmap/index.html",
        grid=roadmap.grid(filters),
        args=_args(filters),
        filters=filters,
        stage_options=stages.stage_choices(include_retired=True, blank="All stages"),
        horizons=HORIZONS,
        formats=roadmap.FORMATS,
    )


@bp.route("/print")
@role_required("viewer")
def print_view():
    """A page laid out for the browser's print to PDF: one horizon per page."""
    filters = _filters()
    paper = "letter" if request.args.get("paper") == "letter" else "a4"
    try:
        document = roadmap.for_print(filters, current_actor())
    except InvalidInput:  # a stage that does not exist, as for the file exports
        abort(404)
    return render_template(
        "roadmap/print.html",
        roadmap=document,
        paper=paper,
        back=url_for("roadmap.index", **_args(filters)),
    )


@bp.route("/export.<fmt>")
@role_required("viewer")
def download(fmt: str):
    """The roadmap as CSV, XLSX, Markdown, JSON or Jira CSV, filtered as on screen."""
    try:
        content, mimetype, filename = roadmap.render(_filters(), fmt, current_actor())
    except InvalidInput:
        abort(404)
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
