"""The long-format datapoint file: `<stem>.datapoints.csv`, one row per datapoint of every framework.

The shape ESG data platforms import: framework, id, element, value, unit, period start and end,
entity, boundary, method, then status, dimensions, source and note. Values are at full precision
(shortest exact text); a datapoint without a value has an empty value, its status
(`not_applicable` or `not_reported`) and the reason in `note`. UTF-8, comma-separated, RFC 4180
quoting.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from reporter.filing.datapoints import DatapointRow, boundary_statement, datapoint_rows
from reporter.report import Report

COLUMNS = (
    "framework", "id", "element", "value", "unit", "period_start", "period_end", "entity", "boundary",
    "method", "status", "dimensions", "source", "note",
)


def csv_value(row: DatapointRow) -> str:
    if row.value is None:
        return ""
    return str(row.value) if isinstance(row.value, int) else repr(float(row.value))


def render_datapoints(report: Report, path: Path) -> Path:
    """Write every datapoint row of `report` to `path` and return `path`."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in datapoint_rows(report):
            writer.writerow(
                (
                    row.framework, row.id, row.element, csv_value(row), row.unit,
                    row.period_start.isoformat() if row.period_start else "",
                    row.period_end.isoformat() if row.period_end else "",
                    row.entity, row.boundary, row.method, row.status, row.dimension_text, row.source, row.note,
                )
            )
    return path


def datapoints_block(report: Report) -> dict[str, Any]:
    """The JSON's `datapoints` block: the boundary statement and the rows of the datapoint file, with
    the same columns (values as numbers at full precision or null, dates as ISO text)."""
    rows = []
    for row in datapoint_rows(report):
        rows.append(
            {
                "framework": row.framework, "id": row.id, "element": row.element, "value": row.value,
                "unit": row.unit, "period_start": row.period_start.isoformat() if row.period_start else None,
                "period_end": row.period_end.isoformat() if row.period_end else None, "entity": row.entity,
                "boundary": row.boundary, "method": row.method, "status": row.status,
                "dimensions": row.dimension_text, "source": row.source, "note": row.note,
            }
        )
    return {"boundary_statement": boundary_statement(report), "columns": list(COLUMNS), "rows": rows}
