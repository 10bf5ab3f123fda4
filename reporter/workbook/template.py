"""`write_template(path)`: the manual-entry workbook to fill in.

An Instructions sheet, then one sheet per kind (reporter.workbook.schema): a header row, an example
row in grey (read only if changed), typed column formats and data validation on every data row.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from reporter.errors import RenderError
from reporter.workbook import schema
from reporter.workbook.schema import Column, Sheet

DATA_ROWS = 1000  # rows below the header that carry the validation and formats
EXAMPLE_ROW = schema.EXAMPLE_ROW
FIRST_DAY, LAST_DAY = date(schema.YEARS[0], 1, 1), date(schema.YEARS[1], 12, 31)


def write_template(path: Path) -> None:
    """Write the manual-entry workbook to `path` (a RenderError if it cannot be written)."""
    try:
        book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
        book.set_properties({"title": schema.TITLE, "subject": "manual entry of energy, instruments and targets"})
        formats = _formats(book)
        _instructions(book.add_worksheet(schema.INSTRUCTIONS), formats)
        for sheet in schema.SHEETS:
            _sheet(book.add_worksheet(sheet.name), sheet, formats)
        book.close()
    except (OSError, xlsxwriter.exceptions.XlsxWriterException) as exc:
        raise RenderError(f"{path}: cannot write the workbook ({exc})") from None


def _formats(book: xlsxwriter.Workbook) -> dict[str, Format]:
    return {
        "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "required": book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        schema.DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
        schema.MONTH: book.add_format({"num_format": "@"}),
        schema.TEXT: book.add_format({"num_format": "@"}),
        schema.NUMBER: book.add_format({"num_format": "#,##0.########"}),
        schema.YEAR: book.add_format({"num_format": "0"}),
        "example": book.add_format({"italic": True, "font_color": "#808080", "num_format": "@"}),
        "example_number": book.add_format({"italic": True, "font_color": "#808080", "num_format": "#,##0.########"}),
    }


def _instructions(ws: Worksheet, formats: dict[str, Format]) -> None:
    lines: list[tuple[str, str]] = [
        ("Manual-entry workbook", "title"),
        ("Fill in the sheets you need and give the file to `reporter report` like any other input.", ""),
        ("Row 1 of each sheet is the header; row 2 is an example in grey: overwrite or delete it (left as it "
         "is, it is not read).", ""),
        ("Orange headers are required in every filled row. Empty sheets are ignored.", ""),
        ("Electricity and Compute usage rows are usage (counted in the report's ledger); the other sheets are "
         "the same settings as the configuration file's sections. A value given both here and in the "
         "configuration is an error naming both places.", ""),
        ("Compute usage: give instance-hours where the invoice names the instance type (the whole machine, "
         "its GPUs included); otherwise GPU-hours by GPU model (the host's share per GPU is added). Never both "
         "for the same usage.", ""),
        ("Dates as dates (or YYYY-MM-DD); months as YYYY-MM; numbers as numbers, without units.", ""),
        ("", ""),
    ]
    row = 0
    for text, style in lines:
        ws.write(row, 0, text, formats[style]) if style else ws.write(row, 0, text)
        row += 1
    ws.write_row(row, 0, ["Sheet", "Column", "Required", "Type", "Allowed values", "Meaning"], formats["bold"])
    row += 1
    for sheet in schema.SHEETS:
        ws.write(row, 0, sheet.name, formats["bold"])
        ws.write(row, 5, sheet.purpose)
        row += 1
        for column in sheet.columns:
            ws.write_row(row, 0, [sheet.name, column.header, "yes" if column.required else "no",
                                  _kind_text(column), ", ".join(column.choices), column.help])
            row += 1
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 3, 12)
    ws.set_column(4, 4, 40)
    ws.set_column(5, 5, 90)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _kind_text(column: Column) -> str:
    bounds = ""
    if column.kind in (schema.NUMBER, schema.YEAR) and column.minimum is not None:
        bounds = f" ≥ {column.minimum:g}" + (f", ≤ {column.maximum:g}" if column.maximum is not None else "")
    return {schema.YES_NO: "yes/no", schema.CHOICE: "one of the list"}.get(column.kind, column.kind) + bounds


def _sheet(ws: Worksheet, sheet: Sheet, formats: dict[str, Format]) -> None:
    for index, column in enumerate(sheet.columns):
        style = formats["required" if column.required else "header"]
        ws.write_string(0, index, column.header, style)
        ws.write_comment(0, index, f"{column.help}{' (required)' if column.required else ''}")
        width = max(len(column.header) + 4, 14, len(str(column.example or "")) + 2)
        ws.set_column(index, index, min(width, 40), formats.get(column.kind))
        _validate(ws, index, column, 1 if sheet.single_row else DATA_ROWS)
        _example(ws, index, column, formats)
    ws.freeze_panes(1, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # printed: all columns on one page wide


def _example(ws: Worksheet, index: int, column: Column, formats: dict[str, Format]) -> None:
    value = column.example
    row = EXAMPLE_ROW - 1
    if value is None:
        return
    if isinstance(value, bool | str):
        ws.write_string(row, index, str(value), formats["example"])
    elif isinstance(value, int | float):
        ws.write_number(row, index, value, formats["example_number"])


def _validate(ws: Worksheet, index: int, column: Column, rows: int) -> None:
    """Excel data validation on the column's data rows (a typed value, a list, bounds)."""
    rule: dict[str, Any]
    if column.choices:
        rule = {"validate": "list", "source": list(column.choices)}
    elif column.kind == schema.NUMBER:
        rule = _bounded("decimal", column)
    elif column.kind == schema.YEAR:
        rule = _bounded("integer", column)
    elif column.kind == schema.DATE:
        rule = {"validate": "date", "criteria": "between", "minimum": FIRST_DAY, "maximum": LAST_DAY}
    elif column.kind == schema.MONTH:
        rule = {"validate": "length", "criteria": "==", "value": 7}
    else:
        return
    rule["error_title"] = column.header
    rule["error_message"] = (column.help + (f" ({_kind_text(column)})" if column.kind != schema.CHOICE else ""))[:255]
    rule["input_message"] = column.help[:255]
    ws.data_validation(1, index, rows, index, rule)


def _bounded(kind: str, column: Column) -> dict[str, Any]:
    if column.maximum is None:
        return {"validate": kind, "criteria": ">=", "value": column.minimum or 0}
    return {"validate": kind, "criteria": "between", "minimum": column.minimum or 0, "maximum": column.maximum}
