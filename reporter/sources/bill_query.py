"""The aggregate query over one bill: usage rows summed into readings, other rows counted by reason.

See `aggregate_sql`. The row numbers it reports are file record numbers: each scanned piece numbers
its own records (`__row`, from 1, with its `__piece`), and the query adds the header and the
records of the pieces before.
"""

from __future__ import annotations

from reporter.sources.base import EXAMPLE_ROWS
from reporter.sources.bill_sql import (
    DIMENSIONS,
    BillMapping,
    Column,
    Columns,
    lambda_sql,
    literal,
    timestamp,
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


def aggregate_sql(
    scan: str,
    header_rows: int,
    columns: Columns,
    mapping: BillMapping,
    tag_keys: list[str],
    day_months: list[str] | None = None,
) -> str:
    """The query, in two stages.

    Usage rows are summed per month of their start (per day in `day_months`, 'YYYY-MM', the months
    a reporting period cuts), and apart from them the rows that end after that month (or day), so
    that a reading's time span is the span of its rows and splits pro rata like them.

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
    final_keys = [keep.format("CAST(__grain AS DATE)") + " AS day", keep.format("__end > __grain_end") + " AS spills"]
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
        # an empty start is bad too: its value is NULL, kept (arg_min_null) so the value is the row's
        f"arg_min_null(CAST(__s_raw AS VARCHAR), CASE WHEN {bad_s} THEN __first_row END) {usage} AS bad_s_value",
        f"min(CASE WHEN {bad_e} THEN __first_row END) {usage} AS bad_e_row",
        f"arg_min(CAST(__e_raw AS VARCHAR), CASE WHEN {bad_e} THEN __first_row END) {usage} AS bad_e_value",
    ]
    key_text = ", ".join(
        ["coalesce(CAST(day AS VARCHAR), '')", "coalesce(CAST(spills AS VARCHAR), '')"]
        + [f"coalesce(CAST({name} AS VARCHAR), '')" for name in DIMENSIONS]
        + [f"coalesce(t_{index}, '')" for index in range(len(tags))]
    )
    tag_parts = [
        f"CASE WHEN t_{i} IS NOT NULL THEN {literal(_json_text(key) + ':')} || CAST(to_json(t_{i}) AS VARCHAR) END"
        for i, key in sorted(enumerate(tag_keys), key=lambda item: item[1])
    ]
    tags_json = f"'{{' || concat_ws(',', {', '.join(tag_parts)}) || '}}'" if tag_parts else "NULL"
    rebuilt = "".join(f"{sql} AS {name}, " for name, sql in _rebuild(columns, keys, key_names))
    months = ", ".join(literal(month) for month in sorted(set(day_months or [])))
    by_day = f"strftime(__start, '%Y-%m') IN ({months})" if months else "FALSE"
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
    list_transform(__examples, {lambda_sql("r", "r + __offset")}) AS __examples,
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
  SELECT *, coalesce(__end_given, date_trunc('day', __start) + INTERVAL 1 DAY) AS __end,
    {by_day} AS __by_day,
    CASE WHEN __by_day THEN date_trunc('day', __start) ELSE date_trunc('month', __start) END AS __grain,
    CASE WHEN __by_day THEN __grain + INTERVAL 1 DAY ELSE __grain + INTERVAL 1 MONTH END AS __grain_end
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
