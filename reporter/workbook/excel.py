"""Any tabular input saved as .xlsx (a FOCUS, CUR, Azure or GCP export, a CodeCarbon CSV opened in
Excel): one sheet is written, a row at a time, to a temporary CSV that the format's own reader
reads, with the same detection, mapping and ledger.

* The sheet: the first one, or the one named by `sheet = "…"` in the input's entry.
* The header row: the first row with at least two filled cells (a title above it, even merged
  across the columns, is skipped and noted). An empty header cell inside the header (the cells a
  merged header cell spans) takes the name of the filled cell to its left, numbered: 'Cost (2)'.
* Cells: Excel dates are written as ISO dates and times; numbers in full precision (numbers stored
  as text pass through as text, which every reader parses); formulas as their cached values (an
  uncached formula or an error value is an error naming the cell).
* A sheet's trailing empty rows are not read. An empty row between filled ones is written as a row
  of empty fields, which the reader counts and excludes as it does in a CSV. Every row number the
  reader reports is mapped back to the sheet's own row (`SheetRows`).

openpyxl reads the sheet in read-only mode, streaming its XML: memory does not grow with rows.
"""

from __future__ import annotations

import csv
from array import array
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from openpyxl.utils import get_column_letter

from reporter.errors import InputError
from reporter.records import ExclusionGroup
from reporter.workbook import cells
from reporter.workbook.kind import sheet_names

HEADER_MIN_CELLS = 2
HEADER_SEARCH_ROWS = 50  # without a row of two filled cells in the first rows, the first filled row is the header


@dataclass(frozen=True)
class Converted:
    """A sheet written as CSV: where, the sheet's row of each CSV row (CSV row 1 = header), and notes."""

    path: Path
    sheet_rows: array
    note: str


def convert(path: Path, sheet: str | None, folder: Path, shown: Path | str) -> Converted:
    """Write the sheet (the first, or `sheet`) of the workbook at `path` to a CSV in `folder`."""
    names = sheet_names(path)
    if not names:
        raise InputError("the workbook has no sheets", path=shown)
    if sheet is not None and sheet not in names:
        raise InputError(f"the workbook has no sheet '{sheet}' (its sheets: {', '.join(names)})", path=shown)
    name = sheet or names[0]
    target = folder / (path.stem + ".csv")
    sheet_rows = array("l")
    with cells.opened(path, shown) as book, target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        stream = cells.rows(book, name, shown)
        header_row, header, skipped = _header(stream, name, shown)
        writer.writerow(header)
        sheet_rows.append(header_row)
        width = len(header)
        last = header_row  # the last row written: empty rows since are written only if a filled row follows
        for number, values in stream:
            if cells.empty(values):
                continue
            for empty_row in range(last + 1, number):  # stored empty, or not stored at all
                writer.writerow([""] * width)
                sheet_rows.append(empty_row)
            last = number
            writer.writerow([_text(v) for v in values[:width]] + [""] * (width - len(values)) + _beyond(values, width))
            sheet_rows.append(number)
    note = f"read from sheet '{name}' of the workbook, header in row {header_row}"
    if skipped:
        note += f" (rows above it not read: {', '.join(str(r) for r in skipped)})"
    return Converted(target, sheet_rows, note)


def _header(stream: Any, sheet: str, shown: Path | str) -> tuple[int, list[str], list[int]]:
    """(header row number, column names, filled rows above it) from the start of the row stream."""
    seen: list[tuple[int, list[Any]]] = []
    for number, values in stream:
        if cells.empty(values):
            continue
        if sum(v is not None for v in values) >= HEADER_MIN_CELLS:
            return number, _names(values), [n for n, _ in seen]
        seen.append((number, values))
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise InputError(f"the sheet '{sheet}' is empty", path=shown)
    if len(seen) >= HEADER_SEARCH_ROWS:
        raise InputError(
            f"the sheet '{sheet}' has no header row (no row of two or more filled cells in its first "
            f"{HEADER_SEARCH_ROWS} filled rows)", path=shown,
        )
    number, values = seen[0]  # a one-column sheet
    return number, _names(values), []


def _names(values: list[Any]) -> list[str]:
    """Header names; an empty cell inside the header takes the name to its left, numbered."""
    last = max(i for i, v in enumerate(values) if v is not None)
    names: list[str] = []
    left, repeat = "", 1
    for index, value in enumerate(values[: last + 1]):
        if value is not None:
            left, repeat = _text(value), 1
            names.append(left)
        elif left:
            repeat += 1
            names.append(f"{left} ({repeat})")
        else:
            names.append(f"column {get_column_letter(index + 1)}")
    return names


def _beyond(values: list[Any], width: int) -> list[str]:
    """Cells to the right of the header: kept when filled, so that a reader sees a ragged row."""
    extra = values[width:]
    while extra and extra[-1] is None:
        extra.pop()
    return [_text(v) for v in extra]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    if isinstance(value, float):
        return repr(value) if not value.is_integer() or abs(value) >= 1e16 else str(int(value))
    return str(value)


class SheetRows:
    """A reader of the converted CSV whose row numbers are the sheet's own."""

    name: ClassVar[str]
    label: ClassVar[str]

    def __init__(self, reader: Any, sheet_rows: array) -> None:
        self.reader = reader
        self.sheet_rows = sheet_rows
        self.name = reader.name  # type: ignore[misc]
        self.label = reader.label  # type: ignore[misc]

    def row(self, csv_row: int) -> int:
        return self.sheet_rows[csv_row - 1] if 1 <= csv_row <= len(self.sheet_rows) else csv_row

    def sniff(self, source: Any) -> float:
        return float(self.reader.sniff(source))

    def read(self, source: Any) -> Any:
        try:
            result = self.reader.read(source)
        except InputError as exc:
            if exc.row is not None:
                exc.row = self.row(exc.row)
            raise
        result.exclusions = [replace(e, row=self.row(e.row)) for e in result.exclusions]
        result.exclusion_groups = [
            ExclusionGroup(g.reason, g.rows, tuple(self.row(r) for r in g.example_rows), g.kind)
            for g in result.exclusion_groups
        ]
        readings = result.readings
        if not readings.empty:
            rows = readings["source_row"].to_numpy(dtype="int64")
            table = np.frombuffer(self.sheet_rows, dtype=self.sheet_rows.itemsize == 8 and "int64" or "int32")
            inside = (rows >= 1) & (rows <= len(table))
            mapped = np.where(inside, table[np.clip(rows - 1, 0, max(len(table) - 1, 0))], rows)
            result.readings = readings.assign(source_row=mapped.astype("int64"))
        return result
