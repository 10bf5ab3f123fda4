"""A manual-entry workbook's rows named by their sheet in the ledger and the lineage, and the
wording of its meters' PUE and periods."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from reporter.report import build_report
from reporter.report.lineage import lineage_file
from reporter.web.checks import _described
from tests.conftest import run_inputs
from tests.test_workbook import COMPUTE, ELECTRICITY, fill

SEPTEMBER = ["Berlin GPU room", "DE", "2026-09", None, None, 900, "M-1", "own", 1.5, "invoice 0"]


@pytest.fixture
def book(tmp_path: Path) -> Path:
    # Electricity: row 2 the example (kept), 3 Berlin (IT-only meter), 4 Ashburn (whole-site), 5 September;
    # Compute usage: row 2 the example (kept), row 3 a gcp H100 row.
    return fill(tmp_path / "book.xlsx", {"Electricity": [*ELECTRICITY, SEPTEMBER], "Compute usage": COMPUTE[:1]},
                keep_examples=("Electricity", "Compute usage"))


def test_ledger_rows_name_their_sheet(book: Path) -> None:
    report = build_report(run_inputs([str(book)], period="2026-10"))
    [ledger] = report.inputs
    # 3 Electricity + 1 Compute usage rows, and the two example rows: 6 read; 3 used (September is outside
    # the period), 3 excluded.
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (6, 3, 3)
    shown = [(group.example_rows, group.reason, group.example_details) for group in ledger.exclusions]
    assert shown == [
        (("Electricity!2",), "the template's example row on 'Electricity', left as it is", ("",)),
        (("'Compute usage'!2",), "the template's example row on 'Compute usage', left as it is", ("",)),
        # A month's reading is shown with its last day, not the next month's first instant.
        (("Electricity!5",), "outside the reporting period 2026-10-01..2026-10-31", ("2026-09-01..2026-09-30",)),
    ]


def test_line_items_and_the_lineage_name_the_sheet(book: Path) -> None:
    report = build_report(run_inputs([str(book)], period="2026-10"))
    items = report.line_items
    assert sorted(zip(items["source_sheet"], items["source_row"], strict=True)) == [
        ("Compute usage", 3), ("Electricity", 3), ("Electricity", 4),
    ]
    table = pq.read_table(io.BytesIO(lineage_file(items, "book", {}).data))
    assert sorted(zip(table["source_sheet"].to_pylist(), table["source_row"].to_pylist(), strict=True)) == [
        ("Compute usage", 3), ("Electricity", 3), ("Electricity", 4),
    ]


def test_the_pue_table_names_the_meters_pue_not_a_trackers(book: Path) -> None:
    report = build_report(run_inputs([str(book)], period="2026-10"))
    [pue] = report.pue
    assert pue.basis == (
        "cloud provider's regional PUE (default model); the site's PUE, given with the IT-only meter; "
        "whole-site meter: the overhead is in the reading (PUE 1)"
    )
    assert "tracker" not in pue.basis


def test_the_upload_check_shows_the_last_day_and_no_empty_detail(tmp_path: Path) -> None:
    book = fill(tmp_path / "month.xlsx", {"Electricity": [ELECTRICITY[0]]}, keep_examples=("Electricity",))
    checked = _described(run_inputs([str(book)], period="2026-10"))
    # The October reading covers 2026-10-01 to 2026-10-31 (its end is 2026-11-01 00:00, exclusive).
    assert checked["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert checked["problems"] == [
        "1 row(s) excluded (e.g. row Electricity!2): the template's example row on 'Electricity', left as it is",
        "note: rows filled per sheet: Electricity 1 (configuration sheets are merged with the configuration)",
    ]
