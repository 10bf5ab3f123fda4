"""Where each market-based figure comes from: the rate's origin per row, the market columns of the
line items (lineage file) and the supplier and residual-mix rates used (factor table).

A Scope 2 row's rate is the supplier rate of its location key, else of its country, else the
residual mix of its location key, else of its country, else its location factor (as in
reporter.core.market). Its origin is the configuration key (`acme.toml [factors.supplier] KOR`)
or the workbook cell that gives the rate, else `location factor <factor id>`. Cloud usage keeps
its location factor. Everything is computed column-wise: no Python work per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reporter.config import ReportConfig
from reporter.core.attribute import SCOPE2
from reporter.core.market import BASIS_RESIDUAL, BASIS_SUPPLIER
from reporter.errors import ConfigError
from reporter.factors import FactorTable
from reporter.report.model import MarketRateUse
from reporter.units import KG_PER_T

RATE_UNIT = "gCO2e/kWh"
LOCATION_ORIGIN = "location factor "
BASIS_SEPARATOR = ";"


def rate_origins(config: ReportConfig, table: FactorTable) -> dict[tuple[str, str], str]:
    """(basis, normalised market key) → the configuration key or workbook cell giving the rate."""
    origins: dict[tuple[str, str], str] = {}
    for basis, section in ((BASIS_SUPPLIER, "supplier"), (BASIS_RESIDUAL, "residual_mix")):
        for raw in getattr(config.factors, section):
            try:
                key = table.normalise_key(raw)
            except ConfigError:  # the market stage has refused it already
                continue
            origins[(basis, key)] = config.factors.rate_origin(section, raw, config.inputs_from)
    return origins


def row_rate_sources(allocated: pd.DataFrame, origins: dict[tuple[str, str], str]) -> pd.DataFrame:
    """Per allocated row: `rate_basis` (supplier_rate, residual_mix or location_factor), `rate_key`
    (the market key whose rate was taken) and `rate_origin`."""
    location = allocated["location_key"].astype(object).to_numpy()
    country = allocated["country_iso3"].astype(object).to_numpy()
    scope2 = (allocated["scope"] == SCOPE2).to_numpy(dtype=bool)
    basis = np.full(len(allocated), "location_factor", dtype=object)
    key = np.full(len(allocated), None, dtype=object)
    for kind in (BASIS_RESIDUAL, BASIS_SUPPLIER):  # the supplier's rate wins: applied last
        named = {k for b, k in origins if b == kind}
        by_location = pd.Series(location).isin(named).to_numpy(dtype=bool)
        by_country = pd.Series(country).isin(named).to_numpy(dtype=bool)
        found = scope2 & (by_location | by_country)
        basis[found] = kind
        key[found] = np.where(by_location, location, country)[found]
    lookup = pd.Series({f"{b}|{k}": text for (b, k), text in origins.items()}, dtype=object)
    joined = pd.Series(basis, dtype=object) + "|" + pd.Series(key, dtype=object).fillna("")
    origin = joined.map(lookup).to_numpy(dtype=object)
    codes, factor_ids = pd.factorize(allocated["factor_id"].astype(object))
    factor_texts = np.array([LOCATION_ORIGIN + str(f) for f in factor_ids] + [None], dtype=object)
    at_location = basis == "location_factor"
    origin[at_location] = factor_texts[codes][at_location]
    return pd.DataFrame({"rate_basis": basis, "rate_key": key, "rate_origin": origin}, index=allocated.index)


def line_item_market(allocated: pd.DataFrame, origins: dict[tuple[str, str], str]) -> pd.DataFrame:
    """The market columns of each line item (index: record), from its in-period (item, month) rows:
    market key, basis (several joined by ';' when the months differ), rate and its origin, kWh
    covered by instruments and market-based kg CO2e, both summed over the period's months."""
    sources = row_rate_sources(allocated, origins)
    rows = pd.DataFrame(
        {
            "record": allocated["record"].to_numpy(),
            "market_key": allocated["market_key"].to_numpy(),
            "market_factor_g_per_kwh": allocated["market_factor_g_per_kwh"].to_numpy(dtype="float64"),
            "market_factor_origin": sources["rate_origin"].to_numpy(),
            "market_covered_kwh_in_period": allocated["covered_kwh"].to_numpy(dtype="float64"),
            "market_based_co2e_kg_in_period": allocated["market_based_co2e_kg"].to_numpy(dtype="float64"),
        }
    )
    grouped = rows.groupby("record", sort=False)
    first = grouped[["market_key", "market_factor_g_per_kwh", "market_factor_origin"]].first()
    sums = grouped[["market_covered_kwh_in_period", "market_based_co2e_kg_in_period"]].sum()
    frame = first.join(sums)
    frame.insert(1, "market_basis", _bases(allocated["record"], allocated["market_basis"]).reindex(frame.index))
    return frame


def _bases(record: pd.Series, basis: pd.Series) -> pd.Series:
    """Each record's distinct bases, in a fixed order, joined: a bit per basis, OR-ed by summing
    the distinct (record, basis) pairs, then each distinct bit set named once."""
    codes, names = pd.factorize(basis.astype(object), sort=True)
    pairs = pd.DataFrame({"record": record.to_numpy(), "bit": np.left_shift(1, codes.astype("int64"))})
    masks = pairs.drop_duplicates().groupby("record", sort=False)["bit"].sum()
    texts = {
        int(mask): BASIS_SEPARATOR.join(str(n) for i, n in enumerate(names) if int(mask) >> i & 1)
        for mask in masks.unique()
    }
    return masks.map(texts)


def market_rates(allocated: pd.DataFrame, origins: dict[tuple[str, str], str]) -> tuple[MarketRateUse, ...]:
    """The supplier rates and residual mixes that priced some Scope 2 energy, per consumption year."""
    sources = row_rate_sources(allocated, origins)
    used = sources["rate_basis"].isin([BASIS_SUPPLIER, BASIS_RESIDUAL]).to_numpy(dtype=bool)
    energy = allocated["energy_kwh"].to_numpy(dtype="float64")
    frame = pd.DataFrame(
        {
            "basis": sources["rate_basis"].to_numpy()[used],
            "key": sources["rate_key"].to_numpy()[used],
            "origin": sources["rate_origin"].to_numpy()[used],
            "year": allocated["month"].astype(str).str[:4].astype("int64").to_numpy()[used],
            "value": allocated["market_factor_g_per_kwh"].to_numpy(dtype="float64")[used],
            "uncovered_kwh": (energy - allocated["covered_kwh"].to_numpy(dtype="float64"))[used],
            "market_kg": allocated["market_based_co2e_kg"].to_numpy(dtype="float64")[used],
        }
    )
    grouped = frame.groupby(["basis", "key", "origin", "year", "value"], sort=True)[["uncovered_kwh", "market_kg"]]
    return tuple(
        MarketRateUse(
            key=str(key), basis=str(basis), value=float(value), unit=RATE_UNIT, year=int(year), origin=str(origin),
            energy_kwh=float(row.uncovered_kwh), market_based_tco2e=float(row.market_kg) / KG_PER_T,
        )
        for (basis, key, origin, year, value), row in grouped.sum().iterrows()
        if row.uncovered_kwh > 0
    )
