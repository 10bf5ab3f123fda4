"""A DataFrame written to a sheet as rows of cell XML, built column by column.

Writing a long table cell by cell through XlsxWriter costs about 10 µs a cell; here each column of
a block of rows is converted whole (numbers to their exact text, times to Excel serial days, text
escaped as XlsxWriter escapes it) and each row is joined from its cells. The cells are what
XlsxWriter writes in constant-memory mode: numbers as `<v>` with the shortest exact text, text
as inline strings, one cell format per column (text: with a quote prefix when it could read as a
formula, wrapped when it has line breaks).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.xmlwriter import re_control_chars_1

from reporter.errors import RenderError
from reporter.render.excel import cells as limits
from reporter.render.excel.cells import (
    DATE,
    DATETIME,
    GENERAL,
    ILLEGAL,
    MAX_TEXT,
    WIDTH_SAMPLE_ROWS,
    Column,
    Sheet,
    display_length,
)

BLOCK_ROWS = 5000
# Excel's day 0 for times after 28 February 1900: a time is stored as days since then.
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
FIRST_SERIAL_DAY = pd.Timestamp("1900-03-01")
FORMULA_PATTERN = r"^[=+@\t\r\n-]"  # a text starting with one of FORMULA_START
TEXT_STYLES = ("", "q", "w", "qw")  # index: 1 × quote prefix + 2 × wrapped
PRESERVE = ' xml:space="preserve"'  # keeps white space at either end of a text


def write_frame(sheet: Sheet, columns: Sequence[Column], frame: pd.DataFrame, first: int = 2) -> int:
    """Write `frame`'s columns named by `columns` from (1-based) row `first` on; return the next row."""
    last = first + len(frame) - 1
    if last > limits.MAX_ROWS:
        raise RenderError(f"sheet '{sheet.ws.name}' would pass the {limits.MAX_ROWS:,} rows a spreadsheet holds")
    if frame.empty:
        return first
    letters = [xl_col_to_name(index) for index in range(len(columns))]
    for start in range(0, len(frame), BLOCK_ROWS):
        block = frame.iloc[start : start + BLOCK_ROWS]
        numbers = range(first + start, first + start + len(block))
        texts = [str(n) for n in numbers]
        cells = [
            _cells(sheet, block[c.name], c.fmt, Refs(letter, texts)) for c, letter in zip(columns, letters, strict=True)
        ]
        if start == 0:
            _measure(sheet, columns, block)
        by_row = zip(numbers, zip(*cells, strict=True), strict=True)
        rows = [f'<row r="{n}">{"".join(parts)}</row>' for n, parts in by_row]
        sheet.ws.append_rows(rows, first + start - 1, first + start + len(block) - 2, len(columns) - 1)
    sheet.max_row = max(sheet.max_row, last)
    return last + 1


def _measure(sheet: Sheet, columns: Sequence[Column], block: pd.DataFrame) -> None:
    """Column widths from the header and the first WIDTH_SAMPLE_ROWS values."""
    for number, column in enumerate(columns, start=1):
        values = block[column.name].iloc[:WIDTH_SAMPLE_ROWS].to_numpy(dtype=object, na_value=None).tolist()
        lengths = [display_length(_shown(v), column.fmt) for v in values if v is not None and v == v and v != ""]
        sheet.widths[number] = max([sheet.widths.get(number, 0), len(column.name), *lengths])


def _shown(value: Any) -> Any:
    return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value


@dataclass(frozen=True)
class Refs:
    """The A1 references of a column's cells: its letter, then each row's number as text."""

    letter: str
    rows: list[str]


def _cells(sheet: Sheet, column: pd.Series, fmt: str, refs: Refs) -> list[str]:
    """Each value's cell XML ("" for an empty cell)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiu":
        return _number_cells(refs, column.tolist(), sheet.styles.index(fmt))
    if isinstance(dtype, np.dtype) and dtype.kind == "M" and not (column < FIRST_SERIAL_DAY).any():
        serials = ((column - EXCEL_EPOCH) / pd.Timedelta(days=1)).tolist()
        return _number_cells(refs, serials, sheet.styles.index(fmt if fmt != GENERAL else DATETIME))
    if dtype.kind in "OSU" and pd.api.types.is_string_dtype(column):
        return _text_cells(sheet, refs, column)
    cells = zip(refs.rows, column.tolist(), strict=True)
    return [_any_cell(sheet, Refs(refs.letter, [row]), value, fmt) for row, value in cells]


def _number_cells(refs: Refs, values: list[Any], xf: int) -> list[str]:
    """Numbers as their shortest exact text (repr), so they read back as the same double."""
    head, style = f'<c r="{refs.letter}', f'" s="{xf}"><v>' if xf else '"><v>'
    return [
        "" if value is None or not math.isfinite(value) else f"{head}{row}{style}{value!r}</v></c>"
        for row, value in zip(refs.rows, values, strict=True)
    ]


def _text_cells(sheet: Sheet, refs: Refs, column: pd.Series) -> list[str]:
    """Text as inline strings, escaped as XlsxWriter escapes them (white space always preserved)."""
    text = column.astype("string").replace("", pd.NA).str.replace(ILLEGAL.pattern, "\ufffd", regex=True)
    long = text.str.len() > MAX_TEXT
    if long.any():
        text[long] = text[long].str.slice(0, MAX_TEXT - 1) + "…"
    quote = text.str.contains(FORMULA_PATTERN, regex=True).fillna(False).astype(int)
    wrap = text.str.contains("\n", regex=False).fillna(False).astype(int)
    style = (quote + 2 * wrap).tolist()
    if text.str.contains("_x", regex=False).fillna(False).any():  # a literal _xHHHH_ is escaped
        text = text.str.replace(re_control_chars_1.pattern, r"_x005F\1", regex=True)
    # the only control character left (ILLEGAL covers the others), written as Excel's escape
    text = text.str.replace("\r", "_x000D_", regex=False)
    escaped = text.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False)
    escaped = escaped.str.replace(">", "&gt;", regex=False)
    xfs = [sheet.styles.index(GENERAL, letters) for letters in TEXT_STYLES]
    attrs = [(f'" s="{xf}"' if xf else '"') + f' t="inlineStr"><is><t{PRESERVE}>' for xf in xfs]
    values = escaped.to_numpy(dtype=object, na_value=None).tolist()
    head = f'<c r="{refs.letter}'
    return [
        "" if value is None else f"{head}{row}{attrs[s]}{value}</t></is></c>"
        for row, value, s in zip(refs.rows, values, style, strict=True)
    ]


def _any_cell(sheet: Sheet, refs: Refs, value: Any, fmt: str) -> str:
    """One value of a mixed column, typed as `Sheet.put` types it (a time with a zone stays text)."""
    ref = refs.letter + refs.rows[0]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return _number_cells(refs, [value], sheet.styles.index(fmt))[0]
    stamp = pd.Timestamp(value) if isinstance(value, datetime | date) else None
    if stamp is not None and stamp.tzinfo is None and stamp >= FIRST_SERIAL_DAY:
        serial = (stamp - EXCEL_EPOCH) / pd.Timedelta(days=1)
        day_format = fmt if fmt != GENERAL else DATETIME if isinstance(value, datetime) else DATE
        return f'<c r="{ref}" s="{sheet.styles.index(day_format)}"><v>{serial!r}</v></c>'
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    return _text_cells(sheet, refs, pd.Series([text], dtype=object))[0]
