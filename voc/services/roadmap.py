"""The transformation roadmap: hits by journey stage and horizon, and its exports."""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from voc import export, pii
from voc.extensions import db
from voc.models import HORIZONS, Stage
from voc.services import audit, clock, hits
from voc.services.errors import InvalidInput

FORMATS = {
    # name: (file extension, MIME type)
    "csv": ("csv", "text/csv; charset=utf-8"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "md": ("md", "text/markdown; charset=utf-8"),
    "json": ("json", "application/json"),
    "jira": ("csv", "text/csv; charset=utf-8"),
}


@dataclass(frozen=True)
class RoadmapFilters:
    """Which part of the roadmap to show or export; dropped hits never appear."""

    stage_id: int | None = None
    horizon: str | None = None


@dataclass(frozen=True)
class Cell:
    """The hits of one stage in one horizon, highest score first, with their evidence counts."""

    hits: list[hits.RankedHit]
    evidence: dict[int, int]  # hit id -> items behind it


@dataclass(frozen=True)
class Grid:
    """Rows are stages in journey order, columns are horizons nearest first."""

    stages: list[Stage]
    horizons: tuple[str, ...]
    cells: dict[tuple[int, str], Cell]

    @property
    def total(self) -> int:
        return sum(len(cell.hits) for cell in self.cells.values())


def _ranked(filters: RoadmapFilters) -> list[hits.RankedHit]:
    if filters.horizon is not None and filters.horizon not in HORIZONS:
        raise InvalidInput(("horizon", f"Horizon must be one of: {', '.join(HORIZONS)}."))
    ranked = hits.ranked_hits(hits.BoardFilters(stage_id=filters.stage_id))
    return [r for r in ranked if filters.horizon in (None, r.hit.horizon)]


def _stages(ranked: list[hits.RankedHit], stage_id: int | None) -> list[Stage]:
    """Active stages in order, plus any retired stage that still has hits on the roadmap."""
    used = {r.hit.stage_id for r in ranked}
    stages = db.session.scalars(select(Stage).order_by(Stage.position, Stage.id))
    return [s for s in stages if (not s.retired or s.id in used) and stage_id in (None, s.id)]


def grid(filters: RoadmapFilters) -> Grid:
    """The roadmap page: one row per stage, one column per horizon."""
    ranked = _ranked(filters)
    horizons = (filters.horizon,) if filters.horizon else HORIZONS
    stages = _stages(ranked, filters.stage_id)
    items = hits.items_by_hit([r.hit.id for r in ranked])
    cells = {(s.id, h): Cell([], {}) for s in stages for h in horizons}
    for r in ranked:
        cell = cells[(r.hit.stage_id, r.hit.horizon)]
        cell.hits.append(r)
        cell.evidence[r.hit.id] = items.get(r.hit.id, 0)
    return Grid(stages, horizons, cells)


def quotable(hit, items) -> tuple[str, ...]:
    """Up to three quotes that speak for the hit, only from customers who agreed, personal data masked."""
    consented = [i for i in items if i.customer is not None and i.customer.consent_quote]
    return tuple(pii.mask(q.text) for q in hits.hit_summary(hit, consented).quotes[: export.MAX_QUOTES])


def build(filters: RoadmapFilters, today: dt.date | None = None) -> export.Roadmap:
    """The roadmap as the export core takes it, filtered as on screen."""
    if filters.stage_id is not None and db.session.get(Stage, filters.stage_id) is None:
        raise InvalidInput(("stage", "That stage does not exist."))
    ranked = _ranked(filters)
    rows = []
    for r in ranked:
        items = hits.evidence_items(r.hit.id)
        summary = hits.with_impact(hits.summarise(items), items)
        rows.append(
            export.RoadmapHit(
                title=r.hit.title,
                problem=r.hit.problem,
                stage=r.hit.stage.name,
                horizon=r.hit.horizon,
                kind=r.hit.kind,
                owner=r.hit.owner.name if r.hit.owner else "",
                status=r.hit.status,
                score=r.rice.score,
                reach=r.rice.reach,
                impact=r.hit.impact,
                confidence=r.hit.confidence,
                effort=r.hit.effort,
                target_date=r.hit.target_date,
                evidence=export.Evidence(
                    items=summary.items,
                    customers=summary.customers,
                    channels=dict(summary.channels),
                    first_seen=summary.earliest,
                    last_seen=summary.latest,
                    mean_sentiment=summary.mean_sentiment,
                    share_negative=summary.negative_share,
                    score_impact={k: (i.points, i.low, i.high) for k, i in summary.score_impact.items()},
                ),
                quotes=quotable(r.hit, items),
            )
        )
    shown = {}
    if filters.stage_id:
        shown["stage"] = db.session.get(Stage, filters.stage_id).name
    if filters.horizon:
        shown["horizon"] = filters.horizon
    return export.Roadmap(
        stages=tuple(s.name for s in _stages(ranked, filters.stage_id)),
        horizons=HORIZONS,
        hits=tuple(rows),
        generated_on=today or clock.today(),
        filters=shown,
    )


def _record_export(what: str, filters: RoadmapFilters, actor: audit.Actor) -> None:
    """Note in the audit log who took which part of the roadmap away."""
    pairs = (("stage", filters.stage_id), ("horizon", filters.horizon))
    chosen = ", ".join(f"{k}={v}" for k, v in pairs if v)
    audit.record("export", actor, "roadmap", None, f"{what}{f' ({chosen})' if chosen else ''}")


def for_print(filters: RoadmapFilters, actor: audit.Actor) -> export.Roadmap:
    """The roadmap for the print view, which people save as PDF: logged like the file exports."""
    roadmap = build(filters)
    _record_export("print view", filters, actor)
    return roadmap


def render(
    filters: RoadmapFilters, fmt: str, actor: audit.Actor, today: dt.date | None = None
) -> tuple[bytes, str, str]:
    """(file content, MIME type, file name) of one export format, logged in the audit log."""
    if fmt not in FORMATS:
        raise InvalidInput(("format", f"Format must be one of: {', '.join(FORMATS)}."))
    roadmap = build(filters, today)
    _record_export(fmt, filters, actor)
    writers = {
        "csv": lambda: export.to_csv(roadmap).encode("utf-8-sig"),  # the BOM tells Excel it is UTF-8
        "xlsx": lambda: export.to_xlsx(roadmap),
        "md": lambda: export.to_markdown(roadmap).encode(),
        "json": lambda: export.to_json(roadmap).encode(),
        "jira": lambda: export.to_jira_csv(roadmap).encode(),
    }
    extension, mimetype = FORMATS[fmt]
    suffix = "-jira" if fmt == "jira" else ""
    return writers[fmt](), mimetype, f"voc-roadmap-{roadmap.generated_on.isoformat()}{suffix}.{extension}"
