"""carbontracker log trios (`*_carbontracker_output.log`, `*_carbontracker.log`, `*_err.log`).

The output log's "Actual consumption" block carries the run's figures: Time (H:MM:SS),
Energy in kWh already multiplied by carbontracker's PUE (1.58 in 2.4.x; read from the standard
log when present) and CO2eq in grams. The block is headed "Actual consumption for N epoch(s):",
or "Actual consumption:" when carbontracker predicted nothing. "Predicted consumption" blocks are
never used. The "N epoch(s)" in the Actual header is unreliable and ignored. The standard and error
logs are companions: read for version, PUE, interruption and location, counted as zero rows themselves.

One output log is one run. A run with no Actual block (it crashed or was stopped) is one row read
and excluded with the reason, as is a block that cannot be read or whose mean power is implausible.
A file with no carbontracker line at all is an error.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from reporter.errors import InputFormatError
from reporter.records import Exclusion, Method, frame_from_rows
from reporter.sources.base import InputFile, ReadResult
from reporter.sources.trackers import fields
from reporter.sources.trackers.fields import RowError

LINE = re.compile(r"^(?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:,\d+)? - (?P<msg>.*)$")
ACTUAL = re.compile(r"Actual consumption(?: for \d+ epoch\S*)?:")
PREDICTED = re.compile(r"Predicted consumption(?: for \d+ epoch\S*)?:")
OUTPUT_LINE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:,\d+)? - CarbonTracker:", re.MULTILINE)
COUNTRY = re.compile(r"^[A-Z]{2}$")
DURATION = re.compile(r"^\s*Time:\s*(?:(?P<d>\d+) days?, )?(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)")
ENERGY = re.compile(r"^\s*Energy:\s*(?P<v>[-+0-9.eE]+)\s*kWh")
CO2 = re.compile(r"^\s*CO2eq:\s*(?P<v>[-+0-9.eE]+)\s*g\b")
PUE = re.compile(r"PUE coefficient of (?P<v>[0-9.]+)")
VERSION = re.compile(r"carbontracker version (?P<v>\S+)")
LOCATION = re.compile(r"at detected location:? (?P<loc>.*?): \[")
DEFAULT_PUE = 1.58
SUFFIXES = ("_carbontracker_output.log", "_carbontracker_err.log", "_carbontracker.log")


class CarbonTrackerReader:
    name: ClassVar[str] = "carbontracker"
    label: ClassVar[str] = "carbontracker log (output, standard or error log)"

    def sniff(self, source: InputFile) -> float:
        head = source.head
        if "CarbonTracker:" in head and LINE.match(source.first_line):
            return 1.0
        if VERSION.search(source.first_line) or (source.path.name.endswith(SUFFIXES) and LINE.match(source.first_line)):
            return 0.9
        return 0.0

    def read(self, source: InputFile) -> ReadResult:
        path = source.path
        stem = _stem(path)
        text = path.read_text(encoding="utf-8", errors="replace")
        if not OUTPUT_LINE.search(text):
            if path.name.endswith(SUFFIXES[1:]) or VERSION.search(source.first_line):
                sibling = path.with_name(stem + "_carbontracker_output.log")
                return ReadResult(
                    readings=frame_from_rows([]),
                    rows_read=0,
                    notes=[f"companion log: the run's consumption is read from {sibling.name}"],
                )
            if not (path.name.endswith(SUFFIXES[0]) and LINE.match(source.first_line)):
                raise InputFormatError("not a carbontracker log: no line '<date> <time> - CarbonTracker: …'", path, 1)
        lines = text.splitlines()
        blocks = _blocks(lines, ACTUAL)
        if not blocks:
            return _unfinished(lines)
        companion = _companion(path.with_name(stem + "_carbontracker.log"))
        rows: list[dict[str, object]] = []
        exclusions: list[Exclusion] = []
        for index in blocks:
            fields.excluding(rows, exclusions, index + 1, _reading, source, stem, lines, index, companion)
        notes = (
            []
            if companion["found"]
            else ["standard log not found beside the output log: PUE 1.58 assumed (carbontracker 2.x)"]
        )
        return ReadResult(readings=frame_from_rows(rows), rows_read=len(blocks), exclusions=exclusions, notes=notes)


def _unfinished(lines: list[str]) -> ReadResult:
    """A run with no Actual block: one row, excluded with what the log shows of its end."""
    predicted = _blocks(lines, PREDICTED)
    crash = next((i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line), None)
    reason = "run did not finish: no 'Actual consumption' block"
    row = 1
    if crash is not None:
        last = next((line.strip() for line in reversed(lines) if line.strip()), "")
        reason += f" (the log ends with a traceback: {last})"
        row = crash + 1
    if predicted:
        reason += "; the predicted figures are never used"
        row = row if crash is not None else predicted[0] + 1
    return ReadResult(readings=frame_from_rows([]), rows_read=1, exclusions=[Exclusion(row, reason)])


def _stem(path: Path) -> str:
    for suffix in SUFFIXES:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)]
    return path.stem


def _time(value: str, path: Path, row: int) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise RowError(f"'{value}' is not a timestamp", path, row) from None


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


def _figures(lines: list[str], index: int, path: Path) -> tuple[float, float, float | None]:
    """Duration (s), energy (kWh) and CO2eq (g) of the Actual block whose header is at `index`."""
    duration_s = energy = co2_g = None
    for offset, line in enumerate(lines[index + 1 : index + 8], start=index + 2):
        if match := DURATION.match(line):
            duration_s = (
                int(match["d"] or 0) * 86400 + int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])
            )
        elif match := ENERGY.match(line):
            energy = fields.number(match["v"], path, offset, "Energy")
        elif match := CO2.match(line):
            co2_g = fields.number(match["v"], path, offset, "CO2eq", required=False, minimum=None)
        elif LINE.match(line):
            break
    if energy is None:
        raise RowError("'Actual consumption' block has no 'Energy: … kWh' line", path, index + 1, "Energy")
    if duration_s is None:
        raise RowError("'Actual consumption' block has no 'Time:' line", path, index + 1, "Time")
    return duration_s, energy, co2_g


def _place(location: object) -> tuple[str | None, str | None]:
    """Country (alpha-2) and region from carbontracker's 'City, Region, CC' location."""
    if not isinstance(location, str) or not location or location == "Unknown":
        return None, None
    parts = [part.strip() for part in location.split(",")]
    if len(parts) >= 2 and COUNTRY.match(parts[-1]):
        return parts[-1], parts[-2] or None
    return None, location


def _reading(
    source: InputFile,
    stem: str,
    lines: list[str],
    index: int,
    companion: dict[str, object],
) -> dict[str, object]:
    path = source.path
    header = LINE.match(lines[index]) or (LINE.match(lines[index - 1]) if index > 0 else None)
    if header is None:
        raise RowError("'Actual consumption' block has no timestamped line", path, index + 1)
    end = _time(header["ts"], path, index + 1)
    duration_s, energy, co2_g = _figures(lines, index, path)
    start = fields.shifted(end, -duration_s, path, index + 1, "Time")
    fields.check_power(energy, duration_s, None, source.options, path, index + 1)
    flags = []
    if companion.get("interrupted"):
        flags.append("interrupted")
    if not companion["found"]:
        flags.append("pue_assumed_default")
    country, region = _place(companion.get("location"))
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
        "country_code": country,
        "region": region,
        "cloud_provider": None,
        "cloud_region": None,
        "hardware": None,
        "energy_reported_kwh": energy,
        "tracker_pue": float(companion["pue"]),  # type: ignore[arg-type]
        "tracker_co2e_kg": co2_g / 1000.0 if co2_g is not None else None,
        "tool_version": companion.get("version"),
        "flags": ";".join(flags),
    }
