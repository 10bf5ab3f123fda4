"""A filled manual-entry workbook, read and checked cell by cell.

Every known sheet present is read: its header row (row 1) names the columns (in any order; an
unknown header or a missing required one is an error), and each non-empty row below is a
record whose cells are typed by the schema. The template's example row (row 2), left exactly as
written, is not a record. A template in another language than English (`reporter template --lang
ko`) has a label row naming the columns in that language right below the header: like the header,
it is not a record (nor a row read), and its example is row 3, in that language's words. Any bad
cell is an InputFormatError naming it: `Electricity!F7: 'twelve' is not a number`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reporter.errors import InputFormatError
from reporter.workbook import cells, schema
from reporter.workbook.schema import EXAMPLE_ROW, Column, Sheet


@dataclass(frozen=True)
class Record:
    """One filled row: its sheet row number and typed values by key (None where empty)."""

    sheet: str
    row: int
    values: dict[str, Any]
    columns: dict[str, int]  # key -> 1-based column of the sheet

    def cell(self, key: str) -> str:
        return cells.cell_name(self.sheet, self.row, self.columns.get(key, 1))


@dataclass
class Filled:
    """What the workbook holds: records per sheet, and the sheets whose example row was left as it is."""

    records: dict[str, list[Record]] = field(default_factory=dict)
    examples: dict[str, int] = field(default_factory=dict)

    def of(self, sheet: Sheet) -> list[Record]:
        return self.records.get(sheet.name, [])


def read_filled(path: Path, shown: Path | str) -> Filled:
    """Every known sheet of the workbook at `path`, checked; errors name `shown` and the cell."""
    filled = Filled()
    with cells.opened(path, shown) as book:
        for sheet in schema.SHEETS:
            if sheet.name in book.sheetnames:
                _read_sheet(book, sheet, shown, filled)
    return filled


def _read_sheet(book: Any, sheet: Sheet, shown: Path | str, filled: Filled) -> None:
    columns: dict[str, int] | None = None
    records: list[Record] = []
    example_row = EXAMPLE_ROW
    for number, values in cells.rows(book, sheet.name, shown):
        if cells.empty(values):
            continue
        if columns is None:
            columns = _header(sheet, number, values, shown)
            continue
        if number == EXAMPLE_ROW and _is_label_row(sheet, columns, values, shown):
            example_row = EXAMPLE_ROW + 1
            continue
        if number == example_row and _is_example(sheet, columns, values):
            filled.examples[sheet.name] = number
            continue
        records.append(_record(sheet, number, values, columns, shown))
    if sheet.single_row and len(records) > 1:
        raise InputFormatError(
            f"{cells.cell_name(sheet.name, records[1].row, 1)}: the sheet '{sheet.name}' holds one row "
            f"(rows {records[0].row} and {records[1].row} are filled)",
            path=shown,
        )
    if records:
        filled.records[sheet.name] = records


def _header(sheet: Sheet, number: int, values: list[Any], shown: Path | str) -> dict[str, int]:
    by_header = {_fold(column.header): column for column in sheet.columns}
    by_header.update({_fold(column.key): column for column in sheet.columns})
    columns: dict[str, int] = {}
    for index, value in enumerate(values, start=1):
        if value is None:
            continue
        column = by_header.get(_fold(str(value)))
        where = cells.cell_name(sheet.name, number, index)
        if column is None:
            known = ", ".join(c.header for c in sheet.columns)
            raise InputFormatError(f"{where}: unknown column {str(value)!r} (the columns are: {known})", path=shown)
        if column.key in columns:
            raise InputFormatError(f"{where}: the column '{column.header}' is given twice", path=shown)
        columns[column.key] = index
    missing = [c.header for c in sheet.columns if c.required and c.key not in columns]
    if missing:
        raise InputFormatError(
            f"{sheet.name} row {number}: required column '{missing[0]}' is missing from the header", path=shown
        )
    return columns


def _fold(text: str) -> str:
    return " ".join(text.split()).lower()


def _is_label_row(sheet: Sheet, columns: dict[str, int], values: list[Any], shown: Path | str) -> bool:
    """Whether the row below the header is a translated template's label row: each filled cell the
    column's name in one of the languages, as the template wrote it. A label row with some names
    changed (most of them kept) is an error naming the first changed cell."""
    from reporter.workbook.localized import is_label, label_row_names

    filled = {key: values[index - 1] for key, index in columns.items()
              if index <= len(values) and values[index - 1] is not None}
    kept = [key for key, value in filled.items() if is_label(sheet.name, key, value)]
    if not kept or len(kept) == len(filled):
        return bool(kept)
    if len(kept) < max(2, len(filled) / 2):
        return False  # a row of values, one of which happens to read as a column's name
    key = next(key for key in filled if key not in kept)
    raise InputFormatError(
        f"{cells.cell_name(sheet.name, EXAMPLE_ROW, columns[key])}: {filled[key]!r} in the label row of a translated "
        f"template, where the column's name {label_row_names(sheet.name, key)[0]!r} was: write it back or delete "
        f"the row (it is not read)", path=shown,
    )


def _is_example(sheet: Sheet, columns: dict[str, int], values: list[Any]) -> bool:
    """Whether the row is the template's example, unchanged (in the words of any language's template)."""
    for column in sheet.columns:
        index = columns.get(column.key)
        value = values[index - 1] if index is not None and index <= len(values) else None
        expected = column.example
        if isinstance(expected, int | float) and isinstance(value, int | float) and not isinstance(value, bool):
            if float(value) != float(expected):
                return False
        elif expected is None or value is None:
            if value is not expected:
                return False
        elif str(value) != str(expected) and not _translated_example(sheet, column, value):
            return False
    return True


def _translated_example(sheet: Sheet, column: Column, value: object) -> bool:
    from reporter.workbook.localized import example_texts

    return isinstance(column.example, str) and str(value) in example_texts(sheet.name, column.key)


def _record(sheet: Sheet, number: int, values: list[Any], columns: dict[str, int], shown: Path | str) -> Record:
    typed: dict[str, Any] = {}
    for column in sheet.columns:
        index = columns.get(column.key)
        raw = values[index - 1] if index is not None and index <= len(values) else None
        where = cells.cell_name(sheet.name, number, index or 1)
        if raw is None:
            if column.required:
                raise InputFormatError(f"{where}: '{column.header}' is required", path=shown)
            typed[column.key] = None
            continue
        try:
            typed[column.key] = _typed(column, raw)
        except ValueError as exc:
            raise InputFormatError(f"{where}: {exc}", path=shown) from None
    return Record(sheet.name, number, typed, columns)


def _typed(column: Column, raw: Any) -> Any:
    parse: dict[str, Callable[[Any], Any]] = {
        schema.TEXT: cells.text, schema.NUMBER: cells.number, schema.YEAR: cells.whole, schema.DATE: cells.day,
        schema.MONTH: cells.month, schema.YES_NO: cells.yes_no,
        schema.CHOICE: lambda value: cells.choice(value, column.choices),
    }
    value = parse[column.kind](raw)
    if column.kind in (schema.NUMBER, schema.YEAR):
        low, high = column.minimum, column.maximum
        if low is not None and value < low:
            raise ValueError(f"{_number(value)} is below {_number(low)}")
        if high is not None and value > high:
            raise ValueError(f"{_number(value)} is above {_number(high)}")
    return value


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else repr(value)
