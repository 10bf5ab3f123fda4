"""Generate the synthetic organisation's GPU power log, GPU energy counter and AWS carbon export.

Everything written here is SYNTHETIC: an invented inference node's nvidia-smi log, an invented
fine-tuning node's DCGM energy counter (as a Prometheus range query returns it) and an invented
AWS "Carbon emissions" export for Acme AI's synthetic bills. No number in them was measured or
published by anyone. Deterministic for a seed. Regenerate with:

    python scripts/make_synthetic_extras.py --out sample_inputs/synthetic-acme --seed 2026
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

GPUS = ("NVIDIA L4", "NVIDIA L4")
AWS_ACCOUNTS = ("410000000001", "410000000002", "410000000003")


def write_power_log(path: Path, rng: random.Random) -> int:
    """Two L4 GPUs sampled every 60 s over three days of March 2026, with one 20-minute gap."""
    start = datetime(2026, 3, 9, 8, 0, 0)
    rows = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        handle.write("index, name, timestamp, power.draw [W]\n")
        for step in range(3 * 24 * 60):
            moment = start + timedelta(minutes=step)
            if datetime(2026, 3, 10, 14, 0) <= moment < datetime(2026, 3, 10, 14, 20):
                continue  # the logger was restarted: no samples
            daytime = 0.5 + 0.5 * math.sin((moment.hour - 6) / 24 * 2 * math.pi)
            for index, name in enumerate(GPUS):
                watts = 16 + 52 * daytime * rng.uniform(0.8, 1.0)
                handle.write(f"{index}, {name}, {moment:%Y/%m/%d %H:%M:%S}.000, {watts:.2f} W\n")
                rows += 1
    return rows


def write_dcgm_range_query(path: Path, rng: random.Random) -> int:
    """The Paris fine-tuning node's A100: DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ) every 60 s from
    16:00 to 22:00 UTC on 2026-10-07 (18:00 to 24:00 in Paris), as `/api/v1/query_range` returns it.

    The node's carbontracker run of that day (ft-support-bot, 16:55:40 to 21:52:00 local time)
    trains until 21:52 local: about 300 W until then, about 60 W idle after."""
    start = datetime(2026, 10, 7, 16, 0, tzinfo=UTC)
    training_ends = datetime(2026, 10, 7, 19, 52, tzinfo=UTC)
    counter = 8_143_265_000  # mJ since the driver was loaded
    values = []
    for step in range(6 * 60 + 1):
        moment = start + timedelta(minutes=step)
        values.append([int(moment.timestamp()), str(counter)])
        watts = rng.uniform(280.0, 320.0) if moment < training_ends else rng.uniform(55.0, 65.0)
        counter += round(watts * 60 * 1000)
    labels = {
        "__name__": "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
        "DCGM_FI_DRIVER_VERSION": "550.54.15",
        "Hostname": "paris-ft-node-01",
        "UUID": "GPU-5a1e0c2d-7b3f-4e91-a8d6-0c9f2b7e4d13",
        "device": "nvidia0",
        "gpu": "0",
        "instance": "10.42.0.17:9400",
        "job": "dcgm-exporter",
        "modelName": "NVIDIA A100-SXM4-80GB",
    }
    response = {"status": "success", "data": {"resultType": "matrix", "result": [{"metric": labels, "values": values}]}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(response) + "\n")
    return len(values)


# The AWS Data Exports "Carbon emissions" table's columns, in the order written here (also used by
# the tests that write small exports of their own).
CARBON_EXPORT_COLUMNS = [
    "last_refresh_timestamp",
    "location",
    "model_version",
    "payer_account_id",
    "product_code",
    "region_code",
    "total_lbm_emissions_unit",
    "total_lbm_emissions_value",
    "total_mbm_emissions_unit",
    "total_mbm_emissions_value",
    "usage_account_id",
    "usage_period_end",
    "usage_period_start",
]


def write_carbon_export(path: Path, rng: random.Random) -> int:
    """Monthly location- and market-based MTCO2e per account for us-east-1, January to October 2026."""
    base = {"410000000001": 0.004, "410000000002": 0.090, "410000000003": 0.010}
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CARBON_EXPORT_COLUMNS)
        for month in range(1, 11):
            first = datetime(2026, month, 1)
            following = datetime(2026 + month // 12, month % 12 + 1, 1)
            for account in AWS_ACCOUNTS:
                lbm = base[account] * rng.uniform(0.85, 1.15)
                mbm = lbm * rng.uniform(0.15, 0.3)
                writer.writerow(
                    [
                        "2026-11-20T00:00:00Z",
                        "US East (N. Virginia)",
                        "v3.0.0",
                        "400000000000",
                        "AmazonEC2",
                        "us-east-1",
                        "MTCO2e",
                        f"{lbm:.6f}",
                        "MTCO2e",
                        f"{mbm:.6f}",
                        account,
                        f"{following:%Y-%m-%dT%H:%M:%SZ}",
                        f"{first:%Y-%m-%dT%H:%M:%SZ}",
                    ]
                )
                rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("sample_inputs/synthetic-acme"))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    samples = write_power_log(args.out / "power-logs" / "seoul-inference-gpu-power.csv", rng)
    exported = write_carbon_export(args.out / "provider-carbon" / "aws-carbon-emissions-2026.csv", rng)
    counter = write_dcgm_range_query(args.out / "gpu-counters" / "paris-ft-node-01-dcgm.json", rng)
    print(f"power log: {samples} samples; carbon export: {exported} rows; GPU energy counter: {counter} samples")


if __name__ == "__main__":
    main()
