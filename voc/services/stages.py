"""Journey stages: the ordered axis every dashboard reads along."""

from sqlalchemy import func, select

from voc.extensions import db
from voc.models import Stage
from voc.services.errors import InvalidInput, NotFound

DEFAULT_STAGES = (
    ("Awareness", "The customer learns we exist: adverts, word of mouth, search, comparison sites."),
    ("Consider", "The customer weighs us up: prices, plans, terms, quotes and sign-up."),
    ("Action", "The customer buys and uses us: onboarding, delivery, billing, support."),
)


def list_stages(include_retired: bool = False) -> list[Stage]:
    """Stages in journey order, retired ones last when included."""
    stmt = select(Stage).order_by(Stage.retired, Stage.position, Stage.id)
    if not include_retired:
        stmt = stmt.where(Stage.retired.is_(False))
    return list(db.session.scalars(stmt))


def seed_default_stages() -> int:
    """Create Awareness → Consider → Action on an empty table; returns how many were made."""
    if db.session.scalar(select(func.count(Stage.id))):
        return 0
    for position, (name, description) in enumerate(DEFAULT_STAGES):
        db.session.add(Stage(name=name, description=description, position=position))
    db.session.commit()
    return len(DEFAULT_STAGES)


def active_stage(stage_id: int | None, field: str = "stage") -> Stage | None:
    """The stage for an optional id, refusing unknown and retired ones."""
    if stage_id is None:
        return None
    stage = db.session.get(Stage, stage_id)
    if stage is None or stage.retired:
        raise InvalidInput((field, "Choose a journey stage that exists and is not retired."))
    return stage


def _check_name(name: str, stage_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput(("name", "A stage needs a name."))
    clash = db.session.scalar(select(Stage).where(func.lower(Stage.name) == name.lower()))
    if clash is not None and clash.id != stage_id:
        raise InvalidInput(("name", f"There is already a stage called “{clash.name}”."))
    return name


def add_stage(name: str, description: str = "") -> Stage:
    """Append a stage at the end of the journey."""
    name = _check_name(name)
    last = db.session.scalar(select(func.max(Stage.position))) or 0
    stage = Stage(name=name, description=description.strip(), position=last + 1)
    db.session.add(stage)
    db.session.commit()
    return stage


def _get(stage_id: int) -> Stage:
    stage = db.session.get(Stage, stage_id)
    if stage is None:
        raise NotFound(("stage", "That stage does not exist."))
    return stage


def update_stage(stage_id: int, name: str, description: str) -> Stage:
    """Rename a stage or change its description; its feedback follows."""
    stage = _get(stage_id)
    stage.name = _check_name(name, stage_id)
    stage.description = description.strip()
    db.session.commit()
    return stage


def move_stage(stage_id: int, offset: int) -> None:
    """Swap a stage with its neighbour among the active stages (offset -1 earlier, +1 later)."""
    stages = list_stages()
    index = next((i for i, s in enumerate(stages) if s.id == stage_id), None)
    if index is None:
        raise NotFound(("stage", "Only active stages can be reordered."))
    other = index + offset
    if 0 <= other < len(stages):
        stages[index], stages[other] = stages[other], stages[index]
        for position, stage in enumerate(stages):
            stage.position = position
        db.session.commit()


def set_retired(stage_id: int, retired: bool) -> Stage:
    """Retire a stage (hidden from new input, its feedback kept) or bring it back at the end."""
    stage = _get(stage_id)
    if stage.retired != retired and not retired:
        stage.position = (db.session.scalar(select(func.max(Stage.position))) or 0) + 1
    stage.retired = retired
    db.session.commit()
    return stage


def stage_choices(include_retired: bool = False, blank: str = "— none —") -> list[tuple]:
    """(id, name) options for a stage picker, in journey order, led by a blank option."""
    return [("", blank)] + [
        (s.id, s.name + (" (retired)" if s.retired else "")) for s in list_stages(include_retired)
    ]


def stage_id_named(name: str) -> int:
    """The id of a stage by its name (case-insensitive), as the command line and API entries name it."""
    stage = db.session.scalar(select(Stage).where(db.func.lower(Stage.name) == name.strip().lower()))
    if stage is None:
        raise InvalidInput(("stage", f"There is no stage called “{name}”."))
    return stage.id
