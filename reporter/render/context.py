"""The report context: every figure every renderer shows, built once, full precision.

Renderers (JSON, PDF, Excel) only lay this out; they compute nothing. Emissions are in tonnes
CO2e here (kg / 1000 is a unit change, not rounding); rounding happens only when rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property
from typing import Any

import pandas as pd

from reporter import __version__
from reporter.config import ReportConfig, slugify
from reporter.core import aggregate
from reporter.core.attribute import SCOPE2, SCOPE3_CLOUD
from reporter.core.period import Period
from reporter.core.targets import Credit, Target, make_target, progress
from reporter.pipeline import PipelineResult
from reporter.render import bounds
from reporter.render.bounds import OTHER_GROUPS, OTHER_KEYS
from reporter.render.line_items import (
    LINE_ITEM_COLUMNS,
    LINE_ITEM_FIELDS,
    TIME_COLUMNS,
    clean,
    line_item_frame,
    line_item_groups,
    line_item_records,
)
from reporter.render.lineage import LineageFile, lineage_file
from reporter.units import KG_PER_T

__all__ = [
    "LINE_ITEM_COLUMNS",
    "LINE_ITEM_FIELDS",
    "OTHER_GROUPS",
    "OTHER_KEYS",
    "TIME_COLUMNS",
    "OutputOptions",
    "ReportContext",
    "build_context",
]

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

@dataclass(frozen=True)
class OutputOptions:
    """What the outputs hold beyond the figures ([output] in the configuration)."""

    json_line_items: bool = False


@dataclass(frozen=True)
class ReportContext:
    tool: dict[str, str]
    organization: dict[str, str]
    period: dict[str, Any]
    totals: dict[str, Any]
    by_scope: list[dict[str, Any]]
    cloud_cost: list[dict[str, Any]]
    unclassified: dict[str, Any]
    by_month: list[dict[str, Any]]
    breakdowns: dict[str, list[dict[str, Any]]]
    inputs: list[dict[str, Any]]
    skipped_files: list[dict[str, str]]
    factors: list[dict[str, Any]]
    pue: list[dict[str, Any]]
    data_quality: dict[str, Any]
    methodology: dict[str, Any]
    targets: list[dict[str, Any]]
    pathways: list[dict[str, Any]]
    credits: list[dict[str, Any]]
    history: dict[str, Any]
    year_to_date: dict[str, Any]
    limits: dict[str, Any]
    line_items: pd.DataFrame  # see reporter.render.line_items
    line_item_groups: pd.DataFrame  # by month, account, service, region, usage type, currency
    output: OutputOptions = field(default_factory=OutputOptions)

    @property
    def file_stem(self) -> str:
        label = self.period["label"].replace("..", "_")
        return f"{self.organization['slug']}-{label}"

    @cached_property
    def lineage(self) -> LineageFile:
        """The lineage file (built once): every line item with its provenance."""
        metadata = {
            "tool": f"{self.tool['name']} {self.tool['version']}",
            "organization": self.organization["name"],
            "period": f"{self.period['start']}..{self.period['end']}",
        }
        return lineage_file(self.line_items, self.file_stem, metadata)

    def to_dict(self, *, line_items: bool = False) -> dict[str, Any]:
        """Every figure, JSON-safe; the line items (one dict each) only when `line_items` is true."""
        skipped = {"line_items", "line_item_groups", "output"}
        document = {f.name: clean(getattr(self, f.name)) for f in fields(self) if f.name not in skipped}
        if line_items:
            document["line_items"] = line_item_records(self.line_items)
        return document


def build_context(result: PipelineResult, history: dict[str, Any] | None = None) -> ReportContext:
    """The context for one report; `history` is the store's view (see reporter.closing.history_view)."""
    config, allocated, items = result.config, result.allocated, result.items
    totals = aggregate.totals(allocated)
    period = result.period
    history = history or _no_history(config)
    monthly = aggregate.by_month(allocated, period.months())
    scopes = _by_scope(allocated)
    columns = {**BREAKDOWNS, **{f"tag:{key}": f"tag:{key}" for key in config.cloud.tag_keys}}
    breakdowns = {
        name: bounds.breakdown(allocated, column, totals) for name, column in columns.items() if column in allocated
    }
    unclassified, unclassified_groups = bounds.unclassified(items)
    return ReportContext(
        tool={"name": "reporter", "version": __version__},
        organization={
            "name": config.organization.name,
            "slug": config.organization.slug or slugify(config.organization.name),
        },
        period={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": period.label,
            "months": period.months(),
        },
        totals=_totals(totals, scopes, items),
        by_scope=scopes,
        cloud_cost=_cloud_cost(allocated),
        unclassified=unclassified,
        by_month=[
            {
                "month": row.month,
                "energy_kwh": float(row.energy_kwh),
                "location_based_tco2e": float(row.location_based_co2e_kg) / KG_PER_T,
            }
            for row in monthly.itertuples()
        ],
        breakdowns={name: rows for name, (rows, _) in breakdowns.items()},
        inputs=[_ledger(ledger) for ledger in result.ledgers],
        skipped_files=[{"path": path, "reason": reason} for path, reason in result.skipped],
        factors=_factors(result, allocated),
        pue=_pue(allocated),
        data_quality=_quality(result, allocated),
        methodology=_methodology(result),
        targets=_targets(config, period, totals["location_based_co2e_kg"] / KG_PER_T),
        pathways=_pathways(config),
        credits=[credit.model_dump() for credit in sorted(config.credits, key=lambda c: (c.year, c.registry_id))],
        history=history,
        year_to_date=_year_to_date(period, monthly, history),
        limits=bounds.limits(breakdowns, unclassified_groups),
        line_items=line_item_frame(items),
        line_item_groups=line_item_groups(allocated, aggregate.UNASSIGNED),
        output=OutputOptions(json_line_items=config.output.json_line_items),
    )


def _totals(totals: dict[str, float], scopes: list[dict[str, Any]], items: pd.DataFrame) -> dict[str, Any]:
    return {
        "energy_kwh": totals["energy_kwh"],
        "energy_kwh_low": totals["energy_kwh_low"],
        "energy_kwh_high": totals["energy_kwh_high"],
        "location_based_tco2e": totals["location_based_co2e_kg"] / KG_PER_T,
        "location_based_tco2e_low": totals["location_based_co2e_kg_low"] / KG_PER_T,
        "location_based_tco2e_high": totals["location_based_co2e_kg_high"] / KG_PER_T,
        "market_based_tco2e": None,
        "embodied_tco2e": totals["embodied_co2e_kg"] / KG_PER_T,
        "own_operations_energy_kwh": scopes[0]["energy_kwh"],
        "cloud_energy_kwh": scopes[1]["energy_kwh"],
        "tracker_reported_tco2e": _tracker_total(items),
        "line_items": int(len(items)),
    }


def _methodology(result: PipelineResult) -> dict[str, Any]:
    config = result.config
    return {
        "facility_pue": config.facility.pue,
        "fallback_factor_key": result.factors.normalise_key(config.factors.fallback),
        "overrides": {k: float(v) for k, v in config.factors.location_based.items()},
        "month_assignment": "pro rata by time between the run's start and end",
        "timestamps": "trackers' naive local times, read as the organisation's local time",
    }


SCOPE_LABELS = {
    SCOPE2: "Scope 2: electricity of own or colocated hardware (ESRS E1-5 energy, own operations)",
    SCOPE3_CLOUD: "Scope 3 category 1: cloud computing and data centre services (energy outside the organisation)",
}


def _by_scope(allocated: pd.DataFrame) -> list[dict[str, Any]]:
    """Scope 2 (own operations) first, then Scope 3 category 1 (cloud)."""
    rows = []
    for scope in (SCOPE2, SCOPE3_CLOUD):
        part = allocated[allocated["scope"] == scope]
        sums = aggregate.totals(part)
        rows.append(
            {
                "scope": scope,
                "label": SCOPE_LABELS[scope],
                "energy_kwh": sums["energy_kwh"],
                "energy_kwh_low": sums["energy_kwh_low"],
                "energy_kwh_high": sums["energy_kwh_high"],
                "location_based_tco2e": sums["location_based_co2e_kg"] / KG_PER_T,
                "location_based_tco2e_low": sums["location_based_co2e_kg_low"] / KG_PER_T,
                "location_based_tco2e_high": sums["location_based_co2e_kg_high"] / KG_PER_T,
                "embodied_tco2e": sums["embodied_co2e_kg"] / KG_PER_T,
                "line_items": int(part["record"].nunique()),
            }
        )
    return rows


def _cloud_cost(allocated: pd.DataFrame) -> list[dict[str, Any]]:
    """Billed cost of the period per currency beside the emissions of the same lines (context only)."""
    billed = allocated[allocated["billed_cost"].notna()].assign(
        cost=lambda f: f["billed_cost"] * f["share"], currency=lambda f: f["billing_currency"].fillna("")
    )
    rows = []
    for currency, group in billed.groupby("currency", sort=True):
        tco2e = float(group["location_based_co2e_kg"].sum()) / KG_PER_T
        cost = float(group["cost"].sum())
        rows.append(
            {
                "currency": str(currency),
                "billed_cost": cost,
                "energy_kwh": float(group["energy_kwh"].sum()),
                "location_based_tco2e": tco2e,
                "cost_per_tco2e": cost / tco2e if tco2e else None,
            }
        )
    return rows


def _no_history(config: ReportConfig) -> dict[str, Any]:
    baseline = config.baseline
    return {
        "closed_months": [],
        "previous_year": {"year": None, "months_closed": 0, "location_based_tco2e": None, "energy_kwh": None},
        "base_year": (
            {"year": baseline.year, "location_based_tco2e": baseline.location_based_tco2e} if baseline else None
        ),
        "restatements": [],
    }


def _targets(config: ReportConfig, period: Period, actual_tco2e: float) -> list[dict[str, Any]]:
    if config.baseline is None:
        return []
    year = period.end.year
    days_in_year = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    fraction = min(1.0, ((period.end - period.start).days + 1) / days_in_year)
    credits = [Credit(**c.model_dump()) for c in config.credits]
    return [progress(target, year, fraction, actual_tco2e, credits) for target in _target_specs(config)]


def _target_specs(config: ReportConfig) -> list[Target]:
    if config.baseline is None:
        return []
    return [
        make_target(
            spec.name,
            spec.kind,
            config.baseline.year,
            config.baseline.location_based_tco2e,
            spec.target_year,
            spec.reduction_pct,
        )
        for spec in config.targets
    ]


def _pathways(config: ReportConfig) -> list[dict[str, Any]]:
    """Each target's full-year pathway, year by year from the base year to the target year."""
    return [
        {"name": target.name, "kind": target.kind, "year": year, "pathway_tco2e": target.pathway(year)}
        for target in _target_specs(config)
        if target.target_tco2e is not None
        for year in range(target.base_year, target.target_year + 1)
    ]


def _year_to_date(period: Period, monthly: pd.DataFrame, history: dict[str, Any]) -> dict[str, Any]:
    """The report year month by month: closed months from the store, then this report's months."""
    year = period.end.year
    closed = {m["month"]: m for m in history["closed_months"]}
    current = {row.month: row for row in monthly.itertuples()}
    months = []
    for number in range(1, 13):
        key = f"{year}-{number:02d}"
        if key in current:
            row = current[key]
            months.append(
                {
                    "month": key,
                    "source": "this report",
                    "energy_kwh": float(row.energy_kwh),
                    "location_based_tco2e": float(row.location_based_co2e_kg) / KG_PER_T,
                }
            )
        elif key in closed:
            months.append(
                {
                    "month": key,
                    "source": f"closed (version {closed[key]['version']})",
                    "energy_kwh": closed[key]["energy_kwh"],
                    "location_based_tco2e": closed[key]["location_based_tco2e"],
                }
            )
        else:
            months.append({"month": key, "source": None, "energy_kwh": None, "location_based_tco2e": None})
    known = [m for m in months if m["source"] is not None]
    return {
        "year": year,
        "months": months,
        "months_with_data": len(known),
        "energy_kwh": sum(m["energy_kwh"] for m in known),
        "location_based_tco2e": sum(m["location_based_tco2e"] for m in known),
    }


def _tracker_total(items: pd.DataFrame) -> float | None:
    weighted = (items["tracker_co2e_kg"] * items["in_period_share"]).dropna()
    return float(weighted.sum()) / KG_PER_T if len(weighted) else None


def _ledger(ledger: Any) -> dict[str, Any]:
    return {
        "path": ledger.path,
        "format": ledger.format,
        "sha256": ledger.sha256,
        "origin": ledger.origin,
        "rows_read": ledger.rows_read,
        "rows_used": ledger.rows_used,
        "rows_excluded": ledger.rows_excluded,
        "exclusions": [{"row": e.row, "reason": e.reason} for e in ledger.exclusions],
        "exclusion_groups": [
            {"reason": g.reason, "rows": g.rows, "example_rows": list(g.example_rows)} for g in ledger.exclusion_groups
        ],
        "notes": list(ledger.notes),
    }


def _factors(result: PipelineResult, allocated: pd.DataFrame) -> list[dict[str, Any]]:
    usage = allocated.groupby("factor_id")[["energy_kwh", "location_based_co2e_kg"]].sum()
    rows = []
    for factor in result.factors.used(usage.index):
        used = usage.loc[factor.factor_id]
        rows.append(
            {
                "id": factor.factor_id,
                "key": factor.key,
                "name": factor.name,
                "value": factor.value,
                "unit": factor.unit,
                "year": factor.year,
                "basis": factor.basis,
                "source": factor.source,
                "source_detail": factor.source_detail,
                "licence": factor.licence,
                "energy_kwh": float(used["energy_kwh"]),
                "location_based_tco2e": float(used["location_based_co2e_kg"]) / KG_PER_T,
            }
        )
    return rows


def _pue(allocated: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for (fmt, path), group in allocated.groupby(["source_format", "source_file"], sort=True):
        rows.append(
            {
                "source_file": path,
                "format": fmt,
                "tracker_pue": sorted({float(v) for v in group["tracker_pue"].dropna()}),
                "pue_applied": sorted({float(v) for v in group["pue"]}),
                "basis": "; ".join(sorted(set(group["pue_basis"]))),
                "energy_it_kwh": float((group["energy_it_kwh"] * group["share"]).sum()),
                "energy_kwh": float(group["energy_kwh"].sum()),
            }
        )
    return rows


def _quality(result: PipelineResult, allocated: pd.DataFrame) -> dict[str, Any]:
    flags: dict[str, int] = {}
    for value in result.items["flags"]:
        for flag in filter(None, str(value).split(";")):
            flags[flag] = flags.get(flag, 0) + 1
    fallback = allocated[allocated["location_status"] == "fallback"]
    return {
        "rows_read": sum(ledger.rows_read for ledger in result.ledgers),
        "rows_used": sum(ledger.rows_used for ledger in result.ledgers),
        "rows_excluded": sum(ledger.rows_excluded for ledger in result.ledgers),
        "method_energy_share": aggregate.share_by(allocated, "method"),
        "location_status_energy_share": aggregate.share_by(allocated, "location_status"),
        "fallback_location_items": int(fallback["record"].nunique()),
        "fallback_location_energy_kwh": float(fallback["energy_kwh"].sum()),
        "flag_counts": dict(sorted(flags.items())),
    }
