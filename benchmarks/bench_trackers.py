"""Time and peak memory of the tracker pipeline on a generated CodeCarbon file of N rows.

    python benchmarks/bench_trackers.py --rows 100000

Prints rows, seconds for reading+reconciling+aggregating (no rendering), rows per second and
the process's peak resident memory. The generated runs are one hour each across 2026.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from reporter.config import build_config
from reporter.pipeline import run
from reporter.report import build_report

HEADER = "timestamp,project_name,run_id,experiment_id,duration,emissions,energy_consumed,country_iso_code,pue\n"


def generate(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1)
    with path.open("w") as handle:
        handle.write(HEADER)
        for i in range(rows):
            end = start + timedelta(seconds=rng.randrange(0, 360 * 86400))
            energy = rng.uniform(0.01, 20.0)
            country = rng.choice(("KOR", "FRA", "DEU", "USA", "IRL"))
            handle.write(f"{end:%Y-%m-%dT%H:%M:%S},p{i % 50},r{i},e,3600,{energy * 0.4},{energy},{country},1.0\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "emissions.csv"
        generate(path, args.rows)
        config = build_config(
            {"organization": {"name": "Bench"}, "period": {"month": "2026-01..2026-12"},
             "inputs": [{"path": str(path)}], "base_dir": folder},
            {},
            origin="benchmark",
        )
        began = time.perf_counter()
        context = build_report(run(config))
        seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows            {args.rows:,}")
    print(f"pipeline        {seconds:.2f} s  ({args.rows / seconds:,.0f} rows/s)")
    print(f"peak RSS        {peak_mb:,.0f} MB")
    print(f"energy          {context.totals.energy_kwh:,.1f} kWh")


if __name__ == "__main__":
    main()
