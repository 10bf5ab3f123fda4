"""Energy counters scraped from DCGM exporter and Kepler, as Prometheus text with a timestamp per sample.

Accepted shape: the Prometheus text exposition format, one sample a line,
`name{label="value",…} value timestamp_ms`, where the optional timestamp (milliseconds since
1970-01-01 UTC) is required here, so successive scrapes can be concatenated into one file (as a
Prometheus server's `/federate` endpoint returns them, or a loop that scrapes an exporter and
stamps each sample). `# HELP` / `# TYPE` / other comment lines and blank lines are skipped. A
series may also name itself inside the braces (`{__name__="…",…}`). The JSON of a range query is
not read. Times are shown as the wall-clock time of the input's `timezone` option (UTC without one),
so they compare with the trackers' naive local times.

Counters read (everything else is counted and excluded, grouped by metric):
- `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`: a GPU's energy in millijoules since its driver was loaded
  (DCGM field 156). One series per host (`Hostname` label, else `instance`, else the input's
  `host` option) and GPU (`gpu` label, else `UUID`); the pod labels DCGM attaches change with the
  workload and do not split a series. Metered (the GPU's own counter), GPU boards only (flag
  `gpu_power_only`).
- `kepler_container_joules_total`: a container's energy in joules as Kepler attributes the node's
  counters to it (legacy v0.7 metric: package + dram + gpu + other). One series per label set;
  host from `node_name`, else `instance`, else the input's `host` option. Measured (software
  attribution). The per-component `kepler_container_*_joules_total` counters are parts of it and
  are not read, so nothing counts twice.

Energy is the sum of the counter's increases between consecutive samples of a series, in time
order. A value lower than the one before is a counter reset (driver reload, exporter restart):
the counter restarted from zero, so the new value is the energy since the reset (the convention of
Prometheus's `increase()`); the reading is flagged `counter_reset` and a note counts the resets.
One reading per series, from its first to its last sample, its row count the samples it holds.
A series with a single sample gives no energy and is excluded. A counter sample whose value is not
a finite, non-negative number, or that repeats a series' timestamp, is excluded with its reason
(the counter's next sample still carries the energy). A line that is not a sample, or a counter
sample with no timestamp, fails the file with its row and column.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from reporter.errors import InputFormatError
from reporter.records import EXAMPLE_ROWS, Exclusion, ExclusionGroup, ExclusionKind, Method, frame_from_rows
from reporter.sources.base import InputFile, ReadResult
from reporter.sources.trackers import fields

DCGM = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
KEPLER = "kepler_container_joules_total"
JOULES_PER_UNIT = {DCGM: 1e-3, KEPLER: 1.0}  # DCGM counts millijoules, Kepler joules
J_PER_KWH = 3.6e6
SAMPLE = re.compile(
    r"^(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)?\s*(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)(?:\s+(?P<ts>\S+))?\s*$"
)
LABEL = re.compile(r'\s*(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*"(?P<value>(?:[^"\\]|\\.)*)"\s*(?:,|$)')
ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


@dataclass
class _Series:
    metric: str
    labels: dict[str, str]
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (time_s, value, row)


class PrometheusEnergyReader:
    name: ClassVar[str] = "prometheus_energy"
    label: ClassVar[str] = "DCGM exporter / Kepler energy counters (Prometheus text with timestamps)"

    def sniff(self, source: InputFile) -> float:
        head = source.head
        if DCGM in head or KEPLER in head:
            return 1.0
        if re.search(r"^# (HELP|TYPE) (DCGM_FI_|kepler_)", head, re.MULTILINE):
            return 0.9
        return 0.0

    def read(self, source: InputFile) -> ReadResult:
        path = source.path
        series: dict[tuple[object, ...], _Series] = {}
        exclusions: list[Exclusion] = []
        others: dict[str, list[int]] = defaultdict(list)
        rows_read = 0
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                text = line.strip()
                if not text or text.startswith("#"):
                    continue
                rows_read += 1
                metric, labels, value, stamp = _parse(text, path, number)
                if metric not in JOULES_PER_UNIT:
                    others[metric].append(number)
                    continue
                if stamp is None:
                    raise InputFormatError(
                        "the sample has no timestamp: every counter sample needs one (milliseconds since "
                        "1970-01-01 UTC after the value), so successive scrapes can be told apart",
                        path,
                        number,
                        "timestamp",
                    )
                problem = _bad_value(value)
                if problem:
                    exclusions.append(Exclusion(number, f"column 'value': {problem}"))
                    continue
                key = _key(metric, labels)
                entry = series.setdefault(key, _Series(metric, labels))
                entry.samples.append((stamp, float(value), number))
        rows, more, notes = _readings(series, source)
        exclusions.extend(more)
        groups = [
            ExclusionGroup(
                f"metric '{metric}' is not an energy counter this reader uses ({DCGM}, {KEPLER})",
                len(numbers),
                tuple(numbers[:EXAMPLE_ROWS]),
                ExclusionKind.NOT_USAGE.value,
            )
            for metric, numbers in sorted(others.items())
        ]
        if not series and not exclusions and rows_read:
            raise InputFormatError(f"no {DCGM} or {KEPLER} sample in the file", path)
        return ReadResult(frame_from_rows(rows), rows_read, exclusions, notes, groups)


def _parse(text: str, path: Path, row: int) -> tuple[str, dict[str, str], str, float | None]:
    """(metric, labels, value text, time in seconds or None) of one sample line."""
    match = SAMPLE.match(text)
    if not match:
        raise InputFormatError(
            f"'{fields.shown(text)}' is not a Prometheus sample (name{{labels}} value timestamp)", path, row
        )
    labels = _labels(match["labels"] or "", path, row)
    metric = match["name"] or labels.pop("__name__", "")
    if not metric:
        raise InputFormatError("the sample names no metric", path, row, "name")
    stamp = match["ts"]
    if stamp is None:
        return metric, labels, match["value"], None
    try:
        millis = int(stamp)
        datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise InputFormatError(
            f"'{fields.shown(stamp)}' is not a timestamp (whole milliseconds since 1970-01-01 UTC)",
            path,
            row,
            "timestamp",
        ) from None
    return metric, labels, match["value"], millis / 1000


def _labels(text: str, path: Path, row: int) -> dict[str, str]:
    labels: dict[str, str] = {}
    position = 0
    while position < len(text.rstrip()):
        match = LABEL.match(text, position)
        if not match or match.end() == position:
            raise InputFormatError(f"cannot read the labels '{fields.shown(text)}'", path, row, "labels")
        value = re.sub(r"\\[\\\"n]", lambda m: ESCAPES[m.group(0)], match["value"])
        labels[match["key"]] = value
        position = match.end()
    return labels


def _bad_value(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return f"'{fields.shown(value)}' is not a number"
    if not math.isfinite(number):
        return f"'{value}' is not a finite number"
    return f"'{value}' is negative: an energy counter never is" if number < 0 else ""


def _key(metric: str, labels: dict[str, str]) -> tuple[object, ...]:
    if metric == DCGM:
        return (metric, _host(labels), labels.get("gpu") or labels.get("UUID"))
    return (metric, *sorted(labels.items()))


def _host(labels: dict[str, str]) -> str | None:
    return labels.get("Hostname") or labels.get("node_name") or labels.get("instance") or None


def _readings(
    series: dict[tuple[object, ...], _Series], source: InputFile
) -> tuple[list[dict[str, object]], list[Exclusion], list[str]]:
    rows: list[dict[str, object]] = []
    exclusions: list[Exclusion] = []
    resets_total = 0
    for entry in series.values():
        samples = sorted(entry.samples)
        kept = [samples[0]]
        for sample in samples[1:]:
            if sample[0] == kept[-1][0]:
                where = f"row {kept[-1][2]}"
                exclusions.append(
                    Exclusion(
                        sample[2],
                        f"superseded: the series has a sample at the same time ({where}) that is used",
                        ExclusionKind.SUPERSEDED.value,
                    )
                )
            else:
                kept.append(sample)
        if len(kept) < 2:
            exclusions.append(
                Exclusion(kept[0][2], "the only sample of its series: a counter needs two samples to give energy")
            )
            continue
        joules, resets = _increase(kept, JOULES_PER_UNIT[entry.metric])
        try:
            gpus = 1.0 if entry.metric == DCGM else None
            fields.check_power(
                joules / J_PER_KWH, kept[-1][0] - kept[0][0], gpus, source.options, source.path, kept[0][2]
            )
        except fields.RowError as exc:
            exclusions.extend(Exclusion(row, f"the series' {exc.reason()}") for _, _, row in kept)
            continue
        resets_total += resets
        rows.append(_reading(entry, kept, joules, resets, source))
    notes = []
    if resets_total:
        notes.append(
            f"{resets_total} counter reset(s): the value after each is taken as the energy since the reset "
            "(readings flagged counter_reset)"
        )
    return rows, exclusions, notes


def _increase(samples: list[tuple[float, float, int]], joules_per_unit: float) -> tuple[float, int]:
    """Joules the counter rose by over the samples (time-ordered), and how many resets it had."""
    total = 0.0
    resets = 0
    for (_, before, _), (_, after, _) in zip(samples, samples[1:], strict=False):
        if after >= before:
            total += after - before
        else:
            total += after
            resets += 1
    return total * joules_per_unit, resets


def _reading(
    entry: _Series, samples: list[tuple[float, float, int]], joules: float, resets: int, source: InputFile
) -> dict[str, object]:
    start = fields.wall_clock(samples[0][0], source.options)
    end = fields.wall_clock(samples[-1][0], source.options)
    labels = entry.labels
    host = _host(labels) or source.options.get("host")
    dcgm = entry.metric == DCGM
    gpu = (labels.get("gpu") or labels.get("UUID")) if dcgm else None
    if dcgm:
        run_id = f"dcgm:{host or '?'}:gpu={gpu}"
    else:
        identity = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        run_id = f"kepler:{identity}"
    flags = ["gpu_power_only" if dcgm else "", "counter_reset" if resets else ""]
    return {
        "source_format": PrometheusEnergyReader.name,
        "source_file": str(source.path),
        "source_sha256": source.sha256,
        "source_row": samples[0][2],
        "method": (Method.METERED if dcgm else Method.MEASURED).value,
        "run_id": run_id,
        "start_time": start,
        "end_time": end,
        "duration_s": samples[-1][0] - samples[0][0],
        "hardware": labels.get("modelName") if dcgm else None,
        "host": host,
        "gpu": gpu,
        "energy_reported_kwh": joules / J_PER_KWH,
        "tracker_pue": 1.0,
        "row_count": len(samples),
        "flags": ";".join(flag for flag in flags if flag),
    }
