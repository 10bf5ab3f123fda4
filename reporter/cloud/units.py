"""Billing units: what a billed quantity measures, and conversions to the model's own units.

Bills state their unit as free text ("Hrs", "GB-Mo", "10 Hours", "byte-seconds", "1 GB/Month").
`parse_unit` turns that text into a `UnitSpec`: a base unit plus the pack size the provider prices
in (Azure bills in packs such as "10 Hours" or "100 GB/Month": one unit of quantity is ten hours).

Data sizes: AWS and Google define the billed "GB" as 2**30 bytes (a GiB); we assume the same for
Azure. Storage and network coefficients are per decimal terabyte / gigabyte (drive capacities and
network studies use SI units), so the model converts billed GiB to decimal units with
`GIB_IN_GB`. Memory stays in GiB (DIMM and instance memory sizes are binary).
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

BYTES_PER_GIB = 2**30
BYTES_PER_TIB = 2**40
BYTES_PER_GB = 10**9
BYTES_PER_TB = 10**12
GIB_IN_GB = BYTES_PER_GIB / BYTES_PER_GB  # 1.073741824
SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0
MEAN_DAYS_PER_MONTH = 365.25 / 12  # 30.4375, used when a line has no date
CCF_DEFAULT_DAYS_PER_MONTH = 30.42  # CCF's value when a row has no valid timestamp

# base units
HOUR = "hour"
SECOND = "second"
GB_MONTH = "gb_month"
TB_MONTH = "tb_month"
GB_HOUR = "gb_hour"
GB_SECOND = "gb_second"
BYTE_HOUR = "byte_hour"
BYTE_SECOND = "byte_second"
BYTE = "byte"
GB = "gb"
TB = "tb"
COUNT_MONTH = "count_month"
COUNT_DAY = "count_day"
UNKNOWN = "unknown"

_PATTERNS: list[tuple[str, str]] = [
    (r"(vcpu|dpu|acu|instance|node|core)?[- ]?(hrs?|hours?)", HOUR),
    (r"(lambda-)?gb[- ]?seconds?", GB_SECOND),
    (r"seconds?|secs?", SECOND),
    (r"(gb|gib|gigabytes?)[- ]?(mo|mp|months?)|(gb|gib)/months?|gibibyte[- ]months?", GB_MONTH),
    (r"(tb|tib)[- ]?(mo|months?)|(tb|tib)/months?", TB_MONTH),
    (r"(gb|gib|gibibytes?)[- ]?(hrs?|hours?)", GB_HOUR),
    (r"byte[- ]?(hrs?|hours?)|bytehrs", BYTE_HOUR),
    (r"byte[- ]?seconds?", BYTE_SECOND),
    (r"bytes?", BYTE),
    (r"gb|gib|gigabytes?|gibibytes?", GB),
    (r"tb|tib|terabytes?|tebibytes?", TB),
    (r"(units?)?/months?", COUNT_MONTH),
    (r"(units?)?/days?", COUNT_DAY),
]
_COMPILED = [(re.compile(r"^(?:" + pattern + r")$"), base) for pattern, base in _PATTERNS]


@dataclass(frozen=True)
class UnitSpec:
    """A billed unit: `pack` units of `base` per unit of quantity ("10 Hours" -> pack 10, base hour)."""

    text: str
    base: str
    pack: float = 1.0

    @property
    def known(self) -> bool:
        return self.base != UNKNOWN


def parse_unit(text: Any) -> UnitSpec:
    """Parse a billed unit. Unrecognised text gives base `unknown`; the caller must not guess."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return UnitSpec("", UNKNOWN)
    raw = str(text).strip()
    cleaned = re.sub(r"\s+", " ", raw.lower())
    pack = 1.0
    match = re.match(r"^(\d+(?:\.\d+)?)\s*(.*)$", cleaned)
    if match:
        pack = float(match.group(1))
        cleaned = match.group(2).strip()
    if not cleaned:
        return UnitSpec(raw, UNKNOWN)
    for regex, base in _COMPILED:
        if regex.match(cleaned):
            return UnitSpec(raw, base, pack)
    return UnitSpec(raw, UNKNOWN)


def to_timestamp(value: Any) -> pd.Timestamp | None:
    """A pandas Timestamp (UTC-naive is kept as is) or None for missing/invalid values."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    return stamp


def days_in_month(start: Any) -> float | None:
    """Calendar days of the month the charge period starts in, or None without a valid date."""
    stamp = to_timestamp(start)
    if stamp is None:
        return None
    return float(calendar.monthrange(stamp.year, stamp.month)[1])


def hours_in_month(start: Any, default_days: float = MEAN_DAYS_PER_MONTH) -> float:
    """Hours of the month a GB-month line belongs to (real calendar days when dated)."""
    days = days_in_month(start)
    return (days if days is not None else default_days) * HOURS_PER_DAY


def period_hours(start: Any, end: Any) -> float | None:
    """Length of a charge period in hours, or None when either end is missing or not after the start."""
    first, last = to_timestamp(start), to_timestamp(end)
    if first is None or last is None:
        return None
    hours = (last - first).total_seconds() / SECONDS_PER_HOUR
    return hours if hours > 0 else None


def seconds_to_hours(seconds: float) -> float:
    return seconds / SECONDS_PER_HOUR


def bytes_to_gb(value: float, binary: bool = False) -> float:
    """Bytes to GB: decimal (10**9) by default, GiB (2**30) with binary=True."""
    return value / (BYTES_PER_GIB if binary else BYTES_PER_GB)


def bytes_to_tb(value: float, binary: bool = False) -> float:
    """Bytes to TB: decimal (10**12) by default, TiB (2**40) with binary=True."""
    return value / (BYTES_PER_TIB if binary else BYTES_PER_TB)


def gib_to_gb(value: float) -> float:
    """A billed GiB quantity in decimal GB."""
    return value * GIB_IN_GB


def gib_to_tb(value: float) -> float:
    """A billed GiB quantity in decimal TB."""
    return value * GIB_IN_GB / 1000.0


def gb_months_to_tb_hours(quantity_gib_months: float, start: Any) -> float:
    """Billed GiB-months -> decimal TB-hours, using the real length of the line's month."""
    return gib_to_tb(quantity_gib_months) * hours_in_month(start)


def byte_hours_to_tb_hours(byte_hours: float) -> float:
    """Genuine byte-hours (a ByteHrs unit) -> decimal TB-hours."""
    return bytes_to_tb(byte_hours)


def byte_seconds_to_tb_hours(byte_seconds: float) -> float:
    return bytes_to_tb(byte_seconds) / SECONDS_PER_HOUR


def byte_seconds_to_gib_hours(byte_seconds: float) -> float:
    return byte_seconds / BYTES_PER_GIB / SECONDS_PER_HOUR


def as_float(value: Any) -> float | None:
    """A finite float, or None for None/NaN/empty/non-numeric values."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def as_text(value: Any) -> str:
    """A stripped string; '' for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).strip()

