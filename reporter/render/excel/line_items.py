"""The Line items sheet: one row per line item, or, for a large bill, the line items grouped.

Up to LINE_ITEM_ROWS line items the sheet lists each with its provenance and estimate basis. A
larger report groups them by month, account, service, region, usage type and currency (the
sheet would be too slow to write and to open otherwise) and names the lineage file, which holds
every line item. A table that would pass a sheet's rows is cut, and a note gives the counts.
"""

from __future__ import annotations

from reporter.core.aggregate import UNASSIGNED
from reporter.render.excel.cells import (
    COST,
    COUNT,
    DATETIME,
    G_PER_KWH,
    INTEGER,
    KG,
    KWH,
    PUE,
    QUANTITY,
    SECONDS,
    SHARE,
    TCO2E,
    Column,
    Sheet,
    format_for,
    room_for,
)
from reporter.render.excel.rows import write_frame
from reporter.report import Report
from reporter.report.line_items import GROUP_FIELDS, LINE_ITEM_FIELDS, tag_names

# The most line items the sheet lists one by one; above, it shows them grouped.
LINE_ITEM_ROWS = 100_000

LINE_ITEM_FORMATS = {
    "source_row": INTEGER,
    "start_time": DATETIME,
    "end_time": DATETIME,
    "duration_s": SECONDS,
    "energy_reported_kwh": KWH,
    "tracker_pue": PUE,
    "energy_it_kwh": KWH,
    "pue": PUE,
    "energy_kwh": KWH,
    "in_period_share": SHARE,
    "factor_g_per_kwh": G_PER_KWH,
    "location_based_co2e_kg": KG,
    "tracker_co2e_kg": KG,
    "location_based_tco2e": TCO2E,
    "energy_kwh_in_period": KWH,
    "location_based_tco2e_in_period": TCO2E,
    "market_factor_g_per_kwh": G_PER_KWH,
    "market_covered_kwh_in_period": KWH,
    "market_based_co2e_kg_in_period": KG,
    "reported_location_based_tco2e_in_period": TCO2E,
    "row_count": COUNT,
    "consumed_quantity": QUANTITY,
    "billed_cost": COST,
    "energy_kwh_low": KWH,
    "energy_kwh_high": KWH,
    "embodied_co2e_kg": KG,
    "line_items": COUNT,
    "embodied_tco2e": TCO2E,
}
GROUPED_BY = "month, account (sub_account_id), service, region, usage type and currency"


def grouped(report: Report) -> bool:
    return len(report.line_items) > LINE_ITEM_ROWS


def line_items_shown(report: Report) -> tuple[str, str]:
    """What the Line items sheet holds, and why (for the Summary)."""
    count, name = len(report.line_items), report.lineage.name
    if not grouped(report):
        return "one row per line item", f"every line item is also in {name}"
    return (
        f"grouped by {GROUPED_BY}",
        f"{count:,} line items are more than the {LINE_ITEM_ROWS:,} the sheet lists one by one; "
        f"each is in {name}",
    )


def _columns(names: list[str]) -> list[Column]:
    return [Column(name, LINE_ITEM_FORMATS.get(name) or format_for(name)) for name in names]


def line_items(sheet: Sheet, report: Report) -> None:
    if grouped(report):
        _grouped(sheet, report)
        return
    frame = report.line_items
    columns = _columns([*LINE_ITEM_FIELDS, *tag_names(frame)])
    sheet.header(columns)
    write_frame(sheet, columns, frame)
    sheet.finish()


def _grouped(sheet: Sheet, report: Report) -> None:
    groups = report.line_item_groups
    shown = groups.iloc[: room_for(2)]
    left_out = len(groups) - len(shown)
    columns = _columns(GROUP_FIELDS)
    sheet.header(columns)
    write_frame(sheet, columns, shown)
    sheet.finish()
    lineage = report.lineage
    notes = [
        f"{len(report.line_items):,} line items are more than the {LINE_ITEM_ROWS:,} this sheet lists one "
        f"by one (a longer sheet is slow to write and to open), so it shows them grouped by {GROUPED_BY}: "
        f"{len(groups):,} groups. Every line item, with its input file, first row and row count, is in the "
        f"lineage file {lineage.name} (sha256 {lineage.sha256}) beside this workbook.",
        "energy_kwh, the emissions and billed_cost are the parts inside the period (billed_cost in "
        "billing_currency); line_items counts the group's line items and row_count their input rows "
        "(a line item spanning two months counts in both). "
        f"\"{UNASSIGNED}\": line items without that value (tracker runs name no account or service).",
    ]
    if left_out:
        notes.insert(
            0,
            f"Only the first {len(shown):,} of {len(groups):,} groups fit on a sheet; the other "
            f"{left_out:,} are not shown here (their line items are in the lineage file).",
        )
    sheet.notes(notes)
