"""Kepler's process and VM counters, and one view per host: every figure worked out by hand from the samples here.

A host is read from the first of its containers, pods, processes, VMs and node counters that the file holds;
its other views are excluded with a reason naming the view read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_inputs
from tests.test_counter_files import J_PER_KWH, T0, other_view, range_query, text_scrape, write

PROCESS = "kepler_process_cpu_joules_total"
VM = "kepler_vm_cpu_joules_total"
HOUR = [T0, T0 + 3600]


def hour(labels: dict[str, str], first: str, last: str) -> str:
    return text_scrape(labels, list(zip(HOUR, (first, last), strict=True)))


def process(pid: str, comm: str, zone: str, **extra: str) -> dict[str, str]:
    """A Kepler 0.10 process series' labels (kepler, internal/exporter/prometheus/collector/power_collector.go)."""
    labels = {"pid": pid, "comm": comm, "exe": f"/usr/bin/{comm}", "type": "regular", "state": "running"}
    ids = {"container_id": "", "vm_id": ""}
    return {"__name__": PROCESS, **labels, **ids, "zone": zone, "node_name": "node-p", **extra}


def test_a_file_of_process_counters_for_one_host_and_vm_counters_for_another(tmp_path: Path) -> None:
    qemu = {"type": "vm", "vm_id": "vm-1"}
    reused = process("303", "worker", "package")
    legacy = {"pid": "7", "command": "python", "container_id": "system_processes", "vm_id": "", "mode": "dynamic"}
    legacy["instance"] = "node-q:9102"
    scrape = (
        # node-p, Kepler 0.10 processes only.
        hour(process("101", "python3", "package"), "0", "3600")  # +3,600 J
        + hour(process("101", "python3", "dram"), "0", "360")  # +360 J
        + hour(process("101", "python3", "core"), "0", "2000")  # inside the package: not read
        + hour(process("202", "qemu-kvm", "package", **qemu), "100", "1900")  # +1,800 J
        # pid 303 is reused at 11:00 by a new `worker` with the same labels: its counter falls to 200,
        # a reset (+1,000 J before it, +200 J after); the ended one's final counter, 1,100 J, is under
        # state="terminated", a series of one sample: no energy, excluded.
        + text_scrape(reused, [(T0, "0"), (T0 + 1800, "1000"), (T0 + 3600, "200")])
        + text_scrape({**reused, "state": "terminated"}, [(T0 + 3600, "1100")])
        + hour({"__name__": "kepler_process_cpu_seconds_total", "pid": "101", "node_name": "node-p"}, "0", "90")
        # node-v:9102, Kepler 0.9 VMs only (labels vm_id and mode; the host from the scrape's instance).
        + hour(vm09("package", "vm-a", "dynamic"), "0", "7200")  # +7,200 J
        + hour(vm09("dram", "vm-a", "dynamic"), "0", "720")  # +720 J
        + hour(vm09("core", "vm-a", "dynamic"), "0", "3000")  # inside the package: not read
        + hour(vm09("package", "vm-a", "idle"), "0", "1800")  # another mode: +1,800 J
        + hour(vm09("platform", "vm-b", "dynamic"), "0", "5000")  # the platform, read alone: +5,000 J
        + hour(vm09("package", "vm-b", "dynamic"), "0", "4000")  # inside the platform: not read
        # node-q:9102, a Kepler 0.9 process: its total alone.
        + hour({"__name__": "kepler_process_joules_total", **legacy}, "0", "2700")
        + hour({"__name__": "kepler_process_package_joules_total", **legacy}, "0", "2000")  # inside the total
    )
    result = run_inputs([{"path": write(tmp_path / "kepler-processes-vms.prom", scrape), "country": "DEU"}])
    by_host = result.items.groupby("host")["energy_kwh"].sum()
    # node-p: pid 101 3,600 + 360 = 3,960 J; pid 202 1,800 J; pid 303 1,000 + 200 = 1,200 J: 6,960 J.
    # node-v:9102: vm-a 7,200 + 720 + 1,800 = 9,720 J; vm-b 5,000 J: 14,720 J. node-q:9102: 2,700 J.
    assert by_host.to_dict() == pytest.approx(
        {"node-p": 6_960 / J_PER_KWH, "node-v:9102": 14_720 / J_PER_KWH, "node-q:9102": 2_700 / J_PER_KWH}, rel=1e-12
    )
    assert len(result.items) == 9 and set(result.items["method"]) == {"measured"}
    assert result.items["flags"].str.contains("counter_reset").sum() == 1
    (ledger,) = result.ledgers
    # node-p 14 samples (9 used; core 2, terminated 1, cpu seconds 2 excluded), node-v 12 (8 used; core 2,
    # vm-b package 2 excluded), node-q 4 (2 used; the package 2 excluded): 30 = 19 + 11.
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (30, 19, 11)
    reasons = {group.reason: group.rows for group in ledger.exclusion_groups}
    assert reasons["Kepler core/uncore counter: inside the process's package counter, which is read"] == 2
    assert reasons["Kepler core/uncore counter: inside the VM's package counter, which is read"] == 2
    assert reasons["Kepler counter of a VM part: inside its 'platform' zone, which is read"] == 2
    total = "kepler_process_joules_total"
    assert reasons[f"Kepler counter of a process part: inside the process's {total}, which is read"] == 2
    assert any("kepler_process_cpu_seconds_total" in reason and rows == 2 for reason, rows in reasons.items())
    assert not any("containers' counters" in reason or "container counters" in reason for reason in reasons)
    terminated = 1 + next(n for n, line in enumerate(scrape.splitlines()) if 'state="terminated"' in line)
    assert [e.row for e in ledger.exclusions if "the only sample of its series" in e.reason] == [terminated]
    notes = " | ".join(ledger.notes)
    assert "Kepler process counters read for node-p, node-q:9102: the file has no counters of their containers" in notes
    assert "Kepler VM counters read for node-v:9102: the file has no counters of their containers, pods or" in notes
    assert "idle energy" in notes and "1 counter reset(s)" in notes


def vm09(part: str, vm: str, mode: str) -> dict[str, str]:
    """A Kepler 0.9 VM component series' labels (kepler, pkg/metrics/consts: vm_id, mode)."""
    return {"__name__": f"kepler_vm_{part}_joules_total", "vm_id": vm, "mode": mode, "instance": "node-v:9102"}


def test_one_view_per_host_in_a_range_query(tmp_path: Path) -> None:
    def series(name: str, node: str, last: str, **labels: str) -> tuple[dict[str, str], list[tuple[float, str]]]:
        return {"__name__": name, **labels, "node_name": node}, [(T0, "0"), (T0 + 3600, last)]

    body = range_query(
        [
            # node-c: containers, processes and a VM: only the container is read.
            series("kepler_container_cpu_joules_total", "node-c", "3600", container_id="c1", zone="package"),
            series(PROCESS, "node-c", "5000", pid="10", type="container", container_id="c1", zone="package"),
            series(VM, "node-c", "2000", vm_id="vm-1", vm_name="kubevirt-vm", zone="package"),
            # node-d: a pod and a process: the pod is read.
            series("kepler_pod_cpu_joules_total", "node-d", "1800", pod_name="p1", zone="package"),
            series("kepler_pod_cpu_joules_total", "node-d", "180", pod_name="p1", zone="dram"),
            series(PROCESS, "node-d", "9000", pid="20", comm="server", type="regular", zone="package"),
            # node-e: a process and a VM: the process is read.
            series(PROCESS, "node-e", "4000", pid="30", comm="qemu-kvm", type="vm", vm_id="vm-2", zone="package"),
            series(VM, "node-e", "1000", vm_id="vm-2", vm_name="guest", zone="package"),
        ]
    )
    result = run_inputs([{"path": write(tmp_path / "query_range.json", body), "country": "DEU"}])
    by_host = result.items.groupby("host")["energy_kwh"].sum()
    # node-c: container c1 3,600 J; node-d: pod p1 1,800 + 180 = 1,980 J; node-e: process 30 4,000 J.
    assert by_host.to_dict() == pytest.approx(
        {"node-c": 3_600 / J_PER_KWH, "node-d": 1_980 / J_PER_KWH, "node-e": 4_000 / J_PER_KWH}, rel=1e-12
    )
    (ledger,) = result.ledgers
    # 8 series of 2 samples: 4 read (8 rows), 4 left out (8 rows).
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (16, 8, 8)
    reasons = {group.reason: group.rows for group in ledger.exclusion_groups}
    assert reasons == {
        other_view(PROCESS, "process", "container"): 2,
        other_view(VM, "vm", "container"): 2,
        other_view(PROCESS, "process", "pod"): 2,
        other_view(VM, "vm", "process"): 2,
    }
    notes = " | ".join(ledger.notes)
    assert "Kepler pod counters read for node-d: " in notes and "Kepler process counters read for node-e: " in notes
    assert "VM counters read" not in notes and "node-c" not in notes


def test_the_view_texts_are_translated() -> None:
    from reporter.i18n import language

    ko = language("ko")
    assert ko.translate(other_view(VM, "vm", "container")) == (
        f"지표 '{VM}': Kepler의 vm 카운터로 제외함: 이 호스트의 에너지는 호스트의 컨테이너 카운터에서 읽음"
        "(호스트당 한 관점만 읽으므로 이중 계산 없음)"
    )
    assert ko.translate(other_view(PROCESS, "process", "pod")) == (
        f"지표 '{PROCESS}': Kepler의 process 카운터로 제외함: 이 호스트의 에너지는 호스트의 포드 카운터에서 읽음"
        "(호스트당 한 관점만 읽으므로 이중 계산 없음)"
    )
    assert ko.translate("Kepler counter of a VM part: inside its 'platform' zone, which is read") == (
        "Kepler VM 부분 카운터: 읽는 'platform' 영역에 포함됨"
    )
    note = (
        "Kepler VM counters read for node-v: the file has no counters of their containers, pods or processes, so the "
        "VMs' own counters give their energy (each VM's hypervisor process only: the host's other processes, and the "
        "idle energy Kepler gives no VM, are left out)"
    )
    assert ko.translate(note).startswith("node-v의 Kepler VM 카운터를 읽음: 파일에 해당 컨테이너, 포드, 프로세스의")


def test_a_legacy_container_platform_component_is_read_alone(tmp_path: Path) -> None:
    labels = {"container_id": "c1", "container_name": "c", "container_namespace": "ml", "mode": "dynamic"}

    def series(metric: str, last: str, **extra: str) -> str:
        return hour({"__name__": metric, **labels, **extra, "instance": "n:9102"}, "0", last)

    scrape = (
        series("kepler_container_platform_joules_total", "5400")  # c1: the platform, read alone: +5,400 J
        + series("kepler_container_package_joules_total", "3600")  # inside the platform: not read
        + series("kepler_container_dram_joules_total", "360")  # inside the platform: not read
        + series("kepler_container_platform_joules_total", "900", container_id="c2")  # inside c2's total
        + series("kepler_container_joules_total", "1000", container_id="c2")  # c2's total: +1,000 J
    )
    result = run_inputs([{"path": write(tmp_path / "kepler-09.prom", scrape), "country": "DEU"}])
    # c1 5,400 J + c2 1,000 J = 6,400 J.
    assert result.items["energy_kwh"].sum() == pytest.approx(6_400 / J_PER_KWH, rel=1e-12)
    (ledger,) = result.ledgers
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (10, 4, 6)
    reasons = {group.reason: group.rows for group in ledger.exclusion_groups}
    assert reasons == {
        "Kepler counter of a container part: inside its 'platform' zone, which is read": 4,
        "Kepler counter of a container part: inside the container's kepler_container_joules_total, which is read": 2,
    }


def test_two_files_with_two_views_of_one_host_count_its_hours_once(tmp_path: Path) -> None:
    """A file read from a host's containers and another read from its processes: the finer view (the
    containers) is kept, and the process readings' hours it covers are set aside (overlap stage).
    Another container of the host, in a third file, is another series of the same view: kept."""
    container = {"__name__": "kepler_container_cpu_joules_total", "container_id": "c1", "zone": "package",
                 "node_name": "node-x"}
    other = {**container, "container_id": "c2"}
    late = [(T0 + 1800, "0"), (T0 + 5400, "7200")]  # 10:30-11:30, 7,200 J: half its hours met
    files = [
        write(tmp_path / "containers.prom", hour(container, "0", "3600")),  # 10:00-11:00, 3,600 J
        write(tmp_path / "processes.prom",
              hour(process("101", "python3", "package", node_name="node-x"), "0", "5000")  # 10:00-11:00: met
              + text_scrape(process("102", "worker", "package", node_name="node-x"), late)),
        write(tmp_path / "more-containers.prom", hour(other, "0", "1000")),  # 10:00-11:00, 1,000 J
    ]
    result = run_inputs([{"path": path, "country": "DEU"} for path in files])
    # kept: c1 3,600 J, c2 1,000 J, pid 102's 11:00-11:30 half of 7,200 J = 3,600 J; pid 101 wholly met.
    assert result.items["energy_kwh"].sum() == pytest.approx((3_600 + 1_000 + 3_600) / J_PER_KWH, rel=1e-12)
    ledgers = {Path(ledger.path).name: ledger for ledger in result.ledgers}
    processes = ledgers["processes.prom"]
    overlaps = [group for group in processes.exclusion_groups if group.kind == "overlap"]
    # pid 101: 5,000 J = 0.00138889 kWh (6 significant digits), its 2 samples left out
    assert [(group.rows, "reading's 0.00138889 kWh is set aside" in group.reason) for group in overlaps] == [(2, True)]
    assert any("0.001 kWh of 0.002 kWh set aside (1,800 s of 3,600 s" in note for note in processes.notes)
    assert ledgers["more-containers.prom"].rows_used == 2 and ledgers["containers.prom"].rows_used == 2


def test_a_finished_containers_final_counter_continues_its_running_series(tmp_path: Path) -> None:
    """Kepler 0.10 exports a finished container's (pod's, VM's) final counter under state="terminated":
    one series with its running samples, so the energy up to its end counts. A process's terminated
    series stays apart (a process id is reused)."""
    container = {"__name__": "kepler_container_cpu_joules_total", "container_id": "c9", "container_name": "train",
                 "runtime": "containerd", "zone": "package", "node_name": "node-t"}
    running = text_scrape({**container, "state": "running"}, [(T0, "0"), (T0 + 1800, "1800")])
    # it ends at 10:30:30; its final counter, 1,830 J, is exported twice more, unchanged
    ended = text_scrape({**container, "state": "terminated"}, [(T0 + 1830, "1830"), (T0 + 1860, "1830")])
    vm = {"__name__": VM, "vm_id": "vm-9", "vm_name": "guest", "hypervisor": "kvm", "zone": "package",
          "node_name": "node-u"}
    vm_rows = (text_scrape({**vm, "state": "running"}, [(T0, "100"), (T0 + 60, "700")])
               + text_scrape({**vm, "state": "terminated"}, [(T0 + 90, "1000")]))
    result = run_inputs([{"path": write(tmp_path / "finished.prom", running + ended + vm_rows), "country": "DEU"}])
    by_host = result.items.groupby("host")["energy_kwh"].sum()
    # node-t: 1,800 J running + 30 J to its end = 1,830 J; node-u: 600 + 300 = 900 J.
    assert by_host.to_dict() == pytest.approx({"node-t": 1_830 / J_PER_KWH, "node-u": 900 / J_PER_KWH}, rel=1e-12)
    assert len(result.items) == 2  # one reading per workload
    (ledger,) = result.ledgers
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (7, 7, 0)
    ends = result.items.set_index("host")["end_time"]
    assert str(ends["node-t"]) == "2026-11-05 10:31:00" and str(ends["node-u"]) == "2026-11-05 10:01:30"
