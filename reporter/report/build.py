"""Build the report model from a pipeline result, in one stage: every figure, full precision."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from reporter import __version__
from reporter.config import ReportConfig, slugify
from reporter.core import aggregate
from reporter.core.attribute import SCOPE2, SCOPE3_CLOUD
from reporter.core.provider_source import METHOD as PROVIDER_REPORTED
from reporter.core.provider_source import unallocated_mask
from reporter.errors import ConfigError
from reporter.glossary import SCOPE_LABELS
from reporter.pipeline import InputLedger as LedgerResult
from reporter.pipeline import PipelineResult
from reporter.report import bounds, market, market_rates, progress, provider
from reporter.report.exclusions import group_exclusions
from reporter.report.line_items import line_item_frame, line_item_groups
from reporter.report.model import (
    BreakdownRow,
    CloudCost,
    DataQuality,
    FactorUse,
    InputLedger,
    Methodology,
    MonthTotals,
    Organization,
    OutputOptions,
    PueUse,
    Report,
    ReportPeriod,
    ScopeTotals,
    SkippedFile,
    Tool,
    Totals,
)
from reporter.report.models_energy import models_energy
from reporter.report.organization_figures import organization_figures
from reporter.report.provider_reported import provider_reported
from reporter.units import KG_PER_T

BREAKDOWNS = {
    "scope": "scope",
    "team": "team",
    "project": "project",
    "model": "model",
    "country": "country_iso3",
    "location": "location_key",
    "source": "source_format",
    "provider": "cloud_provider",
    "service": "service_name",
    "region": "cloud_region",
    "account": "sub_account_id",
    "category": "usage_category",
}


def build_report(result: PipelineResult, history: dict[str, Any] | None = None) -> Report:
    """The report for one pipeline result; `history` is the store's view (reporter.closing.history_view)."""
    config, allocated, items, period = result.config, result.allocated, result.items, result.period
    sums = aggregate.totals(allocated)
    monthly = aggregate.by_month(allocated, period.months())
    scopes = _by_scope(allocated)
    breakdowns = _breakdowns(allocated, config.cloud.tag_keys, sums)
    unclassified, unclassified_groups = bounds.unclassified(items)
    stored = progress.history(history, config)
    rate_sources = market_rates.row_rate_sources(allocated, market_rates.rate_origins(config, result.factors))
    rates = market_rates.market_rates(allocated, rate_sources, market_rates.rate_details(config, result.factors))
    name = config.organization.name
    return Report(
        tool=Tool("reporter", __version__),
        organization=Organization(name, file_slug(config.organization.slug, name)),
        period=ReportPeriod(period.start, period.end, period.label, tuple(period.months())),
        totals=market.totals(_totals(sums, scopes, items), allocated, result.instruments),
        by_scope=scopes,
        cloud_cost=_cloud_cost(allocated),
        unclassified=unclassified,
        by_month=tuple(
            MonthTotals(
                row.month,
                float(row.energy_kwh),
                float(row.location_based_co2e_kg) / KG_PER_T,
                float(row.market_based_co2e_kg) / KG_PER_T,
            )
            for row in monthly.itertuples()
        ),
        breakdowns={name: rows for name, (rows, _) in breakdowns.items()},
        inputs=tuple(_ledger(ledger) for ledger in result.ledgers),
        skipped_files=tuple(SkippedFile(path, reason) for path, reason in result.skipped),
        factors=_factors(result, allocated),
        pue=_pue(allocated[~unallocated_mask(allocated)]),  # a provider figure of its own has no PUE
        data_quality=_quality(result, allocated, market_rates.year_notes(rates)),
        methodology=_methodology(result),
        targets=progress.targets(
            config, period, sums["location_based_co2e_kg"] / KG_PER_T, sums["market_based_co2e_kg"] / KG_PER_T
        ),
        pathways=progress.pathways(config),
        credits=progress.credits(config),
        instruments=market.instrument_rows(result.instruments),
        history=stored,
        year_to_date=progress.year_to_date(period, monthly, stored),
        limits=bounds.limits({name: count for name, (_, count) in breakdowns.items()}, unclassified_groups),
        line_items=line_item_frame(items.join(market_rates.line_item_market(allocated, rate_sources)), allocated),
        line_item_groups=line_item_groups(allocated, aggregate.UNASSIGNED),
        output=OutputOptions(
            json_line_items=config.output.json_line_items, templates=_templates(config), lang=config.output.lang
        ),
        provider_comparison=provider.comparison(allocated, result.provider_emissions),
        links=result.links,
        organization_figures=organization_figures(config),
        models=models_energy(allocated, config),
        market_rates=rates,
        provider_reported=provider_reported(
            config.cloud.emissions_source, result.provider_uses, result.provider_emissions, history
        ),
    )


SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def file_slug(slug: str | None, name: str) -> str:
    """The organisation's part of the report file names: an explicit slug must be a plain file name
    (letters, digits, '.', '_', '-'; no '/', '..' or leading dot), a name is slugified."""
    if slug is None:
        made = slugify(name)
        return made if SLUG.fullmatch(made) and ".." not in made else "organization"
    if not SLUG.fullmatch(slug) or ".." in slug:
        raise ConfigError(
            f"'organization.slug': {slug!r} cannot name the report files; use letters, digits, "
            "'-', '_' and '.' only (no '/', '..' or leading dot), at most 100 characters"
        )
    return slug


def _totals(sums: dict[str, float], scopes: tuple[ScopeTotals, ...], items: pd.DataFrame) -> Totals:
    return Totals(
        **_measures(sums),
        market_based_tco2e=None,
        own_operations_energy_kwh=scopes[0].energy_kwh,
        cloud_energy_kwh=scopes[1].energy_kwh,
        tracker_reported_tco2e=_tracker_total(items),
        line_items=int(len(items)),
    )


def _measures(sums: dict[str, float]) -> dict[str, float]:
    """The summed measures (aggregate.MEASURES) as reported: energy in kWh, emissions in tonnes."""
    return {
        "energy_kwh": sums["energy_kwh"],
        "energy_kwh_low": sums["energy_kwh_low"],
        "energy_kwh_high": sums["energy_kwh_high"],
        "location_based_tco2e": sums["location_based_co2e_kg"] / KG_PER_T,
        "location_based_tco2e_low": sums["location_based_co2e_kg_low"] / KG_PER_T,
        "location_based_tco2e_high": sums["location_based_co2e_kg_high"] / KG_PER_T,
        "embodied_tco2e": sums["embodied_co2e_kg"] / KG_PER_T,
    }


def _by_scope(allocated: pd.DataFrame) -> tuple[ScopeTotals, ...]:
    """Scope 2 (own operations) first, then Scope 3 category 1 (cloud)."""
    rows = []
    for scope in (SCOPE2, SCOPE3_CLOUD):
        part = allocated[allocated["scope"] == scope]
        sums = aggregate.totals(part)
        rows.append(
            ScopeTotals(
                scope=scope,
                label=SCOPE_LABELS[scope],
                **_measures(sums),
                line_items=int(part["record"].nunique()),
                market_based_tco2e=sums["market_based_co2e_kg"] / KG_PER_T,
            )
        )
    return tuple(rows)


def _cloud_cost(allocated: pd.DataFrame) -> tuple[CloudCost, ...]:
    """Billed cost of the period per currency beside the emissions of the same lines (context only)."""
    billed = allocated[allocated["billed_cost"].notna()].assign(
        cost=lambda f: f["billed_cost"] * f["share"], currency=lambda f: f["billing_currency"].fillna("")
    )
    rows = []
    for currency, group in billed.groupby("currency", sort=True):
        tco2e = float(group["location_based_co2e_kg"].sum()) / KG_PER_T
        cost = float(group["cost"].sum())
        energy = float(group["energy_kwh"].sum())
        rows.append(CloudCost(str(currency), cost, energy, tco2e, cost / tco2e if tco2e else None))
    return tuple(rows)


def _tracker_total(items: pd.DataFrame) -> float | None:
    weighted = (items["tracker_co2e_kg"] * items["in_period_share"]).dropna()
    return float(weighted.sum()) / KG_PER_T if len(weighted) else None


def _ledger(ledger: LedgerResult) -> InputLedger:
    return InputLedger(
        path=ledger.path,
        format=ledger.format,
        sha256=ledger.sha256,
        origin=ledger.origin,
        rows_read=ledger.rows_read,
        rows_used=ledger.rows_used,
        rows_excluded=ledger.rows_excluded,
        exclusions=group_exclusions(ledger.exclusions, ledger.exclusion_groups),
        notes=tuple(ledger.notes),
    )


def _factors(result: PipelineResult, allocated: pd.DataFrame) -> tuple[FactorUse, ...]:
    usage = allocated.groupby("factor_id")[["energy_kwh", "location_based_co2e_kg"]].sum()
    rows = []
    for factor in result.factors.used(usage.index):
        used = usage.loc[factor.factor_id]
        rows.append(
            FactorUse(
                id=factor.factor_id,
                key=factor.key,
                name=factor.name,
                value=factor.value,
                unit=factor.unit,
                year=factor.year,
                basis=factor.basis,
                source=factor.source,
                source_detail=factor.source_detail,
                licence=factor.licence,
                energy_kwh=float(used["energy_kwh"]),
                location_based_tco2e=float(used["location_based_co2e_kg"]) / KG_PER_T,
            )
        )
    return tuple(rows)


def _breakdowns(
    allocated: pd.DataFrame, tag_keys: list[str], sums: dict[str, float]
) -> dict[str, tuple[tuple[BreakdownRow, ...], int]]:
    """Each breakdown's rows and its number of keys: the fixed dimensions, then the kept tags."""
    columns = {**BREAKDOWNS, **{f"tag:{key}": f"tag:{key}" for key in tag_keys}}
    return {name: bounds.breakdown(allocated, column, sums) for name, column in columns.items() if column in allocated}


def _pue(allocated: pd.DataFrame) -> tuple[PueUse, ...]:
    rows = []
    wanted = ["source_format", "source_file", "tracker_pue", "pue", "pue_basis", "energy_it_kwh", "share", "energy_kwh"]
    for (fmt, path), group in allocated[wanted].groupby(["source_format", "source_file"], sort=True):
        rows.append(
            PueUse(
                source_file=str(path),
                format=str(fmt),
                tracker_pue=tuple(sorted({float(v) for v in group["tracker_pue"].dropna().unique()})),
                pue_applied=tuple(sorted({float(v) for v in group["pue"].unique()})),
                basis="; ".join(sorted({str(v) for v in group["pue_basis"].unique()})),
                energy_it_kwh=float((group["energy_it_kwh"] * group["share"]).sum()),
                energy_kwh=float(group["energy_kwh"].sum()),
            )
        )
    return tuple(rows)


def _quality(result: PipelineResult, allocated: pd.DataFrame, notes: tuple[str, ...] = ()) -> DataQuality:
    texts = result.items["flags"].fillna("").astype(str).value_counts()
    counted: dict[str, int] = {}
    for text, count in texts.items():  # once per distinct flags text
        for flag in str(text).split(";"):
            if flag:
                counted[flag] = counted.get(flag, 0) + int(count)
    counts = pd.Series(counted, dtype="int64")
    fallback = allocated[allocated["location_status"] == "fallback"]
    return DataQuality(
        rows_read=sum(ledger.rows_read for ledger in result.ledgers),
        rows_used=sum(ledger.rows_used for ledger in result.ledgers),
        rows_excluded=sum(ledger.rows_excluded for ledger in result.ledgers),
        method_energy_share=aggregate.share_by(allocated, "method"),
        location_status_energy_share=aggregate.share_by(allocated, "location_status"),
        fallback_location_items=int(fallback["record"].nunique()),
        fallback_location_energy_kwh=float(fallback["energy_kwh"].sum()),
        flag_counts={str(flag): int(counts[flag]) for flag in sorted(counts.index)},
        flag_energy_kwh=_flag_energy(allocated),
        provider_reported_share=_provider_reported_share(allocated),
        notes=notes,
    )


def _provider_reported_share(allocated: pd.DataFrame) -> float:
    """Share of the period's energy whose emissions are a provider's reported figure (0 with no energy)."""
    total = float(allocated["energy_kwh"].sum())
    if "emissions_method" not in allocated or not total:
        return 0.0
    reported = allocated["emissions_method"] == PROVIDER_REPORTED
    return float(allocated.loc[reported, "energy_kwh"].sum()) / total


def _flag_energy(allocated: pd.DataFrame) -> dict[str, float]:
    """The period's energy (kWh) of the line items carrying each flag (once per distinct flags text)."""
    by_text = allocated.groupby(allocated["flags"].fillna("").astype(str))["energy_kwh"].sum()
    energy: dict[str, float] = {}
    for text, kwh in by_text.items():
        for flag in str(text).split(";"):
            if flag:
                energy[flag] = energy.get(flag, 0.0) + float(kwh)
    return dict(sorted(energy.items()))


def _methodology(result: PipelineResult) -> Methodology:
    config = result.config
    return Methodology(
        facility_pue=config.facility.pue,
        fallback_factor_key=result.factors.normalise_key(config.factors.fallback),
        overrides={k: float(v) for k, v in config.factors.location_based.items()},
        month_assignment="pro rata by time between the run's start and end",
        timestamps="trackers' naive local times, read as the organisation's local time",
        energy_model=config.method.energy_model,
    )


def _templates(config: ReportConfig) -> str | None:
    """The user's template folder, relative to the configuration file's folder."""
    if not config.output.templates:
        return None
    folder = Path(config.output.templates)
    return str(folder if folder.is_absolute() else (config.base_path / folder).resolve())
