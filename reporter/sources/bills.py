"""Shared machinery of the cloud-bill readers: header sniffing and one DuckDB pass over the file.

A bill can hold tens of millions of rows, so it is never loaded into pandas. Each reader describes
its format as SQL expressions over the file's columns (a `BillMapping`); `read_bill` then runs one
aggregate query in DuckDB (two threads, a memory limit, spilling to a temporary folder) that

* sorts every row into usage or a reason for leaving it out (tax, credits, fees, ...),
* sums usage rows per day of the usage start and per billing dimension (provider, billing account,
  sub-account, service, region, usage type, instance type, unit, currency, vCPUs, GPUs, memory and
  the values of the configured tag keys) with their row count and first row number,
* counts the left-out rows per reason with up to five example row numbers, and
* notes the first malformed quantity, cost or time in a usage row, which is reported as an error.

The query has two stages (see `_aggregate_sql`). The first, the only one that sees every row, groups
the rows on the raw values of the columns the mapping reads and of the usage start and end, so the
mapping's costly expressions (JSON tags, regular expressions, provider and region names, time
formats) run once per distinct combination instead of once per row; the second evaluates them and
combines the groups. Sums are added up per group first (compensated), so a total can differ from a
single running sum in its last bit. DuckDB numbers CSV rows as they arrive (`row_number() OVER
()`), on one thread per stream, so a big plain CSV is read as two pieces at once
(reporter.sources.pieces); a Parquet file numbers its own rows and is read on both threads.

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
import re
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from reporter.errors import InputFormatError
from reporter.records import READING_COLUMNS, Method, typed_readings
from reporter.sources import pieces
from reporter.sources.base import ExclusionGroup, InputFile, ReadResult

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
HEADER_LIMIT = 1 << 20  # the longest header line looked at (bytes, decompressed)
CHUNK = 1024
THREADS = 2
PIECES = THREADS  # a big plain CSV is read in this many pieces at once
MEMORY_LIMIT = "1GB"
EXAMPLE_ROWS = 5
NULL_STRINGS = ("", "NULL")
# Text dates that are not ISO 8601: Azure EA/MCA write month-first dates, some exports YYYYMMDD.
DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y%m%d", "%d.%m.%Y")
# ISO 8601 text without a zone, or in UTC ('Z', ' UTC'): a plain TIMESTAMP cast reads it exactly as
# the zone-aware cast does (a plain cast ignores offsets, zone names and text after a space, so
# nothing else may pass).
PLAIN_ISO = r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z| UTC)?)?"
# An instance type such as m5.large, g3.4xlarge, db.r5.large, ml.p3.2xlarge or r5.large.search.
INSTANCE_TYPE = (
    r"((?:[a-z]+\.)?[a-z][a-z0-9-]*\."
    r"(?:nano|micro|small|medium|large|[0-9]*xlarge|metal(?:-[0-9a-z]+)?)"
    r"(?:\.search|\.elasticsearch)?)"
)
INSTANCE_IN_TEXT = r"(?:^|[^a-z0-9.])" + INSTANCE_TYPE + r"(?:[^a-z0-9.]|$)"
INSTANCE_AFTER_COLON = ":" + INSTANCE_TYPE + "$"
DIMENSIONS = (
    "provider",
    "billing_account_id",
    "sub_account_id",
    "service_name",
    "service_category",
    "region",
    "usage_type",
    "instance_type",
    "unit",
    "currency",
    "vcpus",
    "gpus",
    "memory_gb",
    "flags",
)


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


# --------------------------------------------------------------------------------------------
# Columns as SQL


@dataclass(frozen=True)
class Column:
    """One column of the scanned file: its name there, a SQL expression and a kind.

    kind: 'text', 'number', 'timestamp', 'map', 'list', 'struct' or 'other'.
    """

    name: str
    sql: str
    kind: str = "text"


class Columns:
    """The columns of a bill, found by name without regard to case."""

    def __init__(self, columns: Sequence[Column], path: Path) -> None:
        self.all = list(columns)
        self.path = path
        self._by_name: dict[str, Column] = {}
        for column in columns:
            self._by_name.setdefault(column.name.lower(), column)

    def get(self, *names: str) -> Column | None:
        """The first of `names` the file has."""
        for name in names:
            column = self._by_name.get(name.lower())
            if column is not None:
                return column
        return None

    def present(self, *names: str) -> list[Column]:
        """Every one of `names` the file has, in the order given."""
        found = [self._by_name.get(name.lower()) for name in names]
        return [column for column in found if column is not None]

    def require(self, *names: str) -> Column:
        """The first of `names` the file has; an error naming the first when it has none."""
        column = self.get(*names)
        if column is None:
            raise InputFormatError(f"required column '{names[0]}' is missing from the header", self.path, 1, names[0])
        return column


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


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def text(column: Column | None) -> str:
    """A trimmed text value, NULL when empty."""
    if column is None:
        return "NULL"
    return f"NULLIF(trim(CAST({column.sql} AS VARCHAR)), '')"


def first_text(*columns: Column | None) -> str:
    """The first non-empty text among the columns."""
    parts = [text(column) for column in columns if column is not None]
    if not parts:
        return "NULL"
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def number(sql: str) -> str:
    """A number from text or a numeric column; NULL when it is not one."""
    return f"TRY_CAST({sql} AS DOUBLE)"


def leading_number(sql: str) -> str:
    """The number at the start of a text such as '8 GiB' or '16'."""
    return f"TRY_CAST(NULLIF(regexp_extract(CAST({sql} AS VARCHAR), '^\\s*([0-9]+(\\.[0-9]+)?)', 1), '') AS DOUBLE)"


def coalesce(*parts: str) -> str:
    parts = tuple(part for part in parts if part != "NULL")
    if not parts:
        return "NULL"
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def timestamp(column: Column, sql: str) -> str:
    """A UTC timestamp from a timestamp column or from ISO / month-first / compact text."""
    if column.kind == "timestamp":
        return f"CAST({sql} AS TIMESTAMP)"
    return f"coalesce({plain_timestamp(column, sql)}, {text_timestamp(f'CAST({sql} AS VARCHAR)')})"


def plain_timestamp(column: Column, sql: str) -> str:
    """`timestamp` for a timestamp column and for text in the usual ISO shapes (PLAIN_ISO), NULL
    for other text: a plain TIMESTAMP cast, several times faster than the zone-aware one."""
    if column.kind == "timestamp":
        return f"CAST({sql} AS TIMESTAMP)"
    value = f"CAST({sql} AS VARCHAR)"
    return f"CASE WHEN regexp_full_match({value}, {literal(PLAIN_ISO)}) THEN TRY_CAST({value} AS TIMESTAMP) END"


def text_timestamp(sql: str) -> str:
    """`timestamp` for any text: the zone-aware cast (offsets, zone names), then DATE_FORMATS."""
    formats = ", ".join(literal(fmt) for fmt in DATE_FORMATS)
    value = f"trim({sql})"
    return f"coalesce(TRY_CAST(TRY_CAST({value} AS TIMESTAMPTZ) AS TIMESTAMP), try_strptime({value}, [{formats}]))"


def provider_id(sql: str) -> str:
    """A provider name as a short lower-case id: aws, azure, gcp, oracle, else the name."""
    low = f"lower(trim({sql}))"
    return (
        f"CASE WHEN {sql} IS NULL THEN NULL "
        f"WHEN {low} LIKE '%amazon%' OR {low} = 'aws' OR {low} LIKE 'aws %' THEN 'aws' "
        f"WHEN {low} LIKE '%microsoft%' OR {low} LIKE '%azure%' THEN 'azure' "
        f"WHEN {low} LIKE '%google%' OR {low} = 'gcp' THEN 'gcp' "
        f"WHEN {low} LIKE '%oracle%' OR {low} = 'oci' THEN 'oracle' "
        f"ELSE {low} END"
    )


def region_id(sql: str) -> str:
    """A region as a lower-case id without spaces ('East US' -> 'eastus', 'us-east-1' unchanged)."""
    return f"NULLIF(replace(lower(trim({sql})), ' ', ''), '')"


def instance_in(sql: str, *, after_colon: bool = False) -> str:
    """An instance type named in a text: after the colon of a usage type, or anywhere in a description."""
    pattern = INSTANCE_AFTER_COLON if after_colon else INSTANCE_IN_TEXT
    return f"NULLIF(regexp_extract(lower(CAST({sql} AS VARCHAR)), {literal(pattern)}, 1), '')"


def json_document(sql: str) -> str:
    """A JSON text, repaired where exports bend JSON: a key list without braces, single quotes."""
    braced = f"'{{' || {sql} || '}}'"
    quoted = f"replace({sql}, '''', '\"')"
    return (
        f"CASE WHEN {sql} IS NULL THEN NULL WHEN json_valid({sql}) THEN {sql} "
        f"WHEN json_valid({braced}) THEN {braced} WHEN json_valid({quoted}) THEN {quoted} END"
    )


def json_of(column: Column) -> str:
    """A column as JSON text: nested Parquet values converted, text repaired (see json_document)."""
    if column.kind in ("map", "struct", "list"):
        return f"CAST(to_json({column.sql}) AS VARCHAR)"
    return json_document(text(column))


def json_value(document: str, *keys: str) -> str:
    """The text at the first of `keys` present in a JSON object (NULL when it is not an object)."""
    parts = [f"json_extract_string({document}, {literal('$.' + _json_key(key))})" for key in keys]
    return f"CASE WHEN json_type({document}) = 'OBJECT' THEN {coalesce(*parts)} END"


def _json_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Entries:
    """Key/value pairs (tags, labels, product attributes) as aligned lists in helper columns.

    `keys`, `values` and `normalised` (the keys trimmed and in lower case) name columns that
    `derived` defines; `prepare` holds the columns those need first (the parsed JSON text).
    """

    keys: str
    values: str
    normalised: str
    prepare: dict[str, str] = field(default_factory=dict)
    derived: dict[str, str] = field(default_factory=dict)


def entries(column: Column, alias: str) -> Entries:
    """The pairs of a map column, a list of {key, value} structs, or a JSON text of either shape."""
    prepare: dict[str, str] = {}
    if column.kind == "map":
        keys = f"map_keys({column.sql})"
        values = f"CAST(map_values({column.sql}) AS VARCHAR[])"
    else:
        document = f"__json_{alias}"
        prepare[document] = json_of(column)
        keys = (
            f"CASE json_type({document}) WHEN 'OBJECT' THEN json_keys({document}) "
            f"WHEN 'ARRAY' THEN json_extract_string({document}, '$[*].key') END"
        )
        values = (
            f"CASE json_type({document}) WHEN 'OBJECT' THEN json_extract_string({document}, '$.*') "
            f"WHEN 'ARRAY' THEN json_extract_string({document}, '$[*].value') END"
        )
    normalised = "lower(trim(k))"
    names = (f"__keys_{alias}", f"__values_{alias}", f"__normalised_{alias}")
    derived = {
        names[0]: keys,
        names[1]: values,
        names[2]: f"list_transform({keys}, {_lambda('k', normalised)})",
    }
    return Entries(*names, prepare=prepare, derived=derived)


def entry(pairs: Entries, *keys: str) -> str:
    """The value of the first of `keys` (exact match) among the pairs."""
    parts = [f"NULLIF(trim({pairs.values}[list_position({pairs.keys}, {literal(key)})]), '')" for key in keys]
    return coalesce(*parts)


def normalise_key(key: str) -> str:
    """A tag key compared loosely: lower case, runs of other characters as one underscore."""
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def tag_candidates(key: str) -> list[str]:
    """The lower-case spellings a tag key may have in a bill: as configured, with punctuation as
    underscores (how AWS rewrites tag keys in column names), and with AWS's 'user:' / 'user_'
    prefix for user-defined tags."""
    plain = key.strip().lower()
    for prefix in ("user:", "user_"):
        if plain.startswith(prefix) and len(plain) > len(prefix):
            plain = plain[len(prefix) :]
    spellings = dict.fromkeys([plain, normalise_key(plain)])
    return list(dict.fromkeys(f"{prefix}{s}" for prefix in ("", "user:", "user_") for s in spellings))


def tag_lookup(pairs: Entries, key: str) -> str:
    """The value of a tag among the pairs, its key matched loosely (see `tag_candidates`)."""
    parts = [
        f"NULLIF(trim({pairs.values}[list_position({pairs.normalised}, {literal(c)})]), '')"
        for c in tag_candidates(key)
    ]
    return coalesce(*parts)


def _lambda(argument: str, body: str) -> str:
    version = tuple(int(part) for part in re.findall(r"\d+", duckdb.__version__)[:2])
    return f"lambda {argument}: {body}" if version >= (1, 3) else f"{argument} -> {body}"


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


@dataclass
class BillMapping:
    """How one bill format's columns become the canonical billing fields (SQL over the file).

    `reason` is NULL for a usage row and otherwise says why the row is left out. `dimensions`
    maps names in DIMENSIONS to SQL (absent = NULL). `end` None means the usage day's end.
    """

    reason: str
    quantity: Column
    start: Column
    end: Column | None = None
    cost: Column | None = None
    dimensions: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    prepare: dict[str, str] = field(default_factory=dict)  # helper columns computed first
    derived: dict[str, str] = field(default_factory=dict)  # helper columns computed from those
    notes: list[str] = field(default_factory=list)
    flag_notes: dict[str, str] = field(default_factory=dict)  # flag -> note when any reading has it

    def use(self, pairs: Entries) -> Entries:
        """Register the helper columns the pairs need, and return them."""
        self.prepare.update(pairs.prepare)
        self.derived.update(pairs.derived)
        return pairs


@contextmanager
def connection(preserve_order: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
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
                "memory_limit": MEMORY_LIMIT,
                "temp_directory": spill,
                "preserve_insertion_order": preserve_order,
            },
        )
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")
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
    groups = _run(scan, lambda clause: _aggregate_sql(clause, scan.header_rows, columns, mapping, keys))
    _check_values(groups, mapping, path)
    usage = groups[groups["reason"].isna()]
    excluded = groups[groups["reason"].notna()].sort_values("first_row")
    readings = _readings(usage, source, format_name)
    exclusion_groups = [
        ExclusionGroup(str(row.reason), int(row.rows), tuple(int(r) for r in list(row.examples)[:EXAMPLE_ROWS]))
        for row in excluded.itertuples()
    ]
    rows_read = int(groups["rows"].sum()) if not groups.empty else 0
    notes = list(mapping.notes)
    if len(usage):
        notes.append(
            f"{int(usage['rows'].sum())} usage row(s) summed into {len(usage)} reading(s): one per day of usage "
            "start, account, service, region, usage type, instance type, unit and kept tag values (times UTC)"
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
    """The groups of the aggregate query over the file; a big plain CSV is read in pieces at once
    (see reporter.sources.pieces), and read whole when a piece does not parse."""
    with connection(preserve_order=scan.kind != "parquet") as con:
        if scan.kind == "csv" and THREADS > 1 and pieces.can_split(scan.path):
            bounds = pieces.split_points(scan.path, PIECES)
            if len(bounds) > 2:
                try:
                    with pieces.piped(scan.path, bounds) as pipes:
                        union = " UNION ALL ".join(scan.csv_piece(pipe, i) for i, pipe in enumerate(pipes))
                        return con.execute(query(f"({union})")).df()
                except (duckdb.Error, OSError):
                    # a cut inside a quoted line break, bad input (reading it whole tells which), or
                    # no named pipes in the temporary folder
                    pass
        try:
            return con.execute(query(scan.whole())).df()
        except duckdb.Error as exc:
            raise _read_error(exc, scan.path) from None


CHECKS = (  # (alias of the quantity, cost, start and end values in the query, what is wrong)
    ("q", "is not a number"),
    ("c", "is not a number"),
    ("s", "is not a date or time"),
    ("e", "is not a date or time"),
)
# What stage 1 computes per group of raw rows, for stage 2 to combine.
CARRIED = (
    "__s_raw",
    "__e_raw",
    "__no_quantity",
    "__rows",
    "__first_row",
    "__examples",
    "__quantity",
    "__cost",
    "__bad_q_row",
    "__bad_q_value",
    "__bad_c_row",
    "__bad_c_value",
)


def _aggregate_sql(scan: str, header_rows: int, columns: Columns, mapping: BillMapping, tag_keys: list[str]) -> str:
    """The query, in two stages.

    Stage 1 is the only part that sees every row. It groups the rows on the raw values of the
    columns the mapping's expressions read, of the usage start and end, and on whether the
    quantity is empty, and aggregates: row count, first row, first example rows, sums of the
    quantity and cost, and the first malformed quantity and cost. It parses no time: a bill has
    few distinct start and end values (one per hour or day), which stage 2 parses once each.

    Stage 2 rebuilds the columns the mapping reads under their own names, evaluates the mapping
    (reason, dimensions, tags and their helper columns) once per stage-1 group and combines the
    groups into readings and exclusions, exactly as one pass over the rows would: a bad value
    only counts in a usage group, and the first bad row is the smallest row number.
    """
    quantity, start, end, cost = mapping.quantity, mapping.start, mapping.end, mapping.cost
    keys = _referenced(columns, mapping)
    key_names = {column.sql: f"__k{index}" for index, column in enumerate(keys)}
    raw = ",\n    ".join(
        ["__row", "__piece"]
        + [f"{column.sql} AS {key_names[column.sql]}" for column in keys]
        + [
            f"{quantity.sql} AS __q_raw",
            f"{cost.sql if cost else 'NULL'} AS __c_raw",
            f"{start.sql} AS __s_raw",
            f"{end.sql if end else 'NULL'} AS __e_raw",
        ]
    )
    group_keys = "".join(f"{name}, " for name in key_names.values())
    bad_q = "__q_raw IS NOT NULL AND (__q IS NULL OR NOT isfinite(__q))"
    bad_c = "__c_raw IS NOT NULL AND (__c IS NULL OR NOT isfinite(__c))"

    dims = {name: mapping.dimensions.get(name, "NULL") for name in DIMENSIONS}
    tags = [mapping.tags.get(key, "NULL") for key in tag_keys]
    prepare = "".join(f", {sql} AS {name}" for name, sql in mapping.prepare.items())
    derived = "".join(f", {sql} AS {name}" for name, sql in mapping.derived.items())
    mapped = ",\n    ".join(
        [f"{mapping.reason} AS __reason0"]
        + [f"{sql} AS d_{name}" for name, sql in dims.items()]
        + [f"{sql} AS t_{index}" for index, sql in enumerate(tags)]
    )
    key_list = ", ".join(key_names.values())
    same_keys = " AND ".join(f"n.{name} IS NOT DISTINCT FROM m.{name}" for name in key_names.values()) or "TRUE"
    no_quantity = literal(f"usage row without a quantity ({quantity.name} is empty)")
    keep = "CASE WHEN __reason IS NULL THEN {} END"
    final_keys = [keep.format("CAST(__start AS DATE)") + " AS day"]
    final_keys += [keep.format(f"d_{name}") + f" AS {name}" for name in DIMENSIONS]
    final_keys += [keep.format(f"t_{index}") + f" AS t_{index}" for index in range(len(tags))]
    usage = "FILTER (WHERE __reason IS NULL)"
    # A stage-1 group has one start and one end value: all its rows are bad or none.
    bad_s = "__start IS NULL"
    bad_e = "__e_raw IS NOT NULL AND __end_given IS NULL"
    checks = [
        f"min(__bad_q_row) {usage} AS bad_q_row",
        f"arg_min(__bad_q_value, __bad_q_row) {usage} AS bad_q_value",
        f"min(__bad_c_row) {usage} AS bad_c_row",
        f"arg_min(__bad_c_value, __bad_c_row) {usage} AS bad_c_value",
        f"min(CASE WHEN {bad_s} THEN __first_row END) {usage} AS bad_s_row",
        # (an empty start is bad too, but the value reported is the first non-empty bad one)
        f"arg_min(CAST(__s_raw AS VARCHAR), CASE WHEN {bad_s} THEN __first_row END) {usage} AS bad_s_value",
        f"min(CASE WHEN {bad_e} THEN __first_row END) {usage} AS bad_e_row",
        f"arg_min(CAST(__e_raw AS VARCHAR), CASE WHEN {bad_e} THEN __first_row END) {usage} AS bad_e_value",
    ]
    key_text = ", ".join(
        ["coalesce(CAST(day AS VARCHAR), '')"]
        + [f"coalesce(CAST({name} AS VARCHAR), '')" for name in DIMENSIONS]
        + [f"coalesce(t_{index}, '')" for index in range(len(tags))]
    )
    tag_parts = [
        f"CASE WHEN t_{i} IS NOT NULL THEN {literal(_json_text(key) + ':')} || CAST(to_json(t_{i}) AS VARCHAR) END"
        for i, key in sorted(enumerate(tag_keys), key=lambda item: item[1])
    ]
    tags_json = f"'{{' || concat_ws(',', {', '.join(tag_parts)}) || '}}'" if tag_parts else "NULL"
    rebuilt = "".join(f"{sql} AS {name}, " for name, sql in _rebuild(columns, keys, key_names))
    return f"""
WITH raw AS (
  SELECT {raw}
  FROM {scan}
),
typed AS (
  SELECT *,
    TRY_CAST(__q_raw AS DOUBLE) AS __q,
    TRY_CAST(__c_raw AS DOUBLE) AS __c
  FROM raw
),
stage1 AS (
  SELECT __piece, {group_keys}__s_raw, __e_raw,
    __q_raw IS NULL AS __no_quantity,
    count(*) AS __rows,
    min(__row) AS __first_row,
    min(__row, {EXAMPLE_ROWS}) AS __examples,
    fsum(__q) AS __quantity,
    fsum(__c) AS __cost,
    min(__row) FILTER (WHERE {bad_q}) AS __bad_q_row,
    arg_min(CAST(__q_raw AS VARCHAR), __row) FILTER (WHERE {bad_q}) AS __bad_q_value,
    min(__row) FILTER (WHERE {bad_c}) AS __bad_c_row,
    arg_min(CAST(__c_raw AS VARCHAR), __row) FILTER (WHERE {bad_c}) AS __bad_c_value
  FROM typed
  GROUP BY ALL
),
offsets AS (
  SELECT __piece,
    {header_rows} + coalesce(sum(sum(__rows)) OVER (ORDER BY __piece ROWS UNBOUNDED PRECEDING EXCLUDE CURRENT ROW), 0)
      AS __offset
  FROM stage1
  GROUP BY __piece
),
numbered AS (
  SELECT * REPLACE (
    __first_row + __offset AS __first_row,
    list_transform(__examples, {_lambda("r", "r + __offset")}) AS __examples,
    __bad_q_row + __offset AS __bad_q_row,
    __bad_c_row + __offset AS __bad_c_row)
  FROM stage1 JOIN offsets USING (__piece)
),
distinct_keys AS (SELECT DISTINCT {key_list or "NULL AS __none"} FROM numbered),
rebuilt AS (SELECT {rebuilt}{key_list or "__none"} FROM distinct_keys),
prepared AS (SELECT *{prepare} FROM rebuilt),
src AS (SELECT *{derived} FROM prepared),
mapped_keys AS (
  SELECT {key_list + ", " if key_list else ""}{mapped}
  FROM src
),
mapped AS (
  SELECT m.* EXCLUDE ({key_list or "__none"}), {", ".join("n." + name for name in CARRIED)}
  FROM numbered n JOIN mapped_keys m ON {same_keys}
),
timed AS (
  SELECT *,
    CASE WHEN __reason0 IS NOT NULL THEN __reason0 WHEN __no_quantity THEN {no_quantity} END AS __reason,
    {timestamp(start, "__s_raw")} AS __start,
    {timestamp(end, "__e_raw") if end else "NULL"} AS __end_given
  FROM mapped
),
ended AS (
  SELECT *, coalesce(__end_given, date_trunc('day', __start) + INTERVAL 1 DAY) AS __end
  FROM timed
),
grouped AS (
  SELECT __reason AS reason,
    {", ".join(final_keys)},
    CAST(sum(__rows) AS BIGINT) AS rows,
    min(__first_row) AS first_row,
    list_slice(list_sort(flatten(list(__examples) FILTER (WHERE __reason IS NOT NULL))), 1, {EXAMPLE_ROWS})
      AS examples,
    fsum(__quantity ORDER BY __first_row) AS quantity,
    fsum(__cost ORDER BY __first_row) AS cost,
    min(__start) AS start_time,
    max(__end) AS end_time,
    {", ".join(checks)}
  FROM ended
  GROUP BY ALL
)
SELECT *,
  md5(concat_ws(chr(31), {key_text})) AS group_hash,
  {tags_json} AS tags
FROM grouped
"""


def _referenced(columns: Columns, mapping: BillMapping) -> list[Column]:
    """The file's columns that the mapping's reason, dimensions, tags and helper columns read.

    A column counts when its SQL occurs in those expressions, longest first (so a struct whose
    fields are read is not counted for them). A column inside a struct that is itself read is left
    out: the struct carries it. Extra columns found by chance only make stage 1 finer.
    """
    text = "\n".join(
        [
            mapping.reason,
            *mapping.dimensions.values(),
            *mapping.tags.values(),
            *mapping.prepare.values(),
            *mapping.derived.values(),
        ]
    )
    found: set[str] = set()
    for column in sorted(columns.all, key=lambda item: len(item.sql), reverse=True):
        if column.sql in text:
            found.add(column.sql)
            text = text.replace(column.sql, " ")
    parents = _struct_parents(columns)

    def inside_found(column: Column) -> bool:
        parent = parents.get(column.sql)
        while parent is not None:
            if parent.sql in found:
                return True
            parent = parents.get(parent.sql)
        return False

    keys: list[Column] = []
    for column in columns.all:
        if column.sql in found and not inside_found(column) and column not in keys:
            keys.append(column)
    return keys


def _struct_parents(columns: Columns) -> dict[str, Column]:
    """The struct column each struct field column (a Parquet `struct.field`) belongs to, by SQL."""
    parents: dict[str, Column] = {}
    structs = [column for column in columns.all if column.kind == "struct"]
    for column in columns.all:
        for struct in structs:
            name = column.name[len(struct.name) + 1 :]
            if column.name.startswith(struct.name + ".") and column.sql == _field_sql(struct, name):
                parents[column.sql] = struct
                break
    return parents


def _field_sql(struct: Column, name: str) -> str:
    return f"struct_extract({struct.sql}, {literal(name)})"


def _rebuild(columns: Columns, keys: list[Column], key_names: dict[str, str]) -> list[tuple[str, str]]:
    """(name, SQL) of the columns stage 2 reads, rebuilt from the stage-1 keys: a top-level column
    under its own name, a struct as a struct of just the fields that were read."""
    parents = _struct_parents(columns)
    children: dict[str, list[Column]] = {}
    for column in columns.all:
        parent = parents.get(column.sql)
        if parent is not None:
            children.setdefault(parent.sql, []).append(column)
    needed: set[str] = set()
    for column in keys:
        node: Column | None = column
        while node is not None:
            needed.add(node.sql)
            node = parents.get(node.sql)

    def value(column: Column) -> str:
        if column.sql in key_names:
            return key_names[column.sql]
        fields = [
            f"{literal(child.name[len(column.name) + 1 :])}: {value(child)}"
            for child in children.get(column.sql, [])
            if child.sql in needed
        ]
        return "{" + ", ".join(fields) + "}"

    return [(column.sql, value(column)) for column in columns.all if column.sql not in parents and column.sql in needed]


def _json_text(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
            worst = (row, str(groups.at[index, f"bad_{alias}_value"]), column.name if column else alias, message)
    if worst is not None:
        row, value, column_name, message = worst
        raise InputFormatError(f"'{value}' {message}", path, row, column_name)


def _readings(usage: pd.DataFrame, source: InputFile, format_name: str) -> pd.DataFrame:
    """The reading frame (READING_COLUMNS, typed as `frame_from_rows` types them)."""
    count = len(usage)
    start = pd.to_datetime(usage["start_time"]).astype("datetime64[us]")
    end = pd.to_datetime(usage["end_time"]).astype("datetime64[us]")
    end = end.where(end >= start, start)
    data: dict[str, Any] = {
        "source_format": [format_name] * count,
        "source_file": [str(source.path)] * count,
        "source_sha256": [source.sha256] * count,
        "source_row": usage["first_row"],
        "method": [Method.ESTIMATED.value] * count,
        "run_id": format_name + ":" + usage["group_hash"].str.slice(0, 16),
        "start_time": start,
        "end_time": end,
        "duration_s": (end - start).dt.total_seconds(),
        "cloud_provider": usage["provider"],
        "cloud_region": usage["region"],
        "hardware": usage["instance_type"],
        "flags": usage["flags"].fillna(""),
        "row_count": usage["rows"],
        "billing_account_id": usage["billing_account_id"],
        "sub_account_id": usage["sub_account_id"],
        "service_name": usage["service_name"],
        "service_category": usage["service_category"],
        "usage_type": usage["usage_type"],
        "instance_type": usage["instance_type"],
        "consumed_quantity": usage["quantity"],
        "consumed_unit": usage["unit"],
        "billed_cost": usage["cost"],
        "billing_currency": usage["currency"],
        "vcpus": usage["vcpus"],
        "gpus": usage["gpus"],
        "memory_gb": usage["memory_gb"],
        "tags": usage["tags"],
    }
    frame = pd.DataFrame({name: _values(data.get(name), count) for name in READING_COLUMNS})
    return typed_readings(frame.sort_values("source_row", kind="stable").reset_index(drop=True))


def keep_tags(mapping: BillMapping, column: Column | None, tag_keys: list[str], name: str = "Tags") -> None:
    """Map each configured tag key to its value in a JSON/map tags column, or note its absence."""
    if column is not None and tag_keys:
        pairs = mapping.use(entries(column, "tags"))
        mapping.tags = {key: tag_lookup(pairs, key) for key in tag_keys}
    elif tag_keys:
        mapping.notes.append(f"the file has no {name} column: no tag values kept")


def _values(value: Any, count: int) -> list[Any]:
    if value is None:
        return [None] * count
    if isinstance(value, pd.Series):
        return value.tolist()
    return list(value)


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
