"""Zeus measurement CSVs (`ZeusMonitor(log_file=…)`).

Columns, as the Zeus project's `zeus/monitor/energy.py` writes them (the header line in
`ZeusMonitor.__init__`, one row per `end_window`; the same header is asserted in the project's
tests, `tests/test_monitor.py`): `start_time,window_name,elapsed_time,gpu<i>_energy,…` with
`start_time` in seconds since 1970-01-01 UTC (`time.time()` when the window began; shown as the
wall-clock time of the input's `timezone` option, UTC without one), `elapsed_time` in seconds,
and one `gpu<i>_energy` column per monitored GPU, in joules for the window (`i` is the framework's
GPU index). CPU and DRAM energy are not written to the file; it carries no PUE and no emissions.

One row is one measurement window: a reading with the energy of all its GPUs (`gpu` lists their
indices). Windows can nest (an epoch window around step windows): a window lying wholly within
another window of the same file (every row covers the same GPUs) would count its energy twice, so it is
excluded with a reason naming the enclosing row; only outer windows are summed. Windows that
overlap without nesting are both kept here; the overlap stage (reporter.core.overlap) sets the
shared hours aside once the input names its host. A row whose cell cannot be read, or whose mean
power is implausible, is excluded with its reason; a file without the columns fails.
"""

from __future__ import annotations

import re
from typing import ClassVar

from reporter.errors import InputFormatError
from reporter.records import Exclusion, Method, frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.sources.trackers import fields
from reporter.sources.trackers.fields import RowError
from reporter.units import J_PER_KWH

REQUIRED = ("start_time", "window_name", "elapsed_time")
GPU_COLUMN = re.compile(r"^gpu(?P<index>\d+)_energy$")


class ZeusReader:
    name: ClassVar[str] = "zeus"
    label: ClassVar[str] = "Zeus measurement CSV (ZeusMonitor log_file)"

    def sniff(self, source: InputFile) -> float:
        header = split_header(source.first_line)
        if header[:3] == list(REQUIRED):
            return 1.0 if any(GPU_COLUMN.match(cell) for cell in header) else 0.7
        return 0.0

    def read(self, source: InputFile) -> ReadResult:
        rows: list[dict[str, object]] = []
        exclusions: list[Exclusion] = []
        records = fields.csv_records(source.path)
        _, header = next(records)
        gpus = _gpu_columns(header, source)
        for number, cells in records:
            if len(cells) != len(header):
                exclusions.append(Exclusion(number, f"row has {len(cells)} fields but the header has {len(header)}"))
                continue
            values = dict(zip(header, cells, strict=True))
            fields.excluding(rows, exclusions, number, _reading, values, gpus, source, number)
        rows_read = len(rows) + len(exclusions)
        kept, nested = _outer_windows(rows)
        exclusions.extend(nested)
        notes = ["GPU energy only: Zeus writes no CPU or memory energy to its CSV"]
        return ReadResult(frame_from_rows(kept), rows_read, exclusions, notes)


def _gpu_columns(header: list[str], source: InputFile) -> dict[str, str]:
    """GPU index of each energy column; a missing required column fails the file."""
    for name in REQUIRED:
        if name not in header:
            raise InputFormatError(f"required column '{name}' is missing from the header", source.path, 1, name)
    gpus = {cell: match["index"] for cell in header if (match := GPU_COLUMN.match(cell))}
    if not gpus:
        raise InputFormatError("the header has no 'gpu<i>_energy' column", source.path, 1)
    return gpus


def _reading(values: dict[str, str], gpus: dict[str, str], source: InputFile, row: int) -> dict[str, object]:
    path = source.path
    started = fields.number(values["start_time"], path, row, "start_time")
    elapsed = fields.number(values["elapsed_time"], path, row, "elapsed_time", negative=fields.ENDS_BEFORE_START)
    assert started is not None and elapsed is not None
    try:
        start = fields.wall_clock(started, source.options)
    except (OverflowError, OSError, ValueError):
        raise RowError(
            f"'{values['start_time']}' is not a time (seconds since 1970-01-01)", path, row, "start_time"
        ) from None
    end = fields.shifted(start, elapsed, path, row, "elapsed_time")
    joules = sum(float(fields.number(values[column], path, row, column) or 0.0) for column in gpus)
    energy_kwh = joules / J_PER_KWH
    fields.check_power(energy_kwh, elapsed, float(len(gpus)), source.options, path, row)
    window = fields.text(values["window_name"]) or ""
    return {
        "source_format": ZeusReader.name,
        "source_file": str(path),
        "source_sha256": source.sha256,
        "source_row": row,
        "method": Method.MEASURED.value,
        "run_id": f"{window}@{values['start_time'].strip()}",
        "start_time": start,
        "end_time": end,
        "duration_s": elapsed,
        "host": source.options.get("host"),
        "gpu": ",".join(gpus.values()),
        "energy_reported_kwh": energy_kwh,
        "tracker_pue": 1.0,
        "flags": "gpu_power_only",
    }


def _outer_windows(rows: list[dict[str, object]]) -> tuple[list[dict[str, object]], list[Exclusion]]:
    """The rows whose window no other row's window contains; the others excluded, naming the outer row."""
    order = sorted(rows, key=lambda r: (r["start_time"], -float(r["duration_s"]), r["source_row"]))  # type: ignore[arg-type]
    kept: list[dict[str, object]] = []
    nested: list[Exclusion] = []
    for row in order:
        outer = next(
            (k for k in kept if k["start_time"] <= row["start_time"] and row["end_time"] <= k["end_time"]),  # type: ignore[operator]
            None,
        )
        if outer is None:
            kept.append(row)
            continue
        reason = (
            "nested window: it lies within another window of the file, whose energy already includes it; "
            f"only outer windows are summed (within window {outer['run_id']}, row {outer['source_row']})"
        )
        nested.append(Exclusion(int(row["source_row"]), reason))  # type: ignore[call-overload]
    kept.sort(key=lambda r: r["source_row"])  # type: ignore[arg-type, return-value]
    return kept, nested
