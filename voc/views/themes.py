"""Themes: the ranked list, runs with their progress, and staff edits."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from voc.access import current_actor, role_required
from voc.forms import (
    ActionForm,
    MergeThemeForm,
    MoveItemForm,
    MoveItemsForm,
    RenameThemeForm,
    SplitThemeForm,
    ThemeRunForm,
    choices,
    flash_errors,
    record_number,
    show_errors,
)
from voc.services import hits, impact, stage_suggestions, themes
from voc.services.errors import InvalidInput, ServiceError

bp = Blueprint("themes", __name__, url_prefix="/themes")


@bp.route("/")
@role_required("viewer")
def index():
    """Themes ranked by evidence under their parents (or by drag on NPS and CSAT), the latest run, a form."""
    return _index(ThemeRunForm())


def _index(form: ThemeRunForm):
    """The themes page; a refused run request comes back with its errors on its fields."""
    groups, impacts = themes.grouped_themes(themes.ranked_themes()), impact.theme_impacts()
    by_impact = request.args.get("sort") == "impact"
    if by_impact:
        impact.sort_by_drag(groups, impacts)
    spoken, unread = themes.languages_read()
    return render_template(
        "themes/index.html",
        groups=groups,
        run=themes.latest_run(),
        impacts=impacts,
        by_impact=by_impact,
        form=form,
        unthemed=themes.theme_items(None, 1, 1).total,
        model_problem=themes.model_problem(),
        spoken=spoken,
        unread=unread,
        by_language=themes.by_language(groups),
        similar=themes.similar_themes() if current_user.has_role("triager") else [],
        action=ActionForm(),
    )


@bp.post("/runs")
@role_required("triager")
def start_run():
    """Start a run in the background and show its progress."""
    form = ThemeRunForm()
    if not form.validate_on_submit():
        return _index(form)
    try:
        run = themes.request_run(current_user.id, form.k.data, form.stop_words.data or "")
    except ServiceError as error:
        show_errors(form, error)
        return _index(form)
    return redirect(url_for("themes.run", run_id=run.id))


@bp.post("/runs/<int:run_id>/retry")
@role_required("triager")
def retry_run(run_id: int):
    """Start a failed run again with its settings."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("themes.run", run_id=run_id))
    try:
        run = themes.retry_run(run_id, current_user.id)
    except InvalidInput as error:  # a missing run is NotFound: the 404 page
        flash(str(error), "error")
        return redirect(url_for("themes.run", run_id=run_id))
    flash(f"Run #{run_id} is being tried again as run #{run.id}.")
    return redirect(url_for("themes.run", run_id=run.id))


@bp.route("/runs/")
@role_required("viewer")
def runs():
    """Every run: when, by whom, settings, counts, duration and quality."""
    return render_template("themes/runs.html", runs=themes.list_runs())


@bp.route("/runs/<int:run_id>")
@role_required("viewer")
def run(run_id: int):
    """One run; the page refreshes itself until the run ends."""
    return render_template("themes/run.html", run=themes.get_run(run_id), action=ActionForm())


@bp.route("/<int:theme_id>")
@role_required("viewer")
def show(theme_id: int):
    """A theme's label, keywords, quotes and every item with why it is here; a parent's, its themes."""
    return _page(theme_id)


def _page(theme_id: int, **failed):
    """The theme page; a refused rename, merge or split comes back with its errors on its fields."""
    theme = themes.get_theme(theme_id)
    open_hits = hits.open_hit_choices() if current_user.has_role("triager") else []
    if theme.is_parent:
        return render_template(
            "themes/parent.html",
            theme=theme,
            group=themes.parent_group(theme),
            quotes=themes.theme_quotes(theme),
            action=ActionForm(),
            rename=failed.get("rename") or RenameThemeForm(name=theme.title),
            open_hits=open_hits,
        )
    items = themes.theme_items(
        theme_id, request.args.get("page", 1, type=record_number), current_app.config["FEEDBACK_PER_PAGE"]
    )
    forms = {
        "rename": RenameThemeForm(name=theme.title),
        "merge": MergeThemeForm(),
        "split": SplitThemeForm(),
        "move": MoveItemsForm(),
        **failed,
    }
    if current_user.has_role("triager"):  # only triagers see the pickers; a viewer's page skips the query
        others = [(i, title) for i, title in themes.theme_choices() if i != theme_id]
        # Both start on an empty choice, so one careless click neither merges nor moves anything.
        forms["merge"].into.choices = choices([("", "Choose a theme…")] + others)
        forms["move"].theme.choices = choices([("", "Choose a theme…"), ("unthemed", "Unthemed")] + others)
    ticked = set(forms["move"].item_ids.data or []) | set(forms["split"].item_ids.data or [])
    return render_template(
        "themes/show.html",
        theme=theme,
        quotes=themes.theme_quotes(theme),
        items=items,
        action=ActionForm(),
        open_hits=open_hits,
        ticked=ticked,
        **forms,
        suggested=stage_suggestions.open_count_for_theme(theme_id) if current_user.has_role("triager") else 0,
    )


@bp.route("/unthemed")
@role_required("viewer")
def unthemed():
    """Items far from every theme."""
    items = themes.theme_items(
        None, request.args.get("page", 1, type=record_number), current_app.config["FEEDBACK_PER_PAGE"]
    )
    move = MoveItemForm()
    move.theme.choices = choices([("", "Unthemed")] + themes.theme_choices())
    return render_template("themes/unthemed.html", items=items, move=move)


def _edit(theme_id: int, form, change, success: str, name: str = ""):
    """Shared POST handling: validate, apply one service call, flash and go back to the theme.

    A refusal shows the theme page again with the form `name` as sent and its errors on its fields.
    """
    themes.get_theme(theme_id)
    if form.validate_on_submit():
        try:
            target = change(form)
        except ServiceError as error:
            show_errors(form, error)
        else:
            flash(success)
            return redirect(url_for("themes.show", theme_id=target.id))
    if name:
        return _page(theme_id, **{name: form})
    errors = [*form.form_errors, *(e for f in form for e in f.errors)]
    flash(" ".join(errors) or "That did not work; reload the page and try again.", "error")
    return redirect(url_for("themes.show", theme_id=theme_id))


@bp.post("/<int:theme_id>/rename")
@role_required("triager")
def rename(theme_id: int):
    """Name a theme in the team's words."""
    return _edit(
        theme_id,
        RenameThemeForm(),
        lambda f: themes.rename_theme(theme_id, f.name.data),
        "Theme renamed; re-runs keep the name.",
        "rename",
    )


@bp.post("/<int:theme_id>/merge")
@role_required("triager")
def merge(theme_id: int):
    """Merge this theme into another, once a page naming both themes and their sizes is confirmed."""
    themes.get_theme(theme_id)  # a missing theme is a 404; a missing target, an error on the form
    form = MergeThemeForm()
    if form.validate_on_submit() and form.confirmed.data != "yes":
        try:
            source, target = themes.merge_pair(theme_id, form.into.data)
        except ServiceError as error:
            show_errors(form, error)
            return _page(theme_id, merge=form)
        return render_template("themes/merge.html", source=source, target=target, form=form)
    return _edit(
        theme_id,
        form,
        lambda f: themes.merge_themes(theme_id, f.into.data),
        "Themes merged; the items are pinned to the theme they went to.",
        "merge",
    )


@bp.post("/<int:theme_id>/move")
@role_required("triager")
def move_items(theme_id: int):
    """Move every ticked item of this theme to one other theme (or unthemed), pinned there."""
    themes.get_theme(theme_id)
    form = MoveItemsForm()
    if form.validate_on_submit():
        try:
            moved = themes.move_items(theme_id, form.item_ids.data or [], form.theme.data)
        except ServiceError as error:
            show_errors(form, error)
        else:
            where = f"“{themes.get_theme(form.theme.data).title}”" if form.theme.data else "Unthemed"
            flash(f"{moved} item{'' if moved == 1 else 's'} moved to {where} and pinned there.")
            return redirect(url_for("themes.show", theme_id=theme_id))
    return _page(theme_id, move=form)


@bp.post("/<int:theme_id>/split")
@role_required("triager")
def split(theme_id: int):
    """Split the ticked items off into a new theme."""
    return _edit(
        theme_id,
        SplitThemeForm(),
        lambda f: themes.split_theme(theme_id, f.item_ids.data or [], f.name.data or ""),
        "New theme made from the chosen items; they are pinned to it.",
        "split",
    )


@bp.post("/<int:theme_id>/accept-stages")
@role_required("triager")
def accept_stages(theme_id: int):
    """Confirm the suggested stage of every unstaged item in the theme."""
    themes.get_theme(theme_id)
    if ActionForm().validate_on_submit():
        done = stage_suggestions.accept_theme(theme_id, current_actor())
        flash(f"Suggested stage confirmed on {done} item{'' if done == 1 else 's'}.")
    return redirect(url_for("themes.show", theme_id=theme_id))


@bp.post("/<int:theme_id>/<any(noise,signal):mark>")
@role_required("triager")
def noise(theme_id: int, mark: str):
    """Mark a theme as noise, or back as a real theme."""
    return _edit(
        theme_id,
        ActionForm(),
        lambda f: themes.set_noise(theme_id, mark == "noise"),
        "Marked as noise." if mark == "noise" else "Back among the themes.",
    )


@bp.post("/items/<int:feedback_id>/move")
@role_required("triager")
def move_item(feedback_id: int):
    """Move one item to another theme and pin it there."""
    form = MoveItemForm()
    if form.validate_on_submit():
        try:
            item = themes.move_item(feedback_id, form.theme.data)
        except ServiceError as error:
            flash_errors(error)
        else:
            flash("Item moved and pinned.")
            if item.theme_id:
                return redirect(url_for("themes.show", theme_id=item.theme_id))
    return redirect(url_for("themes.unthemed"))
