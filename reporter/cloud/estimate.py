"""Energy estimates for billed cloud usage: `estimate_usage(frame, mode)`.

Pure: reads only the package's vendored tables, no configuration, no I/O. The model runs once per
distinct line description and is applied to whole columns (`reporter.cloud.columnar`);
`estimate_lines` is the same model line by line, the reference it is tested against.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from reporter.cloud import columnar
from reporter.cloud.ccf import apply_unknown_ratio, aws_line, not_estimated
from reporter.cloud.ccf_gcp_azure import azure_line, gcp_amount, gcp_line
from reporter.cloud.classify import PROVIDERS, UNSUPPORTED, Classification, shared_classification
from reporter.cloud.coefficients import pue
from reporter.cloud.default import default_line
from reporter.cloud.model import ESTIMATED, Estimate, Line

MODES = ("default", "ccf")
INPUT_COLUMNS = (
    "cloud_provider", "cloud_region", "service_name", "usage_type", "instance_type", "consumed_quantity",
    "consumed_unit", "vcpus", "gpus", "memory_gb", "start_time", "end_time", "billed_cost", "service_category",
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
    usage_type, instance_type, consumed_unit, vcpus, gpus, memory_gb, start_time, end_time,
    billed_cost and service_category (FOCUS ServiceCategory, CUR product family) may be missing or
    null. An optional boolean `ccf_lookup` column (ccf mode only) marks rows taken from CCF's
    lookup-table CLI, whose quirks are then reproduced.

    mode="default": fixed and updated method (reporter/cloud/METHOD.md). mode="ccf": Cloud Carbon
    Footprint as published, bugs included; adds `ccf_embodied_kwh_equivalent`, the embodied
    emissions CCF converts to kWh and adds to energy_kwh.

    Unclassified and unsupported lines get 0 energy and their reason in estimate_basis; the caller
    reports them with their cost and quantity.
    """
    _check(usage, mode)
    keyed = columnar.key_lines(usage)
    table = columnar.UnitTable.build(keyed.keys, lambda lines: line_estimates(lines, mode))
    arrays = _scaled(keyed, table)
    _fill_fallback(arrays, keyed, table, usage, mode)
    if mode == "ccf":
        _unknown_ratio(arrays, keyed)
    return _assemble_columns(usage, arrays, keyed.quantity, mode)


def estimate_lines(usage: pd.DataFrame, mode: str = "default") -> pd.DataFrame:
    """The same as `estimate_usage`, computed line by line (the reference; slow on big bills)."""
    _check(usage, mode)
    lines = Line.from_frame(usage)
    results = line_estimates(lines, mode)
    if mode == "ccf":
        apply_unknown_ratio(lines, results, [_ratio_basis(line) for line in lines])
    return _assemble(usage, results, mode)


def _check(usage: pd.DataFrame, mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    missing = [c for c in REQUIRED_COLUMNS if c not in usage.columns]
    if missing:
        raise ValueError(f"usage frame lacks required column(s): {', '.join(missing)}")


def line_estimates(lines: list[Line], mode: str) -> list[Estimate]:
    """Each line's estimate on its own (in ccf mode before CCF's unknown-usage ratio)."""
    return [_ccf_line(line) for line in lines] if mode == "ccf" else [_default(line) for line in lines]


def _default(line: Line) -> Estimate:
    cls = _classification(line, "default")
    return _with_pue(default_line(line, cls), line, "default")


def _classification(line: Line, mode: str) -> Classification:
    """The line's shared classification (the model only reads it)."""
    return shared_classification(line.provider, line.service, line.usage_type, line.unit, line.instance_type, mode,
                                 line.service_category)


def _with_pue(est: Estimate, line: Line, mode: str) -> Estimate:
    """Lines left at 0 kWh still show their region's PUE (1.0 for providers not modelled)."""
    if est.status != ESTIMATED and line.provider in PROVIDERS:
        est.pue = pue(line.provider, line.region, mode)[0]
    return est


_CCF_HANDLERS = {"aws": aws_line, "gcp": gcp_line, "azure": azure_line}


def _ccf_line(line: Line) -> Estimate:
    if line.ccf_lookup:
        # CCF's lookup-table CLI: no timestamps; Azure rows lose their region (resourceLocation
        # is set inside meterDetails, where CCF does not read it)
        line = replace(line, start=None, end=None, region="unknown" if line.provider == "azure" else line.region)
    cls = _classification(line, "ccf")
    if cls.category == UNSUPPORTED or cls.kind in ("unknown", "no_estimate"):
        return _with_pue(not_estimated(cls), line, "ccf")
    return _CCF_HANDLERS[line.provider](line, cls)


def _ratio_basis(line: Line) -> float | None:
    """What CCF's unknown-usage ratio divides by: cost (AWS), else the (GCP: scaled) quantity."""
    if line.provider == "aws":
        return line.cost
    return gcp_amount(line) if line.provider == "gcp" else line.quantity


def _scaled(keyed: columnar.Keyed, table: columnar.UnitTable) -> dict[str, np.ndarray]:
    """Each line's figures: its quantity times its description's unit figures (NaN where none)."""
    codes, quantity = keyed.codes, keyed.quantity
    arrays = {name: table.column(name)[codes] * quantity for name in columnar.FIGURES}
    arrays["pue"] = table.column("pue")[codes]
    accumulate = [est.ccf_accumulate if est is not None else None for est in table.units]
    for index in range(3):
        per_key = np.array([np.nan if acc is None else acc[index] for acc in accumulate], dtype="float64")
        arrays[f"acc_{index}"] = per_key[codes] * quantity
    arrays["has_acc"] = np.array([acc is not None for acc in accumulate], dtype=bool)[codes]
    arrays["unknown"] = np.array([bool(u) for u in table.labels("ccf_unknown")], dtype=bool)[codes]
    units = keyed.keys["consumed_unit"].tolist()
    labels = {
        "status": table.labels("status"),
        "category": table.labels("category"),
        "flags": [None if est is None else _joined(est.flags) for est in table.units],
        "basis": [None if est is None else columnar.unit_basis(est, unit) for est, unit in
                  zip(table.units, units, strict=True)],
    }
    for name, values in labels.items():
        arrays[name] = _objects(values)[codes]
    return arrays


def _objects(values: Sequence[object]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def _fill_fallback(arrays: dict[str, np.ndarray], keyed: columnar.Keyed, table: columnar.UnitTable,
                   usage: pd.DataFrame, mode: str) -> None:
    """Lines whose description does not scale with the quantity, and lines of negative quantity,
    estimated one by one."""
    linear = np.array([est is not None for est in table.units], dtype=bool)
    rows = np.flatnonzero(~linear[keyed.codes] | (keyed.quantity < 0))
    if not len(rows):
        return
    results = line_estimates(Line.from_frame(usage.iloc[rows]), mode)
    for name, values in (
        *((name, [columnar.figures(est)[i] for est in results]) for i, name in enumerate(columnar.FIGURES)),
        ("pue", [est.pue for est in results]),
        *((f"acc_{i}", [np.nan if est.ccf_accumulate is None else est.ccf_accumulate[i] for est in results])
          for i in range(3)),
    ):
        arrays[name][rows] = values
    arrays["has_acc"][rows] = [est.ccf_accumulate is not None for est in results]
    arrays["unknown"][rows] = [est.ccf_unknown for est in results]
    for name, attribute in (("status", "status"), ("category", "category"), ("basis", "basis")):
        arrays[name][rows] = _objects([getattr(est, attribute) for est in results])
    arrays["flags"][rows] = _objects([_joined(est.flags) for est in results])


def _unknown_ratio(arrays: dict[str, np.ndarray], keyed: columnar.Keyed) -> None:
    """CCF's unknown-usage estimator, column-wise (see `apply_unknown_ratio`)."""
    keys = keyed.keys
    provider = keys["cloud_provider"].to_numpy(dtype=object)[keyed.codes]
    unit = keys["consumed_unit"].to_numpy(dtype=object)[keyed.codes]
    gcp_scale = np.array([gcp_amount(columnar.probe_line(key, 1.0)) for key in keys.itertuples(index=False)])
    by = np.where(provider == "aws", keyed.cost,
                  np.where(provider == "gcp", keyed.quantity * gcp_scale[keyed.codes], keyed.quantity))
    frame = pd.DataFrame({"provider": provider, "unit": unit, "by": by,
                          **{f"acc_{i}": arrays[f"acc_{i}"] for i in range(3)}})
    counted = frame[arrays["has_acc"] & ~np.isnan(by)]
    sums = counted.groupby(["provider", "unit"], sort=False)[["acc_0", "acc_1", "acc_2", "by"]].sum()
    joined = frame[["provider", "unit"]].join(sums.add_suffix("_sum"), on=["provider", "unit"])
    found = joined["by_sum"].to_numpy()
    rows = np.flatnonzero(arrays["unknown"] & ~np.isnan(found) & (np.nan_to_num(found) != 0) & ~np.isnan(by))
    for index, part in enumerate(("low", "central", "high")):
        totals = joined[f"acc_{index}_sum"].to_numpy()[rows] / found[rows] * by[rows]
        arrays[f"total_{part}"][rows] = totals
        arrays[f"it_{part}"][rows] = totals / arrays["pue"][rows]
    arrays["status"][rows] = ESTIMATED
    arrays["flags"][rows] = _with_flag(arrays["flags"][rows], "cost_based_estimate")
    groups = joined.iloc[rows].drop_duplicates(["provider", "unit"])
    texts = {(p, u): (kwh, by_sum) for p, u, kwh, by_sum in
             zip(groups["provider"], groups["unit"], groups["acc_1_sum"], groups["by_sum"], strict=True)}
    keyed_basis = pd.MultiIndex.from_arrays([arrays["basis"][rows], provider[rows], unit[rows]])
    codes, uniques = pd.factorize(keyed_basis)
    worded = [columnar.ratio_text(basis, *texts[(p, u)], "cost" if p == "aws" else "quantity", u)
              for basis, p, u in uniques]
    arrays["basis"][rows] = _objects(worded)[codes]


def _joined(flags: list[str]) -> str:
    return ";".join(dict.fromkeys(flags))


def _with_flag(texts: np.ndarray, flag: str) -> np.ndarray:
    """Each joined flags text with `flag` added at its end (unless there), once per distinct text."""
    codes, uniques = pd.factorize(pd.Series(texts, dtype=object))
    added = [_joined([*text.split(";"), flag] if text else [flag]) for text in uniques]
    return _objects(added)[codes]


def _assemble_columns(usage: pd.DataFrame, arrays: dict[str, np.ndarray], quantity: np.ndarray,
                      mode: str) -> pd.DataFrame:
    """The model's columns from the line arrays, with the guards `_add_row` applies line by line."""
    totals = [arrays[f"total_{part}"] for part in ("low", "central", "high")]
    its = [arrays[f"it_{part}"] for part in ("low", "central", "high")]
    guarded = ~np.logical_and.reduce([np.isfinite(values) for values in (*totals, *its)])
    negative = quantity < 0
    low, central, high = (np.where(np.isfinite(v), v, 0.0) for v in totals)
    columns: dict[str, object] = {
        "usage_category": arrays["category"],
        "energy_it_kwh": _finite_array(its[1]),
        "energy_it_kwh_low": _finite_array(its[0]),
        "energy_it_kwh_high": _finite_array(its[2]),
        "pue": arrays["pue"],
        "energy_kwh": central,
        "energy_kwh_low": np.minimum(low, high),
        "energy_kwh_high": np.maximum(low, high),
        "embodied_co2e_kg": _finite_array(arrays["embodied_kg"]),
        "estimate_basis": arrays["basis"],
        "estimate_status": arrays["status"],
        "model_flags": _flag_texts(arrays["flags"], guarded, negative),
    }
    out = usage.copy(deep=False)
    for name, values in columns.items():
        out[name] = pd.Series(values, index=usage.index, dtype="float64" if _numeric(name) else "object")
    if mode == "ccf":
        out[CCF_COLUMN] = pd.Series(_finite_array(arrays["ccf_embodied_kwh"]), index=usage.index, dtype="float64")
    return out


def _finite_array(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, 0.0)


def _flag_texts(flags: np.ndarray, guarded: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """Each line's joined flags, plus its own guards."""
    joined = flags.copy()
    for rows, flag in ((np.flatnonzero(guarded), "non_finite_guarded"), (np.flatnonzero(negative),
                                                                          "negative_quantity")):
        if len(rows):
            joined[rows] = _with_flag(joined[rows], flag)
    return joined


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def _assemble(usage: pd.DataFrame, results: list[Estimate], mode: str) -> pd.DataFrame:
    columns: dict[str, list[object]] = {name: [] for name in OUTPUT_COLUMNS}
    ccf_extra: list[float] = []
    quantities = pd.to_numeric(usage["consumed_quantity"], errors="coerce").fillna(0.0).tolist()
    for est, quantity in zip(results, quantities, strict=True):
        _add_row(columns, est, quantity)
        ccf_extra.append(_finite(est.ccf_embodied_kwh))
    out = usage.copy(deep=False)
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
