"""Renderers: each lays out the same report model (reporter.report.Report) in one file format.

OUTPUTS is the registry of formats: each names its file ending and the function that writes it.
Every report that writes any output also writes its lineage file (`<stem>.lineage.parquet`,
every line item with its provenance), which the JSON, the workbook and the PDF refer to, and its
datapoint file (`<stem>.datapoints.csv`, reporter.filing).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from reporter import progress
from reporter.errors import RenderError
from reporter.filing.datapoints import check_filing
from reporter.report import Report

Renderer = Callable[[Report, Path], Path]
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


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
DATAPOINTS = "datapoints"  # the filing datapoints (reporter.filing), written with every report like the lineage
OUTPUTS = {
    LINEAGE: Output("lineage.parquet", "reporter.render.lineage", "render_lineage"),
    DATAPOINTS: Output("datapoints.csv", "reporter.filing.files", "render_datapoints"),
    "xbrl": Output("esrs-e1.xhtml", "reporter.filing.ixbrl", "render_esrs"),
    "xbrl-vsme": Output("vsme.xhtml", "reporter.filing.ixbrl", "render_vsme"),
    "json": Output("json", "reporter.render.json_report", "render_json"),
    "xlsx": Output("xlsx", "reporter.render.excel", "render_xlsx"),
    "pdf": Output("pdf", "reporter.render.pdf", "render_pdf"),
}


def with_lineage(formats: list[str]) -> list[str]:
    """The formats to write: the lineage file and the datapoint file first whenever a report file
    is written, then the others; the lineage file alone when it is all that is asked for."""
    others = [fmt for fmt in dict.fromkeys(formats) if fmt not in (LINEAGE, DATAPOINTS)]
    if not others:
        return [LINEAGE] if formats else []
    return [LINEAGE, DATAPOINTS, *others]


def output_path(report: Report, out_dir: Path, fmt: str) -> Path:
    if fmt not in OUTPUTS:
        raise RenderError(f"unknown output format '{fmt}'")
    name = f"{report.file_stem}.{OUTPUTS[fmt].extension}"
    if not SAFE_NAME.fullmatch(name):  # the stem is a slug; this guards any other way in
        raise RenderError(f"the report file name {name!r} is not a plain file name")
    return out_dir / name


def write_outputs(report: Report, out_dir: Path, formats: list[str]) -> list[Path]:
    """Write the lineage file and each requested format to `out_dir/<org-slug>-<period>.<ext>`.

    All or nothing: every file is written beside its target under a temporary name and renamed
    into place only once all are written, so a failure leaves the previous files as they were."""
    with staged_outputs(report, out_dir, formats) as staged:
        return staged.commit()


@dataclass
class Staged:
    """Report files written under temporary names in the output folder, not yet in place."""

    files: list[tuple[Path, Path]] = field(default_factory=list)  # (temporary file, target)
    committed: bool = False

    def commit(self) -> list[Path]:
        """Rename every temporary file onto its target (each rename is atomic)."""
        for temp, target in self.files:
            try:
                os.replace(temp, target)
            except OSError as exc:
                raise RenderError(f"cannot write {target} ({_why(exc)})") from None
        self.committed = True
        return [target for _, target in self.files]


@contextmanager
def staged_outputs(report: Report, out_dir: Path, formats: list[str]) -> Iterator[Staged]:
    """Write every output to a temporary file beside its target; the caller commits them, and any
    temporary file left when the block ends (a failure, or no commit) is removed."""
    targets = [(fmt, output_path(report, out_dir, fmt)) for fmt in with_lineage(formats)]
    if targets:
        check_filing(report)  # the sum rules hold before anything is written
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RenderError(f"cannot create output folder {out_dir} ({_why(exc)})") from None
    staged = Staged()
    try:
        for fmt, target in progress.steps(targets, "writing"):
            temp = _temporary(target)
            staged.files.append((temp, target))
            _render(report, fmt, temp, target)
        yield staged
    finally:
        if not staged.committed:
            for temp, _ in staged.files:
                temp.unlink(missing_ok=True)


def _render(report: Report, fmt: str, temp: Path, target: Path) -> None:
    """Write one output to its temporary file; errors name the target file."""
    try:
        OUTPUTS[fmt].renderer()(report, temp)
    except RenderError as exc:
        raise RenderError(str(exc).replace(str(temp), str(target)).replace(temp.name, target.name)) from None
    except OSError as exc:
        raise RenderError(
            f"cannot write {target} ({_why(exc)}); the previous report files are unchanged"
        ) from None


def _temporary(target: Path) -> Path:
    """A new, empty file in the target's folder, readable as a report file made here would be."""
    try:
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    except OSError as exc:
        raise RenderError(f"cannot write {target} ({_why(exc)})") from None
    os.close(handle)
    os.chmod(name, 0o666 & ~_umask())
    return Path(name)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _why(exc: OSError) -> str:
    """What went wrong, in one line: the system's words ("No space left on device")."""
    text = str(exc).strip()
    return exc.strerror or (text.splitlines()[0] if text else type(exc).__name__)
