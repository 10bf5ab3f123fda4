"""nvidia-smi GPU power logs: energy integrated by hand (trapezoids between samples)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporter.report import build_report
from reporter.sources import detect
from reporter.sources.base import InputFile
from tests.conftest import run_inputs

LOG = """index, name, timestamp, power.draw [W]
0, NVIDIA A100-SXM4-40GB, 2026/11/05 10:00:00.000, 200.00 W
1, NVIDIA A100-SXM4-40GB, 2026/11/05 10:00:00.000, 100.00 W
0, NVIDIA A100-SXM4-40GB, 2026/11/05 10:00:10.000, 300.00 W
1, NVIDIA A100-SXM4-40GB, 2026/11/05 10:00:05.000, 100.00 W
0, NVIDIA A100-SXM4-40GB, 2026/11/05 10:00:20.000, 300.00 W
1, NVIDIA A100-SXM4-40GB, 2026/11/05 10:00:10.000, [N/A]
1, NVIDIA A100-SXM4-40GB, 2026/11/05 10:20:00.000, 100.00 W
1, NVIDIA A100-SXM4-40GB, 2026/11/05 10:20:05.000, 100.00 W
0, NVIDIA A100-SXM4-40GB, 2026/11/05 10:00:30.000, 99999 W
"""
J_PER_KWH = 3_600_000


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "gpu-power.csv"
    path.write_text(LOG)
    return path


def test_power_log_is_detected(log: Path) -> None:
    assert detect(InputFile.open(log)).name == "nvidia_smi"


def test_energy_is_the_integral_of_the_samples_per_gpu(log: Path) -> None:
    result = run_inputs([{"path": str(log), "country": "DEU"}])
    items = result.items.sort_values(["source_row"])
    # GPU 0: (200 + 300) / 2 W x 10 s + (300 + 300) / 2 W x 10 s = 5,500 J.
    # GPU 1: 100 W x 5 s = 500 J, a 1,195 s gap (not bridged), then 100 W x 5 s = 500 J.
    assert items["energy_kwh"].sum() == pytest.approx((5_500 + 500 + 500) / J_PER_KWH, rel=1e-12)
    gpu0 = items[items["run_id"].str.contains("index=0")]
    assert gpu0["energy_kwh"].sum() == pytest.approx(5_500 / J_PER_KWH, rel=1e-12)
    gap = items[items["flags"].str.contains("power_log_gap")]
    assert list(gap["source_row"]) == [3] and gap["energy_kwh"].iloc[0] == pytest.approx(500 / J_PER_KWH)
    assert set(items["hardware"]) == {"NVIDIA A100-SXM4-40GB"}
    assert set(items["method"]) == {"metered"} and set(items["scope"]) == {"scope2"}
    report = build_report(result)
    assert report.data_quality.metered_share == 1.0
    assert (items["country_iso3"] == "DEU").all()


def test_every_sample_is_used_or_excluded_with_its_reason(log: Path) -> None:
    result = run_inputs([str(log)])
    (ledger,) = result.ledgers
    assert ledger.rows_read == 9
    reasons = {group.reason: (group.rows, group.example_rows) for group in ledger.exclusion_groups}
    assert reasons == {
        "column 'power.draw [W]': no reading ([N/A] or [Not Supported])": (1, (7,)),
        "column 'power.draw [W]': above 2,000 W, not plausible for one GPU": (1, (10,)),
    }
    assert ledger.rows_used == 7 == int(result.items["row_count"].sum())


def test_nounits_log_reads_the_same(tmp_path: Path, log: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text(LOG.replace(" W\n", "\n"))
    first = run_inputs([str(log)]).items["energy_kwh"].sum()
    assert run_inputs([str(plain)]).items["energy_kwh"].sum() == pytest.approx(first, rel=1e-12)


def test_a_log_without_a_gpu_column_is_refused(tmp_path: Path) -> None:
    from reporter.errors import InputFormatError
    from reporter.sources.trackers.nvidia_smi import NvidiaSmiReader

    path = tmp_path / "power.csv"
    path.write_text("timestamp, power.draw [W]\n2026/11/05 10:00:00.000, 200 W\n")
    with pytest.raises(InputFormatError, match="names no GPU"):
        NvidiaSmiReader().read(InputFile.open(path))


def test_data_quality_gives_the_energy_behind_each_flag(log: Path) -> None:
    report = build_report(run_inputs([{"path": str(log), "country": "DEU"}]))
    energy = report.data_quality.flag_energy_kwh
    # Every reading is GPU-only (5,500 + 500 + 500 J); only GPU 1's first stretch (500 J) ends at a gap.
    assert energy["gpu_power_only"] == pytest.approx(6_500 / J_PER_KWH, rel=1e-12)
    assert energy["power_log_gap"] == pytest.approx(500 / J_PER_KWH, rel=1e-12)
    # The country comes from the input's option: every reading is flagged so.
    assert energy["location_from_config"] == pytest.approx(6_500 / J_PER_KWH, rel=1e-12)
    assert set(energy) == {"gpu_power_only", "power_log_gap", "location_from_config"}
