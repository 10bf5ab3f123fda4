"""The aggregate query over one bill: usage rows summed into readings, other rows counted by reason.

See `aggregate_sql`. The row numbers it reports are file record numbers: each scanned piece numbers
its own records (`__row`, from 1, with its `__piece`); stage 1 keeps positions (piece and number)
and counts its rows per piece, and the query adds the header and the records of the pieces before.
"""

from __future__ import annotations

from collections.abc import Sequence

from reporter.records import EXAMPLE_ROWS
from reporter.sources.bills import definition
from reporter.sources.bills.definition import CHECKED
from reporter.sources.bills.id_sink import FUNCTION as SEND_FUNCTION
from reporter.sources.bills.sql import (
    BillMapping,
    Column,
    Columns,
    lambda_sql,
    literal,
)

# What stage 1 computes per group of raw rows, for stage 2 to combine: its keys, example rows and
# the partial result of each measure (reporter.sources.bills.definition).
CARRIED = ("__grain", "__spills", "__no_quantity", "__problem", "__rid", "__examples") + tuple(
    f"__{measure.name}" for measure in definition.MEASURES
)


def aggregate_sql(
    scan: str,
    header_rows: int,
    columns: Columns,
    mapping: BillMapping,
    tag_keys: list[str],
    day_months: list[str] | None = None,
    values: bool = False,
    repeats: bool = False,
    pieces: int = 1,
    check_repeats: bool = False,
    resource_ids: Sequence[str] = (),
    send_ids: bool = False,
) -> str:
    """The query, in two stages, over `scan`: the file, or the union of its `pieces` pieces; its
    result lists the usage groups first, by first row. The text of the first malformed cost, start
    and end of usage rows is carried only with `values` (the caller asks again with it when a row
    is bad: per-group text cannot be spilled to disk, and a big bill has many groups).

    Usage rows are summed per month of their start (per day in `day_months`, 'YYYY-MM', the months
    a reporting period cuts), and apart from them the rows that end after that month (or day), so
    that a reading's time span is the span of its rows and splits pro rata like them.

    Stage 1 is the only part that sees every row. It parses each row's start and end and groups
    the rows on the raw values of the columns the mapping's expressions read, on the month (or
    day) of the start, on whether the row runs past it, on whether the quantity is empty, on
    what is wrong with the row (`__problem`: a repeat, a malformed quantity, an end before the start)
    and on its resource id where it is one of `resource_ids` (definition.kept_resource); it
    aggregates the first example rows and each measure of reporter.sources.bills.definition (row
    count, first row, sums of the quantity and cost, the first and last times, the first malformed
    cost, start and end). Rows that repeat a line item id are set apart only with `repeats`.

    With `check_repeats` (and line item ids), the rows as read (`raw`) are kept for a second
    reader besides stage 1, which groups them on a 64-bit hash of their ids (see `_stage1`), and
    every result row carries `hash_repeats`: how many hashes occur more than once. Zero means no
    id repeats; more means the caller reads again with `repeats` (which compares the ids themselves).
    With `send_ids` instead, each row's id hash goes to the caller's reporter.sources.bills.id_sink.

    Stage 2 rebuilds the columns the mapping reads under their own names, evaluates the mapping
    (reason, dimensions, tags and their helper columns) once per distinct key combination and
    combines the groups into readings and exclusions, exactly as one pass over the rows would: a
    bad value only counts in a usage group, and the first bad row is the smallest row number.
    """
    keys = _referenced(columns, mapping)
    key_names = {column.sql: f"__k{index}" for index, column in enumerate(keys)}
    check = check_repeats and not repeats and bool(mapping.line_item_id)
    resource = definition.kept_resource(mapping, resource_ids)
    send = send_ids and not repeats and not check and bool(mapping.line_item_id)
    return f"""
WITH {_stage1(scan, keys, key_names, mapping, day_months or [], values, repeats, pieces, check, resource, send)},
{_numbered(header_rows, pieces)},
{_mapping_ctes(columns, keys, key_names, mapping, tag_keys, values)},
{_grouped(tag_keys, values)}
SELECT *,
  {definition.group_hash(len(tag_keys))} AS group_hash,
  {_tags_json(tag_keys)} AS tags
FROM grouped{", id_repeats" if check else ""}
ORDER BY reason IS NOT NULL, first_row
"""


PIECE = 1 << 40  # a stage-1 position is piece * PIECE + the record's number within its piece


def _numbered(header_rows: int, pieces: int) -> str:
    """Stage-1 groups with file record numbers: each piece's rows after the header and the pieces before.

    Stage 1 does not group by piece (a line item repeated in another piece must meet its first in
    one group); it counts each group's rows per piece (`__rows_p0`, ...: plain counts, far cheaper
    than a map per group) and keeps positions (piece * PIECE + number), which the offsets of the
    pieces turn into row numbers here."""
    decode = _decoded("r")
    per_piece = " UNION ALL ".join(
        f"SELECT {piece} AS __piece, sum(__rows_p{piece}) AS __rows FROM stage1" for piece in range(pieces)
    )
    return f"""piece_rows AS (
  SELECT * FROM ({per_piece}) WHERE __rows > 0
),
offsets AS (
  SELECT list(__offset ORDER BY __piece) AS __offs, list(__piece ORDER BY __piece) AS __pieces
  FROM (
    SELECT __piece,
      {header_rows} + coalesce(sum(__rows) OVER (ORDER BY __piece ROWS UNBOUNDED PRECEDING EXCLUDE CURRENT ROW), 0)
        AS __offset
    FROM piece_rows
  )
),
numbered AS (
  SELECT * EXCLUDE (__offs, __pieces, {", ".join(f"__rows_p{piece}" for piece in range(pieces))}) REPLACE (
    {_decoded("__first_row")} AS __first_row,
    list_transform(__examples, {lambda_sql("r", decode)}) AS __examples,
    {", ".join(_decoded(f"__bad_{alias}_row") + f" AS __bad_{alias}_row" for alias in CHECKED)})
  FROM stage1, offsets
)"""


def _decoded(column: str) -> str:
    return f"{column} % {PIECE} + __offs[list_position(__pieces, {column} // {PIECE})]"


def _mapping_ctes(columns: Columns, keys: list[Column], key_names: dict[str, str], mapping: BillMapping,
                  tag_keys: list[str], values: bool) -> str:
    """The mapping evaluated on each stage-1 group (`reasoned`): the columns it reads rebuilt from the
    group's keys, its helper columns, then its reason, dimensions and tags.

    (Evaluating it once per distinct key combination and joining back cost more than it saved: a
    bill's stage-1 groups differ in their keys nearly always, the month and problem apart.)"""
    rebuilt = "".join(f"{sql} AS {name}, " for name, sql in _rebuild(columns, keys, key_names))
    carried = ", ".join(_carried(values))
    mapped = ",\n    ".join(definition.mapped_columns(mapping, tag_keys, "__rid"))
    return f"""rebuilt AS (SELECT {rebuilt}{carried} FROM numbered),
{definition.helper_ctes(mapping, "rebuilt")},
mapped AS (
  SELECT {carried},
    {mapped}
  FROM src
),
reasoned AS (
  SELECT *,
    {definition.reason(mapping)} AS __reason
  FROM mapped
)"""


def _carried(values: bool) -> tuple[str, ...]:
    return CARRIED if values else tuple(name for name in CARRIED if not name.endswith("_value"))


def _stage1(scan: str, keys: list[Column], key_names: dict[str, str], mapping: BillMapping,
            day_months: list[str], values: bool, repeats: bool, pieces: int, check: bool = False,
            resource: str = definition.NO_RESOURCE, send: bool = False) -> str:
    """The CTEs that read every row: raw values, parsed values, and their groups (`stage1`), with
    the partial result of each measure (reporter.sources.bills.definition).

    With `check`, `raw` is materialized (DuckDB keeps the rows as read, spilling to disk beyond its
    memory limit) and read twice: by stage 1 and by `id_repeats`, which groups the rows on the
    hash of their line item ids (`__h`, NULL when an id is empty) and counts the hashes that occur
    more than once. The file is thus parsed once (measured on a 1M-row CSV bill: less work than
    parsing it again for a separate check, and than a second grouping set over the same scan)."""
    at = f"__piece * {PIECE} + __row"
    raw = ",\n    ".join(
        ["__row", "__piece", f"{at} AS __at"]
        + [f"{column.sql} AS {key_names[column.sql]}" for column in keys]
        + definition.raw_values(mapping)
        + [f"{resource} AS __rid"]
        + [f"{definition.repeat(mapping, f'({at})') if repeats else 'FALSE'} AS __repeat"]
        + ([f"{_id_hash(mapping)} AS __h"] if check else [])
    )
    group_keys = "".join(f"{name}, " for name in key_names.values())
    partial = ",\n    ".join(
        f"{measure.rows_sql('__at', 'fsum')} AS __{measure.name}" for measure in definition.measures(values)
    )
    return f"""raw AS {"MATERIALIZED " if check else ""}(
  SELECT {raw}
  FROM {scan}{_sent(mapping) if send else ""}
),{_id_repeats() if check else ""}
typed AS (
  SELECT *,
    {definition.parsed_values(mapping)}
  FROM raw
),
timed AS (
  SELECT *,
    {definition.timed_columns(day_months)}
  FROM typed
),
stage1 AS (
  SELECT {group_keys}__grain_start AS __grain, {definition.SPILLS} AS __spills,
    __no_quantity,
    __problem,
    __rid,
    {", ".join(f"count(*) FILTER (WHERE __piece = {piece}) AS __rows_p{piece}" for piece in range(pieces))},
    min(__at, {EXAMPLE_ROWS}) AS __examples,
    {partial}
  FROM timed
  GROUP BY ALL
)"""


def _sent(mapping: BillMapping) -> str:
    """The clause that passes each row's id hash to the check after the read (it keeps every row)."""
    return f"\n  WHERE {SEND_FUNCTION}(CAST({_id_hash(mapping)} AS UBIGINT))"


def _id_repeats() -> str:
    """How many hashes of line item ids the rows as read repeat (the CTE `id_repeats`)."""
    return """
id_repeats AS (
  SELECT CAST(count(*) AS BIGINT) AS hash_repeats
  FROM (SELECT __h FROM raw WHERE __h IS NOT NULL GROUP BY __h HAVING count(*) > 1)
),"""


def repeats_sql(clause: str, mapping: BillMapping, hashed: bool = True) -> str:
    """How many line item ids occur more than once in the file (the check made before reading a
    Parquet bill with line item ids, whose id columns alone are cheap to read: one grouped scan of
    them, which can spill to disk; an exact, row-by-row pass runs only when this finds any; a CSV's
    ids are checked in the main read instead, see `aggregate_sql`). `hashed` groups on a 64-bit
    hash of the ids, far faster than on their text: equal ids always hash alike, so a file with
    no repeated hash has no repeated id; a repeated hash is checked again on the ids themselves."""
    ids = ", ".join(column.sql for column in mapping.line_item_id)
    present = " AND ".join(f"{column.sql} IS NOT NULL" for column in mapping.line_item_id)
    key = f"hash({ids})" if hashed else ids
    return (
        f"SELECT CAST(count(*) AS BIGINT) AS repeats FROM "
        f"(SELECT 1 FROM {clause} WHERE {present} GROUP BY {key} HAVING count(*) > 1)"
    )


def _id_hash(mapping: BillMapping) -> str:
    """A 64-bit hash of a row's line item ids (NULL when one is empty): equal ids hash alike."""
    ids = ", ".join(column.sql for column in mapping.line_item_id)
    present = " AND ".join(f"{column.sql} IS NOT NULL" for column in mapping.line_item_id)
    return f"CASE WHEN {present} THEN hash({ids}) END"


def _grouped(tag_keys: list[str], values: bool) -> str:
    """The final groups: one per reading (usage) or per reason (rows left out), each measure
    combined from the stage-1 groups."""
    usage = "__reason IS NULL"
    combined = ",\n    ".join(
        measure.shown.format(measure.combine_sql("fsum", usage)) + f" AS {measure.name}"
        for measure in definition.measures(values)
    )
    return f"""grouped AS (
  SELECT __reason AS reason,
    {", ".join(definition.final_keys(len(tag_keys), "__grain", "__spills"))},
    list_slice(list_sort(flatten(list(__examples) FILTER (WHERE __reason IS NOT NULL))), 1, {EXAMPLE_ROWS})
      AS examples,
    {combined}
  FROM reasoned
  GROUP BY ALL
)"""


def _tags_json(tag_keys: list[str]) -> str:
    tag_parts = [
        f"CASE WHEN t_{i} IS NOT NULL THEN {literal(_json_text(key) + ':')} || CAST(to_json(t_{i}) AS VARCHAR) END"
        for i, key in sorted(enumerate(tag_keys), key=lambda item: item[1])
    ]
    return f"'{{' || concat_ws(',', {', '.join(tag_parts)}) || '}}'" if tag_parts else "NULL"


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
