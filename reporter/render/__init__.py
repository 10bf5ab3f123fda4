"""Renderers: each lays out the same ReportContext in one file format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reporter.errors import RenderError
from reporter.render.context import ReportContext


def _renderer(fmt: str) -> Callable[[ReportContext, Path], Path]:
    if fmt == "json":
        from reporter.render.json_report import render_json

        return render_json
    if fmt == "xlsx":
        from reporter.render.excel import render_xlsx

        return render_xlsx
    if fmt == "pdf":
        from reporter.render.pdf import render_pdf

        return render_pdf
    raise RenderError(f"unknown output format '{fmt}'")


def write_outputs(context: ReportContext, out_dir: Path, formats: list[str]) -> list[Path]:
    """Write each requested format to `out_dir/<org-slug>-<period>.<ext>`."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create output folder {out_dir} ({exc.strerror})") from None
    written = []
    for fmt in formats:
        target = out_dir / f"{context.file_stem}.{fmt}"
        try:
            written.append(_renderer(fmt)(context, target))
        except OSError as exc:
            raise RenderError(f"cannot write {target} ({exc.strerror})") from None
    return written
