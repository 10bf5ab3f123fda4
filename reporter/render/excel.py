"""Excel output: the report context laid out as a workbook a sustainability team can file.

Every figure is a typed numeric cell at full precision; number formats only change how it is
displayed. Dates are real date cells. Text from input files is always stored as a literal string,
never as a formula (a project named `=HYPERLINK(...)` shows as that text). The file is
deterministic: document timestamps come from the period end and the archive entries carry a
fixed time, so the same inputs give the same bytes.

Shares (Breakdown, Summary, Data quality) are fractions shown with Excel's percent format. The
targets' `*_pct` fields keep the context's percent units (42.0 is 42 %) and are shown with a
literal % sign (`0.00"%"`); the Targets sheet says so in a note. Notes sit below a sheet's table,
one blank row apart, outside its filter.

Energy is split by scope: Scope 2 (own or colocated hardware) is the organisation's own-operations
energy, the ESRS E1-5 figure; Scope 3 category 1 (cloud computing and data centre services) is
energy outside the organisation. Embodied emissions are always shown on their own, never added to
an energy or location-based figure. The ESRS E1 sheet lists only the datapoints the report can
fill, under their EFRAG taxonomy element names.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from reporter.core.attribute import SCOPE2, SCOPE3_CLOUD
from reporter.glossary import FLAG_MEANINGS, LOCATION_STATUS_MEANINGS, METHOD_MEANINGS
from reporter.render.context import ReportContext
from reporter.render.line_items import LINE_ITEM_FIELDS, line_item_records
from reporter.units import KWH_PER_MWH

SHEETS = (
    "Summary", "Scopes", "ESRS E1", "Monthly", "Targets", "Pathways", "Credits", "History",
    "Breakdown", "Line items", "Unclassified", "Factors", "PUE", "Inputs", "Exclusions",
    "Data quality",
)

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
# The most characters a spreadsheet cell holds; longer text is cut and ends with an ellipsis.
MAX_TEXT = 32767
NOT_REPORTED = "not yet reported"

# Characters openpyxl (and the file format) cannot store; shown as U+FFFD instead.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A leading character that a spreadsheet could read as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")

@dataclass(frozen=True)
class Column:
    name: str
    fmt: str = GENERAL
    kind: str = "auto"  # "auto", "date", "datetime"


def render_xlsx(context: ReportContext, path: Path) -> Path:
    """Write the workbook for `context` to `path` and return `path`."""
    stamp = _timestamp(context)
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    builders = (
        _summary, _scopes, _esrs_e1, _monthly, _targets, _pathways, _credits, _history,
        _breakdown, _line_items, _unclassified, _factors, _pue, _inputs, _exclusions, _quality,
    )
    for title, build in zip(SHEETS, builders, strict=True):
        build(workbook.create_sheet(title), context)
    _properties(workbook, context, stamp)
    path.write_bytes(_save(workbook, stamp))
    return path


# --- sheets -----------------------------------------------------------------------------------


RANGE_LOW = (
    "cloud estimates at low utilisation and low coefficients; measured energy at its measured "
    "value"
)
RANGE_HIGH = (
    "cloud estimates at high utilisation and high coefficients; measured energy at its measured "
    "value"
)


def _summary(ws: Worksheet, context: ReportContext) -> None:
    totals, quality = context.totals, context.data_quality
    methodology, unclassified = context.methodology, context.unclassified or {}
    energy = totals.get("energy_kwh")
    market = totals.get("market_based_tco2e")
    tracker = totals.get("tracker_reported_tco2e")
    methods = quality.get("method_energy_share") or {}
    statuses = quality.get("location_status_energy_share") or {}
    no_energy = "no energy in the period" if not methods else None
    facility_pue = methodology.get("facility_pue")
    rows: list[tuple[str, Any, str, str, str | None]] = [
        ("Organisation", context.organization.get("name"), GENERAL, "", None),
        ("Period", context.period.get("label"), GENERAL, "", None),
        ("Period start", _date(context.period.get("start")), DATE, "", None),
        ("Period end", _date(context.period.get("end")), DATE, "", None),
        ("Energy (kWh)", energy, KWH, "kWh", "facility energy: IT energy × PUE"),
        ("Energy (MWh)", None if energy is None else energy / KWH_PER_MWH, MWH, "MWh", None),
        ("Energy, low end of range (kWh)", totals.get("energy_kwh_low"), KWH, "kWh", RANGE_LOW),
        ("Energy, high end of range (kWh)", totals.get("energy_kwh_high"), KWH, "kWh", RANGE_HIGH),
        (
            "Own-operations energy, Scope 2 (kWh)", totals.get("own_operations_energy_kwh"), KWH,
            "kWh", "own or colocated hardware: the ESRS E1-5 energy (in MWh on the ESRS E1 sheet)",
        ),
        (
            "Cloud energy, Scope 3 category 1 (kWh)", totals.get("cloud_energy_kwh"), KWH, "kWh",
            "cloud computing and data centre services: energy outside the organisation, not part "
            "of ESRS E1-5",
        ),
        ("Location-based emissions", totals.get("location_based_tco2e"), TCO2E, "tCO2e", None),
        (
            "Location-based emissions, low end of range", totals.get("location_based_tco2e_low"),
            TCO2E, "tCO2e", RANGE_LOW,
        ),
        (
            "Location-based emissions, high end of range", totals.get("location_based_tco2e_high"),
            TCO2E, "tCO2e", RANGE_HIGH,
        ),
        (
            "Embodied emissions (separate)", totals.get("embodied_tco2e"), TCO2E, "tCO2e",
            "hardware manufacturing share of the cloud usage: shown separately, not added to the "
            "energy or to the location-based emissions",
        ),
        (
            "Market-based emissions", market, TCO2E, "tCO2e",
            NOT_REPORTED if market is None else None,
        ),
        (
            "Trackers' own emissions (comparison only)", tracker, TCO2E, "tCO2e",
            "no tracker figure for the line items" if tracker is None else
            "sum of the trackers' own figures; not used in the totals",
        ),
        ("Line items", totals.get("line_items"), COUNT, "items", "tracker runs and bill lines"),
        (
            "Unclassified bill rows", unclassified.get("rows"), COUNT, "rows",
            "billed usage without an energy estimate: counted and shown on the Unclassified "
            "sheet, never given a default energy",
        ),
        ("Rows read", quality.get("rows_read"), COUNT, "rows", None),
        ("Rows used", quality.get("rows_used"), COUNT, "rows", None),
        ("Rows excluded", quality.get("rows_excluded"), COUNT, "rows", "see the Exclusions sheet"),
        ("Files skipped", len(context.skipped_files), COUNT, "files", "see the Inputs sheet"),
        (
            "Measured share", methods.get("measured", 0.0) if methods else None, SHARE,
            "of energy", no_energy,
        ),
        (
            "Fallback-location share", statuses.get("fallback", 0.0) if statuses else None, SHARE,
            "of energy", no_energy or "energy whose location used the fallback grid factor",
        ),
        (
            "Facility PUE", facility_pue, PUE, "",
            "not set: each tracker's own PUE applies" if facility_pue is None else
            "replaces every tracker's PUE",
        ),
        ("Fallback factor", methodology.get("fallback_factor_key"), GENERAL, "", None),
        ("Month assignment", methodology.get("month_assignment"), GENERAL, "", None),
        ("Timestamps", methodology.get("timestamps"), GENERAL, "", None),
    ]
    for key, value in sorted((methodology.get("overrides") or {}).items()):
        rows.append((f"Factor override {key}", value, G_PER_KWH, "gCO2e/kWh", "from configuration"))
    rows += [
        ("Tool", context.tool.get("name"), GENERAL, "", None),
        ("Tool version", context.tool.get("version"), GENERAL, "", None),
    ]
    columns = [Column("item"), Column("value"), Column("unit"), Column("note")]
    _header(ws, columns)
    for index, (item, value, fmt, unit, note) in enumerate(rows, start=2):
        _put(ws.cell(index, 1), item)
        _put(ws.cell(index, 2), value, fmt)
        _put(ws.cell(index, 3), unit or None)
        _put(ws.cell(index, 4), note)
    _finish(ws, filter_=False)


SCOPE_COLUMNS = (
    Column("scope"), Column("label"), Column("energy_kwh", KWH), Column("energy_kwh_low", KWH),
    Column("energy_kwh_high", KWH), Column("location_based_tco2e", TCO2E),
    Column("location_based_tco2e_low", TCO2E), Column("location_based_tco2e_high", TCO2E),
    Column("embodied_tco2e", TCO2E), Column("line_items", COUNT),
)


def _with_unknown_fields(
    columns: Sequence[Column], rows: Iterable[dict[str, Any]], format_for: Callable[[str], str]
) -> list[Column]:
    """`columns`, then a column for each field of the rows they do not know yet (so it still shows)."""
    known = {column.name for column in columns}
    names = dict.fromkeys(name for row in rows for name in row if name not in known)
    return [*columns, *(Column(name, format_for(name)) for name in names)]


def _scopes(ws: Worksheet, context: ReportContext) -> None:
    columns = _with_unknown_fields(SCOPE_COLUMNS, context.by_scope, _format_for)
    _table(ws, columns, context.by_scope)
    _notes(
        ws,
        [
            "scope2: electricity of own or colocated hardware measured by trackers; this is the "
            "organisation's own-operations energy, the ESRS E1-5 figure.",
            "scope3_cat1: cloud computing and data centre services (Scope 3 category 1, ESRS E1 "
            "AR 51): energy outside the organisation, not part of ESRS E1-5.",
            "_low / _high: the range of the cloud estimates (low and high utilisation); measured "
            "energy has no range, so its low and high equal its value.",
            "embodied_tco2e is shown on its own: it is not in energy_kwh and not in "
            "location_based_tco2e.",
        ],
    )


@dataclass(frozen=True)
class Datapoint:
    """One ESRS E1 datapoint: its EFRAG taxonomy element (ESRS Set 1, 2023-12-22)."""

    datapoint_id: str
    paragraph: str
    element: str
    label: str
    unit: str
    fmt: str
    axis: str | None = None
    member: str | None = None


ENERGY_OWN_OPERATIONS = Datapoint(
    "E1-5_01", "E1-5 §37", "esrs:EnergyConsumptionRelatedToOwnOperations",
    "Total energy consumption related to own operations", "MWh", MWH,
)
SCOPE2_LOCATION_BASED = Datapoint(
    "E1-6_09", "E1-6 §49(a)", "esrs:GrossLocationBasedScope2GreenhouseGasEmissions",
    "Gross location-based Scope 2 greenhouse gas emissions", "tCO2e", TCO2E,
)
SCOPE2_MARKET_BASED = Datapoint(
    "E1-6_10", "E1-6 §49(b)", "esrs:GrossMarketBasedScope2GreenhouseGasEmissions",
    "Gross market-based Scope 2 greenhouse gas emissions", "tCO2e", TCO2E,
)
SCOPE3_CLOUD_DATAPOINT = Datapoint(
    "E1-6_11", "E1-6 §51, AR 51", "esrs:GrossScope3GreenhouseGasEmissions",
    "Gross Scope 3 greenhouse gas emissions", "tCO2e", TCO2E,
    axis="esrs:Scope3GHGEmissionsCategoryGHGProtocolAxis",
    member="esrs:Category11CloudComputingAndDataCentreServicesMember",
)
ESRS_DATAPOINTS = (ENERGY_OWN_OPERATIONS, SCOPE2_LOCATION_BASED, SCOPE2_MARKET_BASED, SCOPE3_CLOUD_DATAPOINT)


def _esrs_e1(ws: Worksheet, context: ReportContext) -> None:
    totals, unclassified = context.totals, context.unclassified or {}
    scopes = {row.get("scope"): row for row in context.by_scope}
    own, cloud = scopes.get(SCOPE2) or {}, scopes.get(SCOPE3_CLOUD) or {}
    own_kwh, cloud_kwh = totals.get("own_operations_energy_kwh"), totals.get("cloud_energy_kwh")
    cloud_mwh = "" if cloud_kwh is None else f" ({cloud_kwh / KWH_PER_MWH:,.6f} MWh)"
    embodied, unclassified_rows = cloud.get("embodied_tco2e"), unclassified.get("rows") or 0
    left_out = [
        "the cloud hardware's embodied emissions"
        + ("" if embodied is None else f" ({embodied:,.6f} tCO2e, shown separately)")
    ]
    if unclassified_rows:
        left_out.append(f"{unclassified_rows:,} billed rows without an energy estimate (Unclassified sheet)")
    values: dict[Datapoint, tuple[Any, str]] = {
        ENERGY_OWN_OPERATIONS: (
            None if own_kwh is None else own_kwh / KWH_PER_MWH,
            "AI workloads only: energy from tracker-measured own or colocated hardware (Scope 2), "
            f"facility energy (IT energy × PUE). Cloud energy{cloud_mwh} is outside the "
            "organisation and not included. Not split into fossil, nuclear and renewable "
            "sources.",
        ),
        SCOPE2_LOCATION_BASED: (
            own.get("location_based_tco2e"),
            "AI workloads only: the own-operations energy above × location-based grid factors "
            "(Factors sheet).",
        ),
        SCOPE2_MARKET_BASED: (
            None,
            "not yet computed: market-based Scope 2 needs contractual instruments (energy "
            "attribute certificates, PPAs, supplier-specific factors), which the report does not "
            "read yet.",
        ),
        SCOPE3_CLOUD_DATAPOINT: (
            cloud.get("location_based_tco2e"),
            "Category 1.1 subset only, AI workloads only: billed cloud usage and tracker runs on "
            "cloud instances, central estimate × location-based grid factors of the provider "
            f"regions (range on the Scopes sheet). Not included: {' and '.join(left_out)}. Not "
            "the total Scope 3: other categories are outside this report.",
        ),
    }
    columns = [
        Column("datapoint_id"), Column("paragraph"), Column("element"), Column("label"),
        Column("axis"), Column("member"), Column("value"), Column("unit"), Column("note"),
    ]
    _header(ws, columns)
    for index, point in enumerate(ESRS_DATAPOINTS, start=2):
        value, note = values[point]
        cells = (
            point.datapoint_id, point.paragraph, point.element, point.label, point.axis,
            point.member,
        )
        for number, text in enumerate(cells, start=1):
            _put(ws.cell(index, number), text)
        _put(ws.cell(index, 7), value, point.fmt)
        _put(ws.cell(index, 8), point.unit)
        _put(ws.cell(index, 9), note)
    _finish(ws)
    period = context.period
    _notes(
        ws,
        [
            "Element names and labels: EFRAG ESRS Set 1 XBRL taxonomy (2023-12-22); units "
            "utr:MWh and utr:tCO2e. A row with an axis and member is tagged with that dimension.",
            f"Values are for the report period {period.get('start')} to {period.get('end')} "
            "at full precision; ESRS figures are for the financial year.",
            "Only the datapoints this report can fill are listed. Not here: Scope 1, total GHG "
            "emissions (they need Scope 1 and every Scope 3 category), the E1-5 split by source, "
            "and intensities per net revenue.",
        ],
    )


def _monthly(ws: Worksheet, context: ReportContext) -> None:
    columns = [Column("month"), Column("energy_kwh", KWH), Column("location_based_tco2e", TCO2E)]
    _table(ws, columns, context.by_month)


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
    Column("claim_possible"), Column("claim_note"),
)


def _target_format(name: str) -> str:
    return TCO2E if name.endswith("_tco2e") else PERCENT_POINTS if "_pct" in name else GENERAL


def _targets(ws: Worksheet, context: ReportContext) -> None:
    columns = _with_unknown_fields(TARGET_COLUMNS, context.targets, _target_format)
    _table(ws, columns, context.targets)
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
    _notes(ws, notes, None if context.targets else "No targets: the configuration sets no [baseline] with [[targets]].")


def _pathways(ws: Worksheet, context: ReportContext) -> None:
    columns = [Column("name"), Column("kind"), Column("year", INTEGER), Column("pathway_tco2e", TCO2E)]
    _table(ws, columns, context.pathways)
    _notes(
        ws,
        [
            "Linear pathway in full-year tCO2e: base_tco2e in the base year to target_tco2e in the "
            "target year (Targets sheet).",
            "A target without a reduction commitment (a plain neutrality pledge) has no pathway.",
        ],
    )


def _credits(ws: Worksheet, context: ReportContext) -> None:
    columns = [
        Column("year", INTEGER), Column("type"), Column("tco2e", TCO2E), Column("registry"),
        Column("registry_id"), Column("project"), Column("retired"),
    ]
    _table(ws, columns, context.credits)
    notes = [
        "Credits are reported separately and never netted: every emissions figure in this "
        "workbook is gross, before any credit.",
        "The Targets sheet sets the report year's retired credits beside gross emissions for "
        "carbon-neutral and net-zero targets (net zero counts removals only).",
    ]
    _notes(ws, notes, None if context.credits else "No credits: the configuration lists no [[credits]].")


def _history(ws: Worksheet, context: ReportContext) -> None:
    ytd, history = context.year_to_date or {}, context.history or {}
    months = ytd.get("months") or []
    columns = [
        Column("month"), Column("source"), Column("energy_kwh", KWH),
        Column("location_based_tco2e", TCO2E),
    ]
    _header(ws, columns)
    _rows_at(ws, 2, columns, months)
    filter_range = f"A1:{get_column_letter(len(columns))}{len(months) + 1}"

    previous = history.get("previous_year") or {}
    base = history.get("base_year")
    year = ytd.get("year")
    closed_previous = previous.get("months_closed") or 0
    totals = [
        {
            "item": "year to date", "year": year, "energy_kwh": ytd.get("energy_kwh"),
            "location_based_tco2e": ytd.get("location_based_tco2e"),
            "months": ytd.get("months_with_data"),
            "note": "months of the report year in this report or closed in the history",
        },
        {
            "item": "previous year (closed months)", "year": previous.get("year"),
            "energy_kwh": previous.get("energy_kwh"),
            "location_based_tco2e": previous.get("location_based_tco2e"),
            "months": closed_previous,
            "note": "sum of the closed months only" if closed_previous else
            "no month of the previous year is closed in the history",
        },
        {
            "item": "base year", "year": base.get("year") if base else None,
            "location_based_tco2e": base.get("location_based_tco2e") if base else None,
            "note": "baseline from the configuration" if base else "no baseline configured",
        },
    ]
    total_columns = [
        Column("item"), Column("year", INTEGER), Column("energy_kwh", KWH),
        Column("location_based_tco2e", TCO2E), Column("months", COUNT), Column("note"),
    ]
    row = len(months) + 3
    _title(ws, row, "Totals")
    _header(ws, total_columns, row + 1)
    row = _rows_at(ws, row + 2, total_columns, totals)

    restatements = history.get("restatements") or []
    restatement_columns = [
        Column("month"), Column("old_version", INTEGER), Column("new_version", INTEGER),
        Column("old_tco2e", TCO2E), Column("new_tco2e", TCO2E), Column("difference_tco2e", TCO2E),
        Column("reason"),
    ]
    row += 1
    _title(ws, row, "Restatements")
    _header(ws, restatement_columns, row + 1)
    _rows_at(ws, row + 2, restatement_columns, restatements)
    _finish(ws, filter_range=filter_range)
    notes = [
        "source: \"this report\" is this report's figure; \"closed (version N)\" is the month's "
        "current version in the history store; empty: no figure (neither in this report nor "
        "closed).",
        "A restatement keeps the old version: difference_tco2e = new_tco2e − old_tco2e.",
    ]
    _notes(ws, notes, None if restatements else "No restatements of the months shown.")


def _breakdown(ws: Worksheet, context: ReportContext) -> None:
    columns = [
        Column("dimension"), Column("key"), Column("energy_kwh", KWH),
        Column("location_based_tco2e", TCO2E), Column("energy_share", SHARE),
        Column("emissions_share", SHARE),
    ]
    rows = [
        {**row, "dimension": _dimension(name)}
        for name, block in context.breakdowns.items()
        for row in block
    ]
    _table(ws, columns, rows)
    _notes(
        ws,
        [
            "Each dimension splits the whole period's energy and location-based emissions; its "
            "shares add up to 100 %. \"(not recorded)\": line items without that value.",
            "scope: scope2 is own or colocated hardware (ESRS E1-5 energy), scope3_cat1 is cloud "
            "computing and data centre services (energy outside the organisation).",
            "tag: <key> splits by the cloud bills' tag of that key; grid location is the key of "
            "the grid factor used (Factors sheet).",
        ],
    )


DIMENSION_NAMES = {
    "location": "grid location",
    "source": "source format",
    "provider": "cloud provider",
    "service": "cloud service",
    "region": "cloud region",
    "account": "cloud sub-account",
    "category": "usage category",
}


def _dimension(name: str) -> str:
    """The Breakdown sheet's wording of a context breakdown name (`tag:team` reads `tag: team`)."""
    if name.startswith("tag:"):
        return f"tag: {name[4:]}"
    return DIMENSION_NAMES.get(name, name)


_LINE_ITEM_FORMATS = {
    "source_row": (INTEGER, "auto"),
    "start_time": (DATETIME, "datetime"),
    "end_time": (DATETIME, "datetime"),
    "duration_s": (SECONDS, "auto"),
    "energy_reported_kwh": (KWH, "auto"),
    "tracker_pue": (PUE, "auto"),
    "energy_it_kwh": (KWH, "auto"),
    "pue": (PUE, "auto"),
    "energy_kwh": (KWH, "auto"),
    "in_period_share": (SHARE, "auto"),
    "factor_g_per_kwh": (G_PER_KWH, "auto"),
    "location_based_co2e_kg": (KG, "auto"),
    "tracker_co2e_kg": (KG, "auto"),
    "location_based_tco2e": (TCO2E, "auto"),
    "energy_kwh_in_period": (KWH, "auto"),
    "location_based_tco2e_in_period": (TCO2E, "auto"),
    "row_count": (COUNT, "auto"),
    "consumed_quantity": (QUANTITY, "auto"),
    "billed_cost": (COST, "auto"),
    "energy_kwh_low": (KWH, "auto"),
    "energy_kwh_high": (KWH, "auto"),
    "embodied_co2e_kg": (KG, "auto"),
}


def _format_for(name: str) -> str:
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


def _line_items(ws: Worksheet, context: ReportContext) -> None:
    columns = [
        Column(name, *_LINE_ITEM_FORMATS.get(name, (_format_for(name), "auto"))) for name in LINE_ITEM_FIELDS
    ]
    _table(ws, columns, line_item_records(context.line_items))


UNCLASSIFIED_COLUMNS = (
    Column("estimate_status"), Column("cloud_provider"), Column("service_name"),
    Column("usage_type"), Column("consumed_unit"), Column("billing_currency"),
    Column("rows", COUNT), Column("quantity", QUANTITY), Column("cost", COST),
)


def _unclassified(ws: Worksheet, context: ReportContext) -> None:
    unclassified = context.unclassified or {}
    groups = unclassified.get("groups") or []
    columns = list(UNCLASSIFIED_COLUMNS)
    _header(ws, columns)
    _rows_at(ws, 2, columns, groups)
    filter_range = f"A1:{get_column_letter(len(columns))}{len(groups) + 1}"
    totals: list[tuple[str, Any, str, str | None]] = [
        ("line items", unclassified.get("line_items", 0), COUNT, "items"),
        ("bill rows", unclassified.get("rows", 0), COUNT, "rows"),
    ]
    totals += [
        ("cost", cost, COST, currency or None)
        for currency, cost in sorted((unclassified.get("cost_by_currency") or {}).items())
    ]
    row = len(groups) + 3
    _title(ws, row, "Totals")
    _header(ws, [Column("item"), Column("value"), Column("unit")], row + 1)
    for index, (item, value, fmt, unit) in enumerate(totals, start=row + 2):
        _put(ws.cell(index, 1), item)
        _put(ws.cell(index, 2), value, fmt)
        _put(ws.cell(index, 3), unit)
    _finish(ws, filter_range=filter_range)
    notes = [
        "Billed usage the energy model could not classify (unclassified) or does not estimate "
        "(unsupported: support, fees, licences, providers without a model): counted and shown "
        "here, never given a default energy. It adds no energy and no emissions to any total.",
        "One row per status, provider, service, usage type, unit and currency: rows are the bill "
        "rows, quantity is in consumed_unit and cost in billing_currency, as billed.",
    ]
    empty = "No unclassified usage: every billed line has an energy estimate, or there are no cloud bills."
    _notes(ws, notes, None if groups else empty)


def _factors(ws: Worksheet, context: ReportContext) -> None:
    columns = [
        Column("id"), Column("key"), Column("name"), Column("value", G_PER_KWH), Column("unit"),
        Column("year", INTEGER), Column("basis"), Column("source"), Column("source_detail"),
        Column("licence"), Column("energy_kwh", KWH), Column("location_based_tco2e", TCO2E),
    ]
    _table(ws, columns, context.factors)


def _pue(ws: Worksheet, context: ReportContext) -> None:
    columns = [
        Column("source_file"), Column("format"), Column("tracker_pue_min", PUE),
        Column("tracker_pue_max", PUE), Column("pue_applied_min", PUE),
        Column("pue_applied_max", PUE), Column("basis"), Column("energy_it_kwh", KWH),
        Column("energy_kwh", KWH),
    ]
    rows = []
    for row in context.pue:
        tracker, applied = row.get("tracker_pue") or [], row.get("pue_applied") or []
        rows.append(
            {
                **row,
                "tracker_pue_min": min(tracker, default=None),
                "tracker_pue_max": max(tracker, default=None),
                "pue_applied_min": min(applied, default=None),
                "pue_applied_max": max(applied, default=None),
            }
        )
    _table(ws, columns, rows)


def _inputs(ws: Worksheet, context: ReportContext) -> None:
    columns = [
        Column("path"), Column("format"), Column("status"), Column("origin"), Column("sha256"),
        Column("rows_read", COUNT), Column("rows_used", COUNT), Column("rows_excluded", COUNT),
        Column("notes"),
    ]
    rows: list[dict[str, Any]] = [
        {**ledger, "status": "read", "notes": "\n".join(ledger.get("notes") or []) or None}
        for ledger in context.inputs
    ]
    rows += [
        {"path": skipped["path"], "status": "skipped", "notes": skipped["reason"]}
        for skipped in context.skipped_files
    ]
    _table(ws, columns, rows)


def _exclusions(ws: Worksheet, context: ReportContext) -> None:
    columns = [
        Column("file"), Column("format"), Column("row", INTEGER), Column("rows", COUNT),
        Column("example_rows"), Column("reason"),
    ]
    rows: list[dict[str, Any]] = []
    for ledger in context.inputs:
        where = {"file": ledger["path"], "format": ledger["format"]}
        rows += [
            {**where, "row": exclusion["row"], "rows": 1, "reason": exclusion["reason"]}
            for exclusion in ledger.get("exclusions") or []
        ]
        for group in ledger.get("exclusion_groups") or []:
            examples = list(group.get("example_rows") or [])
            if group["rows"] == 1 and len(examples) == 1:  # a group of one row is a single row
                rows.append({**where, "row": examples[0], "rows": 1, "reason": group["reason"]})
            else:
                rows.append(
                    {
                        **where, "rows": group["rows"], "reason": group["reason"],
                        "example_rows": _example_rows(examples, group["rows"]),
                    }
                )
    _table(ws, columns, rows)
    _notes(
        ws,
        [
            "rows: how many data rows the reason leaves out. A single row has rows 1 and its "
            "number in row; a group of bill rows lists its first rows in example_rows.",
            "For each file, rows_read = rows_used + the sum of rows here (Inputs sheet).",
        ],
    )


def _example_rows(numbers: Sequence[int], total: int) -> str | None:
    """`rows 949, 950` or `rows 7, 17, 19 (first 3 of 6)`: text, never a bare number."""
    if not numbers:
        return None
    text = ("row " if len(numbers) == 1 else "rows ") + ", ".join(str(n) for n in numbers)
    return text if len(numbers) >= total else f"{text} (first {len(numbers)} of {total:,})"


def _quality(ws: Worksheet, context: ReportContext) -> None:
    quality = context.data_quality
    rows: list[dict[str, Any]] = [
        {"section": "rows", "item": "rows_read", "value": quality.get("rows_read"), "fmt": COUNT,
         "meaning": "data rows read from the input files"},
        {"section": "rows", "item": "rows_used", "value": quality.get("rows_used"), "fmt": COUNT,
         "meaning": "rows that became line items"},
        {"section": "rows", "item": "rows_excluded", "value": quality.get("rows_excluded"),
         "fmt": COUNT, "meaning": "rows left out, each with its reason on the Exclusions sheet"},
        {"section": "location", "item": "fallback_location_items",
         "value": quality.get("fallback_location_items"), "fmt": COUNT,
         "meaning": "line items whose location used the fallback grid factor"},
        {"section": "location", "item": "fallback_location_energy_kwh",
         "value": quality.get("fallback_location_energy_kwh"), "fmt": KWH,
         "meaning": "period energy (kWh) of those line items"},
    ]
    counts = quality.get("flag_counts") or {}
    for flag in [*FLAG_MEANINGS, *sorted(set(counts) - set(FLAG_MEANINGS))]:
        rows.append({"section": "flag (line items)", "item": flag, "value": counts.get(flag, 0),
                     "fmt": COUNT, "meaning": FLAG_MEANINGS.get(flag)})
    for section, shares, meanings in (
        ("method (share of energy)", quality.get("method_energy_share"), METHOD_MEANINGS),
        ("location status (share of energy)", quality.get("location_status_energy_share"),
         LOCATION_STATUS_MEANINGS),
    ):
        for key, share in (shares or {}).items():
            rows.append({"section": section, "item": key, "value": share, "fmt": SHARE,
                         "meaning": meanings.get(key)})
    columns = [Column("section"), Column("item"), Column("value"), Column("meaning")]
    _header(ws, columns)
    for index, row in enumerate(rows, start=2):
        _put(ws.cell(index, 1), row["section"])
        _put(ws.cell(index, 2), row["item"])
        _put(ws.cell(index, 3), row["value"], row["fmt"])
        _put(ws.cell(index, 4), row["meaning"])
    _finish(ws)


# --- cells ------------------------------------------------------------------------------------


def _table(ws: Worksheet, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> None:
    _header(ws, columns)
    _rows_at(ws, 2, columns, rows)
    _finish(ws)


def _rows_at(ws: Worksheet, first: int, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> int:
    """Write `rows` from row `first` on; return the row after the last one written."""
    index = first
    for row in rows:
        for number, column in enumerate(columns, start=1):
            value = row.get(column.name)
            if column.kind in ("date", "datetime"):
                value = _date(value) if column.kind == "date" else _datetime(value)
            _put(ws.cell(index, number), value, column.fmt)
        index += 1
    return index


def _header(ws: Worksheet, columns: Sequence[Column], row: int = 1) -> None:
    bold = Font(bold=True)
    for number, column in enumerate(columns, start=1):
        cell = ws.cell(row, number)
        _put(cell, column.name)
        cell.font = bold


def _title(ws: Worksheet, row: int, text: str) -> None:
    cell = ws.cell(row, 1)
    _put(cell, text)
    cell.font = Font(bold=True, size=12)


def _notes(ws: Worksheet, lines: Sequence[str], empty: str | None = None) -> None:
    """Notes below everything else, one blank row apart; written after the widths are set.
    `empty`, when given, first: what an empty table above means."""
    lines = [empty, *lines] if empty else list(lines)
    start = ws.max_row + 2
    italic = Font(italic=True)
    for index, line in enumerate(lines, start=start):
        cell = ws.cell(index, 1)
        _put(cell, line)
        cell.font = italic


def _put(cell: Any, value: Any, fmt: str = GENERAL) -> None:
    """Store one value with its proper type; strings are always literal text."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, int | float | datetime | date):
        cell.value = value
        if fmt != GENERAL:
            cell.number_format = fmt
        elif isinstance(value, datetime):
            cell.number_format = DATETIME
        elif isinstance(value, date):
            cell.number_format = DATE
    else:
        text = _ILLEGAL.sub("\ufffd", str(value))
        if len(text) > MAX_TEXT:
            text = text[: MAX_TEXT - 1] + "…"
        cell.value = text
        cell.data_type = "s"  # never a formula or an error code, whatever the text
        if text.startswith(_FORMULA_START):
            cell.quotePrefix = True  # Excel keeps it text even if the cell is edited
        if "\n" in text:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _finish(ws: Worksheet, *, filter_: bool = True, filter_range: str | None = None) -> None:
    ws.freeze_panes = "A2"
    if filter_range is not None:
        ws.auto_filter.ref = filter_range
    elif filter_ and ws.max_column:
        ws.auto_filter.ref = f"A1:{get_column_letter(ws.max_column)}{max(ws.max_row, 1)}"
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                length = _display_length(cell.value, cell.number_format)
                widths[cell.column] = max(widths.get(cell.column, 0), length)
    for number, width in widths.items():
        ws.column_dimensions[get_column_letter(number)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2)
        )


def _display_length(value: Any, fmt: str) -> int:
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


def _date(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return str(value)


def _datetime(value: Any) -> Any:
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


# --- file -------------------------------------------------------------------------------------


def _timestamp(context: ReportContext) -> datetime:
    end = _date(context.period.get("end"))
    return datetime.combine(end, time()) if isinstance(end, date) else datetime(2000, 1, 1)


def _properties(workbook: Workbook, context: ReportContext, stamp: datetime) -> None:
    name, label = context.organization.get("name", ""), context.period.get("label", "")
    props = workbook.properties
    props.title = _ILLEGAL.sub("\ufffd", f"AI energy and emissions report: {name}, {label}")
    props.subject = "AI energy use and location-based emissions"
    props.creator = "reporter"
    props.lastModifiedBy = "reporter"
    props.description = f"{context.tool.get('name')} {context.tool.get('version')}"
    props.keywords = "energy; emissions; AI; disclosure"
    props.created = stamp
    props.modified = stamp


def _save(workbook: Workbook, stamp: datetime) -> bytes:
    """The workbook's bytes: floats written exactly, every archive entry at one fixed time."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()  # unlike Workbook.save, keeps props.modified
    exact = {ws.path.lstrip("/"): _exact_floats(ws) for ws in workbook.worksheets}
    zip_time = max(min(stamp, datetime(2107, 12, 31)), datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if exact.get(info.filename):
                data = _with_exact_floats(data, exact[info.filename])
            entry = zipfile.ZipInfo(info.filename, date_time=zip_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return out.getvalue()


# openpyxl writes numbers with 16 significant digits ("%.16g"), which does not always give back
# the same double; Python's repr is the shortest text that does.
_NUMBER_CELL = re.compile(rb'(<c r="([A-Z]+[0-9]+)"[^>]*>)<v>([^<]*)</v>')


def _exact_floats(ws: Worksheet) -> dict[bytes, bytes]:
    return {
        cell.coordinate.encode(): repr(cell.value).encode()
        for row in ws.iter_rows()
        for cell in row
        if type(cell.value) is float and cell.data_type == "n"
    }


def _with_exact_floats(xml: bytes, exact: dict[bytes, bytes]) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        text = exact.get(match[2])
        return match[0] if text is None else match[1] + b"<v>" + text + b"</v>"

    return _NUMBER_CELL.sub(replace, xml)
