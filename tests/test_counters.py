"""DCGM exporter and Kepler counter scrapes, and Zeus measurement CSVs: energy worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.sources import detect
from reporter.sources.base import InputFile
from tests.conftest import DATA, run_inputs

COUNTERS = DATA / "counters"
DCGM = COUNTERS / "dcgm-scrapes.prom"
KEPLER = COUNTERS / "kepler-scrapes.prom"
ZEUS = COUNTERS / "zeus-measurements.csv"
J_PER_KWH = 3_600_000


@pytest.mark.parametrize(("path", "name"), [(DCGM, "prometheus_energy"), (KEPLER, "prometheus_energy"), (ZEUS, "zeus")])
def test_detected_by_content(path: Path, name: str) -> None:
    assert detect(InputFile.open(path)).name == name


def test_dcgm_energy_is_the_counter_increase_with_a_reset() -> None:
    result = run_inputs([{"path": str(DCGM), "country": "DEU"}])
    items = result.items.set_index("gpu")
    # GPU 0: 1,000,000 -> 2,800,000 -> 4,600,000 mJ = 3,600,000 mJ = 3,600 J = 0.001 kWh.
    assert items.loc["0", "energy_kwh"] == pytest.approx(0.001, rel=1e-12)
    # GPU 1: 5,000,000 -> 6,000,000 (+1,000,000 mJ), then 400,000: a reset, counted from zero
    # (+400,000 mJ): 1,400,000 mJ = 1,400 J.
    assert items.loc["1", "energy_kwh"] == pytest.approx(1_400 / J_PER_KWH, rel=1e-12)
    assert "counter_reset" in items.loc["1", "flags"] and "counter_reset" not in items.loc["0", "flags"]
    assert set(items["host"]) == {"gpu-node-1"}
    assert set(items["method"]) == {"metered"}
    assert all("gpu_power_only" in flags for flags in items["flags"])
    assert set(items["hardware"]) == {"NVIDIA H100 80GB HBM3"}
    assert (items["duration_s"] == 3600).all()
    assert str(items.loc["0", "start_time"]) == "2026-11-05 10:00:00"
    (ledger,) = result.ledgers
    # 9 sample lines: 6 energy-counter samples used (3 per GPU), 3 power gauges excluded.
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (9, 6, 3)
    (group,) = ledger.exclusion_groups
    assert group.rows == 3 and "DCGM_FI_DEV_POWER_USAGE" in group.reason
    assert any("1 counter reset(s)" in note for note in ledger.notes)


def test_kepler_container_series_and_a_bad_sample() -> None:
    result = run_inputs([{"path": str(KEPLER), "country": "DEU", "host": "gpu-node-1"}])
    items = result.items
    runs = zip(items["run_id"], items["energy_kwh"], strict=True)
    by_mode = {run.rsplit("mode=", 1)[1].split(",")[0]: kwh for run, kwh in runs}
    # dynamic: 100 -> 3,700 -> 7,300 J = 7,200 J = 0.002 kWh; idle: 50 -> (NaN, excluded) -> 1,850 J = 1,800 J.
    assert by_mode == pytest.approx({"dynamic": 0.002, "idle": 1_800 / J_PER_KWH}, rel=1e-12)
    assert set(items["method"]) == {"measured"} and set(items["host"]) == {"gpu-node-1"}
    (ledger,) = result.ledgers
    # 9 sample lines: 5 used, the NaN sample and 3 package-component samples excluded.
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (9, 5, 4)
    (bad,) = ledger.exclusions
    assert bad.row == 11 and "'NaN' is not a finite number" in bad.reason


def test_zeus_sums_outer_windows_only() -> None:
    result = run_inputs([{"path": str(ZEUS), "country": "DEU", "host": "gpu-node-1"}])
    items = result.items.sort_values("source_row")
    # epoch_1: 90,000 + 90,000 J = 0.05 kWh; epoch_2: 72,000 + 36,000 J = 0.03 kWh; step_1 lies
    # within epoch_1 (nested, excluded); epoch_3's elapsed_time is not a number (excluded).
    assert list(items["energy_kwh"]) == pytest.approx([0.05, 0.03], rel=1e-12)
    assert list(items["source_row"]) == [3, 4]
    assert set(items["gpu"]) == {"0,1"} and set(items["host"]) == {"gpu-node-1"}
    assert list(items["duration_s"]) == [600.0, 600.0]
    (ledger,) = result.ledgers
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (4, 2, 2)
    reasons = {e.row: e.reason for e in ledger.exclusions}
    assert "nested window" in reasons[2] and "row 3" in reasons[2]
    assert "column 'elapsed_time'" in reasons[5] and "'abc' is not a number" in reasons[5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",Hostname="h"} 5\n', "row 1, column 'timestamp'"),
        ('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",Hostname="h"} 5 12:00\n', "row 1, column 'timestamp'"),
        ('# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\nDCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0} 5 1\n',
         "row 2, column 'labels'"),
    ],
)
def test_bad_scrape_is_one_line_and_exit_2(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "scrape.prom"
    path.write_text(text)
    result = CliRunner().invoke(main, ["validate", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"scrape.prom, {expected}" in result.output
    assert "Traceback" not in result.output


def test_zeus_missing_column_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "zeus.csv"
    path.write_text("start_time,window_name,gpu0_energy\n1793872800.0,w,1.0\n")
    result = CliRunner().invoke(main, ["validate", "--format", "zeus", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert "zeus.csv, row 1, column 'elapsed_time'" in result.output
