"""CodeCarbon `emissions.csv` (v0.x to 3.3.x), including `.bak` backups.

Columns are found by header name, never by position. Energy columns are kWh and already include
the `pue` the run was given (1.0 before v2.2.3, which had no PUE option). A run flushed several
times has several cumulative rows with the same run id; the reconcile stage keeps the longest.
Rows written by 3.2.9/3.3.0 may have fewer fields than the header (empty columns dropped on
append): the fields up to `country_iso_code` and the tail from `ram_total_size` on are still
recoverable by position; the fields between are not, and the row is flagged.

A row that cannot be read (a cell that is not a number or timestamp, a negative or infinite value,
a start outside years 1-9999, every field empty as left by interleaved writes) or whose mean power
is implausible is excluded with its reason; the rest of the file is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from reporter.errors import InputFormatError
from reporter.records import Exclusion, Method, frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.sources.trackers import fields
from reporter.sources.trackers.fields import ENDS_BEFORE_START

REQUIRED = ("timestamp", "duration", "emissions", "energy_consumed")
SIGNATURE = {"timestamp", "project_name", "duration", "emissions", "energy_consumed"}
LEFT_ANCHOR = "country_iso_code"
TAIL_ANCHOR = "ram_total_size"
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S")


class CodeCarbonReader:
    name: ClassVar[str] = "codecarbon"
    label: ClassVar[str] = "CodeCarbon emissions.csv (any version)"

    def sniff(self, source: InputFile) -> float:
        header = set(split_header(source.first_line))
        keyed = bool({"run_id", "experiment_id"} & header)
        if header >= SIGNATURE:
            return 1.0 if keyed else 0.8
        # Recognisably CodeCarbon but incomplete: read it, so the missing column is named.
        return 0.6 if keyed and len(SIGNATURE & header) >= 3 else 0.0

    def read(self, source: InputFile) -> ReadResult:
        path = source.path
        rows: list[dict[str, object]] = []
        exclusions: list[Exclusion] = []
        notes: list[str] = []
        shifted = 0
        records = fields.csv_records(path)
        _, header = next(records)
        key_column = _key_column(header, path)
        for row_number, cells in records:
            if all(not c.strip() for c in cells):
                exclusions.append(Exclusion(row_number, f"every field of the row is empty ({len(cells)} fields)"))
                continue
            if len(cells) > len(header) or (len(cells) < len(header) and LEFT_ANCHOR not in header):
                reason = f"row has {len(cells)} fields but the header has {len(header)}"
                exclusions.append(Exclusion(row_number, reason))
                continue
            values, was_shifted = _align(header, cells, path, row_number)
            shifted += was_shifted
            fields.excluding(
                rows, exclusions, row_number, _reading, values, source, row_number, key_column, was_shifted
            )
        if shifted:
            notes.append(
                f"{shifted} row(s) have fewer fields than the header (CodeCarbon 3.2.9/3.3.0 "
                "append bug): energy and emissions kept, the fields between country_iso_code "
                "and ram_total_size are not recoverable and are left empty"
            )
        return ReadResult(
            readings=frame_from_rows(rows), rows_read=len(rows) + len(exclusions), exclusions=exclusions, notes=notes
        )


def _key_column(header: list[str], path: Path) -> str:
    """The run key column; a required column missing from the header fails the file."""
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InputFormatError(f"required column '{missing[0]}' is missing from the header", path, 1, missing[0])
    key_column = "run_id" if "run_id" in header else "experiment_id"
    if key_column not in header:
        raise InputFormatError("neither 'run_id' nor 'experiment_id' is in the header", path, 1)
    return key_column


def _align(header: list[str], cells: list[str], path: Path, row: int) -> tuple[dict[str, str | None], bool]:
    """Map a row's fields to header names, recovering rows shifted by the append bug."""
    if len(cells) == len(header):
        return dict(zip(header, cells, strict=True)), False
    if len(cells) > len(header):
        raise InputFormatError(f"row has {len(cells)} fields but the header has {len(header)}", path, row)
    if LEFT_ANCHOR not in header:
        raise InputFormatError(f"row has {len(cells)} fields but the header has {len(header)}", path, row)
    left = header.index(LEFT_ANCHOR) + 1
    values: dict[str, str | None] = dict.fromkeys(header)
    values.update(zip(header[:left], cells[:left], strict=False))
    if TAIL_ANCHOR in header:
        tail = header[header.index(TAIL_ANCHOR) :]
        if len(cells) - len(tail) >= left:
            values.update(zip(tail, cells[len(cells) - len(tail) :], strict=True))
    return values, True


def _reading(
    values: dict[str, str | None],
    source: InputFile,
    row: int,
    key_column: str,
    shifted: bool,
) -> dict[str, object]:
    path = source.path
    end = fields.timestamp(values.get("timestamp"), path, row, "timestamp", TIME_FORMATS)
    duration_s = fields.number(values.get("duration"), path, row, "duration", negative=ENDS_BEFORE_START)
    energy = fields.number(values.get("energy_consumed"), path, row, "energy_consumed")
    emissions = fields.number(values.get("emissions"), path, row, "emissions", required=False)
    pue = fields.number(values.get("pue"), path, row, "pue", required=False, minimum=1.0)
    assert duration_s is not None and energy is not None
    start = fields.shifted(end, -duration_s, path, row, "duration")
    fields.check_power(energy, duration_s, fields.count(values.get("gpu_count")), source.options, path, row)
    run_id = fields.text(values.get(key_column)) or f"{source.sha256[:12]}:row{row}"
    flags = ["shifted_fields"] if shifted else []
    if pue is None:
        pue = 1.0
        if "pue" in values and not shifted:
            flags.append("pue_not_recorded")
    hardware = "; ".join(
        part for part in (fields.text(values.get("gpu_model")), fields.text(values.get("cpu_model"))) if part
    )
    return {
        "source_format": CodeCarbonReader.name,
        "source_file": str(path),
        "source_sha256": source.sha256,
        "source_row": row,
        "method": Method.MEASURED.value,
        "run_id": run_id,
        "project": fields.text(values.get("project_name")),
        "team": source.options.get("team"),
        "model": source.options.get("model"),
        "start_time": start,
        "end_time": end,
        "duration_s": duration_s,
        "country_code": _upper(fields.text(values.get("country_iso_code"))),
        "region": fields.text(values.get("region")),
        "cloud_provider": _lower(fields.text(values.get("cloud_provider"))),
        "cloud_region": _lower(fields.text(values.get("cloud_region"))),
        "hardware": hardware or None,
        "energy_reported_kwh": energy,
        "tracker_pue": pue,
        "tracker_co2e_kg": emissions,
        "tool_version": fields.text(values.get("codecarbon_version")),
        "flags": ";".join(flags),
    }


def _upper(value: str | None) -> str | None:
    return value.upper() if value else None


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None
