"""Reporting period: which share of each run falls in which month.

A run's energy is spread evenly over its duration, so a run crossing a month boundary (or the
period's edge) is split pro rata by time. A run of zero duration counts in the month of its end.
Timestamps are the trackers' naive local times, taken as the organisation's local calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

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
    """Rows (record index, month 'YYYY-MM', share in [0, 1]) for the parts inside the period."""
    out: list[tuple[object, str, float]] = []
    parts_by_times: dict[tuple[object, object], list[tuple[str, float]]] = {}
    for index, start, end in zip(records.index, records["start_time"], records["end_time"], strict=True):
        times = (start, end)
        if times not in parts_by_times:
            parts_by_times[times] = _month_parts(start, end, period)
        out.extend((index, month, share) for month, share in parts_by_times[times])
    return pd.DataFrame(out, columns=["record", "month", "share"])


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
