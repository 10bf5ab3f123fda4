"""The report model's market-based parts: Scope 2 totals, coverage and the instruments table."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from reporter.core.attribute import SCOPE2
from reporter.core.market import BASIS_LOCATION, InstrumentUse, coverage_share, monthly_matched_kwh
from reporter.core.matching import hourly_matched
from reporter.report.model import InstrumentRow, Totals
from reporter.units import KG_PER_T
from reporter.workbook.reader import FORMAT as WORKBOOK_FORMAT


def totals(base: Totals, allocated: pd.DataFrame, uses: Sequence[InstrumentUse]) -> Totals:
    """`base` with the market-based Scope 2 figures of the period filled in."""
    scope2 = allocated[allocated["scope"] == SCOPE2]
    energy = float(scope2["energy_kwh"].sum())
    dated = [use.instrument for use in uses if use.instrument.start and use.instrument.end]
    monthly = monthly_matched_kwh(allocated, dated) / energy if dated and energy > 0 else None
    hourly = hourly_matched(allocated, dated, period_formats=(WORKBOOK_FORMAT,))
    hourly_share = hourly.matched_kwh / energy if dated and energy > 0 and hourly.resolved_kwh > 0 else None
    return dataclasses.replace(
        base,
        market_based_tco2e=float(scope2["market_based_co2e_kg"].sum()) / KG_PER_T,
        instrument_covered_kwh=float(scope2["covered_kwh"].sum()),
        instrument_coverage_share=coverage_share(allocated),
        market_fallback_energy_kwh=float(scope2.loc[scope2["market_basis"] == BASIS_LOCATION, "energy_kwh"].sum()),
        monthly_matched_coverage_share=monthly,
        hourly_matched_coverage_share=hourly_share,
        hourly_resolved_energy_kwh=hourly.resolved_kwh,
    )


def instrument_rows(uses: Sequence[InstrumentUse]) -> tuple[InstrumentRow, ...]:
    return tuple(
        InstrumentRow(
            certificate_id=use.instrument.certificate_id,
            type=use.instrument.type,
            region=use.instrument.region,
            vintage=use.instrument.vintage,
            mwh=use.instrument.mwh,
            mwh_applied=use.mwh_applied,
            status=use.status,
            reason=use.reason,
            supplier=use.instrument.supplier,
            bundled=use.instrument.bundled,
        )
        for use in uses
    )
