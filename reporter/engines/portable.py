"""The bill aggregation as one portable query: the form every engine runs.

The per-format `BillMapping` (reporter.sources.bills.aws_cur, focus, gcp_billing, azure_cost) says
how a format's columns become the canonical billing fields; `portable_sql` wraps it in the
aggregation (filters, group-by, ledger) over a relation `bill` that holds the bill's columns and
`__row`, a number that orders the rows as the file does. It is written in DuckDB's SQL and
transpiled for the other engines (reporter.engines.dialects).

Unlike the embedded engine's two-stage query (reporter.sources.bills.query), which groups raw
values first and numbers CSV pieces itself, this query reads every row once, plainly, so that Spark
and warehouses can run it. Its result has the same groups as the embedded query's:

* one row per reading (usage rows by month of their start, or day in `day_months`, whether they
  run past it, and the dimensions and kept tags) and one per reason a row is left out;
* `rows`, `first_row`, `examples` (the first five row numbers of a reason, ';'-separated text),
  sums of quantity and cost, first start and last end, the first malformed cost, start and end of
  usage rows (row and text), `group_hash` and `bill_meta` (JSON naming the format, the tag keys
  and the file's quantity, cost, start and end columns, so a result saved from a warehouse can
  be read back on its own).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from reporter.records import EXAMPLE_ROWS
from reporter.sources.bills.query import BAD, BAD_QUANTITY, CHECKED, _reason
from reporter.sources.bills.sql import DIMENSIONS, BillMapping, lambda_sql, literal, timestamp

RELATION = "bill"


@dataclass(frozen=True)
class Meta:
    """What a query result needs besides its rows to become readings and exclusions."""

    format_name: str
    tag_keys: tuple[str, ...]
    quantity: str
    start: str
    end: str | None
    cost: str | None
    notes: tuple[str, ...] = ()
    flag_notes: tuple[tuple[str, str], ...] = ()
    dates_note: str | None = None
    lineage: str = ""  # how the result's row numbers were counted, when not as file rows

    def to_json(self) -> str:
        return json.dumps({
            "format": self.format_name, "tag_keys": list(self.tag_keys), "quantity": self.quantity,
            "start": self.start, "end": self.end, "cost": self.cost, "notes": list(self.notes),
            "flag_notes": dict(self.flag_notes), "dates_note": self.dates_note,
            "lineage": self.lineage,
        }, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Meta:
        data = json.loads(text)
        return cls(
            str(data["format"]), tuple(data["tag_keys"]), str(data["quantity"]), str(data["start"]),
            data.get("end"), data.get("cost"), tuple(data.get("notes") or ()),
            tuple(sorted((data.get("flag_notes") or {}).items())), data.get("dates_note"),
            str(data.get("lineage") or ""),
        )

    @classmethod
    def of(cls, format_name: str, mapping: BillMapping, tag_keys: list[str], lineage: str = "") -> Meta:
        return cls(
            format_name, tuple(tag_keys), mapping.quantity.name, mapping.start.name,
            mapping.end.name if mapping.end else None, mapping.cost.name if mapping.cost else None,
            tuple(mapping.notes), tuple(sorted(mapping.flag_notes.items())), mapping.dates.note, lineage,
        )


def portable_sql(mapping: BillMapping, meta: Meta, day_months: list[str] | None = None,
                 relation: str = RELATION) -> str:
    """The aggregation over `relation` (the bill's columns and `__row`), in DuckDB's SQL."""
    return f"""WITH {_rows(mapping, relation, list(meta.tag_keys), day_months or [])},
{_examples()},
{_grouped(len(meta.tag_keys))}
SELECT g.*, x.examples,
  md5(concat_ws(chr(31), {_key_text(len(meta.tag_keys))})) AS group_hash,
  {literal(meta.to_json())} AS bill_meta
FROM grouped g LEFT JOIN examples x ON g.reason = x.reason"""


def _rows(mapping: BillMapping, relation: str, tag_keys: list[str], day_months: list[str]) -> str:
    """Every row: the mapping's helper columns, its reason, dimensions and tags, parsed values."""
    prepare = "".join(f", {sql} AS {name}" for name, sql in mapping.prepare.items())
    derived = "".join(f", {sql} AS {name}" for name, sql in mapping.derived.items())
    dims = {name: mapping.dimensions.get(name, "NULL") for name in DIMENSIONS}
    tag_sql = [mapping.tags.get(key, "NULL") for key in tag_keys]
    quantity, start, end, cost = mapping.quantity, mapping.start, mapping.end, mapping.cost
    picked = ",\n    ".join(
        ["__row", f"{mapping.reason} AS __reason0"]
        + [f"CAST({sql} AS {_type(name)}) AS d_{name}" for name, sql in dims.items()]
        + [f"CAST({sql} AS VARCHAR) AS t_{index}" for index, sql in enumerate(tag_sql)]
        + [
            f"{quantity.sql} AS __q_raw",
            f"{cost.sql if cost else 'CAST(NULL AS VARCHAR)'} AS __c_raw",
            f"{start.sql} AS __s_raw",
            f"{end.sql if end else 'NULL'} AS __e_raw",
            f"{_repeat(mapping)} AS __repeat",
        ]
    )
    months = ", ".join(literal(month) for month in sorted(set(day_months)))
    by_day = f"strftime(__s, '%Y-%m') IN ({months})" if months else "FALSE"
    return f"""prepared AS (SELECT *{prepare} FROM {relation}),
src AS (SELECT *{derived} FROM prepared),
picked AS (
  SELECT {picked}
  FROM src
),
typed AS (
  SELECT *,
    TRY_CAST(__q_raw AS DOUBLE) AS __q,
    TRY_CAST(__c_raw AS DOUBLE) AS __c,
    {timestamp(start, "__s_raw", mapping.dates)} AS __s,
    {timestamp(end, "__e_raw", mapping.dates) if end else "CAST(NULL AS TIMESTAMP)"} AS __e_given
  FROM picked
),
timed AS (
  SELECT *,
    coalesce(__e_given, date_trunc('day', __s) + INTERVAL 1 DAY) AS __e,
    CASE WHEN {by_day} THEN date_trunc('day', __s) ELSE date_trunc('month', __s) END AS __grain_start,
    CASE WHEN {by_day} THEN date_trunc('day', __s) + INTERVAL 1 DAY
      ELSE date_trunc('month', __s) + INTERVAL 1 MONTH END AS __grain_end,
    CASE WHEN __repeat THEN 'repeat' WHEN {BAD_QUANTITY} THEN 'quantity' WHEN __e_given < __s THEN 'order' END
      AS __problem,
    __q_raw IS NULL AS __no_quantity
  FROM typed
),
reasoned AS (
  SELECT *, {_reason(mapping)} AS __reason, __e > __grain_end AS __spills_past
  FROM timed
)"""


def _type(name: str) -> str:
    return "DOUBLE" if name in ("vcpus", "gpus", "memory_gb") else "VARCHAR"


def _repeat(mapping: BillMapping) -> str:
    """Whether a row repeats the line item id of an earlier row (FALSE when the format has none)."""
    if not mapping.line_item_id:
        return "FALSE"
    ids = ", ".join(column.sql for column in mapping.line_item_id)
    present = " AND ".join(f"{column.sql} IS NOT NULL" for column in mapping.line_item_id)
    return f"coalesce({present} AND __row > min(__row) OVER (PARTITION BY {ids}), FALSE)"


def _examples() -> str:
    """The first row numbers of each reason (only rows left out are ranked)."""
    return f"""ranked AS (
  SELECT __reason AS reason, __row, row_number() OVER (PARTITION BY __reason ORDER BY __row) AS __rank
  FROM reasoned WHERE __reason IS NOT NULL
),
examples AS (
  SELECT reason,
    array_to_string(list_transform(list_sort(list(__row)), {lambda_sql("r", "CAST(r AS VARCHAR)")}), ';')
      AS examples
  FROM ranked WHERE __rank <= {EXAMPLE_ROWS}
  GROUP BY reason
)"""


def _grouped(tags: int) -> str:
    """The final groups: one per reading (usage) or per reason (rows left out)."""
    keep = "CASE WHEN __reason IS NULL THEN {} END"
    keys = [keep.format("CAST(__grain_start AS DATE)") + " AS day", keep.format("__spills_past") + " AS spills"]
    keys += [keep.format(f"d_{name}") + f" AS {name}" for name in DIMENSIONS]
    keys += [keep.format(f"t_{index}") + f" AS t_{index}" for index in range(tags)]
    usage = "FILTER (WHERE __reason IS NULL AND {})"
    checks = ",\n    ".join(
        f"min(__row) {usage.format(BAD[alias])} AS bad_{alias}_row,\n    "
        f"arg_min(coalesce(CAST(__{alias}_raw AS VARCHAR), ''), __row) {usage.format(BAD[alias])} AS bad_{alias}_value"
        for alias in CHECKED
    )
    names = ["reason", "day", "spills", *DIMENSIONS, *(f"t_{index}" for index in range(tags))]
    return f"""grouped AS (
  SELECT * FROM (
    SELECT __reason AS reason,
      {", ".join(keys)},
      count(*) AS rows,
      min(__row) AS first_row,
      sum(__q) AS quantity,
      sum(__c) AS cost,
      min(__s) AS start_time,
      max(__e) AS end_time,
      {checks}
    FROM reasoned
    GROUP BY {", ".join(f"{index}" for index in range(1, len(names) + 1))}
  )
)"""


def _key_text(tags: int) -> str:
    return ", ".join(
        ["coalesce(CAST(g.day AS VARCHAR), '')", "coalesce(CAST(g.spills AS VARCHAR), '')"]
        + [f"coalesce(CAST(g.{name} AS VARCHAR), '')" for name in DIMENSIONS]
        + [f"coalesce(g.t_{index}, '')" for index in range(tags)]
    )
