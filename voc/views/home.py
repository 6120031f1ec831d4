"""The landing page for signed-in users: the journey dashboard."""

from flask import Blueprint, current_app, render_template, request, send_from_directory

from voc.access import public, role_required
from voc.forms import DashboardFilterForm, choices, show_errors
from voc.services import customers, dashboard
from voc.services.errors import ServiceError
from voc.vocabulary import CHANNELS

bp = Blueprint("home", __name__)


def _period(form: DashboardFilterForm) -> tuple[dashboard.Period, bool]:
    """The period the form asks for, or the default one (and True) when it asks for nonsense."""
    if not (form.period.errors or form.start.errors or form.end.errors):
        try:
            return dashboard.resolve_period(form.period.data, form.start.data, form.end.data), False
        except ServiceError as error:
            show_errors(form, error)
    return dashboard.resolve_period(dashboard.DEFAULT_PERIOD, None, None), True


def _scope(filters: dashboard.DashboardFilters, period: dashboard.Period) -> dict:
    """The feedback list's query string for the same items: period, channel and segment."""
    scope = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "channel": filters.channel,
        "segment": filters.segment,
    }
    return {key: value for key, value in scope.items() if value}


@bp.route("/")
@role_required("viewer")
def index():
    """The critical few numbers per journey stage, filtered by the query string."""
    form = DashboardFilterForm(request.args)
    form.segment.choices = choices([("", "Any segment")] + [(s, s) for s in customers.segments()])
    form.validate()
    period, fallback = _period(form)
    filters = dashboard.DashboardFilters(
        period=period,
        channel=form.channel.data if form.channel.data in CHANNELS else None,
        segment=form.segment.data or None,
    )
    board = dashboard.recent(filters, current_app.config["DASHBOARD_MAX_AGE"])
    return render_template(
        "dashboard/index.html",
        form=form,
        board=board,
        fallback=fallback,
        scope=_scope(filters, period),
        previous=_scope(filters, period.previous),
        charts={name: getattr(board, f"{name}_chart").as_json() for name in ("volume", "sentiment", "theme")},
        emerging_min=dashboard.EMERGING_MIN_ITEMS,
        emerging_growth=dashboard.EMERGING_GROWTH_PERCENT,
        daily_up_to=dashboard.DAILY_UP_TO,
        max_age=current_app.config["DASHBOARD_MAX_AGE"],
    )


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico whatever a page links, so answer it with our own icon."""
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )
