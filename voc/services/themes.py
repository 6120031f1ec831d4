"""Theme discovery runs, stable themes across re-runs, and staff edits that re-runs keep."""

import dataclasses
import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from flask import current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import joinedload

from voc import jobs
from voc.extensions import db
from voc.models import Feedback, Stage, Theme, ThemeRun, utcnow
from voc.services import clock, impact, sentiment, stage_suggestions, webhooks, writeback
from voc.services.errors import InvalidInput, NotFound
from voc.themes import ThemeSettings, discover, match_themes, semantic, stored
from voc.themes import languages as language_names
from voc.themes.preprocess import language_of

TREND_DAYS = 30
# Fitted model per sentiment.newest_run() key, loaded once per process: (model, theme ids), or the
# StaleModel that refused it.
_models: dict[tuple, object] = {}


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
    # Sentiment's sum and how many items have one, so a parent's mean is its children's items' mean.
    sentiment_sum: float = 0.0
    scored: int = 0

    @property
    def trend(self) -> int:
        return self.recent - self.previous


@dataclass(frozen=True)
class ThemeGroup:
    """One line of the themes page: a parent over its children's evidence, or a theme no parent holds."""

    evidence: ThemeEvidence
    children: list[ThemeEvidence]  # empty for a theme no parent holds


# ----- runs -----------------------------------------------------------------------------


RUN_JOB = "voc.services.themes:execute_run"
ACTIVE = ("queued", "running")


def _new_run(user_id: int | None, k: int | None, stop_words: str, queued: bool = False) -> ThemeRun:
    """Record a queued run, refusing a second one while another is going."""
    words = sorted({w.strip().lower() for w in stop_words.split(",") if w.strip()})
    settle_runs()
    running = db.session.scalar(select(ThemeRun.id).where(ThemeRun.status.in_(ACTIVE)))
    if running:
        raise InvalidInput(("k", f"Run #{running} is still going; wait for it to finish."))
    run = ThemeRun(requested_by_id=user_id, settings={"k": k, "stop_words": words, "seed": 0})
    db.session.add(run)
    db.session.flush()
    if queued:
        run.job_id = jobs.job_id(f"theme-run-{run.id}")
    db.session.commit()
    return run


def request_run(user_id: int | None, k: int | None = None, stop_words: str = "") -> ThemeRun:
    """Record a run and start it in the background (thread, or the Redis queue when configured).

    When Redis does not take the job the run is recorded as failed, with the reason, and refused.
    """
    run = _new_run(user_id, k, stop_words, queued=jobs.on_queue())
    try:
        jobs.enqueue(
            RUN_JOB,
            run.id,
            key=f"theme-run-{run.id}",
            on_failure="voc.services.themes:fail_run",
            timeout=current_app.config["THEME_RUN_TIMEOUT"],
        )
    except jobs.QueueUnavailable as error:
        fail_run(run.id, f"Could not be queued: {error}.")
        raise InvalidInput(
            (
                "",
                f"The job queue is not answering, so run #{run.id} could not start and nothing is running. "
                "Try again in a minute; if it keeps failing, ask your administrator to check Redis.",
            )
        ) from None
    return run


def retry_run(run_id: int, user_id: int | None) -> ThemeRun:
    """Start a new run with a failed run's settings."""
    run = get_run(run_id)
    if run.status != "failed":
        raise InvalidInput(("run", f"Run #{run.id} did not fail; only a failed run is retried."))
    settings = run.settings or {}
    return request_run(user_id, settings.get("k"), ",".join(settings.get("stop_words", ())))


def run_now(user_id: int | None, k: int | None = None, stop_words: str = "") -> ThemeRun:
    """Record a run and do it in this process (the CLI and the demo loader)."""
    return execute_run(_new_run(user_id, k, stop_words).id)


def fail_run(run_id: int, reason: str) -> bool:
    """Mark a run that is still queued or running as failed with the reason; False if it had ended."""
    changed = db.session.execute(
        update(ThemeRun)
        .where(ThemeRun.id == run_id, ThemeRun.status.in_(ACTIVE))
        .values(status="failed", message=reason[:500], finished_at=utcnow())
    ).rowcount
    db.session.commit()
    return bool(changed)


def settle_runs(now: dt.datetime | None = None) -> None:
    """Fail the queued or running runs whose job the queue says is over or lost (a killed work-horse)."""
    if not jobs.on_queue():
        return
    active = db.session.execute(
        select(ThemeRun.id, ThemeRun.job_id, ThemeRun.created_at).where(
            ThemeRun.status.in_(ACTIVE), ThemeRun.job_id.is_not(None)
        )
    ).all()
    if active:
        ended = jobs.ended_jobs({job_id: created_at for _, job_id, created_at in active}, now or utcnow())
        for run_id, job_id, _ in active:
            if job_id in ended:
                fail_run(run_id, ended[job_id])


def _progress(run: ThemeRun, percent: int, message: str) -> None:
    run.progress, run.message = percent, message
    db.session.commit()


def execute_run(run_id: int) -> ThemeRun:
    """Cluster every item, match the clusters to existing themes, and store the outcome."""
    run = db.session.get(ThemeRun, run_id)
    if run is None or run.status != "queued":
        return run  # given up on (failed) while its job waited: a retry runs it afresh
    started = time.perf_counter()
    run.status = "running"
    _progress(run, 5, "Reading feedback")
    try:
        sentiment.relearn(run)
        snapshot = _read_items()
        embed, lens = _lens()
        settings = ThemeSettings(
            k=run.settings.get("k"),
            seed=run.settings.get("seed", 0),
            extra_stop_words=tuple(run.settings.get("stop_words", ())),
            keep_apart=_edited_groups(snapshot),
            language=current_app.config["LANGUAGE"],
            embed=embed,
        )
        # Committing ends the read's transaction: none stays open (holding back vacuum) while clustering.
        _progress(run, 15, f"Clustering {len(snapshot.ids):,} items")
        result = discover(snapshot.texts, settings, snapshot.languages)
        result.quality["lens"] = lens
        snapshot.texts.clear()  # the words are not needed again; free them before writing back
        _progress(run, 75, "Matching with existing themes")
        changes, theme_ids = _apply(run, snapshot, result)
        changes["similar"] = [[theme_ids[a], theme_ids[b], score] for a, b, score in result.similar]
        _progress(run, 95, "Suggesting stages")
        stage_suggestions.refresh()
        impact.store_theme_impacts()
        run.model = stored.dump((result.model, theme_ids))
        run.status, run.progress, run.message = "done", 100, "Finished"
        run.n_items, run.n_themes = len(snapshot.ids), len(result.themes)
        run.quality, run.changes = result.quality, changes
    except Exception as error:  # a failed run is recorded, never left "running"
        db.session.rollback()
        run = db.session.get(ThemeRun, run_id)
        run.status, run.message = "failed", f"{type(error).__name__}: {error}"[:500]
        raise
    finally:
        run.seconds = round(time.perf_counter() - started, 3)
        run.finished_at = utcnow()
        webhooks.emit(
            "theme_run.finished",
            {
                "run": {
                    "id": run.id,
                    "status": run.status,
                    "message": run.message,
                    "items": run.n_items,
                    "themes": run.n_themes,
                    "seconds": run.seconds,
                    "changes": run.changes,
                },
            },
        )
        db.session.commit()  # the outcome and its event, together
    return run


def text_language(text: str) -> str | None:
    """The language of a feedback text; short or unsure texts are read in the team's main language."""
    return language_of(text, current_app.config["LANGUAGE"])


def _languages(ids: np.ndarray, texts: list[str]) -> list[str | None]:
    """Each item's language, reading (and storing) it for items stored before voc read languages."""
    found: list[str | None] = [None] * len(ids)
    stored_languages = db.session.execute(
        select(Feedback.id, Feedback.language)
        .where(Feedback.erased_at.is_(None), Feedback.language.is_not(None))
        .order_by(Feedback.id)
        .execution_options(yield_per=writeback.READ_BATCH)
    )
    for item_id, language in stored_languages:  # items added since the read are simply not found
        position = int(np.searchsorted(ids, item_id))
        if position < len(ids) and ids[position] == item_id:
            found[position] = language
    missing = []
    for position, language in enumerate(found):
        if language is None and (language := text_language(texts[position])):
            found[position] = language
            missing.append({"id": int(ids[position]), "language": language})
    for start in range(0, len(missing), writeback.BATCH):  # short transactions, as the write-back's
        db.session.execute(update(Feedback), missing[start : start + writeback.BATCH])
        db.session.commit()
    return found


def _lens():
    """The sentence embedder when the team turned the lens on, and what the run page says of it."""
    if not current_app.config["SEMANTIC_LENS"]:
        return None, "off"
    try:
        return semantic.lens(), "on"
    except semantic.LensUnavailable as error:
        # Themes by language are still themes: the run goes on without the lens and says why.
        return None, str(error)


@dataclass
class _Snapshot:
    """The items a run read, in id order: ids, words, and each one's theme (MISSING for none), pin
    and language."""

    ids: np.ndarray
    texts: list[str]
    themes: np.ndarray
    pinned: np.ndarray
    languages: list[str | None]


def _read_items() -> _Snapshot:
    """Every item the run clusters, streamed into flat arrays."""
    ids, texts, (theme_ids, pinned) = writeback.read_items(Feedback.theme_id, Feedback.theme_pinned)
    return _Snapshot(ids, texts, theme_ids, pinned == 1, _languages(ids, texts))


def _members(ids: np.ndarray, keys: np.ndarray) -> dict[int, set[int]]:
    """Item ids grouped by key (a theme id or number), leaving out writeback.MISSING."""
    groups: dict[int, set[int]] = defaultdict(set)
    for item_id, key in zip(ids.tolist(), keys.tolist(), strict=True):
        if key != writeback.MISSING:
            groups[key].add(item_id)
    return groups


def _apply(run: ThemeRun, snapshot: _Snapshot, result) -> tuple[dict, list[int]]:
    """Keep matched themes' ids and names, add new ones, write items back, retire vanished themes.

    Themes are saved first, items then in short batches (see _write_items), and vanished themes
    retired last, so a person's edit never waits for the run and every item always has a live theme.
    """
    ids = snapshot.ids
    assigned = np.asarray(result.assignments, dtype=np.int64)
    found = _members(ids, assigned)
    clusters = [found.get(index, set()) for index in range(len(result.themes))]
    fine = select(Theme).where(Theme.retired.is_(False), Theme.is_parent.is_(False))
    active = {t.id: t for t in db.session.scalars(fine)}
    previous = {key: members for key, members in _members(ids, snapshot.themes).items() if key in active}
    matches, changes = match_themes(previous, clusters)
    del found, previous

    themes = []
    for index, summary in enumerate(result.themes):
        theme = active.get(matches[index].key) if matches[index].key is not None else None
        if theme is None:
            theme = Theme(label=summary.label)
            db.session.add(theme)
        theme.label = summary.label
        theme.language = summary.language
        theme.keywords = [[term, round(float(weight), 4)] for term, weight in summary.keywords]
        theme.quote_ids = [int(ids[i]) for i in summary.representatives]
        theme.retired = False
        themes.append(theme)
    # Items erased since the run read them are no quotes any more.
    quoted = {i for theme in themes for i in theme.quote_ids}
    erased = (
        set(
            db.session.scalars(
                select(Feedback.id).where(Feedback.id.in_(quoted), Feedback.erased_at.is_not(None))
            )
        )
        if quoted
        else set()
    )
    for theme in themes:
        theme.quote_ids = [i for i in theme.quote_ids if i not in erased]
    db.session.flush()
    _apply_parents(snapshot, result.parents, themes, clusters)
    theme_ids = [t.id for t in themes]
    db.session.commit()
    del clusters

    written_at = time.perf_counter()
    written = _write_items(run, snapshot, assigned, result.explanations, theme_ids)
    result.quality["seconds"]["write back"] = round(time.perf_counter() - written_at, 3)
    result.quality["items_written"] = written

    vanished = set(active) - set(theme_ids)
    # A vanished theme lives on while a pin, or an edit made during the run, keeps a live item in it.
    held = (
        set(
            db.session.scalars(
                select(Feedback.theme_id)
                .distinct()
                .where(Feedback.theme_id.in_(vanished), Feedback.theme_pinned | Feedback.erased_at.is_(None))
            )
        )
        if vanished
        else set()
    )
    for theme_id in vanished - held:
        active[theme_id].retired = True
    refresh_sizes()
    report = dataclasses.asdict(changes)
    # New clusters are reported by index; the page wants the theme ids they became.
    report["new"] = [[theme_ids[index], size] for index, size in report["new"]]
    report["merged"] = [[theme_ids[index], list(keys)] for index, keys in report["merged"]]
    return report, theme_ids


def _write_items(run: ThemeRun, snapshot: _Snapshot, assigned: np.ndarray, explanations, theme_ids) -> int:
    """Write each item's new theme and terms where they changed; returns how many items were written.

    An item pinned, erased, or moved out of the theme the run read it in since is left as it is:
    a person's move or pin made while the run works wins and waits one batch at most.
    """

    def wanted(position: int):
        if snapshot.pinned[position]:
            return None
        old, index = int(snapshot.themes[position]), int(assigned[position])
        new = theme_ids[index] if index >= 0 else None
        return (None if old == writeback.MISSING else old,), (new, list(explanations[position]))

    def progress(done: int, total: int) -> None:
        run.progress, run.message = 75 + 20 * done // total, f"Writing themes: {done:,} of {total:,} items"

    return writeback.write_items(
        snapshot.ids,
        wanted,
        read=[Feedback.theme_id],
        written=[Feedback.theme_id, Feedback.theme_terms],
        where=[Feedback.theme_pinned.is_(False), Feedback.erased_at.is_(None)],
        after_batch=progress,
    )


def _apply_parents(snapshot: _Snapshot, parents, fine: list[Theme], clusters: list[set[int]]) -> None:
    """Keep parents as themes are kept: matched on their children's items, so renames survive."""
    parent_rows = select(Theme).where(Theme.retired.is_(False), Theme.is_parent.is_(True))
    active = {t.id: t for t in db.session.scalars(parent_rows)}
    parent_of = dict(
        db.session.execute(select(Theme.id, Theme.parent_id).where(Theme.parent_id.is_not(None))).all()
    )
    lookup = np.vectorize(lambda theme_id: parent_of.get(theme_id, writeback.MISSING), otypes=[np.int64])
    held = lookup(snapshot.themes) if len(snapshot.themes) else snapshot.themes
    previous = {key: members for key, members in _members(snapshot.ids, held).items() if key in active}
    current = [set().union(*(clusters[c] for c in summary.children)) for summary in parents]
    matches, _ = match_themes(previous, current)
    for theme in fine:
        theme.parent = None
    for summary, match in zip(parents, matches, strict=True):
        parent = active.pop(match.key) if match.key is not None else Theme(is_parent=True)
        db.session.add(parent)
        parent.label = summary.label
        parent.language = fine[summary.children[0]].language  # its largest theme's
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
    return set(
        db.session.scalars(
            select(Theme.id).where(Theme.retired.is_(False), Theme.name.is_not(None) | Theme.id.in_(pinned))
        )
    )


def _edited_groups(snapshot: _Snapshot) -> tuple[tuple[int, ...], ...]:
    """Item positions of each theme the team edited, so an automatic run merges none of them away."""
    edited = np.fromiter(_edited_themes(), dtype=np.int64)
    positions = np.flatnonzero(np.isin(snapshot.themes, edited))
    groups: dict[int, list[int]] = defaultdict(list)
    for position, theme_id in zip(positions.tolist(), snapshot.themes[positions].tolist(), strict=True):
        groups[theme_id].append(position)
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
        t.id: t
        for t in db.session.scalars(select(Theme).where(Theme.retired.is_(False)))
        if t.id not in edited
    }
    return [
        tuple(sorted((live[a], live[b]), key=lambda t: (-t.size, t.id)))
        for a, b, _ in pairs
        if a in live and b in live
    ]


def refresh_sizes(theme_ids: Collection[int] | None = None) -> None:
    """Recount items and distinct customers per theme; a parent counts its live children's items.

    A parent with no live child retires. Given theme ids, only those themes, their parents and the
    parents' children are recounted, reading only their items (a merge or a split between runs).
    """
    every = list(db.session.scalars(select(Theme)))
    scope = every if theme_ids is None else _family(every, set(theme_ids))
    fine = [t.id for t in scope if not t.is_parent]
    counts = {
        theme_id: (items, customers)
        for theme_id, items, customers in db.session.execute(
            # count(*), not count(id): the evidence index then answers alone, without reading rows.
            select(Feedback.theme_id, func.count(), func.count(Feedback.customer_id.distinct()))
            .where(Feedback.theme_id.in_(fine))
            .group_by(Feedback.theme_id)
        )
    }
    # Customers do not add up over children (one may have told several): counted over the parent's items.
    parent_customers = dict(
        db.session.execute(
            select(Theme.parent_id, func.count(Feedback.customer_id.distinct()))
            .join(Theme, Theme.id == Feedback.theme_id)
            .where(Theme.parent_id.in_([t.id for t in scope if t.is_parent]), Theme.retired.is_(False))
            .group_by(Theme.parent_id)
        ).all()
    )
    totals: dict[int, int] = defaultdict(int)
    for theme in scope:
        if theme.parent_id is not None and not theme.retired:
            totals[theme.parent_id] += counts.get(theme.id, (0, 0))[0]
    for theme in scope:
        if theme.is_parent:
            theme.size, theme.customers = totals.get(theme.id, 0), parent_customers.get(theme.id, 0)
            if theme.id not in totals:
                theme.retired = True
        else:
            theme.size, theme.customers = counts.get(theme.id, (0, 0))
    # A theme kept by pins alone may outlive its parent.
    retired = {theme.id for theme in every if theme.retired}
    for theme in every:
        if theme.parent_id in retired and not theme.retired:
            theme.parent_id = None


def _family(every: list[Theme], theme_ids: set[int]) -> list[Theme]:
    """The given themes, their parents, and those parents' other children: what a recount of them reads."""
    parents = {t.parent_id for t in every if t.id in theme_ids and t.parent_id is not None}
    parents |= {t.id for t in every if t.id in theme_ids and t.is_parent}
    return [t for t in every if t.id in theme_ids or t.id in parents or t.parent_id in parents]


def latest_run() -> ThemeRun | None:
    """The newest run, whatever its state (a run whose job died is failed first)."""
    settle_runs()
    return db.session.scalar(select(ThemeRun).order_by(ThemeRun.id.desc()).limit(1))


def list_runs(limit: int = 20) -> list[ThemeRun]:
    """Recent runs, newest first."""
    settle_runs()
    return list(db.session.scalars(select(ThemeRun).order_by(ThemeRun.id.desc()).limit(limit)))


def get_run(run_id: int) -> ThemeRun:
    """One run, or NotFound."""
    settle_runs()
    run = db.session.get(ThemeRun, run_id)
    if run is None:
        raise NotFound(("run", "That run does not exist."))
    return run


# ----- new items between runs --------------------------------------------------------------


def _fitted_model():
    """The newest finished run's model and its theme ids, cached per process."""
    newest = sentiment.newest_run()
    if newest is None:
        return None
    key = tuple(newest)
    model = _models.get(key)  # read once: another thread of a gunicorn worker may swap it meanwhile
    if model is None:
        blob = db.session.scalar(select(ThemeRun.model).where(ThemeRun.id == newest.id))
        if blob is None:  # a run recorded without a model (restored from elsewhere): nothing to place with
            return None
        try:
            model = stored.load(blob)
        except stored.StaleModel as refusal:
            model = refusal
        _models.clear()
        _models[key] = model
    return None if isinstance(model, stored.StaleModel) else model


def model_problem() -> str | None:
    """Why new items cannot be placed in themes until the next run, or None when they can."""
    _fitted_model()
    refusal = next(iter(_models.values()), None)
    if isinstance(refusal, stored.StaleModel):
        return (
            f"Themes need a re-run: the theme model cannot be used because {refusal}. "
            "New items stay unthemed until then."
        )
    return None


def annotations(
    texts: list[str], text_languages: list[str | None] | None = None
) -> list[tuple[float, str, int | None, list[str] | None]]:
    """(sentiment, its source, nearest live theme, its terms) per text; terms None before any run.

    Each text is read in its language (text_language's, when not given).
    """
    scores, source = sentiment.read(texts)
    fitted = _fitted_model()
    if fitted is None or fitted[0] is None:
        return [(score, source, None, None) for score in scores]
    model, theme_ids = fitted
    live = set(db.session.scalars(select(Theme.id).where(Theme.retired.is_(False))))
    if text_languages is None:
        text_languages = [text_language(text) for text in texts]
    docs = [model.tokenizer.document(text, lang) for text, lang in zip(texts, text_languages, strict=True)]
    placed, _, terms = model.place(docs)
    nearest = [theme_ids[index] if index >= 0 else None for index in placed]
    return [
        (score, source, theme_id if theme_id in live else None, list(why))
        for score, theme_id, why in zip(scores, nearest, terms, strict=True)
    ]


def annotate(items: list[Feedback]) -> None:
    """Give new items their language, their sentiment and, once themes exist, their nearest theme."""
    if not items:
        return
    for item in items:
        item.language = text_language(item.text)
    notes = annotations([i.text for i in items], [i.language for i in items])
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


def merge_pair(source_id: int, target_id: int | None) -> tuple[Theme, Theme]:
    """The two themes a merge would fold together, or the rule it breaks (the confirmation shows them)."""
    if target_id is None:
        raise InvalidInput(("into", "Choose the theme to merge into."))
    if source_id == target_id:
        raise InvalidInput(("into", "Choose a different theme to merge into."))
    source, target = get_theme(source_id), get_theme(target_id)
    if target.retired:
        raise InvalidInput(("into", "That theme no longer exists; choose a current one."))
    if source.is_parent or target.is_parent:
        raise InvalidInput(("into", "A parent only groups themes; merge the themes under it instead."))
    return source, target


def merge_themes(source_id: int, target_id: int | None) -> Theme:
    """Fold one theme into another; its items are pinned to the target."""
    source, target = merge_pair(source_id, target_id)
    _move(db.session.scalars(select(Feedback.id).where(Feedback.theme_id == source_id)).all(), target_id)
    source.retired, source.merged_into_id = True, target_id
    refresh_sizes([source_id, target_id])
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
    new = Theme(label=label, name=name.strip() or None, parent_id=theme.parent_id, language=theme.language)
    db.session.add(new)
    db.session.flush()
    _move(chosen, new.id)
    refresh_sizes([theme_id, new.id])
    db.session.commit()
    return new


def _check_destination(theme_id: int | None) -> None:
    """Refuse a move into a theme items cannot live in (unthemed, None, is always fine)."""
    if theme_id is not None and get_theme(theme_id).retired:
        raise InvalidInput(("theme", "That theme no longer exists; choose a current one."))
    if theme_id is not None and get_theme(theme_id).is_parent:
        raise InvalidInput(("theme", "A parent only groups themes; choose one of the themes under it."))


def move_item(feedback_id: int, theme_id: int | None) -> Feedback:
    """Put one item in a theme (or unthemed) and pin it there."""
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        raise NotFound(("feedback", "That feedback item does not exist."))
    _check_destination(theme_id)
    # Locked first, so the theme it leaves is the one it is in when the move lands.
    was, customer_id = db.session.execute(
        select(Feedback.theme_id, Feedback.customer_id).where(Feedback.id == feedback_id).with_for_update()
    ).one()
    if was != theme_id:
        with _recounted_customers({was, theme_id}, {customer_id}):
            _move([feedback_id], theme_id)
        _shift_size(was, -1)
        _shift_size(theme_id, 1)
    else:
        _move([feedback_id], theme_id)
    db.session.commit()
    return item


def _shift_size(theme_id: int | None, delta: int) -> None:
    """Count one item in or out of a theme and the parent it counts for, without recounting every item.

    A recount reads the whole table, which at a million items would make a person's move wait.
    """
    if theme_id is None:
        return
    theme = db.session.get(Theme, theme_id)
    counted = [theme.id] + ([theme.parent_id] if theme.parent_id is not None and not theme.retired else [])
    db.session.execute(
        update(Theme)
        .where(Theme.id.in_(counted))
        .values(size=Theme.size + delta)
        .execution_options(synchronize_session="fetch")
    )


@contextmanager
def _recounted_customers(theme_ids: set[int | None], customer_ids: set[int | None]) -> Iterator[None]:
    """Around a move of these customers' items between these themes, shift each theme's customer count.

    Each theme (and the parent it counts for) is compared before and after the move on the moved
    customers' items alone, found through their customer index: the cost grows with the items moved,
    never with the table. The themes are locked first, so two moves at once count in turn.
    """
    customers = [c for c in customer_ids if c is not None]
    fine = list(db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids))))
    groups: dict[int, set[int]] = {theme.id: {theme.id} for theme in fine}
    parents = {theme.parent_id for theme in fine if theme.parent_id is not None and not theme.retired}
    # A parent's customers are those of its live children's items.
    for child_id, parent_id in db.session.execute(
        select(Theme.id, Theme.parent_id).where(Theme.parent_id.in_(parents), Theme.retired.is_(False))
    ):
        groups.setdefault(parent_id, set()).add(child_id)
    if not customers or not groups:
        yield
        return
    db.session.execute(select(Theme.id).where(Theme.id.in_(groups)).order_by(Theme.id).with_for_update())
    before = _customers_in(customers, groups)
    yield
    after = _customers_in(customers, groups)
    for group_id in groups:
        if delta := len(after[group_id]) - len(before[group_id]):
            db.session.execute(
                update(Theme)
                .where(Theme.id == group_id)
                .values(customers=Theme.customers + delta)
                .execution_options(synchronize_session="fetch")
            )


def _customers_in(customers: list[int], groups: dict[int, set[int]]) -> dict[int, set[int]]:
    """Per group of themes, which of these customers have an item in it."""
    held: dict[int, set[int]] = defaultdict(set)
    every = set().union(*groups.values())
    pairs = db.session.execute(
        select(Feedback.customer_id, Feedback.theme_id)
        .where(Feedback.customer_id.in_(customers), Feedback.theme_id.in_(every))
        .distinct()
    )
    for customer_id, theme_id in pairs:
        for group_id, members in groups.items():
            if theme_id in members:
                held[group_id].add(customer_id)
    return held


def move_items(source_id: int, item_ids: list[int], theme_id: int | None) -> int:
    """Move the ticked items of one theme to another (or unthemed) in one go, pinned; returns how many."""
    get_theme(source_id)
    if theme_id == source_id:
        raise InvalidInput(("theme", "They are in this theme already; choose another one."))
    _check_destination(theme_id)
    # Locked first, as move_item's: the ticked items are still in the source when the move lands.
    chosen = dict(
        db.session.execute(
            select(Feedback.id, Feedback.customer_id)
            .where(Feedback.id.in_(item_ids), Feedback.theme_id == source_id)
            .with_for_update()
        ).all()
    )
    if not chosen:
        raise InvalidInput(("item_ids", "Tick at least one item of this theme to move."))
    with _recounted_customers({source_id, theme_id}, set(chosen.values())):
        _move(chosen, theme_id)
    _shift_size(source_id, -len(chosen))
    _shift_size(theme_id, len(chosen))
    db.session.commit()
    return len(chosen)


# ----- reading ---------------------------------------------------------------------------------


def ranked_themes(today: dt.date | None = None) -> list[ThemeEvidence]:
    """Current themes with their evidence, most customers first; noise last."""
    return _ranked(today)


def ranked_page(offset: int, limit: int, today: dt.date | None = None) -> tuple[list[ThemeEvidence], int]:
    """`limit` of ranked_themes after `offset`, ranked and cut in SQL, and how many there are in all."""
    total = db.session.scalar(
        select(func.count(Feedback.theme_id.distinct())).where(Feedback.theme_id.in_(_current()))
    )
    return _ranked(today, window=(offset, limit)), total


def theme_evidence(theme_id: int, today: dt.date | None = None) -> ThemeEvidence | None:
    """One current theme's evidence as ranked_themes has it, or None (retired, or no items)."""
    found = _ranked(today, _current().where(Theme.id == theme_id))
    return found[0] if found else None


def _current():
    """The ids of current (not retired) themes."""
    return select(Theme.id).where(Theme.retired.is_(False))


def _ranked(
    today: dt.date | None, theme_ids=None, window: tuple[int, int] | None = None
) -> list[ThemeEvidence]:
    """The evidence of the current themes (or of `theme_ids`, a select of ids) in rank order, all
    or the `window` (offset, limit) of them."""
    today = today or clock.today()
    recent_start = today - dt.timedelta(days=TREND_DAYS - 1)
    previous_start = recent_start - dt.timedelta(days=TREND_DAYS)
    # One scan of the covering evidence index (count(*), not count(id), so no row is read) groups the
    # items by theme, channel and stage; the themes' totals, ranked with their kept customer count
    # (docs/themes.md) and cut to the window, are summed from those groups in the same statement.
    recent = func.sum(case((Feedback.received_on >= recent_start, 1), else_=0))
    previous = func.sum(
        case(((Feedback.received_on >= previous_start) & (Feedback.received_on < recent_start), 1), else_=0)
    )
    groups = (
        select(
            Feedback.theme_id,
            Feedback.channel,
            Feedback.stage_id,
            func.count().label("n_items"),
            func.sum(Feedback.sentiment).label("sentiment_sum"),
            func.count(Feedback.sentiment).label("scored"),
            recent.label("recent"),
            previous.label("previous"),
        )
        .where(Feedback.theme_id.is_not(None) if theme_ids is None else Feedback.theme_id.in_(theme_ids))
        .group_by(Feedback.theme_id, Feedback.channel, Feedback.stage_id)
        .cte("groups")
    )
    g = groups.c
    n_items, trend = func.sum(g.n_items), func.sum(g.recent) - func.sum(g.previous)
    ranked = (
        select(
            g.theme_id, func.row_number().over(order_by=_rank_order(n_items, trend, g.theme_id)).label("rank")
        )
        .join(Theme, Theme.id == g.theme_id)
        .where(Theme.retired.is_(False))
        .group_by(g.theme_id, Theme.noise, Theme.customers)
        .order_by(*_rank_order(n_items, trend, g.theme_id))
    )
    if window is not None:
        ranked = ranked.offset(window[0]).limit(window[1])
    ranked = ranked.subquery("ranked")
    rows = db.session.execute(
        select(ranked.c.rank, g.theme_id, g.channel, g.stage_id, g.n_items, g.sentiment_sum, g.scored)
        .add_columns(g.recent, g.previous)
        .join(ranked, ranked.c.theme_id == g.theme_id)
    ).all()
    if not rows:
        return []
    order = {theme_id: rank for rank, theme_id, *_ in rows}
    themes = {t.id: t for t in db.session.scalars(select(Theme).where(Theme.id.in_(order)))}
    stage_order = {s.id: s for s in db.session.scalars(select(Stage).order_by(Stage.position))}
    # Per theme: items, sentiment's sum, items with a sentiment, recent items, previous items.
    totals: dict[int, list] = defaultdict(lambda: [0, 0.0, 0, 0, 0])
    channels: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_stage: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for _, theme_id, channel, stage_id, count, sentiment_sum, scored, recent_items, previous_items in rows:
        total = totals[theme_id]
        total[0] += count
        total[1] += float(sentiment_sum or 0)
        total[2] += scored
        total[3] += int(recent_items or 0)
        total[4] += int(previous_items or 0)
        channels[theme_id][channel] += count
        if stage_id is not None:
            by_stage[theme_id][stage_id] += count
    return [
        ThemeEvidence(
            theme=themes[theme_id],
            items=items,
            customers=themes[theme_id].customers,
            sentiment=round(sentiment_sum / scored, 2) if scored else None,
            recent=recent_items,
            previous=previous_items,
            channels=dict(channels[theme_id]),
            stages=[
                (stage.name, by_stage[theme_id][i])
                for i, stage in stage_order.items()
                if i in by_stage[theme_id]
            ],
            sentiment_sum=sentiment_sum,
            scored=scored,
        )
        for theme_id, (items, sentiment_sum, scored, recent_items, previous_items) in sorted(
            totals.items(), key=lambda pair: order[pair[0]]
        )
    ]


def _rank_order(n_items, trend, theme_id) -> tuple:
    """_rank's order in SQL: noise last, then most customers, most items, fastest rising."""
    return Theme.noise, Theme.customers.desc(), n_items.desc(), trend.desc(), theme_id


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
    journey = list(db.session.scalars(select(Stage.name).order_by(Stage.position)))
    groups = [ThemeGroup(evidence, []) for evidence in children.pop(None, [])]
    for parent in parents:
        members = children[parent.id]
        channels, stages = Counter(), Counter()
        for child in members:
            channels.update(child.channels)
            stages.update(dict(child.stages))
        sentiment_sum, scored = sum(c.sentiment_sum for c in members), sum(c.scored for c in members)
        total = ThemeEvidence(
            theme=parent,
            items=sum(c.items for c in members),
            customers=parent.customers,  # kept: customers do not add up over children
            sentiment=round(sentiment_sum / scored, 2) if scored else None,
            recent=sum(c.recent for c in members),
            previous=sum(c.previous for c in members),
            channels=dict(channels),
            stages=[(name, stages[name]) for name in journey if name in stages],
            sentiment_sum=sentiment_sum,
            scored=scored,
        )
        groups.append(ThemeGroup(total, members))
    groups.sort(key=lambda group: _rank(group.evidence))
    return groups


def by_language(groups: list[ThemeGroup]) -> list[tuple[str, list[ThemeGroup]]]:
    """The ranked lines split by language (named), languages with the most items first."""
    split: dict[str | None, list[ThemeGroup]] = defaultdict(list)
    for group in groups:
        split[group.evidence.theme.language].append(group)
    order = sorted(split, key=lambda code: -sum(g.evidence.items for g in split[code]))
    # Themes from before voc read languages have none until the next run.
    return [(language_names.name(code) if code else "Any language", split[code]) for code in order]


def languages_read() -> tuple[list[tuple[str, str, int]], int]:
    """(code, name, items) per language of the feedback, most first, and the items with no letters."""
    counts = db.session.execute(
        select(Feedback.language, func.count())
        .where(Feedback.erased_at.is_(None))
        .group_by(Feedback.language)
        .order_by(func.count().desc(), Feedback.language)
    ).all()
    spoken = [(code, language_names.name(code), n) for code, n in counts if code is not None]
    return spoken, sum(n for code, n in counts if code is None)


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
        found[i]
        for i in theme.quote_ids
        if i in found and found[i].theme_id in here and found[i].erased_at is None
    ]


def theme_items(theme_id: int | None, page: int, per_page: int):
    """A page of a theme's items (or the unthemed ones), newest first."""
    condition = Feedback.theme_id.is_(None) if theme_id is None else Feedback.theme_id == theme_id
    stmt = (
        select(Feedback)
        .options(joinedload(Feedback.stage))
        .where(condition)
        .order_by(Feedback.received_on.desc(), Feedback.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def theme_choices() -> list[tuple[int, str]]:
    """(id, title) of current themes, not parents, for pickers."""
    # Only the columns a picker shows: whole themes would decode every keyword list on each page.
    rows = db.session.execute(
        select(Theme.id, Theme.name, Theme.label)
        .where(Theme.retired.is_(False), Theme.is_parent.is_(False))
        .order_by(Theme.id)
    )
    return [(id_, name or label) for id_, name, label in rows]
