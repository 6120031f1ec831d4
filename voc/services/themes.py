"""Theme discovery runs, stable themes across re-runs, and staff edits that re-runs keep."""
import dataclasses
import datetime as dt
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import joinedload

from voc import jobs
from voc.extensions import db
from voc.models import Feedback, Stage, Theme, ThemeRun, utcnow
from voc.services import clock, sentiment, stage_suggestions, webhooks
from voc.services.errors import InvalidInput, NotFound
from voc.themes import ThemeSettings, discover, match_themes, stored

TREND_DAYS = 30
# Fitted model per run id, loaded once per process: (model, theme ids), or the StaleModel that refused it.
_models: dict[int, object] = {}


@dataclass(frozen=True)
class ThemeEvidence:
    """What the themes page ranks by."""

    theme: Theme
    items: int
    customers: int
    sentiment: float | None
    recent: int  # items in the last 30 days
    previous: int  # items in the 30 days before that
    channels: dict[str, int]
    stages: list[tuple[str, int]]  # in journey order

    @property
    def trend(self) -> int:
        return self.recent - self.previous


@dataclass(frozen=True)
class ThemeGroup:
    """One line of the themes page: a parent over its children's evidence, or a theme no parent holds."""

    evidence: ThemeEvidence
    children: list[ThemeEvidence]  # empty for a theme no parent holds


# ----- runs -----------------------------------------------------------------------------


def _new_run(user_id: int | None, k: int | None, stop_words: str) -> ThemeRun:
    """Record a queued run, refusing a second one while another is going."""
    words = sorted({w.strip().lower() for w in stop_words.split(",") if w.strip()})
    running = db.session.scalar(
        select(ThemeRun.id).where(ThemeRun.status.in_(("queued", "running")))
    )
    if running:
        raise InvalidInput(("k", f"Run #{running} is still going; wait for it to finish."))
    run = ThemeRun(requested_by_id=user_id, settings={"k": k, "stop_words": words, "seed": 0})
    db.session.add(run)
    db.session.commit()
    return run


def request_run(user_id: int | None, k: int | None = None, stop_words: str = "") -> ThemeRun:
    """Record a run and start it in the background (thread, or the Redis queue when configured)."""
    run = _new_run(user_id, k, stop_words)
    jobs.enqueue("voc.services.themes:execute_run", run.id)
    return run


def run_now(user_id: int | None, k: int | None = None, stop_words: str = "") -> ThemeRun:
    """Record a run and do it in this process (the CLI and the demo loader)."""
    return execute_run(_new_run(user_id, k, stop_words).id)


def _progress(run: ThemeRun, percent: int, message: str) -> None:
    run.progress, run.message = percent, message
    db.session.commit()


def execute_run(run_id: int) -> ThemeRun:
    """Cluster every item, match the clusters to existing themes, and store the outcome."""
    run = db.session.get(ThemeRun, run_id)
    started = time.perf_counter()
    run.status = "running"
    _progress(run, 5, "Reading feedback")
    try:
        sentiment.relearn(run)
        rows = db.session.execute(
            # Erased items keep their theme: their words are gone, their count stays.
            select(Feedback.id, Feedback.text, Feedback.theme_id, Feedback.theme_pinned)
            .where(Feedback.erased_at.is_(None))
            .order_by(Feedback.id)
        ).all()
        _progress(run, 15, f"Clustering {len(rows):,} items")
        settings = ThemeSettings(
            k=run.settings.get("k"),
            seed=run.settings.get("seed", 0),
            extra_stop_words=tuple(run.settings.get("stop_words", ())),
            keep_apart=_edited_groups(rows),
        )
        result = discover([r.text for r in rows], settings)
        _progress(run, 75, "Matching with existing themes")
        changes, theme_ids = _apply(rows, result)
        changes["similar"] = [[theme_ids[a], theme_ids[b], score] for a, b, score in result.similar]
        stage_suggestions.refresh()
        run.model = stored.dump((result.model, theme_ids))
        run.status, run.progress, run.message = "done", 100, "Finished"
        run.n_items, run.n_themes = len(rows), len(result.themes)
        run.quality, run.changes = result.quality, changes
    except Exception as error:  # a failed run is recorded, never left "running"
        db.session.rollback()
        run = db.session.get(ThemeRun, run_id)
        run.status, run.message = "failed", f"{type(error).__name__}: {error}"[:500]
        raise
    finally:
        run.seconds = round(time.perf_counter() - started, 3)
        run.finished_at = utcnow()
        db.session.commit()
        webhooks.emit("theme_run.finished", {
            "run": {"id": run.id, "status": run.status, "message": run.message, "items": run.n_items,
                    "themes": run.n_themes, "seconds": run.seconds, "changes": run.changes},
        })
    return run


def _apply(rows, result) -> tuple[dict, list[int]]:
    """Keep matched themes' ids and names, add new ones, retire vanished ones, honour pins."""
    ids = [r.id for r in rows]
    clusters = [set() for _ in result.themes]
    for item_id, index in zip(ids, result.assignments, strict=True):
        if index >= 0:
            clusters[index].add(item_id)
    previous: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        if row.theme_id is not None:
            previous[row.theme_id].add(row.id)
    fine = select(Theme).where(Theme.retired.is_(False), Theme.is_parent.is_(False))
    active = {t.id: t for t in db.session.scalars(fine)}
    previous = {key: members for key, members in previous.items() if key in active}
    matches, changes = match_themes(previous, clusters)

    theme_ids = []
    for index, summary in enumerate(result.themes):
        theme = active.get(matches[index].key) if matches[index].key is not None else None
        if theme is None:
            theme = Theme(label=summary.label)
            db.session.add(theme)
        theme.label = summary.label
        theme.keywords = [[term, round(float(weight), 4)] for term, weight in summary.keywords]
        theme.quote_ids = [ids[i] for i in summary.representatives]
        theme.retired = False
        theme_ids.append(theme)
    db.session.flush()
    _apply_parents(rows, result.parents, theme_ids, clusters)
    theme_ids = [t.id for t in theme_ids]

    pinned = {r.id for r in rows if r.theme_pinned}
    db.session.execute(
        update(Feedback),
        [
            {
                "id": item_id,
                "theme_id": theme_ids[index] if index >= 0 else None,
                "theme_terms": list(terms),
            }
            for item_id, index, terms in zip(ids, result.assignments, result.explanations, strict=True)
            if item_id not in pinned
        ],
    )
    kept = set(theme_ids) | {r.theme_id for r in rows if r.theme_pinned and r.theme_id}
    for theme_id, theme in active.items():
        if theme_id not in kept:
            theme.retired = True
    refresh_sizes()
    report = dataclasses.asdict(changes)
    # New clusters are reported by index; the page wants the theme ids they became.
    report["new"] = [[theme_ids[index], size] for index, size in report["new"]]
    report["merged"] = [[theme_ids[index], list(keys)] for index, keys in report["merged"]]
    return report, theme_ids


def _apply_parents(rows, parents, fine: list[Theme], clusters: list[set[int]]) -> None:
    """Keep parents as themes are kept: matched on their children's items, so renames survive."""
    parent_rows = select(Theme).where(Theme.retired.is_(False), Theme.is_parent.is_(True))
    active = {t.id: t for t in db.session.scalars(parent_rows)}
    parent_of = dict(
        db.session.execute(select(Theme.id, Theme.parent_id).where(Theme.parent_id.is_not(None))).all()
    )
    previous: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        if parent_of.get(row.theme_id) in active:
            previous[parent_of[row.theme_id]].add(row.id)
    current = [set().union(*(clusters[c] for c in summary.children)) for summary in parents]
    matches, _ = match_themes(previous, current)
    for theme in fine:
        theme.parent = None
    for summary, match in zip(parents, matches, strict=True):
        parent = active.pop(match.key) if match.key is not None else Theme(is_parent=True)
        db.session.add(parent)
        parent.label = summary.label
        parent.keywords = [[term, round(float(weight), 4)] for term, weight in summary.keywords]
        # The closest quote of each of its largest children, so the parent's quotes span it.
        parent.quote_ids = [fine[c].quote_ids[0] for c in summary.children[:3] if fine[c].quote_ids]
        parent.retired = False
        for c in summary.children:
            fine[c].parent = parent
    for parent in active.values():
        parent.retired = True


def _edited_themes() -> set[int]:
    """Live themes the team renamed or pinned items into (a split or a merge pins the items it moves)."""
    pinned = select(Feedback.theme_id).where(Feedback.theme_pinned.is_(True), Feedback.theme_id.is_not(None))
    return set(db.session.scalars(
        select(Theme.id).where(Theme.retired.is_(False), Theme.name.is_not(None) | Theme.id.in_(pinned))
    ))


def _edited_groups(rows) -> tuple[tuple[int, ...], ...]:
    """Row positions of each theme the team edited, so an automatic run merges none of them away."""
    groups: dict[int, list[int]] = defaultdict(list)
    edited = _edited_themes()
    for position, row in enumerate(rows):
        if row.theme_id in edited:
            groups[row.theme_id].append(position)
    return tuple(tuple(group) for group in groups.values())


def similar_themes() -> list[tuple[Theme, Theme]]:
    """Near-duplicate pairs from the latest finished run, larger theme first, for a one-click merge.

    Pairs with a theme that is gone, or that the team edited since, are left out: those are the
    team's call.
    """
    run = db.session.scalar(
        select(ThemeRun).where(ThemeRun.status == "done").order_by(ThemeRun.id.desc()).limit(1)
    )
    pairs = (run.changes or {}).get("similar", []) if run else []
    if not pairs:
        return []
    edited = _edited_themes()
    live = {
        t.id: t for t in db.session.scalars(select(Theme).where(Theme.retired.is_(False)))
        if t.id not in edited
    }
    return [
        tuple(sorted((live[a], live[b]), key=lambda t: (-t.size, t.id)))
        for a, b, _ in pairs if a in live and b in live
    ]


def refresh_sizes() -> None:
    """Recount items per theme; a parent counts its live children's and retires when it has none."""
    counts = dict(
        db.session.execute(
            select(Feedback.theme_id, func.count(Feedback.id))
            .where(Feedback.theme_id.is_not(None))
            .group_by(Feedback.theme_id)
        ).all()
    )
    every = list(db.session.scalars(select(Theme)))
    totals: dict[int, int] = defaultdict(int)
    for theme in every:
        if theme.parent_id is not None and not theme.retired:
            totals[theme.parent_id] += counts.get(theme.id, 0)
    for theme in every:
        theme.size = totals.get(theme.id, 0) if theme.is_parent else counts.get(theme.id, 0)
        if theme.is_parent and theme.id not in totals:
            theme.retired = True
    # A theme kept by pins alone may outlive its parent.
    retired = {theme.id for theme in every if theme.retired}
    for theme in every:
        if theme.parent_id in retired and not theme.retired:
            theme.parent_id = None


def latest_run() -> ThemeRun | None:
    """The newest run, whatever its state."""
    return db.session.scalar(select(ThemeRun).order_by(ThemeRun.id.desc()).limit(1))


def list_runs(limit: int = 20) -> list[ThemeRun]:
    """Recent runs, newest first."""
    return list(db.session.scalars(select(ThemeRun).order_by(ThemeRun.id.desc()).limit(limit)))


def get_run(run_id: int) -> ThemeRun:
    """One run, or NotFound."""
    run = db.session.get(ThemeRun, run_id)
    if run is None:
        raise NotFound(("run", "That run does not exist."))
    return run


# ----- new items between runs --------------------------------------------------------------


def _fitted_model():
    """The newest finished run's model and its theme ids, cached per process."""
    run_id = db.session.scalar(
        select(ThemeRun.id).where(ThemeRun.status == "done").order_by(ThemeRun.id.desc()).limit(1)
    )
    if run_id is None:
        return None
    model = _models.get(run_id)  # read once: another thread of a gunicorn worker may swap it meanwhile
    if model is None:
        blob = db.session.scalar(select(ThemeRun.model).where(ThemeRun.id == run_id))
        if blob is None:  # a run recorded without a model (restored from elsewhere): nothing to place with
            return None
        try:
            model = stored.load(blob)
        except stored.StaleModel as refusal:
            model = refusal
        _models.clear()
        _models[run_id] = model
    return None if isinstance(model, stored.StaleModel) else model


def model_problem() -> str | None:
    """Why new items cannot be placed in themes until the next run, or None when they can."""
    _fitted_model()
    refusal = next(iter(_models.values()), None)
    if isinstance(refusal, stored.StaleModel):
        return (f"Themes need a re-run: the theme model cannot be used because {refusal}. "
                "New items stay unthemed until then.")
    return None


def annotations(texts: list[str]) -> list[tuple[float, str, int | None, list[str] | None]]:
    """(sentiment, its source, nearest live theme, its terms) per text; terms None before any run."""
    scores, source = sentiment.read(texts)
    fitted = _fitted_model()
    if fitted is None or fitted[0] is None:
        return [(score, source, None, None) for score in scores]
    model, theme_ids = fitted
    live = set(db.session.scalars(select(Theme.id).where(Theme.retired.is_(False))))
    placed, _, terms = model.place([model.tokenizer.document(text) for text in texts])
    nearest = [theme_ids[index] if index >= 0 else None for index in placed]
    return [
        (score, source, theme_id if theme_id in live else None, list(why))
        for score, theme_id, why in zip(scores, nearest, terms, strict=True)
    ]


def annotate(items: list[Feedback]) -> None:
    """Give new items their sentiment and, once themes exist, their nearest theme (no re-run)."""
    if not items:
        return
    notes = annotations([i.text for i in items])
    for item, (score, source, theme_id, terms) in zip(items, notes, strict=True):
        item.sentiment, item.sentiment_source = sentiment.own(item.score, item.score_kind, score, source)
        if terms is not None:
            item.theme_id, item.theme_terms = theme_id, terms


# ----- staff edits, which re-runs keep ----------------------------------------------------


def get_theme(theme_id: int) -> Theme:
    """One theme, or NotFound."""
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(("theme", "That theme does not exist."))
    return theme


def rename_theme(theme_id: int, name: str) -> Theme:
    """Give a theme a name of the team's own; re-runs keep it while the theme is matched."""
    return update_theme(theme_id, name=name)


def set_noise(theme_id: int, noise: bool) -> Theme:
    """Mark a theme as noise (kept, but out of rankings) or bring it back."""
    return update_theme(theme_id, noise=noise)


def update_theme(theme_id: int, name: str | None = None, noise: bool | None = None) -> Theme:
    """Rename and/or mark as noise in one transaction: both changes are stored, or neither."""
    theme = get_theme(theme_id)
    if name is not None:
        if not name.strip():
            raise InvalidInput(("name", "A theme needs a name."))
        if len(name.strip()) > 200:
            raise InvalidInput(("name", "Keep the name under 200 characters."))
        theme.name = name.strip()
    if noise is not None:
        theme.noise = noise
    db.session.commit()
    return theme


def _move(item_ids, theme_id: int | None) -> None:
    """Move items and pin them there, so the next run leaves them where staff put them."""
    db.session.execute(
        update(Feedback)
        .where(Feedback.id.in_(list(item_ids)))
        .values(theme_id=theme_id, theme_pinned=True, theme_terms=None)
    )


def pin_items(item_ids: list[int], theme_id: int | None) -> None:
    """Move items (the feedback list's bulk action) and pin them; the caller refreshes sizes and commits."""
    _move(item_ids, theme_id)


def merge_themes(source_id: int, target_id: int | None) -> Theme:
    """Fold one theme into another; its items are pinned to the target."""
    if target_id is None:
        raise InvalidInput(("into", "Choose the theme to merge into."))
    if source_id == target_id:
        raise InvalidInput(("into", "Choose a different theme to merge into."))
    source, target = get_theme(source_id), get_theme(target_id)
    if target.retired:
        raise InvalidInput(("into", "That theme no longer exists; choose a current one."))
    if source.is_parent or target.is_parent:
        raise InvalidInput(("into", "A parent only groups themes; merge the themes under it instead."))
    _move(db.session.scalars(select(Feedback.id).where(Feedback.theme_id == source_id)).all(), target_id)
    source.retired, source.merged_into_id = True, target_id
    refresh_sizes()
    db.session.commit()
    return target


def split_theme(theme_id: int, item_ids: list[int], name: str = "") -> Theme:
    """Move the chosen items of a theme into a new theme of their own."""
    theme = get_theme(theme_id)
    members = set(db.session.scalars(select(Feedback.id).where(Feedback.theme_id == theme_id)))
    chosen = set(item_ids) & members
    if not chosen:
        raise InvalidInput(("item_ids", "Tick at least one item of this theme to split off."))
    if chosen == members:
        raise InvalidInput(("item_ids", "Leave at least one item in the original theme."))
    label = name.strip() or f"Split from {theme.title}"
    new = Theme(label=label, name=name.strip() or None, parent_id=theme.parent_id)
    db.session.add(new)
    db.session.flush()
    _move(chosen, new.id)
    refresh_sizes()
    db.session.commit()
    return new


def move_item(feedback_id: int, theme_id: int | None) -> Feedback:
    """Put one item in a theme (or unthemed) and pin it there."""
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        raise NotFound(("feedback", "That feedback item does not exist."))
    if theme_id is not None and get_theme(theme_id).retired:
        raise InvalidInput(("theme", "That theme no longer exists; choose a current one."))
    if theme_id is not None and get_theme(theme_id).is_parent:
        raise InvalidInput(("theme", "A parent only groups themes; choose one of the themes under it."))
    _move([feedback_id], theme_id)
    refresh_sizes()
    db.session.commit()
    return item


# ----- reading ---------------------------------------------------------------------------------


def ranked_themes(today: dt.date | None = None) -> list[ThemeEvidence]:
    """Current themes with their evidence, most customers first; noise last."""
    today = today or clock.today()
    recent_start = today - dt.timedelta(days=TREND_DAYS - 1)
    previous_start = recent_start - dt.timedelta(days=TREND_DAYS)
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.retired.is_(False)))}
    if not themes:
        return []
    totals = db.session.execute(
        select(
            Feedback.theme_id,
            func.count(Feedback.id),
            func.count(Feedback.customer_id.distinct()),
            func.avg(Feedback.sentiment),
            func.sum(case((Feedback.received_on >= recent_start, 1), else_=0)),
            func.sum(
                case(
                    ((Feedback.received_on >= previous_start) & (Feedback.received_on < recent_start), 1),
                    else_=0,
                )
            ),
        )
        .where(Feedback.theme_id.in_(list(themes)))
        .group_by(Feedback.theme_id)
    ).all()
    # One pass for channels and stages together: the covering index makes it an index-only scan.
    stage_order = {s.id: s for s in db.session.scalars(select(Stage).order_by(Stage.position))}
    channels: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_stage: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for theme_id, channel, stage_id, count in db.session.execute(
        select(Feedback.theme_id, Feedback.channel, Feedback.stage_id, func.count())
        .where(Feedback.theme_id.in_(list(themes)))
        .group_by(Feedback.theme_id, Feedback.channel, Feedback.stage_id)
    ):
        channels[theme_id][channel] += count
        if stage_id is not None:
            by_stage[theme_id][stage_id] += count
    stages = {
        theme_id: [(stage.name, counts[stage.id]) for stage in stage_order.values() if stage.id in counts]
        for theme_id, counts in by_stage.items()
    }
    ranked = [
        ThemeEvidence(
            theme=themes[theme_id], items=items, customers=customers,
            sentiment=None if sentiment is None else round(float(sentiment), 2),
            recent=int(recent or 0), previous=int(previous or 0),
            channels=dict(channels[theme_id]), stages=stages.get(theme_id, []),
        )
        for theme_id, items, customers, sentiment, recent, previous in totals
    ]
    ranked.sort(key=_rank)
    return ranked


def _rank(evidence: ThemeEvidence) -> tuple:
    """Noise last, then most customers, most items, fastest rising."""
    return evidence.theme.noise, -evidence.customers, -evidence.items, -evidence.trend, evidence.theme.id


def grouped_themes(ranked: list[ThemeEvidence]) -> list[ThemeGroup]:
    """The ranked themes under their parents; parents ranked by their children's evidence together."""
    children: dict[int, list[ThemeEvidence]] = defaultdict(list)
    for evidence in ranked:
        children[evidence.theme.parent_id].append(evidence)
    parent_ids = [key for key in children if key is not None]
    parents = db.session.scalars(select(Theme).where(Theme.id.in_(parent_ids)))
    # Customers and mean sentiment do not add up over children: count them over the parent's items.
    whole = {
        parent_id: (customers, sentiment)
        for parent_id, customers, sentiment in db.session.execute(
            select(Theme.parent_id, func.count(Feedback.customer_id.distinct()), func.avg(Feedback.sentiment))
            .join(Theme, Theme.id == Feedback.theme_id)
            .where(Theme.parent_id.in_(parent_ids))
            .group_by(Theme.parent_id)
        )
    }
    journey = list(db.session.scalars(select(Stage.name).order_by(Stage.position)))
    groups = [ThemeGroup(evidence, []) for evidence in children.pop(None, [])]
    for parent in parents:
        members = children[parent.id]
        customers, sentiment = whole[parent.id]
        channels, stages = Counter(), Counter()
        for child in members:
            channels.update(child.channels)
            stages.update(dict(child.stages))
        total = ThemeEvidence(
            theme=parent, items=sum(c.items for c in members), customers=customers,
            sentiment=None if sentiment is None else round(float(sentiment), 2),
            recent=sum(c.recent for c in members), previous=sum(c.previous for c in members),
            channels=dict(channels), stages=[(name, stages[name]) for name in journey if name in stages],
        )
        groups.append(ThemeGroup(total, members))
    groups.sort(key=lambda group: _rank(group.evidence))
    return groups


def parent_group(parent: Theme) -> ThemeGroup:
    """A parent's evidence with its children's, as the themes page shows it."""
    groups = grouped_themes([e for e in ranked_themes() if e.theme.parent_id == parent.id])
    return groups[0] if groups else ThemeGroup(ThemeEvidence(parent, 0, 0, None, 0, 0, {}, []), [])


def theme_quotes(theme: Theme) -> list[Feedback]:
    """The theme's representative items, closest to its centre first."""
    if not theme.quote_ids:
        return []
    quotes = select(Feedback).options(joinedload(Feedback.customer)).where(Feedback.id.in_(theme.quote_ids))
    found = {f.id: f for f in db.session.scalars(quotes)}
    here = set(db.session.scalars(select(Theme.id).where(Theme.counting_for(theme.id))))
    return [
        found[i] for i in theme.quote_ids
        if i in found and found[i].theme_id in here and found[i].erased_at is None
    ]


def theme_items(theme_id: int | None, page: int, per_page: int):
    """A page of a theme's items (or the unthemed ones), newest first."""
    condition = Feedback.theme_id.is_(None) if theme_id is None else Feedback.theme_id == theme_id
    stmt = (
        select(Feedback).options(joinedload(Feedback.stage)).where(condition)
        .order_by(Feedback.received_on.desc(), Feedback.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def theme_choices() -> list[tuple[int, str]]:
    """(id, title) of current themes, not parents, for pickers."""
    # Only the columns a picker shows: whole themes would decode every keyword list on each page.
    rows = db.session.execute(
        select(Theme.id, Theme.name, Theme.label)
        .where(Theme.retired.is_(False), Theme.is_parent.is_(False)).order_by(Theme.id)
    )
    return [(id_, name or label) for id_, name, label in rows]
