"""The Model energy sheet: per AI model and phase, energy and emissions; compute hours by
accelerator; training FLOPs and the SCI-style inference intensity (see reporter.report.models_energy).

Three tables one below the other, each under its title: phases (filtered), compute hours, and the
model figures. Energy is in kWh and MWh (the AI Act's unit), emissions in tCO2e, intensities in
gCO2e per functional unit. Titles and notes follow the report's language (Sheet.tr); column keys stay as in the
JSON."""

from __future__ import annotations

from typing import Any

from reporter.i18n import N_
from reporter.render.excel.cells import COUNT, FRACTION, KWH, MWH, QUANTITY, SHARE, TCO2E, Column, Sheet
from reporter.report import Report

PHASE_COLUMNS = [
    Column("model"), Column("phase"), Column("energy_kwh", KWH), Column("energy_mwh", MWH),
    Column("measured_kwh", KWH), Column("estimated_kwh", KWH), Column("location_based_tco2e", TCO2E),
    Column("market_based_tco2e", TCO2E), Column("embodied_tco2e", TCO2E), Column("line_items", COUNT),
]
COMPUTE_COLUMNS = [
    Column("model"), Column("accelerator"), Column("hours", QUANTITY), Column("device_hours", QUANTITY),
    Column("hours_without_device_count", QUANTITY), Column("line_items", COUNT),
]
FIGURE_COLUMNS = [
    Column("model"), Column("energy_mwh", MWH), Column("measured_share", SHARE), Column("estimated_share", SHARE),
    Column("training_flops", QUANTITY), Column("functional_unit"), Column("functional_units", QUANTITY),
    Column("operational_gco2e_per_unit", FRACTION), Column("sci_gco2e_per_unit", FRACTION),
    Column("locations"), Column("unrecognised_phases"),
]
NOTES = [
    N_(
        "phase: training, fine_tuning, inference, or not_given (no phase tag, input option or [[models]] "
        "phase; unrecognised phase values are counted there too)."
    ),
    N_("measured_kwh: measured by energy trackers or metered by power logs; estimated_kwh: from cloud bills."),
    N_(
        "hours: run hours of tracker runs and instance hours of billed machines; device_hours: hours x the "
        "number of accelerators where it is known."
    ),
    N_(
        "sci_gco2e_per_unit: the inference phase's location-based plus embodied emissions per functional "
        "unit (Software Carbon Intensity); operational_gco2e_per_unit leaves out the embodied part."
    ),
]


def model_energy(sheet: Sheet, report: Report) -> None:
    models = report.models.models
    phases = [_phase_row(model.name, phase) for model in models for phase in model.phases]
    sheet.header(PHASE_COLUMNS)
    row = sheet.rows_at(2, PHASE_COLUMNS, phases)
    table_end = row - 1
    sheet.title(row + 1, N_("Compute hours by accelerator"))
    sheet.header(COMPUTE_COLUMNS, row + 2)
    compute = [{"model": model.name, **vars(c)} for model in models for c in model.compute]
    row = sheet.rows_at(row + 3, COMPUTE_COLUMNS, compute)
    sheet.title(row + 1, N_("Model figures"))
    sheet.header(FIGURE_COLUMNS, row + 2)
    sheet.rows_at(row + 3, FIGURE_COLUMNS, [_figure_row(model) for model in models])
    sheet.finish(filter_range=(table_end, len(PHASE_COLUMNS)))
    empty = N_("No line item names a model: there is no model energy to show.") if not models else None
    sheet.notes(NOTES, empty=empty)


def _phase_row(name: str, phase: Any) -> dict[str, Any]:
    return {**vars(phase), "model": name, "energy_mwh": phase.energy_kwh / 1000.0}


def _figure_row(model: Any) -> dict[str, Any]:
    intensity = model.intensity
    return {
        "model": model.name,
        "energy_mwh": model.energy_kwh / 1000.0,
        "measured_share": model.measured_share,
        "estimated_share": model.estimated_share,
        "training_flops": model.training_flops,
        "functional_unit": intensity.functional_unit if intensity else None,
        "functional_units": intensity.functional_units if intensity else None,
        "operational_gco2e_per_unit": intensity.operational_gco2e_per_unit if intensity else None,
        "sci_gco2e_per_unit": intensity.sci_gco2e_per_unit if intensity else None,
        "locations": ", ".join(model.locations) or None,
        "unrecognised_phases": ", ".join(model.unrecognised_phases) or None,
    }
