"""Uploaded CSV/TSV/XLSX bytes -> a header and a stream of numbered rows, never the whole file at once."""

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import openpyxl

from voc.ingest.controls import strip_controls

SAMPLE_BYTES = 64 * 1024
HEADER_SCAN_ROWS = 20  # non-blank rows looked at to find the header and the used width
DELIMITERS = (",", ";", "\t")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"


class ReadError(ValueError):
    """The file cannot be read as a table; the message says why in the user's terms."""


@dataclass(slots=True)
class SourceRow:
    """One data row: its spreadsheet row number and one value per header column."""

    number: int
    values: list


class Table:
    """A file's header and its data rows, read lazily; iterate it once (peek does not consume)."""

    def __init__(
        self,
        header: list[str],
        header_row: int,
        scanned: list[tuple[int, Sequence]],
        records: Generator[tuple[int, Sequence], None, None],
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
    ):
        self.header = header
        self.header_row = header_row
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet
        self.blank_rows = 0  # blank rows met so far below the header; final once iterated
        self._records = records
        self._rows = self._data_rows(itertools.chain(scanned, records))

    def _data_rows(self, rows: Iterator[tuple[int, Sequence]]) -> Iterator[SourceRow]:
        """Rows cut or padded to the header width; blank ones are counted and skipped."""
        width = len(self.header)
        padding = [""] * width
        for number, values in rows:
            if _is_blank(values):
                self.blank_rows += 1
                continue
            values = list(values[:width])
            if len(values) < width:
                values += padding[len(values) :]
            yield SourceRow(number, values)

    def __iter__(self) -> Iterator[SourceRow]:
        return self._rows

    def peek(self, count: int) -> list[SourceRow]:
        """The next `count` data rows, left in place for the next iteration (for previews and presets)."""
        head = list(itertools.islice(self._rows, count))
        self._rows = itertools.chain(head, self._rows)
        return head

    def close(self) -> None:
        """Releases the file (an XLSX workbook stays open until its rows are exhausted or closed)."""
        self._records.close()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_table(stream: BinaryIO, filename: str, sheet: str | None = None) -> Table:
    """Opens a seekable binary upload as a table; the name's suffix (or the bytes) say CSV or XLSX."""
    suffix = filename.lower().rpartition(".")[2]
    if suffix == "xls":
        raise ReadError("old Excel .xls files are not supported: save the sheet as .xlsx or CSV")
    start = stream.tell()
    head = stream.read(len(ZIP_MAGIC))
    stream.seek(start)
    if "." + suffix in XLSX_SUFFIXES or head == ZIP_MAGIC:
        return _read_xlsx(stream, sheet)
    return _read_text(stream)


def _read_text(stream: BinaryIO) -> Table:
    """CSV/TSV: encoding and delimiter decided on the first 64 KB, then parsed as a text stream."""
    start = stream.tell()
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(start)
    encoding = detect_encoding(sample)
    text_sample = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    delimiter = sniff_delimiter(text_sample)
    records = _csv_records(stream, encoding, delimiter)
    return _table(records, encoding=encoding, delimiter=delimiter)


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with BOM; anything else that is not UTF-8 is Windows-1252."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # Incremental, so a character cut off at the end of the sample is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the sample's rows into the most rows of one common width (> 1)."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        records = list(itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 50))
        # The last record may be cut off by the sample boundary.
        widths = [len(r) for r in records[:-1] or records if len(r) > 1]
        if not widths:
            continue
        common = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_records(
    stream: BinaryIO, encoding: str, delimiter: str
) -> Generator[tuple[int, list[str]], None, None]:
    """Numbered CSV records; a bad byte or broken quoting later on becomes a ReadError naming the row."""
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    number = 0
    try:
        lines = map(strip_controls, text)  # per line, not per cell: NUL and friends never reach a row
        for number, record in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
            yield number, record
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"row {number + 1}: the file is not valid {_encoding_name(encoding)} "
            f"(byte 0x{exc.object[exc.start]:02x}); save it as UTF-8 CSV and upload it again"
        ) from None
    except csv.Error as exc:
        raise ReadError(f"row {number + 1}: the file cannot be read as CSV ({exc})") from None
    finally:
        text.detach()  # the caller owns the stream; the wrapper must not close it


def _encoding_name(encoding: str) -> str:
    """The encoding as people know it."""
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252"}[encoding]


def _read_xlsx(stream: BinaryIO, sheet: str | None) -> Table:
    """XLSX: one sheet (the first unless named), streamed read-only with typed cell values."""
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(f"the file cannot be read as an Excel workbook ({exc})") from None
    if sheet is not None and sheet not in workbook.sheetnames:
        workbook.close()
        raise ReadError(f"the workbook has no sheet named '{sheet}'")
    worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    worksheet.reset_dimensions()  # some exporters record wrong dimensions; read to the real end

    def records() -> Generator[tuple[int, Sequence], None, None]:
        try:
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
                yield number, [strip_controls(v) if v.__class__ is str else v for v in values]
        finally:
            workbook.close()

    return _table(records(), sheet=worksheet.title)


def _table(records: Generator[tuple[int, Sequence], None, None], **details: str) -> Table:
    """Finds the header below any title or blank rows and names its columns."""
    scanned = []
    non_blank = 0
    for record in records:
        scanned.append(record)
        non_blank += not _is_blank(record[1])
        if non_blank >= HEADER_SCAN_ROWS:
            break
    filled = [(number, values, _filled(values)) for number, values in scanned if not _is_blank(values)]
    if not filled:
        records.close()
        raise ReadError("the file has no rows")
    widest = max(len(cells) for _, _, cells in filled)
    # The header is the first row with at least two cells and at least half as many as the widest row;
    # a one-cell title or "exported on" line above it does not qualify.
    header_row, header_values = next(
        ((number, values) for number, values, cells in filled if len(cells) >= max(2, (widest + 1) // 2)),
        filled[0][:2],
    )
    below = [record for record in scanned if record[0] > header_row]
    # Columns are used up to the last one with a header or a value in the scanned rows.
    width = max(max(_filled(values), default=-1) for values in [header_values] + [v for _, v in below]) + 1
    header = _name_columns(header_values[:width], width)
    return Table(header, header_row, below, records, **details)


def _name_columns(values: Sequence, width: int) -> list[str]:
    """Header cells as unique names: blanks become 'Column N', repeats get ' (2)', ' (3)', …"""
    names: list[str] = []
    seen: dict[str, int] = {}
    for index in range(width):
        value = values[index] if index < len(values) else None
        name = " ".join(str(value).split()) if value is not None else ""
        name = name or f"Column {index + 1}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def _filled(values: Sequence) -> list[int]:
    """Indexes of the cells that hold something other than whitespace."""
    return [i for i, v in enumerate(values) if v is not None and (not isinstance(v, str) or v.strip())]


def _is_blank(values: Sequence) -> bool:
    """True for a row with no cell holding anything but whitespace."""
    for value in values:
        if value is not None and (value.__class__ is not str or value.strip()):
            return False
    return True
