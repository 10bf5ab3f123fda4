"""How a bill writes its dates, learnt from the file's own values, and the SQL that reads them.

ISO 8601 text (with or without a zone or offset) needs no learning. Dates written with slashes
("4/1/25", "13/04/2025") can be month-first or day-first: the order is taken from the first records
of the file (a first part above 12 means day/month, a second part above 12 month/day). When no value
decides it, month/day is taken, as FOCUS examples and US exports (Azure EA, AWS) write dates, and
a note says so. A file that writes both orders is an error naming the row. Two-digit years are
read as 1969-2068. Dotted dates ("13.04.2025") are day.month.year, the German order.

A value in no known shape, or one that contradicts the order learnt (a later "13/4/25" in a
month-first file), is not a date: the bill's read stops there, naming the file, row, column and
value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reporter.errors import InputFormatError

SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:[ T]+(.*))?$")
SLASHED_SQL = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}([ T].*)?$"
ISO_LIKE_SQL = r"^[0-9]{4}[-/]"  # 2025-04-01..., 2025/04/01...: the zone-aware cast reads these
TIMES = ("", " %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "T%H:%M:%S", "T%H:%M:%SZ")
OTHER_FORMATS = ("%Y%m%d", "%d.%m.%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M")
SAMPLE_VALUES = 2000  # Parquet text dates looked at to learn the order
ORDERS = {"mdy": ("%m/%d", "month/day/year"), "dmy": ("%d/%m", "day/month/year")}


@dataclass(frozen=True)
class DateFormats:
    """The strptime formats for slashed dates in one bill (none: the file has none) and a note."""

    slashed: tuple[str, ...] = ()
    note: str | None = None


def learn(values: dict[str, list[tuple[int, str]]], path: Path) -> DateFormats:
    """The order of the slashed dates among `values` (column name -> (row, text) of the first
    records), or an error when the file writes both orders."""
    first_big: tuple[int, str, str] | None = None  # a first part above 12: day/month
    second_big: tuple[int, str, str] | None = None  # a second part above 12: month/day
    years: set[int] = set()
    count = 0
    for column, items in values.items():
        for row, value in items:
            found = SLASHED.match(value)
            if not found:
                continue
            count += 1
            years.add(len(found.group(3)))
            if int(found.group(1)) > 12 and first_big is None:
                first_big = (row, column, value)
            if int(found.group(2)) > 12 and second_big is None:
                second_big = (row, column, value)
    if not count:
        return DateFormats()
    if first_big and second_big:
        later, earlier = sorted((first_big, second_big), reverse=True)
        kinds = {first_big: "day/month", second_big: "month/day"}
        raise InputFormatError(
            f"'{later[2]}' is written {kinds[later]} but row {earlier[0]} ('{earlier[2]}') {kinds[earlier]}: "
            "the file writes dates in both orders", path, later[0], later[1],
        )
    order = "dmy" if first_big else "mdy"
    columns = ", ".join(values)
    if first_big or second_big:
        row, column, value = first_big or second_big  # type: ignore[misc]
        part = "first" if first_big else "second"
        why = f"row {row} has '{value}' in {column}, whose {part} part is above 12 and so the day"
    else:
        why = (
            f"no value decides it (no day above 12 in the first {count} dates); month/day taken, "
            "as FOCUS and US exports write dates"
        )
    year = " with two-digit years read as 1969-2068" if 2 in years else ""
    note = f"dates in {columns} written with slashes, read as {ORDERS[order][1]}{year}: {why}"
    return DateFormats(_formats(order, years), note)


def _formats(order: str, years: set[int]) -> tuple[str, ...]:
    day_month = ORDERS[order][0]
    year_codes = [code for digits, code in ((4, "%Y"), (2, "%y")) if digits in years] or ["%Y"]
    return tuple(f"{day_month}/{code}{time}" for code in year_codes for time in TIMES)


def text_timestamp(sql: str, formats: DateFormats) -> str:
    """A UTC timestamp from any text: ISO-like text by the zone-aware cast (offsets, zone names),
    slashed dates by the order learnt for the file, compact and dotted dates by their one order;
    NULL otherwise."""
    value = f"trim({sql})"
    other = ", ".join(f"'{fmt}'" for fmt in OTHER_FORMATS)
    slashed = (
        f"WHEN regexp_full_match({value}, '{SLASHED_SQL}') THEN "
        f"try_strptime({value}, [{', '.join(repr(fmt) for fmt in formats.slashed)}]) "
        if formats.slashed
        else ""
    )
    return (
        f"CASE WHEN regexp_matches({value}, '{ISO_LIKE_SQL}') "
        f"THEN TRY_CAST(TRY_CAST({value} AS TIMESTAMPTZ) AS TIMESTAMP) "
        f"{slashed}ELSE try_strptime({value}, [{other}]) END"
    )
