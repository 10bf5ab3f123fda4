"""Provider-reported cloud emissions: a provider's carbon export as the reported figure.

With `[cloud] emissions_source = "provider"`, each provider figure (one provider and month and, as
far as the export gives them, one account, region and service) becomes the reported emissions of
our cloud line items with the same keys:

    reported_kg(row) = provider figure x our_estimate_kg(row) / sum of our_estimate_kg over the key

where our estimate is the row's location-based operational emissions (kgCO2e). The weights of a key
add up to one, so the provider's figure is reported in full. The location-based figure is the
provider's location-based one (else its headline total, whose basis is stated); the market-based
figure is the provider's market-based one, else the new location-based figure (flagged by its
basis). A provider figure with no estimate to share it (no line item with its keys, or an estimate
of zero) is added as one unallocated row of its own: counted in every total, never dropped.

Energy is untouched: providers report no kWh, so the energy stays our estimate. Keys are compared
without case or surrounding spaces, an AWS service by its product code (a FOCUS bill names
services, the carbon export gives codes); a key the provider's export never fills is not matched on.
Pure: frames in, frames out.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reporter.cloud.coefficients import aws_product_code
from reporter.core.attribute import SCOPE3_CLOUD
from reporter.core.market import BASIS_CLOUD

METHOD = "provider_reported"
ESTIMATE = "estimate"
BASIS_PROVIDER_MARKET = "provider_market_based"  # the provider's own market-based figure
UNALLOCATED = "(unallocated provider figure)"
ALLOCATION_KEY = (
    "our location-based operational estimate (kgCO2e) of the line items with the same provider, month, "
    "account, region and service (as far as the provider's export gives them)"
)
ENERGY_NOTE = "Energy stays our estimate: the providers' carbon exports give emissions only, no kWh."
KEYS = {"account": "sub_account_id", "region": "cloud_region", "service": "service_name"}
MEASURES = ("location_based_co2e_kg", "market_based_co2e_kg")
ESTIMATE_COLUMN = "estimate_location_based_co2e_kg"  # our estimate before a provider figure replaced it


@dataclass(frozen=True)
class FigureUse:
    """One provider figure (its rows summed over the keys) and where it went."""

    provider: str
    month: str
    account: str | None
    region: str | None
    service: str | None
    location_co2e_kg: float  # the provider's location-based figure, else its total (basis says which)
    market_co2e_kg: float | None
    basis: str
    estimate_co2e_kg: float  # the allocation key's total: our estimate the figure replaces
    estimate_market_co2e_kg: float
    line_items: int  # our line items sharing the figure (0: unallocated)
    unallocated_reason: str | None
    model_version: str | None
    source_file: str
    source_rows: tuple[int, ...]

    @property
    def allocated(self) -> bool:
        return self.unallocated_reason is None


@dataclass(frozen=True)
class ProviderResult:
    allocated: pd.DataFrame  # the rows with `emissions_method`, plus one row per unallocated figure
    # (with no provider figure, the input frame itself)
    uses: tuple[FigureUse, ...]


def provider_reported(allocated: pd.DataFrame, provided: pd.DataFrame | None) -> ProviderResult:
    """Replace the estimate of every cloud row a provider figure covers; add the unallocated ones."""
    if provided is None or provided.empty:
        return ProviderResult(allocated, ())  # unchanged: no `emissions_method` column
    frame = allocated.copy()
    frame["emissions_method"] = ESTIMATE
    frame[ESTIMATE_COLUMN] = frame["location_based_co2e_kg"]  # kept for the comparison with the provider
    uses: list[FigureUse] = []
    extra: list[dict[str, object]] = []
    cloud = (frame["scope"] == SCOPE3_CLOUD).to_numpy(dtype=bool)
    for provider, theirs in provided.groupby("provider", sort=True):
        keys = [key for key in KEYS if theirs[key].notna().any()]
        mine = frame[cloud & (frame["cloud_provider"] == provider).to_numpy(dtype=bool)]
        ours = {
            _normal(key): index
            for key, index in mine.groupby(
                [mine["month"], *(key_text(mine[KEYS[k]], k, str(provider)) for k in keys)]
            ).groups.items()
        }
        by = [theirs["month"], *(key_text(theirs[k], k, str(provider)) for k in keys)]
        for key, group in theirs.groupby(by, sort=True):
            index = ours.get(_normal(key), pd.Index([]))
            use = _allocate(frame, str(provider), dict(zip(["month", *keys], _tuple(key), strict=True)), group, index)
            uses.append(use)
            if not use.allocated:
                extra.append(_unallocated_row(use, -len(extra) - 1))
    if extra:
        added = pd.DataFrame(extra)
        frame = pd.concat([frame, added.astype({c: frame[c].dtype for c in added if c in frame and c != "month"})])
        frame = frame.reset_index(drop=True)
    return ProviderResult(frame, tuple(uses))


def _allocate(
    frame: pd.DataFrame, provider: str, keys: dict[str, str], group: pd.DataFrame, index: pd.Index
) -> FigureUse:
    location = float(group["location_based_co2e_kg"].fillna(group["total_co2e_kg"]).sum())
    market_sum = group["market_based_co2e_kg"].sum(min_count=1)
    market = None if pd.isna(market_sum) else float(market_sum)
    estimate = frame.loc[index, "location_based_co2e_kg"].to_numpy(dtype="float64")
    total = float(estimate.sum())
    reason = None
    if not len(index):
        named = ", ".join(["provider", *keys][:-1]) + f" and {[*keys][-1]}"  # keys: month, then the export's
        reason = f"no line item of ours has this {named}"
    elif not total > 0:
        reason = "our estimate of the line items with these keys is zero, so it cannot share the figure"
    use = FigureUse(
        provider=provider,
        month=keys["month"],
        account=_first(group, "account"),
        region=_first(group, "region"),
        service=_first(group, "service"),
        location_co2e_kg=location,
        market_co2e_kg=market,
        basis=", ".join(sorted(set(group["basis"].astype(str)))),
        estimate_co2e_kg=total,
        estimate_market_co2e_kg=float(frame.loc[index, "market_based_co2e_kg"].sum()),
        line_items=int(frame.loc[index, "record"].nunique()) if reason is None else 0,
        unallocated_reason=reason,
        model_version=", ".join(sorted({str(v) for v in group["model_version"].dropna()})) or None,
        source_file=", ".join(sorted(set(group["source_file"].astype(str)))),
        source_rows=tuple(int(row) for row in group["source_row"]),
    )
    if reason is None:
        weights = estimate / total
        reported = {"location_based_co2e_kg": weights * location}
        reported["market_based_co2e_kg"] = weights * market if market is not None else reported[MEASURES[0]]
        for measure, values in reported.items():
            for suffix in ("", "_low", "_high"):  # the provider's figure has no range of its own
                frame.loc[index, f"{measure}{suffix}"] = values
        frame.loc[index, "market_basis"] = BASIS_PROVIDER_MARKET if market is not None else BASIS_CLOUD
        frame.loc[index, "emissions_method"] = METHOD
    return use


def _unallocated_row(use: FigureUse, record: int) -> dict[str, object]:
    market = use.market_co2e_kg if use.market_co2e_kg is not None else use.location_co2e_kg
    row: dict[str, object] = {
        "record": record,
        "month": use.month,
        "share": 1.0,
        "source_format": f"{use.provider}_carbon",
        "source_file": use.source_file,
        "source_row": use.source_rows[0],
        "method": METHOD,
        "emissions_method": METHOD,
        "row_count": len(use.source_rows),
        "cloud_provider": use.provider,
        "sub_account_id": use.account,
        "cloud_region": use.region,
        "service_name": use.service,
        "team": UNALLOCATED,
        "project": UNALLOCATED,
        "model": UNALLOCATED,
        "scope": SCOPE3_CLOUD,
        "flags": "",
        "covered_kwh": 0.0,
        "embodied_co2e_kg": 0.0,
        ESTIMATE_COLUMN: 0.0,
        "market_basis": BASIS_PROVIDER_MARKET if use.market_co2e_kg is not None else BASIS_CLOUD,
    }
    for suffix in ("", "_low", "_high"):
        row[f"energy_kwh{suffix}"] = 0.0
        row[f"location_based_co2e_kg{suffix}"] = use.location_co2e_kg
        row[f"market_based_co2e_kg{suffix}"] = market
    return row


def key_text(column: pd.Series, key: str, provider: str) -> pd.Series:
    """A key as compared: text without case or surrounding spaces; an AWS service as its product
    code, so that a FOCUS or CUR 2.0 service name ('Amazon Elastic Compute Cloud') meets the carbon
    export's `product_code` ('AmazonEC2'), by the table reporter.cloud.coefficients.aws_product_code reads."""
    text = column.astype(object).where(column.notna(), "").astype(str).str.strip().str.lower()
    if key != "service" or provider != "aws":
        return text
    codes = {value: aws_product_code(value).lower() if value else value for value in text.unique()}
    return text.map(codes)


def _tuple(key: Hashable) -> tuple[str, ...]:
    return tuple(str(part) for part in key) if isinstance(key, tuple) else (str(key),)


def _normal(key: Hashable) -> tuple[str, ...]:
    return _tuple(key)


def _first(group: pd.DataFrame, column: str) -> str | None:
    values = group[column].dropna()
    return str(values.iloc[0]) if len(values) else None


def unallocated_mask(frame: pd.DataFrame) -> np.ndarray:
    """The rows added for unallocated provider figures (they have no line item of their own)."""
    return (frame["record"] < 0).to_numpy(dtype=bool)
