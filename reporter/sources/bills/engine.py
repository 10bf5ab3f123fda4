"""Shared machinery of the cloud-bill readers: header sniffing and one DuckDB pass over the file.

A bill can hold tens of millions of rows, so it is never loaded into pandas. Each reader describes
its format as SQL expressions over the file's columns (a `BillMapping`, reporter.sources.bills.sql);
`read_bill` then runs one aggregate query (reporter.sources.bills.query) in DuckDB (two threads, a
memory limit, spilling to a temporary folder) that

* sorts every row into usage or a reason for leaving it out (tax, credits, fees, ...),
* sums usage rows per day of the usage start and per billing dimension (provider, billing account,
  sub-account, service, region, usage type, instance type, unit, currency, vCPUs, GPUs, memory and
  the values of the configured tag keys) with their row count and first row number,
* counts the left-out rows per reason with up to five example row numbers, and
* notes the first malformed quantity, cost or time in a usage row, which is reported as an error.

The query has two stages (see `query.aggregate_sql`). The first, the only one that sees every row, groups
the rows on the raw values of the columns the mapping reads and of the usage start and end, so the
mapping's costly expressions (JSON tags, regular expressions, provider and region names, time
formats) run once per distinct combination instead of once per row; the second evaluates them and
combines the groups. Sums are added up per group first (compensated), so a total can differ from a
single running sum in its last bit. DuckDB numbers CSV rows as they arrive (`row_number() OVER
()`), on one thread per stream, so a big plain CSV is read as two pieces at once
(reporter.sources.bills.pieces); a Parquet file numbers its own rows and is read on both threads.

Row numbers: in a CSV file (plain or gzip) a row's number is its record number counting the header
as row 1, which is its line number unless a quoted field spans lines; in a Parquet file it is the
row index + 1. A CSV is read with every column as text and cast explicitly; an empty cell and the
text NULL (as some exports write it) are both empty. Times are UTC (zoned values are converted;
unzoned values are taken as UTC).
Numbers are kept as the bill states them: quantities in the bill's unit, memory in the provider's
GiB figure.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from reporter import progress
from reporter.errors import InputFormatError
from reporter.records import READING_COLUMNS, ExclusionGroup, Method, typed_readings
from reporter.sources.base import InputFile, ReadResult
from reporter.sources.bills import pieces
from reporter.sources.bills.query import aggregate_sql
from reporter.sources.bills.sql import (
    BillMapping,
    Column,
    Columns,
    entries,
    ident,
    literal,
    tag_lookup,
)

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
HEADER_LIMIT = 1 << 20  # the longest header line looked at (bytes, decompressed)
CHUNK = 1024
THREADS = 2
PIECES = THREADS  # a big plain CSV is read in this many pieces at once
MEMORY_SHARE = 0.25  # of the machine's memory, for DuckDB while it reads a bill (at least 1 GB)


def memory_limit() -> str:
    """DuckDB's memory limit: a quarter of the machine's memory, at least 1 GB. DuckDB spills to
    its temporary folder beyond it where it can, but the per-group states of the bill query
    (example rows, first bad values) must stay in memory: a 1 GB limit failed on a 10M-row
    Parquet bill of 588,000 readings."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "1GB"
    return f"{max(1024, int(total * MEMORY_SHARE / 2**20))}MB"
NULL_STRINGS = ("", "NULL")


# --------------------------------------------------------------------------------------------
# Headers


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


def header_columns(source: InputFile) -> list[str]:
    """Column names of a bill: the CSV header (plain or gzip) or the Parquet schema.

    Parquet struct fields are listed twice: as the struct and as `struct.field` (the names a
    flattened CSV export uses). Unreadable files give an empty list (sniffing never fails).
    """
    stat = source.path.stat()
    return list(_header(source.path, stat.st_size, stat.st_mtime_ns))


def header_names(source: InputFile) -> set[str]:
    """The header's column names in lower case, for sniffing."""
    return {name.lower() for name in header_columns(source)}


@lru_cache(maxsize=128)
def _header(path: Path, size: int, mtime_ns: int) -> tuple[str, ...]:
    try:
        kind = file_kind(path)
        if kind == "parquet":
            return tuple(column.name for column in _parquet_columns(path))
        line = _gzip_first_line(path) if kind == "gzip" else _plain_first_line(path)
    except Exception:  # a damaged file is simply not a bill; reading it reports the problem
        return ()
    text = line.decode("utf-8-sig", errors="replace").rstrip("\r\n")
    if not text.strip():
        return ()
    cells = next(csv.reader([text]), [])
    return tuple(cell.strip() for cell in cells)


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


def _parquet_columns(path: Path) -> list[Column]:
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


def option_day_months(source: InputFile) -> list[str]:
    """The months ('YYYY-MM') summed per day: those the reporting period cuts (option `day_months`)."""
    raw: Any = source.options.get("day_months")
    return sorted(str(month) for month in raw) if isinstance(raw, list | tuple) else []


def _by_day(day_months: list[str]) -> str:
    return f" (per day in {', '.join(day_months)}, which the reporting period cuts)" if day_months else ""


def option_tag_keys(source: InputFile) -> list[str]:
    """The tag keys to keep (option `tag_keys`: a list, or a comma-separated text)."""
    raw: Any = source.options.get("tag_keys")
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list | tuple):
        return []
    keys: list[str] = []
    for key in raw:
        cleaned = str(key).strip()
        if cleaned and cleaned not in keys:
            keys.append(cleaned)
    return keys


# --------------------------------------------------------------------------------------------
# The scan


@contextmanager
def connection(preserve_order: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection with two threads, a memory limit and its own spill folder.

    `preserve_order` keeps rows in file order where row numbers are counted as rows arrive
    (`row_number() OVER ()` over a CSV); a Parquet scan numbers its rows itself.
    """
    spill = tempfile.mkdtemp(prefix="reporter-bill-")
    try:
        con = duckdb.connect(
            ":memory:",
            config={
                "threads": THREADS,
                "memory_limit": memory_limit(),
                "temp_directory": spill,
                "preserve_insertion_order": preserve_order,
            },
        )
        try:
            con.execute("SET TimeZone = 'UTC'")
            # progress is tracked (reporter.progress reads it) but never printed by DuckDB itself
            con.execute("SET enable_progress_bar = true")
            con.execute("SET enable_progress_bar_print = false")
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)


@dataclass(frozen=True)
class Scan:
    """How to read a bill: its kind, and a FROM clause per piece of the file.

    Every clause yields the file's columns plus `__row` (the record's number within its piece,
    from 1) and `__piece`. `header_rows` is how many rows come before the first record (the CSV
    header; none in Parquet), so a record's row number is header_rows + the records of the pieces
    before its own + `__row`.
    """

    kind: str
    path: Path
    csv_options: str = ""

    @property
    def header_rows(self) -> int:
        return 0 if self.kind == "parquet" else 1

    def whole(self) -> str:
        """The whole file as one piece."""
        if self.kind == "parquet":
            return (
                f"(SELECT *, file_row_number + 1 AS __row, 0 AS __piece "
                f"FROM read_parquet({literal(str(self.path))}, file_row_number = true))"
            )
        return self.csv_piece(str(self.path), 0)

    def csv_piece(self, location: str, piece: int) -> str:
        """Piece `piece` of a CSV, read from `location`; only piece 0 starts with the header."""
        header = "true" if piece == 0 else "false"
        return (
            f"(SELECT *, row_number() OVER () AS __row, {piece} AS __piece "
            f"FROM read_csv({literal(location)}, header = {header}, {self.csv_options}))"
        )


def scan_columns(source: InputFile) -> tuple[Scan, Columns]:
    """How to scan the file, and the file's columns."""
    path = source.path
    kind = file_kind(path)
    if kind == "parquet":
        try:
            columns = _parquet_columns(path)
        except Exception as exc:
            raise InputFormatError(f"not a readable Parquet file ({_first_line(exc)})", path) from None
        return Scan(kind, path), Columns(columns, path)
    names = header_columns(source)
    if not names:
        raise InputFormatError("the file has no header row", path, 1)
    unique: list[str] = []
    for index, name in enumerate(names, start=1):
        candidate = name or f"column{index}"
        while candidate in unique:
            candidate = f"{candidate}_{index}"
        unique.append(candidate)
    declared = ", ".join(f"{literal(name)}: 'VARCHAR'" for name in unique)
    nulls = ", ".join(literal(value) for value in NULL_STRINGS)
    options = (
        f"auto_detect = false, columns = {{{declared}}}, delim = ',', quote = '\"', escape = '\"', "
        f"strict_mode = true, nullstr = [{nulls}], compression = '{'gzip' if kind == 'gzip' else 'none'}'"
    )
    return Scan(kind, path, options), Columns([Column(name, ident(name), "text") for name in unique], path)


def read_bill(
    source: InputFile,
    format_name: str,
    build: Callable[[Columns, list[str]], BillMapping],
) -> ReadResult:
    """Read one bill with the reader's mapping: aggregated readings and grouped exclusions."""
    path = source.path
    keys = option_tag_keys(source)
    scan, columns = scan_columns(source)
    mapping = build(columns, keys)
    day_months = option_day_months(source)
    groups = _run(scan, lambda clause: aggregate_sql(clause, scan.header_rows, columns, mapping, keys, day_months))
    if _any_bad(groups):  # read again, carrying the bad values' text, to name the first one
        groups = _run(scan, lambda clause: aggregate_sql(
            clause, scan.header_rows, columns, mapping, keys, day_months, values=True))
    _check_values(groups, mapping, path)
    usage = groups[groups["reason"].isna()]
    excluded = groups[groups["reason"].notna()].sort_values("first_row")
    readings = _readings(usage, source, format_name)
    exclusion_groups = [
        ExclusionGroup(str(row.reason), int(row.rows), tuple(int(r) for r in row.examples))
        for row in excluded.itertuples()
    ]
    rows_read = int(groups["rows"].sum())
    notes = list(mapping.notes)
    if len(usage):
        notes.append(
            f"{int(usage['rows'].sum())} usage row(s) summed into {len(usage)} reading(s): one per month of usage "
            f"start{_by_day(day_months)}, account, service, region, usage type, instance type, unit and kept tag "
            "values, rows that run past their month apart (times UTC)"
        )
    flags = set(";".join(readings["flags"]).split(";")) - {""}
    notes += [note for flag, note in mapping.flag_notes.items() if flag in flags]
    return ReadResult(
        readings=readings,
        rows_read=rows_read,
        notes=notes,
        exclusion_groups=exclusion_groups,
    )


def _run(scan: Scan, query: Callable[[str], str]) -> pd.DataFrame:
    """The groups of the aggregate query over the file: a big plain CSV in pieces read at once
    (see reporter.sources.bills.pieces) when that works, else the whole file as one stream."""
    label = f"reading {scan.path.name}"
    with connection(preserve_order=scan.kind != "parquet") as con, progress.query(con, label):
        if scan.kind == "csv" and THREADS > 1 and pieces.can_split(scan.path):
            groups = _run_in_pieces(con, scan, query)
            if groups is not None:
                return groups
        try:
            return con.execute(query(scan.whole())).df()
        except duckdb.Error as exc:
            raise _read_error(exc, scan.path) from None


def _run_in_pieces(
    con: duckdb.DuckDBPyConnection, scan: Scan, query: Callable[[str], str]
) -> pd.DataFrame | None:
    """The groups from the file's pieces, or None when the pieces cannot be trusted: a cut inside a
    quoted line break, bad input (reading the whole file names the row), no named pipes in the
    temporary folder, or a piece that arrived short."""
    bounds = pieces.split_points(scan.path, PIECES)
    if len(bounds) <= 2:
        return None
    try:
        with pieces.piped(scan.path, bounds) as feed:
            union = " UNION ALL ".join(scan.csv_piece(pipe, i) for i, pipe in enumerate(feed.pipes))
            groups = con.execute(query(f"({union})")).df()
    except (duckdb.Error, OSError):
        return None
    return groups if feed.complete() else None


CHECKS = (  # (alias of the quantity, cost, start and end values in the query, what is wrong)
    ("q", "is not a number"),
    ("c", "is not a number"),
    ("s", "is not a date or time"),
    ("e", "is not a date or time"),
)


def _any_bad(groups: pd.DataFrame) -> bool:
    return any(groups[f"bad_{alias}_row"].notna().any() for alias, _ in CHECKS)


def _check_values(groups: pd.DataFrame, mapping: BillMapping, path: Path) -> None:
    """Raise for the first malformed quantity, cost or time in a usage row."""
    columns = {"q": mapping.quantity, "c": mapping.cost, "s": mapping.start, "e": mapping.end}
    worst: tuple[int, str, str, str] | None = None
    for alias, message in CHECKS:
        rows = groups[f"bad_{alias}_row"].dropna()
        if rows.empty:
            continue
        index = rows.idxmin()
        row = int(rows[index])
        if worst is None or row < worst[0]:
            column = columns[alias]
            value = groups.at[index, f"bad_{alias}_value"]
            shown = "an empty value" if pd.isna(value) else f"'{value}'"
            worst = (row, shown, column.name if column else alias, message)
    if worst is not None:
        row, shown, column_name, message = worst
        raise InputFormatError(f"{shown} {message}", path, row, column_name)


def _readings(usage: pd.DataFrame, source: InputFile, format_name: str) -> pd.DataFrame:
    """The reading frame (READING_COLUMNS, typed as `frame_from_rows` types them), column by column."""
    usage = usage.sort_values("first_row", kind="stable").reset_index(drop=True)
    start = pd.to_datetime(usage["start_time"]).astype("datetime64[us]")
    end = pd.to_datetime(usage["end_time"]).astype("datetime64[us]")
    end = end.where(end >= start, start)
    data: dict[str, Any] = {
        "source_format": format_name,
        "source_file": str(source.path),
        "source_sha256": source.sha256,
        "source_row": usage["first_row"],
        "method": Method.ESTIMATED.value,
        "run_id": format_name + ":" + usage["group_hash"].astype(str).str.slice(0, 16),
        "start_time": start,
        "end_time": end,
        "duration_s": (end - start).dt.total_seconds(),
        "cloud_provider": usage["provider"],
        "cloud_region": usage["region"],
        "hardware": usage["instance_type"],
        "flags": usage["flags"].fillna(""),
        "row_count": usage["rows"],
        "consumed_quantity": usage["quantity"],
        "consumed_unit": usage["unit"],
        "billed_cost": usage["cost"],
        "billing_currency": usage["currency"],
        **{name: usage[name] for name in (
            "billing_account_id", "sub_account_id", "service_name", "service_category", "usage_type",
            "instance_type", "vcpus", "gpus", "memory_gb", "tags",
        )},
    }
    index = pd.RangeIndex(len(usage))
    return typed_readings(pd.DataFrame({name: _values(data.get(name), index) for name in READING_COLUMNS}))


def keep_tags(mapping: BillMapping, column: Column | None, tag_keys: list[str]) -> None:
    """Map each configured tag key to its value in a JSON/map Tags column, or note its absence."""
    if column is not None and tag_keys:
        pairs = mapping.use(entries(column, "tags"))
        mapping.tags = {key: tag_lookup(pairs, key) for key in tag_keys}
    elif tag_keys:
        mapping.notes.append("the file has no Tags column: no tag values kept")


def _values(value: Any, index: pd.RangeIndex) -> pd.Series:
    """A reading column: a result column as it is, a constant repeated, or missing values."""
    if isinstance(value, pd.Series):
        return value
    if value is None:
        return pd.Series(np.full(len(index), None, dtype=object), index=index)
    return pd.Series(value, index=index)


def _read_error(exc: duckdb.Error, path: Path) -> InputFormatError:
    message = str(exc)
    row = None
    found = re.search(r"CSV Error on Line: (\d+)", message)
    if found:
        row = int(found.group(1))
    summary = _first_line(exc)
    if found:
        # DuckDB explains a CSV error on the line after the offending line's text.
        skip = ("Invalid Input Error", "Original Line", "Possible", "*", "file =")
        lines = [line.strip() for line in message.splitlines()]
        summary = next((line for line in lines if line and not line.startswith(skip)), summary)
    return InputFormatError(f"cannot read the file as a bill ({summary})", path, row)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
