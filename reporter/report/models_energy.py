"""Model energy: per AI model, its training, fine-tuning and inference energy and emissions.

The EU AI Act asks providers of general-purpose AI models to document the model's known or
estimated training energy (Annex XI §1(2)(e)). A line item belongs to a model through its `model`
(an input's `model` option, or the bill line's model tag, `[cloud] model_tag`); its phase is, in
this order of precedence:

1. its own phase: the input's `phase` option (tracker logs), or the bill line's phase tag
   (`[cloud] phase_tag`, default "phase"); "fine-tuning", "Fine tuning" and "finetuning" all read
   as fine_tuning;
2. the `phase` of the model's `[[models]]` entry in the configuration;
3. otherwise none: its energy is counted under "phase not given" and flagged, never guessed.

A phase value that is none of training, fine_tuning or inference is counted the same way, and
named. Measured energy is that of trackers and power logs (methods "measured" and "metered");
estimated energy is that of cloud bills. Compute hours are per accelerator: run hours of tracker
runs, instance hours of billed machines (bill lines in hours), and device hours where the number
of accelerators is known (the tracker's GPU count, or the instance type's accelerators).

The SCI-style intensity (Green Software Foundation, Software Carbon Intensity) is the inference
phase's location-based operational emissions plus its embodied emissions, in gCO2e per functional
unit: 1,000 inferences or one million tokens, from the `inferences` or `tokens` the model's
`[[models]]` entry gives for the period. SCI excludes market-based instruments, so market-based
figures are not used in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from reporter.cloud import coefficients
from reporter.config import ReportConfig
from reporter.core.provider_source import unallocated_mask
from reporter.units import KG_PER_T

PHASES = ("training", "fine_tuning", "inference")
NO_PHASE = "not_given"
MEASURED_METHODS = ("measured", "metered")
HOUR_UNITS = {"hrs": 1.0, "hr": 1.0, "hour": 1.0, "hours": 1.0, "h": 1.0, "seconds": 1 / 3600, "s": 1 / 3600}
NOT_RECORDED = "(not recorded)"
CPU_ONLY = "(no accelerator)"
USED_COLUMNS = (  # the line-item columns the model section reads (the groups copy only these)
    "model", "phase", "energy_kwh", "method", "location_based_co2e_kg", "market_based_co2e_kg",
    "embodied_co2e_kg", "record", "location_key", "cloud_provider", "instance_type", "hardware", "gpus",
    "consumed_unit", "consumed_quantity", "share", "duration_s",
)
UNITS = {"inferences": ("1,000 inferences", 1000.0), "tokens": ("1 million tokens", 1_000_000.0)}
_COUNT = re.compile(r"^\s*(\d+)\s*x\s+", re.IGNORECASE)


@dataclass(frozen=True)
class PhaseEnergy:
    """One phase of a model: its energy, how it was obtained, and its emissions."""

    phase: str  # training, fine_tuning, inference or not_given
    energy_kwh: float
    measured_kwh: float  # measured by a tracker or metered by a power log
    estimated_kwh: float  # estimated from cloud bills
    location_based_tco2e: float
    market_based_tco2e: float | None  # None: the report has no market-based figures
    embodied_tco2e: float
    line_items: int


@dataclass(frozen=True)
class ComputeHours:
    """Compute time of one accelerator (or none) for a model."""

    accelerator: str  # e.g. "H100-SXM", "A10G"; CPU_ONLY or NOT_RECORDED
    hours: float  # run hours (trackers) plus instance hours (bills)
    device_hours: float | None  # hours x accelerators, where the count is known
    hours_without_device_count: float  # hours whose accelerator count is not known
    line_items: int


@dataclass(frozen=True)
class Intensity:
    """SCI-style intensity of the model's inference: gCO2e per functional unit."""

    functional_unit: str  # "1,000 inferences" or "1 million tokens"
    functional_units: float  # how many of them in the period (inferences / 1,000, tokens / 1,000,000)
    operational_gco2e_per_unit: float | None  # location-based; None: no inference energy
    sci_gco2e_per_unit: float | None  # operational plus embodied


@dataclass(frozen=True)
class ModelEnergy:
    name: str
    energy_kwh: float
    location_based_tco2e: float
    market_based_tco2e: float | None
    embodied_tco2e: float
    measured_share: float  # of the model's energy
    estimated_share: float
    phases: tuple[PhaseEnergy, ...]  # in PHASES order, then not_given; only those with line items
    compute: tuple[ComputeHours, ...]
    locations: tuple[str, ...]  # grid locations (factor keys) of its training and fine-tuning
    training_hardware: tuple[str, ...]  # accelerators of its training and fine-tuning
    training_flops: float | None
    intensity: Intensity | None
    unrecognised_phases: tuple[str, ...]  # phase values read as NO_PHASE
    line_items: int

    def phase(self, name: str) -> PhaseEnergy | None:
        return next((row for row in self.phases if row.phase == name), None)

    def phase_kwh(self, name: str) -> float:
        row = self.phase(name)
        return row.energy_kwh if row else 0.0


@dataclass(frozen=True)
class ModelsEnergy:
    models: tuple[ModelEnergy, ...]  # largest energy first
    without_model_kwh: float  # the period's energy of line items that name no model
    without_model_items: int
    configured_not_seen: tuple[str, ...]  # [[models]] names with no line item in the period


def models_energy(allocated: pd.DataFrame, config: ReportConfig) -> ModelsEnergy:
    """Per model, from the allocated line items (one row per line item and month). The figures of
    every model and phase are summed in one grouping each (not one frame per model)."""
    allocated = allocated[~unallocated_mask(allocated)]  # provider figures no model of ours shares
    wanted = [name for name in USED_COLUMNS if name in allocated]
    frame = allocated[wanted].assign(phase_key=_phase_keys(allocated, config))
    named = frame[frame["model"].notna()]
    market = "market_based_co2e_kg" in frame
    listed = {entry.name: entry for entry in config.models}
    names = named["model"].astype(str)
    totals = _sums(named, [names], market)
    phases = _sums(named, [names, named["phase_key"]], market)
    training = named["phase_key"].isin(("training", "fine_tuning"))
    compute = compute_hours_by(named, names, training)
    locations = named.loc[training, "location_key"].dropna().astype(str).groupby(names[training]).unique()
    unrecognised = _unrecognised(named, names)
    models = []
    for name in sorted(totals.index):
        rows, trained = compute.get(name, ((), ()))
        entry = listed.get(name)
        model_phases = tuple(
            _phase(key, phases.loc[(name, key)], market) for key in (*PHASES, NO_PHASE) if (name, key) in phases.index
        )
        models.append(_model(name, totals.loc[name], model_phases, market, entry, rows, trained,
                             tuple(sorted(locations.get(name, ()))), unrecognised.get(name, ())))
    models.sort(key=lambda row: (-row.energy_kwh, row.name))
    unnamed = frame[frame["model"].isna()]
    seen = {row.name for row in models}
    return ModelsEnergy(
        models=tuple(models),
        without_model_kwh=float(unnamed["energy_kwh"].sum()),
        without_model_items=int(unnamed["record"].nunique()),
        configured_not_seen=tuple(name for name in listed if name not in seen),
    )


def _sums(frame: pd.DataFrame, keys: list[pd.Series], market: bool) -> pd.DataFrame:
    """Energy (all, measured, estimated), emissions in kg and distinct line items per group of `keys`."""
    energy = frame["energy_kwh"]
    parts = pd.DataFrame({
        "energy_kwh": energy,
        "measured_kwh": energy.where(frame["method"].isin(MEASURED_METHODS), 0.0),
        "estimated_kwh": energy.where(frame["method"] == "estimated", 0.0),
        "location_kg": frame["location_based_co2e_kg"],
        "market_kg": frame["market_based_co2e_kg"] if market else 0.0,
        "embodied_kg": frame["embodied_co2e_kg"],
    }, index=frame.index)
    sums = parts.groupby(keys, sort=False).sum()
    sums["line_items"] = frame["record"].groupby(keys, sort=False).nunique()
    return sums


def _unrecognised(frame: pd.DataFrame, names: pd.Series) -> dict[str, tuple[str, ...]]:
    """Per model, its phase values that are none of PHASES (each distinct value normalised once)."""
    if "phase" not in frame:
        return {}
    own = frame["phase"].dropna().astype(str)
    bad = {value for value in own.unique() if normalise_phase(value) is None}
    kept = own[own.isin(bad)]
    return {str(name): tuple(sorted(set(values))) for name, values in kept.groupby(names[kept.index])}


def normalise_phase(value: object) -> str | None:
    """A phase value as one of PHASES, or None when it names none of them."""
    text = re.sub(r"[\s\-]+", "_", str(value).strip().lower())
    text = {"finetuning": "fine_tuning", "pre_training": "training", "pretraining": "training"}.get(text, text)
    return text if text in PHASES else None


def _phase_keys(allocated: pd.DataFrame, config: ReportConfig) -> pd.Series:
    """Each row's phase: its own, else its model's configured phase, else NO_PHASE (once per value)."""
    defaults = {entry.name: entry.phase for entry in config.models if entry.phase}
    own = allocated["phase"] if "phase" in allocated else pd.Series(None, index=allocated.index, dtype=object)
    codes, values = pd.factorize(own.astype(object), use_na_sentinel=True)
    named = pd.Series([normalise_phase(v) or NO_PHASE for v in values] + [None], dtype=object)
    keys = pd.Series(named.to_numpy()[codes], index=allocated.index, dtype=object)  # -1 (no phase): None
    model_codes, models = pd.factorize(allocated["model"].astype(object), use_na_sentinel=True)
    by_model = pd.Series([defaults.get(str(m), NO_PHASE) for m in models] + [NO_PHASE])
    fallback = pd.Series(by_model.to_numpy()[model_codes], index=allocated.index, dtype=object)
    return keys.where(keys.notna(), fallback).fillna(NO_PHASE)


def _model(name: str, sums: pd.Series, phases: tuple[PhaseEnergy, ...], market: bool, entry: Any,
           compute: tuple[ComputeHours, ...], training: tuple[str, ...], locations: tuple[str, ...],
           unrecognised: tuple[str, ...]) -> ModelEnergy:
    energy = float(sums["energy_kwh"])
    return ModelEnergy(
        name=name,
        energy_kwh=energy,
        location_based_tco2e=float(sums["location_kg"]) / KG_PER_T,
        market_based_tco2e=float(sums["market_kg"]) / KG_PER_T if market else None,
        embodied_tco2e=float(sums["embodied_kg"]) / KG_PER_T,
        measured_share=float(sums["measured_kwh"]) / energy if energy else 0.0,
        estimated_share=float(sums["estimated_kwh"]) / energy if energy else 0.0,
        phases=phases,
        compute=compute,
        locations=locations,
        training_hardware=tuple(name for name in training if name not in (NOT_RECORDED, CPU_ONLY)),
        training_flops=entry.training_flops if entry else None,
        intensity=_intensity(entry, next((p for p in phases if p.phase == "inference"), None)),
        unrecognised_phases=unrecognised,
        line_items=int(sums["line_items"]),
    )


def _phase(key: str, sums: pd.Series, market: bool) -> PhaseEnergy:
    return PhaseEnergy(
        phase=key,
        energy_kwh=float(sums["energy_kwh"]),
        measured_kwh=float(sums["measured_kwh"]),
        estimated_kwh=float(sums["estimated_kwh"]),
        location_based_tco2e=float(sums["location_kg"]) / KG_PER_T,
        market_based_tco2e=float(sums["market_kg"]) / KG_PER_T if market else None,
        embodied_tco2e=float(sums["embodied_kg"]) / KG_PER_T,
        line_items=int(sums["line_items"]),
    )


def _intensity(entry: Any, inference: PhaseEnergy | None) -> Intensity | None:
    """gCO2e per functional unit of the inference phase, when the configuration gives the units."""
    if entry is None:
        return None
    kind = "inferences" if entry.inferences is not None else "tokens" if entry.tokens is not None else None
    if kind is None:
        return None
    label, size = UNITS[kind]
    units = float(getattr(entry, kind)) / size
    if inference is None:
        return Intensity(label, units, None, None)
    operational_g = inference.location_based_tco2e * KG_PER_T * 1000.0
    embodied_g = inference.embodied_tco2e * KG_PER_T * 1000.0
    return Intensity(label, units, operational_g / units, (operational_g + embodied_g) / units)


Hours = tuple[tuple[ComputeHours, ...], tuple[str, ...]]


def compute_hours_by(frame: pd.DataFrame, names: pd.Series, among: pd.Series) -> dict[str, Hours]:
    """Per model (`names`): hours per accelerator, run hours of tracker rows and instance hours of
    bill lines in hours; and the accelerators of the rows `among` marks (the training rows), most
    hours first. One grouping for every model."""
    keys = ["method", "cloud_provider", "instance_type", "hardware", "gpus", "consumed_unit"]
    rows: dict[str, dict[str, list[float]]] = {}  # model: accelerator: hours, device hours, without count, items
    marked: dict[str, dict[str, float]] = {}  # model: accelerator: hours of the marked rows
    parts = frame[[*keys, "record"]].assign(
        model=names, quantity=frame["consumed_quantity"] * frame["share"],
        seconds=frame["duration_s"] * frame["share"], marked=among.to_numpy(dtype=bool),
    ).groupby(["model", *keys, "marked"], dropna=False, sort=False)
    sums = parts[["quantity", "seconds"]].sum()
    sums["distinct"] = parts["record"].nunique()
    for values, quantity, seconds, distinct in zip(
        sums.index, sums["quantity"], sums["seconds"], sums["distinct"], strict=True
    ):
        model, method, provider, instance_type, hardware, gpus, unit, is_marked = (
            None if v != v else v for v in values
        )
        found = _hours(method, provider, instance_type, hardware, gpus, unit, quantity, seconds)
        if found is None:
            continue  # storage, network and other usage that is not compute time
        accelerator, count, hours = found
        row = rows.setdefault(str(model), {}).setdefault(accelerator, [0.0, 0.0, 0.0, 0.0])
        row[0] += hours
        if count is None:
            row[2] += hours
        else:
            row[1] += hours * count
        row[3] += distinct  # a line item's rows share its keys and phase: counted in one group
        if is_marked:
            hours_of = marked.setdefault(str(model), {})
            hours_of[accelerator] = hours_of.get(accelerator, 0.0) + hours
    return {model: _ranked(rows[model], marked.get(model, {})) for model in rows}


def _hours(method: Any, provider: Any, instance_type: Any, hardware: Any, gpus: Any, unit: Any,
           quantity: float, seconds: float) -> tuple[str, float | None, float] | None:
    """A group's accelerator, accelerator count and hours; None for bill usage not in hours."""
    if method == "estimated":
        scale = HOUR_UNITS.get(str(unit).strip().lower()) if unit is not None else None
        if scale is None:
            return None
        return (*_instance_accelerator(provider, instance_type), float(quantity) * scale)
    return (*_tracker_accelerator(hardware, gpus), float(seconds) / 3600.0)


def _ranked(rows: dict[str, list[float]], marked: dict[str, float]) -> Hours:
    return tuple(
        ComputeHours(name, hours, device if without < hours else None, without, int(items))
        for name, (hours, device, without, items) in sorted(rows.items(), key=lambda kv: (-kv[1][0], kv[0]))
    ), tuple(name for name, _ in sorted(marked.items(), key=lambda kv: (-kv[1], kv[0])))


def _instance_accelerator(provider: object, instance_type: object) -> tuple[str, float | None]:
    if instance_type is None:
        return NOT_RECORDED, None
    spec = coefficients.instance(str(provider or ""), str(instance_type))
    if spec is None:
        return NOT_RECORDED, None
    if not spec.accelerator:
        return CPU_ONLY, 0.0
    return spec.accelerator, spec.accelerators


def _tracker_accelerator(hardware: object, gpus: object) -> tuple[str, float | None]:
    text = str(hardware) if hardware is not None else ""
    name = coefficients.accelerator_from_text(text) if text else ""
    if not name:
        return (NOT_RECORDED, None) if not text else (CPU_ONLY, 0.0)
    if gpus is not None:
        return name, float(gpus)  # type: ignore[arg-type]
    counted = _COUNT.match(text)
    return name, float(counted.group(1)) if counted else None


def card(models: ModelsEnergy, tool: str) -> list[dict[str, Any]]:
    """The models as model-card data: energy in MWh, emissions in tCO2e, and the Hugging Face
    model-card `co2_eq_emissions` block (grams) for the training and fine-tuning phases."""
    return [_card_entry(row, tool) for row in models.models]


def _card_entry(row: ModelEnergy, tool: str) -> dict[str, Any]:
    phases = {
        phase.phase: {
            "energy_mwh": phase.energy_kwh / 1000.0,
            "measured_mwh": phase.measured_kwh / 1000.0,
            "estimated_mwh": phase.estimated_kwh / 1000.0,
            "location_based_tco2e": phase.location_based_tco2e,
            "market_based_tco2e": phase.market_based_tco2e,
            "embodied_tco2e": phase.embodied_tco2e,
            "line_items": phase.line_items,
        }
        for phase in row.phases
    }
    return {
        "name": row.name,
        "training_energy_mwh": row.phase_kwh("training") / 1000.0,
        "fine_tuning_energy_mwh": row.phase_kwh("fine_tuning") / 1000.0,
        "inference_energy_mwh": row.phase_kwh("inference") / 1000.0,
        "phase_not_given_energy_mwh": row.phase_kwh(NO_PHASE) / 1000.0,
        "energy_mwh": row.energy_kwh / 1000.0,
        "method": {"measured_share": row.measured_share, "estimated_share": row.estimated_share},
        "emissions": {
            "location_based_tco2e": row.location_based_tco2e,
            "market_based_tco2e": row.market_based_tco2e,
            "embodied_tco2e": row.embodied_tco2e,
        },
        "phases": phases,
        "compute_hours": [
            {
                "accelerator": c.accelerator,
                "hours": c.hours,
                "device_hours": c.device_hours,
                "hours_without_device_count": c.hours_without_device_count,
            }
            for c in row.compute
        ],
        "training_flops": row.training_flops,
        "intensity": None if row.intensity is None else {
            "functional_unit": row.intensity.functional_unit,
            "functional_units": row.intensity.functional_units,
            "operational_gco2e_per_unit": row.intensity.operational_gco2e_per_unit,
            "sci_gco2e_per_unit": row.intensity.sci_gco2e_per_unit,
        },
        "unrecognised_phases": list(row.unrecognised_phases),
        "line_items": row.line_items,
        "co2_eq_emissions": _co2_eq_emissions(row, tool),
    }


def _co2_eq_emissions(row: ModelEnergy, tool: str) -> dict[str, Any] | None:
    """The Hugging Face model-card metadata block for training and fine-tuning (None without either)."""
    trained = [p for p in row.phases if p.phase in ("training", "fine_tuning")]
    if not trained:
        return None
    kinds = {"training": "pre-training", "fine_tuning": "fine-tuning"}
    return {
        "emissions": sum(p.location_based_tco2e for p in trained) * KG_PER_T * 1000.0,
        "source": f"{tool}: location-based, from energy-tracker logs and cloud bills",  # no version: stable
        "training_type": " and ".join(kinds[p.phase] for p in trained),
        "geographical_location": ", ".join(row.locations) or None,
        "hardware_used": ", ".join(row.training_hardware) or None,
    }

