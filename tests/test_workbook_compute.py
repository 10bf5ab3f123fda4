"""The manual-entry workbook's Compute usage rows: GPU-hours and instance-hours of any provider.

Every expected figure is worked out below from the vendored tables' published values, written out
as literals (reporter/data/cloud/gpu_power.csv, cpu_power.csv, instances.csv, model_constants.csv,
pue.csv), with the cloud model's formulas (reporter/cloud/METHOD.md):

    power at utilisation u = idle + u × (max − idle)          (u = 10 % / 50 % / 90 %)
    instance = vCPU × per-vCPU power + GPUs × GPU power + max(0, memory − vCPU × GB-per-chip / 96) × 0.392 W
    GPU-hour = GPU power + (reference instance − its GPUs) / its GPU count
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reporter.report import build_report
from tests.conftest import run_inputs
from tests.test_workbook import fill

MEMORY_W_PER_GIB = 0.392
H100_W = 60 + 0.5 * (700 - 60)  # H100-SXM idle 60 W, max 700 W: 380 W at 50 %

# aws EPYC 3rd Gen: 0.45562453497023814 – 1.957333519345238 W per vCPU, 137.142857 GB per chip.
EPYC3_AWS_W = 0.45562453497023814 + 0.5 * (1.957333519345238 - 0.45562453497023814)  # 1.2064790 W per vCPU
EPYC3_AWS_GB_PER_VCPU = 137.14285714285714 / 96  # 1.4285714 GiB per vCPU below the baseline

# p5.48xlarge (aws): 192 vCPU EPYC 3rd Gen, 2048 GiB, 8 × H100-SXM.
P5_HOST_W = 192 * EPYC3_AWS_W + (2048 - 192 * EPYC3_AWS_GB_PER_VCPU) * MEMORY_W_PER_GIB
# = 231.6439732 + 1773.7142857 × 0.392 = 231.6439732 + 695.2960 = 926.9400 W; per GPU 115.8675 W
COLOCATION_PUE = 1.56  # pue.csv colocation default (Uptime Institute 2024 average)


def _compute_row(provider: str, region: str, unit: str, hours: float, kind: str,
                 pue: float | None = None) -> list[object]:
    # provider, region, month, start, end, unit, hours, type, team, project, model, source, PUE
    return [provider, region, "2026-10", None, None, unit, hours, kind, "research", None, None, "invoice", pue]


def _items(tmp_path: Path, rows: list[list[object]]) -> tuple[object, dict[int, object]]:
    path = fill(tmp_path / "compute.xlsx", {"Compute usage": rows})
    result = run_inputs([str(path)], period="2026-10")
    items = result.items.set_index("source_row", drop=False)
    return result, {int(row): items.loc[row] for row in items.index}


def test_colocation_gpu_hours_get_the_gpu_and_its_hosts_share_times_the_colocation_default(tmp_path: Path) -> None:
    _, items = _items(tmp_path, [_compute_row("coreweave", "US-VA", "GPU-hours", 50, "H100")])
    item = items[2]
    # Per GPU-hour: 380 W (H100 at 50 %) + 926.9400 / 8 = 115.8675 W (p5.48xlarge's host) = 495.8675 W;
    # × 50 h = 24.793375 kWh IT; × PUE 1.56 (no PUE given: colocation default) = 38.677665 kWh.
    per_gpu_w = H100_W + P5_HOST_W / 8
    assert per_gpu_w == pytest.approx(495.8675, abs=1e-4)
    assert item["energy_it_kwh"] == pytest.approx(24.793375, rel=1e-6)
    assert item["energy_kwh"] == pytest.approx(24.793375 * COLOCATION_PUE, rel=1e-6)
    assert item["pue"] == COLOCATION_PUE and item["estimate_status"] == "estimated"
    assert item["pue_basis"] == "colocation default PUE, assumed (no PUE given)"
    assert {"pue_colocation_default", "host_share_from_instance"} <= set(item["flags"].split(";"))
    assert "p5.48xlarge" in item["estimate_basis"] and "ASSUMED" in item["estimate_basis"]
    # The region of a provider without a region table is a location, as on the Electricity sheet.
    assert (item["country_code"], item["region"], item["cloud_region"]) == ("US", "VA", None)
    # Low: 10 % utilisation: GPU 60 + 64 = 124 W; host 192 × (0.4556245 + 0.1 × 1.5017090) + 695.2960 W.
    low_host = 192 * (0.45562453497023814 + 0.1 * (1.957333519345238 - 0.45562453497023814)) + 695.296
    assert item["energy_kwh_low"] == pytest.approx((124 + low_host / 8) * 50 / 1000 * COLOCATION_PUE, rel=1e-6)


def test_a_neo_clouds_own_pue_is_used_when_given(tmp_path: Path) -> None:
    _, items = _items(tmp_path, [_compute_row("lambda labs", "US-TX", "GPU-hours", 100, "L40S", pue=1.25)])
    item = items[2]
    # L40S: idle 40 W, max 350 W → 40 + 0.5 × 310 = 195 W. Host from g6e.48xlarge (aws: 192 vCPU EPYC 3rd
    # Gen, 1536 GiB, 8 × L40S): 231.6439732 + (1536 − 274.2857143) × 0.392 = 231.6439732 + 494.592 = 726.2360 W,
    # 90.779497 W per GPU. (195 + 90.779497) W × 100 h = 28.5779497 kWh IT; × site PUE 1.25 = 35.7224371 kWh.
    assert item["energy_it_kwh"] == pytest.approx(28.5779497, rel=1e-6)
    assert item["energy_kwh"] == pytest.approx(35.7224371, rel=1e-6)
    assert item["pue_basis"] == "site PUE (Compute usage sheet)" and item["tracker_pue"] == 1.25
    assert "pue_colocation_default" not in item["flags"] and "g6e.48xlarge" in item["estimate_basis"]


def test_cloud_gpu_hours_take_the_providers_own_instance_and_regional_pue(tmp_path: Path) -> None:
    rows = [
        _compute_row("gcp", "us-central1", "GPU-hours", 100, "H100"),
        _compute_row("azure", "westeurope", "GPU-hours", 10, "A100 80GB"),
        _compute_row("aws", "us-east-1", "GPU-hours", 10, "A100"),
    ]
    _, items = _items(tmp_path, rows)
    # gcp: a3-highgpu-8g (208 vCPU Emerald Rapids: 0.8140104 – 4.3816792 W, 160 GB per chip; 1872 GiB; 8 × H100):
    # CPU 208 × (0.8140104 + 0.5 × 3.5676688) = 540.351725 W; memory (1872 − 208 × 160 / 96) × 0.392 = 597.930667 W;
    # host per GPU 1138.282392 / 8 = 142.285299 W; (380 + 142.285299) × 100 h = 52.2285299 kWh; × PUE 1.11.
    gcp = items[2]
    assert gcp["energy_it_kwh"] == pytest.approx(52.2285299, rel=1e-6)
    assert gcp["energy_kwh"] == pytest.approx(52.2285299 * 1.11, rel=1e-6)
    assert gcp["pue_basis"] == "cloud provider's regional PUE (default model)"
    # azure: "A100 80GB" is the A100 SXM 80 GB (46 – 400 W: 223 W at 50 %); standard_nd96amsr_a100_v4 (96 vCPU
    # EPYC 2nd Gen: 0.4742622 – 1.6929615 W, 129.777778 GB per chip; 1900 GiB; 8 GPUs): CPU 96 × (0.4742622 +
    # 0.5 × 1.2186994) = 104.026736 W; memory (1900 − 96 × 1.3518519) × 0.392 = 693.927111 W; per GPU
    # 797.953847 / 8 = 99.744231 W; (223 + 99.744231) × 10 h = 3.22744231 kWh; × PUE 1.16 (westeurope).
    azure = items[3]
    assert azure["energy_it_kwh"] == pytest.approx(3.22744231, rel=1e-7)
    assert azure["energy_kwh"] == pytest.approx(3.22744231 * 1.16, rel=1e-7)
    # aws: "A100" is the A100 SXM 40 GB (223 W at 50 %); p4d.24xlarge (96 vCPU Cascade Lake: 0.6902978 –
    # 4.0631935 W, 105.972050 GB per chip; 1152 GiB; 8 GPUs): CPU 96 × (0.6902978 + 0.5 × 3.3728957) = 228.167585 W;
    # memory (1152 − 96 × 1.1038755) × 0.392 = 410.042957 W; per GPU 638.210541 / 8 = 79.776318 W;
    # (223 + 79.776318) × 10 h = 3.02776318 kWh; × PUE 1.15 (us-east-1).
    aws = items[4]
    assert aws["energy_it_kwh"] == pytest.approx(3.02776318, rel=1e-7)
    assert aws["energy_kwh"] == pytest.approx(3.02776318 * 1.15, rel=1e-7)


def test_instance_hours_of_any_provider_come_from_the_instance_tables(tmp_path: Path) -> None:
    rows = [
        _compute_row("gcp", "us-central1", "instance-hours", 10, "a3-highgpu-8g"),
        _compute_row("equinix FR5", "DE", "instance-hours", 2, "p5.48xlarge", pue=1.3),
    ]
    _, items = _items(tmp_path, rows)
    # gcp a3-highgpu-8g: 540.351725 W CPU + 8 × 380 W + 597.930667 W memory = 4178.282392 W; × 10 h = 41.78282392 kWh.
    gcp = items[2]
    assert gcp["energy_it_kwh"] == pytest.approx(41.78282392, rel=1e-8)
    assert gcp["energy_kwh"] == pytest.approx(41.78282392 * 1.11, rel=1e-8)
    # A colocation site's p5.48xlarge: from the aws table: 926.9400 W host + 8 × 380 W = 3966.9400 W; × 2 h
    # = 7.93388 kWh; × the site's PUE 1.3 = 10.314044 kWh.
    colo = items[3]
    assert colo["energy_it_kwh"] == pytest.approx((P5_HOST_W + 8 * H100_W) * 2 / 1000, rel=1e-9)
    assert colo["energy_it_kwh"] == pytest.approx(7.93388, rel=1e-5)
    assert colo["energy_kwh"] == pytest.approx(10.314044, rel=1e-5)
    assert colo["estimate_basis"].startswith("instance type from the aws table; 192 vCPU")
    # Embodied: p5 platform 5700 kg × 2 h / 35,040 h × 192/192 vCPU = 0.325342 kg, kept apart from energy.
    assert colo["embodied_co2e_kg"] == pytest.approx(5700 * 2 / 35040, rel=1e-9)


def test_unknown_types_are_flagged_counted_and_never_a_silent_zero(tmp_path: Path) -> None:
    rows = [
        _compute_row("coreweave", "US-VA", "GPU-hours", 40, "RTX 4090"),
        _compute_row("gcp", "us-central1", "instance-hours", 5, "z9-megamachine-8"),
        _compute_row("nscale", "NO", "GPU-hours", 10, "MI300X", pue=1.1),
    ]
    result, items = _items(tmp_path, rows)
    gpu, instance, mi300 = items[2], items[3], items[4]
    assert (gpu["estimate_status"], gpu["energy_kwh"]) == ("unclassified", 0.0)
    assert "accelerator_type_unknown" in gpu["flags"].split(";")
    assert gpu["estimate_basis"] == "accelerator type 'RTX 4090' is not in the accelerator table"
    assert (instance["estimate_status"], instance["energy_kwh"]) == ("unclassified", 0.0)
    assert "instance_type_unknown" in instance["flags"].split(";")
    # MI300X is in the accelerator table (86.25 – 750 W) but no instance carries it: the GPU alone,
    # 86.25 + 0.5 × 663.75 = 418.125 W × 10 h = 4.18125 kWh; × 1.1; flagged host_power_unknown.
    assert mi300["energy_it_kwh"] == pytest.approx(4.18125) and mi300["energy_kwh"] == pytest.approx(4.599375)
    assert "host_power_unknown" in mi300["flags"].split(";")
    quality = build_report(result).data_quality
    counts = dict(quality.flag_counts)
    assert counts["accelerator_type_unknown"] == 1 and counts["instance_type_unknown"] == 1
    assert counts["host_power_unknown"] == 1


def test_the_energy_model_mode_does_not_change_manual_rows(tmp_path: Path) -> None:
    rows = [_compute_row("aws", "us-east-1", "GPU-hours", 10, "A100")]
    path = fill(tmp_path / "compute.xlsx", {"Compute usage": rows})
    ccf = run_inputs([str(path)], period="2026-10", method={"energy_model": "ccf"})
    assert ccf.items["energy_it_kwh"].iloc[0] == pytest.approx(3.02776318, rel=1e-7)
