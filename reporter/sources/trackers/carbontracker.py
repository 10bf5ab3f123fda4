"""carbontracker log trios (`*_carbontracker_output.log`, `*_carbontracker.log`, `*_err.log`).

The output log's "Actual consumption" block carries the run's figures: Time (H:MM:SS),
Energy in kWh already multiplied by carbontracker's PUE (1.58 in 2.4.x; read from the standard
log when present) and CO2eq in grams. "Predicted consumption" blocks are never used. The
"N epoch(s)" in the Actual header is unreliable and ignored. The standard and error logs are
companions: read for version, PUE, interruption and location, counted as zero rows themselves.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

from reporter.errors import InputFormatError
from reporter.records import Exclusion, Method, frame_from_rows
from reporter.sources.base import InputFile, ReadResult

LINE = re.compile(r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:,\d+)? - (?P<msg>.*)$")
ACTUAL = re.compile(r"Actual consumption for \d+ epoch")
PREDICTED = re.compile(r"Predicted consumption for \d+ epoch")
DURATION = re.compile(r"^\s*Time:\s*(?:(?P<d>\d+) days?, )?(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)")
ENERGY = re.compile(r"^\s*Energy:\s*(?P<v>[-+0-9.eE]+)\s*kWh")
CO2 = re.compile(r"^\s*CO2eq:\s*(?P<v>[-+0-9.eE]+)\s*g\b")
PUE = re.compile(r"PUE coefficient of (?P<v>[0-9.]+)")
VERSION = re.compile(r"carbontracker version (?P<v>\S+)")
LOCATION = re.compile(r"at detected location: (?P<loc>.*?): \[")
DEFAULT_PUE = 1.58
SUFFIXES = ("_carbontracker_output.log", "_carbontracker_err.log", "_carbontracker.log")


class CarbonTrackerReader:
    name: ClassVar[str] = "carbontracker"
    label: ClassVar[str] = "carbontracker log (output, standard or error log)"

    def sniff(self, source: InputFile) -> float:
        head = source.head
        if "CarbonTracker:" in head and LINE.match(source.first_line):
            return 1.0
        if VERSION.search(source.first_line) or (
            source.path.name.endswith(SUFFIXES) and LINE.match(source.first_line)
        ):
            return 0.9
        return 0.0

    def read(self, source: InputFile) -> ReadResult:
        stem = _stem(source.path)
        if not source.path.name.endswith("_carbontracker_output.log") and "CarbonTracker:" not in source.head:
            sibling = source.path.with_name(stem + "_carbontracker_output.log")
            return ReadResult(
                readings=frame_from_rows([]),
                rows_read=0,
                notes=[f"companion log: the run's consumption is read from {sibling.name}"],
            )
        lines = source.path.read_text(encoding="utf-8", errors="replace").splitlines()
        companion = _companion(source.path.with_name(stem + "_carbontracker.log"))
        blocks = _blocks(lines, ACTUAL)
        if not blocks:
            if _blocks(lines, PREDICTED):
                return _unfinished(lines)
            raise InputFormatError("no 'Actual consumption' block found", source.path)
        rows = [_reading(source, stem, lines, index, companion) for index in blocks]
        notes = (
            []
            if companion["found"]
            else ["standard log not found beside the output log: PUE 1.58 assumed (carbontracker 2.x)"]
        )
        return ReadResult(readings=frame_from_rows(rows), rows_read=len(rows), notes=notes)


def _unfinished(lines: list[str]) -> ReadResult:
    index = _blocks(lines, PREDICTED)[0]
    return ReadResult(
        readings=frame_from_rows([]),
        rows_read=1,
        exclusions=[
            Exclusion(
                index + 1,
                "no 'Actual consumption' block (the run did not finish); predicted figures are never used",
            )
        ],
    )


def _stem(path: Path) -> str:
    for suffix in SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem


def _time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


def _blocks(lines: list[str], pattern: re.Pattern[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if pattern.search(line)]


def _companion(path: Path) -> dict[str, object]:
    info: dict[str, object] = {"found": path.exists(), "pue": DEFAULT_PUE}
    if not path.exists():
        return info
    text = path.read_text(encoding="utf-8", errors="replace")
    if match := PUE.search(text):
        info["pue"] = float(match["v"])
    if match := VERSION.search(text):
        info["version"] = match["v"]
    if match := LOCATION.search(text):
        info["location"] = match["loc"].strip()
    info["interrupted"] = "Training was interrupted" in text
    return info


def _reading(
    source: InputFile,
    stem: str,
    lines: list[str],
    index: int,
    companion: dict[str, object],
) -> dict[str, object]:
    path = source.path
    header = LINE.match(lines[index - 1]) if index > 0 else None
    if header is None:
        raise InputFormatError("'Actual consumption' block has no timestamped line", path, index + 1)
    end = _time(header["ts"])
    duration_s = energy = co2_g = None
    for line in lines[index + 1 : index + 8]:
        if match := DURATION.match(line):
            duration_s = (
                int(match["d"] or 0) * 86400
                + int(match["h"]) * 3600
                + int(match["m"]) * 60
                + float(match["s"])
            )
        elif match := ENERGY.match(line):
            energy = float(match["v"])
        elif match := CO2.match(line):
            co2_g = float(match["v"])
        elif LINE.match(line):
            break
    if energy is None:
        raise InputFormatError(
            "'Actual consumption' block has no 'Energy: … kWh' line", path, index + 1, "Energy"
        )
    if duration_s is None:
        raise InputFormatError("'Actual consumption' block has no 'Time:' line", path, index + 1, "Time")
    start = end - timedelta(seconds=duration_s)
    flags = []
    if companion.get("interrupted"):
        flags.append("interrupted")
    if not companion["found"]:
        flags.append("pue_assumed_default")
    location = companion.get("location")
    project = stem.split("_")[0] if "_" in stem else stem
    return {
        "source_format": CarbonTrackerReader.name,
        "source_file": str(path),
        "source_sha256": source.sha256,
        "source_row": index + 1,
        "method": Method.MEASURED.value,
        "run_id": stem,
        "project": project,
        "team": source.options.get("team"),
        "model": source.options.get("model"),
        "start_time": start,
        "end_time": end,
        "duration_s": duration_s,
        "country_code": None,
        "region": location if location and location != "Unknown" else None,
        "cloud_provider": None,
        "cloud_region": None,
        "hardware": None,
        "energy_reported_kwh": energy,
        "tracker_pue": float(companion["pue"]),  # type: ignore[arg-type]
        "tracker_co2e_kg": co2_g / 1000.0 if co2_g is not None else None,
        "tool_version": companion.get("version"),
        "flags": ";".join(flags),
    }
