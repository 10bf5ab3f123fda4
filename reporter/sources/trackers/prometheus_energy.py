"""Energy counters scraped from DCGM exporter and Kepler, as Prometheus text with a timestamp per sample.

Accepted shape: the Prometheus text exposition format, one sample a line,
`name{label="value",…} value timestamp_ms`, where the optional timestamp (milliseconds since
1970-01-01 UTC) is required here, so successive scrapes can be concatenated into one file (as a
Prometheus server's `/federate` endpoint returns them, or a loop that scrapes an exporter and
stamps each sample). `# HELP` / `# TYPE` / other comment lines and blank lines are skipped. A
series may also name itself inside the braces (`{__name__="…",…}`). Times are shown as the
wall-clock time of the input's `timezone` option (UTC without one), so they compare with the
trackers' naive local times.

Which counters are read, and how a series becomes energy: reporter.sources.trackers.counters. A
counter sample with no timestamp, or a line that is not a sample, fails the file with its row and
column; a counter sample whose value is not a finite, non-negative number is excluded with its
reason (the counter's next sample still carries the energy).

The JSON a Prometheus server returns for a range query (`/api/v1/query_range`, or an instant
`/api/v1/query`) is read too, detected by its content (reporter.sources.trackers.prometheus_json).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from reporter.errors import InputFormatError
from reporter.records import frame_from_rows
from reporter.sources.base import InputFile, ReadResult
from reporter.sources.trackers import counters, counters_views, fields, prometheus_json
from reporter.sources.trackers.counters import NAMES_READ, READ, Parsed

SAMPLE = re.compile(
    r"^(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)?\s*(?:\{(?P<labels>.*)\})?\s+(?P<value>\S+)(?:\s+(?P<ts>\S+))?\s*$"
)
LABEL = re.compile(r'\s*(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*"(?P<value>(?:[^"\\]|\\.)*)"\s*(?:,|$)')
ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
KNOWN = re.compile(r"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION|kepler_[a-z]+_[a-z_]*joules_total")


class PrometheusEnergyReader:
    name: ClassVar[str] = "prometheus_energy"
    label: ClassVar[str] = (
        "DCGM exporter / Kepler energy counters (Prometheus text with timestamps, or range-query JSON)"
    )

    def sniff(self, source: InputFile) -> float:
        head = source.head
        if prometheus_json.looks_like(head):
            return 1.0 if KNOWN.search(head) else 0.0
        if KNOWN.search(head):
            return 1.0
        if re.search(r"^# (HELP|TYPE) (DCGM_FI_|kepler_)", head, re.MULTILINE):
            return 0.9
        return 0.0

    def read(self, source: InputFile) -> ReadResult:
        if prometheus_json.looks_like(source.head):
            parsed = prometheus_json.parse(source.path)
        else:
            parsed = _parse_text(source.path)
        return result_of(parsed, source)


def result_of(parsed: Parsed, source: InputFile) -> ReadResult:
    """The readings of the parsed series, with every sample accounted for."""
    if parsed.rows_read and not parsed.counter_rows:
        raise InputFormatError(f"no sample of an energy counter this reader uses ({NAMES_READ})", source.path)
    series, groups = counters_views.choose_parts(parsed.series)
    rows, more, notes, ends = counters.readings(series, source)
    exclusions = [*parsed.exclusions, *more]
    groups = [*counters.other_metric_groups(parsed.others), *groups]
    return ReadResult(frame_from_rows(rows), parsed.rows_read, exclusions, notes, groups, counter_ends=ends)


def _parse_text(path: Path) -> Parsed:
    parsed = Parsed()
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parsed.rows_read += 1
            metric, labels, value, stamp = _parse(text, path, number)
            if metric not in READ:
                parsed.others[metric].append(number)
                continue
            if stamp is None:
                raise InputFormatError(
                    "the sample has no timestamp: every counter sample needs one (milliseconds since "
                    "1970-01-01 UTC after the value), so successive scrapes can be told apart",
                    path,
                    number,
                    "timestamp",
                )
            parsed.add(metric, labels, value, stamp, number)
    return parsed


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
