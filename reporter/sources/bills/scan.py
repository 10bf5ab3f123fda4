"""A bill's header and how DuckDB scans it: file kind, column names, CSV options, FROM clauses.

A CSV is read with every column as text under the names its header gives (empty and repeated names
made unique), with the delimiter the header uses (reporter.sources.bills.layout). Read whole, it is
read tolerantly: a record DuckDB cannot split into the header's fields (a ragged row, a quote that
never closes, a line over the size limit) is set aside with its line number and reported as left
out, and the other records' numbers are corrected for it (reporter.sources.bills.engine).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reporter.errors import InputFormatError
from reporter.sources.base import InputFile
from reporter.sources.bills import layout
from reporter.sources.bills.sql import Column, Columns, ident, literal

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
HEADER_LIMIT = 1 << 20  # the longest header line looked at (bytes, decompressed)
CHUNK = 1024
NULL_STRINGS = ("", "NULL")
MAX_LINE_BYTES = 16 << 20  # the longest record DuckDB accepts (a longer one is left out, named)


def file_kind(path: Path) -> str:
    """'parquet', 'gzip' (gzip-compressed CSV) or 'csv', from the file's first bytes."""
    try:
        with path.open("rb") as handle:
            start = handle.read(4)
    except OSError:
        return "csv"
    if start == PARQUET_MAGIC:
        return "parquet"
    if start[:2] == GZIP_MAGIC:
        return "gzip"
    return "csv"


@dataclass(frozen=True)
class Header:
    """A bill's column names (CSV header or Parquet schema), each with the English name a localised
    header gives in parentheses, and the CSV delimiter."""

    names: tuple[str, ...] = ()
    aliases: tuple[str | None, ...] = ()
    delimiter: str = ","


def header_of(source: InputFile) -> Header:
    stat = source.path.stat()
    return _header(source.path, stat.st_size, stat.st_mtime_ns)


def header_columns(source: InputFile) -> list[str]:
    """Column names of a bill: the CSV header (plain or gzip) or the Parquet schema.

    Parquet struct fields are listed twice: as the struct and as `struct.field` (the names a
    flattened CSV export uses). Unreadable CSV files give an empty list; a file that starts as
    Parquet but whose schema cannot be read is an error saying so.
    """
    return list(header_of(source).names)


def header_names(source: InputFile) -> set[str]:
    """The header's column names in lower case, with the English names of localised headers, for sniffing."""
    header = header_of(source)
    return {name.lower() for name in header.names} | {a.lower() for a in header.aliases if a}


@lru_cache(maxsize=128)
def _header(path: Path, size: int, mtime_ns: int) -> Header:
    kind = file_kind(path)
    if kind == "parquet":
        try:
            names = tuple(column.name for column in parquet_columns(path))
        except Exception as exc:
            raise InputFormatError(f"a Parquet file that cannot be read ({first_line(exc)})", path) from None
        return Header(names, (None,) * len(names))
    try:
        line = _gzip_first_line(path) if kind == "gzip" else _plain_first_line(path)
    except (OSError, EOFError, zlib.error):  # a damaged file is simply not a bill
        return Header()
    text = line.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    if not text.strip():
        return Header()
    delimiter = layout.delimiter_of(text)
    names = tuple(cell.strip() for cell in layout.split_line(text, delimiter))
    return Header(names, tuple(layout.alias_of(name) for name in names), delimiter)


def _plain_first_line(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.readline(HEADER_LIMIT)


def _gzip_first_line(path: Path) -> bytes:
    """The first line of a gzip file, decompressing a kilobyte at a time until it ends."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    data = b""
    with path.open("rb") as handle:
        while b"\n" not in data and len(data) < HEADER_LIMIT:
            chunk = handle.read(CHUNK)
            if not chunk:
                data += inflater.flush()
                break
            data += inflater.decompress(chunk)
    return data.split(b"\n", 1)[0]


def parquet_columns(path: Path) -> list[Column]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns: list[Column] = []

    def visit(name: str, sql: str, kind_of: pa.DataType) -> None:
        if pa.types.is_struct(kind_of):
            columns.append(Column(name, sql, "struct"))
            for index in range(kind_of.num_fields):
                child = kind_of.field(index)
                visit(f"{name}.{child.name}", f"struct_extract({sql}, {literal(child.name)})", child.type)
            return
        if pa.types.is_map(kind_of):
            kind = "map"
        elif pa.types.is_list(kind_of) or pa.types.is_large_list(kind_of):
            kind = "list"
        elif pa.types.is_timestamp(kind_of) or pa.types.is_date(kind_of):
            kind = "timestamp"
        elif pa.types.is_integer(kind_of) or pa.types.is_floating(kind_of) or pa.types.is_decimal(kind_of):
            kind = "number"
        elif pa.types.is_string(kind_of) or pa.types.is_large_string(kind_of):
            kind = "text"
        else:
            kind = "other"
        columns.append(Column(name, sql, kind))

    schema = pq.read_schema(path)
    for item in schema:
        visit(item.name, ident(item.name), item.type)
    return columns


@dataclass(frozen=True)
class Scan:
    """How to read a bill: its kind, and a FROM clause per piece of the file.

    Every clause yields the file's columns plus `__row` (the record's number within its piece,
    from 1) and `__piece`. `header_rows` is how many rows come before the first record (the CSV
    header; none in Parquet), so a record's row number is header_rows + the records of the pieces
    before its own + `__row`. `sample`: the first records of a CSV (layout.Sample); `notes`: what
    the reader should say about the file's shape.
    """

    kind: str
    path: Path
    csv_options: str = ""
    sample: layout.Sample = field(default_factory=lambda: layout.Sample((), None))
    notes: tuple[str, ...] = ()
    delimiter: str = ","  # a CSV's field delimiter

    @property
    def header_rows(self) -> int:
        return 0 if self.kind == "parquet" else 1

    def whole(self) -> str:
        """The whole file as one piece; a CSV record that cannot be split is set aside (`reject_errors`)."""
        if self.kind == "parquet":
            return (
                f"(SELECT *, file_row_number + 1 AS __row, 0 AS __piece "
                f"FROM read_parquet({literal(str(self.path))}, file_row_number = true))"
            )
        return self.csv_piece(str(self.path), 0, tolerant=True)

    def unnumbered(self) -> str:
        """The whole file without row numbers, read on every thread (for checks over all rows that
        name no row); a CSV record that cannot be split is skipped, as the numbered read sets it aside."""
        if self.kind == "parquet":
            return f"read_parquet({literal(str(self.path))})"
        return f"read_csv({literal(str(self.path))}, header = true, {self.csv_options}, ignore_errors = true)"

    def csv_piece(self, location: str, piece: int, tolerant: bool = False) -> str:
        """Piece `piece` of a CSV, read from `location`; only piece 0 starts with the header."""
        header = "true" if piece == 0 else "false"
        rejects = ", ignore_errors = true, store_rejects = true" if tolerant else ""
        return (
            f"(SELECT *, row_number() OVER () AS __row, {piece} AS __piece "
            f"FROM read_csv({literal(location)}, header = {header}, {self.csv_options}{rejects}))"
        )


def scan_columns(source: InputFile) -> tuple[Scan, Columns]:
    """How to scan the file, and the file's columns."""
    path = source.path
    kind = file_kind(path)
    if kind == "parquet":
        try:
            columns = parquet_columns(path)
        except Exception as exc:
            raise InputFormatError(f"a Parquet file that cannot be read ({first_line(exc)})", path) from None
        return Scan(kind, path), Columns(columns, path)
    header = header_of(source)
    if not header.names:
        raise InputFormatError("the file has no header row", path, 1)
    names, aliases = list(header.names), list(header.aliases)
    sample = layout.sample(path, kind == "gzip", header.delimiter)
    notes = []
    if header.delimiter != ",":
        notes.append(f"the file's fields are separated by a {layout.DELIMITER_NAMES[header.delimiter]}")
    if sample.row_fields is not None and sample.row_fields < len(names):
        notes.append(layout.short_header_note(names, sample.row_fields))
        names, aliases = names[: sample.row_fields], aliases[: sample.row_fields]
    unique: list[str] = []
    for index, name in enumerate(names, start=1):
        candidate = name or f"column{index}"
        while candidate in unique:
            candidate = f"{candidate}_{index}"
        unique.append(candidate)
    declared = ", ".join(f"{literal(name)}: 'VARCHAR'" for name in unique)
    nulls = ", ".join(literal(value) for value in NULL_STRINGS)
    options = (
        f"auto_detect = false, columns = {{{declared}}}, delim = {literal(header.delimiter)}, quote = '\"', "
        f"escape = '\"', strict_mode = true, nullstr = [{nulls}], max_line_size = {MAX_LINE_BYTES}, "
        f"compression = '{'gzip' if kind == 'gzip' else 'none'}'"
    )
    columns = [Column(name, ident(name), "text", alias) for name, alias in zip(unique, aliases, strict=True)]
    return Scan(kind, path, options, sample, tuple(notes), header.delimiter), Columns(columns, path)


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
