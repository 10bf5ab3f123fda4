"""Column-wise energy model benchmark: N bill readings estimated in both modes.

    python benchmarks/bench_estimate.py [--readings 1000000] [--rows 200000]

Writes a real-shaped legacy CUR of --rows rows (benchmarks/make_real_cur.py), reads it into
readings with the AWS CUR reader, repeats them with varied quantities up to --readings readings,
and prints the wall time of `estimate_usage` in default and ccf mode, with the number of distinct
line descriptions the model ran on.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from make_real_cur import generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reporter.cloud import columnar, estimate_usage  # noqa: E402
from reporter.sources import READERS, InputFile  # noqa: E402


def readings(rows: int, count: int, folder: Path) -> pd.DataFrame:
    path = folder / f"real-cur-{rows}.csv"
    generate(path, rows, "csv")
    read = READERS["aws_cur"].read(InputFile.open(path, {"tag_keys": ["team", "project", "model"]})).readings
    repeated = read.iloc[np.arange(count) % len(read)].reset_index(drop=True)
    scale = 1.0 + (np.arange(count) // len(read)) * 0.001  # every copy a little different
    return repeated.assign(consumed_quantity=repeated["consumed_quantity"] * scale)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-estimate-") as folder:
        usage = readings(args.rows, args.readings, Path(folder))
    descriptions = len(columnar.key_lines(usage).keys)
    print(f"{len(usage):,} readings, {descriptions:,} distinct line descriptions")
    for mode in ("default", "ccf"):
        began = time.perf_counter()
        out = estimate_usage(usage, mode)
        seconds = time.perf_counter() - began
        print(f"  {mode:>7}: {seconds:6.2f} s ({seconds / len(usage) * 1e6:.2f} µs per reading), "
              f"{out['energy_kwh'].sum():,.1f} kWh")


if __name__ == "__main__":
    main()
