"""The Excel workbook: real tracker files through the pipeline, rendered, read back."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from reporter.closing import close_month, history_view
from reporter.config import build_config
from reporter.core.targets import make_target
from reporter.history import HistoryStore
from reporter.pipeline import run
from reporter.render.excel import SHEETS, render_xlsx
from reporter.render.line_items import line_item_records
from reporter.report import Report, build_report
from reporter.report.exclusions import ExcludedRows
from tests.conftest import SHARED_SAMPLES

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
    "Exclusions": ["rows"],
    "Scopes": [
        "energy_kwh",
        "energy_kwh_low",
        "energy_kwh_high",
        "location_based_tco2e",
        "location_based_tco2e_low",
        "location_based_tco2e_high",
        "embodied_tco2e",
        "line_items",
    ],
}


INPUTS = [
    {"path": str(DATA / "codecarbon" / "emissions.csv")},
    {"path": str(DATA / "eco2ai" / "emission.csv")},
    {"path": str(DATA / "injection" / "emissions.csv")},
]
# Base year 2022 = 10,000 t, -42 % by 2030: the pathway falls 525 t a year (2025: 8,425 t).
TARGETS_CONFIG: dict[str, Any] = {
    "baseline": {"year": 2022, "location_based_tco2e": 10_000.0},
    "targets": [
        {"name": "SBTi near-term (-42% by 2030)", "kind": "absolute_reduction", "target_year": 2030,
         "reduction_pct": 42.0},
        {"name": "Carbon neutral 2030", "kind": "carbon_neutral", "target_year": 2030},
        {"name": "Net zero 2040", "kind": "net_zero", "target_year": 2040},
    ],
    "credits": [
        {"year": 2026, "tco2e": 20.0, "type": "avoidance", "registry": "Verra VCS",
         "registry_id": "VCS-0002", "project": HOSTILE_PROJECT},
        {"year": 2026, "tco2e": 0.000123456789012345, "type": "removal", "registry": "Puro.earth",
         "registry_id": "PURO-0001", "project": "Biochar, Finland"},
        {"year": 2025, "tco2e": 3.0, "type": "removal", "registry_id": "PURO-0000", "retired": False},
    ],
}


def _config(month: str | None = "2026-11", **sections: Any) -> Any:
    """The test inputs with `sections` of a configuration file; `month` overrides its period."""
    overrides: dict[str, Any] = {"inputs": INPUTS, "org": "Acme AI"}
    if month is not None:
        overrides["period"] = month
    return build_config({"base_dir": str(DATA), **sections}, overrides, origin="test")


def _context(month: str | None = "2026-11", **sections: Any) -> Report:
    return build_report(run(_config(month, **sections)))


@pytest.fixture(scope="module")
def context() -> Report:
    return _context()


@pytest.fixture(scope="module")
def workbook_path(context: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
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
        "Scopes",
        "Datapoints",
        "Filing ESRS E1",
        "Filing VSME",
        "Filing GRI",
        "Filing CDP",
        "Filing IFRS S2",
        "Monthly",
        "Targets",
        "Pathways",
        "Credits",
        "Instruments",
        "Provider figures",
        "Provider reported",
        "Links",
        "History",
        "Breakdown",
        "Model energy",
        "Line items",
        "Unclassified",
        "Factors",
        "PUE",
        "Inputs",
        "Exclusions",
        "Data quality",
        "Chart data",
    ]
    assert tuple(workbook.sheetnames) == SHEETS


def test_summary_totals_are_the_context_totals_at_full_precision(
    workbook: openpyxl.Workbook, context: Report
) -> None:
    summary = _summary(workbook)
    totals = context.totals
    assert summary["Energy (kWh)"]["value"] == totals.energy_kwh
    assert summary["Energy (MWh)"]["value"] == totals.energy_kwh / 1000.0
    assert summary["Location-based emissions"]["value"] == totals.location_based_tco2e
    assert summary["Trackers' own emissions (comparison only)"]["value"] == (totals.tracker_reported_tco2e)
    # No instruments or market rates in the demo: Scope 2 falls back to its location factors.
    own = context.scope("scope2")
    assert summary["Market-based emissions, Scope 2"]["value"] == totals.market_based_tco2e
    assert totals.market_based_tco2e == pytest.approx(own.location_based_tco2e, rel=1e-12)
    assert summary["Scope 2 energy covered by instruments"]["value"] == 0.0
    assert summary["Organisation"]["value"] == "Acme AI"
    assert summary["Period start"]["value"] == datetime(2026, 11, 1)
    assert summary["Period end"]["value"] == datetime(2026, 11, 30)
    quality = context.data_quality
    assert summary["Rows read"]["value"] == quality.rows_read
    assert summary["Rows used"]["value"] == quality.rows_used
    assert summary["Rows excluded"]["value"] == quality.rows_excluded
    assert summary["Measured share"]["value"] == quality.method_energy_share["measured"]
    assert summary["Tool"]["value"] == "reporter"
    assert summary["Tool version"]["value"] == context.tool.version


def test_summary_totals_equal_an_independent_sum_of_the_line_items(
    workbook: openpyxl.Workbook, context: Report
) -> None:
    items = _rows(workbook["Line items"])
    assert len(items) == context.totals.line_items == len(context.line_items)
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
    assert months[0]["energy_kwh"] == context.by_month[0].energy_kwh


def test_every_line_item_figure_reads_back_exactly(
    workbook: openpyxl.Workbook, context: Report
) -> None:
    for row, item in zip(_rows(workbook["Line items"]), line_item_records(context.line_items), strict=True):
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
    flush = [e for e in exclusions if e["file"] == "codecarbon/emissions.csv" and e["example_rows"] == "row 7"]
    assert len(flush) == 1
    assert flush[0]["reason"].startswith("superseded: the run has a longer cumulative row")
    assert flush[0]["first_row_detail"].startswith("run 3028e28e-220b-42db-8ced-25968cada174")
    outside = [e for e in exclusions if e["file"] == "injection/emissions.csv"]
    assert [e["example_rows"] for e in outside] == ["row 4"]
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
    _assert_no_formulas(workbook)


def _assert_no_formulas(workbook: openpyxl.Workbook) -> None:
    formulas = [
        f"{ws.title}!{cell.coordinate}"
        for ws in workbook
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []


FILING_SHEETS = {"Datapoints", "Filing ESRS E1", "Filing VSME", "Filing GRI", "Filing CDP", "Filing IFRS S2"}


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
        # The filing sheets' datapoint ids ("7.6" is a CDP question) and paste values are text on purpose.
        text_columns = {cell.column for cell in ws[1] if cell.value in ("id", "paste_value")}
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and not (ws.title in FILING_SHEETS and cell.column in text_columns):
                    assert not _looks_numeric(cell.value), f"{ws.title}!{cell.coordinate}"


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_layout_header_frozen_and_filtered(workbook: openpyxl.Workbook) -> None:
    _assert_layout(workbook)


def _assert_layout(workbook: openpyxl.Workbook) -> None:
    for ws in workbook:
        assert ws.freeze_panes == "A2", ws.title
        assert all(cell.font.bold for cell in ws[1] if cell.value is not None), ws.title
        assert ws.column_dimensions["A"].width <= 70
        if ws.title != "Summary":
            assert ws.auto_filter.ref is not None, ws.title
            assert ws.auto_filter.ref.startswith("A1:"), ws.title


def test_data_quality_explains_every_flag(workbook: openpyxl.Workbook, context: Report) -> None:
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
        assert flags[flag]["value"] == context.data_quality.flag_count(flag)


def test_inputs_and_properties(workbook: openpyxl.Workbook, context: Report) -> None:
    inputs = _rows(workbook["Inputs"])
    assert [row["path"] for row in inputs] == [ledger.path for ledger in context.inputs]
    assert all(len(row["sha256"]) == 64 for row in inputs)
    props = workbook.properties
    assert props.creator == "reporter"
    assert props.title and "Acme AI" in props.title
    assert props.created == props.modified == datetime(2026, 11, 30)


def test_output_is_deterministic(context: Report, tmp_path: Path) -> None:
    first = render_xlsx(context, tmp_path / "first.xlsx").read_bytes()
    second = render_xlsx(_context(), tmp_path / "second.xlsx").read_bytes()
    assert first == second


def test_awkward_text_and_empty_period(context: Report, tmp_path: Path) -> None:
    item = context.line_items.iloc[[0]].reset_index(drop=True).assign(
        project="bell\x07and\x1bescape",
        team="\tTab",
        model="-2+3",
        start_time=pd.Series([pd.Timestamp("2026-11-01T00:00:00+01:00")]),  # a time with its zone
    )
    odd = dataclasses.replace(context, line_items=item)
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


# --- targets, credits and history -------------------------------------------------------------

TARGET_FIELDS = [
    "name",
    "kind",
    "scope2_method",
    "base_year",
    "base_tco2e",
    "target_year",
    "target_reduction_pct",
    "target_tco2e",
    "report_year",
    "year_fraction",
    "pro_rata",
    "pathway_tco2e",
    "actual_tco2e",
    "reduction_pct",
    "achieved_pct",
    "gap_tco2e",
    "on_track",
    "annual_target_pct_of_base",
    "required_annual_reduction_tco2e",
    "required_annual_reduction_pct",
    "remaining_budget_tco2e",
]
NEUTRALITY_FIELDS = [
    "gross_tco2e",
    "credits_removal_tco2e",
    "credits_avoidance_tco2e",
    "credits_eligible_tco2e",
    "uncovered_tco2e",
    "credit_coverage_pct",
    "claim_possible",
    "claim_note",
]
PERCENT_POINTS = '0.00"%"'


def _table_cells(ws: Any, header_row: int = 1) -> list[dict[str, Any]]:
    """The table whose header is `header_row`, down to the first empty row."""
    header = [cell.value for cell in ws[header_row] if cell.value is not None]
    rows = []
    for row in ws.iter_rows(min_row=header_row + 1, max_col=len(header)):
        if all(cell.value is None for cell in row):
            break
        rows.append(dict(zip(header, row, strict=True)))
    return rows


def _table_values(ws: Any, header_row: int = 1) -> list[dict[str, Any]]:
    return [{key: cell.value for key, cell in row.items()} for row in _table_cells(ws, header_row)]


def _block(ws: Any, title: str) -> list[dict[str, Any]]:
    """A titled table further down a sheet: the title row, then its header, then its rows."""
    (row,) = [cell.row for cell in ws["A"] if cell.value == title]
    return _table_values(ws, row + 1)


def _notes(ws: Any) -> list[str]:
    return [cell.value for cell in ws["A"] if cell.font.italic and isinstance(cell.value, str)]


@pytest.fixture(scope="module")
def target_context() -> Report:
    return _context(**TARGETS_CONFIG)


@pytest.fixture(scope="module")
def target_workbook(target_context: Report, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = tmp_path_factory.mktemp("targets") / "targets.xlsx"
    return openpyxl.load_workbook(render_xlsx(target_context, path))


def _assert_targets_sheet(ws: Any, context: Report) -> None:
    header = [cell.value for cell in ws[1]]
    assert header == TARGET_FIELDS + NEUTRALITY_FIELDS + ["claim_reasons"]
    rows = _table_cells(ws)
    assert len(rows) == len(context.targets) == 3
    for row, target in zip(rows, context.targets, strict=True):
        assert {f.name for f in dataclasses.fields(target)} == set(row)
        for key in header:
            cell, value = row[key], getattr(target, key)
            if key == "claim_reasons":  # the reasons, one after the other
                assert cell.value == ("; ".join(value) or None)
                continue
            assert cell.value == value, key  # full precision: exactly the context's number
            assert type(cell.value) is type(value), key
            if isinstance(value, bool):
                assert cell.data_type == "b", key
            elif isinstance(value, int | float):
                assert cell.data_type == "n", key
                if key.endswith("_pct") or "_pct_" in key:
                    assert cell.number_format == PERCENT_POINTS, key
                elif key.endswith("_tco2e"):
                    assert cell.number_format == "#,##0.000000", key
    assert any("percent units: 42.0 means 42 %" in note for note in _notes(ws))
    assert any("never subtracted" in note for note in _notes(ws))


def test_targets_sheet_is_every_progress_field_at_full_precision(
    target_workbook: openpyxl.Workbook, target_context: Report
) -> None:
    _assert_targets_sheet(target_workbook["Targets"], target_context)
    rows = {row["name"]: row for row in _table_values(target_workbook["Targets"])}
    sbti = rows["SBTi near-term (-42% by 2030)"]
    assert sbti["target_reduction_pct"] == 42.0  # percent units, not 0.42
    assert sbti["pro_rata"] is True and sbti["year_fraction"] == 30 / 365
    assert sbti["on_track"] is True  # a few kg against a 10,000 t baseline
    assert sbti["gross_tco2e"] is None  # neutrality columns only for neutrality targets
    neutral = rows["Carbon neutral 2030"]
    assert neutral["target_reduction_pct"] is None and neutral["on_track"] is None
    assert neutral["claim_possible"] is False
    assert neutral["credits_avoidance_tco2e"] == 20.0
    assert neutral["credits_removal_tco2e"] == 0.000123456789012345  # 2025's 3 t: another year, not retired
    assert rows["Net zero 2040"]["target_reduction_pct"] == 90.0


def test_targets_sheet_for_a_whole_year(tmp_path: Path) -> None:
    context = _context(None, period={"start": "2026-01-01", "end": "2026-12-31"}, **TARGETS_CONFIG)
    assert all(target.pro_rata is False for target in context.targets)
    book = openpyxl.load_workbook(render_xlsx(context, tmp_path / "year.xlsx"))
    _assert_targets_sheet(book["Targets"], context)
    assert [row["year_fraction"] for row in _table_values(book["Targets"])] == [1.0, 1.0, 1.0]


def test_pathways_are_linear_from_base_year_to_target_year(
    target_workbook: openpyxl.Workbook, target_context: Report
) -> None:
    rows = _table_values(target_workbook["Pathways"])
    sbti = [row for row in rows if row["name"] == "SBTi near-term (-42% by 2030)"]
    assert [row["year"] for row in sbti] == list(range(2022, 2031))
    # worked by hand: 10,000 t less 4,200 t × (year − 2022) / 8
    expected = [10_000, 9_475, 8_950, 8_425, 7_900, 7_375, 6_850, 6_325, 5_800]
    assert [row["pathway_tco2e"] for row in sbti] == pytest.approx(expected, rel=1e-12)
    assert sbti[3] == {"name": sbti[3]["name"], "kind": "absolute_reduction", "year": 2025,
                       "pathway_tco2e": pytest.approx(8_425.0, rel=1e-12)}
    # the same numbers as the targets module, bit for bit
    for spec in TARGETS_CONFIG["targets"]:
        made = make_target(spec["name"], spec["kind"], 2022, 10_000.0, spec["target_year"], spec.get("reduction_pct"))
        shown = [(row["year"], row["pathway_tco2e"]) for row in rows if row["name"] == spec["name"]]
        if made.target_tco2e is None:
            assert shown == []  # a plain neutrality pledge has no pathway
        else:
            assert shown == [(year, made.pathway(year)) for year in range(2022, spec["target_year"] + 1)]
    net_zero = [row for row in rows if row["name"] == "Net zero 2040"]
    assert len(net_zero) == 19 and net_zero[-1]["pathway_tco2e"] == target_context.targets[2].target_tco2e
    # the report year's pathway, pro rata, is the pathway_tco2e on the Targets sheet
    for target in target_context.targets:
        year = {row["year"]: row["pathway_tco2e"] for row in rows if row["name"] == target.name}
        if target.pathway_tco2e is not None:
            assert year[2026] * target.year_fraction == target.pathway_tco2e
    for cell in (c for row in _table_cells(target_workbook["Pathways"]) for c in row.values()):
        if cell.column_letter in "CD":
            assert cell.data_type == "n" and cell.number_format in ("0", "#,##0.000000")


def test_credits_sheet_lists_every_credit_and_says_they_are_never_netted(
    target_workbook: openpyxl.Workbook, target_context: Report
) -> None:
    ws = target_workbook["Credits"]
    assert [cell.value for cell in ws[1]] == [
        "year", "type", "tco2e", "registry", "registry_id", "project", "retired",
    ]
    rows = _table_cells(ws)
    assert [{key: cell.value for key, cell in row.items()} for row in rows] == [
        {key: (value if value != "" else None) for key, value in dataclasses.asdict(credit).items()}
        for credit in target_context.credits
    ]
    assert [row["registry_id"].value for row in rows] == ["PURO-0000", "PURO-0001", "VCS-0002"]
    assert rows[1]["tco2e"].value == 0.000123456789012345
    assert rows[1]["tco2e"].data_type == "n" and rows[1]["tco2e"].number_format == "#,##0.000000"
    assert rows[0]["retired"].value is False and rows[0]["retired"].data_type == "b"
    hostile = rows[2]["project"]
    assert (hostile.value, hostile.data_type) == (HOSTILE_PROJECT, "s")
    assert any("never netted" in note for note in _notes(ws))
    # gross totals: the credits change nothing in the emissions
    summary = _summary(target_workbook)
    assert summary["Location-based emissions"]["value"] == target_context.totals.location_based_tco2e
    assert target_context.targets[0].actual_tco2e == target_context.totals.location_based_tco2e


@pytest.fixture(scope="module")
def history_context(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return _history_context(tmp_path_factory.mktemp("history"))


def _history_context(folder: Path) -> Report:
    """November's report after closing Dec 2025 and Oct 2026, then restating October."""
    folder.mkdir(parents=True, exist_ok=True)
    store = HistoryStore(f"sqlite:///{folder / 'history.db'}")
    for month in ("2025-12", "2026-10"):
        outcome = close_month(_context(month, **TARGETS_CONFIG), store, folder / "out", [])
        assert outcome.action == "closed"
    restated = _context("2026-10", facility={"pue": 1.5}, **TARGETS_CONFIG)
    outcome = close_month(restated, store, folder / "out", [], restate=True, reason="=facility PUE measured")
    assert outcome.action == "restated"
    config = _config("2026-11", **TARGETS_CONFIG)
    result = run(config)
    return build_report(result, history_view(store, result.period, config.baseline))


def test_history_sheet_year_to_date_totals_and_restatement(
    history_context: Report, tmp_path: Path
) -> None:
    history, ytd = history_context.history, history_context.year_to_date
    (restatement,) = history.restatements
    assert restatement.difference_tco2e != 0.0
    book = openpyxl.load_workbook(render_xlsx(history_context, tmp_path / "history.xlsx"))
    ws = book["History"]
    assert ws.auto_filter.ref == "A1:D13"
    months = _table_values(ws)
    assert months == [
        {key: getattr(month, key) for key in ("month", "source", "energy_kwh", "location_based_tco2e")}
        for month in ytd.months
    ]
    by_month = {row["month"]: row for row in months}
    assert by_month["2026-10"]["source"] == "closed (version 2)"
    assert by_month["2026-10"]["location_based_tco2e"] == restatement.new_tco2e
    assert by_month["2026-11"]["source"] == "this report"
    assert by_month["2026-11"]["energy_kwh"] == history_context.by_month[0].energy_kwh
    assert by_month["2026-01"] == {"month": "2026-01", "source": None, "energy_kwh": None,
                                   "location_based_tco2e": None}

    totals = {row["item"]: row for row in _block(ws, "Totals")}
    assert totals["year to date"]["year"] == 2026
    assert totals["year to date"]["energy_kwh"] == ytd.energy_kwh
    assert totals["year to date"]["location_based_tco2e"] == ytd.location_based_tco2e
    assert totals["year to date"]["months"] == ytd.months_with_data == 2
    previous = history.previous_year
    assert totals["previous year (closed months)"]["year"] == 2025
    assert totals["previous year (closed months)"]["months"] == previous.months_closed == 1
    assert totals["previous year (closed months)"]["location_based_tco2e"] == previous.location_based_tco2e
    assert totals["base year"]["year"] == 2022
    assert totals["base year"]["location_based_tco2e"] == 10_000.0

    (row,) = _block(ws, "Restatements")
    assert row == dataclasses.asdict(restatement)
    assert row["old_version"] == 1 and row["new_version"] == 2
    assert row["reason"] == "=facility PUE measured"
    assert row["difference_tco2e"] == row["new_tco2e"] - row["old_tco2e"]
    reason = next(cell for cell in ws["G"] if cell.value == "=facility PUE measured")
    assert reason.data_type == "s"
    _assert_no_formulas(book)
    _assert_layout(book)


def test_empty_states_still_give_every_sheet_its_headers(workbook: openpyxl.Workbook) -> None:
    assert [cell.value for cell in workbook["Targets"][1]] == TARGET_FIELDS + NEUTRALITY_FIELDS + ["claim_reasons"]
    assert _table_values(workbook["Targets"]) == []
    assert any(note.startswith("No targets") for note in _notes(workbook["Targets"]))
    assert [cell.value for cell in workbook["Pathways"][1]] == ["name", "kind", "year", "pathway_tco2e"]
    assert _table_values(workbook["Pathways"]) == []
    assert [cell.value for cell in workbook["Credits"][1]][:3] == ["year", "type", "tco2e"]
    assert _table_values(workbook["Credits"]) == []
    assert any(note.startswith("No credits") for note in _notes(workbook["Credits"]))
    ws = workbook["History"]
    months = _table_values(ws)
    assert [row["month"] for row in months] == [f"2026-{n:02d}" for n in range(1, 13)]
    assert [row["source"] for row in months].count("this report") == 1
    totals = {row["item"]: row for row in _block(ws, "Totals")}
    assert totals["previous year (closed months)"]["months"] == 0
    assert totals["previous year (closed months)"]["location_based_tco2e"] is None
    assert totals["base year"]["location_based_tco2e"] is None
    assert totals["base year"]["note"] == "no baseline configured"
    assert _block(ws, "Restatements") == []
    header = [cell.value for cell in ws[[c.row for c in ws["A"] if c.value == "Restatements"][0] + 1]]
    assert header == ["month", "old_version", "new_version", "old_tco2e", "new_tco2e", "difference_tco2e", "reason"]
    assert "No restatements of the months shown." in _notes(ws)


def test_new_sheets_have_typed_cells_layout_and_no_formulas(target_workbook: openpyxl.Workbook) -> None:
    _assert_no_formulas(target_workbook)
    _assert_layout(target_workbook)
    for title in ("Targets", "Pathways", "Credits", "History"):
        ws = target_workbook[title]
        assert ws.auto_filter.ref and ws.freeze_panes == "A2"
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not _looks_numeric(cell.value), f"{title}!{cell.coordinate}"
    widths = target_workbook["Targets"].column_dimensions
    assert all(8 <= dimension.width <= 70 for dimension in widths.values())


def test_output_with_targets_and_history_is_deterministic(
    target_context: Report, history_context: Report, tmp_path: Path
) -> None:
    first = render_xlsx(target_context, tmp_path / "a.xlsx").read_bytes()
    second = render_xlsx(_context(**TARGETS_CONFIG), tmp_path / "b.xlsx").read_bytes()
    assert first == second
    again = _history_context(tmp_path / "store")  # a new store, closed at other times
    assert (
        render_xlsx(history_context, tmp_path / "c.xlsx").read_bytes()
        == render_xlsx(again, tmp_path / "d.xlsx").read_bytes()
    )


# --- cloud bills: scopes, ranges, unclassified usage, grouped exclusions, ESRS E1 ---------------

BILLS = DATA / "bills"
# Tracker logs (November 2026) with a slice of the FOCUS 1.0 sample (September 2024) and the Azure
# EA sample (September 2023): one period covers all three.
CLOUD_INPUTS = [
    *INPUTS,
    {"path": str(BILLS / "focus-1.0-sample-slice.csv")},
    {"path": str(SHARED_SAMPLES / "azure" / "ea-cost-details-anonymized.csv")},
]
CLOUD_PERIOD = {"start": "2023-09-01", "end": "2026-11-30"}
ESRS_TSV = DATA / "esrs_e1_xbrl_elements.tsv"
CLOUD_MEMBER = "esrs:Category11CloudComputingAndDataCentreServicesMember"
SCOPE3_AXIS = "esrs:Scope3GHGEmissionsCategoryGHGProtocolAxis"
# Identifiers are text even when they are all digits (an AWS account id keeps its leading zeros).
ID_COLUMNS = {"billing_account_id", "sub_account_id", "key", "run_id", "resource_id"}


def _cloud_context() -> Report:
    config = build_config(
        {"base_dir": str(DATA), "period": CLOUD_PERIOD},
        {"inputs": CLOUD_INPUTS, "org": "Acme AI"},
        origin="test",
    )
    return build_report(run(config))


@pytest.fixture(scope="module")
def cloud_context() -> Report:
    return _cloud_context()


@pytest.fixture(scope="module")
def cloud_path(cloud_context: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_xlsx(cloud_context, tmp_path_factory.mktemp("cloud") / "cloud.xlsx")


@pytest.fixture(scope="module")
def cloud_workbook(cloud_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(cloud_path)


def test_the_cloud_inputs_cover_both_scopes_and_both_kinds_of_exclusion(cloud_context: Report) -> None:
    scopes = {row.scope: row for row in cloud_context.by_scope}
    assert scopes["scope2"].energy_kwh > 0 and scopes["scope3_cat1"].energy_kwh > 0
    assert cloud_context.totals.embodied_tco2e > 0
    assert cloud_context.totals.energy_kwh_low < cloud_context.totals.energy_kwh_high
    statuses = {group.estimate_status for group in cloud_context.unclassified.groups}
    assert statuses == {"unclassified", "unsupported"}
    kinds = {group.kind for ledger in cloud_context.inputs for group in ledger.exclusions}
    assert {"superseded", "not_usage"} <= kinds


def test_summary_ranges_embodied_and_scopes_are_the_context_totals(
    cloud_workbook: openpyxl.Workbook, cloud_context: Report
) -> None:
    summary, totals = _summary(cloud_workbook), cloud_context.totals
    expected = {
        "Energy (kWh)": totals.energy_kwh,
        "Energy, low end of range (kWh)": totals.energy_kwh_low,
        "Energy, high end of range (kWh)": totals.energy_kwh_high,
        "Own-operations energy, Scope 2 (kWh)": totals.own_operations_energy_kwh,
        "Cloud energy, Scope 3 category 1 (kWh)": totals.cloud_energy_kwh,
        "Location-based emissions": totals.location_based_tco2e,
        "Location-based emissions, low end of range": totals.location_based_tco2e_low,
        "Location-based emissions, high end of range": totals.location_based_tco2e_high,
        "Embodied emissions (separate)": totals.embodied_tco2e,
        "Unclassified bill rows": cloud_context.unclassified.rows,
    }
    for item, value in expected.items():
        assert summary[item]["value"] == value, item  # exactly: full precision
    for item in expected:
        assert summary[item]["unit"] in ("kWh", "tCO2e", "rows"), item
    assert "not added" in summary["Embodied emissions (separate)"]["note"]
    assert "ESRS E1-5" in summary["Own-operations energy, Scope 2 (kWh)"]["note"]
    cloud_note = summary["Cloud energy, Scope 3 category 1 (kWh)"]["note"]
    assert "outside the organisation" in cloud_note and "not part of ESRS E1-5" in cloud_note
    # the two scopes make up the energy; embodied is in neither
    parts = totals.own_operations_energy_kwh + totals.cloud_energy_kwh
    assert math.isclose(parts, summary["Energy (kWh)"]["value"], rel_tol=1e-12)


def test_scopes_sheet_is_by_scope_at_full_precision(
    cloud_workbook: openpyxl.Workbook, cloud_context: Report
) -> None:
    ws = cloud_workbook["Scopes"]
    rows = _table_cells(ws)
    assert [{key: cell.value for key, cell in row.items()} for row in rows] == [
        dataclasses.asdict(scope) for scope in cloud_context.by_scope
    ]
    assert [row["scope"].value for row in rows] == ["scope2", "scope3_cat1"]
    for row in rows:
        for key, cell in row.items():
            if key in ("scope", "label"):
                assert cell.data_type == "s"
                continue
            assert cell.data_type == "n", key
            assert type(cell.value) is type(getattr(cloud_context.by_scope[0], key)), key
            if key.startswith("energy_kwh"):
                assert cell.number_format == "#,##0.000", key
            elif key.endswith(("_tco2e", "_tco2e_low", "_tco2e_high")):
                assert cell.number_format == "#,##0.000000", key
    assert any("not in energy_kwh and not in location_based_tco2e" in note for note in _notes(ws))
    # the same scopes as the Summary
    by_scope = {row["scope"].value: row for row in rows}
    summary = _summary(cloud_workbook)
    assert by_scope["scope2"]["energy_kwh"].value == summary["Own-operations energy, Scope 2 (kWh)"]["value"]
    assert by_scope["scope3_cat1"]["energy_kwh"].value == summary["Cloud energy, Scope 3 category 1 (kWh)"]["value"]


def test_unclassified_sheet_lists_the_groups_with_totals(
    cloud_workbook: openpyxl.Workbook, cloud_context: Report
) -> None:
    ws = cloud_workbook["Unclassified"]
    header = [cell.value for cell in ws[1]]
    assert header == [
        "estimate_status", "cloud_provider", "service_name", "usage_type", "consumed_unit",
        "billing_currency", "rows", "quantity", "cost",
    ]
    unclassified = cloud_context.unclassified
    groups = unclassified.groups
    assert _table_values(ws) == [
        {key: (value if value != "" else None) for key, value in dataclasses.asdict(group).items()} for group in groups
    ]
    assert ws.auto_filter.ref == f"A1:I{len(groups) + 1}"
    for row in _table_cells(ws):
        assert row["rows"].data_type == "n" and row["rows"].number_format == "#,##0"
        assert row["quantity"].number_format == "#,##0.000###"
        assert row["cost"].number_format == "#,##0.00####"
    assert sum(row["rows"] for row in _table_values(ws)) == unclassified.rows
    totals = _block(ws, "Totals")
    assert totals[:2] == [
        {"item": "line items", "value": unclassified.line_items, "unit": "items"},
        {"item": "bill rows", "value": unclassified.rows, "unit": "rows"},
    ]
    assert {row["unit"]: row["value"] for row in totals[2:]} == unclassified.cost_by_currency
    assert {"CAD", "USD"} <= set(unclassified.cost_by_currency)
    assert any("never given a default energy" in note for note in _notes(ws))


def test_unclassified_sheet_empty_state(workbook: openpyxl.Workbook) -> None:
    ws = workbook["Unclassified"]
    assert [cell.value for cell in ws[1]][:3] == ["estimate_status", "cloud_provider", "service_name"]
    assert _table_values(ws) == []
    assert any(note.startswith("No unclassified usage") for note in _notes(ws))
    assert {row["item"]: row["value"] for row in _block(ws, "Totals")} == {"line items": 0, "bill rows": 0}


def _balance(book: openpyxl.Workbook) -> dict[str, tuple[int, int, int]]:
    """Per file, from the sheets alone: (rows_read, rows_used, Σ rows on the Exclusions sheet)."""
    excluded: dict[str, int] = {}
    for row in _table_values(book["Exclusions"]):
        excluded[row["file"]] = excluded.get(row["file"], 0) + row["rows"]
    return {
        row["path"]: (row["rows_read"], row["rows_used"], excluded.get(row["path"], 0))
        for row in _table_values(book["Inputs"])
        if row["status"] == "read"
    }


def test_exclusions_hold_single_rows_and_groups_and_balance_per_file(
    cloud_workbook: openpyxl.Workbook, cloud_context: Report
) -> None:
    ws = cloud_workbook["Exclusions"]
    assert [cell.value for cell in ws[1]] == [
        "file", "format", "kind", "rows", "example_rows", "reason", "first_row_detail",
    ]
    rows = _table_values(ws)
    assert ws.auto_filter.ref == f"A1:G{len(rows) + 1}"
    (flush,) = [row for row in rows if row["file"] == "codecarbon/emissions.csv"]
    assert (flush["kind"], flush["rows"], flush["example_rows"]) == ("superseded", 1, "row 7")
    assert flush["first_row_detail"].endswith("used: row 8")  # the run's last cumulative row
    focus = {row["reason"].split(":")[0]: row for row in rows if row["format"] == "focus"}
    # the slice's Credit row (a group of one) and its two Adjustment rows
    assert focus["ChargeCategory 'Credit'"] | {"reason": None} == {
        "file": "bills/focus-1.0-sample-slice.csv", "format": "focus", "kind": "not_usage", "rows": 1,
        "example_rows": "row 103", "reason": None, "first_row_detail": None,
    }
    adjustment = focus["ChargeCategory 'Adjustment'"]
    assert (adjustment["rows"], adjustment["example_rows"]) == (2, "rows 128, 129")
    assert adjustment["reason"].endswith("not a usage charge, no resource consumed")
    # every exclusion of the context, counted once
    for ledger in cloud_context.inputs:
        shown = sum(row["rows"] for row in rows if row["file"] == ledger.path)
        assert shown == ledger.rows_excluded, ledger.path
    balance = _balance(cloud_workbook)
    assert set(balance) == {ledger.path for ledger in cloud_context.inputs}
    for path, (read, used, excluded) in balance.items():
        assert read == used + excluded, path
    # 176 Usage rows of 179, 8 of them corrections with no usage to offset
    assert balance["bills/focus-1.0-sample-slice.csv"] == (179, 176 - 8, 3 + 8)
    assert any("rows_read = rows_used + the sum of rows here" in note for note in _notes(ws))


def test_a_large_group_names_its_first_rows(cloud_context: Report, tmp_path: Path) -> None:
    group = ExcludedRows("outside_period", "outside the reporting period", 6, (7, 17, 19))
    ledgers = [
        dataclasses.replace(ledger, rows_used=21, rows_excluded=6, exclusions=(group,))
        if ledger.format == "azure_cost" else ledger
        for ledger in cloud_context.inputs
    ]
    azure = next(ledger for ledger in ledgers if ledger.format == "azure_cost")
    book = openpyxl.load_workbook(
        render_xlsx(dataclasses.replace(cloud_context, inputs=ledgers), tmp_path / "groups.xlsx")
    )
    (row,) = [row for row in _table_values(book["Exclusions"]) if row["format"] == "azure_cost"]
    assert (row["rows"], row["example_rows"]) == (6, "rows 7, 17, 19 (first 3 of 6)")
    assert _balance(book)[azure.path] == (27, 21, 6)


def _esrs_elements() -> dict[str, dict[str, str]]:
    """The EFRAG ESRS E1 elements (a copy of the reference list), keyed by element name."""
    lines = ESRS_TSV.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    assert header[:3] == ["element", "dtr_type", "label_en"]
    rows = [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:] if line]
    return {row["element"]: row for row in rows}


def test_filing_esrs_e1_sheet_uses_the_taxonomy_names_and_the_context_figures(
    cloud_workbook: openpyxl.Workbook, cloud_context: Report
) -> None:
    """The ESRS E1 datapoints are on the Filing ESRS E1 sheet only (the old ESRS E1 sheet is gone)."""
    assert "ESRS E1" not in cloud_workbook.sheetnames
    rows = _table_values(cloud_workbook["Filing ESRS E1"])
    elements = _esrs_elements()
    for row in [row for row in rows if row["element"]]:  # an EFRAG element; its id in the taxonomy's list
        official = elements[row["element"]]
        if not row["id"].startswith("E1-") or " " in row["id"]:
            continue  # a part of a datapoint (category, baseline) or one the framework lacks
        assert row["id"] in official["datapoint_ids(section para; mandatory-status)"], row["id"]
    by_id = {row["id"]: row for row in rows}
    totals = cloud_context.totals
    scopes = {row.scope: row for row in cloud_context.by_scope}
    assert by_id["E1-5_01"]["value"] == pytest.approx(totals.own_operations_energy_kwh / 1000.0, rel=1e-12)
    assert by_id["E1-5_01"]["unit"] == "MWh"
    assert by_id["E1-6_09"]["element"] == "esrs:GrossLocationBasedScope2GreenhouseGasEmissions"
    assert by_id["E1-6_09"]["value"] == pytest.approx(scopes["scope2"].location_based_tco2e, rel=1e-12)
    cloud = by_id["E1-6_11 cat 1.1"]
    assert cloud["element"] == "esrs:GrossScope3GreenhouseGasEmissions" and CLOUD_MEMBER in cloud["dimensions"]
    assert SCOPE3_AXIS in cloud["dimensions"]
    assert cloud["value"] == pytest.approx(scopes["scope3_cat1"].location_based_tco2e, rel=1e-12)
    # embodied emissions are in no ESRS figure here
    assert totals.embodied_tco2e not in [row["value"] for row in rows]


def test_breakdown_covers_the_bill_dimensions_with_readable_names(
    cloud_workbook: openpyxl.Workbook, cloud_context: Report
) -> None:
    rows = _table_values(cloud_workbook["Breakdown"])
    names = {
        "scope": "scope", "project": "project", "location": "grid location", "source": "source format",
        "provider": "cloud provider", "service": "cloud service", "region": "cloud region",
        "account": "cloud sub-account", "category": "usage category", "tag:project": "tag: project",
    }
    assert set(names) <= set(cloud_context.breakdowns)
    for name, block in cloud_context.breakdowns.items():
        shown = [
            {key: row[key] for key in row if key != "dimension"}
            for row in rows
            if row["dimension"] == names.get(name, name.replace("tag:", "tag: "))
        ]
        assert shown == [dataclasses.asdict(row) for row in block], name
    assert len(rows) == sum(len(block) for block in cloud_context.breakdowns.values())
    scope = {row["key"]: row for row in rows if row["dimension"] == "scope"}
    assert scope["scope2"]["energy_kwh"] == pytest.approx(cloud_context.totals.own_operations_energy_kwh, rel=1e-12)
    assert scope["scope3_cat1"]["energy_kwh"] == pytest.approx(cloud_context.totals.cloud_energy_kwh, rel=1e-12)


BILL_ITEM = {
    "scope": "scope3_cat1",
    "row_count": 12,
    "billing_account_id": "012345678901",
    "sub_account_id": "000000000042",
    "service_name": "Amazon Elastic Compute Cloud",
    "usage_type": "USW2-BoxUsage:p5.48xlarge",
    "instance_type": "p5.48xlarge",
    "consumed_quantity": 12.000000000000002,
    "consumed_unit": "Hours",
    "billed_cost": 1179.9361234567891,
    "billing_currency": "USD",
    "tags": '{"team": "research", "project": "=1+1"}',
    "usage_category": "compute",
    "energy_kwh_low": 0.12345678901234567,
    "energy_kwh_high": 98.76543210987654,
    "embodied_co2e_kg": 0.0123456789,
    "estimate_basis": "p5.48xlarge: 192 vCPU × Sapphire Rapids 0.56-4.21 W, 8 × H100 SXM 700 W; " * 5,
}
BILL_FORMATS = {
    "row_count": "#,##0",
    "consumed_quantity": "#,##0.000###",
    "billed_cost": "#,##0.00####",
    "energy_kwh_low": "#,##0.000",
    "energy_kwh_high": "#,##0.000",
    "embodied_co2e_kg": "#,##0.000",
}


def test_line_items_give_the_bill_columns_their_formats(context: Report, tmp_path: Path) -> None:
    item = context.line_items.iloc[[0]].reset_index(drop=True).assign(**{k: [v] for k, v in BILL_ITEM.items()})
    bill = dataclasses.replace(context, line_items=item)
    ws = openpyxl.load_workbook(render_xlsx(bill, tmp_path / "bill.xlsx"))["Line items"]
    (row,) = _cells(ws)
    for key, value in BILL_ITEM.items():
        assert row[key].value == value, key  # full precision, and text stays text
    for key, fmt in BILL_FORMATS.items():
        assert row[key].data_type == "n" and row[key].number_format == fmt, key
    for key in ("billing_account_id", "sub_account_id", "tags", "estimate_basis"):
        assert row[key].data_type == "s", key
    widths = {cell.value: ws.column_dimensions[cell.column_letter].width for cell in ws[1]}
    assert widths["estimate_basis"] == 70  # wide, capped
    assert all(8 <= width <= 70 for width in widths.values())


def test_line_items_of_the_bills_read_back(
    cloud_workbook: openpyxl.Workbook, cloud_context: Report
) -> None:
    header = [cell.value for cell in cloud_workbook["Line items"][1]]
    items = line_item_records(cloud_context.line_items)
    assert all(name in header for name in items[0])
    for row, item in zip(_cells(cloud_workbook["Line items"]), items, strict=True):
        for key, value in item.items():
            cell = row[key]
            if isinstance(value, bool):
                assert cell.value is value, key
            elif isinstance(value, int | float):
                assert cell.value == value and cell.data_type == "n", key
                if key in BILL_FORMATS:
                    assert cell.number_format == BILL_FORMATS[key], key
            elif key not in ("start_time", "end_time"):
                assert cell.value == (value or None), key


def test_cloud_workbook_typed_cells_layout_and_no_formulas(cloud_workbook: openpyxl.Workbook) -> None:
    _assert_no_formulas(cloud_workbook)
    _assert_layout(cloud_workbook)
    for title in ("Scopes", "Unclassified", "Exclusions", "Summary", "Breakdown"):
        ws = cloud_workbook[title]
        header = [cell.value for cell in ws[1]]
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                column = header[cell.column - 1] if cell.column <= len(header) else None
                if isinstance(cell.value, str) and column not in ID_COLUMNS:
                    assert not _looks_numeric(cell.value), f"{title}!{cell.coordinate}"
        widths = ws.column_dimensions
        assert all(dimension.width <= 70 for dimension in widths.values()), title


def test_cloud_workbook_is_deterministic(cloud_path: Path, tmp_path: Path) -> None:
    again = render_xlsx(_cloud_context(), tmp_path / "again.xlsx")
    assert cloud_path.read_bytes() == again.read_bytes()
