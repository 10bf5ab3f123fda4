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
    (the market key whose rate was taken) and `rate_origin`. Worked on integer codes: each distinct
    location, country and factor id is looked up once."""
    named = list(origins)
    texts = [origins[pair] for pair in named]
    loc_codes, loc_values = pd.factorize(allocated["location_key"].astype(object))
    ctry_codes, ctry_values = pd.factorize(allocated["country_iso3"].astype(object))
    chosen = np.full(len(allocated), -1, dtype="int64")
    for kind in (BASIS_RESIDUAL, BASIS_SUPPLIER):  # the supplier's rate wins: applied last
        index = {key: n for n, (basis, key) in enumerate(named) if basis == kind}
        by_location = _per_row(index, loc_values, loc_codes)
        by_country = _per_row(index, ctry_values, ctry_codes)
        found = np.where(by_location >= 0, by_location, by_country)
        chosen = np.where(found >= 0, found, chosen)
    chosen[(allocated["scope"] != SCOPE2).to_numpy(dtype=bool)] = -1
    factor_codes, factor_ids = pd.factorize(allocated["factor_id"].astype(object))
    at_location = chosen < 0
    chosen[at_location] = np.where(factor_codes >= 0, len(named) + factor_codes, -1)[at_location]
    all_texts = np.array([*texts, *(LOCATION_ORIGIN + str(f) for f in factor_ids), None], dtype=object)
    bases = np.array([b for b, _ in named] + ["location_factor"] * (len(factor_ids) + 1), dtype=object)
    keys = np.array([k for _, k in named] + [None] * (len(factor_ids) + 1), dtype=object)
    return pd.DataFrame(
        {"rate_basis": bases[chosen], "rate_key": keys[chosen], "rate_origin": all_texts[chosen]},
        index=allocated.index,
    )


def _per_row(index: dict[str, int], values: pd.Index, codes: np.ndarray) -> np.ndarray:
    """The origin number of each row's value (-1: none), from one look-up per distinct value."""
    table = np.array([index.get(str(value), -1) for value in values] + [-1], dtype="int64")
    return table[codes]


def line_item_market(allocated: pd.DataFrame, origins: dict[tuple[str, str], str]) -> pd.DataFrame:
    """The market columns of each line item (index: record), from its in-period (item, month) rows:
    market key, basis (several joined by ';' when the months differ), rate and its origin, kWh
    covered by instruments and market-based kg CO2e, both summed over the period's months."""
    record = allocated["record"].to_numpy()
    first = ~pd.Series(record).duplicated().to_numpy()
    sources = row_rate_sources(allocated, origins)
    frame = pd.DataFrame(
        {
            "market_key": allocated["market_key"].to_numpy()[first],
            "market_factor_g_per_kwh": allocated["market_factor_g_per_kwh"].to_numpy(dtype="float64")[first],
            "market_factor_origin": sources["rate_origin"].to_numpy()[first],
        },
        index=pd.Index(record[first], name="record"),
    )
    sums = pd.DataFrame(
        {
            "market_covered_kwh_in_period": allocated["covered_kwh"].to_numpy(dtype="float64"),
            "market_based_co2e_kg_in_period": allocated["market_based_co2e_kg"].to_numpy(dtype="float64"),
        },
        index=pd.Index(record, name="record"),
    ).groupby(level=0, sort=False).sum()
    frame = frame.join(sums)
    frame.insert(1, "market_basis", _bases(record, allocated["market_basis"]).reindex(frame.index))
    return frame


def _bases(record: np.ndarray, basis: pd.Series) -> pd.Series:
    """Each record's distinct bases, in a fixed order, joined: a bit per basis, OR-ed by summing
    the distinct (record, basis) pairs, then each distinct bit set named once."""
    codes, names = pd.factorize(basis.astype(object), sort=True)
    pairs = pd.DataFrame({"record": record, "bit": np.left_shift(1, codes.astype("int64"))})
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
