"""Energy stage: undo each tracker's PUE, then apply one PUE policy.

IT energy = reported energy / the PUE the tracker applied. A facility PUE from the configuration
replaces every tracker's; without one, each tracker's own PUE stands. Pure: frames in, frame out.
"""

from __future__ import annotations

import pandas as pd

PUE_BASIS_FACILITY = "facility (configuration)"
PUE_BASIS_TRACKER = "tracker's own"
PUE_BASIS_ASSUMED = "tracker's default, assumed (not recorded)"


def apply_pue(readings: pd.DataFrame, facility_pue: float | None) -> pd.DataFrame:
    """Add energy_it_kwh, pue, pue_basis and energy_kwh (facility energy, used in totals)."""
    frame = readings.copy()
    frame["energy_it_kwh"] = frame["energy_reported_kwh"] / frame["tracker_pue"]
    if facility_pue is None:
        frame["pue"] = frame["tracker_pue"].astype("float64")
        assumed = frame["flags"].str.contains("pue_assumed_default", regex=False)
        frame["pue_basis"] = [PUE_BASIS_ASSUMED if a else PUE_BASIS_TRACKER for a in assumed]
    else:
        frame["pue"] = float(facility_pue)
        frame["pue_basis"] = PUE_BASIS_FACILITY
    frame["energy_kwh"] = frame["energy_it_kwh"] * frame["pue"]
    return frame
