"""The lineage file output: the report's line items as Parquet (see reporter.report.lineage)."""

from __future__ import annotations

from pathlib import Path

from reporter.report import Report


def render_lineage(report: Report, path: Path) -> Path:
    path.write_bytes(report.lineage.data)
    return path
