"""eco2ai `emission.csv` (0.2.x to 0.3.x).

`power_consumption(kWh)` (old spelling `power_consumption(kWTh)`) is energy in kWh that already
includes the `pue` the tracker was given; the file does not record that PUE, so it is taken from
the input's `tracker_pue` option, or eco2ai's default of 1.0 (flagged). CO2 is in kg.
`N/A` and empty cells mean the same. One `id` is one run (rows are rewritten in place).
`region/country` is an alpha-2 code (`KR`), or country and region joined by a slash, with or
without parentheses (`IN/Delhi`, `(Russia/Moscow)`). A row that cannot be read, or whose mean
power is implausible, is excluded with its reason.
"""

from __future__ import annotations

import re
from typing import ClassVar

from reporter.errors import InputFormatError
from reporter.records import Exclusion, Method, frame_from_rows
from reporter.sources.base import InputFile, ReadResult, split_header
from reporter.sources.trackers import fields
from reporter.sources.trackers.fields import ENDS_BEFORE_START

ENERGY_COLUMNS = ("power_consumption(kWh)", "power_consumption(kWTh)")
REQUIRED = ("start_time", "duration(s)")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")
PLACE = re.compile(r"^\(?(?P<country>[^/()]*)/(?P<region>[^()]*)\)?$")
DEVICES = re.compile(r"(?P<n>\d+) device\(s\)\s*$")


class Eco2aiReader:
    name: ClassVar[str] = "eco2ai"
    label: ClassVar[str] = "eco2ai emission.csv"

    def sniff(self, source: InputFile) -> float:
        header = set(split_header(source.first_line))
        if not header & set(ENERGY_COLUMNS):
            return 0.0
        return 1.0 if "duration(s)" in header else 0.6

    def read(self, source: InputFile) -> ReadResult:
        path = source.path
        rows: list[dict[str, object]] = []
        exclusions: list[Exclusion] = []
        notes: list[str] = []
        declared_pue = source.options.get("tracker_pue")
        records = fields.csv_records(path)
        _, header = next(records)
        energy_column = next((c for c in ENERGY_COLUMNS if c in header), None)
        for name in (*REQUIRED, energy_column or ENERGY_COLUMNS[0]):
            if name not in header:
                raise InputFormatError(f"required column '{name}' is missing from the header", path, 1, name)
        assert energy_column is not None
        for row, cells in records:
            if len(cells) > len(header):
                exclusions.append(Exclusion(row, "row has more fields than the header"))
                continue
            values = dict(zip(header, cells, strict=False))  # a short row's missing fields are empty
            fields.excluding(rows, exclusions, row, _reading, values, source, row, energy_column, declared_pue)
        if declared_pue is None and rows:
            notes.append(
                "eco2ai does not record the PUE it applied; its default 1.0 is assumed "
                "(set tracker_pue for this input if the runs were given another PUE)"
            )
        return ReadResult(
            readings=frame_from_rows(rows), rows_read=len(rows) + len(exclusions), exclusions=exclusions, notes=notes
        )


def _reading(
    values: dict[str, str],
    source: InputFile,
    row: int,
    energy_column: str,
    declared_pue: str | None,
) -> dict[str, object]:
    path = source.path
    start = fields.timestamp(values.get("start_time"), path, row, "start_time", TIME_FORMATS)
    duration_s = fields.number(values.get("duration(s)"), path, row, "duration(s)", negative=ENDS_BEFORE_START)
    energy = fields.number(values.get(energy_column), path, row, energy_column)
    co2_kg = fields.number(values.get("CO2_emissions(kg)"), path, row, "CO2_emissions(kg)", required=False)
    assert duration_s is not None and energy is not None
    end = fields.shifted(start, duration_s, path, row, "duration(s)")
    fields.check_power(energy, duration_s, _gpus(values.get("GPU_name")), source.options, path, row)
    flags = [] if declared_pue is not None else ["pue_assumed_default"]
    pue = float(declared_pue) if declared_pue is not None else 1.0
    country, region = _place(fields.text(values.get("region/country")))
    hardware = "; ".join(
        part
        for part in (fields.text(values.get("GPU_name")), fields.text(values.get("CPU_name")))
        if part and _gpus(part) != 0  # "CPU 0 device(s)" / " 0 device(s)": no GPU
    )
    description = fields.text(
        values.get("experiment_description") or values.get("experiment_description(model type etc.)")
    )
    return {
        "source_format": Eco2aiReader.name,
        "source_file": str(path),
        "source_sha256": source.sha256,
        "source_row": row,
        "method": Method.MEASURED.value,
        "run_id": fields.text(values.get("id")) or f"{source.sha256[:12]}:row{row}",
        "project": fields.text(values.get("project_name")) or description,
        "team": source.options.get("team"),
        "model": source.options.get("model"),
        "start_time": start,
        "end_time": end,
        "duration_s": duration_s,
        "country_code": country,
        "region": region,
        "cloud_provider": None,
        "cloud_region": None,
        "hardware": hardware or None,
        "energy_reported_kwh": energy,
        "tracker_pue": pue,
        "tracker_co2e_kg": co2_kg,
        "tool_version": None,
        "flags": ";".join(flags),
    }


def _gpus(value: str | None) -> float | None:
    """The GPU count in eco2ai's `GPU_name` ('<name> <n> device(s)'), or None."""
    match = DEVICES.search(value or "")
    return float(match["n"]) if match else None


def _place(value: str | None) -> tuple[str | None, str | None]:
    """eco2ai writes an alpha-2 code, or '<country>/<region>' (older versions in parentheses)."""
    if value is None:
        return None, None
    match = PLACE.match(value)
    if match:
        country = match["country"].strip()
        country = country.upper() if len(country) == 2 else country
        return country or None, match["region"].strip() or None
    return value.upper(), None
