"""Providers' own carbon figures beside our estimates, month by month.

A provider's export is matched on what it gives: provider and month always, the account
(usage account, project, subscription), region and service (AWS `product_code`, Google Cloud
`service.description`) where its rows carry them, against our line items' account, region and
service name, by reporter.core.provider_source.key_text (without case or surrounding spaces, an
AWS service by its product code), as the provider-reported figures are matched. An
export that names no service (Azure's) is compared with all our services of its key summed; its
rows have no service. The difference is our location-based estimate against the provider's
location-based figure, else its headline total (whose basis the row states).
"""

from __future__ import annotations

import math

import pandas as pd

from reporter.core.provider_source import ESTIMATE_COLUMN, key_text
from reporter.report.model import ProviderComparison
from reporter.report.provider_reported import row_ranges
from reporter.units import KG_PER_T

KEYS = ("account", "region", "service")
OURS = {"account": "sub_account_id", "region": "cloud_region", "service": "service_name"}


def comparison(allocated: pd.DataFrame, provided: pd.DataFrame | None) -> tuple[ProviderComparison, ...]:
    if provided is None or provided.empty:
        return ()
    rows: list[ProviderComparison] = []
    for provider, theirs in provided.groupby("provider", sort=True):
        keys = [key for key in KEYS if theirs[key].notna().any()]
        rows.extend(_compare(str(provider), keys, theirs, allocated[allocated["cloud_provider"] == provider]))
    return tuple(rows)


def _compare(provider: str, keys: list[str], theirs: pd.DataFrame, ours: pd.DataFrame) -> list[ProviderComparison]:
    by = ["month", *(f"{key}_key" for key in keys)]
    theirs = theirs.assign(**{f"{key}_key": key_text(theirs[key], key, provider) for key in keys})
    shown = theirs.groupby(by, sort=True)[list(keys)].first() if keys else None  # the provider's spelling
    summed = theirs.groupby(by, sort=True).agg(
        location=("location_based_co2e_kg", lambda s: s.sum(min_count=1)),
        market=("market_based_co2e_kg", lambda s: s.sum(min_count=1)),
        total=("total_co2e_kg", "sum"),
        basis=("basis", "first"),
        version=("model_version", lambda s: ", ".join(sorted({str(v) for v in s.dropna()})) or None),
        rows=("source_row", "size"),
        files=("source_file", lambda s: "; ".join(dict.fromkeys(s.astype(str)))),
    )
    mine = ours.assign(**{f"{key}_key": key_text(ours[OURS[key]], key, provider) for key in keys})
    if ESTIMATE_COLUMN in mine:  # provider figures are the reported ones: compare with our own estimate
        mine = mine.assign(location_based_co2e_kg=mine[ESTIMATE_COLUMN])
    estimates = mine.groupby(by, sort=True)[["energy_kwh", "location_based_co2e_kg", "embodied_co2e_kg"]].sum()
    joined = summed.join(estimates, how="left").fillna(
        {"energy_kwh": 0.0, "location_based_co2e_kg": 0.0, "embodied_co2e_kg": 0.0}
    )
    result = []
    sources = theirs.groupby(by, sort=True)[["source_file", "source_row"]].apply(_rows)
    for index, row in joined.iterrows():
        values = {"month": index[0] if isinstance(index, tuple) else index, **_shown(shown, index)}
        against = row["location"] if not math.isnan(row["location"]) else row["total"]
        estimate_kg = float(row["location_based_co2e_kg"])
        result.append(
            ProviderComparison(
                provider=provider,
                month=str(values["month"]),
                account=values.get("account"),
                region=values.get("region"),
                service=values.get("service"),
                estimate_energy_kwh=float(row["energy_kwh"]),
                estimate_tco2e=estimate_kg / KG_PER_T,
                estimate_embodied_tco2e=float(row["embodied_co2e_kg"]) / KG_PER_T,
                provider_location_tco2e=None if math.isnan(row["location"]) else float(row["location"]) / KG_PER_T,
                provider_market_tco2e=None if math.isnan(row["market"]) else float(row["market"]) / KG_PER_T,
                provider_total_tco2e=float(row["total"]) / KG_PER_T,
                provider_basis=str(row["basis"]),
                difference_pct=(estimate_kg - against) / against * 100 if against > 0 else None,
                model_version=row["version"],
                provider_rows=int(row["rows"]),
                source_file=str(row["files"]),
                source_rows=str(sources.loc[index]),
            )
        )
    return result


def _shown(shown: pd.DataFrame | None, index: object) -> dict[str, str | None]:
    """The provider's spelling of each key of one comparison row (None where it gives none)."""
    if shown is None:
        return {}
    return {str(key): None if pd.isna(value) or not str(value).strip() else str(value)
            for key, value in shown.loc[index].items()}


def _rows(group: pd.DataFrame) -> str:
    """The rows of each file, in the files' order of appearance: "2-4; 7"."""
    files = dict.fromkeys(group["source_file"].astype(str))
    return "; ".join(row_ranges(group.loc[group["source_file"] == name, "source_row"]) for name in files)
