"""Reporting period: which share of each run falls in which month.

A run's energy is spread evenly over its duration, so a run crossing a month boundary (or the
period's edge) is split pro rata by time. A run of zero duration counts in the month of its end.
Timestamps are the trackers' naive local times, taken as the organisation's local calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def start_time(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def end_time(self) -> datetime:
        """Exclusive end: midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time())

    def months(self) -> list[str]:
        result, current = [], self.start.replace(day=1)
        while current <= self.end:
            result.append(current.strftime("%Y-%m"))
            current = (current + timedelta(days=32)).replace(day=1)
        return result

    def cut_months(self) -> list[str]:
        """The months ('YYYY-MM') the period covers only in part: its first and last, where cut."""
        months = self.months()
        cut = []
        if self.start.day != 1:
            cut.append(months[0])
        if self.end_time != _next_month(datetime.combine(self.end, datetime.min.time())):
            cut.append(months[-1])
        return sorted(set(cut))

    @property
    def label(self) -> str:
        """`2026-10` for one whole month, `2026-01..2026-12` for whole months, else the dates."""
        months = self.months()
        whole = self.start.day == 1 and self.end_time == _next_month(datetime.combine(self.end, datetime.min.time()))
        if whole:
            return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _next_month(moment: datetime) -> datetime:
    """Midnight at the start of the month after `moment`."""
    first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (first + timedelta(days=32)).replace(day=1)


def month_shares(records: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Rows (record index, month 'YYYY-MM', share in [0, 1]) for the parts inside the period.

    Column-wise: each record's time inside the period is cut at month starts, and each part's
    share is its length over the record's whole length (see `month_parts`, the same for one run).
    """
    start = _microseconds(records["start_time"])
    end = _microseconds(records["end_time"])
    lo, hi = (int(np.datetime64(moment, "us").astype("int64")) for moment in (period.start_time, period.end_time))
    instant = (start == _NAT) | (start >= end)
    # a run of no duration counts whole in the month of its end, if that is inside the period
    points = np.flatnonzero(instant & (end >= lo) & (end < hi))
    spans = np.flatnonzero(~instant)
    first, last = np.maximum(start[spans], lo), np.minimum(end[spans], hi)
    spans, first, last = spans[first < last], first[first < last], last[first < last]
    month_first, month_last = _month_number(first), _month_number(last - 1)
    counts = month_last - month_first + 1
    which = np.repeat(np.arange(len(spans)), counts)
    month = month_first[which] + (np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts))
    lower = np.maximum(first[which], _month_start(month))
    upper = np.minimum(last[which], _month_start(month + 1))
    total = (end - start)[spans][which]
    records_at = np.concatenate([points, spans[which]])
    months = np.concatenate([_month_number(end[points]), month])
    shares = np.concatenate([np.ones(len(points)), (upper - lower) / total])
    order = np.lexsort((months, records_at))
    labels = _month_labels(months[order])
    return pd.DataFrame({"record": records.index.to_numpy()[records_at[order]], "month": labels,
                         "share": shares[order].astype("float64")})


_NAT = np.iinfo("int64").min
_EPOCH_YEAR = 1970


def _microseconds(column: pd.Series) -> np.ndarray:
    """Times as int64 microseconds since 1970 (NaT as the smallest int64)."""
    return pd.to_datetime(column).astype("datetime64[us]").to_numpy().view("int64")


def _month_number(microseconds: np.ndarray) -> np.ndarray:
    """Months since January 1970 of each time."""
    return microseconds.astype("datetime64[us]").astype("datetime64[M]").astype("int64")


def _month_start(months: np.ndarray) -> np.ndarray:
    return months.astype("datetime64[M]").astype("datetime64[us]").astype("int64")


def _month_labels(months: np.ndarray) -> np.ndarray:
    """'YYYY-MM' of each month number (formatted once per distinct month)."""
    unique, codes = np.unique(months, return_inverse=True)
    texts = np.array([f"{_EPOCH_YEAR + m // 12:04d}-{m % 12 + 1:02d}" for m in unique.tolist()], dtype=object)
    return texts[codes]


def month_parts(start: object, end: object, period: Period) -> list[tuple[str, float]]:
    """(month 'YYYY-MM', share) of one run's time inside the period, month by month (the
    specification `month_shares` follows)."""
    return _month_parts(start, end, period)


def _month_parts(start: object, end: object, period: Period) -> list[tuple[str, float]]:
    """(month 'YYYY-MM', share) of one run's time inside the period, month by month."""
    lo, hi = period.start_time, period.end_time
    start_dt = pd.Timestamp(start).to_pydatetime() if pd.notna(start) else None
    end_dt = pd.Timestamp(end).to_pydatetime()
    if start_dt is None or start_dt >= end_dt:
        return [(end_dt.strftime("%Y-%m"), 1.0)] if lo <= end_dt < hi else []
    total = (end_dt - start_dt).total_seconds()
    cursor = max(start_dt, lo)
    stop = min(end_dt, hi)
    parts = []
    while cursor < stop:
        boundary = min(_next_month(cursor), stop)
        parts.append((cursor.strftime("%Y-%m"), (boundary - cursor).total_seconds() / total))
        cursor = boundary
    return parts
