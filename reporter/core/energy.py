"""Energy stage: measured energy from trackers, estimated energy from bills — never both.

Trackers: IT energy = reported energy / the PUE the tracker applied. A facility PUE from the
configuration replaces every tracker's; without one, each tracker's own PUE stands.
Bills: the cloud energy model (`reporter.cloud`) estimates IT energy, a low–high range, the
provider's PUE and embodied emissions (kept apart from energy); a manual-entry workbook's
Compute usage rows through `reporter.workbook.compute`, with the same tables. Pure: frames in,
frame out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reporter.records import Method, join_flag_columns

MANUAL_FORMAT = "workbook"  # reporter.workbook.reader.FORMAT
PUE_BASIS_FACILITY = "facility (configuration)"
PUE_BASIS_TRACKER = "tracker's own"
PUE_BASIS_ASSUMED = "tracker's default, assumed (not recorded)"
# Electricity meters of a manual-entry workbook, told apart by their usage type (reporter.workbook.reader).
USAGE_IT_METER = "electricity, IT-only meter"
USAGE_WHOLE_SITE_METER = "electricity, whole-site meter"
PUE_BASIS_IT_METER = "the site's PUE, given with the IT-only meter"
PUE_BASIS_WHOLE_SITE_METER = "whole-site meter: the overhead is in the reading (PUE 1)"


def apply_pue(readings: pd.DataFrame, facility_pue: float | None) -> pd.DataFrame:
    """Add energy_it_kwh, pue, pue_basis and energy_kwh (facility energy, used in totals)."""
    frame = readings.copy(deep=False)
    frame["energy_it_kwh"] = frame["energy_reported_kwh"] / frame["tracker_pue"]
    if facility_pue is None:
        frame["pue"] = frame["tracker_pue"].astype("float64")
        assumed = frame["flags"].str.contains("pue_assumed_default", regex=False).to_numpy(dtype=bool)
        meter = frame["usage_type"].to_numpy(dtype=object) if "usage_type" in frame else np.full(len(frame), None)
        frame["pue_basis"] = np.select(
            [meter == USAGE_IT_METER, meter == USAGE_WHOLE_SITE_METER, assumed],
            [PUE_BASIS_IT_METER, PUE_BASIS_WHOLE_SITE_METER, PUE_BASIS_ASSUMED],
            PUE_BASIS_TRACKER,
        ).astype(object)
    else:
        frame["pue"] = float(facility_pue)
        frame["pue_basis"] = PUE_BASIS_FACILITY
    frame["energy_kwh"] = frame["energy_it_kwh"] * frame["pue"]
    return frame


def estimate_energy(readings: pd.DataFrame, facility_pue: float | None, energy_model: str) -> pd.DataFrame:
    """Measured rows through the PUE policy, estimated (billed) rows through the cloud model."""
    measured = readings[readings["method"] != Method.ESTIMATED.value]
    billed = readings[readings["method"] == Method.ESTIMATED.value]
    parts = []
    if not measured.empty or billed.empty:
        tracked = apply_pue(measured, facility_pue)
        tracked["energy_kwh_low"] = tracked["energy_kwh"]
        tracked["energy_kwh_high"] = tracked["energy_kwh"]
        tracked["embodied_co2e_kg"] = 0.0
        tracked["usage_category"] = "measured"
        tracked["estimate_basis"] = None
        parts.append(tracked)
    manual = np.zeros(len(billed), dtype=bool)
    if "source_format" in billed:
        manual = (billed["source_format"] == MANUAL_FORMAT).to_numpy(dtype=bool)
    if manual.any():  # a manual-entry workbook's Compute usage rows: not bill lines
        from reporter.workbook.compute import estimate_compute

        parts.append(estimate_compute(billed[manual]))
        billed = billed[~manual]
    if not billed.empty:
        from reporter.cloud.estimate import estimate_usage

        estimated = estimate_usage(billed, mode=energy_model)
        estimated["pue_basis"] = f"cloud provider ({energy_model} model)"
        estimated["flags"] = join_flag_columns(estimated["flags"], estimated["model_flags"])
        parts.append(estimated)
    frame = pd.concat(parts) if len(parts) > 1 else parts[0]
    return frame.loc[readings.index]
