"""JSON output: the report model as a stable, full-precision document.

The document holds every aggregate and a `lineage` section naming the lineage file (file name
beside the JSON, sha256, rows, columns), which has every line item. Its size does not grow with
the bill: breakdowns and unclassified groups are cut to their largest entries plus one "other"
row (`limits` says where), and each input lists its exclusions grouped by kind and reason (at
most JSON_EXCLUSIONS groups): count, first rows and the first row's detail. A figure that is
infinite or not a number is written as null and its path listed under `non_finite_values`, so
the document is always valid JSON.

With `[output] json_line_items = true` (`--json-line-items`) the line items are embedded too, one
compact object per line (json's fast encoder), which parses to the same document. The sections
are indented for reading.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reporter.filing.files import datapoints_block
from reporter.render.line_items import line_item_records
from reporter.report import Report
from reporter.report.models_energy import card

# 5: the `datapoints` block (the rows of the datapoint file). 6: the fields added since 5:
# `provider_reported` (providers' figures as reported, model versions) and
# `data_quality.provider_reported_share`; provider_comparison's `service`, `source_file` and
# `source_rows`; `market_rates` (supplier rates and residual mixes used) and
# `totals.hourly_matched_coverage_share` / `hourly_resolved_energy_kwh`; `links[].automatic` and
# `links[].method`; the line items' `resource_id` (kept only for ids a link or a tracker's host names).
# 7: `market_rates[].data_year` and `source` (the year and source stated with a supplier rate or
# residual mix; null when not stated) and `data_quality.notes` (report-wide notes: the rates used
# without a year of their own).
SCHEMA_VERSION = "7"
JSON_EXCLUSIONS = 1000
INDENT = 2
ROW_SECTIONS = ("line_items",)
_PAD = " " * INDENT
_INDENTED = json.JSONEncoder(indent=INDENT, ensure_ascii=False, allow_nan=False)
_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False)


def render_json(report: Report, path: Path) -> Path:
    document = {"schema_version": SCHEMA_VERSION, **report.to_dict()}
    document["inputs"] = [_listed(ledger) for ledger in document["inputs"]]
    document["limits"] = {
        **document["limits"],
        "exclusions_per_input": JSON_EXCLUSIONS,
        "exclusions_note": (
            f"each input lists at most {JSON_EXCLUSIONS} groups of exclusions (rows left out for the "
            "same reason, with their count and first rows); exclusions_not_listed counts the other groups"
        ),
    }
    document["lineage"] = report.lineage.describe()
    document["models"] = models_block(report)
    document["datapoints"] = datapoints_block(report)
    replaced: list[str] = []
    document = finite(document, "", replaced)
    if replaced:
        document["non_finite_values"] = {
            "paths": replaced[:JSON_EXCLUSIONS],
            "count": len(replaced),
            "note": "these figures are infinite or not a number (an input value too large to add up) "
            "and are written as null; the lineage file holds the line items as read",
        }
    if report.output.json_line_items:
        document["line_items"] = line_item_records(report.line_items)
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(document_chunks(document))
    return path


def models_block(report: Report) -> dict[str, Any]:
    """The `models` block, shaped for a model card: one entry per model (see models_energy.card)."""
    models = report.models
    return {
        "models": card(models, report.tool.name),
        "without_model_energy_mwh": models.without_model_kwh / 1000.0,
        "without_model_line_items": models.without_model_items,
        "configured_not_seen": list(models.configured_not_seen),
    }


def finite(value: Any, where: str, replaced: list[str]) -> Any:
    """`value` with every infinite or NaN number replaced by None; their paths added to `replaced`."""
    if isinstance(value, float) and not math.isfinite(value):
        replaced.append(where or "(document)")
        return None
    if isinstance(value, dict):
        return {k: finite(v, f"{where}.{k}" if where else str(k), replaced) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v, f"{where}[{i}]", replaced) for i, v in enumerate(value)]
    return value


def _listed(ledger: dict[str, Any]) -> dict[str, Any]:
    """An input's ledger with at most JSON_EXCLUSIONS groups of exclusions, and how many are left out."""
    exclusions = ledger["exclusions"]
    return {
        **ledger,
        "exclusions": exclusions[:JSON_EXCLUSIONS],
        "exclusions_not_listed": max(0, len(exclusions) - JSON_EXCLUSIONS),
    }


def document_chunks(document: dict[str, Any]) -> Iterator[str]:
    """`document` as indented JSON ending in a newline, the lists named in ROW_SECTIONS one element per line."""
    yield "{"
    for index, (key, value) in enumerate(document.items()):
        yield ("\n" if index == 0 else ",\n") + _PAD + _COMPACT.encode(key) + ": "
        if key in ROW_SECTIONS and isinstance(value, list) and value:
            yield from _row_chunks(value)
        else:
            yield _INDENTED.encode(value).replace("\n", "\n" + _PAD)
    yield "\n}\n" if document else "}\n"


def _row_chunks(rows: list[Any]) -> Iterator[str]:
    """A non-empty list as an array indented like the document, one compact value per line."""
    row_pad = _PAD * 2
    yield "["
    for index, row in enumerate(rows):
        yield ("\n" if index == 0 else ",\n") + row_pad
        yield _COMPACT.encode(row)
    yield "\n" + _PAD + "]"
