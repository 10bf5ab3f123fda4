"""Counter join stage: scrapes of one energy counter saved in several files are one counter.

A DCGM or Kepler series (same run id and host: metric, host and GPU, or labels) may be saved in consecutive
files, e.g. one range query per day. Each file's reading holds the increases between its own samples;
the increase from one file's last sample to the next file's first is in neither. Rule, per series
with a known host, over the files holding it, in order of their first sample:

    a file whose first sample comes after the latest sample seen so far continues the counter:
        boundary increase = its first value - that latest value
                            (lower: a counter reset, the first value is the energy since it)
        its reading gains the boundary increase, and starts at that latest sample
        (a file holding a single sample of the series, excluded by its reader, becomes a reading
        of the boundary alone)
    a file whose samples begin before that latest sample overlaps the files before it: it is not
    joined (the overlap stage counts the common hours once), and its ledger says so

so each increase is counted once, in the file holding the later sample. Each join is noted in
that file's ledger. Pure: frames in, frame out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reporter.records import READING_COLUMNS, join_flags
from reporter.units import J_PER_KWH


@dataclass
class JoinResult:
    notes: dict[str, list[str]] = field(default_factory=dict)
    restored: dict[str, set[int]] = field(default_factory=dict)  # rows whose exclusion a join withdraws


@dataclass(frozen=True)
class _Boundary:
    joules: float
    gap_s: float
    reset: bool
    before: str  # where the counter's previous sample is


def join_counter_files(readings: pd.DataFrame, ends: pd.DataFrame | None) -> tuple[pd.DataFrame, JoinResult]:
    """The readings with each series' increases across file boundaries counted once."""
    result = JoinResult()
    if ends is None or ends.empty:
        return readings, result
    ends = ends[ends["host"].notna()]
    ends = ends.assign(series=ends["run_id"].astype(str) + "@" + ends["host"].astype(str))
    files = ends.groupby("series")["source_file"].nunique()
    shared = ends[ends["series"].isin(files[files > 1].index)]
    if shared.empty:
        return readings, result
    frame = readings.copy()
    added: list[pd.DataFrame] = []
    for _, group in shared.groupby("series", sort=True):
        run_id = group["run_id"].iloc[0]
        latest = None
        for index, segment in group.sort_values(["first_s", "last_s"], kind="stable").iterrows():
            if latest is not None and segment["source_file"] != latest["source_file"]:
                if segment["first_s"] > latest["last_s"]:
                    boundary = _boundary(latest, segment)
                    added.extend(_join(frame, ends.loc[[index]], segment, boundary, result))
                else:
                    _note(
                        result,
                        segment,
                        f"counter {run_id}: its samples begin before the last sample of "
                        f"{latest['source_file']} (row {int(latest['last_row'])}), so the files overlap and are "
                        "not joined; the overlap stage counts their common hours once",
                    )
            if latest is None or segment["last_s"] > latest["last_s"]:
                latest = segment
    return (pd.concat([frame, *added], ignore_index=True) if added else frame), result


def _boundary(before: pd.Series, after: pd.Series) -> _Boundary:
    rise = float(after["first_value"]) - float(before["last_value"])
    reset = rise < 0
    units = float(after["first_value"]) if reset else rise
    return _Boundary(
        units * float(after["joules_per_unit"]),
        float(after["first_s"]) - float(before["last_s"]),
        reset,
        f"{before['source_file']} row {int(before['last_row'])}",
    )


def _join(
    frame: pd.DataFrame, end: pd.DataFrame, segment: pd.Series, boundary: _Boundary, result: JoinResult
) -> list[pd.DataFrame]:
    """Add the boundary to the segment's reading (in place), or make it a reading of its own."""
    kwh = boundary.joules / J_PER_KWH
    shift = pd.Timedelta(seconds=boundary.gap_s)
    said = (
        f"counter {segment['run_id']} continues from {boundary.before}: the increase across the files, "
        f"{kwh:.6g} kWh over {boundary.gap_s:,.0f} s, is counted here once"
        + (" (a counter reset between them: flagged counter_reset)" if boundary.reset else "")
    )
    if segment["used"]:
        match = (
            (frame["source_file"] == segment["source_file"])
            & (frame["source_row"] == segment["source_row"])
            & (frame["run_id"] == segment["run_id"])
        )
        frame.loc[match, "energy_reported_kwh"] += kwh
        frame.loc[match, "start_time"] -= shift
        frame.loc[match, "duration_s"] += boundary.gap_s
        if boundary.reset:
            frame.loc[match, "flags"] = [join_flags(flags, "counter_reset") for flags in frame.loc[match, "flags"]]
        _note(result, segment, said)
        return []
    reading = end[list(READING_COLUMNS)].copy()
    reading["energy_reported_kwh"] = kwh
    reading["start_time"] = reading["end_time"] - shift
    reading["duration_s"] = boundary.gap_s
    if boundary.reset:
        reading["flags"] = [join_flags(flags, "counter_reset") for flags in reading["flags"]]
    result.restored.setdefault(str(segment["source_file"]), set()).add(int(segment["source_row"]))
    _note(result, segment, said + f"; its single sample (row {segment['source_row']}) is used for it")
    return [reading]


def _note(result: JoinResult, segment: pd.Series, text: str) -> None:
    result.notes.setdefault(str(segment["source_file"]), []).append(text)
