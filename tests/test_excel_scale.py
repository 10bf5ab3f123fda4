"""The workbook for large reports: exact floats, the grouped Line items sheet, and the row limit."""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from reporter.config import build_config
from reporter.pipeline import run
from reporter.render import write_outputs
from reporter.render.excel import cells, line_items, render_xlsx
from reporter.report import Report, bounds, build_report
from reporter.report.bounds import OTHER_KEYS
from reporter.report.line_items import GROUP_FIELDS
from tests.test_lineage import _context

EXACT = [0.1 + 0.2, 1e-17, 12345.678901234567, 1 / 3, 10000.0, 2.0**-1074, 1.7976931348623157e308]


@pytest.fixture(scope="module")
def context() -> Report:
    return _context()


def _table(ws: Any) -> list[dict[str, Any]]:
    """The sheet's table: its header row, then the rows down to the first empty one."""
    header = [cell.value for cell in ws[1]]
    rows = []
    for values in ws.iter_rows(min_row=2, values_only=True):
        if all(value is None for value in values):
            break
        rows.append(dict(zip(header, values, strict=False)))
    return rows


def _notes(ws: Any) -> list[str]:
    return [cell.value for cell in ws["A"] if cell.font.italic and isinstance(cell.value, str)]


def test_floats_read_back_exactly(context: Report, tmp_path: Path) -> None:
    frame = context.line_items.iloc[[0] * len(EXACT)].reset_index(drop=True)
    frame = frame.assign(energy_kwh=EXACT, billed_cost=[-x for x in EXACT], source_row=range(2**53, 2**53 + len(EXACT)))
    book = openpyxl.load_workbook(render_xlsx(dataclasses.replace(context, line_items=frame), tmp_path / "x.xlsx"))
    rows = _table(book["Line items"])
    assert [row["energy_kwh"] for row in rows] == EXACT
    assert all(type(row["energy_kwh"]) is float for row in rows)  # 10000.0 stays a float
    assert [row["billed_cost"] for row in rows] == [-x for x in EXACT]
    assert [row["source_row"] for row in rows] == list(range(2**53, 2**53 + len(EXACT)))
    assert all(type(row["source_row"]) is int for row in rows)
    summary = {row["item"]: row["value"] for row in _table(book["Summary"])}
    assert summary["Energy (kWh)"] == context.totals.energy_kwh


def test_above_the_threshold_the_sheet_groups_the_line_items(
    context: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(line_items, "LINE_ITEM_ROWS", 3)
    book = openpyxl.load_workbook(render_xlsx(context, tmp_path / "grouped.xlsx"))
    ws = book["Line items"]
    assert [cell.value for cell in ws[1]] == GROUP_FIELDS
    rows = _table(ws)
    assert len(rows) == len(context.line_item_groups) > 3
    assert ws.auto_filter.ref == f"A1:N{len(rows) + 1}"
    # each input row once (no line item of these inputs spans two months), and every line item
    assert sum(row["row_count"] for row in rows) == sum(ledger.rows_used for ledger in context.inputs) == 216 - 8
    assert sum(row["line_items"] for row in rows) == len(context.line_items)
    energy = math.fsum(row["energy_kwh"] for row in rows)
    assert math.isclose(energy, context.totals.energy_kwh, rel_tol=1e-12)
    tco2e = math.fsum(row["location_based_tco2e"] for row in rows)
    assert math.isclose(tco2e, context.totals.location_based_tco2e, rel_tol=1e-12)
    assert {row["month"] for row in rows} >= {"2023-09", "2024-09", "2026-11"}
    notes = _notes(ws)
    count = f"{len(context.line_items):,} line items are more than the 3"
    assert any(context.lineage.name in note and count in note for note in notes)
    summary = {row["item"]: row for row in _table(book["Summary"])}
    assert summary["Line items sheet"]["value"].startswith("grouped by month")
    assert summary["Lineage file"]["value"] == context.lineage.name


def test_no_sheet_passes_the_row_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "BREAKDOWN_KEYS", 2)
    monkeypatch.setattr(bounds, "UNCLASSIFIED_GROUPS", 2)
    small = _context()
    monkeypatch.setattr(line_items, "LINE_ITEM_ROWS", 3)
    monkeypatch.setattr(cells, "MAX_ROWS", 100)
    book = openpyxl.load_workbook(render_xlsx(small, tmp_path / "cut.xlsx"))
    assert all(ws.max_row <= 100 for ws in book), {ws.title: ws.max_row for ws in book}
    ws = book["Line items"]
    shown = 100 - cells.NOTE_ROWS - 1
    assert len(_table(ws)) == shown
    total = len(small.line_item_groups)
    cut = f"Only the first {shown:,} of {total:,} groups fit on a sheet; the other {total - shown:,}"
    assert any(note.startswith(cut) for note in _notes(ws))


def write_bill(path: Path, rows: int, accounts: int) -> Path:
    """A CUR 2.0 file of `rows` one-hour m5.large usage rows at 0.5 USD, each with its own team tag
    (so each is its own line item), spread over `accounts` accounts and October 2026's hours."""
    duckdb.connect().execute(
        f"""
        COPY (
          SELECT 'Usage' AS line_item_line_item_type,
                 lpad(CAST(i % {accounts} AS VARCHAR), 12, '0') AS line_item_usage_account_id,
                 TIMESTAMP '2026-10-01' + INTERVAL (i % 744) HOUR AS line_item_usage_start_date,
                 TIMESTAMP '2026-10-01' + INTERVAL (i % 744 + 1) HOUR AS line_item_usage_end_date,
                 'USE1-BoxUsage:m5.large' AS line_item_usage_type, '1' AS line_item_usage_amount,
                 'Hrs' AS pricing_unit, '0.5' AS line_item_unblended_cost,
                 'USD' AS line_item_currency_code, 'us-east-1' AS product_region_code,
                 '{{"user_team": "t' || i || '"}}' AS resource_tags
          FROM range({rows}) t(i)
        ) TO '{path.as_posix()}' (HEADER, DELIMITER ',')
        """
    )
    return path


@pytest.mark.slow
def test_a_bill_of_more_than_100000_line_items(tmp_path: Path) -> None:
    """100,500 line items: a grouped Line items sheet, a small JSON, every item in the lineage file."""
    started = time.perf_counter()
    rows, accounts = 100_500, 500
    bill = write_bill(tmp_path / "cur.csv", rows, accounts)
    data = {"organization": {"name": "Big"}, "period": {"month": "2026-10"}, "inputs": [{"path": str(bill)}]}
    context = build_report(run(build_config({**data, "base_dir": str(tmp_path)}, {}, origin="test")))
    assert len(context.line_items) == rows > line_items.LINE_ITEM_ROWS
    paths = {p.suffix: p for p in write_outputs(context, tmp_path / "out", ["json", "xlsx"])}

    lineage = pq.read_table(paths[".parquet"], columns=["row_count", "billed_cost"])
    assert lineage.num_rows == rows and sum(lineage["row_count"].to_pylist()) == rows

    book = openpyxl.load_workbook(paths[".xlsx"])
    ws = book["Line items"]
    assert [cell.value for cell in ws[1]] == GROUP_FIELDS
    groups = _table(ws)
    assert len(groups) == accounts  # one month, service, region, usage type and currency
    assert {group["month"] for group in groups} == {"2026-10"}
    assert sum(group["line_items"] for group in groups) == rows
    assert sum(group["row_count"] for group in groups) == rows
    assert {group["billed_cost"] for group in groups} == {rows / accounts * 0.5}  # 201 rows × 0.5 USD
    assert {group["billing_currency"] for group in groups} == {"USD"}
    energy = math.fsum(group["energy_kwh"] for group in groups)
    assert math.isclose(energy, context.totals.energy_kwh, rel_tol=1e-12)
    assert any(context.lineage.name in note for note in _notes(ws))

    size = paths[".json"].stat().st_size
    assert size < 10_000_000
    document = json.loads(paths[".json"].read_text(encoding="utf-8"))
    teams = document["breakdowns"]["tag:team"]
    assert len(teams) == 101 and teams[-1]["key"] == OTHER_KEYS
    assert document["limits"]["breakdowns_cut"]["tag:team"] == {"total": rows, "shown": 100, "in_other_row": rows - 100}
    assert math.isclose(sum(t["energy_kwh"] for t in teams), document["totals"]["energy_kwh"], rel_tol=1e-12)
    assert time.perf_counter() - started < 60


def test_times_and_text_of_a_frame_column(context: Report, tmp_path: Path) -> None:
    """Times as date cells; text with a formula start, line breaks, ampersands, escapes, end spaces."""
    texts = ["=1+1", "a & b < c > d", "line\nbreak", " padded ", "_x0041_ literal", "cr\rhere", "ü€"]
    frame = context.line_items.iloc[[0] * len(texts)].reset_index(drop=True)
    times = pd.Series(pd.to_datetime(["2026-11-01 12:30:45.25"] * len(texts)))
    frame = frame.assign(project=texts, start_time=times)
    book = openpyxl.load_workbook(render_xlsx(dataclasses.replace(context, line_items=frame), tmp_path / "t.xlsx"))
    cells_by_row = [
        dict(zip([c.value for c in book["Line items"][1]], row, strict=True))
        for row in book["Line items"].iter_rows(min_row=2)
    ]
    assert [row["project"].data_type for row in cells_by_row] == ["s"] * len(texts)
    shown = [row["project"].value for row in cells_by_row]
    assert shown[:4] == texts[:4] and shown[6] == texts[6]
    # stored with Excel's escapes, which Excel reads back as the text (openpyxl leaves them as stored)
    assert shown[4] in (texts[4], "_x005F_x0041_ literal")
    assert shown[5] in (texts[5], "cr_x000D_here")
    assert cells_by_row[0]["project"].quotePrefix and not cells_by_row[1]["project"].quotePrefix
    assert cells_by_row[2]["project"].alignment.wrap_text
    start = cells_by_row[0]["start_time"]
    assert start.number_format == "yyyy-mm-dd hh:mm:ss"
    assert abs(start.value - pd.Timestamp("2026-11-01 12:30:45.25").to_pydatetime()).total_seconds() < 0.001
