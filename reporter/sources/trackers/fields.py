"""Cell parsers and row checks shared by the tracker readers.

A cell that cannot be read raises `RowError`, which names file, row and column. The readers turn a
`RowError` into an `Exclusion` of that one row, with the reason: one bad row never fails the file.
Problems with the file itself (no header, a required column missing) stay `InputFormatError`s.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reporter.config import Limits
from reporter.errors import InputFormatError
from reporter.records import Exclusion

MISSING = {"", "n/a", "na", "nan", "none", "null"}
NOT_A_NUMBER = {"nan", "-nan", "+nan"}
# Plausible mean power of one tracked row; the input options `max_host_kw` and `max_gpu_kw`
# (the config's [limits] section) override them.
DEFAULT_MAX_HOST_KW: float = Limits.model_fields["max_host_kw"].default
DEFAULT_MAX_GPU_KW: float = Limits.model_fields["max_gpu_kw"].default
SECONDS_PER_HOUR = 3600.0
ENDS_BEFORE_START = ": the run would end before it starts"


class RowError(InputFormatError):
    """One row of a tracker file cannot be used; the reader excludes the row, not the file."""

    def reason(self) -> str:
        """The exclusion reason: the column and what is wrong with its value."""
        return f"column '{self.column}': {self.message}" if self.column else self.message


def csv_records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """A tracker CSV's records with the line each ends on: the header first (its cells stripped),
    then every record but blank lines. A byte that is not UTF-8 is replaced (the cell then fails
    where it is read); a record the csv module cannot split (e.g. a field over its size limit)
    fails the file at its line."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        try:
            yield 1, [cell.strip() for cell in next(reader, [])]
            for cells in reader:
                if cells and cells != [""]:
                    yield reader.line_num, cells
        except csv.Error as exc:
            raise InputFormatError(f"cannot be read as CSV ({exc})", path, reader.line_num or None) from None


def shown(value: str, limit: int = 60) -> str:
    """A cell as quoted in a reason: control characters escaped, long values cut."""
    text = value if value.isprintable() else value.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[:limit] + "…"


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
    negative: str = "",
) -> float | None:
    """Parse a numeric cell. Empty is an error when required, None otherwise; NaN and ±inf are errors.

    `negative` says what a value below a minimum of 0 would mean (e.g. for a duration).
    """
    cleaned = (value or "").strip()
    if required and cleaned.lower() in NOT_A_NUMBER:
        raise RowError(f"'{shown(cleaned)}' is not a number (NaN)", path, row, column)
    if is_missing(value):
        if required:
            raise RowError("value is empty; a number is required", path, row, column)
        return None
    try:
        parsed = float(cleaned)
    except ValueError:
        raise RowError(f"'{shown(cleaned)}' is not a number", path, row, column) from None
    if not math.isfinite(parsed):
        raise RowError(f"'{shown(cleaned)}' is not a finite number", path, row, column)
    if minimum == 0 and parsed < 0:
        raise RowError(f"'{cleaned}' is negative{negative}", path, row, column)
    if minimum is not None and parsed < minimum:
        raise RowError(f"'{cleaned}' is below the allowed minimum {minimum:g}", path, row, column)
    return parsed


def count(value: str | None) -> float | None:
    """A device count that only bounds a plausibility check: None when absent or not a count."""
    try:
        parsed = float((value or "").strip())
    except ValueError:
        return None
    return parsed if math.isfinite(parsed) and parsed >= 0 else None


def timestamp(value: str | None, path: Path, row: int, column: str, formats: tuple[str, ...]) -> datetime:
    """Parse a naive local timestamp in one of the given strptime formats, or ISO 8601.

    A timestamp with a UTC offset is kept as the local wall-clock time it states, like the
    trackers' own naive local timestamps.
    """
    if is_missing(value):
        raise RowError("timestamp is empty", path, row, column)
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
        raise RowError(f"'{shown(cleaned)}' is not a timestamp", path, row, column) from None
    return parsed.replace(tzinfo=None)


def wall_clock(seconds: float, options: dict[str, Any]) -> datetime:
    """A time given in seconds since 1970-01-01 UTC as the naive wall-clock time of the input's
    `timezone` option (UTC without one), like the trackers' own naive local times. Raises
    OverflowError, OSError or ValueError for a time outside the years the platform can show."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(str(options.get("timezone") or "UTC"))
    return datetime.fromtimestamp(seconds, tz=zone).replace(tzinfo=None)


def shifted(moment: datetime, seconds: float, path: Path, row: int, column: str) -> datetime:
    """`moment` plus `seconds` (negative: earlier), or a RowError when that is outside years 1-9999."""
    try:
        return moment + timedelta(seconds=seconds)
    except OverflowError:
        raise RowError(
            f"{abs(seconds):g} s {'before' if seconds < 0 else 'after'} {moment.isoformat(sep=' ')} "
            "is outside the years 1 to 9999",
            path,
            row,
            column,
        ) from None


def power_bound_kw(options: dict[str, Any], gpu_count: float | None) -> float:
    """The plausible mean power of one row: one host, plus one GPU allowance per GPU it names.

    bound = max_host_kw + max_gpu_kw × gpu_count, with the GPU term 0 when the row does not say
    how many GPUs it used. A tracker row is one run on one host; defaults 50 kW and 2 kW.
    """
    host = float(options.get("max_host_kw", DEFAULT_MAX_HOST_KW))
    per_gpu = float(options.get("max_gpu_kw", DEFAULT_MAX_GPU_KW))
    return host + per_gpu * (gpu_count or 0.0)


def check_power(
    energy_kwh: float,
    duration_s: float,
    gpu_count: float | None,
    options: dict[str, Any],
    path: Path,
    row: int,
) -> None:
    """Raise a RowError when the row's mean power (reported energy / duration) is implausible.

    The energy is the tracker's reported figure (PUE included), so the reason's numbers can be
    checked against the file. Zero energy is always plausible, even over zero seconds.
    """
    if energy_kwh == 0:
        return
    bound = power_bound_kw(options, gpu_count)
    host = float(options.get("max_host_kw", DEFAULT_MAX_HOST_KW))
    per_gpu = float(options.get("max_gpu_kw", DEFAULT_MAX_GPU_KW))
    rule = f"{host:g} kW for one host"
    if gpu_count:
        rule += f" + {per_gpu:g} kW × {gpu_count:g} GPU(s)"
    if duration_s <= 0:
        raise RowError(
            f"energy {energy_kwh:g} kWh over a duration of 0 s: the mean power is unbounded, above "
            f"the plausible bound of {bound:g} kW ({rule})",
            path,
            row,
        )
    power_kw = energy_kwh * SECONDS_PER_HOUR / duration_s
    if power_kw > bound:
        power = f"mean power {_kw(power_kw)}" if math.isfinite(power_kw) else f"energy {energy_kwh:g} kWh"
        raise RowError(
            f"{power} over {_seconds(duration_s)} is above the plausible bound of "
            f"{bound:g} kW ({rule}; set [limits] max_host_kw / max_gpu_kw to change it)",
            path,
            row,
        )


def _kw(value: float) -> str:
    """Three significant figures, or whole kW with thousands separators from 1,000 to 999,999."""
    return f"{value:,.0f} kW" if 1000 <= value < 1e6 else f"{value:.3g} kW"


def _seconds(value: float) -> str:
    return f"{value:.2g} s" if value < 10 else f"{value:,.0f} s"


def excluding(
    rows: list[dict[str, object]],
    exclusions: list[Exclusion],
    row: int,
    build: Callable[..., dict[str, object]],
    *args: Any,
) -> None:
    """Append the reading `build(*args)` makes, or, when it raises a RowError, the row's exclusion
    (at the line the error names, e.g. a log block's Energy line, else at `row`)."""
    try:
        rows.append(build(*args))
    except RowError as exc:
        exclusions.append(Exclusion(exc.row if exc.row is not None else row, exc.reason()))
