"""Progress over time: targets and their pathways, credits, the history store's view, year to date,
and whether a neutrality or net-zero claim can be made.

The arithmetic of targets is in reporter.core.targets; this stage turns it into the report's
typed rows for the report period.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pandas as pd

from reporter.config import ReportConfig
from reporter.core.period import Period
from reporter.core.targets import Credit, Target, make_target, progress
from reporter.report.model import (
    BaseYear,
    ClosedMonth,
    CreditEntry,
    History,
    PathwayPoint,
    PreviousYear,
    Restatement,
    TargetProgress,
    YearToDate,
    YearToDateMonth,
)
from reporter.units import KG_PER_T

THIS_REPORT = "this report"


def targets(
    config: ReportConfig, period: Period, actual_tco2e: float, actual_market_tco2e: float | None = None
) -> tuple[TargetProgress, ...]:
    """Every target against the report period; a period shorter than a year is taken pro rata.
    A target on the market-based basis compares the market-based total (Scope 2 market-based,
    cloud at its location-based estimate) with the base year's market-based figure."""
    if config.baseline is None:
        return ()
    year = period.end.year
    days_in_year = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    fraction = min(1.0, ((period.end - period.start).days + 1) / days_in_year)
    credits = [Credit(**c.model_dump()) for c in config.credits]
    rows = []
    for target in _target_specs(config):
        market = target.scope2_method == "market_based" and actual_market_tco2e is not None
        actual = actual_market_tco2e if market and actual_market_tco2e is not None else actual_tco2e
        row = TargetProgress(**progress(target, year, fraction, actual, credits))
        rows.append(dataclasses.replace(row, claim_reasons=claim_reasons(row)))
    return tuple(rows)


def claim_reasons(target: TargetProgress) -> tuple[str, ...]:
    """Why a neutrality or net-zero claim cannot be made for this period (empty when it can, or
    for a target that is not about neutrality)."""
    if not target.neutrality or target.claim_possible:
        return ()
    reasons = []
    if target.report_year < target.target_year:
        reasons.append(f"the target year {target.target_year} has not been reached")
    if target.pro_rata:
        reasons.append("a claim covers a whole year, and this period is part of one")
    if (target.credits_eligible_tco2e or 0.0) < (target.gross_tco2e or 0.0):
        reasons.append("eligible credits do not cover gross emissions")
    return tuple(reasons)


def _target_specs(config: ReportConfig) -> list[Target]:
    if config.baseline is None:
        return []
    baseline = config.baseline
    return [
        make_target(
            spec.name,
            spec.kind,
            baseline.year,
            baseline.market_based_tco2e
            if spec.scope2_method == "market_based" and baseline.market_based_tco2e is not None
            else baseline.location_based_tco2e,
            spec.target_year,
            spec.reduction_pct,
            spec.scope2_method,
        )
        for spec in config.targets
    ]


def pathways(config: ReportConfig) -> tuple[PathwayPoint, ...]:
    """Each target's full-year pathway, year by year from the base year to the target year."""
    return tuple(
        PathwayPoint(name=target.name, kind=target.kind, year=year, pathway_tco2e=target.pathway(year))
        for target in _target_specs(config)
        if target.target_tco2e is not None
        for year in range(target.base_year, target.target_year + 1)
    )


def credits(config: ReportConfig) -> tuple[CreditEntry, ...]:
    """The configured credits, by year and registry id (never netted from any figure)."""
    ordered = sorted(config.credits, key=lambda c: (c.year, c.registry_id))
    return tuple(CreditEntry(**credit.model_dump()) for credit in ordered)


def history(view: dict[str, Any] | None, config: ReportConfig) -> History:
    """The history store's view (reporter.closing.history_view) as typed rows; none: nothing closed."""
    if view is None:
        baseline = config.baseline
        base = BaseYear(baseline.year, baseline.location_based_tco2e) if baseline else None
        return History((), PreviousYear(None, 0, None, None), base, ())
    base_year = view["base_year"]
    return History(
        closed_months=tuple(ClosedMonth(**month) for month in view["closed_months"]),
        previous_year=PreviousYear(**view["previous_year"]),
        base_year=BaseYear(**base_year) if base_year else None,
        restatements=tuple(Restatement(**row) for row in view["restatements"]),
    )


def year_to_date(period: Period, monthly: pd.DataFrame, stored: History) -> YearToDate:
    """The report year month by month: closed months from the store, then this report's months."""
    year = period.end.year
    closed = {month.month: month for month in stored.closed_months}
    current = {row.month: row for row in monthly.itertuples()}
    months = []
    for number in range(1, 13):
        key = f"{year}-{number:02d}"
        if key in current:
            row = current[key]
            energy, tco2e = float(row.energy_kwh), float(row.location_based_co2e_kg) / KG_PER_T
            months.append(YearToDateMonth(key, THIS_REPORT, energy, tco2e))
        elif key in closed:
            month = closed[key]
            source = f"closed (version {month.version})"
            months.append(YearToDateMonth(key, source, month.energy_kwh, month.location_based_tco2e))
        else:
            months.append(YearToDateMonth(key, None, None, None))
    known = [m for m in months if m.source is not None]
    return YearToDate(
        year=year,
        months=tuple(months),
        months_with_data=len(known),
        energy_kwh=sum(m.energy_kwh or 0.0 for m in known),
        location_based_tco2e=sum(m.location_based_tco2e or 0.0 for m in known),
    )
