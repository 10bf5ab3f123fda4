"""Turn the configured inputs (files, globs, folders) into the list of files to read.

A folder contributes every file in it that a reader recognises (others are listed as skipped);
a file or glob named explicitly must be recognised. CodeCarbon `.bak` backups beside a named
`emissions.csv` are added, since CodeCarbon moves history there when its header changes.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from reporter.config import InputConfig
from reporter.errors import ConfigError, InputError, UnknownFormatError, UnsupportedFileError
from reporter.sources import InputFile, Reader, detect, reader_for, refuse_unsupported
from reporter.sources.base import describe_stat_error, kind_of_mode

SKIPPED_NAMES = ("readme", "license", "sources")
NOT_INPUT = "not an input file (documentation or configuration)"


@dataclass
class PlannedInput:
    file: InputFile
    reader: Reader
    display: str
    origin: str  # "named", "folder" or "backup of <name>"


@dataclass
class Skip:
    """A file left out, with why; `twin` is the planned input with the same content, if that is why."""

    where: Path  # absolute, for shortening the display of files outside the config folder
    display: str
    reason: str
    twin: PlannedInput | None = None
    sha256: str = ""

    def shown(self) -> tuple[str, str]:
        if self.twin is None:
            return self.display, self.reason
        return self.display, f"same content as {self.twin.display} (sha256 {self.sha256[:12]}…), read once"


@dataclass
class InputPlan:
    planned: list[PlannedInput] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    """A path an input entry names or holds; `problem` says why it cannot be read, if known already."""

    path: Path
    origin: str  # "named", "folder" or "pattern"
    problem: str | None = None


def plan_inputs(
    configs: list[InputConfig],
    base: Path,
    tag_keys: list[str] | None = None,
    day_months: list[str] | None = None,
    listed_in: str | None = None,
) -> InputPlan:
    """The files to read; bills keep `tag_keys` and are summed per day in `day_months` (else per month).

    `listed_in` is the config file the entries come from: a path that cannot be found names it and the key.
    """
    plan = InputPlan()
    seen: dict[Path, str] = {}  # each file read (links resolved), with how it was first shown
    for number, config in enumerate(configs, start=1):
        options: dict[str, object] = {
            key: value
            for key, value in config.model_dump(exclude={"path", "format"}).items()
            if value is not None
        }
        options["tag_keys"] = list(tag_keys or [])
        options["day_months"] = list(day_months or [])
        try:
            candidates = _expand(config.path, base)
        except InputError as exc:
            if listed_in is None:
                raise
            raise ConfigError(f"{listed_in}: 'inputs[{number}].path': {exc}") from None
        for candidate in candidates:
            _add(plan, seen, candidate, config.format, options, base)
    _shorten_outside(plan, base)
    plan.skipped = [skip.shown() for skip in plan.skips]
    return plan


def _shorten_outside(plan: InputPlan, base: Path) -> None:
    """Inputs (read or skipped) outside the config and working folders are shown relative to their common folder."""
    entries: list[PlannedInput | Skip] = [*plan.planned, *plan.skips]
    where = {id(e): (_given(e.file.given) if isinstance(e, PlannedInput) else e.where) for e in entries}
    outside = [e for e in entries if _inside(where[id(e)], base) is None]
    if not outside:
        return
    paths = [str(where[id(e)]) for e in outside]
    common = Path(os.path.commonpath(paths))
    if len(outside) == 1 or common == Path(paths[0]):
        common = Path(paths[0]).parent
    for entry in outside:
        entry.display = where[id(entry)].relative_to(common).as_posix()


def _given(path: Path) -> Path:
    """The absolute path as the user wrote it (links not resolved)."""
    return Path(os.path.abspath(path))


def _real(path: Path) -> Path:
    """The absolute path with links resolved as far as they go (never fails on a loop)."""
    return Path(os.path.realpath(path))


def _expand(pattern: str, base: Path) -> list[Candidate]:
    candidate = Path(pattern).expanduser()
    if not candidate.is_absolute():
        candidate = base / candidate
    if any(ch in pattern for ch in "*?["):
        matches = sorted(Path(p) for p in glob.glob(str(candidate), recursive=True))
        if not matches:
            raise InputError("no file matches this pattern", path=_display(candidate, base))
        return [Candidate(m, "pattern", _problem(m)) for m in matches]
    try:
        mode = os.stat(candidate).st_mode
    except OSError as exc:
        raise InputError(describe_stat_error(candidate, exc), path=_display(candidate, base)) from None
    if stat.S_ISDIR(mode):
        return list(_walk(candidate))
    return [Candidate(candidate, "named")]


def _problem(path: Path) -> str | None:
    """Why `path` cannot be read as an input (a loop, a broken link, a pipe, a folder), or None."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return describe_stat_error(path, exc)
    return None if stat.S_ISREG(mode) else f"not a regular file ({kind_of_mode(mode)})"


def _walk(root: Path) -> Iterator[Candidate]:
    """Every file under `root` (links followed, each folder once), in name order; hidden ones left out.

    What cannot be read (a pipe, a socket, a broken link, a link loop) comes with its problem.
    """
    visited: set[tuple[int, int]] = set()

    def visit(folder: Path) -> Iterator[Candidate]:
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in visited:
            yield Candidate(folder, "folder", "a link to a folder already read (a loop)")
            return
        visited.add((info.st_dev, info.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield Candidate(folder, "folder", f"cannot list folder ({exc.strerror or exc})")
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            problem = _problem(path)
            if problem is None or not problem.endswith("(a folder)"):
                yield Candidate(path, "folder", problem)
            else:
                yield from visit(path)

    yield from visit(root)


def _add(
    plan: InputPlan,
    seen: dict[Path, str],
    candidate: Candidate,
    fmt: str | None,
    options: dict[str, object],
    base: Path,
    origin: str | None = None,
) -> None:
    path, shown, resolved = candidate.path, _display(candidate.path, base), _real(candidate.path)
    if resolved in seen:
        if seen[resolved] != shown:  # the same file by another way: a link, or overlapping entries
            plan.skips.append(Skip(_given(path), shown, f"the same file as {seen[resolved]}, read once"))
        return
    seen[resolved] = shown
    display = _unique(shown, path, {p.display for p in plan.planned})
    where = _given(path)
    listed = candidate.origin != "named"  # a file found in a folder or by a pattern is skipped, not an error
    origin = origin or ("named" if candidate.origin == "named" else "folder")
    if listed and (path.suffix.lower() in (".md", ".txt", ".toml", ".py") or path.stem.lower() in SKIPPED_NAMES):
        plan.skips.append(Skip(where, display, NOT_INPUT))
        return
    try:
        with shown_as(display):
            if candidate.problem:
                raise InputError(candidate.problem, path=path)
            source = InputFile.open(path, options)
            reader = _reader(source, fmt)
    except InputError as exc:
        if not listed:
            raise
        plan.skips.append(Skip(where, display, _skip_reason(exc)))
        return
    twin = _same_content(plan, source)
    if twin is not None:
        plan.skips.append(Skip(where, display, "same content", twin, source.sha256))
        return
    plan.planned.append(PlannedInput(source, reader, display, origin))
    if reader.name == "codecarbon":
        for backup in sorted(path.parent.glob(path.name + "*.bak")):
            _add(plan, seen, Candidate(backup, "named"), fmt, options, base, f"backup of {path.name}")


def _reader(source: InputFile, fmt: str | None) -> Reader:
    if fmt:
        refuse_unsupported(source)
        reader = reader_for(fmt)
    else:
        reader = detect(source)
    if source.sheet_rows is not None:  # a sheet of an .xlsx, read through a CSV copy
        from reporter.workbook.excel import SheetRows

        return SheetRows(reader, source.sheet_rows)
    return reader


def _skip_reason(exc: InputError) -> str:
    """The reason a file in a folder is skipped, from the error it would be if named."""
    generic = isinstance(exc, UnknownFormatError) and not isinstance(exc, UnsupportedFileError)
    if generic and exc.message.startswith("format not recognised"):
        return "format not recognised"
    return exc.message


def _same_content(plan: InputPlan, source: InputFile) -> PlannedInput | None:
    """The input already planned with the same bytes (sha256), if any; only same-sized files are hashed first."""
    for planned in plan.planned:
        if planned.file.size == source.size and planned.file.sha256 == source.sha256 and source.sha256:
            return planned
    return None


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
    parts = _given(path).parts
    depth = display.count("/") + 1
    while display in taken and depth < len(parts):
        depth += 1
        display = "/".join(parts[-depth:])
    return display


def _display(path: Path, base: Path) -> str:
    """A path to show in reports: as the user wrote it, relative to the config folder (or working
    folder) if inside; else its name (shortened later with the other outside inputs)."""
    return _inside(_given(path), base) or path.name


def _inside(path: Path, base: Path) -> str | None:
    """`path` relative to the config or working folder, as written or with links resolved; None if outside both."""
    roots = (_given(base), _real(base), Path.cwd(), _real(Path.cwd()))
    for form in (path, _real(path)):
        for root in roots:
            if form.is_relative_to(root):
                return form.relative_to(root).as_posix()
    return None
