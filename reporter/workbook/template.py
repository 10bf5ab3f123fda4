"""`write_template(path, lang)`: the manual-entry workbook to fill in.

An Instructions sheet, then one sheet per kind (reporter.workbook.schema): a header row, an example
row in grey (read only if changed), typed column formats and data validation on every data row.
In a language other than English (reporter.workbook.localized) the instructions, header comments,
validation messages and descriptive examples are in that language, and a label row naming the
columns in it sits between the header and the example; sheet names, header keys and list codes
stay English, so the workbook reads as the English one does.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from reporter.errors import RenderError
from reporter.i18n import DEFAULT, Language, language
from reporter.workbook import localized, schema
from reporter.workbook.localized import kind_text, label, labelled
from reporter.workbook.schema import Column, Sheet

DATA_ROWS = 1000  # rows below the header that carry the validation and formats
FIRST_DAY, LAST_DAY = date(schema.YEARS[0], 1, 1), date(schema.YEARS[1], 12, 31)


def write_template(path: Path, lang: str = DEFAULT) -> None:
    """Write the manual-entry workbook in `lang` (en, ko) to `path` (a RenderError if it cannot be written)."""
    words = language(lang)
    try:
        book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
        title = schema.TITLE if words.code == DEFAULT else f"reporter {words.gettext(localized.TITLE)}"
        book.set_properties({"title": title, "subject": words.gettext(localized.SUBJECT)})
        formats = _formats(book)
        _instructions(book.add_worksheet(schema.INSTRUCTIONS), formats, words)
        for sheet in schema.SHEETS:
            _sheet(book.add_worksheet(sheet.name), sheet, formats, words)
        book.close()
    except (OSError, xlsxwriter.exceptions.XlsxWriterException) as exc:
        raise RenderError(f"{path}: cannot write the workbook ({exc})") from None


def _formats(book: xlsxwriter.Workbook) -> dict[str, Format]:
    return {
        "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "required": book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "label": book.add_format({"italic": True, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True,
                                  "valign": "top"}),
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


def _instructions(ws: Worksheet, formats: dict[str, Format], lang: Language) -> None:
    lines = [lang.gettext(line) for line in localized.LINES]
    if labelled(lang):
        lines[1:2] = [lang.gettext(line) for line in localized.LABELLED_LAYOUT]
    ws.write(0, 0, lang.gettext(localized.TITLE), formats["title"])
    for row, text in enumerate(lines, start=1):
        ws.write(row, 0, text)
    row = len(lines) + 2
    headings = [lang.gettext(text) for text in localized.HEADINGS]
    if labelled(lang):
        headings.insert(2, lang.gettext(localized.LABEL_HEADING))
    ws.write_row(row, 0, headings, formats["bold"])
    row += 1
    for sheet in schema.SHEETS:
        ws.write(row, 0, sheet.name, formats["bold"])
        ws.write(row, len(headings) - 1, lang.gettext(sheet.purpose))
        row += 1
        for column in sheet.columns:
            cells = [sheet.name, column.header, lang.gettext(localized.YES if column.required else localized.NO),
                     kind_text(column, lang), ", ".join(column.choices), lang.translate(column.help)]
            if labelled(lang):
                cells.insert(2, lang.translate(label(sheet, column)))
            ws.write_row(row, 0, cells)
            row += 1
    widths = [18, 28, 12, 12, 40, 90]
    if labelled(lang):
        widths.insert(2, 28)
    for index, width in enumerate(widths):
        ws.set_column(index, index, width)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _sheet(ws: Worksheet, sheet: Sheet, formats: dict[str, Format], lang: Language) -> None:
    first = 2 if labelled(lang) else 1  # the first data row (0-based): the example's
    required = f" ({lang.gettext(localized.REQUIRED)})"
    for index, column in enumerate(sheet.columns):
        style = formats["required" if column.required else "header"]
        help_text = lang.translate(column.help)
        ws.write_string(0, index, column.header, style)
        name = lang.translate(label(sheet, column))
        if labelled(lang):
            ws.write_string(1, index, name, formats["label"])
            named = help_text if name == help_text else f"{name}: {help_text}"
            ws.write_comment(0, index, f"{named}{required if column.required else ''}")
        else:
            ws.write_comment(0, index, f"{help_text}{required if column.required else ''}")
        example = localized.example(column, lang)
        shown = [str(example or "")] + ([name] if labelled(lang) else [])
        width = max(len(column.header) + 4, 14, *(_width(text) + 2 for text in shown))
        ws.set_column(index, index, min(width, 40), formats.get(column.kind))
        title = name[:32] if labelled(lang) else column.header  # Excel's limit for a message's title
        _validate(ws, index, column, lang, title, (first, first if sheet.single_row else first + DATA_ROWS - 1))
        _example(ws, first, index, example, formats)
    if labelled(lang):
        ws.set_row(1, 30)
    ws.freeze_panes(first, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # printed: all columns on one page wide


def _example(ws: Worksheet, row: int, index: int, value: object, formats: dict[str, Format]) -> None:
    if value is None:
        return
    if isinstance(value, bool | str):
        ws.write_string(row, index, str(value), formats["example"])
    elif isinstance(value, int | float):
        ws.write_number(row, index, value, formats["example_number"])


def _validate(ws: Worksheet, index: int, column: Column, lang: Language, title: str, rows: tuple[int, int]) -> None:
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
        rule = {"validate": "any"}  # any value: the help shown when a cell is selected
    help_text = lang.translate(column.help)
    kind = f" ({kind_text(column, lang)})" if column.kind != schema.CHOICE else ""
    if rule["validate"] != "any":
        rule["error_title"] = title
        rule["error_message"] = (help_text + kind)[:255]
    rule["input_title"] = title
    rule["input_message"] = help_text[:255]
    ws.data_validation(rows[0], index, rows[1], index, rule)


def _width(text: str) -> int:
    """The text's width in characters, a wide (Hangul, CJK) character counted twice."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _bounded(kind: str, column: Column) -> dict[str, Any]:
    if column.maximum is None:
        return {"validate": kind, "criteria": ">=", "value": column.minimum or 0}
    return {"validate": kind, "criteria": "between", "minimum": column.minimum or 0, "maximum": column.maximum}
