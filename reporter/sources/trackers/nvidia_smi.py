"""GPU power logs written by `nvidia-smi --query-gpu=index,timestamp,power.draw,… --format=csv -l N`.

Each line is one GPU's power sample (`power.draw [W]`, "208.36 W", or a bare number with
`nounits`) at a naive local `timestamp` (`YYYY/MM/DD HH:MM:SS.mmm`). Energy is the integral of
power over time, per GPU (`index`, else `uuid`, else `pci.bus_id`): the trapezoid between
consecutive samples, except across a gap longer than `max(GAP_MIN_S, GAP_FACTOR x the GPU's median
interval)`, which is not bridged (the reading is flagged `power_log_gap` and a note gives the
time left out). One reading per GPU, day and unbroken stretch of samples, its row count the
samples it holds; an interval belongs to the day of the sample that starts it.

The log measures the GPU boards alone: no CPU, memory or facility overhead (flag
`gpu_power_only`; a facility PUE in the configuration applies to it). Samples whose power is
missing (`[N/A]`, `[Not Supported]`), not a number, negative, above MAX_GPU_W, or whose timestamp
cannot be read are excluded, grouped by reason.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from reporter.errors import InputFormatError
from reporter.records import EXAMPLE_ROWS, ExclusionGroup, Method, frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.units import J_PER_KWH

TIME_FORMAT = "%Y/%m/%d %H:%M:%S.%f"
GPU_KEYS = ("index", "uuid", "pci.bus_id")
POWER = re.compile(r"^power\.draw(\.average|\.instant)?( \[W\])?$")
GAP_MIN_S = 60.0
GAP_FACTOR = 5.0
MAX_GPU_W = 2000.0  # above any single accelerator's board power: a corrupt sample


class NvidiaSmiReader:
    name: ClassVar[str] = "nvidia_smi"
    label: ClassVar[str] = "nvidia-smi GPU power log (CSV)"

    def sniff(self, source: InputFile) -> float:
        header = split_header(source.first_line)
        if "timestamp" not in header or not any(POWER.match(cell) for cell in header):
            return 0.0
        return 1.0 if any(key in header for key in GPU_KEYS) else 0.7

    def read(self, source: InputFile) -> ReadResult:
        path = source.path
        try:
            frame = pd.read_csv(path, dtype=str, skipinitialspace=True, keep_default_na=False)
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise InputFormatError(f"cannot read the power log ({exc})", path) from None
        frame.columns = [str(c).strip() for c in frame.columns]
        power_column = next((c for c in frame.columns if POWER.match(c)), None)
        gpu_column = next((c for c in GPU_KEYS if c in frame.columns), None)
        if power_column is None or "timestamp" not in frame.columns:
            missing = "timestamp" if "timestamp" not in frame.columns else "power.draw [W]"
            raise InputFormatError(f"required column '{missing}' is missing from the header", path, 1, missing)
        if gpu_column is None:
            raise InputFormatError(
                "the log names no GPU (query index or uuid with the power): samples of several GPUs "
                "cannot be told apart",
                path,
                1,
            )
        samples, groups = _samples(frame, power_column, gpu_column)
        readings, gap_s = _integrate(samples)
        rows = [_reading(row, source, gpu_column) for row in readings.itertuples()]
        notes = [
            "power sampled by nvidia-smi on the GPU boards only (no CPU, memory or facility overhead); "
            "energy is the time integral of the samples per GPU"
        ]
        if gap_s > 0:
            notes.append(f"{gap_s:,.0f} s of gaps between samples were not bridged (readings flagged power_log_gap)")
        return ReadResult(frame_from_rows(rows), rows_read=len(frame), notes=notes, exclusion_groups=groups)


def _samples(frame: pd.DataFrame, power_column: str, gpu_column: str) -> tuple[pd.DataFrame, list[ExclusionGroup]]:
    """The usable samples (row, gpu, time, watts, name) and the others grouped by reason."""
    rows = pd.Series(np.arange(2, len(frame) + 2), index=frame.index)
    text = frame[power_column].str.strip().str.removesuffix(" W").str.strip()
    watts = pd.to_numeric(text, errors="coerce")
    stamps = frame["timestamp"].str.strip()
    times = pd.to_datetime(stamps, format=TIME_FORMAT, errors="coerce")
    # A log opened and saved in Excel: its times come back from the sheet as ISO dates and times.
    iso = stamps.where(times.isna() & stamps.str.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?"))
    times = times.fillna(pd.to_datetime(iso, format="ISO8601", errors="coerce"))
    bracketed = text.str.startswith("[")
    reasons = {
        f"column '{power_column}': no reading ([N/A] or [Not Supported])": bracketed,
        f"column '{power_column}': not a number": watts.isna() & ~bracketed,
        f"column '{power_column}': negative power": watts < 0,
        f"column '{power_column}': above {MAX_GPU_W:,.0f} W, not plausible for one GPU": watts > MAX_GPU_W,
        "column 'timestamp': not a timestamp (YYYY/MM/DD HH:MM:SS.mmm)": times.isna(),
    }
    bad = pd.Series(False, index=frame.index)
    groups = []
    for reason, mask in reasons.items():
        mask = mask & ~bad
        if mask.any():
            examples = tuple(int(r) for r in rows[mask].iloc[:EXAMPLE_ROWS])
            groups.append(ExclusionGroup(reason, int(mask.sum()), examples))
        bad |= mask
    good = ~bad
    name = frame["name"].str.strip() if "name" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    samples = pd.DataFrame(
        {"row": rows[good], "gpu": frame.loc[good, gpu_column].str.strip(), "time": times[good],
         "watts": watts[good], "name": name[good]}
    )
    return samples.sort_values(["gpu", "time", "row"], kind="stable").reset_index(drop=True), groups


def _integrate(samples: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """One row per GPU, day and unbroken stretch: first/last time, first row, samples, energy."""
    if samples.empty:
        return samples.assign(start=[], end=[], energy_kwh=[], samples=[], gap=[], gpu_name=[]), 0.0
    same_gpu = samples["gpu"].eq(samples["gpu"].shift(-1))
    step_s = (samples["time"].shift(-1) - samples["time"]).dt.total_seconds().where(same_gpu)
    median = step_s.groupby(samples["gpu"]).transform("median")
    limit = np.maximum(GAP_MIN_S, GAP_FACTOR * median.fillna(0.0))
    bridged = step_s.notna() & (step_s <= limit)
    gap = step_s.notna() & ~bridged
    energy_j = (samples["watts"] + samples["watts"].shift(-1)) / 2 * step_s
    samples = samples.assign(energy_kwh=np.where(bridged, energy_j, 0.0) / J_PER_KWH, gap=gap)
    day = samples["time"].dt.floor("D")
    broken = samples["gpu"].ne(samples["gpu"].shift()) | gap.shift(fill_value=False) | day.ne(day.shift())
    stretch = broken.cumsum()
    ends = samples["time"] + pd.to_timedelta(np.where(bridged, step_s, 0.0), unit="s")
    grouped = samples.assign(stretch=stretch, end=ends).groupby("stretch", sort=True)
    readings = grouped.agg(
        gpu=("gpu", "first"), gpu_name=("name", "first"), row=("row", "min"), start=("time", "first"),
        end=("end", "max"), energy_kwh=("energy_kwh", "sum"), samples=("row", "size"), gap=("gap", "any"),
    )
    return readings.reset_index(drop=True), float(step_s[gap].sum())


def _reading(row: Any, source: InputFile, gpu_column: str) -> dict[str, object]:
    flags = ["gpu_power_only", "power_log_gap" if row.gap else ""]
    return {
        "source_format": NvidiaSmiReader.name,
        "source_file": str(source.path),
        "source_sha256": source.sha256,
        "source_row": int(row.row),
        "method": Method.METERED.value,
        "run_id": f"{source.path.stem}:{gpu_column}={row.gpu}:{row.start:%Y-%m-%dT%H:%M:%S}",
        "start_time": row.start.to_pydatetime(),
        "end_time": row.end.to_pydatetime(),
        "duration_s": (row.end - row.start).total_seconds(),
        "hardware": row.gpu_name or None,
        "host": source.options.get("host"),
        "gpu": str(row.gpu),
        "energy_reported_kwh": float(row.energy_kwh),
        "tracker_pue": 1.0,
        "row_count": int(row.samples),
        "flags": ";".join(flag for flag in flags if flag),
    }
