"""Overview sheets: Summary, Scopes and Data quality."""

from __future__ import annotations

from typing import Any

from reporter.glossary import FLAG_MEANINGS, LOCATION_STATUS_MEANINGS, METHOD_MEANINGS
from reporter.render.excel.cells import (
    COUNT,
    DATE,
    G_PER_KWH,
    GENERAL,
    KWH,
    MWH,
    PUE,
    SHARE,
    TCO2E,
    Column,
    Sheet,
    format_for,
    with_unknown_fields,
)
from reporter.render.excel.line_items import line_items_shown
from reporter.report import Report
from reporter.report.model import ScopeTotals
from reporter.units import KWH_PER_MWH

NOT_REPORTED = "not yet reported"
Row = tuple[str, Any, str, str, "str | None"]

RANGE_LOW = (
    "cloud estimates at low utilisation and low coefficients; measured energy at its measured "
    "value"
)
RANGE_HIGH = (
    "cloud estimates at high utilisation and high coefficients; measured energy at its measured "
    "value"
)


def summary(sheet: Sheet, report: Report) -> None:
    rows = [*_figure_rows(report), *_count_rows(report), *_method_rows(report)]
    columns = [Column("item"), Column("value"), Column("unit"), Column("note")]
    sheet.header(columns)
    for index, (item, value, fmt, unit, note) in enumerate(rows, start=2):
        sheet.put(index, 1, sheet.tr(item))  # labels and notes in the report's language (reporter.i18n)
        sheet.put(index, 2, value, fmt)
        sheet.put(index, 3, unit or None)
        sheet.put(index, 4, sheet.tr(note) if note else None)
    sheet.finish(filter_=False)


def _figure_rows(report: Report) -> list[Row]:
    totals = report.totals
    energy = totals.energy_kwh
    market = totals.market_based_tco2e
    tracker = totals.tracker_reported_tco2e
    return [
        ("Organisation", report.organization.name, GENERAL, "", None),
        ("Period", report.period.label, GENERAL, "", None),
        ("Period start", report.period.start, DATE, "", None),
        ("Period end", report.period.end, DATE, "", None),
        ("Energy (kWh)", energy, KWH, "kWh", "facility energy: IT energy × PUE"),
        ("Energy (MWh)", energy / KWH_PER_MWH, MWH, "MWh", None),
        ("Energy, low end of range (kWh)", totals.energy_kwh_low, KWH, "kWh", RANGE_LOW),
        ("Energy, high end of range (kWh)", totals.energy_kwh_high, KWH, "kWh", RANGE_HIGH),
        (
            "Own-operations energy, Scope 2 (kWh)", totals.own_operations_energy_kwh, KWH,
            "kWh", "own or colocated hardware: the ESRS E1-5 energy (in MWh on the Filing ESRS E1 sheet)",
        ),
        (
            "Cloud energy, Scope 3 category 1 (kWh)", totals.cloud_energy_kwh, KWH, "kWh",
            "cloud computing and data centre services: energy outside the organisation, not part "
            "of ESRS E1-5",
        ),
        ("Location-based emissions", totals.location_based_tco2e, TCO2E, "tCO2e", None),
        (
            "Location-based emissions, low end of range", totals.location_based_tco2e_low,
            TCO2E, "tCO2e", RANGE_LOW,
        ),
        (
            "Location-based emissions, high end of range", totals.location_based_tco2e_high,
            TCO2E, "tCO2e", RANGE_HIGH,
        ),
        (
            "Embodied emissions (separate)", totals.embodied_tco2e, TCO2E, "tCO2e",
            "hardware manufacturing share of the cloud usage: shown separately, not added to the "
            "energy or to the location-based emissions",
        ),
        (
            "Market-based emissions, Scope 2", market, TCO2E, "tCO2e",
            NOT_REPORTED if market is None else
            "own operations at market-based rates: instruments, supplier rate, residual mix, else the "
            "location factor (flagged); see the Instruments sheet",
        ),
        (
            "Scope 2 energy covered by instruments", totals.instrument_coverage_share, SHARE, "",
            f"{totals.instrument_covered_kwh:,.1f} kWh covered by energy attribute certificates and contracts",
        ),
        (
            "Scope 2 energy at the location factor (market-based fallback)", totals.market_fallback_energy_kwh,
            KWH, "kWh", "no supplier rate or residual mix for its market: flagged market_fallback_location",
        ),
        (
            "Trackers' own emissions (comparison only)", tracker, TCO2E, "tCO2e",
            "no tracker figure for the line items" if tracker is None else
            "sum of the trackers' own figures; not used in the totals",
        ),
    ]


def _count_rows(report: Report) -> list[Row]:
    totals, quality, unclassified = report.totals, report.data_quality, report.unclassified
    shown, why = line_items_shown(report)
    return [
        ("Line items", totals.line_items, COUNT, "items", "tracker runs and bill lines"),
        (
            "Unclassified bill rows", unclassified.rows, COUNT, "rows",
            "billed usage without an energy estimate: counted and shown on the Unclassified "
            "sheet, never given a default energy",
        ),
        ("Lineage file", report.lineage.name, GENERAL, "", "every line item with its input file, first row and "
         f"row count (sha256 {report.lineage.sha256})"),
        ("Line items sheet", shown, GENERAL, "", why),
        ("Rows read", quality.rows_read, COUNT, "rows", None),
        ("Rows used", quality.rows_used, COUNT, "rows", None),
        ("Rows excluded", quality.rows_excluded, COUNT, "rows", "see the Exclusions sheet"),
        ("Files skipped", len(report.skipped_files), COUNT, "files", "see the Inputs sheet"),
    ]


def _method_rows(report: Report) -> list[Row]:
    quality, methodology = report.data_quality, report.methodology
    energy = bool(quality.method_energy_share)
    no_energy = None if energy else "no energy in the period"
    facility_pue = methodology.facility_pue
    rows: list[Row] = [
        ("Measured share", quality.measured_share if energy else None, SHARE, "of energy", no_energy),
        (
            "Fallback-location share", quality.fallback_share if energy else None, SHARE,
            "of energy", no_energy or "energy whose location used the fallback grid factor",
        ),
        (
            "Facility PUE", facility_pue, PUE, "",
            "not set: each tracker's own PUE applies" if facility_pue is None else
            "replaces every tracker's PUE",
        ),
        ("Fallback factor", methodology.fallback_factor_key, GENERAL, "", None),
        ("Month assignment", methodology.month_assignment, GENERAL, "", None),
        ("Timestamps", methodology.timestamps, GENERAL, "", None),
    ]
    for key, value in sorted(methodology.overrides.items()):
        rows.append((f"Factor override {key}", value, G_PER_KWH, "gCO2e/kWh", "from configuration"))
    rows += [
        ("Tool", report.tool.name, GENERAL, "", None),
        ("Tool version", report.tool.version, GENERAL, "", None),
    ]
    return rows


SCOPE_COLUMNS = (
    Column("scope"), Column("label"), Column("energy_kwh", KWH), Column("energy_kwh_low", KWH),
    Column("energy_kwh_high", KWH), Column("location_based_tco2e", TCO2E),
    Column("location_based_tco2e_low", TCO2E), Column("location_based_tco2e_high", TCO2E),
    Column("embodied_tco2e", TCO2E), Column("line_items", COUNT),
)


def scopes(sheet: Sheet, report: Report) -> None:
    columns = with_unknown_fields(SCOPE_COLUMNS, ScopeTotals, format_for)
    sheet.table(columns, report.by_scope)
    sheet.notes(
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


def data_quality(sheet: Sheet, report: Report) -> None:
    quality = report.data_quality
    rows: list[dict[str, Any]] = [
        {"section": "rows", "item": "rows_read", "value": quality.rows_read, "fmt": COUNT,
         "meaning": "data rows read from the input files"},
        {"section": "rows", "item": "rows_used", "value": quality.rows_used, "fmt": COUNT,
         "meaning": "rows that became line items"},
        {"section": "rows", "item": "rows_excluded", "value": quality.rows_excluded,
         "fmt": COUNT, "meaning": "rows left out, grouped by reason on the Exclusions sheet"},
        {"section": "location", "item": "fallback_location_items",
         "value": quality.fallback_location_items, "fmt": COUNT,
         "meaning": "line items whose location used the fallback grid factor"},
        {"section": "location", "item": "fallback_location_energy_kwh",
         "value": quality.fallback_location_energy_kwh, "fmt": KWH,
         "meaning": "period energy (kWh) of those line items"},
        {"section": "emissions", "item": "provider_reported_share", "value": quality.provider_reported_share,
         "fmt": SHARE, "meaning": "share of the period's energy whose emissions are a provider's own figure "
         "(its carbon export, [cloud] emissions_source = \"provider\")"},
    ]
    for flag in [*FLAG_MEANINGS, *sorted(set(quality.flag_counts) - set(FLAG_MEANINGS))]:
        rows.append({"section": "flag (line items)", "item": flag, "value": quality.flag_count(flag),
                     "fmt": COUNT, "meaning": FLAG_MEANINGS.get(flag)})
    for flag, kwh in quality.flag_energy_kwh.items():
        rows.append({"section": "flag (period energy, kWh)", "item": flag, "value": kwh, "fmt": KWH,
                     "meaning": "period energy of the line items carrying the flag"})
    for section, shares, meanings in (
        ("method (share of energy)", quality.method_energy_share, METHOD_MEANINGS),
        ("location status (share of energy)", quality.location_status_energy_share,
         LOCATION_STATUS_MEANINGS),
    ):
        for key, share in shares.items():
            rows.append({"section": section, "item": key, "value": share, "fmt": SHARE,
                         "meaning": meanings.get(key)})
    columns = [Column("section"), Column("item"), Column("value"), Column("meaning")]
    sheet.header(columns)
    for index, row in enumerate(rows, start=2):
        sheet.put(index, 1, row["section"])
        sheet.put(index, 2, row["item"])
        sheet.put(index, 3, row["value"], row["fmt"])
        sheet.put(index, 4, sheet.tr(row["meaning"]) if row["meaning"] else None)
    sheet.finish()
    sheet.notes(quality.notes)
