"""Cell parsers shared by the readers: each failure names file, row and column."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

from reporter.errors import InputFormatError

MISSING = {"", "n/a", "na", "nan", "none", "null"}


def is_missing(value: str | None) -> bool:
    return value is None or value.strip().lower() in MISSING


def text(value: str | None) -> str | None:
    """A trimmed text cell, or None when empty / N/A."""
    return None if is_missing(value) else str(value).strip()


def number(
    value: str | None,
    path: Path,
    row: int,
    column: str,
    *,
    required: bool = True,
    minimum: float | None = 0.0,
) -> float | None:
    """Parse a numeric cell. Empty is an error when required, None otherwise."""
    if is_missing(value):
        if required:
            raise InputFormatError("value is empty; a number is required", path, row, column)
        return None
    assert value is not None
    try:
        parsed = float(value.strip())
    except ValueError:
        raise InputFormatError(f"'{value.strip()}' is not a number", path, row, column) from None
    if not math.isfinite(parsed):
        raise InputFormatError(f"'{value.strip()}' is not a finite number", path, row, column)
    if minimum is not None and parsed < minimum:
        raise InputFormatError(f"{parsed!r} is below the allowed minimum {minimum!r}", path, row, column)
    return parsed


def timestamp(value: str | None, path: Path, row: int, column: str, formats: tuple[str, ...]) -> datetime:
    """Parse a naive local timestamp in one of the given strptime formats."""
    if is_missing(value):
        raise InputFormatError("timestamp is empty", path, row, column)
    assert value is not None
    cleaned = value.strip()
    for fmt in formats:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InputFormatError(f"'{cleaned}' is not a timestamp", path, row, column) from None
    if parsed.tzinfo is not None:
        # A zoned timestamp is kept as the local wall-clock time it states.
        parsed = parsed.replace(tzinfo=None)
    return parsed
