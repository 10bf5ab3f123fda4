"""Market-based Scope 2: contractual instruments, supplier rates and residual mixes.

The GHG Protocol Scope 2 Guidance's hierarchy, applied per market and consumption year:

    covered_kwh   = min(Scope 2 energy, MWh of the valid instruments) in that market and year
    market-based  = (energy - covered) x (supplier rate, else residual mix, else location factor)

A row's *market* is the most specific of its grid keys that the configuration names (its factor's
location key, e.g. a US state or grid region, else its country). An instrument is valid for a row
when its region is the row's market or the row's country and its vintage is the consumption
year; others are listed, with the reason, and not used. What an instrument leaves over is
reported as surplus, never moved to another market. Coverage is shared among a market-year's
rows in proportion to their energy.

Cloud usage (Scope 3 category 1) has no instruments of the organisation's own: its market-based
figure is the location-based estimate, flagged, until a provider's market-based figure replaces it.
Pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from reporter.core.attribute import SCOPE2
from reporter.records import join_flag_columns
from reporter.units import G_PER_KG

KWH_PER_MWH = 1000.0
FALLBACK_FLAG = "market_fallback_location"
INSTRUMENT_TYPES = ("GO", "REC", "I-REC", "PPA", "green_tariff")

# How each row's market-based figure was found (the `market_basis` column).
BASIS_INSTRUMENTS = "instruments"  # wholly covered by certificates or contracts
BASIS_SUPPLIER = "supplier_rate"
BASIS_RESIDUAL = "residual_mix"
BASIS_LOCATION = "location_factor"  # no supplier rate or residual mix: flagged
BASIS_CLOUD = "cloud_location_estimate"  # Scope 3 cloud usage: the location-based estimate, flagged
FALLBACK_BASES = (BASIS_LOCATION, BASIS_CLOUD)


@dataclass(frozen=True)
class Instrument:
    """An energy attribute certificate or contract (regions are normalised factor keys)."""

    certificate_id: str
    type: str
    mwh: float
    region: str
    vintage: int
    start: date | None = None
    end: date | None = None
    supplier: str = ""
    bundled: bool = False


@dataclass(frozen=True)
class InstrumentUse:
    """What the report did with one instrument."""

    instrument: Instrument
    mwh_applied: float
    status: str  # "applied", "partly_applied" (surplus left) or "not_applied"
    reason: str


@dataclass(frozen=True)
class MarketResult:
    allocated: pd.DataFrame  # the input rows plus the market columns
    instruments: tuple[InstrumentUse, ...]


def market_based(
    allocated: pd.DataFrame,
    instruments: Sequence[Instrument],
    supplier_g_per_kwh: Mapping[str, float],
    residual_g_per_kwh: Mapping[str, float],
) -> MarketResult:
    """Add market_key, covered_kwh, market_basis, market_factor_g_per_kwh and market_based_co2e_kg
    (with _low/_high) to each (line item, month) row; list every instrument with its use."""
    frame = allocated.copy(deep=False)
    scope2 = (frame["scope"] == SCOPE2).to_numpy(dtype=bool)
    year = _years(frame["month"])
    named = {i.region for i in instruments} | set(supplier_g_per_kwh) | set(residual_g_per_kwh)
    frame["market_key"] = _market_keys(frame, named)
    covered, uses = _cover(frame, scope2, year, instruments)
    frame["covered_kwh"] = covered
    rate, basis, source = _rates(frame, scope2, covered, supplier_g_per_kwh, residual_g_per_kwh)
    frame["market_basis"] = basis
    frame["market_factor_g_per_kwh"] = rate
    frame["market_rate_source"], frame["market_rate_key"] = source
    energy = frame["energy_kwh"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        uncovered_share = np.where(energy > 0, 1.0 - covered / energy, 1.0)
    for suffix in ("", "_low", "_high"):
        market = frame[f"energy_kwh{suffix}"].to_numpy(dtype="float64") * uncovered_share * rate / G_PER_KG
        frame[f"market_based_co2e_kg{suffix}"] = np.where(scope2, market, frame[f"location_based_co2e_kg{suffix}"])
    # With no market data configured at all, every market-based figure is the location-based one
    # by construction (the report says so once): line items are flagged only once some is given.
    configured = bool(instruments or supplier_g_per_kwh or residual_g_per_kwh)
    flagged = np.isin(basis, FALLBACK_BASES) & configured
    if "flags" in frame and flagged.any():
        frame["flags"] = join_flag_columns(frame["flags"], np.where(flagged, FALLBACK_FLAG, ""))
    return MarketResult(frame, tuple(uses))


def _years(months: pd.Series) -> np.ndarray:
    """The year of each row's month ('YYYY-MM' or a date), read once per distinct month."""
    codes, distinct = pd.factorize(months)
    return np.array([int(str(month)[:4]) for month in distinct], dtype="int64")[codes]


def _market_keys(frame: pd.DataFrame, named: set[str]) -> np.ndarray:
    location = frame["location_key"].astype(object)
    country = frame["country_iso3"].astype(object)
    specific = location.isin(named).to_numpy(dtype=bool)
    has_country = country.notna().to_numpy(dtype=bool)
    return np.where(specific | ~has_country, location.to_numpy(), country.to_numpy())


def _cover(
    frame: pd.DataFrame, scope2: np.ndarray, year: np.ndarray, instruments: Sequence[Instrument]
) -> tuple[np.ndarray, list[InstrumentUse]]:
    """Covered kWh per row, and each instrument's use. Instruments for a specific market (a US
    state, a grid region) are applied first, then those for a whole country, which may cover any
    of the country's markets (shared in proportion to what is left to cover)."""
    energy = frame["energy_kwh"].to_numpy(dtype="float64")
    keys = frame["market_key"].to_numpy()
    groups = pd.DataFrame(
        {"market": keys[scope2], "country": frame["country_iso3"].to_numpy()[scope2], "year": year[scope2],
         "energy_kwh": energy[scope2]}
    )
    demand = groups.groupby(["market", "year"])["energy_kwh"].sum().to_dict()
    country_of = dict(zip(groups["market"], groups["country"], strict=True))
    left = dict(demand)
    countries = set(country_of.values())
    uses: dict[int, InstrumentUse] = {}
    order = sorted(range(len(instruments)), key=lambda n: instruments[n].region in countries)
    for number in order:
        uses[number] = _apply(instruments[number], left, country_of)
    covered = np.zeros(len(frame), dtype="float64")
    for (market, consumption_year), total in demand.items():
        if total > 0:
            rows = scope2 & (keys == market) & (year == consumption_year)
            covered[rows] = energy[rows] * ((total - left[(market, consumption_year)]) / total)
    return covered, [uses[n] for n in range(len(instruments))]


def _apply(
    instrument: Instrument, left: dict[tuple[str, int], float], country_of: dict[str, object]
) -> InstrumentUse:
    region = instrument.region
    markets = [key for key in left if key[0] == region or country_of.get(key[0]) == region]
    if not markets:
        return InstrumentUse(instrument, 0.0, "not_applied", f"no Scope 2 consumption in {region} in this period")
    eligible = [key for key in markets if key[1] == instrument.vintage]
    if not eligible:
        years = ", ".join(str(y) for y in sorted({key[1] for key in markets}))
        reason = f"vintage {instrument.vintage} is not a consumption year in {region} in this period ({years})"
        return InstrumentUse(instrument, 0.0, "not_applied", reason)
    remaining = sum(left[key] for key in eligible)
    applied_kwh = min(remaining, instrument.mwh * KWH_PER_MWH)
    if remaining > 0:
        for key in eligible:
            left[key] -= applied_kwh * left[key] / remaining
    applied_mwh = applied_kwh / KWH_PER_MWH
    surplus_mwh = instrument.mwh - applied_mwh
    if surplus_mwh > 1e-9 * max(instrument.mwh, 1.0):
        reason = (
            f"{surplus_mwh:.6g} MWh surplus: the {instrument.vintage} consumption in {region} is covered; "
            "the surplus is not moved to another market"
        )
        return InstrumentUse(instrument, applied_mwh, "partly_applied" if applied_mwh > 0 else "not_applied", reason)
    return InstrumentUse(instrument, applied_mwh, "applied", "")


def _rates(
    frame: pd.DataFrame,
    scope2: np.ndarray,
    covered: np.ndarray,
    supplier: Mapping[str, float],
    residual: Mapping[str, float],
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """The rate for each row's uncovered energy, the basis it came from, and the rate's source:
    (supplier_rate, residual_mix or location_factor; the market key whose rate was taken, None for
    a location factor). Rows outside Scope 2 keep their location factor."""
    location = frame["location_key"].astype(object).to_numpy()
    country = frame["country_iso3"].astype(object).to_numpy()
    factor = frame["factor_g_per_kwh"].to_numpy(dtype="float64")
    supplier_rate, supplier_key = _lookup(supplier, location, country)
    residual_rate, residual_key = _lookup(residual, location, country)
    by_supplier, by_residual = ~np.isnan(supplier_rate), ~np.isnan(residual_rate)
    rate = np.where(by_supplier, supplier_rate, np.where(by_residual, residual_rate, factor))
    source = np.where(
        by_supplier, BASIS_SUPPLIER, np.where(by_residual, BASIS_RESIDUAL, BASIS_LOCATION)
    ).astype(object)
    key = np.where(by_supplier, supplier_key, residual_key)  # None where neither gives a rate
    source[~scope2] = BASIS_LOCATION
    key[~scope2] = None
    basis = source.copy()
    energy = frame["energy_kwh"].to_numpy(dtype="float64")
    wholly_covered = (energy > 0) & (covered >= energy)
    basis[wholly_covered] = BASIS_INSTRUMENTS
    basis[~scope2] = BASIS_CLOUD
    rate = np.where(scope2, rate, factor)
    return rate, basis, (source, key)


def _lookup(rates: Mapping[str, float], location: np.ndarray, country: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rate for each row's location key, else its country (NaN where neither is given), and
    the key it was found under (None where none)."""
    table = pd.Series(dict(rates), dtype="float64")
    by_location = pd.Series(location, dtype=object).map(table).to_numpy(dtype="float64")
    by_country = pd.Series(country, dtype=object).map(table).to_numpy(dtype="float64")
    at_location, at_country = ~np.isnan(by_location), ~np.isnan(by_country)
    key = np.full(len(location), None, dtype=object)
    key[at_country] = country[at_country]
    key[at_location] = location[at_location]
    return np.where(at_location, by_location, by_country), key


def coverage_share(frame: pd.DataFrame) -> float:
    """Share of Scope 2 energy covered by instruments (0 when there is no Scope 2 energy)."""
    scope2 = frame["scope"] == SCOPE2
    energy = float(frame.loc[scope2, "energy_kwh"].sum())
    return float(frame.loc[scope2, "covered_kwh"].sum()) / energy if energy > 0 else 0.0


def monthly_matched_kwh(frame: pd.DataFrame, instruments: Sequence[Instrument]) -> float:
    """Additional figure: Scope 2 kWh covered when instruments with generation dates are matched to
    consumption month by month (each instrument's MWh spread evenly over its days); instruments
    without start and end take no part. As under the annual rule, an instrument for a market (a US
    state, a grid region) covers that market first, one for a whole country what is left in any of
    the country's markets."""
    scope2 = frame[frame["scope"] == SCOPE2]
    demand = scope2.groupby(["market_key", "country_iso3", "month"], dropna=False)["energy_kwh"].sum()
    supply: dict[tuple[str, str], float] = {}
    for instrument in instruments:
        if instrument.start is None or instrument.end is None or instrument.end < instrument.start:
            continue
        days = pd.date_range(instrument.start, instrument.end, freq="D")
        per_day_kwh = instrument.mwh * KWH_PER_MWH / len(days)
        for month, count in days.strftime("%Y-%m").value_counts().items():
            key = (instrument.region, str(month))
            supply[key] = supply.get(key, 0.0) + per_day_kwh * int(count)
    matched = 0.0
    left: dict[tuple[object, str], float] = {}
    for (market, country, month), energy in demand.items():
        own = supply.get((str(market), str(month)), 0.0) if market != country else 0.0
        covered = min(float(energy), own)
        matched += covered
        left[(country, str(month))] = left.get((country, str(month)), 0.0) + float(energy) - covered
    return matched + sum(min(kwh, supply.get((str(country), month), 0.0)) for (country, month), kwh in left.items())
