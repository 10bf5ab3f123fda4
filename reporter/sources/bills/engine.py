"""Shared machinery of the cloud-bill readers: header sniffing and one DuckDB pass over the file.

A bill can hold tens of millions of rows, so it is never loaded into pandas. Each reader describes
its format as SQL expressions over the file's columns (a `BillMapping`, reporter.sources.bills.sql);
`read_bill` then runs one aggregate query (reporter.sources.bills.query) in DuckDB (two threads, a
memory limit, spilling to a temporary folder) that

* sorts every row into usage or a reason for leaving it out (tax, credits, fees, ...),
* sums usage rows per day of the usage start and per billing dimension (provider, billing account,
  sub-account, service, region, usage type, instance type, unit, currency, vCPUs, GPUs, memory and
  the values of the configured tag keys) with their row count and first row number,
* counts the left-out rows per reason with up to five example row numbers: besides the format's own
  reasons (tax, credits, ...), a usage row whose quantity is not a finite number, one that ends
  before it starts and a repeated line item id (counted once), each named by the file's own columns,
* notes the first malformed cost or time in a usage row, which is reported as an error.

After the query, a usage group whose quantity sums below zero (a correction with no usage in its
group to offset) is left out too, so no reading is negative; a CSV record DuckDB cannot split into
the header's fields is left out by its line (reporter.sources.bills.results).

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

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from reporter import engines, progress
from reporter.errors import InputError
from reporter.sources.base import InputFile, ReadResult
from reporter.sources.bills import dates, definition, pieces, results
from reporter.sources.bills.finish import finish
from reporter.sources.bills.id_sink import IdHashes
from reporter.sources.bills.query import aggregate_sql, repeats_sql
from reporter.sources.bills.scan import Scan, first_line, header_columns, header_names, scan_columns
from reporter.sources.bills.sql import BillMapping, Column, Columns, entries, tag_lookup

__all__ = ["Scan", "header_columns", "header_names", "read_bill", "keep_tags"]

THREADS = 2
PIECES = THREADS  # a big plain CSV is read in this many pieces at once
FIRST_LIMIT_MB = 1024  # DuckDB's memory while it reads a bill, spilling to disk beyond it
MEMORY_SHARE = 0.25  # of the machine's memory (at least 1 GB): the limit of a second try
CHECK_IN_READ_BYTES = 1 << 30  # a CSV up to this size has its ids checked in the read that sums it
GZIP_EXPANSION = 10  # how many times a gzip CSV's size counts against that (bills expand 5-30 times)


def memory_limits() -> list[str]:
    """DuckDB's memory limits, tried in turn: 1 GB, then a quarter of the machine's memory.

    DuckDB spills its group tables to its temporary folder beyond the limit, so 1 GB carries a
    10M-row bill of 590,000 readings and keeps the whole run under 2 GB; but some per-group states
    (example rows, first bad values) must stay in memory, and a bill with many more groups than
    that can run out of it: the query is then run again with the larger limit."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return [f"{FIRST_LIMIT_MB}MB"]
    share = int(total * MEMORY_SHARE / 2**20)
    return [f"{FIRST_LIMIT_MB}MB"] + ([f"{share}MB"] if share > FIRST_LIMIT_MB else [])


def option_day_months(source: InputFile) -> list[str]:
    """The months ('YYYY-MM') summed per day: those the reporting period cuts (option `day_months`)."""
    raw: Any = source.options.get("day_months")
    return sorted(str(month) for month in raw) if isinstance(raw, list | tuple) else []


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


def option_resource_ids(source: InputFile, mapping: BillMapping) -> list[str]:
    """The resource ids to keep (option `resource_ids`: the links' ids and the trackers' hosts, as
    compared: see definition.wanted_ids); a bill without a resource id column gets a note instead."""
    raw: Any = source.options.get("resource_ids")
    ids = definition.wanted_ids(str(i) for i in raw) if isinstance(raw, list | tuple) else []
    note = definition.resource_note(mapping, ids)
    if note:
        mapping.notes.append(note)
    return ids


# --------------------------------------------------------------------------------------------
# The scan


@contextmanager
def connection(preserve_order: bool, limit: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
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
                "memory_limit": limit or memory_limits()[0],
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


def read_bill(
    source: InputFile,
    format_name: str,
    build: Callable[[Columns, list[str]], BillMapping],
) -> ReadResult:
    """Read one bill with the reader's mapping: aggregated readings and grouped exclusions."""
    if engines.selected() is not None:  # another engine runs the portable form of the query
        from reporter.engines.run import read_elsewhere

        return read_elsewhere(source, format_name, build)
    keys = option_tag_keys(source)
    scan, columns = scan_columns(source)
    mapping = build(columns, keys)
    mapping.dates = _learn_dates(scan, columns, mapping)
    day_months = option_day_months(source)
    ids = option_resource_ids(source, mapping)

    def scan_with(values: bool, repeats: bool, check: bool = False,
                  sink: IdHashes | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        return _run(scan, lambda clause, pieces: aggregate_sql(
            clause, scan.header_rows, columns, mapping, keys, day_months, values=values, repeats=repeats,
            pieces=pieces, check_repeats=check, resource_ids=ids, send_ids=sink is not None), sink)

    # Repeated line items are set apart one by one, in a read that compares the ids row by row,
    # only when a check finds any: a CSV has its ids checked in the main read itself (`_check_in_read`:
    # kept with its rows when it fits, else sent aside, reporter.sources.bills.id_sink), a Parquet
    # file by reading its id columns apart.
    check = _check_in_read(scan, mapping)
    with tempfile.TemporaryDirectory(prefix="reporter-ids-") as folder:
        sink = IdHashes(Path(folder)) if _send_ids(scan, mapping, check) else None
        repeats = not check and sink is None and _has_repeats(scan, mapping)
        groups, rejected = scan_with(False, repeats, check, sink)
        if (check and _hash_repeats(groups)) or (sink is not None and _sent_repeats(sink, scan.path)):
            repeats = True
            groups, rejected = scan_with(False, repeats)
    if results.any_bad(groups):  # read again, carrying the bad values' text to name the first one
        groups, rejected = scan_with(results.any_bad(groups), repeats)
    return finish(groups, rejected, source, format_name, mapping, scan.notes, day_months)


def _learn_dates(scan: Scan, columns: Columns, mapping: BillMapping) -> dates.DateFormats:
    """How the file writes slashed dates, from the start and end values of its first records."""
    wanted = [column for column in (mapping.start, mapping.end) if column is not None and column.kind == "text"]
    values: dict[str, list[tuple[int, str]]] = {}
    for column in wanted:
        if scan.kind == "parquet":
            values[column.name] = _parquet_values(scan, column)
        else:
            values[column.name] = scan.sample.values(columns.all.index(column))
    return dates.learn(values, scan.path)


def _parquet_values(scan: Scan, column: Column) -> list[tuple[int, str]]:
    query = f"SELECT {column.sql} FROM read_parquet(?) LIMIT {dates.SAMPLE_VALUES}"
    try:
        found = duckdb.connect().execute(query, [str(scan.path)]).fetchall()
    except duckdb.Error:
        return []
    return [(row, str(value[0]).strip()) for row, value in enumerate(found, start=1) if value[0] is not None]


def _check_in_read(scan: Scan, mapping: BillMapping) -> bool:
    """Whether a bill's line item ids are checked for repeats from its rows as read, kept for the
    check in the read that sums it: a CSV whose rows stay within DuckDB's memory. Parsing a CSV
    twice costs more than the check adds to one read (1M-row CSV: 11.8 against 13.2 CPU s); rows
    spilled to disk cost more than the second parse (10M-row CSV, 5.2 GB: 101 against 56 s), so a
    bigger CSV sends its id hashes aside instead (`_send_ids`)."""
    if not mapping.line_item_id or scan.kind == "parquet":
        return False
    return scan.path.stat().st_size * (GZIP_EXPANSION if scan.kind == "gzip" else 1) <= CHECK_IN_READ_BYTES


def _send_ids(scan: Scan, mapping: BillMapping, check: bool) -> bool:
    """Whether the main read sends its id hashes aside for the check (reporter.sources.bills.id_sink):
    a CSV too big to keep its rows. The 10M-row CSV's read took 75.0 CPU s with its ids read apart
    first, 51 to 53 with them sent aside (the read itself unchanged at 45 to 48; the check of the
    hashes 2.7), and its peak RSS stayed within 1,552 to 1,668 MB."""
    return bool(mapping.line_item_id) and scan.kind != "parquet" and not check


def _sent_repeats(sink: IdHashes, path: Path) -> bool:
    """Whether the hashes the main read of the bill at `path` sent aside repeat one (grouped with
    DuckDB's memory limit); a failure is one error naming the bill."""
    with connection(preserve_order=False) as con:
        try:
            return sink.repeats(con)
        except (duckdb.Error, OSError) as exc:
            raise InputError(f"its line item ids could not be checked for repeats ({first_line(exc)})", path) from None


def _hash_repeats(groups: pd.DataFrame) -> bool:
    """Whether the main read found a repeated hash of line item ids (`hash_repeats`, which it
    takes out of the groups). A repeated hash is nearly always a repeated id; when it is not, the
    read that compares the ids themselves sets nothing apart and gives the same groups."""
    found = groups.pop("hash_repeats")
    return bool(len(found)) and int(found.iloc[0]) > 0


def _has_repeats(scan: Scan, mapping: BillMapping) -> bool:
    """Whether any line item id occurs twice in the file (False for formats without ids): a scan
    of the id columns on every thread, grouped on their hash, then on the ids if a hash repeats.
    Made for a Parquet bill, whose id columns are read alone; a CSV's are checked in its main read."""
    if not mapping.line_item_id:
        return False
    with connection(preserve_order=False) as con, progress.query(con, f"checking {scan.path.name}"):
        for hashed in (True, False):
            try:
                found = con.execute(repeats_sql(scan.unnumbered(), mapping, hashed)).fetchone()
            except duckdb.Error as exc:
                raise results.read_error(exc, scan.path) from None
            if not found or not found[0]:
                return False
    return True


def _run(
    scan: Scan, query: Callable[[str, int], str], sink: IdHashes | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The groups of the aggregate query over the file, and the records the scan set aside: a big
    plain CSV in pieces read at once (see reporter.sources.bills.pieces) when that works, else the
    whole file as one stream; run again with more memory if DuckDB runs out of it."""
    limits = memory_limits()
    for attempt, limit in enumerate(limits):
        try:
            return _run_within(scan, query, limit, sink)
        except duckdb.OutOfMemoryException:
            if attempt == len(limits) - 1:
                raise InputError(
                    f"the bill needs more memory than DuckDB may use ({limit}) to be summed", scan.path
                ) from None
    raise AssertionError("unreachable")


def _run_within(
    scan: Scan, query: Callable[[str, int], str], limit: str, sink: IdHashes | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    label = f"reading {scan.path.name}"
    fields = scan.csv_options.count(": 'VARCHAR'")
    with connection(preserve_order=scan.kind != "parquet", limit=limit) as con, progress.query(con, label):
        if sink is not None:
            sink.register(con)
            sink.restart()
        if scan.kind == "csv" and THREADS > 1 and pieces.can_split(scan.path):
            groups = _run_in_pieces(con, scan, query)
            if groups is not None:
                return groups, results.rejected_rows(con, fields)
            if sink is not None:
                sink.restart()  # the whole file is read again
        try:
            groups = results.fetch_frame(con, query(scan.whole(), 1))
        except duckdb.OutOfMemoryException:
            raise
        except duckdb.Error as exc:
            raise results.read_error(exc, scan.path) from None
        return groups, results.rejected_rows(con, fields)


def _run_in_pieces(
    con: duckdb.DuckDBPyConnection, scan: Scan, query: Callable[[str, int], str]
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
            groups = results.fetch_frame(con, query(f"({union})", len(feed.pipes)))
    except duckdb.OutOfMemoryException:
        raise
    except (duckdb.Error, OSError):
        return None
    return groups if feed.complete() else None


def keep_tags(mapping: BillMapping, column: Column | None, tag_keys: list[str]) -> None:
    """Map each configured tag key to its value in a JSON/map Tags column, or note its absence."""
    if column is not None and tag_keys:
        pairs = mapping.use(entries(column, "tags"))
        mapping.tags = {key: tag_lookup(pairs, key) for key in tag_keys}
    elif tag_keys:
        mapping.notes.append("the file has no Tags column: no tag values kept")
