"""Energy counters beyond one text scrape: range-query JSON, Kepler 0.10 zones, one series over several files.

Every expected figure is worked out by hand in the comments from the samples written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from reporter.cli import main
from reporter.sources import detect
from reporter.sources.base import InputFile
from tests.conftest import DATA, SAMPLES, run_inputs
from tests.test_fuzz_readers import FUZZ, edits, folder, mutate, read_as_the_pipeline_does

J_PER_KWH = 3_600_000
T0 = 1793872800  # 2026-11-05 10:00:00 UTC
DCGM = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
GPU0 = {"__name__": DCGM, "gpu": "0", "UUID": "GPU-0a1b", "Hostname": "gpu-node-1", "modelName": "NVIDIA H100"}
GPU1 = {**GPU0, "gpu": "1", "UUID": "GPU-4e5f"}


def range_query(series: list[tuple[dict[str, str], list[tuple[float, str]]]], kind: str = "matrix") -> str:
    result = [
        {
            "metric": labels,
            "values" if kind == "matrix" else "value": [[t, v] for t, v in samples]
            if kind == "matrix"
            else [samples[0][0], samples[0][1]],
        }
        for labels, samples in series
    ]
    return json.dumps({"status": "success", "data": {"resultType": kind, "result": result}})


def text_scrape(labels: dict[str, str], samples: list[tuple[float, str]]) -> str:
    name = labels["__name__"]
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items() if k != "__name__")
    return "".join(f"{name}{{{inner}}} {v} {int(t * 1000)}\n" for t, v in samples)


def other_view(metric: str, view: str, read: str) -> str:
    """The exclusion reason of a host's counter of a view not read, written out here (not the code's)."""
    return (
        f"metric '{metric}': Kepler's {view} counter, left out: its host's energy is read from the host's "
        f"{read} counters (one view per host, so nothing counts twice)"
    )


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_range_query_json_is_read_with_the_counter_logic(tmp_path: Path) -> None:
    power = {"__name__": "DCGM_FI_DEV_POWER_USAGE", "gpu": "0", "Hostname": "gpu-node-1"}
    path = write(
        tmp_path / "query_range.json",
        range_query(
            [
                (GPU0, [(T0, "1000000"), (T0 + 1800, "2800000"), (T0 + 3600, "4600000")]),
                (GPU1, [(T0, "5000000"), (T0 + 1800, "6000000"), (T0 + 3600, "400000"), (T0 + 3660, "NaN")]),
                (power, [(T0, "300"), (T0 + 60, "310")]),
            ]
        ),
    )
    assert detect(InputFile.open(Path(path))).name == "prometheus_energy"
    result = run_inputs([{"path": path, "country": "DEU"}])
    items = result.items.set_index("gpu")
    # GPU 0: 1,000,000 -> 2,800,000 -> 4,600,000 mJ: 3,600,000 mJ = 3,600 J = 0.001 kWh over 3,600 s.
    assert items.loc["0", "energy_kwh"] == pytest.approx(0.001, rel=1e-12)
    assert items.loc["0", "duration_s"] == 3600
    # GPU 1: +1,000,000 mJ, then 400,000 (a reset: counted from zero) = 1,400,000 mJ = 1,400 J; NaN excluded.
    assert items.loc["1", "energy_kwh"] == pytest.approx(1_400 / J_PER_KWH, rel=1e-12)
    assert "counter_reset" in items.loc["1", "flags"]
    assert str(items.loc["0", "start_time"]) == "2026-11-05 10:00:00"
    assert set(items["host"]) == {"gpu-node-1"} and set(items["method"]) == {"metered"}
    (ledger,) = result.ledgers
    # 9 samples (rows, in file order): 6 counter samples used, 1 NaN, 2 power gauge samples.
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (9, 6, 3)
    (bad,) = ledger.exclusions
    assert bad.row == 7 and "'NaN' is not a finite number" in bad.reason
    (group,) = ledger.exclusion_groups
    assert group.rows == 2 and group.example_rows == (8, 9) and "DCGM_FI_DEV_POWER_USAGE" in group.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"status": "error", "errorType": "bad_data", "error": "parse error"}', "status 'error': parse error"),
        ('{"status": "success", "data": {"resultType": "scalar", "result": [1, "2"]}}', "column 'data.resultType'"),
        (range_query([({"gpu": "0", "Hostname": "h"}, [(T0, "1")])]), "names no metric (__name__)"),
        (range_query([(GPU0, [(T0, "1")])]).replace(f"[{T0}, ", '["noon", '), "row 1, column 'data.result[0].value"),
        (
            '{"status": "success", "data": {"resultType": "matrix", "result": [' + '{"metric": {"__name__": "' + DCGM,
            "cannot be read as JSON",
        ),
    ],
)
def test_bad_range_query_is_one_line_and_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path / "query.json", text)
    result = CliRunner().invoke(main, ["validate", "--format", "prometheus_energy", path], catch_exceptions=False)
    assert result.exit_code == 2
    assert expected in result.output and "query.json" in result.output
    assert "Traceback" not in result.output


def test_kepler_010_zones_package_and_dram_or_platform_alone(tmp_path: Path) -> None:
    def zone(container: str, name: str, values: tuple[str, str]) -> str:
        labels = {
            "__name__": "kepler_container_cpu_joules_total",
            "container_id": container,
            "container_name": container,
            "zone": name,
            "node_name": "node-7",
        }
        return text_scrape(labels, [(T0, values[0]), (T0 + 3600, values[1])])

    node = {"__name__": "kepler_node_cpu_joules_total", "zone": "package", "node_name": "node-7"}
    scrape = (
        zone("c1", "package", ("100", "3700"))  # +3,600 J
        + zone("c1", "core", ("50", "2050"))  # inside package: not read
        + zone("c1", "uncore", ("5", "405"))  # inside package: not read
        + zone("c1", "dram", ("10", "730"))  # +720 J
        + zone("c2", "psys", ("0", "7200"))  # +7,200 J: the platform, read alone
        + zone("c2", "package", ("0", "3600"))  # inside psys: not read
        + zone("c2", "dram", ("0", "360"))  # inside psys: not read
        + zone("c3", "core", ("0", "1800"))  # no package: core read, +1,800 J
        + text_scrape(node, [(T0, "0"), (T0 + 3600, "20000")])  # the node: not read
    )
    result = run_inputs([{"path": write(tmp_path / "kepler.prom", scrape), "country": "DEU"}])
    items = result.items
    by_container = items.groupby(items["run_id"].str.extract(r"container_id=(c\d)")[0])["energy_kwh"].sum()
    # c1: package 3,600 J + dram 720 J = 4,320 J; c2: psys 7,200 J; c3: core 1,800 J.
    assert by_container.to_dict() == pytest.approx(
        {"c1": 4_320 / J_PER_KWH, "c2": 7_200 / J_PER_KWH, "c3": 1_800 / J_PER_KWH}, rel=1e-12
    )
    assert set(items["host"]) == {"node-7"} and set(items["method"]) == {"measured"}
    (ledger,) = result.ledgers
    # 18 samples: 8 used (4 series x 2), 10 left out (core, uncore, c2 package, c2 dram, node: 5 series x 2).
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (18, 8, 10)
    reasons = {group.reason: group.rows for group in ledger.exclusion_groups}
    assert reasons[next(r for r in reasons if "inside the container's package" in r)] == 4
    assert reasons[next(r for r in reasons if "inside its 'psys' zone" in r)] == 4
    assert reasons[next(r for r in reasons if "kepler_node_cpu_joules_total" in r)] == 2


def test_kepler_node_counters_are_read_for_a_node_without_container_counters(tmp_path: Path) -> None:
    def series(name: str, node: str, values: tuple[str, str], **labels: str) -> str:
        return text_scrape({"__name__": name, **labels, "node_name": node}, [(T0, values[0]), (T0 + 3600, values[1])])

    zones = "kepler_node_cpu_joules_total"
    scrape = (
        series("kepler_container_cpu_joules_total", "node-7", ("0", "3600"), container_id="c1", zone="package")
        + series(zones, "node-7", ("0", "20000"), zone="package")  # node-7 has a container: not read
        + series(zones, "node-8", ("0", "7200"), zone="package")  # +7,200 J
        + series(zones, "node-8", ("0", "720"), zone="dram")  # +720 J
        + series(zones, "node-8", ("0", "5000"), zone="core")  # inside package: not read
        + series("kepler_node_cpu_active_joules_total", "node-8", ("0", "3000"), zone="package")  # a part: not read
        + series("kepler_node_platform_joules_total", "node-9", ("0", "10800"))  # Kepler 0.9: the platform, alone
        + series("kepler_node_package_joules_total", "node-9", ("0", "3600"))  # inside the platform: not read
    )
    result = run_inputs([{"path": write(tmp_path / "kepler-nodes.prom", scrape), "country": "DEU"}])
    by_host = result.items.groupby("host")["energy_kwh"].sum()
    # node-7: its container's 3,600 J; node-8: package 7,200 J + dram 720 J = 7,920 J; node-9: platform 10,800 J.
    assert by_host.to_dict() == pytest.approx(
        {"node-7": 3_600 / J_PER_KWH, "node-8": 7_920 / J_PER_KWH, "node-9": 10_800 / J_PER_KWH}, rel=1e-12
    )
    (ledger,) = result.ledgers
    # 16 samples: 8 used (c1, node-8 package and dram, node-9 platform), 8 left out (2 each: node-7's node
    # counter, node-8's core, node-8's active counter, node-9's package).
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (16, 8, 8)
    reasons = {group.reason: group.rows for group in ledger.exclusion_groups}
    assert reasons[other_view("kepler_node_cpu_joules_total", "node", "container")] == 2
    assert reasons["Kepler core/uncore counter: inside the node's package counter, which is read"] == 2
    assert reasons[next(r for r in reasons if "node active counter, a part of kepler_node_cpu_joules_total" in r)] == 2
    assert reasons["Kepler counter of a node part: inside its 'platform' zone, which is read"] == 2
    assert any(note.startswith("Kepler node counters read for node-8, node-9: ") for note in ledger.notes)


def test_kepler_pod_counters_are_read_for_a_node_without_container_counters(tmp_path: Path) -> None:
    def series(name: str, node: str, values: tuple[str, str], **labels: str) -> str:
        return text_scrape({"__name__": name, **labels, "node_name": node}, [(T0, values[0]), (T0 + 3600, values[1])])

    pods = "kepler_pod_cpu_joules_total"
    scrape = (
        series(pods, "node-10", ("0", "1800"), pod_name="p1", zone="package")  # +1,800 J
        + series(pods, "node-10", ("0", "180"), pod_name="p1", zone="dram")  # +180 J
        + series("kepler_node_cpu_joules_total", "node-10", ("0", "9000"), zone="package")  # a coarser view
        + series("kepler_container_cpu_joules_total", "node-11", ("0", "360"), container_id="c9", zone="package")
        + series(pods, "node-11", ("0", "720"), pod_name="p9", zone="package")  # node-11 has a container
    )
    result = run_inputs([{"path": write(tmp_path / "kepler-pods.prom", scrape), "country": "DEU"}])
    by_host = result.items.groupby("host")["energy_kwh"].sum()
    # node-10: pod p1's package 1,800 J + dram 180 J = 1,980 J; node-11: container c9's 360 J.
    assert by_host.to_dict() == pytest.approx({"node-10": 1_980 / J_PER_KWH, "node-11": 360 / J_PER_KWH}, rel=1e-12)
    (ledger,) = result.ledgers
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (10, 6, 4)
    reasons = {group.reason: group.rows for group in ledger.exclusion_groups}
    assert reasons[other_view("kepler_node_cpu_joules_total", "node", "pod")] == 2
    assert reasons[other_view("kepler_pod_cpu_joules_total", "pod", "container")] == 2
    assert any(note.startswith("Kepler pod counters read for node-10: ") for note in ledger.notes)


def test_kepler_legacy_components_summed_when_no_total(tmp_path: Path) -> None:
    labels = {"container_id": "c1", "container_name": "trainer", "node_name": "node-7"}

    def part(name: str, values: tuple[str, str]) -> str:
        return text_scrape(
            {"__name__": f"kepler_container_{name}_joules_total", **labels}, [(T0, values[0]), (T0 + 1800, values[1])]
        )

    scrape = part("package", ("0", "1800")) + part("dram", ("0", "180")) + part("core", ("0", "900"))
    result = run_inputs([{"path": write(tmp_path / "kepler-07.prom", scrape), "country": "DEU"}])
    # package 1,800 J + dram 180 J = 1,980 J; core is inside package.
    assert result.items["energy_kwh"].sum() == pytest.approx(1_980 / J_PER_KWH, rel=1e-12)
    assert len(result.items) == 2


def dcgm_files(tmp_path: Path, second: list[tuple[float, str]]) -> list[dict[str, str]]:
    first = write(tmp_path / "day1.prom", text_scrape(GPU0, [(T0, "1000000"), (T0 + 1800, "2800000")]))
    later = write(tmp_path / "day2.json", range_query([(GPU0, second)]))
    return [{"path": first, "country": "DEU"}, {"path": later, "country": "DEU"}]


def test_one_series_over_two_files_is_one_counter(tmp_path: Path) -> None:
    inputs = dcgm_files(tmp_path, [(T0 + 3600, "4600000"), (T0 + 5400, "6400000")])
    result = run_inputs(inputs)
    items = result.items.sort_values("start_time")
    # day1: 1,000,000 -> 2,800,000 mJ = 1,800 J; across the files 2,800,000 -> 4,600,000 mJ = 1,800 J
    # (counted once, in day2); day2: 4,600,000 -> 6,400,000 mJ = 1,800 J. Total 5,400 J = 0.0015 kWh,
    # 1,800 J of it per half hour: not 3,600 J (boundary lost), not 7,200 J (doubled).
    assert items["energy_kwh"].sum() == pytest.approx(5_400 / J_PER_KWH, rel=1e-12)
    assert list(items["energy_kwh"]) == pytest.approx([1_800 / J_PER_KWH, 3_600 / J_PER_KWH], rel=1e-12)
    # day2's reading now starts at day1's last sample: 10:30 to 11:30, 3,600 s.
    assert [str(t) for t in items["start_time"]] == ["2026-11-05 10:00:00", "2026-11-05 10:30:00"]
    assert list(items["duration_s"]) == [1800, 3600]
    day2 = next(ledger for ledger in result.ledgers if ledger.path.endswith("day2.json"))
    assert any("continues from" in note and "day1.prom row 2" in note for note in day2.notes)
    assert all(ledger.rows_read == ledger.rows_used for ledger in result.ledgers)


def test_a_reset_between_files_and_a_single_sample_file(tmp_path: Path) -> None:
    inputs = dcgm_files(tmp_path, [(T0 + 3600, "500000")])
    result = run_inputs(inputs)
    items = result.items.sort_values("start_time")
    # day1: 1,800 J. day2 holds one sample, 500,000 mJ, below day1's last 2,800,000: a reset, so the
    # energy since it is 500 J, over 10:30..11:00. Total 2,300 J.
    assert list(items["energy_kwh"]) == pytest.approx([1_800 / J_PER_KWH, 500 / J_PER_KWH], rel=1e-12)
    assert "counter_reset" in items["flags"].iloc[1] and items["duration_s"].iloc[1] == 1800
    day2 = next(ledger for ledger in result.ledgers if ledger.path.endswith("day2.json"))
    assert (day2.rows_read, day2.rows_used, day2.rows_excluded) == (1, 1, 0)


def test_overlapping_files_of_one_series_are_not_joined(tmp_path: Path) -> None:
    # day2 repeats day1's last half hour: 2,800,000 at 10:30 (as in day1), 4,600,000 at 11:00.
    inputs = dcgm_files(tmp_path, [(T0 + 1800, "2800000"), (T0 + 3600, "4600000")])
    result = run_inputs(inputs)
    # day1 1,800 J over 10:00..10:30; day2 1,800 J over 10:30..11:00: they touch, not overlap,
    # but day2's first sample is not after day1's last, so no boundary is added: 3,600 J in all.
    assert result.items["energy_kwh"].sum() == pytest.approx(3_600 / J_PER_KWH, rel=1e-12)
    day2 = next(ledger for ledger in result.ledgers if ledger.path.endswith("day2.json"))
    assert any("not joined" in note for note in day2.notes)


def power_log_by_uuid(path: Path, uuid: str) -> str:
    # One GPU at a steady 400 W, a sample every 10 s from 10:30:00 to 11:30:00: 400 W x 3,600 s = 0.4 kWh.
    lines = ["uuid, name, timestamp, power.draw [W]"]
    for step in range(361):
        minute, second = divmod(30 * 60 + step * 10, 60)
        hour, minute = divmod(minute, 60)
        lines.append(f"{uuid}, NVIDIA H100, 2026/11/05 {10 + hour:02d}:{minute:02d}:{second:02d}.000, 400.00 W")
    return write(path, "\n".join(lines) + "\n")


@pytest.mark.parametrize(("uuid", "set_aside"), [("GPU-0a1b", True), ("GPU-4e5f", False)])
def test_gpu_by_uuid_meets_the_dcgm_series_of_its_index(tmp_path: Path, uuid: str, set_aside: bool) -> None:
    # DCGM GPU 0 (UUID GPU-0a1b): 1,000,000 -> 4,600,000 mJ from 10:00 to 11:00 = 3,600 J = 0.001 kWh.
    scrape = write(tmp_path / "dcgm.prom", text_scrape(GPU0, [(T0, "1000000"), (T0 + 3600, "4600000")]))
    log = power_log_by_uuid(tmp_path / "power.csv", uuid)
    result = run_inputs([{"path": scrape, "country": "DEU"}, {"path": log, "country": "DEU", "host": "gpu-node-1"}])
    energy = dict(zip(result.items["source_file"].map(lambda f: Path(f).name), result.items["energy_kwh"], strict=True))
    # Both metered; the DCGM series starts first and is kept whole. The log names GPU-0a1b, which the
    # DCGM labels give as GPU 0: its 10:30..11:00 (1,800 s of 3,600 s) is set aside, 0.2 of its 0.4 kWh.
    # A log of another GPU (GPU-4e5f) meets nothing and keeps its 0.4 kWh.
    assert energy["dcgm.prom"] == pytest.approx(0.001, rel=1e-12)
    assert energy["power.csv"] == pytest.approx(0.2 if set_aside else 0.4, rel=1e-12)


def test_the_counter_and_grouped_host_texts_are_translated() -> None:
    from reporter.i18n import language

    ko = language("ko")
    assert ko.translate(
        "counter dcgm:h:gpu=0 continues from day1.prom row 2: the increase across the files, 0.0005 kWh over "
        "1,800 s, is counted here once (a counter reset between them: flagged counter_reset); its single sample "
        "(row 1) is used for it"
    ) == (
        "카운터 dcgm:h:gpu=0은(는) day1.prom row 2에서 이어짐: 파일 사이의 증가분 0.0005 kWh(1,800초)를 여기서 "
        "한 번 계산함 (그 사이 카운터 재설정: counter_reset 플래그); 이 파일의 단일 샘플(1행)을 이에 사용함"
    )
    assert ko.translate(
        "3 reading(s) (4.4 kWh reported) in 3 files, this one and 2 more, name no host (the files give none: "
        "set each input's `host` option): they are not checked for overlap with the other measurements"
    ) == (
        "파일 3개(이 파일 외 2개)의 측정값 3개(보고된 에너지 4.4 kWh)에 호스트가 없음(파일에 호스트가 없으므로 "
        "각 입력의 `host` 옵션을 지정하십시오): 다른 측정값과의 중복을 확인하지 않음"
    )
    assert ko.translate("Kepler counter of a container part: inside its 'psys' zone, which is read") == (
        "Kepler 컨테이너 부분 카운터: 읽는 'psys' 영역에 포함됨"
    )


COUNTER_SEEDS = {
    "dcgm.json": (SAMPLES / "synthetic-acme" / "gpu-counters" / "paris-ft-node-01-dcgm.json").read_bytes()[:3000],
    "dcgm.prom": (DATA / "counters" / "dcgm-scrapes.prom").read_bytes(),
    "kepler.prom": (DATA / "counters" / "kepler-scrapes.prom").read_bytes(),
}


@FUZZ
@given(name=st.sampled_from(sorted(COUNTER_SEEDS)), changes=edits)
def test_mutated_counter_files_give_readings_or_one_clear_error(name: str, changes: list) -> None:
    with folder() as tmp:
        path = tmp / name
        path.write_bytes(mutate(COUNTER_SEEDS[name], changes))
        read_as_the_pipeline_does(path, "prometheus_energy")


def test_the_same_labels_on_two_hosts_are_two_counters(tmp_path: Path) -> None:
    labels = {"__name__": "kepler_container_joules_total", "container_id": "c1", "container_name": "trainer"}
    first = write(tmp_path / "a.prom", text_scrape(labels, [(T0, "0"), (T0 + 1800, "1800")]))
    later = write(tmp_path / "b.prom", text_scrape(labels, [(T0 + 3600, "5000"), (T0 + 5400, "6800")]))
    inputs = [{"path": first, "country": "DEU", "host": "node-a"}, {"path": later, "country": "DEU", "host": "node-b"}]
    result = run_inputs(inputs)
    # node-a 1,800 J and node-b 1,800 J; the labels match but the hosts differ, so no boundary
    # (5,000 - 1,800 J) is added: 3,600 J in all.
    assert result.items["energy_kwh"].sum() == pytest.approx(3_600 / J_PER_KWH, rel=1e-12)
    assert not any("continues from" in note for ledger in result.ledgers for note in ledger.notes)
