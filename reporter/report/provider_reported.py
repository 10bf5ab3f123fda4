"""The report model's provider-reported parts: each provider figure and its use, the providers'
carbon model versions per month, and the closed months a change of model version asks to restate.

With `[cloud] emissions_source = "provider"` the provider's figures are the reported cloud
emissions where an export covers them (reporter.core.provider_source); with "estimate" the
figures are only compared (reporter.report.provider) and this part lists the model versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reporter.core.provider_source import ALLOCATION_KEY, ENERGY_NOTE, METHOD, FigureUse
from reporter.units import KG_PER_T

THIS_REPORT = "this report"


@dataclass(frozen=True)
class ProviderFigure:
    """One provider figure (provider, month and the keys its export gives) and where it went."""

    provider: str
    month: str
    account: str | None
    region: str | None
    service: str | None
    provider_location_tco2e: float  # the provider's location-based figure, else its total (basis)
    provider_market_tco2e: float | None
    basis: str
    estimate_tco2e: float  # the allocation key: our location-based estimate of the same keys
    allocated_tco2e: float  # reported on our line items (teams, projects, models)
    unallocated_tco2e: float  # reported as one unallocated row: no estimate to share it
    line_items: int
    status: str  # "allocated" or "unallocated"
    reason: str
    model_version: str | None
    source_file: str
    source_rows: str  # the export's rows ("2-4, 9")


@dataclass(frozen=True)
class ProviderModelVersion:
    provider: str
    month: str
    model_version: str | None  # None: the export does not name it
    source: str  # "this report" or "closed (version N)"


@dataclass(frozen=True)
class ModelVersionChange:
    """A closed month whose provider figures came from another carbon model than a later month's."""

    provider: str
    month: str  # the closed month to restate
    closed_version: int
    model_version: str | None
    later_month: str
    later_model_version: str | None
    reason: str


@dataclass(frozen=True)
class ProviderReported:
    emissions_source: str  # "estimate" or "provider" ([cloud] emissions_source)
    method: str
    allocation_key: str
    energy_note: str
    provider_location_tco2e: float  # every provider figure used, in full
    provider_market_tco2e: float | None
    allocated_tco2e: float
    unallocated_tco2e: float
    unallocated_market_tco2e: float
    replaced_estimate_tco2e: float  # our location-based estimate the figures replaced
    figures: tuple[ProviderFigure, ...]
    model_versions: tuple[ProviderModelVersion, ...]
    restate: tuple[ModelVersionChange, ...]

    def version_spans(self) -> list[str]:
        """The model versions as runs of months: "aws v3.0.0: 2026-01 to 2026-10 (this report)"."""
        spans: list[list[Any]] = []
        for row in self.model_versions:
            last = spans[-1] if spans else None
            if last and (last[0], last[3], last[4]) == (row.provider, row.model_version, row.source):
                last[2] = row.month
            else:
                spans.append([row.provider, row.month, row.month, row.model_version, row.source])
        return [
            f"{p} {v or 'model not named'}: {a}{'' if a == b else f' to {b}'} ({s})" for p, a, b, v, s in spans
        ]


def provider_reported(
    source: str, uses: Sequence[FigureUse], provided: pd.DataFrame | None, history: Mapping[str, Any] | None
) -> ProviderReported | None:
    """None when there is no provider export and nothing closed came from one."""
    versions = _report_versions(provided)
    closed = (history or {}).get("provider_model_versions", {})
    if not versions and not closed:
        return None
    all_versions = _with_closed(versions, closed)
    figures = tuple(_figure(use) for use in uses)
    markets = [use.market_co2e_kg for use in uses if use.market_co2e_kg is not None]
    unallocated = [use for use in uses if not use.allocated]
    return ProviderReported(
        emissions_source=source,
        method=METHOD,
        allocation_key=ALLOCATION_KEY,
        energy_note=ENERGY_NOTE,
        provider_location_tco2e=sum(use.location_co2e_kg for use in uses) / KG_PER_T,
        provider_market_tco2e=sum(markets) / KG_PER_T if markets else None,
        allocated_tco2e=sum(f.allocated_tco2e for f in figures),
        unallocated_tco2e=sum(f.unallocated_tco2e for f in figures),
        unallocated_market_tco2e=sum(
            (u.market_co2e_kg if u.market_co2e_kg is not None else u.location_co2e_kg) for u in unallocated
        )
        / KG_PER_T,
        replaced_estimate_tco2e=sum(use.estimate_co2e_kg for use in uses if use.allocated) / KG_PER_T,
        figures=figures,
        model_versions=tuple(all_versions),
        restate=tuple(changes(all_versions, closed)),
    )


def _figure(use: FigureUse) -> ProviderFigure:
    tco2e = use.location_co2e_kg / KG_PER_T
    return ProviderFigure(
        provider=use.provider,
        month=use.month,
        account=use.account,
        region=use.region,
        service=use.service,
        provider_location_tco2e=tco2e,
        provider_market_tco2e=use.market_co2e_kg / KG_PER_T if use.market_co2e_kg is not None else None,
        basis=use.basis,
        estimate_tco2e=use.estimate_co2e_kg / KG_PER_T,
        allocated_tco2e=tco2e if use.allocated else 0.0,
        unallocated_tco2e=0.0 if use.allocated else tco2e,
        line_items=use.line_items,
        status="allocated" if use.allocated else "unallocated",
        reason=use.unallocated_reason or "",
        model_version=use.model_version,
        source_file=use.source_file,
        source_rows=row_ranges(use.source_rows),
    )


def _report_versions(provided: pd.DataFrame | None) -> list[ProviderModelVersion]:
    if provided is None or provided.empty:
        return []
    rows = []
    for (provider, month), group in provided.groupby(["provider", "month"], sort=True):
        named = sorted({str(v) for v in group["model_version"].dropna()})
        rows.append(ProviderModelVersion(str(provider), str(month), ", ".join(named) or None, THIS_REPORT))
    return rows


def month_versions(model_versions: Iterable[ProviderModelVersion]) -> dict[str, dict[str, str | None]]:
    """This report's model versions as a closed month's document keeps them: {month: {provider: version}}."""
    kept: dict[str, dict[str, str | None]] = {}
    for row in model_versions:
        if row.source == THIS_REPORT:
            kept.setdefault(row.month, {})[row.provider] = row.model_version
    return kept


def _with_closed(versions: list[ProviderModelVersion], closed: Mapping[str, Any]) -> list[ProviderModelVersion]:
    """This report's months, then the closed months it does not cover, by provider and month."""
    covered = {row.month for row in versions}
    rows = list(versions)
    for month, entry in closed.items():
        if month in covered:
            continue
        for provider, version in entry["models"].items():
            rows.append(ProviderModelVersion(provider, month, version, f"closed (version {entry['version']})"))
    return sorted(rows, key=lambda row: (row.provider, row.month))


def changes(versions: Sequence[ProviderModelVersion], closed: Mapping[str, Any]) -> list[ModelVersionChange]:
    """Each closed month whose provider model version differs from the latest month's of that provider
    (closed or in this report): its figures came from a model the provider has since replaced."""
    found = []
    providers = sorted({row.provider for row in versions})
    for provider in providers:
        rows = [row for row in versions if row.provider == provider]
        latest = rows[-1]
        for row in rows[:-1]:
            if row.source == THIS_REPORT or row.model_version == latest.model_version:
                continue
            found.append(
                ModelVersionChange(
                    provider=provider,
                    month=row.month,
                    closed_version=int(closed[row.month]["version"]),
                    model_version=row.model_version,
                    later_month=latest.month,
                    later_model_version=latest.model_version,
                    reason=(
                        f"{row.month} was closed with {provider}'s carbon model {row.model_version or 'not named'}; "
                        f"{latest.month} uses {latest.model_version or 'not named'}: restate {row.month} with "
                        "the provider's figures under the new model so the months compare"
                    ),
                )
            )
    return found


def row_ranges(rows: Iterable[int]) -> str:
    """Row numbers as ranges: 2, 3, 4, 9 -> "2-4, 9"."""
    spans: list[list[int]] = []
    for row in sorted({int(r) for r in rows}):
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
