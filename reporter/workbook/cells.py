"""Reading .xlsx cells a row at a time (openpyxl's read-only reader), and typed values from them.

Formulas are read as the values Excel cached when it saved the file; a formula with no cached
value (written by a program that does not calculate) is an error naming its cell, and so is a
cell holding an Excel error (#DIV/0!, #N/A …). Messages name cells as Excel does: `Sheet!D7`.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, ROW_TAG, VALUE_TAG, WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from reporter.errors import InputFormatError

UNCACHED = "uncached"


_SHEET_DATA = f"{{{SHEET_MAIN_NS}}}sheetData"
_INLINE = f"{{{SHEET_MAIN_NS}}}is"
_TEXT = f"{{{SHEET_MAIN_NS}}}t"
_RUN = f"{{{SHEET_MAIN_NS}}}r"


class _CachedValues(WorkSheetParser):
    """openpyxl's sheet parser, reading cached values and marking formulas that have none.

    Memory stays flat: each row's element is removed from the tree once read (openpyxl's own
    parser empties it but keeps it, and keeps every row's attributes), and parsing stops at the
    end of the cells. An inline string (as programs other than Excel write text) is read as plain
    text, without building openpyxl's rich-text objects: many times faster on a big sheet."""

    def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        cells_element = None
        for event, element in iterparse(self.source, events=("start", "end")):
            if event == "start":
                if element.tag == _SHEET_DATA:
                    cells_element = element
                continue
            if element.tag == ROW_TAG:
                row = self.parse_row(element)
                element.clear()
                if cells_element is not None:
                    cells_element.remove(element)
                yield row
            elif element.tag == _SHEET_DATA:
                return

    def parse_row(self, row: Any) -> tuple[int, list[dict[str, Any]]]:
        number = row.get("r")
        self.row_counter: int = int(float(number)) if number else self.row_counter + 1
        self.col_counter = 0
        return self.row_counter, [self.parse_cell(cell) for cell in row]

    def parse_cell(self, element: Any) -> dict[str, Any]:
        if element.get("t") == "inlineStr":
            inline = element.find(_INLINE)
            parts = [] if inline is None else [
                node.findtext(_TEXT, "") if node.tag == _RUN else (node.text or "")
                for node in inline if node.tag in (_TEXT, _RUN)
            ]
            element.set("t", "str")
            value = element.makeelement(VALUE_TAG, {})  # of the parser's own element type (ElementTree or lxml)
            value.text = "".join(parts)
            element.append(value)
        cell = super().parse_cell(element)
        if cell["value"] is None and element.find(FORMULA_TAG) is not None:
            cell["data_type"] = UNCACHED
        return cell


@dataclass
class Book:
    """An opened workbook: its sheets' parts and what reading their cells needs (from openpyxl's reader)."""

    archive: zipfile.ZipFile
    parts: dict[str, str]  # sheet name -> its part in the archive
    shared_strings: list[Any]
    epoch: Any
    date_formats: set[int]
    timedelta_formats: set[int]

    @property
    def sheetnames(self) -> list[str]:
        return list(self.parts)


@contextmanager
def opened(path: Path, shown: Path | str) -> Iterator[Book]:
    """The workbook, read as openpyxl's read-only mode does but without its pass over every sheet
    at opening (openpyxl reads a sheet to its end when the sheet does not state its size first);
    an InputFormatError if it is not a workbook."""
    handle = path.open("rb")  # a file object: openpyxl then reads any file name (an upload's, a .csv)
    try:
        reader = ExcelReader(handle, read_only=True, data_only=True, keep_links=False)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        parts = {
            sheet.name: rel.target for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        }
    except Exception as exc:  # any failure of the workbook library is the file's problem
        handle.close()
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFormatError(f"cannot read the workbook ({detail})", path=shown) from None
    wb = reader.wb
    try:
        yield Book(reader.archive, parts, reader.shared_strings, wb.epoch, wb._date_formats, wb._timedelta_formats)
    finally:
        reader.archive.close()
        handle.close()


def cell_name(sheet: str, row: int, column: int) -> str:
    """`Sheet!D7` (1-based row and column); a sheet name with spaces is quoted as Excel does."""
    quoted = sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{get_column_letter(column)}{row}"


def rows(book: Book, sheet: str, shown: Path | str) -> Iterator[tuple[int, list[Any]]]:
    """(sheet row number, the row's values) for every row the sheet stores, one at a time.

    A row's list is as long as its last stored cell; values are Python values (str, int, float,
    bool, datetime). An uncached formula or an error value is an InputFormatError naming the cell.
    """
    with book.archive.open(book.parts[sheet]) as source:  # the sheet's XML, streamed
        parser = _CachedValues(
            source, book.shared_strings, data_only=True, epoch=book.epoch,
            date_formats=book.date_formats, timedelta_formats=book.timedelta_formats,
        )
        for number, cells in parser.parse():
            values: list[Any] = []
            for cell in cells:
                while len(values) < cell["column"] - 1:
                    values.append(None)
                values.append(_value(cell, sheet, shown))
            yield number, values


def _value(cell: dict[str, Any], sheet: str, shown: Path | str) -> Any:
    kind, value = cell["data_type"], cell["value"]
    if kind == UNCACHED:
        where = cell_name(sheet, cell["row"], cell["column"])
        raise InputFormatError(
            f"{where}: the formula has no saved value (open the file in Excel or LibreOffice and save it)",
            path=shown,
        )
    if kind == "e":
        where = cell_name(sheet, cell["row"], cell["column"])
        raise InputFormatError(f"{where}: the cell holds the error {value}", path=shown)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def empty(values: list[Any]) -> bool:
    return all(value is None for value in values)


# --------------------------------------------------------------------------------------------
# typed values; each raises ValueError with the message that follows the cell's name

_NUMBER_TEXT = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d*)?([eE][+-]?\d+)?|[+-]?\.\d+([eE][+-]?\d+)?")


def number(value: Any) -> float:
    """A number, or a number stored as text ('1,234.5', ' 12 '); never a bool."""
    if isinstance(value, bool | datetime | date | time):
        raise ValueError(f"{_shown(value)} is not a number")
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        result = float(value.strip().replace(",", ""))
    else:
        raise ValueError(f"{_shown(value)} is not a number")
    if result != result or result in (float("inf"), float("-inf")):
        raise ValueError(f"{_shown(value)} is not a finite number")
    return result


def whole(value: Any) -> int:
    result = number(value)
    if result != int(result):
        raise ValueError(f"{_shown(value)} is not a whole number")
    return int(result)


def day(value: Any) -> date:
    """A date cell, or text YYYY-MM-DD; a date with a time of day other than midnight is refused."""
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise ValueError(f"{_shown(value)} is a date and time, not a date")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{_shown(value)} is not a date (YYYY-MM-DD)")


def month(value: Any) -> str:
    """YYYY-MM as text, or a date on the first of a month (Excel turns typed '2026-10' into one)."""
    if isinstance(value, datetime | date):
        first = value.date() if isinstance(value, datetime) else value
        if first.day == 1 and (not isinstance(value, datetime) or value.time() == time(0)):
            return f"{first:%Y-%m}"
        raise ValueError(f"{_shown(value)} is not a month (YYYY-MM)")
    if isinstance(value, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        return value
    raise ValueError(f"{_shown(value)} is not a month (YYYY-MM)")


def text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        raise ValueError(f"{_shown(value)} is a date, not text")
    return str(value)


def yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("yes", "y", "true", "1"):
        return True
    if lowered in ("no", "n", "false", "0"):
        return False
    raise ValueError(f"{_shown(value)} is not yes or no")


def choice(value: Any, choices: tuple[str, ...]) -> str:
    given = text(value)
    for option in choices:
        if given.lower() == option.lower():
            return option
    raise ValueError(f"{_shown(value)} is not one of {', '.join(choices)}")


def _shown(value: Any) -> str:
    if isinstance(value, datetime) and value.time() == time(0):
        return f"'{value:%Y-%m-%d}'"
    if isinstance(value, datetime):
        return f"'{value:%Y-%m-%d %H:%M:%S}'"
    if isinstance(value, str):
        return repr(value)
    return f"'{value}'"

