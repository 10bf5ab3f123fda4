"""Progress sheets: Targets, Pathways, Credits and History (year to date and restatements)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from reporter.render.excel.cells import (
    COUNT,
    FRACTION,
    GENERAL,
    INTEGER,
    KWH,
    PERCENT_POINTS,
    TCO2E,
    Column,
    Sheet,
    with_unknown_fields,
)
from reporter.report import Report
from reporter.report.model import TargetProgress

TARGET_COLUMNS = (
    Column("name"), Column("kind"), Column("scope2_method"), Column("base_year", INTEGER),
    Column("base_tco2e", TCO2E), Column("target_year", INTEGER),
    Column("target_reduction_pct", PERCENT_POINTS), Column("target_tco2e", TCO2E),
    Column("report_year", INTEGER), Column("year_fraction", FRACTION), Column("pro_rata"),
    Column("pathway_tco2e", TCO2E), Column("actual_tco2e", TCO2E),
    Column("reduction_pct", PERCENT_POINTS), Column("achieved_pct", PERCENT_POINTS),
    Column("gap_tco2e", TCO2E), Column("on_track"),
    Column("annual_target_pct_of_base", PERCENT_POINTS),
    Column("required_annual_reduction_tco2e", TCO2E),
    Column("required_annual_reduction_pct", PERCENT_POINTS),
    Column("remaining_budget_tco2e", TCO2E),
    # carbon-neutral and net-zero targets only
    Column("gross_tco2e", TCO2E), Column("credits_removal_tco2e", TCO2E),
    Column("credits_avoidance_tco2e", TCO2E), Column("credits_eligible_tco2e", TCO2E),
    Column("uncovered_tco2e", TCO2E), Column("credit_coverage_pct", PERCENT_POINTS),
    Column("claim_possible"), Column("claim_note"), Column("claim_reasons"),
)


def _target_format(name: str) -> str:
    return TCO2E if name.endswith("_tco2e") else PERCENT_POINTS if "_pct" in name else GENERAL


def targets(sheet: Sheet, report: Report) -> None:
    columns = with_unknown_fields(TARGET_COLUMNS, TargetProgress, _target_format)
    rows = [{**asdict(target), "claim_reasons": "; ".join(target.claim_reasons) or None} for target in report.targets]
    sheet.table(columns, rows)
    notes = [
        "Columns with _pct in their name are in percent units: 42.0 means 42 % (not a fraction "
        "of 1).",
        "Targets are gross: credits (Credits sheet) are shown beside them and never subtracted "
        "from emissions.",
        "pro_rata TRUE: the period is shorter than a year, so the base, target and pathway values "
        "are taken pro rata (year_fraction) before they are compared with actual_tco2e; "
        "base_tco2e and target_tco2e are full-year values.",
        "gap_tco2e = actual − pathway (positive: above the pathway). The year-by-year pathway is "
        "on the Pathways sheet.",
    ]
    empty = "No targets: the configuration sets no [baseline] with [[targets]]."
    sheet.notes(notes, None if report.targets else empty)


def pathways(sheet: Sheet, report: Report) -> None:
    columns = [Column("name"), Column("kind"), Column("year", INTEGER), Column("pathway_tco2e", TCO2E)]
    sheet.table(columns, report.pathways)
    sheet.notes(
        [
            "Linear pathway in full-year tCO2e: base_tco2e in the base year to target_tco2e in the "
            "target year (Targets sheet).",
            "A target without a reduction commitment (a plain neutrality pledge) has no pathway.",
        ],
    )


def credits(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("year", INTEGER), Column("type"), Column("tco2e", TCO2E), Column("registry"),
        Column("registry_id"), Column("project"), Column("retired"),
    ]
    sheet.table(columns, report.credits)
    notes = [
        "Credits are reported separately and never netted: every emissions figure in this "
        "workbook is gross, before any credit.",
        "The Targets sheet sets the report year's retired credits beside gross emissions for "
        "carbon-neutral and net-zero targets (net zero counts removals only).",
    ]
    sheet.notes(notes, None if report.credits else "No credits: the configuration lists no [[credits]].")


def history(sheet: Sheet, report: Report) -> None:
    months = report.year_to_date.months
    columns = [
        Column("month"), Column("source"), Column("energy_kwh", KWH),
        Column("location_based_tco2e", TCO2E),
    ]
    sheet.header(columns)
    sheet.rows_at(2, columns, months)
    filter_range = (len(months) + 1, len(columns))
    row = len(months) + 3
    sheet.title(row, "Totals")
    sheet.header(TOTAL_COLUMNS, row + 1)
    row = sheet.rows_at(row + 2, TOTAL_COLUMNS, _history_totals(report))
    restatements = report.history.restatements
    row += 1
    sheet.title(row, "Restatements")
    sheet.header(RESTATEMENT_COLUMNS, row + 1)
    sheet.rows_at(row + 2, RESTATEMENT_COLUMNS, restatements)
    sheet.finish(filter_range=filter_range)
    notes = [
        "source: \"this report\" is this report's figure; \"closed (version N)\" is the month's "
        "current version in the history store; empty: no figure (neither in this report nor "
        "closed).",
        "A restatement keeps the old version: difference_tco2e = new_tco2e − old_tco2e.",
    ]
    sheet.notes(notes, None if restatements else "No restatements of the months shown.")


TOTAL_COLUMNS = (
    Column("item"), Column("year", INTEGER), Column("energy_kwh", KWH),
    Column("location_based_tco2e", TCO2E), Column("months", COUNT), Column("note"),
)
RESTATEMENT_COLUMNS = (
    Column("month"), Column("old_version", INTEGER), Column("new_version", INTEGER),
    Column("old_tco2e", TCO2E), Column("new_tco2e", TCO2E), Column("difference_tco2e", TCO2E),
    Column("reason"),
)


def _history_totals(report: Report) -> list[dict[str, Any]]:
    """Year to date, the previous year's closed months and the base year."""
    ytd, previous, base = report.year_to_date, report.history.previous_year, report.history.base_year
    year = ytd.year
    closed_previous = previous.months_closed
    return [
        {
            "item": "year to date", "year": year, "energy_kwh": ytd.energy_kwh,
            "location_based_tco2e": ytd.location_based_tco2e,
            "months": ytd.months_with_data,
            "note": "months of the report year in this report or closed in the history",
        },
        {
            "item": "previous year (closed months)", "year": previous.year,
            "energy_kwh": previous.energy_kwh,
            "location_based_tco2e": previous.location_based_tco2e,
            "months": closed_previous,
            "note": "sum of the closed months only" if closed_previous else
            "no month of the previous year is closed in the history",
        },
        {
            "item": "base year", "year": base.year if base else None,
            "location_based_tco2e": base.location_based_tco2e if base else None,
            "note": "baseline from the configuration" if base else "no baseline configured",
        },
    ]
