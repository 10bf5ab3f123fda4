"""Turn the configured inputs (files, globs, folders) into the list of files to read.

A folder contributes every file in it that a reader recognises (others are listed as skipped);
a file or glob named explicitly must be recognised. CodeCarbon `.bak` backups beside a named
`emissions.csv` are added, since CodeCarbon moves history there when its header changes.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from reporter.config import InputConfig
from reporter.errors import InputError, UnknownFormatError
from reporter.sources import InputFile, Reader, detect, reader_for

SKIPPED_NAMES = ("readme", "license", "sources")


@dataclass
class PlannedInput:
    file: InputFile
    reader: Reader
    display: str
    origin: str  # "named", "folder" or "backup of <name>"


@dataclass
class InputPlan:
    planned: list[PlannedInput] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def plan_inputs(
    configs: list[InputConfig], base: Path, tag_keys: list[str] | None = None, day_months: list[str] | None = None
) -> InputPlan:
    """The files to read; bills keep `tag_keys` and are summed per day in `day_months` (else per month)."""
    plan = InputPlan()
    seen: set[Path] = set()
    for config in configs:
        options: dict[str, object] = {
            key: value
            for key, value in config.model_dump(exclude={"path", "format"}).items()
            if value is not None
        }
        options["tag_keys"] = list(tag_keys or [])
        options["day_months"] = list(day_months or [])
        for path, from_folder in _expand(config.path, base):
            _add(plan, seen, path, config.format, options, base, "folder" if from_folder else "named")
    _shorten_outside(plan, base)
    return plan


def _shorten_outside(plan: InputPlan, base: Path) -> None:
    """Inputs outside the config and working folders are shown relative to their common folder."""
    roots = (base.resolve(), Path.cwd().resolve())
    outside = [p for p in plan.planned if not any(p.file.path.resolve().is_relative_to(r) for r in roots)]
    if not outside:
        return
    paths = [str(p.file.path.resolve()) for p in outside]
    common = Path(os.path.commonpath(paths))
    if len(outside) == 1 or common == Path(paths[0]):
        common = Path(paths[0]).parent
    for planned in outside:
        planned.display = planned.file.path.resolve().relative_to(common).as_posix()


def _expand(pattern: str, base: Path) -> list[tuple[Path, bool]]:
    candidate = Path(pattern).expanduser()
    if not candidate.is_absolute():
        candidate = base / candidate
    if any(ch in pattern for ch in "*?["):
        matches = sorted(Path(p) for p in glob.glob(str(candidate), recursive=True))
        if not matches:
            raise InputError("no file matches this pattern", path=_display(candidate, base))
        return [(m, m.is_dir()) for m in matches if m.is_file()]
    if candidate.is_dir():
        files = sorted(p for p in candidate.rglob("*") if p.is_file() and not _hidden(p, candidate))
        return [(p, True) for p in files]
    if not candidate.exists():
        raise InputError("file not found", path=_display(candidate, base))
    return [(candidate, False)]


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _add(
    plan: InputPlan,
    seen: set[Path],
    path: Path,
    fmt: str | None,
    options: dict[str, object],
    base: Path,
    origin: str,
) -> None:
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    display = _unique(_display(path, base), path, {p.display for p in plan.planned})
    with shown_as(display):
        source = InputFile.open(path, options)
    if origin == "folder" and (
        path.suffix.lower() in (".md", ".txt", ".toml", ".py") or path.stem.lower() in SKIPPED_NAMES
    ):
        plan.skipped.append((display, "not an input file (documentation or configuration)"))
        return
    try:
        with shown_as(display):
            reader = reader_for(fmt) if fmt else detect(source)
    except UnknownFormatError:
        if origin == "folder":
            plan.skipped.append((display, "format not recognised"))
            return
        raise
    plan.planned.append(PlannedInput(source, reader, display, origin))
    if reader.name == "codecarbon":
        for backup in sorted(path.parent.glob(path.name + "*.bak")):
            _add(plan, seen, backup, fmt, options, base, f"backup of {path.name}")


@contextmanager
def shown_as(display: str) -> Iterator[None]:
    """Report input errors under the path the user knows the file by."""
    try:
        yield
    except InputError as exc:
        if exc.path is not None:
            exc.path = Path(display)
        raise


def _unique(display: str, path: Path, taken: set[str]) -> str:
    """Lengthen a display path with parent folders until no other input shows the same."""
    parts = path.resolve().parts
    depth = display.count("/") + 1
    while display in taken and depth < len(parts):
        depth += 1
        display = "/".join(parts[-depth:])
    return display


def _display(path: Path, base: Path) -> str:
    """A path to show in reports: relative to the config folder (or working folder) if inside."""
    resolved = path.resolve()
    for root in (base.resolve(), Path.cwd().resolve()):
        try:
            return resolved.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.name
