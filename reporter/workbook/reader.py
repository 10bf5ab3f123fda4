"""The manual-entry workbook as an input: its Electricity and Compute usage rows become readings.

* Electricity: metered energy of own or colocated hardware (Method.METERED, Scope 2). A meter of
  IT equipment only gives the facility's PUE: the reading's energy is kWh × PUE, with that PUE
  recorded as the reading's own (as a tracker's); a whole-site meter's kWh is read as it is
  (PUE 1, since the overhead is in the figure). The reading's usage type says which kind of meter
  it is, and the PUE table labels its PUE accordingly.
* Compute usage: instance-hours or GPU-hours of any provider or site, estimated in the energy stage
  by reporter.workbook.compute (Method.ESTIMATED) with the cloud model's tables: instance types
  through the instance tables, GPU models through the accelerator table plus the host's share,
  times the row's PUE (the site's, else the cloud's regional one, else the colocation default).
  An unknown type is kept at zero energy, flagged and counted. A cloud row's region is the cloud's;
  any other provider's region is a country, US state or grid region, as on the Electricity sheet.

rows read = Electricity rows + Compute usage rows (+ an example row left as it is, excluded).
The other sheets are configuration (reporter.workbook.settings), merged by the pipeline.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from reporter.core.energy import USAGE_IT_METER, USAGE_WHOLE_SITE_METER
from reporter.errors import InputFormatError
from reporter.records import Exclusion, ExclusionKind, Method, frame_from_rows
from reporter.sources.base import InputFile, ReadResult
from reporter.workbook import schema
from reporter.workbook.kind import is_manual_workbook

if TYPE_CHECKING:
    from reporter.workbook.filled import Record

FORMAT = "workbook"
_US_STATE = re.compile(r"^US-([A-Za-z]{2})$")


class WorkbookReader:
    name: ClassVar[str] = FORMAT
    label: ClassVar[str] = "manual-entry workbook (.xlsx written by `reporter template`)"

    def sniff(self, source: InputFile) -> float:
        if not source.magic.startswith(b"PK"):
            return 0.0
        return 1.0 if is_manual_workbook(source.path) else 0.0

    def read(self, source: InputFile) -> ReadResult:
        from reporter.workbook.filled import read_filled

        filled = read_filled(source.path, source.given)
        rows: list[dict[str, object]] = []
        for record in filled.of(schema.ELECTRICITY):
            rows.append(_electricity(record, source))
        for record in filled.of(schema.COMPUTE):
            rows.append(_compute(record, source))
        exclusions = [
            Exclusion(row, f"the template's example row on '{sheet}', left as it is", ExclusionKind.NOT_USAGE.value,
                      sheet=sheet)
            for sheet, row in filled.examples.items()
            if schema.BY_NAME[sheet].usage
        ]
        notes = [_note(filled.records)] if filled.records else ["the workbook holds no filled rows"]
        return ReadResult(frame_from_rows(rows), rows_read=len(rows) + len(exclusions), exclusions=exclusions,
                          notes=notes)


def _note(records: dict[str, list[Record]]) -> str:
    counts = ", ".join(f"{sheet} {len(rows)}" for sheet, rows in records.items())
    return f"rows filled per sheet: {counts} (configuration sheets are merged with the configuration)"


def covered(record: Record, shown: Path | str) -> tuple[datetime, datetime]:
    """The record's period as [start, end): its month, or its Start and End days (End inclusive)."""
    month, start, end = (record.values.get(key) for key in ("month", "start", "end"))
    if month and (start or end):
        raise InputFormatError(f"{record.cell('start')}: give either Month or Start and End, not both", shown)
    if month:
        first = date.fromisoformat(month + "-01")
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return _midnight(first), _midnight(following)
    if not (start and end):
        missing = "start" if not start else "end"
        raise InputFormatError(f"{record.cell(missing)}: give Month, or both Start and End", shown)
    if end < start:
        raise InputFormatError(f"{record.cell('end')}: End {end} is before Start {start}", shown)
    return _midnight(start), _midnight(end + timedelta(days=1))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _location(region: str) -> tuple[str, str | None]:
    """(country_code, region): US-VA is the USA's state VA; anything else is a country or grid region."""
    state = _US_STATE.match(region.strip())
    if state:
        return "US", state.group(1).upper()
    return region.strip(), None


def _base(record: Record, source: InputFile, method: Method) -> dict[str, Any]:
    start, end = covered(record, source.given)
    return {
        "source_format": FORMAT,
        "source_file": str(source.given),
        "source_sha256": source.sha256,
        "source_row": record.row,
        "source_sheet": record.sheet,
        "method": method.value,
        "start_time": start,
        "end_time": end,
        "duration_s": (end - start).total_seconds(),
        "row_count": 1,
        "flags": "",
    }


def _electricity(record: Record, source: InputFile) -> dict[str, object]:
    values = record.values
    pue = values["pue"]
    country, region = _location(values["region"])
    row = _base(record, source, Method.METERED)
    hosting = values["hosting"]
    row.update(
        run_id=f"{values['site']}:{values['meter_id']}:{hosting}:{row['start_time']:%Y-%m-%d}",
        country_code=country,
        region=region,
        hardware=f"{values['site']} ({hosting}), meter {values['meter_id']}; {values['source_document']}",
        energy_reported_kwh=values["energy_kwh"] * (pue or 1.0),
        tracker_pue=pue or 1.0,
        usage_type=USAGE_IT_METER if pue else USAGE_WHOLE_SITE_METER,  # the PUE table's label says which
    )
    return row


def _compute(record: Record, source: InputFile) -> dict[str, object]:
    """A Compute usage row: estimated by reporter.workbook.compute in the energy stage."""
    values = record.values
    provider = str(values["provider"]).strip().lower()
    row = _base(record, source, Method.ESTIMATED)
    cloud = provider in schema.CLOUDS
    country, region = (None, None) if cloud else _location(values["region"])
    row.update(
        run_id=f"{FORMAT}:{source.given.name}:{record.sheet}:{record.row}",
        team=values["team"],
        project=values["project"],
        model=values["model"],
        cloud_provider=provider,
        cloud_region=values["region"] if cloud else None,
        country_code=country,
        region=region,
        service_name=schema.COMPUTE_SERVICE,
        usage_type=values["type"],
        instance_type=values["type"] if values["unit"] == schema.INSTANCE_HOURS else None,
        hardware=f"{values['hours']:g} {values['unit']} of {values['type']}; {values['source_document']}",
        consumed_quantity=values["hours"],
        consumed_unit=values["unit"],
        tracker_pue=values["pue"],
    )
    return row
