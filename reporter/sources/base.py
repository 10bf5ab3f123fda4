"""What every input-format reader provides, and the ledger of what it read.

A reader is a small class with a `name`, a `sniff` that scores how well the start of a file
matches the format (0 = not this format, 1 = certainly), and a `read` that returns the
canonical readings plus the rows it could not use, each with its reason.
"""

from __future__ import annotations

import errno
import os
import stat
from array import array
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pandas as pd

from reporter.errors import InputError
from reporter.records import Exclusion, ExclusionGroup
from reporter.sources import content

HEAD_BYTES = 8192
# Files are hashed in the background, one at a time, while the pipeline goes on (hashlib releases
# the GIL): a reader scanning a big bill overlaps with hashing it. `InputFile.sha256` waits.
# A gzip file's stream is checked in the same pass (see reporter.sources.content).
_HASHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reporter-sha256")


@dataclass
class ReadResult:
    """What one reader made of one file.

    rows_read = rows in readings (summed over `row_count`) + len(exclusions) + Σ group rows.
    """

    readings: pd.DataFrame
    rows_read: int
    exclusions: list[Exclusion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exclusion_groups: list[ExclusionGroup] = field(default_factory=list)
    # A provider's carbon export gives control totals, not usage (reporter.sources.provider).
    provider_emissions: pd.DataFrame | None = None
    # Energy counters: each series' first and last samples, to join one series across files
    # (reporter.sources.trackers.counters, reporter.core.counter_join).
    counter_ends: pd.DataFrame | None = None


@dataclass(frozen=True)
class InputFile:
    """An input file as the pipeline sees it: where to read it, what it starts with, and its sha256.

    `path` is what readers read: the user's file, or a temporary UTF-8 copy of it when it is in
    another encoding (`original` is then the user's file, and `notes` say how it was read). The
    sha256 (always of the user's file) is computed in the background from `open` on; reading
    `sha256` waits for it. Messages name `original`, which is what the user gave.
    """

    path: Path
    digest: Future[content.Scan] = field(repr=False, compare=False)
    head: str
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    original: Path | None = None
    notes: tuple[str, ...] = ()
    size: int = 0
    magic: bytes = b""  # the first bytes of the user's file, for telling its kind
    # A sheet of an .xlsx read through a CSV copy: the sheet's row of each CSV row (reporter.workbook.excel).
    sheet_rows: array | None = field(default=None, repr=False, compare=False)

    @classmethod
    def open(cls, path: Path, options: dict[str, Any] | None = None) -> InputFile:
        """The file at `path`: an InputError if it is not a readable regular file or not text it can read."""
        mode = _mode(path)
        if not stat.S_ISREG(mode):
            raise InputError(f"not a regular file ({kind_of_mode(mode)})", path=path)
        first = _read_head(path)
        options = dict(options or {})
        declared = options.get("encoding")
        sheet_rows = None
        try:
            if content.is_xlsx(path, first):
                text, sheet_rows = _sheet_as_text(path, options)
            else:
                text = content.decode_plan(path, first, str(declared) if declared else None)
        except OSError as exc:
            raise InputError(f"cannot read file ({exc.strerror or exc})", path=path) from None
        gzipped = first.startswith(content.GZIP_MAGIC)
        digest = _HASHER.submit(content.scan, path, gzipped, text.path is None if gzipped else text.rest_unchecked)
        read_path, magic = path, first[:16]
        notes: tuple[str, ...] = (text.note,) if text.note else ()
        if text.path is not None:
            read_path = text.path
            first = _read_head(read_path)
        head = first.decode("utf-8-sig", errors="replace")
        size = path.stat().st_size
        return cls(read_path, digest, head, options, path if text.path else None, notes, size, magic, sheet_rows)

    @property
    def sha256(self) -> str:
        return self.digest.result().sha256

    @property
    def given(self) -> Path:
        """The user's file (messages name it)."""
        return self.original or self.path

    def verify(self) -> None:
        """Wait for the whole-file check; an InputError if it found the file damaged."""
        problem = self.digest.result().problem
        if problem:
            raise InputError(problem, path=self.given)

    @property
    def first_line(self) -> str:
        return self.head.splitlines()[0] if self.head else ""


def _sheet_as_text(path: Path, options: dict[str, Any]) -> tuple[content.Text, array | None]:
    """An .xlsx: the manual-entry workbook is read as it is; any other, through a CSV of one sheet."""
    from reporter.workbook.excel import convert
    from reporter.workbook.kind import is_manual_workbook

    if is_manual_workbook(path):
        return content.Text(), None
    sheet = options.get("sheet")
    converted = convert(path, str(sheet) if sheet else None, content.temp_folder(), path)
    return content.Text(converted.path, converted.note), converted.sheet_rows


def kind_of_mode(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _mode(path: Path) -> int:
    """The file's type bits (following links); an InputError if it does not exist or loops."""
    try:
        return os.stat(path).st_mode
    except OSError as exc:
        raise InputError(describe_stat_error(path, exc), path=path) from None


def describe_stat_error(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (the link points back to itself)"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"broken symbolic link (it points to {os.readlink(path)}, which does not exist)"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "file not found"
    return f"cannot read file ({exc.strerror or exc})"


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror or exc})", path=path) from None


class Reader(Protocol):
    """The interface of one input format."""

    name: ClassVar[str]
    label: ClassVar[str]

    def sniff(self, source: InputFile) -> float:
        """Score in [0, 1] for how well the start of the file matches this format."""
        ...

    def read(self, source: InputFile) -> ReadResult:
        """Read the whole file into canonical readings and exclusions."""
        ...


def split_header(line: str) -> list[str]:
    """Header cells of a CSV line, trimmed (good enough for sniffing; reading uses csv)."""
    return [cell.strip().strip('"') for cell in line.split(",")]
