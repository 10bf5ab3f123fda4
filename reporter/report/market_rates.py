"""Where each market-based figure comes from: the rate's origin per row, the market columns of the
line items (lineage file) and the supplier and residual-mix rates used (factor table).

A Scope 2 row's rate, and the market key it was found under, are chosen once, by the market
stage (reporter.core.market: `market_rate_source`, `market_rate_key`). Its origin is the
configuration key (`acme.toml [factors.supplier] KOR`) or the workbook cell that gives the rate,
else `location factor <factor id>`. A rate's own year and source, where the configuration or the
workbook states them, go with it into the factor table; the rates used without a year are named
in one data-quality note. Cloud usage keeps its location factor.
Everything is computed column-wise: no Python work per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reporter.config import ReportConfig
from reporter.config_factors import RateDetail
from reporter.core.market import BASIS_LOCATION, BASIS_RESIDUAL, BASIS_SUPPLIER
from reporter.errors import ConfigError
from reporter.factors import FactorTable
from reporter.report.model import MarketRateUse
from reporter.units import KG_PER_T

RATE_UNIT = "gCO2e/kWh"
LOCATION_ORIGIN = "location factor "
BASIS_SEPARATOR = ";"


def rate_origins(config: ReportConfig, table: FactorTable) -> dict[tuple[str, str], str]:
    """(basis, normalised market key) → the configuration key or workbook cell giving the rate."""
    return {
        (basis, key): config.factors.rate_origin(section, raw, config.inputs_from)
        for basis, section, raw, key in _rate_keys(config, table)
    }


def rate_details(config: ReportConfig, table: FactorTable) -> dict[tuple[str, str], RateDetail]:
    """(basis, normalised market key) → the year and source stated with the rate."""
    return {
        (basis, key): config.factors.rate_detail(section, raw) for basis, section, raw, key in _rate_keys(config, table)
    }


def _rate_keys(config: ReportConfig, table: FactorTable) -> list[tuple[str, str, str, str]]:
    """(basis, configuration section, region as written, normalised market key) of every rate."""
    found = []
    for basis, section in ((BASIS_SUPPLIER, "supplier"), (BASIS_RESIDUAL, "residual_mix")):
        for raw in getattr(config.factors, section):
            try:
                found.append((basis, section, raw, table.normalise_key(raw)))
            except ConfigError:  # the market stage has refused it already
                continue
    return found


def row_rate_sources(allocated: pd.DataFrame, origins: dict[tuple[str, str], str]) -> pd.DataFrame:
    """Per allocated row: `rate_basis` (supplier_rate, residual_mix or location_factor) and
    `rate_key` (the market key whose rate was taken), as the market stage chose them
    (`market_rate_source`, `market_rate_key`), and `rate_origin`: the configuration key or
    workbook cell of a supplier rate or residual mix, else `location factor <factor id>`. Each
    distinct (source, key, factor id) is named once."""
    source = allocated["market_rate_source"].astype(object)
    key = allocated["market_rate_key"].astype(object)
    factor = allocated["factor_id"].astype(object)
    at_location = (source == BASIS_LOCATION).to_numpy(dtype=bool)
    named = pd.Series(np.where(at_location, factor.to_numpy(), key.to_numpy()), dtype=object)
    source_codes, sources = pd.factorize(source, use_na_sentinel=False)
    named_codes, names = pd.factorize(named, use_na_sentinel=False)
    codes, pairs = pd.factorize(source_codes.astype("int64") * (len(names) + 1) + named_codes)
    texts = np.array(
        [_origin(origins, sources[int(p) // (len(names) + 1)], names[int(p) % (len(names) + 1)]) for p in pairs],
        dtype=object,
    )
    return pd.DataFrame(
        {"rate_basis": source.to_numpy(), "rate_key": np.where(at_location, None, key.to_numpy()),
         "rate_origin": texts[codes]},
        index=allocated.index,
    )


def _origin(origins: dict[tuple[str, str], str], source: object, named: object) -> str | None:
    """A supplier rate's or residual mix's origin, by its market key; a location factor's id."""
    if source == BASIS_LOCATION:
        return LOCATION_ORIGIN + str(named) if isinstance(named, str) else None
    return origins.get((str(source), str(named)))


def line_item_market(allocated: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """The market columns of each line item (index: record), from its in-period (item, month) rows:
    market key, basis (several joined by ';' when the months differ), rate and its origin, kWh
    covered by instruments and market-based kg CO2e, both summed over the period's months.
    `sources`: `row_rate_sources` of the same rows."""
    record = allocated["record"].to_numpy()
    first = ~pd.Series(record).duplicated().to_numpy()
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


def market_rates(
    allocated: pd.DataFrame, sources: pd.DataFrame, details: dict[tuple[str, str], RateDetail]
) -> tuple[MarketRateUse, ...]:
    """The supplier rates and residual mixes that priced some Scope 2 energy, per consumption year
    (`sources`: `row_rate_sources` of the same rows), with the year and source stated with each
    (`details`: `rate_details`)."""
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
    rates = []
    for (basis, key, origin, year, value), row in grouped.sum().iterrows():
        if not row.uncovered_kwh > 0:
            continue
        stated = details.get((str(basis), str(key)), RateDetail())
        rates.append(MarketRateUse(
            key=str(key), basis=str(basis), value=float(value), unit=RATE_UNIT, year=int(year), origin=str(origin),
            energy_kwh=float(row.uncovered_kwh), market_based_tco2e=float(row.market_kg) / KG_PER_T,
            data_year=stated.year, source=stated.source,
        ))
    return tuple(rates)


# A report-wide data-quality note (Language.translate matches it as a pattern of the catalogs).
NO_YEAR_NOTE = (
    "Market-based rates used without a year of their own: %(rates)s. Add `year` to the rate in "
    "[factors.supplier] / [factors.residual_mix] (the table form) or in the year column of the workbook's "
    "rate sheet."
)


def year_notes(rates: tuple[MarketRateUse, ...]) -> tuple[str, ...]:
    """One note naming the supplier rates and residual mixes used that state no year of their own
    (`basis:key`, as the factor table's ids begin); none when every rate used states its year."""
    missing = dict.fromkeys(f"{rate.basis}:{rate.key}" for rate in rates if rate.data_year is None)
    return (NO_YEAR_NOTE.replace("%(rates)s", ", ".join(missing)),) if missing else ()
