"""The PDF's model-energy section and the report's section numbers (see reporter.render.pdf)."""

from __future__ import annotations

from typing import Any

from reporter.report import Report
from reporter.report.models_energy import NO_PHASE, PHASES

# The PDF's sections in order; "models" only when the report has a model.
SECTIONS = (
    "summary", "targets", "credits", "history", "breakdowns", "models", "pue",
    "methodology", "factors", "quality", "inputs", "exclusions", "datapoints",
)
PHASE_LABELS = {
    "training": "Training", "fine_tuning": "Fine-tuning", "inference": "Inference", NO_PHASE: "Phase not given",
}


def section_numbers(report: Report) -> dict[str, int]:
    """Each section's number; the model-energy section is left out (not numbered) without models."""
    shown = [name for name in SECTIONS if name != "models" or report.models.models]
    return {name: number for number, name in enumerate(shown, start=1)}


def models_view(report: Report) -> dict[str, Any]:
    """The models with each phase's energy (0 when it has none) for the overview table."""
    rows: list[dict[str, Any]] = []
    for model in report.models.models:
        phases = {key: model.phase_kwh(key) for key in (*PHASES, NO_PHASE)}
        rows.append({"model": model, "phase_kwh": phases})
    return {
        "rows": rows,
        "has_no_phase": any(model.phase_kwh(NO_PHASE) for model in report.models.models),
        "has_market": any(m.market_based_tco2e is not None for m in report.models.models),
        "phase_labels": PHASE_LABELS,
        "without_model_kwh": report.models.without_model_kwh,
        "without_model_items": report.models.without_model_items,
        "configured_not_seen": report.models.configured_not_seen,
    }
