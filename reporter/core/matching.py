"""Hourly matching of contractual instruments to consumption: an additional figure beside the annual rule.

The annual rule (reporter.core.market) lets an instrument cover any consumption of its market and
vintage year. Hourly matching counts an instrument only in the hours it was generated: its MWh
spread evenly over the hours from its `start` day 00:00 to the end of its `end` day, and each
Scope 2 line item's energy spread evenly over its own start..end time (within each month of the
period, as the months are allocated). Per market and hour, covered = min(consumption, generation);
the hourly-matched figure is the sum over hours. Only line items measured by a tracker or a power
log (method `measured` or `metered`) with a start and end time take part; readings over whole
billing periods (the formats the caller names, such as typed-in meter readings) and estimates
have no time resolution and are never covered in this figure.

Consumption per hour is read off the cumulative-energy curve C(t) = Σ rate_i × (clip(t, s_i, e_i) − s_i)
at every hour boundary, from sorted start and end times (no loop per line item). Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reporter.core.attribute import SCOPE2
from reporter.core.market import KWH_PER_MWH, Instrument
from reporter.records import Method

HOUR = np.timedelta64(1, "h")
TIMED_METHODS = (Method.METERED.value, Method.MEASURED.value)


@dataclass(frozen=True)
class HourlyMatch:
    matched_kwh: float  # Scope 2 kWh covered hour by hour
    resolved_kwh: float  # Scope 2 kWh with a start and end time (the part that can be matched)


def hourly_matched(
    allocated: pd.DataFrame, instruments: Sequence[Instrument], period_formats: Sequence[str] = ()
) -> HourlyMatch:
    """Scope 2 kWh covered when dated instruments count only in the hours they were generated;
    line items of `period_formats` (readings over billing periods) take no part. As under the
    annual rule, an instrument for a market (a US state, a grid region) covers that market's hours
    first; one for a whole country then covers what is left in any of the country's markets."""
    rows = _timed_rows(allocated, period_formats)
    resolved = float(rows["energy_kwh"].sum())
    dated = [i for i in instruments if i.start is not None and i.end is not None and i.end >= i.start]
    matched = 0.0
    for country, part in rows.groupby("country", sort=True, dropna=False):
        markets = set(part["market_key"])
        if len(part) and any(i.region in markets or i.region == country for i in dated):
            matched += _matched_in_country(part, dated, country)
    return HourlyMatch(matched, resolved)


def _timed_rows(allocated: pd.DataFrame, period_formats: Sequence[str]) -> pd.DataFrame:
    """The Scope 2 (line item, month) rows measured with times, each cut to its month: start, end, energy."""
    keep = (
        (allocated["scope"] == SCOPE2)
        & allocated["method"].isin(TIMED_METHODS)
        & ~allocated["source_format"].isin(list(period_formats))
    )
    frame = allocated[keep.to_numpy(dtype=bool)]
    start = _naive(frame["start_time"])
    end = _naive(frame["end_time"])
    codes, months = pd.factorize(frame["month"].astype(str))
    first = pd.to_datetime([f"{m[:7]}-01" for m in months]).to_numpy(dtype="datetime64[ns]")
    month_start = first[codes] if len(months) else np.array([], dtype="datetime64[ns]")
    month_end = (pd.DatetimeIndex(first) + pd.offsets.MonthBegin(1)).to_numpy(dtype="datetime64[ns]")
    month_end = month_end[codes] if len(months) else month_start
    timed = ~(np.isnat(start) | np.isnat(end))
    return pd.DataFrame(
        {
            "market_key": frame["market_key"].to_numpy()[timed],
            "country": frame["country_iso3"].astype(object).to_numpy()[timed],
            "start": np.maximum(start, month_start)[timed],
            "end": np.minimum(np.maximum(end, start), month_end)[timed],
            "energy_kwh": frame["energy_kwh"].to_numpy(dtype="float64")[timed],
        }
    )


def _naive(column: pd.Series) -> np.ndarray:
    values = pd.to_datetime(column, errors="coerce")
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(None)
    return values.to_numpy(dtype="datetime64[ns]")


def _matched_in_country(part: pd.DataFrame, dated: Sequence[Instrument], country: object) -> float:
    """kWh matched hour by hour in one country's rows: each market's own instruments first, then
    the country's instruments against the hours' consumption left over across its markets."""
    origin = part["start"].min().floor("h").to_datetime64()
    hours = int(np.ceil((part["end"].max() - origin) / HOUR)) + 1
    matched = 0.0
    left = np.zeros(hours, dtype="float64")
    for market, rows in part.groupby("market_key", sort=True):
        start_h = (rows["start"].to_numpy() - origin) / HOUR
        end_h = (rows["end"].to_numpy() - origin) / HOUR
        demand = hourly_demand(start_h, end_h, rows["energy_kwh"].to_numpy(dtype="float64"), hours)
        own = [i for i in dated if i.region == market and market != country]
        covered = np.minimum(demand, _supply(own, origin, hours))
        matched += float(covered.sum())
        left += demand - covered
    whole = [i for i in dated if i.region == country]
    return matched + float(np.minimum(left, _supply(whole, origin, hours)).sum())


def _supply(instruments: Sequence[Instrument], origin: np.datetime64, hours: int) -> np.ndarray:
    """kWh generated in each hour of the grid: each instrument's MWh spread evenly from its start
    day 00:00 to the end of its end day."""
    supply = np.zeros(hours, dtype="float64")
    for instrument in instruments:
        first = (np.datetime64(instrument.start, "ns") - origin) / HOUR
        last = (np.datetime64(instrument.end, "ns") + np.timedelta64(1, "D") - origin) / HOUR
        per_hour = instrument.mwh * KWH_PER_MWH / (last - first)
        lo, hi = max(int(first), 0), min(int(last), hours)
        if hi > lo:
            supply[lo:hi] += per_hour
    return supply


def hourly_demand(start_h: np.ndarray, end_h: np.ndarray, energy_kwh: np.ndarray, hours: int) -> np.ndarray:
    """kWh in each hour [h, h+1) for h in 0..hours-1, each row's energy spread evenly over
    [start_h, end_h) (hours from the grid's origin); a row with no duration falls in its start hour."""
    demand = np.zeros(hours, dtype="float64")
    instant = end_h <= start_h
    if instant.any():
        bins = np.clip(np.floor(start_h[instant]).astype("int64"), 0, hours - 1)
        demand += np.bincount(bins, weights=energy_kwh[instant], minlength=hours)
    spread = ~instant
    if not spread.any():
        return demand
    s, e, energy = start_h[spread], end_h[spread], energy_kwh[spread]
    rate = energy / (e - s)
    bounds = np.arange(hours + 1, dtype="float64")
    cumulative = _ramp(bounds, s, rate) - _ramp(bounds, e, rate)
    return demand + np.diff(cumulative)


def _ramp(bounds: np.ndarray, points: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Σ rate_i × max(t − point_i, 0) at each t in `bounds`, from the points sorted once."""
    order = np.argsort(points, kind="stable")
    p, r = points[order], rate[order]
    cum_rate = np.concatenate([[0.0], np.cumsum(r)])
    cum_rate_point = np.concatenate([[0.0], np.cumsum(r * p)])
    k = np.searchsorted(p, bounds, side="right")
    return bounds * cum_rate[k] - cum_rate_point[k]
