"""Energy model for billed cloud usage (AWS, Google Cloud, Azure bill lines).

`estimate_usage(frame, mode)` adds energy (low / central / high, IT and incl. PUE), embodied
emissions and an audit-trail basis to each bill line. `mode="ccf"` reproduces Cloud Carbon
Footprint; `mode="default"` is our corrected method. See METHOD.md in this folder.
"""

from reporter.cloud.coefficients import ccf_grid_factor
from reporter.cloud.estimate import CCF_COLUMN, INPUT_COLUMNS, MODES, OUTPUT_COLUMNS, estimate_usage

__all__ = ["CCF_COLUMN", "INPUT_COLUMNS", "MODES", "OUTPUT_COLUMNS", "ccf_grid_factor", "estimate_usage"]
