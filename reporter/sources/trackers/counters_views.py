"""Kepler's views of a host's energy: which counter belongs to which view, which view of a host is read,
and which series of one workload together make its energy once.

Kepler exports the same energy several times over, at each level it attributes it to (its metrics
reference, sustainable-computing-io/kepler docs/user/metrics.md; up to 0.9, pkg/metrics):

- container: `kepler_container_cpu_joules_total` by `zone` (0.10); up to 0.9
  `kepler_container_joules_total` and `kepler_container_{package,dram,gpu,other,core,uncore,platform}_joules_total`
  (labels `container_id`, `pod_name`, `container_name`, `container_namespace`, `mode`).
- pod: `kepler_pod_cpu_joules_total` by `zone` (0.10): its containers' energy.
- process: `kepler_process_cpu_joules_total` by `zone` (0.10; labels `pid`, `comm`, `exe`, `type`,
  `state`, `container_id`, `vm_id`); up to 0.9 `kepler_process_joules_total` (package + dram + other
  + gpu) and `kepler_process_{package,…,platform}_joules_total` (labels `pid`, `container_id`,
  `vm_id`, `command`, `mode`). Every process of the host, those of its containers and VMs included:
  the `type` label says which (container, vm, regular), and "Node CPU Time = Σ(All process CPU time
  deltas)" (kepler, docs/developer/power-attribution-guide.md).
- VM: `kepler_vm_cpu_joules_total` by `zone` (0.10; labels `vm_id`, `vm_name`, `hypervisor`, `state`);
  up to 0.9 `kepler_vm_{package,…,platform}_joules_total` (labels `vm_id`, `mode`; no total). A VM's
  energy is its hypervisor process's ("VM CPU Time = CPU time of the hypervisor process (e.g.
  QEMU/KVM)", same guide), so the process view holds it too; under KubeVirt that process runs in a
  pod's container, so the container view holds it as well.
- node: `kepler_node_cpu_joules_total` by `zone` (0.10); `kepler_node_{package,…,platform}_joules_total`
  up to 0.9. All of the host: every workload's energy and the idle energy.

Each level is attributed independently from the node's energy ("Each workload type (process,
container, VM, pod) calculates power independently", same guide), so the views overlap and any two
of them summed count energy twice. One view is read per host (the host of `host_of`), the first of

    containers, pods, processes, VMs, the node

that the file holds for it; the host's other views are excluded with a reason naming the view read.
Containers come first, as they did before process and VM counters were read: they are the
workloads the reports attribute energy to, and a file that adds process counters beside them keeps
its figures. Without containers (or pods, which hold them) the process view is the fullest view of
the host's workloads, VMs' hypervisor processes included; the VM view is read only where the file
has neither, as it leaves out every other process; the node last, as before. A host with both
containers and VMs outside Kubernetes is read from its containers: its VMs' energy is then left out
(the exclusion says so), an under-count rather than a double count. The choice is made per file;
where two files hold the same hours of one host in different views, the overlap stage
(reporter.core.overlap) keeps the finer view's readings, in the same order, and sets aside the
hours of the other's that they cover (`view_of_run` names a reading's view).

A workload is its series' labels without `zone` (Prometheus's own identity of a series, less the
zone). For a process that is `pid` with `comm`, `exe`, `type`, `state`, `container_id` and `vm_id`
(0.10), or `pid`, `command`, `container_id`, `vm_id` and `mode` (up to 0.9). A process id is reused:
Kepler 0.10 then exports the ended process under `state="terminated"` and the new one under
`state="running"` (kepler, internal/exporter/prometheus/collector/power_collector_pidreuse_test.go),
two series. Where the new process has the same command, executable, type, container and VM, its
running series continues the old one's labels: its counter falls to the new process's energy, which
this reader takes as a counter reset (the new value counted from zero, flagged `counter_reset`), as
Prometheus's `increase()` does; were the new value not below the old one's last, the rise alone is
counted, an under-count of at most the old process's last value, itself no more than the new one's
first. A process's `terminated` series holds its final counter: the energy between its last running
sample and its end is in no increase and is not counted (at most one scrape interval's). A
container's, pod's or VM's id is not reused, so its `state` is not part of its identity
(`workload_labels`): its terminated series' final counter is the last sample of its one series,
and the energy up to its end counts.

For each workload the series that together make its energy once are read, the others excluded as
parts of what is read: a total (`kepler_container_joules_total`, `kepler_process_joules_total`)
alone where present; else `psys`/`platform` alone where present; else package + dram (+ gpu + other
up to 0.9) summed, `core` and `uncore` only where there is no package (they are inside it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from reporter.records import EXAMPLE_ROWS, ExclusionGroup, ExclusionKind
from reporter.sources.trackers import fields

if TYPE_CHECKING:
    from reporter.sources.trackers.counters import Series

Key = tuple[object, ...]

# The views of a host, in the order the one read is chosen; how each is named in texts.
VIEWS = ("container", "pod", "process", "vm", "node")
NAMES = {"container": "container", "pod": "pod", "process": "process", "vm": "VM", "node": "node"}
PARTS = ("package", "dram", "gpu", "other", "core", "uncore", "platform")  # Kepler up to 0.9

KEPLER = "kepler_container_joules_total"
KEPLER_PROCESS = "kepler_process_joules_total"
TOTALS = {KEPLER: "container", KEPLER_PROCESS: "process"}  # up to 0.9: package + dram + gpu + other
ZONES = {f"kepler_{view}_cpu_joules_total": view for view in VIEWS}  # 0.10 and later, by `zone`
COMPONENTS = {
    f"kepler_{view}_{part}_joules_total": (view, part)
    for view in ("container", "process", "vm", "node")
    for part in PARTS
}
VIEW_OF = {**TOTALS, **ZONES, **{metric: view for metric, (view, _) in COMPONENTS.items()}}
KEPLER_READ = tuple(VIEW_OF)
PLATFORM = ("psys", "platform")
JOINED_STATES = ("container", "pod", "vm")  # views whose ids are not reused: a workload's states are one series
INSIDE_PACKAGE = ("core", "uncore")
SUMMED = ("package", "dram", "gpu", "other")


def host_of(labels: dict[str, str]) -> str | None:
    return labels.get("Hostname") or labels.get("node_name") or labels.get("instance") or None


def workload_labels(metric: str, labels: dict[str, str]) -> dict[str, str]:
    """The labels that name a series' workload: a container's, pod's or VM's without `state` (Kepler
    0.10 exports its final counter under state="terminated", which continues its running series: the
    energy up to its end counts), a process's with it (a process id is reused; see the docstring)."""
    if "state" in labels and VIEW_OF.get(metric) in JOINED_STATES:
        return {key: value for key, value in labels.items() if key != "state"}
    return labels


def level_of(metric: str) -> str | None:
    """The Kepler view (container, pod, process, vm, node) whose energy a counter this reader uses holds."""
    return VIEW_OF.get(metric)


def part_of(metric: str, labels: dict[str, str]) -> str:
    """What part of its workload's energy a Kepler series holds ('' for a counter of no view)."""
    if metric in TOTALS:
        return "total"
    if metric in ZONES:
        return labels.get("zone", "").lower()
    return COMPONENTS[metric][1] if metric in COMPONENTS else ""


def choose_parts(series: dict[Key, Series]) -> tuple[dict[Key, Series], list[ExclusionGroup]]:
    """The series to read, and the Kepler series left out (see the module docstring): a host's views
    other than the one read, and the parts of a workload inside what is read of it."""
    left_out: dict[str, list[int]] = defaultdict(list)
    _one_view_per_host(series, left_out)
    _parts_of_workloads(series, left_out)
    groups = [
        ExclusionGroup(reason, len(rows), tuple(sorted(rows)[:EXAMPLE_ROWS]), ExclusionKind.NOT_USAGE.value)
        for reason, rows in sorted(left_out.items())
    ]
    return series, groups


def _one_view_per_host(series: dict[Key, Series], left_out: dict[str, list[int]]) -> None:
    read: dict[str | None, int] = {}
    for entry in series.values():
        view = level_of(entry.metric)
        if view is not None:
            host = host_of(entry.labels)
            read[host] = min(read.get(host, len(VIEWS)), VIEWS.index(view))
    for key, entry in list(series.items()):
        view = level_of(entry.metric)
        if view is not None and VIEWS.index(view) > read[host_of(entry.labels)]:
            reason = other_view(entry.metric, view, VIEWS[read[host_of(entry.labels)]])
            left_out[reason].extend(row for _, _, row in entry.samples)
            del series[key]


def other_view(metric: str, view: str, read: str) -> str:
    """Why a host's counter of one view is left out: the host is read from another view's counters."""
    return (
        f"metric '{metric}': Kepler's {view} counter, left out: its host's energy is read from the host's "
        f"{NAMES[read]} counters (one view per host, so nothing counts twice)"
    )


def _parts_of_workloads(series: dict[Key, Series], left_out: dict[str, list[int]]) -> None:
    workloads: dict[Key, list[Key]] = defaultdict(list)
    for key, entry in series.items():
        view = level_of(entry.metric)
        if view is not None:
            identity = tuple(sorted((k, v) for k, v in entry.labels.items() if k != "zone"))
            workloads[(view, *identity)].append(key)
    for (of, *_), keys in workloads.items():
        parts = {series[key].part for key in keys}
        for key in keys:
            reason = _left_out(series[key].part, parts, str(of))
            if reason:
                left_out[reason].extend(row for _, _, row in series[key].samples)
                del series[key]


def _left_out(part: str, parts: set[str], view: str) -> str:
    """Why a Kepler series is not read beside the other series of its workload ('' when it is read)."""
    name = NAMES[view]
    if part == "total":
        return ""
    if "total" in parts:
        total = next(metric for metric, of in TOTALS.items() if of == view)
        return f"Kepler counter of a {name} part: inside the {name}'s {total}, which is read"
    platform = next((zone for zone in PLATFORM if zone in parts), None)
    if platform:
        if part == platform:
            return ""
        return f"Kepler counter of a {name} part: inside its '{platform}' zone, which is read"
    if part in INSIDE_PACKAGE and "package" in parts:
        return f"Kepler core/uncore counter: inside the {name}'s package counter, which is read"
    if part in INSIDE_PACKAGE or part in SUMMED:
        return ""
    return f"Kepler zone '{fields.shown(part)}' is not one this reader knows (package, dram, core, uncore, psys)"


# What the counters of each view leave out, for the note naming the hosts read from them.
VIEW_NOTES = {
    "pod": "the file has no counters of their containers, so the pods' own counters give their energy",
    "process": (
        "the file has no counters of their containers or pods, so the processes' own counters give their "
        "energy (every process's, those of containers and VMs included; the idle energy Kepler gives no "
        "process is left out)"
    ),
    "vm": (
        "the file has no counters of their containers, pods or processes, so the VMs' own counters give "
        "their energy (each VM's hypervisor process only: the host's other processes, and the idle energy "
        "Kepler gives no VM, are left out)"
    ),
    "node": (
        "the file has no counters of their containers, so each node's own counters give its energy (idle "
        "included, which container counters leave out)"
    ),
}


def view_notes(rows: list[dict[str, object]]) -> list[str]:
    """The notes naming the hosts read from pod, process, VM or node counters (the file has none of
    their containers')."""
    notes = []
    for view, energy in VIEW_NOTES.items():
        hosts = sorted({str(row["host"] or "?") for row in rows if view_of_run(str(row["run_id"])) == view})
        if hosts:
            notes.append(f"Kepler {NAMES[view]} counters read for {', '.join(hosts)}: {energy}")
    return notes


def view_of_run(run_id: str) -> str | None:
    """The Kepler view a reading of this reader comes from, by its run id (None: not Kepler's)."""
    if not run_id.startswith("kepler:"):
        return None
    return VIEW_OF.get(_metric_of(run_id), "container")  # `kepler:<labels>`: the container total


def _metric_of(run_id: str) -> str:
    """The metric a Kepler reading's run id names (`kepler:<metric>:<labels>`; the container total's
    run id is `kepler:<labels>`)."""
    parts = run_id.split(":", 2)
    return parts[1] if len(parts) > 2 and parts[0] == "kepler" else ""
