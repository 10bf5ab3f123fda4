"""Cloud-bill scale benchmark: the tool against a bare DuckDB scan-and-group-by of the same file.

    python benchmarks/bench_cur.py --rows 1000000 10000000 [--format csv|csv.gz|parquet] [--keep DIR]

For each N it writes a synthetic CUR 2.0 file of N rows (DuckDB generates it; 90 % usage rows over
a month, 40 instance types, EBS, S3 and data transfer, 10 % tax/credit/fee rows), then runs, each
in a fresh process:

1. bare DuckDB: read the file, keep usage rows, group by day, account, region, usage type and
   unit, sum amount and cost (the baseline of the goal);
2. DuckDB over the same columns the tool reads: every row grouped on the 11 columns the CUR reader
   maps (payer, account, line-item type, product, usage type, unit, region, currency, tags, start,
   end) with the amount and cost summed — no row numbers, no hashing, no energy model;
3. the tool: `reporter report` on the file (JSON only), which also numbers every row, hashes the
   file, models energy and writes the report.

The file is read once before timing (so every run finds it in the page cache), and each of the
three is run `--repeat` times (default 3) in turn; it prints the median wall time and the largest
peak RSS of each, and the tool's time over each DuckDB time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GENERATE = """
COPY (
  SELECT
    'id-' || i AS identity_line_item_id,
    '111122223333' AS bill_payer_account_id,
    'acct-' || (i % 7) AS line_item_usage_account_id,
    CASE WHEN i % 10 = 0 THEN (['Tax', 'Credit', 'RIFee', 'Fee'])[1 + (i // 10) % 4]
         WHEN i % 3 = 0 THEN 'DiscountedUsage' ELSE 'Usage' END AS line_item_line_item_type,
    TIMESTAMP '2026-10-01' + INTERVAL (i % 744) HOUR AS line_item_usage_start_date,
    TIMESTAMP '2026-10-01' + INTERVAL (i % 744 + 1) HOUR AS line_item_usage_end_date,
    CASE WHEN i % 5 = 4 THEN 'AmazonS3' ELSE 'AmazonEC2' END AS line_item_product_code,
    CASE i % 5
      WHEN 0 THEN 'USE1-BoxUsage:' || (['m5.large','m5.xlarge','c5.2xlarge','r5.large','t3.medium','m6i.large',
                                         'c6i.xlarge','p4d.24xlarge','g5.xlarge','p5.48xlarge'])[1 + (i // 5) % 10]
      WHEN 1 THEN 'USE1-EBS:VolumeUsage.gp3'
      WHEN 2 THEN 'USE1-DataTransfer-Out-Bytes'
      WHEN 3 THEN 'EUW1-BoxUsage:' || (['m5.large','c5.large','g4dn.xlarge','m7i.large'])[1 + (i // 5) % 4]
      ELSE 'USE1-TimedStorage-ByteHrs' END AS line_item_usage_type,
    CASE i % 5 WHEN 0 THEN 'Hrs' WHEN 3 THEN 'Hrs' WHEN 2 THEN 'GB' ELSE 'GB-Mo' END AS pricing_unit,
    CASE i % 5 WHEN 3 THEN 'eu-west-1' ELSE 'us-east-1' END AS product_region_code,
    CAST(round(random() * 2, 6) AS VARCHAR) AS line_item_usage_amount,
    CAST(round(random() * 3, 6) AS VARCHAR) AS line_item_unblended_cost,
    'USD' AS line_item_currency_code,
    '{{"user_team": "' || (['research','platform','applied'])[1 + i % 3] || '"}}' AS resource_tags
  FROM range({rows}) t(i)
) TO '{path}' ({options});
"""

BARE = """
SELECT date_trunc('day', CAST(line_item_usage_start_date AS TIMESTAMP)) AS day, line_item_usage_account_id,
       product_region_code, line_item_usage_type, pricing_unit,
       sum(CAST(line_item_usage_amount AS DOUBLE)), sum(CAST(line_item_unblended_cost AS DOUBLE)), count(*)
FROM {scan}
WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
GROUP BY ALL
"""


SAME_COLUMNS = """
SELECT bill_payer_account_id, line_item_usage_account_id, line_item_line_item_type, line_item_product_code,
       line_item_usage_type, pricing_unit, product_region_code, line_item_currency_code, resource_tags,
       line_item_usage_start_date, line_item_usage_end_date,
       sum(TRY_CAST(line_item_usage_amount AS DOUBLE)), sum(TRY_CAST(line_item_unblended_cost AS DOUBLE)), count(*)
FROM {scan}
GROUP BY ALL
"""


def generate(path: Path, rows: int, fmt: str) -> None:
    import duckdb

    options = {"parquet": "FORMAT parquet", "csv.gz": "HEADER, DELIMITER ',', COMPRESSION gzip"}.get(
        fmt, "HEADER, DELIMITER ','"
    )
    with duckdb.connect() as connection:
        connection.execute(GENERATE.format(rows=rows, path=path.as_posix(), options=options))


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process."""
    wrapper = (
        "import resource, subprocess, sys, time, json;"
        "t = time.perf_counter(); r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "s = time.perf_counter() - t;"
        "sys.stderr.write(r.stderr[-2000:]) if r.returncode else None;"
        "print(json.dumps([r.returncode, s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True, check=True)
    code, seconds, peak = json.loads(out.stdout.strip().splitlines()[-1])
    if code:
        raise SystemExit(f"command failed: {' '.join(command)}\n{out.stderr}")
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--format", choices=["csv", "csv.gz", "parquet"], default="csv")
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (the median is printed)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-cur-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"{'rows':>12} {'size MB':>8} {'bare s':>7} {'bare MB':>8} {'same-cols s':>12} {'same-cols MB':>13} "
        f"{'tool s':>7} {'tool MB':>8} {'tool/bare':>10} {'tool/same-cols':>15}"
    )
    for rows in args.rows:
        path = folder / f"cur-{rows}.{args.format}"
        if not path.exists():
            began = time.perf_counter()
            generate(path, rows, args.format)
            print(f"  (generated {path.name} in {time.perf_counter() - began:.1f} s)", file=sys.stderr)
        scan = f"read_parquet('{path}')" if args.format == "parquet" else f"read_csv('{path}', all_varchar=true)"
        out = folder / f"out-{rows}"
        tool = [sys.executable, "-m", "reporter", "report", str(path), "--org", "Bench", "--period", "2026-10",
                "--out", str(out), "--only", "json"]
        warm(path)
        runs = [
            [measure(command) for command in
             (duckdb_command(BARE.format(scan=scan)), duckdb_command(SAME_COLUMNS.format(scan=scan)), tool)]
            for _ in range(max(args.repeat, 1))
        ]
        (bare_s, bare_mb), (same_s, same_mb), (tool_s, tool_mb) = (
            (statistics.median(run[i][0] for run in runs), max(run[i][1] for run in runs)) for i in range(3)
        )
        size = path.stat().st_size / 1e6
        print(
            f"{rows:>12,} {size:>8.0f} {bare_s:>7.2f} {bare_mb:>8.0f} {same_s:>12.2f} {same_mb:>13.0f} "
            f"{tool_s:>7.2f} {tool_mb:>8.0f} {tool_s / bare_s:>10.2f} {tool_s / same_s:>15.2f}"
        )


def warm(path: Path) -> None:
    """Read the file once, so that no timed run pays for reading it from disk."""
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def duckdb_command(query: str) -> list[str]:
    """A fresh Python process running `query` in DuckDB on two threads."""
    code = f"import duckdb; c = duckdb.connect(config={{'threads': 2}}); c.execute({query!r}).fetchall()"
    return [sys.executable, "-c", code]


if __name__ == "__main__":
    main()
