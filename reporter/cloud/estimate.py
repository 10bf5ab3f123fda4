"""Energy estimates for billed cloud usage: `estimate_usage(frame, mode)`.

Pure: reads only the package's vendored tables, no configuration, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd

from reporter.cloud.ccf import apply_unknown_ratio, aws_line, not_estimated
from reporter.cloud.ccf_gcp_azure import azure_line, gcp_amount, gcp_line
from reporter.cloud.classify import PROVIDERS, UNSUPPORTED, Classification, shared_classification
from reporter.cloud.coefficients import pue
from reporter.cloud.default import default_line
from reporter.cloud.model import ESTIMATED, Estimate, Line

MODES = ("default", "ccf")
INPUT_COLUMNS = (
    "cloud_provider", "cloud_region", "service_name", "usage_type", "instance_type", "consumed_quantity",
    "consumed_unit", "vcpus", "gpus", "memory_gb", "start_time", "end_time", "billed_cost",
)
REQUIRED_COLUMNS = ("cloud_provider", "consumed_quantity")
OUTPUT_COLUMNS = (
    "usage_category", "energy_it_kwh", "energy_it_kwh_low", "energy_it_kwh_high", "pue", "energy_kwh",
    "energy_kwh_low", "energy_kwh_high", "embodied_co2e_kg", "estimate_basis", "estimate_status", "model_flags",
)
CCF_COLUMN = "ccf_embodied_kwh_equivalent"


def estimate_usage(usage: pd.DataFrame, mode: str = "default") -> pd.DataFrame:
    """Return `usage` plus the model's columns (see OUTPUT_COLUMNS), one estimate per bill line.

    Input columns: cloud_provider and consumed_quantity are required; cloud_region, service_name,
    usage_type, instance_type, consumed_unit, vcpus, gpus, memory_gb, start_time, end_time and
    billed_cost may be missing or null. An optional boolean `ccf_lookup` column (ccf mode only)
    marks rows taken from CCF's lookup-table CLI, whose quirks are then reproduced.

    mode="default": fixed and updated method (reporter/cloud/METHOD.md). mode="ccf": Cloud Carbon
    Footprint as published, bugs included; adds `ccf_embodied_kwh_equivalent`, the embodied
    emissions CCF converts to kWh and adds to energy_kwh.

    Unclassified and unsupported lines get 0 energy and their reason in estimate_basis; the caller
    reports them with their cost and quantity.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    missing = [c for c in REQUIRED_COLUMNS if c not in usage.columns]
    if missing:
        raise ValueError(f"usage frame lacks required column(s): {', '.join(missing)}")
    lines = Line.from_frame(usage)
    results = _ccf(lines) if mode == "ccf" else [_default(line) for line in lines]
    return _assemble(usage, results, mode)


def _default(line: Line) -> Estimate:
    cls = _classification(line, "default")
    return _with_pue(default_line(line, cls), line, "default")


def _classification(line: Line, mode: str) -> Classification:
    """The line's shared classification (the model only reads it)."""
    return shared_classification(line.provider, line.service, line.usage_type, line.unit, line.instance_type, mode)


def _with_pue(est: Estimate, line: Line, mode: str) -> Estimate:
    """Lines left at 0 kWh still show their region's PUE (1.0 for providers not modelled)."""
    if est.status != ESTIMATED and line.provider in PROVIDERS:
        est.pue = pue(line.provider, line.region, mode)[0]
    return est


def _ccf(lines: list[Line]) -> list[Estimate]:
    results: list[Estimate] = []
    ratio_basis: list[float | None] = []
    handlers = {"aws": aws_line, "gcp": gcp_line, "azure": azure_line}
    for index, line in enumerate(lines):
        if line.ccf_lookup:
            # CCF's lookup-table CLI: no timestamps; Azure rows lose their region (resourceLocation
            # is set inside meterDetails, where CCF does not read it)
            line = replace(line, start=None, end=None, region="unknown" if line.provider == "azure" else line.region)
            lines[index] = line
        cls = _classification(line, "ccf")
        if cls.category == UNSUPPORTED or cls.kind in ("unknown", "no_estimate"):
            results.append(_with_pue(not_estimated(cls), line, "ccf"))
        else:
            results.append(handlers[line.provider](line, cls))
        if line.provider == "aws":
            ratio_basis.append(line.cost)
        else:
            ratio_basis.append(gcp_amount(line) if line.provider == "gcp" else line.quantity)
    apply_unknown_ratio(lines, results, ratio_basis)
    return results


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def _assemble(usage: pd.DataFrame, results: list[Estimate], mode: str) -> pd.DataFrame:
    columns: dict[str, list[object]] = {name: [] for name in OUTPUT_COLUMNS}
    ccf_extra: list[float] = []
    quantities = pd.to_numeric(usage["consumed_quantity"], errors="coerce").fillna(0.0).tolist()
    for est, quantity in zip(results, quantities, strict=True):
        _add_row(columns, est, quantity)
        ccf_extra.append(_finite(est.ccf_embodied_kwh))
    out = usage.copy()
    for name, values in columns.items():
        out[name] = pd.Series(values, index=usage.index, dtype="float64" if _numeric(name) else "object")
    if mode == "ccf":
        out[CCF_COLUMN] = pd.Series(ccf_extra, index=usage.index, dtype="float64")
    return out


def _add_row(columns: dict[str, list[object]], est: Estimate, quantity: float) -> None:
    totals = est.totals()
    if not all(math.isfinite(v) for v in (*totals, est.it_low, est.it_central, est.it_high)):
        est.flags.append("non_finite_guarded")
    if quantity < 0:
        est.flags.append("negative_quantity")
    low, central, high = (_finite(v) for v in totals)
    low, high = min(low, high), max(low, high)  # a negative (corrected) quantity flips the bounds
    columns["usage_category"].append(est.category)
    columns["energy_it_kwh"].append(_finite(est.it_central))
    columns["energy_it_kwh_low"].append(_finite(est.it_low))
    columns["energy_it_kwh_high"].append(_finite(est.it_high))
    columns["pue"].append(est.pue)
    columns["energy_kwh"].append(central)
    columns["energy_kwh_low"].append(low)
    columns["energy_kwh_high"].append(high)
    columns["embodied_co2e_kg"].append(_finite(est.embodied_kg))
    columns["estimate_basis"].append(est.basis)
    columns["estimate_status"].append(est.status)
    columns["model_flags"].append(";".join(dict.fromkeys(est.flags)))


def _numeric(name: str) -> bool:
    return name.startswith("energy") or name in ("pue", "embodied_co2e_kg")
