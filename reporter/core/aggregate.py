"""Aggregation: organisation totals by month and by any dimension. Pure functions on frames.

`allocate` turns line items and month shares into one row per (line item, month) with the
in-period energy and emissions; every total is a sum over those rows, so totals, monthly
figures and breakdowns always add up to the same numbers.
"""

from __future__ import annotations

import pandas as pd

MEASURES = [
    "energy_kwh",
    "location_based_co2e_kg",
    "energy_kwh_low",
    "energy_kwh_high",
    "location_based_co2e_kg_low",
    "location_based_co2e_kg_high",
    "embodied_co2e_kg",
]
# Added per (line item, month) row after allocation by the market-based stage (reporter.core.market).
MARKET_MEASURES = [
    "market_based_co2e_kg",
    "market_based_co2e_kg_low",
    "market_based_co2e_kg_high",
    "covered_kwh",
]
UNASSIGNED = "(not recorded)"


def summed(frame: pd.DataFrame) -> list[str]:
    """The measures a frame of allocated rows carries (the market ones once computed)."""
    return [*MEASURES, *(m for m in MARKET_MEASURES if m in frame)]


def allocate(items: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """One row per (line item, month): the item's measures times its share in that month."""
    joined = shares.join(items, on="record")
    for measure in MEASURES:
        joined[measure] = joined[measure] * joined["share"]
    return joined


def in_period_share(items: pd.DataFrame, shares: pd.DataFrame) -> pd.Series:
    """Share of each line item inside the reporting period (0 for items wholly outside)."""
    summed = shares.groupby("record")["share"].sum()
    return summed.reindex(items.index, fill_value=0.0)


def totals(allocated: pd.DataFrame) -> dict[str, float]:
    return {measure: float(allocated[measure].sum()) for measure in summed(allocated)}


def by_month(allocated: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Every month of the period, zero where nothing ran."""
    grouped = allocated.groupby("month")[summed(allocated)].sum()
    return grouped.reindex(months, fill_value=0.0).rename_axis("month").reset_index()


def by_dimension(allocated: pd.DataFrame, column: str) -> pd.DataFrame:
    """Totals per value of `column`, largest emissions first; missing values grouped together."""
    grouped = allocated.groupby(allocated[column], dropna=False, sort=False)[summed(allocated)].sum()
    keys = grouped.index.astype(object)
    grouped.index = keys.where(pd.notna(keys), UNASSIGNED)
    if grouped.index.has_duplicates:  # a value written as the placeholder itself
        grouped = grouped.groupby(level=0, sort=False).sum()
    grouped = grouped.sort_index().sort_values(["location_based_co2e_kg", "energy_kwh"], ascending=False)
    return grouped.rename_axis("key").reset_index()


def share_by(allocated: pd.DataFrame, column: str) -> dict[str, float]:
    """Fraction of period energy per value of `column` (e.g. method, pue_basis)."""
    total = allocated["energy_kwh"].sum()
    if total == 0:
        return {}
    grouped = allocated.groupby(column)["energy_kwh"].sum() / total
    return {str(k): float(v) for k, v in grouped.items()}


def month_shares_for(items: pd.DataFrame, period: object) -> pd.DataFrame:
    """Month shares of each line item inside the period (see `reporter.core.period`)."""
    from reporter.core.period import Period, month_shares

    assert isinstance(period, Period)
    return month_shares(items, period)
