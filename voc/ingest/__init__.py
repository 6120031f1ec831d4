"""Pure file ingest: uploaded CSV/XLSX -> numbered rows -> feedback items or row errors."""

from voc.ingest.dates import DateError, detect_date_order, parse_date
from voc.ingest.mapping import (
    PRESETS,
    Mapping,
    MappingError,
    Preset,
    detect_preset,
    guess_mapping,
    why_no_text,
)
from voc.ingest.parse import (
    CustomerRef,
    Item,
    ParseOptions,
    RowError,
    RowParser,
    customer_key,
    duplicate_key,
    normalise_text,
)
from voc.ingest.reader import ReadError, SourceRow, Table, read_table

__all__ = [
    "PRESETS",
    "CustomerRef",
    "DateError",
    "Item",
    "Mapping",
    "MappingError",
    "ParseOptions",
    "Preset",
    "ReadError",
    "RowError",
    "RowParser",
    "SourceRow",
    "Table",
    "customer_key",
    "detect_date_order",
    "detect_preset",
    "duplicate_key",
    "guess_mapping",
    "normalise_text",
    "parse_date",
    "read_table",
    "why_no_text",
]
