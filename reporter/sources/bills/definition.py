"""The bill aggregation, defined once: what each row of a bill is and what a group of rows sums to.

A row has raw values (quantity, cost, start, end), parsed values, a grain (the month of its start,
or the day in the months a reporting period cuts), whether it runs past that grain, what is wrong
with it (a repeated line item id, a malformed quantity, an end before the start), why it is left
out (`reason`), and the dimensions, kept resource id and kept tags of its reading. A group of rows
has the measures in MEASURES (row count, first row, sums of quantity and cost, first start and
last end, the first malformed cost, start and end of its usage rows).

Two queries are built from these parts, so they cannot drift apart:

* the embedded engine's two-stage query (reporter.sources.bills.query): stage 1 computes each
  measure over the rows of a group of raw values (`over_rows`), stage 2 evaluates the mapping once
  per such group and combines the partial measures into readings (`combine`);
* the portable one-pass query (reporter.engines.portable), which Spark and warehouses run: each
  measure over the rows of a reading or reason directly (`over_rows`).

Only the first example rows of each reason are found differently (DuckDB's `min(x, n)` per group
in the embedded query, a ranking window in the portable one, which every engine has).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reporter.sources.bills.sql import DIMENSIONS, BillMapping, first_text, literal, timestamp

# The usage-row values whose first malformed one stops the read: cost, start and end. A malformed
# quantity, an end before the start and a repeated line item leave their row out instead (`reason`).
CHECKED = "cse"
BAD_QUANTITY = "__q_raw IS NOT NULL AND (__q IS NULL OR NOT isfinite(__q))"
BAD = {  # when a usage row's raw cost, start or end is malformed
    "c": "__c_raw IS NOT NULL AND (__c IS NULL OR NOT isfinite(__c))",
    "s": "__s IS NULL",
    "e": "__e_raw IS NOT NULL AND __e_given IS NULL",
}
# Whether a row runs past its grain (over the columns of `timed_columns`).
SPILLS = "__e > __grain_end"
NUMERIC = ("vcpus", "gpus", "memory_gb")  # the dimensions that are numbers; the others are text
NO_RESOURCE = "CAST(NULL AS VARCHAR)"  # the resource id of a row whose id is not kept


@dataclass(frozen=True)
class Measure:
    """One aggregate of a group of rows, named `name` in the result.

    `over_rows`: the aggregate over rows ({row}: the row-number column, {sum}: the summing
    function). `combine`: the same aggregate over partial results of `over_rows` (the column
    `__<name>`). `where`: which rows it counts; `usage_only`:
    it counts only usage rows (reason NULL). `shown`: what the final value goes through."""

    name: str
    over_rows: str
    combine: str
    where: str = ""
    usage_only: bool = False
    shown: str = "{}"
    values: bool = False  # the text of a bad value: asked for only when a read found one

    def rows_sql(self, row: str, summing: str, usage: str | None = None) -> str:
        """The aggregate over rows, filtered to `where` (and to `usage`, a condition, if given)."""
        conditions = [c for c in (usage if self.usage_only else None, self.where) if c]
        sql = self.over_rows.format(row=row, sum=summing)
        return sql + (f" FILTER (WHERE {' AND '.join(conditions)})" if conditions else "")

    def combine_sql(self, summing: str, usage: str) -> str:
        """The aggregate over partial results (filtered to `usage` for a usage-only measure)."""
        sql = self.combine.format(col=f"__{self.name}", sum=summing)
        return sql + (f" FILTER (WHERE {usage})" if self.usage_only else "")


MEASURES = (
    Measure("rows", "count(*)", "sum({col})", shown="CAST({} AS BIGINT)"),
    Measure("first_row", "min({row})", "min({col})"),
    # Sums are compensated (fsum) in both stages, in whatever order DuckDB's threads combine
    # them. Ordering the partial sums by first row as well cost 5-6 of 14.5 CPU s on the 10M-row
    # benchmark bill and changed no sum there: three runs, with and without, gave identical bits.
    Measure("quantity", "{sum}(__q)", "{sum}({col})"),
    Measure("cost", "{sum}(__c)", "{sum}({col})"),
    Measure("start_time", "min(__s)", "min({col})"),
    Measure("end_time", "max(__e)", "max({col})"),
    *(Measure(f"bad_{alias}_row", "min({row})", "min({col})", BAD[alias], True) for alias in CHECKED),
    # an empty value (NULL) is bad too (a missing start): it is kept as '' and shown as NULL
    *(Measure(f"bad_{alias}_value", f"arg_min(coalesce(CAST(__{alias}_raw AS VARCHAR), ''), {{row}})",
              f"arg_min({{col}}, __bad_{alias}_row)", BAD[alias], True, "NULLIF({}, '')", values=True)
      for alias in CHECKED),
)


def measures(values: bool = True) -> tuple[Measure, ...]:
    """The measures, without the bad values' text unless `values`."""
    return tuple(m for m in MEASURES if values or not m.values)


# --------------------------------------------------------------------------------------------
# What each row is


def raw_values(mapping: BillMapping) -> list[str]:
    """The raw quantity, cost, start and end of a row (SELECT items over the file's columns)."""
    quantity, start, end, cost = mapping.quantity, mapping.start, mapping.end, mapping.cost
    return [
        f"{quantity.sql} AS __q_raw",
        f"{cost.sql if cost else 'CAST(NULL AS VARCHAR)'} AS __c_raw",
        f"{start.sql} AS __s_raw",
        f"{end.sql if end else 'NULL'} AS __e_raw",
    ]


def parsed_values(mapping: BillMapping) -> str:
    """The parsed quantity, cost, start and given end (SELECT items over `raw_values`)."""
    start, end = mapping.start, mapping.end
    return ",\n    ".join([
        "TRY_CAST(__q_raw AS DOUBLE) AS __q",
        "TRY_CAST(__c_raw AS DOUBLE) AS __c",
        f"{timestamp(start, '__s_raw', mapping.dates)} AS __s",
        f"{timestamp(end, '__e_raw', mapping.dates) if end else 'CAST(NULL AS TIMESTAMP)'} AS __e_given",
    ])


def timed_columns(day_months: list[str]) -> str:
    """A row's end, grain (start and end) and problem (SELECT items over `parsed_values` and
    `__repeat`). No item refers to another, so every engine can run them."""
    months = ", ".join(literal(month) for month in sorted(set(day_months)))
    by_day = f"strftime(__s, '%Y-%m') IN ({months})" if months else "FALSE"
    return ",\n    ".join([
        "coalesce(__e_given, date_trunc('day', __s) + INTERVAL 1 DAY) AS __e",
        f"CASE WHEN {by_day} THEN date_trunc('day', __s) ELSE date_trunc('month', __s) END AS __grain_start",
        f"CASE WHEN {by_day} THEN date_trunc('day', __s) + INTERVAL 1 DAY "
        "ELSE date_trunc('month', __s) + INTERVAL 1 MONTH END AS __grain_end",
        f"CASE WHEN __repeat THEN 'repeat' WHEN {BAD_QUANTITY} THEN 'quantity' WHEN __e_given < __s THEN 'order' END"
        " AS __problem",
        "__q_raw IS NULL AS __no_quantity",
    ])


def helper_ctes(mapping: BillMapping, source: str) -> str:
    """The CTEs `prepared` and `src`: the mapping's helper columns added to the rows of `source`."""
    prepare = "".join(f", {sql} AS {name}" for name, sql in mapping.prepare.items())
    derived = "".join(f", {sql} AS {name}" for name, sql in mapping.derived.items())
    return f"prepared AS (SELECT *{prepare} FROM {source}),\nsrc AS (SELECT *{derived} FROM prepared)"


def mapped_columns(mapping: BillMapping, tag_keys: list[str], resource: str = NO_RESOURCE) -> list[str]:
    """The format's own reason (`__reason0`), the dimensions (`d_<name>`), the kept resource id
    (`d_resource_id`, from the SQL `resource`: see `kept_resource`) and the kept tags (`t_<index>`),
    typed (SELECT items over `helper_ctes`' `src`)."""
    dims = {name: mapping.dimensions.get(name, "NULL") for name in DIMENSIONS}
    tags = [mapping.tags.get(key, "NULL") for key in tag_keys]
    return (
        [f"{mapping.reason} AS __reason0"]
        + [f"CAST({sql} AS {'DOUBLE' if name in NUMERIC else 'VARCHAR'}) AS d_{name}" for name, sql in dims.items()]
        + [f"CAST({resource} AS VARCHAR) AS d_resource_id"]
        + [f"CAST({sql} AS VARCHAR) AS t_{index}" for index, sql in enumerate(tags)]
    )


# --------------------------------------------------------------------------------------------
# Resource ids: kept only when wanted


def wanted_ids(ids: Iterable[str]) -> list[str]:
    """The resource ids to keep as they are compared: trimmed, in lower case, once each, sorted."""
    return sorted({str(i).strip().lower() for i in ids if str(i).strip()})


def kept_resource(mapping: BillMapping, ids: Sequence[str]) -> str:
    """A row's resource id (SQL over the file's columns: the first non-empty of the mapping's
    `resource_id` columns) when it is one of `ids`, else NULL.

    An id matches the whole value or its last path segment (after the last '/': an ARN's
    `instance/i-0abc`, an Azure resource id's `.../virtualMachines/vm-1`), without regard to case
    (as reporter.records.resource_matches compares them). Every other row's id is NULL: a bill
    keeps at most as many distinct ids as are wanted, however many resources it names, so its
    readings do not grow with it."""
    wanted = wanted_ids(ids)
    if not wanted or not mapping.resource_id:
        return NO_RESOURCE
    value = first_text(*mapping.resource_id)
    listed = ", ".join(literal(i) for i in wanted)
    last = f"lower(regexp_extract({value}, '[^/]*$', 0))"
    return f"CASE WHEN lower({value}) IN ({listed}) OR {last} IN ({listed}) THEN {value} END"


def resource_note(mapping: BillMapping, ids: Sequence[str]) -> str | None:
    """The note for a bill that cannot keep the wanted ids: it has no resource id column."""
    if not wanted_ids(ids) or mapping.resource_id:
        return None
    names = ", ".join(mapping.resource_names) or "none known"
    return (
        f"the file has no resource id column ({names}): no resource ids kept, so links by resource_id "
        "and automatic links by host cannot match its lines"
    )


def reason(mapping: BillMapping) -> str:
    """Why a row is left out (NULL: usage), over `__problem`, `__reason0` and `__no_quantity`. A
    repeated line item goes first (whatever it is, it was counted at its first row); a malformed
    quantity or an end before the start only matter in usage rows. Each names the file's own columns."""
    quantity = mapping.quantity.name
    ids = " and ".join(column.name for column in mapping.line_item_id)
    end = mapping.end.name if mapping.end else "the end"
    return (
        f"CASE WHEN __problem = 'repeat' THEN {literal(f'repeated line item id ({ids}; counted once)')} "
        "WHEN __reason0 IS NOT NULL THEN __reason0 "
        f"WHEN __problem = 'quantity' THEN {literal(f'{quantity} is not a number (text, NaN or infinite)')} "
        f"WHEN __problem = 'order' THEN {literal(f'{end} is before {mapping.start.name}')} "
        f"WHEN __no_quantity THEN {literal(f'usage row without a quantity ({quantity} is empty)')} END"
    )


def repeat(mapping: BillMapping, row: str) -> str:
    """Whether a row repeats the line item id of an earlier row, by its row-number column `row`
    (FALSE when the format has none)."""
    if not mapping.line_item_id:
        return "FALSE"
    ids = ", ".join(column.sql for column in mapping.line_item_id)
    present = " AND ".join(f"{column.sql} IS NOT NULL" for column in mapping.line_item_id)
    return f"coalesce({present} AND {row} > min({row}) OVER (PARTITION BY {ids}), FALSE)"


# --------------------------------------------------------------------------------------------
# The groups


def final_keys(tags: int, grain: str, spills: str) -> list[str]:
    """The keys of the final groups: day, spills, dimensions and tags for usage (reason NULL), all
    NULL for rows left out (one group per reason)."""
    keep = "CASE WHEN __reason IS NULL THEN {} END"
    keys = [keep.format(f"CAST({grain} AS DATE)") + " AS day", keep.format(spills) + " AS spills"]
    keys += [keep.format(f"d_{name}") + f" AS {name}" for name in DIMENSIONS]
    keys += [keep.format("d_resource_id") + " AS resource_id"]
    keys += [keep.format(f"t_{index}") + f" AS t_{index}" for index in range(tags)]
    return keys


def group_hash(tags: int, prefix: str = "") -> str:
    """The MD5 of a final group's keys (SQL). A kept resource id is appended only where there is
    one, so a reading without one has the hash it had before resource ids were kept."""
    resource = f"{prefix}resource_id"
    suffix = f"CASE WHEN {resource} IS NULL THEN '' ELSE chr(31) || {resource} END"
    return f"md5(concat_ws(chr(31), {key_text(tags, prefix)}) || {suffix})"


def key_text(tags: int, prefix: str = "") -> str:
    """The final keys but the resource id as one text each (for `group_hash`)."""
    return ", ".join(
        [f"coalesce(CAST({prefix}day AS VARCHAR), '')", f"coalesce(CAST({prefix}spills AS VARCHAR), '')"]
        + [f"coalesce(CAST({prefix}{name} AS VARCHAR), '')" for name in DIMENSIONS]
        + [f"coalesce({prefix}t_{index}, '')" for index in range(tags)]
    )
