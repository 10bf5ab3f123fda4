"""Overlapping measurements on one host count once: power log > tracker > estimate (worked by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporter.report import build_report
from tests.conftest import run_inputs

HEADER = "timestamp,project_name,run_id,duration,emissions,energy_consumed,country_iso_code\n"
J_PER_KWH = 3_600_000


def _codecarbon(path: Path, run_id: str) -> Path:
    # CodeCarbon writes the end time: a run of 3,600 s from 10:00 to 11:00, 2.0 kWh (machine mode).
    path.write_text(HEADER + f"2026-11-05T11:00:00,llm-finetune,{run_id},3600,0.8,2.0,DEU\n")
    return path


def _power_log(path: Path) -> Path:
    # GPU 0 at a steady 400 W, a sample every 10 s from 10:30:00 to 11:30:00: 400 W x 3,600 s.
    lines = ["index, name, timestamp, power.draw [W]"]
    for step in range(361):
        minute, second = divmod(30 * 60 + step * 10, 60)
        hour, minute = divmod(minute, 60)
        lines.append(f"0, NVIDIA H100, 2026/11/05 {10 + hour:02d}:{minute:02d}:{second:02d}.000, 400.00 W")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    return [
        _codecarbon(tmp_path / "rank0-emissions.csv", "run-rank0"),
        _codecarbon(tmp_path / "rank1-emissions.csv", "run-rank1"),
        _power_log(tmp_path / "gpu-power.csv"),
    ]


def test_one_source_per_host_and_hour(inputs: list[Path]) -> None:
    rank0, rank1, log = inputs
    result = run_inputs([{"path": str(p), "country": "DEU", "host": "gpu-node-1"} for p in inputs])
    items = result.items
    energy = dict(zip(items["source_file"].map(lambda f: Path(f).name), items["energy_kwh"], strict=True))
    # The power log (metered) ranks first and is kept whole: 400 W x 3,600 s = 1,440,000 J = 0.4 kWh.
    # Rank 0's run (tracker) meets it from 10:30 to 11:00: 1,800 s of its 3,600 s, so half of its
    # 2.0 kWh (1.0 kWh) is set aside. Rank 1's run meets the log (10:30-11:00) and the hours rank 0
    # kept (10:00-10:30): all of it, 2.0 kWh, is set aside and the row excluded.
    assert energy == pytest.approx({"gpu-power.csv": 0.4, "rank0-emissions.csv": 1.0}, rel=1e-12)
    assert items["energy_kwh"].sum() == pytest.approx(1.4, rel=1e-12)
    kept = items[items["source_file"].str.endswith("rank0-emissions.csv")].iloc[0]
    assert "overlap_set_aside" in kept["flags"] and kept["host"] == "gpu-node-1"
    assert kept["tracker_co2e_kg"] == pytest.approx(0.4)  # the tool's own 0.8 kg, halved with the energy
    ledgers = {Path(ledger.path).name: ledger for ledger in result.ledgers}
    ledger = ledgers["rank1-emissions.csv"]
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (1, 0, 1)
    (group,) = ledger.exclusion_groups
    assert group.kind == "overlap" and group.example_rows == (2,)
    assert "2 kWh is set aside" in group.reason and "rank0-emissions.csv row 2" in group.reason
    assert "gpu-power.csv" in group.reason
    note = next(n for n in ledgers["rank0-emissions.csv"].notes if n.startswith("overlap"))
    assert "1 kWh of 2 kWh set aside (1,800 s of 3,600 s" in note
    assert ledgers["gpu-power.csv"].rows_excluded == 0
    report = build_report(result)
    assert report.totals.energy_kwh == pytest.approx(1.4, rel=1e-12)
    # The flag carries the energy the partly covered run keeps (1.0 kWh).
    assert report.data_quality.flag_energy_kwh["overlap_set_aside"] == pytest.approx(1.0, rel=1e-12)


def test_without_a_host_nothing_is_compared_and_the_files_say_so(inputs: list[Path]) -> None:
    result = run_inputs([{"path": str(p), "country": "DEU"} for p in inputs])
    # 2.0 + 2.0 + 0.4 kWh: nothing is set aside. One note, in the first file's ledger (by path), counts
    # the three files, their three readings and their 4.4 kWh.
    assert result.items["energy_kwh"].sum() == pytest.approx(4.4, rel=1e-12)
    notes = {Path(ledger.path).name: [n for n in ledger.notes if "name no host" in n] for ledger in result.ledgers}
    assert notes["gpu-power.csv"] == [
        "3 reading(s) (4.4 kWh reported) in 3 files, this one and 2 more, name no host (the files give none: "
        "set each input's `host` option): they are not checked for overlap with the other measurements"
    ]
    assert notes["rank0-emissions.csv"] == notes["rank1-emissions.csv"] == []
    assert all(ledger.rows_excluded == 0 for ledger in result.ledgers)


def test_different_gpus_and_hosts_do_not_overlap(tmp_path: Path) -> None:
    log = _power_log(tmp_path / "gpu-power.csv")
    other = tmp_path / "gpu1-power.csv"
    other.write_text(log.read_text().replace("\n0, ", "\n1, "))
    rank0 = _codecarbon(tmp_path / "rank0-emissions.csv", "run-rank0")
    result = run_inputs(
        [
            {"path": str(log), "country": "DEU", "host": "gpu-node-1"},
            {"path": str(other), "country": "DEU", "host": "gpu-node-1"},
            {"path": str(rank0), "country": "DEU", "host": "gpu-node-2"},
        ]
    )
    # GPU 0 and GPU 1 of one host are different boards; the tracker ran on another host.
    assert result.items["energy_kwh"].sum() == pytest.approx(0.4 + 0.4 + 2.0, rel=1e-12)
    assert not result.items["flags"].str.contains("overlap_set_aside").any()


def test_a_counter_scrape_in_utc_meets_a_tracker_in_local_time(tmp_path: Path) -> None:
    # A DCGM scrape of GPU 0 from 01:00 to 02:00 UTC (10:00-11:00 in Seoul, UTC+9): 3,600 J.
    t0 = 1793840400000  # 2026-11-05 01:00:00 UTC
    series = 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",Hostname="gpu-node-1"}'
    scrape = tmp_path / "dcgm.prom"
    scrape.write_text(f"{series} 1000000 {t0}\n{series} 4600000 {t0 + 3_600_000}\n")
    rank0 = _codecarbon(tmp_path / "rank0-emissions.csv", "run-rank0")  # 10:00-11:00 local
    inputs = [
        {"path": str(scrape), "country": "KOR", "timezone": "Asia/Seoul"},
        {"path": str(rank0), "country": "KOR", "host": "gpu-node-1"},
    ]
    result = run_inputs(inputs)
    # Shown in Seoul time the scrape covers the run's whole hour: the run's 2.0 kWh is set aside.
    assert result.items["energy_kwh"].sum() == pytest.approx(0.001, rel=1e-12)
    assert str(result.items["start_time"].iloc[0]) == "2026-11-05 10:00:00"
    # Read as UTC it does not meet the run: both count.
    inputs[0].pop("timezone")
    assert run_inputs(inputs).items["energy_kwh"].sum() == pytest.approx(2.001, rel=1e-12)


def test_gpu_counters_keep_their_hours_from_zeus_windows_and_kepler_containers() -> None:
    from tests.test_counters import DCGM, KEPLER, ZEUS

    host = {"country": "DEU", "host": "gpu-node-1"}
    result = run_inputs(
        [{"path": str(DCGM), "country": "DEU"}, {"path": str(ZEUS), **host}, {"path": str(KEPLER), **host}]
    )
    # DCGM (metered) covers GPUs 0 and 1 of gpu-node-1 from 10:00 to 11:00 UTC: 3,600 J + 1,400 J.
    # Zeus's two outer windows (10:00-10:10, 10:10-10:20 on GPUs 0 and 1) and Kepler's two container
    # series (10:00-11:00, whose energy includes the GPUs') lie wholly within those hours: set aside.
    assert result.items["energy_kwh"].sum() == pytest.approx(5_000 / J_PER_KWH, rel=1e-12)
    ledgers = {Path(ledger.path).name: ledger for ledger in result.ledgers}
    zeus = ledgers["zeus-measurements.csv"]
    assert (zeus.rows_read, zeus.rows_used, zeus.rows_excluded) == (4, 0, 4)
    assert sum(g.rows for g in zeus.exclusion_groups if g.kind == "overlap") == 2
    kepler = ledgers["kepler-scrapes.prom"]
    # The two series held 3 + 2 samples; all five are now excluded as overlap.
    assert sum(g.rows for g in kepler.exclusion_groups if g.kind == "overlap") == 5
    assert kepler.rows_used == 0 and kepler.rows_read == 9
