"""The mapping step of an import: a file's columns and first rows, a guessed, preset or saved mapping,
the day/month order its dates use, and mappings saved by name."""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from voc.extensions import db
from voc.ingest import PRESETS, Mapping, ReadError, detect_date_order, guess_mapping, why_no_text
from voc.models import SavedMapping
from voc.services.errors import InvalidInput, NotFound
from voc.services.uploads import Upload, open_table

PREVIEW_ROWS = 10  # rows shown on the mapping page
SAMPLE_ROWS = 200  # rows read to guess the mapping and the date order
DATE_ORDER_CHOICES = ("dmy", "mdy")  # what a user may confirm; 'ymd' means no numeric dd/mm dates
DATE_ORDERS_ALLOWED = ("ymd", *DATE_ORDER_CHOICES)


@dataclass
class Inspection:
    """What the mapping page shows: the columns, the first rows, a guessed mapping and the date order."""

    upload: Upload
    header: list[str]
    rows: list[list[str]]
    mapping: Mapping
    date_order: str  # 'ymd' (no ambiguity seen), 'dmy', 'mdy' or 'ambiguous'
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    no_text: list[str] = field(default_factory=list)  # why no column was taken as text, if none was


def inspect(upload: Upload, preset: str | None = None, saved_id: int | None = None) -> Inspection:
    """Columns, first rows and a mapping: the chosen preset's or saved one's, else the best guess."""
    with open_table(upload) as (table, _):
        try:
            sample = table.peek(SAMPLE_ROWS)
        except ReadError as error:
            raise InvalidInput(("file", f"{upload.filename}: {error}.")) from None
        if not sample:
            raise InvalidInput(("file", f"{upload.filename} has a header row but no data rows."))
        following = [row.values for row in sample]
        if saved_id is not None:
            mapping = Mapping.from_dict(get_saved_mapping(saved_id).mapping)
        elif preset:
            if preset not in PRESETS:
                raise InvalidInput(("preset", f"There is no preset called '{preset}'."))
            mapping = PRESETS[preset].mapping(table.header, following)
        else:
            mapping = guess_mapping(table.header, following)
        return Inspection(
            upload=upload,
            header=table.header,
            rows=[[shown(value) for value in row.values] for row in sample[:PREVIEW_ROWS]],
            mapping=mapping,
            date_order=_detect_order(table.header, mapping, following),
            encoding=table.encoding,
            delimiter=table.delimiter,
            sheet=table.sheet,
            no_text=[] if mapping.text else why_no_text(table.header, mapping),
        )


def shown(value: object) -> str:
    """A cell as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _detect_order(header: list[str], mapping: Mapping, following: list[list]) -> str:
    """The day/month order the sample's date column proves, 'ymd' without dates."""
    if not mapping.date or mapping.date not in header:
        return "ymd"
    column = header.index(mapping.date)
    return detect_date_order(values[column] for values in following[mapping.header_rows :])


def date_order(header: list[str], mapping: Mapping, chosen: str, sample: list[list]) -> str:
    """The user's order, else what the sample proves; an ambiguous sample needs the user to choose."""
    if chosen:
        if chosen not in DATE_ORDERS_ALLOWED:
            raise InvalidInput(("date_order", "Choose day first or month first."))
        return chosen
    detected = _detect_order(header, mapping, sample)
    if detected == "ambiguous":
        raise InvalidInput(
            (
                "date_order",
                f"Dates in '{mapping.date}' such as 03/04/2024 could be day first or month "
                "first: choose the order the file uses.",
            )
        )
    return detected


def presets() -> list[tuple[str, str]]:
    """(name, label) of every preset, for pickers."""
    return [(name, preset.label) for name, preset in PRESETS.items()]


def save_mapping(name: str, mapping: Mapping, user_id: int) -> tuple[SavedMapping, bool]:
    """Keep a mapping under a name (replacing one of that name); returns it and whether it is new."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(("mapping_name", "Give the mapping a name."))
    if len(name) > 100:
        raise InvalidInput(("mapping_name", "Keep the name under 100 characters."))
    saved = db.session.scalar(select(SavedMapping).where(SavedMapping.name == name))
    created = saved is None
    if created:
        saved = SavedMapping(name=name, created_by_id=user_id)
        db.session.add(saved)
    saved.mapping = mapping.to_dict()
    db.session.commit()
    return saved, created


def saved_mappings() -> list[SavedMapping]:
    """Every saved mapping, by name."""
    return list(db.session.scalars(select(SavedMapping).order_by(func.lower(SavedMapping.name))))


def get_saved_mapping(saved_id: int) -> SavedMapping:
    """One saved mapping, or NotFound."""
    saved = db.session.get(SavedMapping, saved_id)
    if saved is None:
        raise NotFound(("saved", "That saved mapping does not exist."))
    return saved


def saved_mapping_named(name: str) -> Mapping:
    """A saved mapping by its name (the CLI's --mapping)."""
    saved = db.session.scalar(select(SavedMapping).where(SavedMapping.name == " ".join(name.split())))
    if saved is None:
        raise NotFound(("mapping", f"There is no saved mapping called '{name}'."))
    return Mapping.from_dict(saved.mapping)
