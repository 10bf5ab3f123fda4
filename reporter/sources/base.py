"""What every input-format reader provides, and the ledger of what it read.

A reader is a small class with a `name`, a `sniff` that scores how well the start of a file
matches the format (0 = not this format, 1 = certainly), and a `read` that returns the
canonical readings plus the rows it could not use, each with its reason.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import pandas as pd

from reporter.errors import InputError
from reporter.records import Exclusion, ExclusionGroup

HEAD_BYTES = 8192
# Files are hashed in the background, one at a time, while the pipeline goes on (hashlib releases
# the GIL): a reader scanning a big bill overlaps with hashing it. `InputFile.sha256` waits.
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


@dataclass(frozen=True)
class InputFile:
    """An input file as the pipeline sees it: where it is, what it starts with, and its sha256.

    The sha256 is computed in the background from `open` on; reading `sha256` waits for it.
    """

    path: Path
    digest: Future[str] = field(repr=False, compare=False)
    head: str
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def open(cls, path: Path, options: dict[str, Any] | None = None) -> InputFile:
        if not path.exists():
            raise InputError("file not found", path=path)
        if not path.is_file():
            raise InputError("not a regular file", path=path)
        try:
            with path.open("rb") as handle:
                first = handle.read(HEAD_BYTES)
        except OSError as exc:
            raise InputError(f"cannot read file ({exc.strerror})", path=path) from None
        head = first.decode("utf-8-sig", errors="replace")
        return cls(path=path, digest=_HASHER.submit(_sha256, path), head=head, options=dict(options or {}))

    @property
    def sha256(self) -> str:
        return self.digest.result()

    @property
    def first_line(self) -> str:
        return self.head.splitlines()[0] if self.head else ""


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


def _sha256(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror})", path=path) from None


def split_header(line: str) -> list[str]:
    """Header cells of a CSV line, trimmed (good enough for sniffing; reading uses csv)."""
    return [cell.strip().strip('"') for cell in line.split(",")]
