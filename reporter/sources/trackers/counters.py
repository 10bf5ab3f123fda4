"""Energy counters of DCGM exporter and Kepler: which series are read, and their energy.

Shared by the Prometheus text and range-query JSON shapes (reporter.sources.trackers.prometheus_energy
and .prometheus_json): both parse their samples into `Series`, and this module turns the series into
readings.

Counters read (everything else is counted and excluded, grouped by metric):
- `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`: a GPU's energy in millijoules since its driver was loaded
  (DCGM field 156). One series per host (`Hostname` label, else `instance`, else the input's
  `host` option) and GPU (`gpu` label, else `UUID`); the pod labels DCGM attaches change with the
  workload and do not split a series. Metered (the GPU's own counter), GPU boards only (flag
  `gpu_power_only`).
- Kepler's counters, in joules, as Kepler attributes the node's counters to its workloads (measured:
  software attribution). Host from `node_name`, else `instance`, else the input's `host` option.
  Each host is read from one view only, the first of containers, pods, processes, VMs and the node
  that the file holds for it; its other views are excluded with a reason naming the view read, and
  a note names the hosts read from pods, processes, VMs or the node (why this order, the labels of
  each view, and process ids reused: reporter.sources.trackers.counters_views). A workload is its
  labels without `zone`; for each the parts that together make its energy once are read, and the
  others are excluded as parts of what is read:
  - Kepler up to 0.9: `kepler_container_joules_total` is package + dram + gpu + other ("the
    aggregated package/socket energy consumption of CPU, dram, gpus, and other host components",
    Kepler's container metrics documentation; `kepler_process_joules_total` likewise). Where a
    workload has it, it alone is read; where it has only the per-component counters,
    `kepler_<view>_{package,dram,gpu,other}_joules_total` are summed. Series differing in `mode`
    (dynamic, idle) are different parts and are summed.
  - Kepler 0.10 and later: `kepler_<view>_cpu_joules_total`, one series per RAPL `zone`
    (sustainable-computing-io/kepler, docs/user/metrics.md). `package` and `dram` are summed: DRAM
    is its own RAPL domain, outside the package.
  - `core` and `uncore` are inside `package` ("package: CPU socket-level energy (includes cores and
    uncore components)", sustainable-computing-io/kepler-doc, docs/archive/design/metrics.md):
    they are read only for a workload that has no `package` counter, never beside it.
  - `psys` (also spelled `platform`) is the platform's energy, "most comprehensive when available"
    (kepler, docs/developer/power-attribution-guide.md): where a workload has it, it alone is read
    (package and dram are inside it).
  Kepler 0.10 gives a container (pod, process, VM) a share of the node's active energy only (its
  CPU time over the node's, times the active power, same guide): the node's idle energy is in no
  workload, a stated under-count against the node. A node's own counters
  (`kepler_node_cpu_joules_total` by `zone`, which Kepler's metrics reference gives as the node's
  total CPU energy; `kepler_node_{package,dram,…,platform}_joules_total` up to 0.9) hold its idle
  energy too. `kepler_node_cpu_active_joules_total` and `…_idle_…` split the node's total and are
  not read.

Energy is the sum of the counter's increases between consecutive samples of a series, in time
order. A value lower than the one before is a counter reset (driver reload, exporter restart):
the counter restarted from zero, so the new value is the energy since the reset (the convention of
Prometheus's `increase()`); the reading is flagged `counter_reset` and a note counts the resets.
One reading per series, from its first to its last sample, its row count the samples it holds.
A series with a single sample gives no energy and is excluded. A sample that repeats a series'
timestamp is excluded (superseded). Each series' first and last samples are kept beside the readings
(`ReadResult.counter_ends`) so that scrapes of one series in several files are joined into one
counter (reporter.core.counter_join).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from reporter.records import EXAMPLE_ROWS, Exclusion, ExclusionGroup, ExclusionKind, Method, frame_from_rows
from reporter.sources.base import InputFile
from reporter.sources.trackers import fields
from reporter.sources.trackers.counters_views import (
    KEPLER,
    KEPLER_READ,
    host_of,
    part_of,
    view_notes,
    workload_labels,
)
from reporter.units import J_PER_KWH

DCGM = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
READ = (DCGM, *KEPLER_READ)
NAMES_READ = (
    f"{DCGM}, Kepler's kepler_container_*joules_total (without them a host's kepler_pod_, kepler_process_, "
    "kepler_vm_ or kepler_node_*joules_total)"
)

Sample = tuple[float, float, int]  # (time in seconds since 1970 UTC, counter value, row)


@dataclass
class Series:
    metric: str
    labels: dict[str, str]
    samples: list[Sample] = field(default_factory=list)

    @property
    def joules_per_unit(self) -> float:
        return 1e-3 if self.metric == DCGM else 1.0  # DCGM counts millijoules, Kepler joules

    @property
    def part(self) -> str:
        """What part of its Kepler workload's (or node's) energy the series holds."""
        return part_of(self.metric, self.labels)


@dataclass
class Parsed:
    """What a file's samples are: the counter series, other metrics' rows, and rows excluded on reading."""

    series: dict[tuple[object, ...], Series] = field(default_factory=dict)
    others: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    exclusions: list[Exclusion] = field(default_factory=list)
    rows_read: int = 0
    counter_rows: int = 0

    def add(self, metric: str, labels: dict[str, str], value: str, seconds: float, row: int) -> None:
        """One sample of a counter this module reads (a bad value is excluded with its reason)."""
        self.counter_rows += 1
        problem = bad_value(value)
        if problem:
            self.exclusions.append(Exclusion(row, f"column 'value': {problem}"))
            return
        labels = workload_labels(metric, labels)
        entry = self.series.setdefault(series_key(metric, labels), Series(metric, labels))
        entry.samples.append((seconds, float(value), row))


def series_key(metric: str, labels: dict[str, str]) -> tuple[object, ...]:
    if metric == DCGM:
        return (metric, host_of(labels), labels.get("gpu") or labels.get("UUID"))
    return (metric, *sorted(labels.items()))


def bad_value(value: str) -> str:
    """Why a sample's value cannot be a counter reading ('' when it can)."""
    try:
        number = float(value)
    except ValueError:
        return f"'{fields.shown(value)}' is not a number"
    if not math.isfinite(number):
        return f"'{value}' is not a finite number"
    return f"'{value}' is negative: an energy counter never is" if number < 0 else ""


def other_metric_groups(others: dict[str, list[int]]) -> list[ExclusionGroup]:
    return [
        ExclusionGroup(
            _not_read(metric),
            len(numbers),
            tuple(numbers[:EXAMPLE_ROWS]),
            ExclusionKind.NOT_USAGE.value,
        )
        for metric, numbers in sorted(others.items())
    ]


def _not_read(metric: str) -> str:
    state = re.match(r"kepler_node_cpu_(active|idle)_joules_total$", metric)
    if state:
        return f"metric '{metric}': Kepler's node {state[1]} counter, a part of kepler_node_cpu_joules_total"
    return f"metric '{metric}' is not an energy counter this reader uses ({NAMES_READ})"


def readings(
    series: dict[tuple[object, ...], Series], source: InputFile
) -> tuple[list[dict[str, object]], list[Exclusion], list[str], pd.DataFrame]:
    """One reading per series with two samples or more; the exclusions, notes, and every series' ends."""
    rows: list[dict[str, object]] = []
    ends: list[dict[str, object]] = []
    exclusions: list[Exclusion] = []
    resets_total = 0
    for entry in series.values():
        kept = _distinct_times(sorted(entry.samples), exclusions)
        if len(kept) < 2:
            exclusions.append(
                Exclusion(kept[0][2], "the only sample of its series: a counter needs two samples to give energy")
            )
            ends.append(_ends(entry, kept, _reading(entry, kept, 0.0, 0, source), used=False))
            continue
        joules, resets = increase(kept, entry.joules_per_unit)
        try:
            gpus = 1.0 if entry.metric == DCGM else None
            fields.check_power(
                joules / J_PER_KWH, kept[-1][0] - kept[0][0], gpus, source.options, source.path, kept[0][2]
            )
        except fields.RowError as exc:
            exclusions.extend(Exclusion(row, f"the series' {exc.reason()}") for _, _, row in kept)
            continue
        resets_total += resets
        rows.append(_reading(entry, kept, joules, resets, source))
        ends.append(_ends(entry, kept, rows[-1], used=True))
    notes = view_notes(rows)
    if resets_total:
        notes.append(
            f"{resets_total} counter reset(s): the value after each is taken as the energy since the reset "
            "(readings flagged counter_reset)"
        )
    return rows, exclusions, notes, _ends_frame(ends)


def _distinct_times(samples: list[Sample], exclusions: list[Exclusion]) -> list[Sample]:
    kept = [samples[0]]
    for sample in samples[1:]:
        if sample[0] == kept[-1][0]:
            exclusions.append(
                Exclusion(
                    sample[2],
                    f"superseded: the series has a sample at the same time (row {kept[-1][2]}) that is used",
                    ExclusionKind.SUPERSEDED.value,
                )
            )
        else:
            kept.append(sample)
    return kept


def increase(samples: list[Sample], joules_per_unit: float) -> tuple[float, int]:
    """Joules the counter rose by over the samples (time-ordered), and how many resets it had."""
    total = 0.0
    resets = 0
    for (_, before, _), (_, after, _) in zip(samples, samples[1:], strict=False):
        if after >= before:
            total += after - before
        else:
            total += after
            resets += 1
    return total * joules_per_unit, resets


def _ends(entry: Series, samples: list[Sample], reading: dict[str, object], used: bool) -> dict[str, object]:
    return {
        **reading,
        "first_s": samples[0][0],
        "first_value": samples[0][1],
        "last_s": samples[-1][0],
        "last_value": samples[-1][1],
        "last_row": samples[-1][2],
        "joules_per_unit": entry.joules_per_unit,
        "used": used,
        "gpu_uuid": entry.labels.get("UUID") if entry.metric == DCGM else None,
    }


ENDS_COLUMNS = ["first_s", "first_value", "last_s", "last_value", "last_row", "joules_per_unit", "used", "gpu_uuid"]


def _ends_frame(ends: list[dict[str, object]]) -> pd.DataFrame:
    extra = pd.DataFrame([{column: end[column] for column in ENDS_COLUMNS} for end in ends], columns=ENDS_COLUMNS)
    return pd.concat([frame_from_rows(ends), extra], axis=1)


def _reading(entry: Series, samples: list[Sample], joules: float, resets: int, source: InputFile) -> dict[str, object]:
    labels = entry.labels
    host = host_of(labels) or source.options.get("host")
    dcgm = entry.metric == DCGM
    gpu = (labels.get("gpu") or labels.get("UUID")) if dcgm else None
    identity = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    if dcgm:
        run_id = f"dcgm:{host or '?'}:gpu={gpu}"
    elif entry.metric == KEPLER:
        run_id = f"kepler:{identity}"
    else:
        run_id = f"kepler:{entry.metric}:{identity}"
    flags = ["gpu_power_only" if dcgm else "", "counter_reset" if resets else ""]
    return {
        "source_format": "prometheus_energy",
        "source_file": str(source.path),
        "source_sha256": source.sha256,
        "source_row": samples[0][2],
        "method": (Method.METERED if dcgm else Method.MEASURED).value,
        "run_id": run_id,
        "start_time": fields.wall_clock(samples[0][0], source.options),
        "end_time": fields.wall_clock(samples[-1][0], source.options),
        "duration_s": samples[-1][0] - samples[0][0],
        "hardware": labels.get("modelName") if dcgm else None,
        "host": host,
        "gpu": gpu,
        "energy_reported_kwh": joules / J_PER_KWH,
        "tracker_pue": 1.0,
        "row_count": len(samples),
        "flags": ";".join(flag for flag in flags if flag),
    }
