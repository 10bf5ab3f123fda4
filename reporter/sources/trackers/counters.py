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
- Kepler's per-container counters, in joules, as Kepler attributes the node's counters to the
  container (measured: software attribution). Host from `node_name`, else `instance`, else the
  input's `host` option. A container is its labels without `zone`; for each container the parts
  that together make its energy once are read, and the others are excluded as parts of what is read:
  - Kepler up to 0.9: `kepler_container_joules_total` is package + dram + gpu + other ("the
    aggregated package/socket energy consumption of CPU, dram, gpus, and other host components",
    Kepler's container metrics documentation). Where a container has it, it alone is read; where it
    has only the per-component counters, `kepler_container_{package,dram,gpu,other}_joules_total`
    are summed. Series differing in `mode` (dynamic, idle) are different parts and are summed.
  - Kepler 0.10 and later: `kepler_container_cpu_joules_total`, one series per RAPL `zone`
    (sustainable-computing-io/kepler, docs/user/metrics.md). `package` and `dram` are summed: DRAM
    is its own RAPL domain, outside the package.
  - `core` and `uncore` are inside `package` ("package: CPU socket-level energy (includes cores and
    uncore components)", sustainable-computing-io/kepler-doc, docs/archive/design/metrics.md):
    they are read only for a container that has no `package` counter, never beside it.
  - `psys` (also spelled `platform`) is the platform's energy, "most comprehensive when available"
    (kepler, docs/developer/power-attribution-guide.md): where a container has it, it alone is read
    (package and dram are inside it).
  Kepler 0.10 gives a container a share of the node's active energy only (its CPU time over the
  node's, times the active power, same guide): the node's idle energy is in no container, a stated
  under-count of the containers against the node.
- Pods and nodes: a pod's counters (`kepler_pod_cpu_joules_total` by `zone`, 0.10) hold its
  containers' energy; a node's own (`kepler_node_cpu_joules_total` by `zone` from 0.10, which
  Kepler's metrics reference gives as the node's total CPU energy;
  `kepler_node_{package,dram,…,platform}_joules_total` up to 0.9) hold all its containers' energy
  and its idle energy. A host's counters are read at the finest level the file has for it
  (containers, else pods, else the node), with the containers' rules for parts; the coarser levels
  are excluded, so nothing counts twice, and a note names the hosts read from pods or nodes. VM and
  process counters are not read; `kepler_node_cpu_active_joules_total` and `…_idle_…` split the
  node's total and are not read.

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
from reporter.units import J_PER_KWH

DCGM = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
KEPLER = "kepler_container_joules_total"
KEPLER_ZONES = "kepler_container_cpu_joules_total"
# Kepler up to 0.9: one counter per component; the part each holds.
KEPLER_COMPONENTS = {
    f"kepler_container_{part}_joules_total": part for part in ("package", "dram", "gpu", "other", "core", "uncore")
}
KEPLER_METRICS = (KEPLER, KEPLER_ZONES, *KEPLER_COMPONENTS)
# A node's own counters, read only for a node none of whose containers' counters are in the file.
KEPLER_NODE_ZONES = "kepler_node_cpu_joules_total"
KEPLER_NODE_COMPONENTS = {
    f"kepler_node_{part}_joules_total": part
    for part in ("package", "dram", "gpu", "other", "core", "uncore", "platform")
}
KEPLER_NODE_METRICS = (KEPLER_NODE_ZONES, *KEPLER_NODE_COMPONENTS)
KEPLER_POD_ZONES = "kepler_pod_cpu_joules_total"  # a pod's counters (0.10), by zone
# A host's Kepler counters are read at the finest level the file has for it, the others left out.
LEVELS = ("container", "pod", "node")
READ = (DCGM, *KEPLER_METRICS, KEPLER_POD_ZONES, *KEPLER_NODE_METRICS)
PLATFORM = ("psys", "platform")
INSIDE_PACKAGE = ("core", "uncore")
SUMMED = ("package", "dram", "gpu", "other")
NAMES_READ = f"{DCGM}, Kepler's kepler_container_*joules_total (a node's kepler_node_*joules_total without them)"

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
        """What part of a Kepler container's (or node's) energy the series holds."""
        if self.metric == KEPLER:
            return "total"
        if self.metric in (KEPLER_ZONES, KEPLER_POD_ZONES, KEPLER_NODE_ZONES):
            return self.labels.get("zone", "").lower()
        return KEPLER_COMPONENTS.get(self.metric) or KEPLER_NODE_COMPONENTS.get(self.metric, "")


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
        entry = self.series.setdefault(series_key(metric, labels), Series(metric, labels))
        entry.samples.append((seconds, float(value), row))


def series_key(metric: str, labels: dict[str, str]) -> tuple[object, ...]:
    if metric == DCGM:
        return (metric, host_of(labels), labels.get("gpu") or labels.get("UUID"))
    return (metric, *sorted(labels.items()))


def host_of(labels: dict[str, str]) -> str | None:
    return labels.get("Hostname") or labels.get("node_name") or labels.get("instance") or None


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


def level_of(metric: str) -> str | None:
    """The Kepler level (container, pod, node) whose energy a counter this reader uses holds."""
    if metric in KEPLER_METRICS:
        return "container"
    if metric == KEPLER_POD_ZONES:
        return "pod"
    return "node" if metric in KEPLER_NODE_METRICS else None


def _coarser(metric: str, level: str, finer: str) -> str:
    """Why a pod's or node's counter is left out: the file has its host's counters at a finer level."""
    return (
        f"metric '{metric}': Kepler's {level} counter, another view of the energy its {finer}s' "
        "counters hold (those are read, so nothing counts twice)"
    )


def _not_read(metric: str) -> str:
    state = re.match(r"kepler_node_cpu_(active|idle)_joules_total$", metric)
    if state:
        return f"metric '{metric}': Kepler's node {state[1]} counter, a part of {KEPLER_NODE_ZONES}"
    view = re.match(r"kepler_(node|pod|vm|process)_\w*joules_total$", metric)
    if view:
        return (
            f"metric '{metric}': Kepler's {view[1]} counter, another view of the energy its containers' "
            "counters hold (those are read, so nothing counts twice)"
        )
    return f"metric '{metric}' is not an energy counter this reader uses ({NAMES_READ})"


def choose_parts(
    series: dict[tuple[object, ...], Series],
) -> tuple[dict[tuple[object, ...], Series], list[ExclusionGroup]]:
    """The series to read, and the Kepler series left out as parts of what is read (see the docstring):
    a host's pod and node counters are left out where the file has a finer level's for it."""
    left_out: dict[str, list[int]] = defaultdict(list)
    finest: dict[str | None, int] = {}
    for entry in series.values():
        level = level_of(entry.metric)
        if level is not None:
            host = host_of(entry.labels)
            finest[host] = min(finest.get(host, len(LEVELS)), LEVELS.index(level))
    for key, entry in list(series.items()):
        level = level_of(entry.metric)
        if level is not None and LEVELS.index(level) > finest[host_of(entry.labels)]:
            left_out[_coarser(entry.metric, level, LEVELS[finest[host_of(entry.labels)]])].extend(
                row for _, _, row in entry.samples
            )
            del series[key]
    groups_of: dict[tuple[object, ...], list[tuple[object, ...]]] = defaultdict(list)
    for key, entry in series.items():
        level = level_of(entry.metric)
        if level is not None:
            identity = tuple(sorted((k, v) for k, v in entry.labels.items() if k != "zone"))
            groups_of[(level, *identity)].append(key)
    for (kind, *_), keys in groups_of.items():
        parts = {series[key].part for key in keys}
        for key in keys:
            reason = _left_out(series[key].part, parts, str(kind))
            if reason:
                left_out[reason].extend(row for _, _, row in series[key].samples)
                del series[key]
    groups = [
        ExclusionGroup(reason, len(rows), tuple(sorted(rows)[:EXAMPLE_ROWS]), ExclusionKind.NOT_USAGE.value)
        for reason, rows in sorted(left_out.items())
    ]
    return series, groups


def _left_out(part: str, parts: set[str], level: str) -> str:
    """Why a Kepler series is not read beside the other series of its container (or node, `level`)
    ('' when it is read)."""
    if part == "total":
        return ""
    if "total" in parts:
        return f"Kepler counter of a container part: inside the container's {KEPLER}, which is read"
    platform = next((name for name in PLATFORM if name in parts), None)
    if platform:
        if part == platform:
            return ""
        return f"Kepler counter of a {level} part: inside its '{platform}' zone, which is read"
    if part in INSIDE_PACKAGE and "package" in parts:
        return f"Kepler core/uncore counter: inside the {level}'s package counter, which is read"
    if part in INSIDE_PACKAGE:
        return ""
    if part in SUMMED:
        return ""
    return f"Kepler zone '{fields.shown(part)}' is not one this reader knows (package, dram, core, uncore, psys)"


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
    notes = _level_notes(rows)
    if resets_total:
        notes.append(
            f"{resets_total} counter reset(s): the value after each is taken as the energy since the reset "
            "(readings flagged counter_reset)"
        )
    return rows, exclusions, notes, _ends_frame(ends)


def _level_notes(rows: list[dict[str, object]]) -> list[str]:
    """The notes naming the hosts whose pod or node counters are read (the file has none of their containers')."""
    notes = []
    for level, energy in (("pod", "the pods' own counters give their energy"),
                          ("node", "each node's own counters give its energy (idle included, which container "
                                   "counters leave out)")):
        hosts = sorted(
            {str(row["host"] or "?") for row in rows if str(row["run_id"]).startswith(f"kepler:kepler_{level}_")}
        )
        if hosts:
            notes.append(
                f"Kepler {level} counters read for {', '.join(hosts)}: the file has no counters of their containers, "
                f"so {energy}"
            )
    return notes


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
