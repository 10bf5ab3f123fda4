"""The Excel workbook: real tracker files through the pipeline, rendered, read back."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from reporter.config import build_config
from reporter.pipeline import run
from reporter.render.context import ReportContext, build_context
from reporter.render.excel import SHEETS, render_xlsx

DATA = Path(__file__).parent / "data" / "excel"
HOSTILE_PROJECT = '=HYPERLINK("http://x","y")'
NUMERIC_COLUMNS = {
    "Monthly": ["energy_kwh", "location_based_tco2e"],
    "Breakdown": ["energy_kwh", "location_based_tco2e", "energy_share", "emissions_share"],
    "Line items": [
        "source_row",
        "duration_s",
        "energy_reported_kwh",
        "tracker_pue",
        "energy_it_kwh",
        "pue",
        "energy_kwh",
        "in_period_share",
        "factor_g_per_kwh",
        "location_based_co2e_kg",
        "location_based_tco2e",
    ],
    "Factors": ["value", "year", "energy_kwh", "location_based_tco2e"],
    "PUE": [
        "tracker_pue_min",
        "tracker_pue_max",
        "pue_applied_min",
        "pue_applied_max",
        "energy_it_kwh",
        "energy_kwh",
    ],
    "Inputs": ["rows_read", "rows_used", "rows_excluded"],
    "Exclusions": ["row"],
}


def _context(period: str = "2026-11") -> ReportContext:
    inputs = [
        {"path": str(DATA / "codecarbon" / "emissions.csv")},
        {"path": str(DATA / "eco2ai" / "emission.csv")},
        {"path": str(DATA / "injection" / "emissions.csv")},
    ]
    config = build_config(
        {"base_dir": str(DATA)},
        {"inputs": inputs, "org": "Acme AI", "period": period},
        origin="test",
    )
    return build_context(run(config))


@pytest.fixture(scope="module")
def context() -> ReportContext:
    return _context()


@pytest.fixture(scope="module")
def workbook_path(context: ReportContext, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    assert render_xlsx(context, target) == target
    return target


@pytest.fixture(scope="module")
def workbook(workbook_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(workbook_path)


def _rows(ws: Any) -> list[dict[str, Any]]:
    header = [cell.value for cell in ws[1]]
    rows = ws.iter_rows(min_row=2, values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def _cells(ws: Any) -> list[dict[str, Any]]:
    header = [cell.value for cell in ws[1]]
    return [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]


def _summary(workbook: openpyxl.Workbook) -> dict[str, Any]:
    return {row["item"]: row for row in _rows(workbook["Summary"])}


def test_sheet_names_and_order(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == [
        "Summary",
        "Monthly",
        "Breakdown",
        "Line items",
        "Factors",
        "PUE",
        "Inputs",
        "Exclusions",
        "Data quality",
    ]
    assert tuple(workbook.sheetnames) == SHEETS


def test_summary_totals_are_the_context_totals_at_full_precision(
    workbook: openpyxl.Workbook, context: ReportContext
) -> None:
    summary = _summary(workbook)
    totals = context.totals
    assert summary["Energy (kWh)"]["value"] == totals["energy_kwh"]
    assert summary["Energy (MWh)"]["value"] == totals["energy_kwh"] / 1000.0
    assert summary["Location-based emissions"]["value"] == totals["location_based_tco2e"]
    assert summary["Trackers' own emissions (comparison only)"]["value"] == (totals["tracker_reported_tco2e"])
    assert summary["Market-based emissions"]["value"] is None
    assert summary["Market-based emissions"]["note"] == "not yet reported"
    assert summary["Organisation"]["value"] == "Acme AI"
    assert summary["Period start"]["value"] == datetime(2026, 11, 1)
    assert summary["Period end"]["value"] == datetime(2026, 11, 30)
    quality = context.data_quality
    assert summary["Rows read"]["value"] == quality["rows_read"]
    assert summary["Rows used"]["value"] == quality["rows_used"]
    assert summary["Rows excluded"]["value"] == quality["rows_excluded"]
    assert summary["Measured share"]["value"] == quality["method_energy_share"]["measured"]
    assert summary["Tool"]["value"] == "reporter"
    assert summary["Tool version"]["value"] == context.tool["version"]


def test_summary_totals_equal_an_independent_sum_of_the_line_items(
    workbook: openpyxl.Workbook, context: ReportContext
) -> None:
    items = _rows(workbook["Line items"])
    assert len(items) == context.totals["line_items"] == len(context.line_items)
    # the half-in-period run makes the share matter
    assert any(0.0 < item["in_period_share"] < 1.0 for item in items)
    energy = math.fsum(item["energy_kwh"] * item["in_period_share"] for item in items)
    tco2e = math.fsum(item["location_based_tco2e"] * item["in_period_share"] for item in items)
    summary = _summary(workbook)
    # summed per (run, month) in the pipeline, per run here: equal up to float summation order
    assert math.isclose(summary["Energy (kWh)"]["value"], energy, rel_tol=1e-12)
    assert math.isclose(summary["Location-based emissions"]["value"], tco2e, rel_tol=1e-12)
    months = _rows(workbook["Monthly"])
    assert [m["month"] for m in months] == ["2026-11"]
    assert months[0]["energy_kwh"] == context.by_month[0]["energy_kwh"]


def test_every_line_item_figure_reads_back_exactly(
    workbook: openpyxl.Workbook, context: ReportContext
) -> None:
    for row, item in zip(_rows(workbook["Line items"]), context.line_items, strict=True):
        for key, value in item.items():
            if isinstance(value, int | float):
                assert row[key] == value, key
            elif key in ("start_time", "end_time") and value is not None:
                assert isinstance(row[key], datetime)
                assert abs(row[key] - datetime.fromisoformat(value)).total_seconds() < 0.001
            else:  # an empty text is an empty cell
                assert row[key] == (value or None), key


def test_exclusions_list_the_superseded_flush_row(workbook: openpyxl.Workbook) -> None:
    exclusions = _rows(workbook["Exclusions"])
    flush = [e for e in exclusions if e["file"] == "codecarbon/emissions.csv" and e["row"] == 7]
    assert len(flush) == 1
    assert flush[0]["reason"].startswith("superseded: run 3028e28e-220b-42db-8ced-25968cada174")
    outside = [e for e in exclusions if e["file"] == "injection/emissions.csv"]
    assert [e["row"] for e in outside] == [4]
    assert outside[0]["reason"].startswith("outside the reporting period")


def test_text_from_inputs_is_never_a_formula(workbook: openpyxl.Workbook) -> None:
    items = _cells(workbook["Line items"])
    by_run = {item["run_id"].value: item for item in items}
    hostile = by_run["inj-1"]
    assert hostile["project"].value == HOSTILE_PROJECT
    assert hostile["project"].data_type == "s"
    assert hostile["hardware"].value == "=cmd|' /C calc'!A0"
    assert by_run["@inj-2"]["project"].value == "+SUM(1,2)"
    error_like = by_run["inj-4"]["project"]
    assert (error_like.value, error_like.data_type) == ("#N/A", "s")
    projects = {row["key"] for row in _rows(workbook["Breakdown"]) if row["dimension"] == "project"}
    assert {HOSTILE_PROJECT, "+SUM(1,2)", "#N/A"} <= projects
    formulas = [
        f"{ws.title}!{cell.coordinate}"
        for ws in workbook
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []


def test_numeric_cells_are_numbers(workbook: openpyxl.Workbook) -> None:
    for title, columns in NUMERIC_COLUMNS.items():
        cells = _cells(workbook[title])
        assert cells, title
        for row in cells:
            for column in columns:
                cell = row[column]
                if cell.value is None:
                    continue
                assert cell.data_type == "n", (title, column, cell.value)
                assert isinstance(cell.value, int | float), (title, column, cell.value)
    shares = _cells(workbook["Breakdown"])
    assert shares[0]["energy_share"].number_format == "0.0%"
    assert _cells(workbook["Line items"])[0]["energy_kwh"].number_format == "#,##0.000"
    for ws in workbook:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not _looks_numeric(cell.value), f"{ws.title}!{cell.coordinate}"


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_layout_header_frozen_and_filtered(workbook: openpyxl.Workbook) -> None:
    for ws in workbook:
        assert ws.freeze_panes == "A2", ws.title
        assert all(cell.font.bold for cell in ws[1] if cell.value is not None), ws.title
        assert ws.column_dimensions["A"].width <= 70
        if ws.title != "Summary":
            assert ws.auto_filter.ref is not None, ws.title
            assert ws.auto_filter.ref.startswith("A1:"), ws.title


def test_data_quality_explains_every_flag(workbook: openpyxl.Workbook, context: ReportContext) -> None:
    flags = {
        row["item"]: row for row in _rows(workbook["Data quality"]) if row["section"] == "flag (line items)"
    }
    for flag in (
        "shifted_fields",
        "pue_assumed_default",
        "pue_not_recorded",
        "location_fallback",
        "unknown_country",
        "unknown_cloud_region",
        "location_from_config",
        "interrupted",
    ):
        assert flags[flag]["meaning"], flag
        assert flags[flag]["value"] == context.data_quality["flag_counts"].get(flag, 0)


def test_inputs_and_properties(workbook: openpyxl.Workbook, context: ReportContext) -> None:
    inputs = _rows(workbook["Inputs"])
    assert [row["path"] for row in inputs] == [ledger["path"] for ledger in context.inputs]
    assert all(len(row["sha256"]) == 64 for row in inputs)
    props = workbook.properties
    assert props.creator == "reporter"
    assert props.title and "Acme AI" in props.title
    assert props.created == props.modified == datetime(2026, 11, 30)


def test_output_is_deterministic(context: ReportContext, tmp_path: Path) -> None:
    first = render_xlsx(context, tmp_path / "first.xlsx").read_bytes()
    second = render_xlsx(_context(), tmp_path / "second.xlsx").read_bytes()
    assert first == second


def test_awkward_text_and_empty_period(context: ReportContext, tmp_path: Path) -> None:
    item = dict(context.line_items[0])
    item.update(
        project="bell\x07and\x1bescape",
        team="\tTab",
        model="-2+3",
        start_time="2026-11-01T00:00:00+01:00",
    )
    odd = dataclasses.replace(context, line_items=[item])
    ws = openpyxl.load_workbook(render_xlsx(odd, tmp_path / "odd.xlsx"))["Line items"]
    row = _rows(ws)[0]
    assert row["project"] == "bell\ufffdand\ufffdescape"
    assert row["team"] == "\tTab"
    assert row["model"] == "-2+3"
    assert row["start_time"] == "2026-11-01T00:00:00+01:00"

    empty = _context("2025-01")
    book = openpyxl.load_workbook(render_xlsx(empty, tmp_path / "empty.xlsx"))
    assert _rows(book["Line items"]) == []
    summary = _summary(book)
    assert summary["Energy (kWh)"]["value"] == 0
    assert summary["Measured share"]["value"] is None
    assert summary["Period start"]["value"].date() == date(2025, 1, 1)
