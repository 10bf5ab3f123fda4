"""Emissions stage: location-based CO2e from each run's grid factor.

Resolution, most specific first, a user override winning at every level: cloud region
(provider's own figure, else the region's US state or country), US state, country. A run whose
location cannot be resolved uses the configured fallback key and is flagged `location_fallback`.
The trackers' own emission figures are kept beside ours for comparison only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reporter.errors import ReferenceDataError
from reporter.factors import Factor, FactorTable
from reporter.records import distinct_rows, join_flag_columns, join_flags
from reporter.units import G_PER_KG

LOCATION_COLUMNS = ["country_code", "region", "cloud_provider", "cloud_region"]


@dataclass(frozen=True)
class Resolution:
    country_iso3: str | None
    factor: Factor
    status: str
    flag: str | None


def resolve(
    table: FactorTable,
    country_code: str | None,
    region: str | None,
    cloud_provider: str | None,
    cloud_region: str | None,
    fallback_key: str,
) -> Resolution:
    """The factor for one location, and how it was found."""
    country = table.country(country_code)
    candidates: list[tuple[str, str]] = []
    flag = None
    if cloud_region:
        provider = (cloud_provider or "").lower()
        candidates += [(f"{provider}:{cloud_region}", "cloud_region"), (cloud_region, "cloud_region")]
        mapped = table.cloud_regions.get((provider, cloud_region.lower()))
        if mapped:
            country = country or mapped[0]
            if mapped[1]:
                candidates.append((f"US-{mapped[1]}", "cloud_region_state"))
            candidates.append((mapped[0], "cloud_region_country"))
        else:
            flag = "unknown_cloud_region"
    if country == "USA" and (state := table.us_state(region)):
        candidates.append((state, "us_state"))
    if country:
        candidates.append((country, "country"))
    elif country_code:
        flag = "unknown_country"
    for key, status in candidates:
        factor = table.lookup(key)
        if factor is not None:
            if factor.key_kind == "override":
                status = "override"
            return Resolution(country, factor, status, flag)
    fallback = table.lookup(fallback_key)
    if fallback is None:
        raise ReferenceDataError(f"fallback factor key '{fallback_key}' is not in the factor data")
    flags = join_flags(flag, "location_fallback")
    return Resolution(country, fallback, "fallback", flags)


def attach_emissions(records: pd.DataFrame, table: FactorTable, fallback_key: str) -> pd.DataFrame:
    """Add country_iso3, location_key, location_status, factor_id, factor_g_per_kwh and CO2e.

    Each distinct location is resolved once; the results are joined back column by column.
    """
    frame = records.copy(deep=False)
    keys = frame[LOCATION_COLUMNS].astype(object).where(frame[LOCATION_COLUMNS].notna(), None)
    codes, first = distinct_rows([keys[column] for column in LOCATION_COLUMNS])
    resolutions = []
    for country, region, provider, cloud_region in keys.iloc[first].itertuples(index=False, name=None):
        resolutions.append(resolve(table, country, region, provider, cloud_region, fallback_key))

    def column(values: list[object]) -> np.ndarray:
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array[codes]

    frame["country_iso3"] = column([r.country_iso3 for r in resolutions])
    frame["location_key"] = column([r.factor.key for r in resolutions])
    frame["location_status"] = column([r.status for r in resolutions])
    frame["factor_id"] = column([r.factor.factor_id for r in resolutions])
    values = np.array([r.factor.value for r in resolutions], dtype="float64")
    frame["factor_g_per_kwh"] = pd.Series(values[codes], dtype="float64", index=frame.index)
    frame["location_based_co2e_kg"] = frame["energy_kwh"] * frame["factor_g_per_kwh"] / G_PER_KG
    for bound in ("low", "high"):
        frame[f"location_based_co2e_kg_{bound}"] = frame[f"energy_kwh_{bound}"] * frame["factor_g_per_kwh"] / G_PER_KG
    frame["flags"] = join_flag_columns(frame["flags"], list(column([r.flag for r in resolutions])))
    return frame
