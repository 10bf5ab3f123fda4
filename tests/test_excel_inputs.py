"""Tabular inputs saved as .xlsx: read through one sheet, with the same detection, figures and ledger."""

from __future__ import annotations

import csv
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from reporter.errors import InputError
from reporter.workbook.excel import convert
from tests.conftest import SHARED_SAMPLES, run_inputs

NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")
ISO_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})Z?")


def as_excel(value: str, column: int) -> Any:
    """A CSV field as Excel makes it when it opens the file: numbers and ISO times become typed cells.

    Every fifth column keeps its numbers as text (what Excel shows as "number stored as text")."""
    if value == "":
        return None
    if NUMBER.fullmatch(value) and len(value) < 15 and column % 5:
        return float(value) if ("." in value or "e" in value.lower()) else int(value)
    match = ISO_TIME.fullmatch(value)
    if match:
        return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}")
    return value


def csv_to_xlsx(source: Path, target: Path, title: str | None = None) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Export"
    with source.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    ws.append(rows[0])
    for row in rows[1:]:
        ws.append([as_excel(v, i) for i, v in enumerate(row)])
    for blank in range(ws.max_row + 1, ws.max_row + 20):  # trailing empty rows that carry a format
        ws.cell(blank, 1).number_format = "0.00"
    book.save(target)
    return target


def ledger_and_totals(path: Path) -> tuple[tuple[int, int, int], list[tuple[int, str]], float, float]:
    result = run_inputs([str(path)], period="2000..2099")
    [ledger] = result.ledgers
    groups = sorted((g.rows, g.reason) for g in ledger.exclusion_groups)
    exclusions = sorted((e.row, e.reason) for e in ledger.exclusions)
    counts = (ledger.rows_read, ledger.rows_used, ledger.rows_excluded)
    return counts, exclusions + groups, float(result.items["energy_kwh"].sum()), float(
        result.items["location_based_co2e_kg"].sum()
    )


@pytest.mark.parametrize(
    "sample",
    ["focus/focus-1.0-sample.csv", "aws_cur/legacy-cur-anonymized.csv", "azure/ea-cost-details-anonymized.csv"],
)
def test_a_bill_saved_as_xlsx_gives_the_same_ledger_and_totals_as_the_csv(sample: str, tmp_path: Path) -> None:
    source = SHARED_SAMPLES / sample
    if not source.is_file():
        pytest.skip(f"the shared sample {sample} is not beside the project")
    workbook = csv_to_xlsx(source, tmp_path / (source.stem + ".xlsx"))
    from_csv, from_xlsx = ledger_and_totals(source), ledger_and_totals(workbook)
    assert from_xlsx[0] == from_csv[0] and from_xlsx[1] == from_csv[1]
    assert from_csv[2] > 0
    assert from_xlsx[2] == pytest.approx(from_csv[2], rel=1e-12)
    assert from_xlsx[3] == pytest.approx(from_csv[3], rel=1e-12)


def test_a_title_row_above_the_header_keeps_the_sheets_row_numbers(tmp_path: Path) -> None:
    source = SHARED_SAMPLES / "focus/focus-1.0-sample.csv"
    if not source.is_file():
        pytest.skip("the shared FOCUS sample is not beside the project")
    plain = run_inputs([str(source)], period="2000..2099")
    titled = run_inputs([str(csv_to_xlsx(source, tmp_path / "t.xlsx", title="FOCUS export"))], period="2000..2099")
    # One title row above the header: every row the ledger or a line item names is the CSV's row + 1.
    expected = [(g.reason, g.rows, tuple(r + 1 for r in g.example_rows)) for g in plain.ledgers[0].exclusion_groups]
    assert [(g.reason, g.rows, g.example_rows) for g in titled.ledgers[0].exclusion_groups] == expected
    assert any(g.example_rows for g in titled.ledgers[0].exclusion_groups)
    assert sorted(titled.items["source_row"]) == sorted(r + 1 for r in plain.items["source_row"])


POWER_LOG = [
    ["index", "timestamp", "name", "power.draw [W]"],
    [0, "2026/10/01 00:00:00.000", "NVIDIA H100", 100],
    [0, "2026/10/01 00:01:00.000", "NVIDIA H100", "200"],  # a number stored as text
    None,  # a blank row between records
    [0, datetime(2026, 10, 1, 0, 2), "NVIDIA H100", "300 W"],  # a time Excel turned into a date cell
]


def power_log_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["exported from the lab's monitoring"])
    log = book.create_sheet("Log")
    log.append(["GPU power, October"])  # a title row
    for row in POWER_LOG:
        log.append(row or [])
    book.save(path)
    return path


def test_the_sheet_named_in_the_input_is_read_with_its_own_row_numbers(tmp_path: Path) -> None:
    path = power_log_workbook(tmp_path / "power.xlsx")
    result = run_inputs([{"path": str(path), "sheet": "Log"}], period="2026-10")
    [ledger] = result.ledgers
    assert ledger.format == "nvidia_smi"
    # Trapezoids: (100 + 200) / 2 W × 60 s + (200 + 300) / 2 W × 60 s = 9000 + 15000 J = 24000 J = 1/150 kWh.
    assert result.items["energy_kwh"].sum() == pytest.approx(24000 / 3.6e6)
    # Sheet rows: 1 title, 2 header, 3 and 4 samples, 5 blank (a row of empty fields, excluded), 6 a sample.
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (4, 3, 1)
    assert [g.example_rows for g in ledger.exclusion_groups] == [(5,)]
    assert list(result.items["source_row"]) == [3]
    assert any(note == "read from sheet 'Log' of the workbook, header in row 2 (rows above it not read: 1)"
               for note in ledger.notes)


def test_a_sheet_that_is_not_there_is_named_with_the_sheets_there_are(tmp_path: Path) -> None:
    path = power_log_workbook(tmp_path / "power.xlsx")
    with pytest.raises(InputError) as error:
        run_inputs([{"path": str(path), "sheet": "GPU"}], period="2026-10")
    assert str(error.value).endswith("power.xlsx: the workbook has no sheet 'GPU' (its sheets: Notes, Log)")


def test_merged_header_cells_and_excel_values_are_written_for_the_reader(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Date", "Cost", None, "Flag"])
    ws.merge_cells("B1:C1")
    ws.append([datetime(2026, 10, 1), 0.1, 1234567.0, True])
    ws.append([datetime(2026, 10, 1, 12, 30), "7", None, False])
    book.save(tmp_path / "m.xlsx")
    converted = convert(tmp_path / "m.xlsx", None, Path(tempfile.mkdtemp(dir=tmp_path)), "m.xlsx")
    assert converted.path.read_text(encoding="utf-8").splitlines() == [
        "Date,Cost,Cost (2),Flag",
        "2026-10-01,0.1,1234567,true",
        "2026-10-01 12:30:00,7,,false",
    ]
    assert list(converted.sheet_rows) == [1, 2, 3]


def test_an_xls_workbook_is_refused_saying_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    with pytest.raises(InputError) as error:
        run_inputs([str(tmp_path / "old.xls")], period="2026-10")
    assert str(error.value).endswith(
        "old.xls: this is an Excel 97-2003 workbook (.xls) or another Office file; save it as .xlsx or CSV"
    )
