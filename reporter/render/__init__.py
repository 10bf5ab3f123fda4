"""Renderers: each lays out the same report model (reporter.report.Report) in one file format.

OUTPUTS is the registry of formats: each names its file ending and the function that writes it.
Every report that writes any output also writes its lineage file (`<stem>.lineage.parquet`,
every line item with its provenance), which the JSON, the workbook and the PDF refer to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from reporter import progress
from reporter.errors import RenderError
from reporter.report import Report

Renderer = Callable[[Report, Path], Path]


@dataclass(frozen=True)
class Output:
    """One output format: its file name ending and the function that writes it."""

    extension: str
    module: str
    function: str

    def renderer(self) -> Renderer:
        renderer: Renderer = getattr(import_module(self.module), self.function)
        return renderer


LINEAGE = "lineage"
OUTPUTS = {
    LINEAGE: Output("lineage.parquet", "reporter.render.lineage", "render_lineage"),
    "json": Output("json", "reporter.render.json_report", "render_json"),
    "xlsx": Output("xlsx", "reporter.render.excel", "render_xlsx"),
    "pdf": Output("pdf", "reporter.render.pdf", "render_pdf"),
}


def with_lineage(formats: list[str]) -> list[str]:
    """The formats to write: the lineage file first whenever anything is written, then the others."""
    if not formats:
        return []
    return [LINEAGE, *(fmt for fmt in dict.fromkeys(formats) if fmt != LINEAGE)]


def output_path(report: Report, out_dir: Path, fmt: str) -> Path:
    if fmt not in OUTPUTS:
        raise RenderError(f"unknown output format '{fmt}'")
    return out_dir / f"{report.file_stem}.{OUTPUTS[fmt].extension}"


def write_outputs(report: Report, out_dir: Path, formats: list[str]) -> list[Path]:
    """Write the lineage file and each requested format to `out_dir/<org-slug>-<period>.<ext>`."""
    targets = [(fmt, output_path(report, out_dir, fmt)) for fmt in with_lineage(formats)]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create output folder {out_dir} ({exc.strerror})") from None
    written = []
    for fmt, target in progress.steps(targets, "writing"):
        try:
            written.append(OUTPUTS[fmt].renderer()(report, target))
        except OSError as exc:
            raise RenderError(f"cannot write {target} ({exc.strerror})") from None
    return written
