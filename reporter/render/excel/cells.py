"""Cells of the workbook: typed values, display formats, and sheets written row by row.

The workbook is written in XlsxWriter's constant-memory mode: each row goes to disk once the next
one starts, so rows are written in order and a sheet's memory does not grow with its length.
Column widths come from the header and the first WIDTH_SAMPLE_ROWS rows of a table.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from reporter.errors import RenderError

# Display formats (the stored value is never rounded).
KWH = "#,##0.000"
MWH = "#,##0.000000"
TCO2E = "#,##0.000000"
KG = "#,##0.000"
SHARE = "0.0%"
# A value already in percent units (42.0 shows as 42.00%); used for the targets' *_pct fields.
PERCENT_POINTS = '0.00"%"'
FRACTION = "0.000000"
PUE = "0.00##"
G_PER_KWH = "#,##0.00"
# Billed quantities and costs span many magnitudes: at least 3 (2) decimals, up to 6.
QUANTITY = "#,##0.000###"
COST = "#,##0.00####"
SECONDS = "#,##0.0"
INTEGER = "0"
COUNT = "#,##0"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm:ss"
GENERAL = "General"

MAX_WIDTH = 70
MIN_WIDTH = 8
# Calibri 11's digit width in pixels: a column of N * DIGIT_PIXELS pixels is stored as width N.
DIGIT_PIXELS = 7
WIDTH_SAMPLE_ROWS = 1000
# The most characters a spreadsheet cell holds; longer text is cut and ends with an ellipsis.
MAX_TEXT = 32767
# The most rows a sheet holds (Excel's limit), and the rows kept free below a table for its notes.
MAX_ROWS = 1_048_576
NOTE_ROWS = 12

# Characters the file format cannot store; shown as U+FFFD instead.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A leading character that a spreadsheet could read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


@dataclass(frozen=True)
class Column:
    name: str
    fmt: str = GENERAL
    kind: str = "auto"  # "auto", "date", "datetime"


class ExactWorksheet(Worksheet):
    """A worksheet that stores each float as its shortest exact text (repr), so it reads back equal.

    XlsxWriter writes 16 significant digits ("%.16G"), which does not always give back the same
    double (0.1 + 0.2 would read back as 0.3), and makes 10000.0 read back as the integer 10000.
    """

    def _xml_number_element(self, number: Any, attributes: Any = ()) -> None:  # noqa: B006
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        text = repr(number) if type(number) is float else str(number)
        self.fh.write(f"<c{attr}><v>{text}</v></c>")

    def append_rows(self, rows: Iterable[str], first: int, last: int, last_col: int) -> None:
        """Append ready `<row>` elements for the 0-based rows `first`..`last` (constant-memory mode).

        Any row still pending is written first; the sheet's dimension then covers the new rows,
        and later cells must go below them, as in any constant-memory sheet.
        """
        self._write_single_row(first)
        self.fh.write("".join(rows))
        if self._check_dimensions(last, last_col):
            raise RenderError(f"sheet '{self.name}' cannot hold row {last + 1:,}")
        self.previous_row = last


class Sheet:
    """One worksheet written top to bottom, with 1-based rows and columns like a spreadsheet's."""

    def __init__(
        self, workbook: Workbook, title: str, styles: Styles, tr: Callable[[str], str] | None = None
    ) -> None:
        self.ws: Worksheet = workbook.add_worksheet(title, worksheet_class=ExactWorksheet)
        self.styles = styles
        self.tr: Callable[[str], str] = tr or str  # the report language's text for an English label
        self.max_row = 0
        self.widths: dict[int, int] = {}
        self.measuring = True

    def put(self, row: int, col: int, value: Any, fmt: str = GENERAL, style: str = "") -> None:
        """Store one value with its proper type; strings are always literal text."""
        if hasattr(value, "item") and not isinstance(value, str):
            value = value.item()  # numpy scalar
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            return  # an empty text is an empty cell
        if isinstance(value, float) and math.isinf(value):
            value = "∞" if value > 0 else "−∞"  # no number can hold it: said in text
        if row > MAX_ROWS:
            raise RenderError(f"sheet '{self.ws.name}' would pass the {MAX_ROWS:,} rows a spreadsheet holds")
        self.max_row = max(self.max_row, row)
        if isinstance(value, bool):
            self.ws.write_boolean(row - 1, col - 1, value, self.styles.get(GENERAL, style))
        elif isinstance(value, datetime | date):
            fmt = fmt if fmt != GENERAL else DATETIME if isinstance(value, datetime) else DATE
            self.ws.write_datetime(row - 1, col - 1, value, self.styles.get(fmt, style))
        elif isinstance(value, int | float):
            self.ws.write_number(row - 1, col - 1, value, self.styles.get(fmt, style))
        else:
            text = clean_text(str(value))
            style += ("q" if text.startswith(FORMULA_START) else "") + ("w" if "\n" in text else "")
            self.ws.write_string(row - 1, col - 1, text, self.styles.get(GENERAL, style))
            value = text
        if self.measuring and row <= WIDTH_SAMPLE_ROWS + 1:
            self.widths[col] = max(self.widths.get(col, 0), display_length(value, fmt))

    def header(self, columns: Sequence[Column], row: int = 1) -> None:
        for number, column in enumerate(columns, start=1):
            self.put(row, number, column.name, style="b")

    def title(self, row: int, text: str) -> None:
        self.put(row, 1, self.tr(text), style="t")

    def table(self, columns: Sequence[Column], rows: Iterable[Any]) -> None:
        self.header(columns)
        self.rows_at(2, columns, rows)
        self.finish()

    def rows_at(self, first: int, columns: Sequence[Column], rows: Iterable[Any]) -> int:
        """Write `rows` (model rows, or dicts made here) from row `first` on; return the row after the
        last one written. A column a row does not have is an empty cell."""
        index = first
        for row in rows:
            for number, column in enumerate(columns, start=1):
                value = value_of(row, column.name)
                if column.kind in ("date", "datetime"):
                    value = to_date(value) if column.kind == "date" else to_datetime(value)
                self.put(index, number, value, column.fmt)
            index += 1
        return index

    def finish(self, *, filter_: bool = True, filter_range: tuple[int, int] | None = None) -> None:
        """Freeze the header, filter the table (rows 1..last, columns 1..n) and set the widths."""
        self.ws.freeze_panes(1, 0)
        if filter_range is not None:
            self.ws.autofilter(0, 0, max(filter_range[0], 1) - 1, filter_range[1] - 1)
        elif filter_ and self.widths:
            self.ws.autofilter(0, 0, max(self.max_row, 1) - 1, max(self.widths) - 1)
        for number, width in sorted(self.widths.items()):
            self.set_width(number, width + 2)
        self.measuring = False

    def set_width(self, col: int, characters: int) -> None:
        stored = min(MAX_WIDTH, max(MIN_WIDTH, characters))
        self.ws.set_column_pixels(col - 1, col - 1, stored * DIGIT_PIXELS)

    def notes(self, lines: Sequence[str], empty: str | None = None) -> None:
        """Notes below everything else, one blank row apart; written after the widths are set.
        `empty`, when given, first: what an empty table above means."""
        lines = [self.tr(line) for line in ([empty, *lines] if empty else lines)]
        start = self.max_row + 2
        for index, line in enumerate(lines, start=start):
            self.put(index, 1, line, style="i")


class Styles:
    """The workbook's cell formats, one per (number format, style letters), made once.

    Style letters: b bold (headers), t title, i italic (notes), q quote prefix (text that looks
    like a formula stays text when edited), w wrapped and top-aligned (text with line breaks).
    """

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.made: dict[tuple[str, str], Any] = {}

    def index(self, fmt: str, style: str = "") -> int:
        """The cell format's index in the file (0: the default format)."""
        made = self.get(fmt, style)
        return int(made._get_xf_index()) if made is not None else 0

    def get(self, fmt: str, style: str = "") -> Any:
        key = (fmt, "".join(sorted(set(style))))
        if key not in self.made:
            properties: dict[str, Any] = {} if fmt == GENERAL else {"num_format": fmt}
            letters = key[1]
            if "b" in letters or "t" in letters:
                properties["bold"] = True
            if "t" in letters:
                properties["font_size"] = 12
            if "i" in letters:
                properties["italic"] = True
            if "q" in letters:
                properties["quote_prefix"] = True
            if "w" in letters:
                properties.update(text_wrap=True, valign="top")
            self.made[key] = self.workbook.add_format(properties) if properties else None
        return self.made[key]


def clean_text(text: str) -> str:
    """Text a cell can hold: illegal characters replaced, cut at MAX_TEXT characters."""
    text = ILLEGAL.sub("\ufffd", text)
    return text[: MAX_TEXT - 1] + "…" if len(text) > MAX_TEXT else text


def display_length(value: Any, fmt: str) -> int:
    if isinstance(value, str):
        return max(len(line) for line in value.split("\n"))
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    if isinstance(value, int | float) and not isinstance(value, bool):
        if fmt == SHARE:
            return len(f"{value:.1%}")
        if fmt == GENERAL:
            return len(repr(value))
        tail = fmt.split(".", 1)[1] if "." in fmt else ""
        decimals = len(tail) - len(tail.lstrip("0#"))
        suffix = 1 if fmt.endswith('"%"') else 0
        return len(f"{value:,.{decimals}f}") + suffix
    return len(str(value))


def to_date(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def to_datetime(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if parsed is not None and parsed.tzinfo is not None:
        return parsed.isoformat()  # a spreadsheet date has no time zone: keep the text
    return parsed


def format_for(name: str) -> str:
    """A display format from a field name's unit suffix, for fields no table lists."""
    base = name.removesuffix("_low").removesuffix("_high").removesuffix("_in_period")
    if base.endswith("_kwh"):
        return KWH
    if base.endswith("_tco2e"):
        return TCO2E
    if base.endswith(("_co2e_kg", "_kg")):
        return KG
    if base.endswith("_share"):
        return SHARE
    return GENERAL


def with_unknown_fields(columns: Sequence[Column], model: type, format_for: Callable[[str], str]) -> list[Column]:
    """`columns`, then a column for each field of the model rows they do not name (so it still shows)."""
    known = {column.name for column in columns}
    names = [f.name for f in dataclasses.fields(model) if f.name not in known]
    return [*columns, *(Column(name, format_for(name)) for name in names)]


def value_of(row: Any, name: str) -> Any:
    """The field `name` of a model row, or of a dict row made by a sheet; None when it has none."""
    if isinstance(row, Mapping):  # a row a sheet made
        return row.get(name)
    return getattr(row, name, None)


def room_for(first_row: int) -> int:
    """How many table rows fit on a sheet from `first_row` on, keeping NOTE_ROWS free below."""
    return max(0, MAX_ROWS - NOTE_ROWS - first_row + 1)


