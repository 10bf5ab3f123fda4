"""Real-bill benchmark: the tool on a legacy CUR shaped like an AI company's, against a bare DuckDB group-by.

    python benchmarks/bench_real_bill.py [--rows 200000 ...] [--format csv csv.gz parquet] [--keep DIR]
                                         [--skip-full] [--timeout 900]

For each size and format it writes the bill once with benchmarks/make_real_cur.py (hourly lines per
resource over 2026-10, 120 accounts, 10 regions, GPU/CPU/storage/transfer usage types, team /
project / model tags, 3 % non-usage rows; kept in --keep DIR, else in a temporary folder removed at
the end), reads it once so that every timed run finds it in the page cache, then measures, each in a
fresh process, its wall time and peak RSS (getrusage of the child, in a small wrapper process):

1. bare: DuckDB (2 threads) reads the file, keeps the usage rows and groups them by month, account,
   region, usage type, instance type, unit and the three tags, summing amount and cost;
2. json: `reporter report FILE --org Bench --period 2026-10 --only json`;
3. full: `reporter report FILE ...` with every default output (skipped with --skip-full).

A run still going after --timeout seconds is killed (its whole process group) and shown as
"timeout". The table gives, per file: rows, size, each run's wall time and peak RSS, the readings
the tool made (the JSON report's totals.line_items, "?" when absent), µs per row and the tool's time
over the bare query's; every file each tool run wrote is listed below it with its size. Memory
cannot be capped from outside: keep sizes small (a 2M-row bill needed about 10 GB at the time of
writing) and raise them step by step.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from make_real_cur import generate

REPO = Path(__file__).resolve().parent.parent
PERIOD = "2026-10"
USAGE_TYPES = "('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')"
GROUPS = (
    '"lineItem/UsageAccountId", "product/region", "lineItem/UsageType", "product/instanceType", "pricing/unit", '
    '"resourceTags/user:team", "resourceTags/user:project", "resourceTags/user:model"'
)
BARE = f"""
SELECT date_trunc('month', CAST("lineItem/UsageStartDate" AS TIMESTAMP)) AS month, {GROUPS},
       sum(CAST("lineItem/UsageAmount" AS DOUBLE)), sum(CAST("lineItem/UnblendedCost" AS DOUBLE)), count(*)
FROM {{scan}}
WHERE "lineItem/LineItemType" IN {USAGE_TYPES}
GROUP BY ALL
"""
# Runs a command in its own process group; prints [exit code or null on timeout, seconds, peak RSS MB, stdout tail].
WRAPPER = """
import json, os, resource, signal, subprocess, sys, time
timeout = float(sys.argv[1])
began = time.perf_counter()
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
try:
    out, err = child.communicate(timeout=timeout)
    code = child.returncode
except subprocess.TimeoutExpired:
    os.killpg(child.pid, signal.SIGKILL)
    out, err = child.communicate()
    code = None
seconds = time.perf_counter() - began
sys.stderr.write(err[-3000:] if code else "")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps([code, seconds, peak, out[-2000:]]))
"""


@dataclass
class Run:
    """One measured command: wall seconds, peak RSS (MB), 'ok' / 'timeout' / 'failed', its stdout tail."""

    seconds: float = 0.0
    peak_mb: float = 0.0
    status: str = "skipped"
    stdout: str = ""
    readings: str = ""
    outputs: list[tuple[str, int]] = field(default_factory=list)

    def cell(self, wide: int = 7) -> str:
        return f"{self.seconds:>{wide}.1f}" if self.status == "ok" else f"{self.status:>{wide}}"

    def memory(self) -> str:
        return f"{self.peak_mb:>8.0f}" if self.status in ("ok", "timeout") else f"{'-':>8}"


def measure(command: list[str], timeout: float, cwd: Path) -> Run:
    """Run `command` in a fresh process (through WRAPPER) and measure it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(timeout), *command],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout + 120,
    )
    if done.returncode or not done.stdout.strip():
        sys.stderr.write(f"wrapper failed for {' '.join(command)}:\n{done.stderr[-3000:]}\n")
        return Run(status="failed")
    code, seconds, peak, stdout = json.loads(done.stdout.strip().splitlines()[-1])
    if code:
        sys.stderr.write(f"failed ({code}): {' '.join(command)}\n{done.stderr[-3000:]}\n")
    status = "timeout" if code is None else "failed" if code else "ok"
    return Run(seconds=seconds, peak_mb=peak, status=status, stdout=stdout)


def bare_command(path: Path, fmt: str) -> list[str]:
    """A fresh Python process running the bare group-by in DuckDB on two threads; prints the group count."""
    scan = f"read_parquet('{path}')" if fmt == "parquet" else f"read_csv('{path}', all_varchar=true)"
    query = BARE.format(scan=scan)
    code = (
        "import duckdb; c = duckdb.connect(config={'threads': 2}); c.execute('SET enable_progress_bar = false'); "
        f"print(len(c.execute({query!r}).fetchall()))"
    )
    return [sys.executable, "-c", code]


def tool_command(path: Path, out: Path, json_only: bool) -> list[str]:
    command = [sys.executable, "-m", "reporter", "report", str(path), "--org", "Bench", "--period", PERIOD]
    return command + ["--out", str(out)] + (["--only", "json"] if json_only else [])


def run_tool(path: Path, out: Path, json_only: bool, timeout: float) -> Run:
    """The tool on the bill into a clean `out` folder; the run with its readings and every file it wrote."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    run = measure(tool_command(path, out, json_only), timeout, out.parent)
    run.outputs = sorted((file.name, file.stat().st_size) for file in out.rglob("*") if file.is_file())
    run.readings = readings(out) if run.status == "ok" else "-"
    return run


def readings(out: Path) -> str:
    """The number of readings (line items) in the JSON report in `out`, or '?'."""
    reports = sorted(out.glob("*.json"))
    if not reports:
        return "?"
    try:
        document = json.loads(reports[0].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "?"
    count = (document.get("totals") or {}).get("line_items")
    if count is None and isinstance(document.get("line_items"), list):
        count = len(document["line_items"])
    return f"{count:,}" if isinstance(count, int) else "?"


def warm(path: Path) -> None:
    """Read the file once, so that no timed run pays for reading it from disk."""
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def bill(folder: Path, rows: int, fmt: str) -> Path:
    """The generated bill of `rows` rows in `fmt`, written on first use."""
    path = folder / f"real-cur-{rows}.{fmt}"
    if not path.exists():
        began = time.perf_counter()
        generate(path, rows, fmt)
        print(f"  (generated {path.name} in {time.perf_counter() - began:.1f} s)", file=sys.stderr)
    return path


@dataclass
class Result:
    path: Path
    rows: int
    size: int
    bare: Run
    json: Run
    full: Run


def bench_one(folder: Path, rows: int, fmt: str, args: argparse.Namespace) -> Result:
    path = bill(folder, rows, fmt)
    warm(path)
    stem = f"out-{rows}-{fmt.replace('.', '')}"
    bare = measure(bare_command(path, fmt), args.timeout, folder)
    progress(path, "bare", bare)
    only_json = run_tool(path, folder / f"{stem}-json", True, args.timeout)
    progress(path, "json", only_json)
    full = Run()
    if not args.skip_full:
        full = run_tool(path, folder / f"{stem}-full", False, args.timeout)
        progress(path, "full", full)
    return Result(path, rows, path.stat().st_size, bare, only_json, full)


def progress(path: Path, name: str, run: Run) -> None:
    print(f"  {path.name} {name}: {run.status}, {run.seconds:.1f} s, {run.peak_mb:.0f} MB", file=sys.stderr)


HEADER = (
    f"{'file':<26} {'rows':>11} {'MB':>7} | {'bare s':>7} {'bare MB':>8} {'groups':>9} | "
    f"{'json s':>7} {'json MB':>8} {'readings':>10} {'µs/row':>7} {'x bare':>7} | "
    f"{'full s':>7} {'full MB':>8} {'µs/row':>7} {'x bare':>7}"
)


def per_row(run: Run, rows: int) -> str:
    return f"{run.seconds / rows * 1e6:>7.1f}" if run.status == "ok" else f"{'-':>7}"


def ratio(run: Run, bare: Run) -> str:
    ok = run.status == "ok" and bare.status == "ok" and bare.seconds > 0
    return f"{run.seconds / bare.seconds:>7.1f}" if ok else f"{'-':>7}"


def table_line(result: Result) -> str:
    bare, tool, full = result.bare, result.json, result.full
    groups = bare.stdout.strip().splitlines()[-1] if bare.status == "ok" and bare.stdout.strip() else "-"
    groups = f"{int(groups):,}" if groups.isdigit() else groups
    size = result.size / 1e6
    return (
        f"{result.path.name:<26} {result.rows:>11,} {size:>7.1f} | {bare.cell()} {bare.memory()} {groups:>9} | "
        f"{tool.cell()} {tool.memory()} {tool.readings:>10} {per_row(tool, result.rows)} {ratio(tool, bare)} | "
        f"{full.cell()} {full.memory()} {per_row(full, result.rows)} {ratio(full, bare)}"
    )


def outputs_lines(result: Result) -> list[str]:
    lines = []
    for name, run in (("json", result.json), ("full", result.full)):
        if run.outputs:
            files = ", ".join(f"{file} {size / 1e6:.2f} MB" for file, size in run.outputs)
            total = sum(size for _, size in run.outputs) / 1e6
            lines.append(f"  {result.path.name} {name} wrote {total:.2f} MB: {files}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000])
    parser.add_argument("--format", nargs="+", choices=["csv", "csv.gz", "parquet"], default=["csv"])
    parser.add_argument("--keep", type=Path, help="keep the bills and the outputs in this folder")
    parser.add_argument("--skip-full", action="store_true", help="do not run the full report (all outputs)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a run is killed (default 900)")
    args = parser.parse_args()
    folder = (args.keep or Path(tempfile.mkdtemp(prefix="bench-real-bill-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        results = [bench_one(folder, rows, fmt, args) for rows in args.rows for fmt in args.format]
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(HEADER)
    for result in results:
        print(table_line(result))
    for result in results:
        print("\n".join(outputs_lines(result)))


if __name__ == "__main__":
    main()
