"""Overlap stage: energy measured twice on one host counts once.

Several sources can measure the same machine over the same hours: one CodeCarbon file per GPU rank
on one node (each in `machine` mode, holding the whole node's energy), a tracker beside a power
log or an energy-counter scrape of the same host, nested measurement windows. Summing them counts
the energy twice. Rule, per host (the `host` column; readings without a host are not compared):

    rank: metered (power log, hardware energy counter) > measured (tracker) > estimated
    order: rank, then Kepler's view (the finer first, in the order a file's views are chosen),
        then start time, then file and row (the earlier one is kept)
    two readings meet when their hours overlap and what they cover meets:
        the whole host (gpu empty) meets everything on the host;
        GPU sets meet when they share a GPU; a container meets its own series and any GPU;
        Kepler counters of different views of the host (containers, pods, processes, VMs, the
        node: reporter.sources.trackers.counters_views) meet, as each view holds the host's
        workloads' energy again (a file reads one view per host; two files can hold two)
        (a GPU is one GPU by its index or its UUID: a DCGM series names both, so on its host a
        power log naming GPU-… UUIDs and one naming indices are compared GPU by GPU)
    a reading's hours met by readings kept before it are set aside:
        set-aside energy = reported energy x (overlapping seconds / the reading's seconds)
        (the reading's energy is taken as spread evenly over its hours)

A reading whose hours are wholly met is excluded (kind `overlap`, counted in its file's ledger,
with the kWh set aside and the source kept); one partly met keeps the rest of its energy, is
flagged `overlap_set_aside` and its file's ledger notes the kWh set aside. Only what a reading
keeps can set aside a later one. A kept power log may cover the GPUs alone (flag
`gpu_power_only`): the tracker's CPU and memory energy of the same hours is then set aside with
the rest, a stated under-count rather than a double count. Pure: frame in, frame out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from reporter.records import ExclusionGroup, ExclusionKind, Method, join_flag_columns
from reporter.sources.trackers.counters_views import VIEWS, view_of_run

RANK = {Method.METERED.value: 0, Method.MEASURED.value: 1, Method.ESTIMATED.value: 2}
RANK_NAME = {0: "metered", 1: "tracker-measured", 2: "estimated"}
CONTAINER_FORMATS = ("prometheus_energy",)  # readings with no GPU are one container's series
FLAG = "overlap_set_aside"
WHOLE = 1.0 - 1e-9  # a share of the hours at or above this is the whole reading

Interval = tuple[float, float]
Aliases = dict[str, dict[str, str]]  # per host: a GPU's UUID (lower case) -> its index


@dataclass
class OverlapResult:
    groups: dict[str, list[ExclusionGroup]] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Kept:
    index: object
    unit: tuple[str, object]
    intervals: list[Interval]
    label: str


def gpu_aliases(ends: pd.DataFrame | None) -> Aliases:
    """Per host, the UUID -> index pairs the DCGM series name (reporter.sources.trackers.counters)."""
    aliases: Aliases = {}
    if ends is None or ends.empty:
        return aliases
    named = ends[ends["host"].notna() & ends["gpu"].notna() & ends["gpu_uuid"].notna()]
    for host, gpu, uuid in zip(named["host"], named["gpu"], named["gpu_uuid"], strict=True):
        if str(gpu) != str(uuid):
            aliases.setdefault(str(host), {})[str(uuid).strip().lower()] = str(gpu).strip()
    return aliases


def set_aside_overlaps(readings: pd.DataFrame, aliases: Aliases | None = None) -> tuple[pd.DataFrame, OverlapResult]:
    """The readings with overlapping energy set aside, and the ledger entries saying so."""
    result = OverlapResult()
    if readings.empty or "host" not in readings.columns:
        return readings, result
    _hostless_notes(readings, result)
    candidates = readings[
        readings["host"].notna()
        & readings["method"].isin(list(RANK))
        & readings["start_time"].notna()
        & (readings["duration_s"] > 0)
    ]
    if candidates["host"].duplicated().sum() == 0:
        return readings, result
    frame = readings.copy(deep=False)
    shares: dict[object, float] = {}
    for host, group in candidates.groupby("host", sort=True):
        shares.update(_host_shares(group, result, (aliases or {}).get(str(host), {})))
    drop = [index for index, share in shares.items() if share >= WHOLE]
    partial = {index: share for index, share in shares.items() if 0 < share < WHOLE}
    if partial:
        keep = pd.Series(1.0, index=frame.index)
        keep[list(partial)] = [1.0 - share for share in partial.values()]
        frame["energy_reported_kwh"] = frame["energy_reported_kwh"] * keep
        frame["tracker_co2e_kg"] = frame["tracker_co2e_kg"] * keep
        flagged = pd.Series("", index=frame.index, dtype=object)
        flagged[list(partial)] = FLAG
        frame["flags"] = join_flag_columns(frame["flags"], flagged)
    return frame.drop(index=drop), result


def _hostless_notes(readings: pd.DataFrame, result: OverlapResult) -> None:
    """Where measurements come from several files, the readings that name no host are noted once, in
    the first such file's ledger (one file: its own note): they cannot be compared with the others."""
    measured = readings[readings["method"].isin([Method.METERED.value, Method.MEASURED.value])]
    if measured["source_file"].nunique() < 2:
        return
    hostless = measured[measured["host"].isna()]
    if hostless.empty:
        return
    files = sorted(hostless["source_file"].astype(str).unique())
    kwh = f"{hostless['energy_reported_kwh'].sum():.6g}"
    if len(files) == 1:
        note = (
            f"{len(hostless)} reading(s) ({kwh} kWh reported) name no host (the file gives none: set the "
            "input's `host` option): they are not checked for overlap with the other measurements"
        )
    else:
        note = (
            f"{len(hostless)} reading(s) ({kwh} kWh reported) in {len(files)} files, this one and "
            f"{len(files) - 1} more, name no host (the files give none: set each input's `host` option): "
            "they are not checked for overlap with the other measurements"
        )
    result.notes.setdefault(files[0], []).append(note)


def _host_shares(group: pd.DataFrame, result: OverlapResult, aliases: dict[str, str]) -> dict[object, float]:
    """The share of each reading's hours set aside, in the order of the rule; fills the ledger entries."""
    views = pd.Series(list(map(_view, group["source_format"], group["run_id"])), index=group.index, dtype=object)
    ordered = group.assign(
        rank_order=group["method"].map(RANK),
        kepler_view=views,  # worked out once per reading, for the order and for `_unit`
        view_order=[VIEWS.index(view) if view else 0 for view in views],
    ).sort_values(["rank_order", "view_order", "start_time", "source_file", "source_row"], kind="stable")
    kept: list[_Kept] = []
    shares: dict[object, float] = {}
    for row in ordered.itertuples():
        span = (_seconds(row.start_time), _seconds(row.start_time) + float(row.duration_s))
        unit = _unit(row, aliases)
        met: list[Interval] = []
        sources: list[str] = []
        for other in kept:
            if not _meets(unit, other.unit):
                continue
            hits = [(max(a, span[0]), min(b, span[1])) for a, b in other.intervals if a < span[1] and b > span[0]]
            if hits:
                met.extend(hits)
                sources.append(other.label)
        covered = _union(met)
        overlap_s = sum(b - a for a, b in covered)
        share = min(1.0, overlap_s / (span[1] - span[0]))
        label = f"{row.source_format} {row.source_file} row {row.source_row}"
        if share > 0:
            shares[row.Index] = share
            _enter(result, row, share, overlap_s, sources)
        if share < WHOLE:
            kept.append(_Kept(row.Index, unit, _minus(span, covered), label))
    return shares


def _enter(result: OverlapResult, row: object, share: float, overlap_s: float, sources: list[str]) -> None:
    reported = float(row.energy_reported_kwh)  # type: ignore[attr-defined]
    aside = reported * min(share, 1.0)
    rank = RANK_NAME[int(row.rank_order)]  # type: ignore[attr-defined]
    shown = "; ".join(sources[:3]) + (f"; and {len(sources) - 3} more" if len(sources) > 3 else "")
    path = str(row.source_file)  # type: ignore[attr-defined]
    if share >= WHOLE:
        reason = (
            f"overlap: the same host and hours are measured by a source kept first ({shown}); "
            f"this {rank} reading's {aside:.6g} kWh is set aside so it counts once "
            f"(host {row.host}, run {row.run_id})"  # type: ignore[attr-defined]
        )
        rows = int(row.row_count)  # type: ignore[attr-defined]
        group = ExclusionGroup(reason, rows, (int(row.source_row),), ExclusionKind.OVERLAP.value)  # type: ignore[attr-defined]
        result.groups.setdefault(path, []).append(group)
        return
    note = (
        f"overlap: row {row.source_row} (run {row.run_id}, host {row.host}): "  # type: ignore[attr-defined]
        f"{aside:.6g} kWh of {reported:.6g} kWh set aside ({overlap_s:,.0f} s of "
        f"{float(row.duration_s):,.0f} s also measured by {shown}); flagged {FLAG}"  # type: ignore[attr-defined]
    )
    result.notes.setdefault(path, []).append(note)


def _unit(row: object, aliases: dict[str, str]) -> tuple[str, object]:
    gpu = getattr(row, "gpu", None)
    if isinstance(gpu, str) and gpu:
        parts = (part.strip() for part in gpu.split(","))
        return "gpu", frozenset(aliases.get(part.lower(), part) for part in parts)
    if getattr(row, "source_format", None) in CONTAINER_FORMATS:
        return "container", (getattr(row, "kepler_view", None), getattr(row, "run_id", None))
    return "host", None


def _view(source_format: object, run_id: object) -> str | None:
    """The Kepler view of a counter reading (None for other readings)."""
    return view_of_run(str(run_id)) if source_format in CONTAINER_FORMATS else None


def _meets(a: tuple[str, object], b: tuple[str, object]) -> bool:
    if a[0] == "host" or b[0] == "host":
        return True
    if a[0] == b[0] == "gpu":
        return bool(a[1] & b[1])  # type: ignore[operator]
    if a[0] == b[0] == "container":  # (view, run id): one series, or two views of the host
        series_a: tuple[object, object] = a[1]  # type: ignore[assignment]
        series_b: tuple[object, object] = b[1]  # type: ignore[assignment]
        return series_a[1] == series_b[1] or series_a[0] != series_b[0]
    return True  # a container's energy includes the GPUs it used


def _seconds(moment: datetime | pd.Timestamp) -> float:
    return (pd.Timestamp(moment) - pd.Timestamp(0)).total_seconds()


def _union(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def _minus(span: Interval, covered: list[Interval]) -> list[Interval]:
    """`span` without the (merged, sorted) `covered` intervals."""
    pieces: list[Interval] = []
    start = span[0]
    for a, b in covered:
        if a > start:
            pieces.append((start, min(a, span[1])))
        start = max(start, b)
    if start < span[1]:
        pieces.append((start, span[1]))
    return pieces
