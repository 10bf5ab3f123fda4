"""The bill aggregation on Spark (local mode) next to the embedded DuckDB engine, on the benchmark bill.

    python benchmarks/bench_spark.py [--rows 200000] [--format parquet] [--keep DIR] [--timeout 900]

The bill is the real-shaped legacy CUR of benchmarks/bench_real_bill.py (make_real_cur.py). Each
engine reads it in a fresh process, as `reporter report` would (the reader with the engine chosen;
the energy model and the report are the same afterwards and are not timed here):

1. duckdb: the embedded engine's two-stage query;
2. spark: the portable query on PySpark in local mode (local[2]), with Spark's event log on.

For each: wall time, peak RSS of the Python process and, for Spark, of its JVM (VmHWM from /proc,
read before the session stops), readings and rows read. Then, from Spark's event log (its own task
metrics), how the work divided: per stage, the number of tasks (partitions), records read or
shuffled, and the spread of the tasks' run times, i.e. what a cluster would run in parallel.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_real_bill import bill, measure, warm  # noqa: E402

CHILD = """
import json, sys, time
from pathlib import Path
from reporter import engines
from reporter.sources import detect
from reporter.sources.base import InputFile
engine, path, events = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
jvm_mb = None
if engine == "spark":
    from reporter.engines import spark
    session = spark.session(None, extra={"spark.eventLog.enabled": "true", "spark.eventLog.dir": events,
                                              "spark.eventLog.compress": "false"})
    engines.select(engines.Engine("spark"))
began = time.perf_counter()
source = InputFile.open(path, {"tag_keys": ["team", "project", "model"], "day_months": []})
result = detect(source).read(source)
seconds = time.perf_counter() - began
if engine == "spark":
    pid = session.sparkContext._gateway.proc.pid
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            jvm_mb = int(line.split()[1]) / 1024
    session.stop()
print(json.dumps({"readings": len(result.readings), "rows_read": result.rows_read, "read_s": seconds,
                  "jvm_peak_mb": jvm_mb}))
"""


def child(engine: str, path: Path, events: Path, timeout: float) -> dict:
    run = measure([sys.executable, "-c", CHILD, engine, str(path), str(events)], timeout, path.parent)
    if run.status != "ok":
        return {"status": run.status}
    found = json.loads(run.stdout.strip().splitlines()[-1])
    return {"status": "ok", "wall_s": run.seconds, "python_peak_mb": run.peak_mb, **found}


def stages(events: Path) -> list[dict]:
    """Per stage of the Spark application: tasks, records in and out, and task run times (ms)."""
    found: dict[int, dict] = {}
    names: dict[int, str] = {}
    for log in sorted(path for path in events.rglob("*") if path.is_file()):  # Spark 4: a folder per application
        for line in log.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            kind = event.get("Event")
            if kind == "SparkListenerStageCompleted":
                info = event["Stage Info"]
                names[info["Stage ID"]] = info["Stage Name"].split(" at ")[0]
            if kind != "SparkListenerTaskEnd" or "Task Metrics" not in event:
                continue
            metrics = event["Task Metrics"]
            stage = found.setdefault(event["Stage ID"], {"run_ms": [], "input": 0, "shuffle_read": 0,
                                                         "shuffle_write": 0})
            stage["run_ms"].append(metrics["Executor Run Time"])
            stage["input"] += metrics.get("Input Metrics", {}).get("Records Read", 0)
            stage["shuffle_read"] += metrics.get("Shuffle Read Metrics", {}).get("Total Records Read", 0)
            stage["shuffle_write"] += metrics.get("Shuffle Write Metrics", {}).get("Shuffle Records Written", 0)
    return [{"stage": sid, "name": names.get(sid, "?"), **value} for sid, value in sorted(found.items())]


def report(rows: int, fmt: str, duck: dict, spark: dict, parts: list[dict]) -> None:
    print(f"bill: real-shaped legacy CUR, {rows:,} rows, {fmt}")
    print(f"{'engine':<8} {'wall s':>8} {'read s':>8} {'py peak MB':>11} {'JVM peak MB':>12} {'readings':>9} "
          f"{'rows read':>10}")
    for name, run in (("duckdb", duck), ("spark", spark)):
        if run["status"] != "ok":
            print(f"{name:<8} {run['status']}")
            continue
        jvm = f"{run['jvm_peak_mb']:.0f}" if run.get("jvm_peak_mb") else "-"
        print(f"{name:<8} {run['wall_s']:>8.1f} {run['read_s']:>8.1f} {run['python_peak_mb']:>11.0f} {jvm:>12} "
              f"{run['readings']:>9} {run['rows_read']:>10}")
    print("\nSpark's task metrics per stage (event log): tasks = partitions run in parallel on a cluster")
    print(f"{'stage':>5} {'tasks':>5} {'records in':>11} {'shuffle read':>12} {'shuffle write':>13} "
          f"{'task ms min/median/max':>24}  name")
    for stage in parts:
        times = stage["run_ms"]
        spread = f"{min(times)}/{statistics.median(times):.0f}/{max(times)}"
        print(f"{stage['stage']:>5} {len(times):>5} {stage['input']:>11} {stage['shuffle_read']:>12} "
              f"{stage['shuffle_write']:>13} {spread:>24}  {stage['name']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--format", choices=["csv", "csv.gz", "parquet"], default="parquet")
    parser.add_argument("--keep", type=Path, help="keep the generated bill in this folder")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        path = bill(folder, args.rows, args.format)
        warm(path)
        events = Path(temporary) / "events"
        events.mkdir()
        duck = child("duckdb", path, events, args.timeout)
        spark = child("spark", path, events, args.timeout)
        report(args.rows, args.format, duck, spark, stages(events))


if __name__ == "__main__":
    main()
