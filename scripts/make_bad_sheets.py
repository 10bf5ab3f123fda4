"""Writes the workbooks of tests/bad_inputs/sheets (from the project root: `python scripts/make_bad_sheets.py`).

Every case is synthetic. The password-protected workbook needs the `msoffcrypto-tool` package, which
the project does not depend on: without it, that one file is left as it is.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl

from reporter.workbook.template import write_template

HERE = Path(__file__).resolve().parent.parent / "tests" / "bad_inputs" / "sheets"
ELECTRICITY = ["Berlin GPU room", "DE", "2026-10", None, None, 1000, "M-1", "own", 1.5, "invoice 1"]


def filled(name: str, sheet: str, rows: list[list[Any]], example: bool = True) -> None:
    """A template with `rows` appended below the example row on `sheet` (or replacing it)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.xlsx"
        write_template(path)
        book = openpyxl.load_workbook(path)
    ws = book[sheet]
    if not example:
        ws.delete_rows(2)
    for row in rows:
        ws.append(row)
    book.save(HERE / name)


def electricity(name: str, **changes: Any) -> None:
    keys = ["site", "region", "month", "start", "end", "kwh", "meter", "hosting", "pue", "source"]
    row = dict(zip(keys, ELECTRICITY, strict=True))
    row.update(changes)
    filled(name, "Electricity", [list(row.values())])


def generic(name: str, rows: list[list[Any]], title: str | None = None) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Export"
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    for row in rows:
        ws.append(row)
    book.save(HERE / name)
    return HERE / name


def main() -> None:
    filled("wb_ok.xlsx", "Electricity", [ELECTRICITY, [*ELECTRICITY[:6], "M-2", "colocated", None, "invoice 2"]])
    electricity("wb_not_a_number.xlsx", kwh="twelve")
    electricity("wb_negative.xlsx", kwh=-5)
    electricity("wb_bad_choice.xlsx", hosting="rented")
    electricity("wb_missing_required.xlsx", meter=None)
    electricity("wb_month_and_dates.xlsx", start=datetime(2026, 10, 1), end=datetime(2026, 10, 31))
    electricity("wb_pue_below_one.xlsx", pue=0.9)
    electricity("wb_bad_month.xlsx", month="Oct 2026")
    filled("wb_bad_date.xlsx", "Instruments", [["GO", 10, "DE", 2026, "GO-1", "soon"]])
    filled("wb_reversed_dates.xlsx", "Instruments",
           [["GO", 10, "DE", 2026, "GO-1", datetime(2026, 10, 31), datetime(2026, 10, 1)]])
    filled("wb_bad_vintage.xlsx", "Instruments", [["GO", 10, "DE", 1800, "GO-1"]])
    filled("wb_two_baselines.xlsx", "Baseline", [[2024, 100], [2023, 90]], example=False)
    filled("wb_unknown_column.xlsx", "Credits", [])
    book = openpyxl.load_workbook(HERE / "wb_unknown_column.xlsx")
    book["Credits"]["H1"] = "Notes"
    book.save(HERE / "wb_unknown_column.xlsx")
    header = ["lineItem/LineItemType", "lineItem/UsageAccountId", "lineItem/UsageType", "lineItem/UsageAmount",
              "lineItem/UsageStartDate", "lineItem/UsageEndDate", "pricing/unit", "product/region"]
    usage = ["Usage", "111", "USE1-EBS:VolumeUsage.gp2", 1, "2025-01-05T00:00:00Z", "2025-01-05T01:00:00Z", "GB-Mo",
             "us-east-1"]
    generic("cur_ok.xlsx", [header, usage, [*usage[:3], "2", *usage[4:]]], title="AWS cost and usage, January")
    generic("cur_bad_date.xlsx", [header, usage, [*usage[:4], "yesterday", *usage[5:]]], title="AWS usage")
    generic("cur_formula_uncached.xlsx", [header, usage, [*usage[:3], "=D3*2", *usage[4:]]])
    generic("cur_error_value.xlsx", [header, usage, [*usage[:3], "#DIV/0!", *usage[4:]]])
    macros = HERE / "cur_macros.xlsm"
    shutil.copy(HERE / "cur_ok.xlsx", macros)
    with zipfile.ZipFile(macros, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 not a real macro project")
    try:
        from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-not-found]
    except ImportError:
        print("msoffcrypto-tool is not installed: cur_password.xlsx left as it is", file=sys.stderr)
        return
    with (HERE / "cur_ok.xlsx").open("rb") as plain, (HERE / "cur_password.xlsx").open("wb") as out:
        office = OOXMLFile(plain)
        office.encrypt("secret", out)


if __name__ == "__main__":
    main()
