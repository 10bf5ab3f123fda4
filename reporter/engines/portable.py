"""The bill aggregation as one portable query: the form every engine runs.

The per-format `BillMapping` (reporter.sources.bills.aws_cur, focus, gcp_billing, azure_cost) says
how a format's columns become the canonical billing fields; `portable_sql` wraps it in the
aggregation (filters, group-by, ledger) over a relation `bill` that holds the bill's columns and
`__row`, a number that orders the rows as the file does. It is written in DuckDB's SQL and
transpiled for the other engines (reporter.engines.dialects).

Unlike the embedded engine's two-stage query (reporter.sources.bills.query), which groups raw
values first and numbers CSV pieces itself, this query reads every row once, plainly, so that Spark
and warehouses can run it. Both are built from one definition of the aggregation
(reporter.sources.bills.definition: the row values, grain, problem, reason, dimensions, tags and
the measures), so their results have the same groups:

* one row per reading (usage rows by month of their start, or day in `day_months`, whether they
  run past it, and the dimensions and kept tags) and one per reason a row is left out;
* `rows`, `first_row`, `examples` (the first five row numbers of a reason, ';'-separated text),
  sums of quantity and cost, first start and last end, the first malformed cost, start and end of
  usage rows (row and text), the kept resource id (only the ids in `Meta.resource_ids`: the
  others are empty), `group_hash` and `bill_meta` (JSON naming the format, the tag keys, the kept
  resource ids and the file's quantity, cost, start and end columns, so a result saved from a
  warehouse can be read back on its own).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from reporter.records import EXAMPLE_ROWS
from reporter.sources.bills import definition
from reporter.sources.bills.sql import BillMapping, lambda_sql, literal

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
    resource_ids: tuple[str, ...] = ()  # the resource ids kept (definition.kept_resource)

    def to_json(self) -> str:
        return json.dumps({
            "format": self.format_name, "tag_keys": list(self.tag_keys), "quantity": self.quantity,
            "start": self.start, "end": self.end, "cost": self.cost, "notes": list(self.notes),
            "flag_notes": dict(self.flag_notes), "dates_note": self.dates_note,
            "lineage": self.lineage, **({"resource_ids": list(self.resource_ids)} if self.resource_ids else {}),
        }, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Meta:
        data = json.loads(text)
        return cls(
            str(data["format"]), tuple(data["tag_keys"]), str(data["quantity"]), str(data["start"]),
            data.get("end"), data.get("cost"), tuple(data.get("notes") or ()),
            tuple(sorted((data.get("flag_notes") or {}).items())), data.get("dates_note"),
            str(data.get("lineage") or ""), tuple(str(i) for i in data.get("resource_ids") or ()),
        )

    @classmethod
    def of(cls, format_name: str, mapping: BillMapping, tag_keys: list[str], lineage: str = "",
           resource_ids: Sequence[str] = ()) -> Meta:
        return cls(
            format_name, tuple(tag_keys), mapping.quantity.name, mapping.start.name,
            mapping.end.name if mapping.end else None, mapping.cost.name if mapping.cost else None,
            tuple(mapping.notes), tuple(sorted(mapping.flag_notes.items())), mapping.dates.note, lineage,
            tuple(definition.wanted_ids(resource_ids)),
        )


def portable_sql(mapping: BillMapping, meta: Meta, day_months: list[str] | None = None,
                 relation: str = RELATION) -> str:
    """The aggregation over `relation` (the bill's columns and `__row`), in DuckDB's SQL."""
    resource = definition.kept_resource(mapping, meta.resource_ids)
    return f"""WITH {_rows(mapping, relation, list(meta.tag_keys), day_months or [], resource)},
{_examples()},
{_grouped(len(meta.tag_keys))}
SELECT g.*, x.examples,
  {definition.group_hash(len(meta.tag_keys), "g.")} AS group_hash,
  {literal(meta.to_json())} AS bill_meta
FROM grouped g LEFT JOIN examples x ON g.reason = x.reason"""


def _rows(mapping: BillMapping, relation: str, tag_keys: list[str], day_months: list[str], resource: str) -> str:
    """Every row: the mapping's helper columns, its reason, dimensions and tags, parsed values
    (each part as reporter.sources.bills.definition defines it)."""
    picked = ",\n    ".join(
        ["__row", *definition.mapped_columns(mapping, tag_keys, resource), *definition.raw_values(mapping),
         f"{definition.repeat(mapping, '__row')} AS __repeat"]
    )
    return f"""{definition.helper_ctes(mapping, relation)},
picked AS (
  SELECT {picked}
  FROM src
),
typed AS (
  SELECT *,
    {definition.parsed_values(mapping)}
  FROM picked
),
timed AS (
  SELECT *,
    {definition.timed_columns(day_months)}
  FROM typed
),
reasoned AS (
  SELECT *, {definition.reason(mapping)} AS __reason, {definition.SPILLS} AS __spills_past
  FROM timed
)"""


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
    """The final groups: one per reading (usage) or per reason (rows left out), with every measure
    of reporter.sources.bills.definition over their rows."""
    keys = definition.final_keys(tags, "__grain_start", "__spills_past")
    aggregates = ",\n      ".join(
        measure.shown.format(measure.rows_sql("__row", "sum", "__reason IS NULL")) + f" AS {measure.name}"
        for measure in definition.MEASURES
    )
    return f"""grouped AS (
  SELECT * FROM (
    SELECT __reason AS reason,
      {", ".join(keys)},
      {aggregates}
    FROM reasoned
    GROUP BY {", ".join(str(index) for index in range(1, len(keys) + 2))}
  )
)"""
