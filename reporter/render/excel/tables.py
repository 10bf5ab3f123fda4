"""Tables of aggregates: Monthly, Breakdown, Unclassified, Factors and PUE."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from reporter.render.excel.cells import (
    COST,
    COUNT,
    G_PER_KWH,
    INTEGER,
    KWH,
    MWH,
    PERCENT_POINTS,
    PUE,
    QUANTITY,
    SHARE,
    TCO2E,
    Column,
    Sheet,
)
from reporter.report import Report
from reporter.report.bounds import OTHER_GROUPS, OTHER_KEYS

MARKET_NOTE = (
    "market_based_tco2e: Scope 2 at market-based rates (instruments, supplier rate, residual mix; "
    "the location factor where none is given, flagged market_fallback_location) plus cloud usage "
    "(Scope 3 category 1) at its location-based estimate, flagged the same way, or at the provider's "
    "market-based figure where [cloud] emissions_source = \"provider\" reports it (Provider reported sheet)."
)


def monthly(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("month"), Column("energy_kwh", KWH), Column("location_based_tco2e", TCO2E),
        Column("market_based_tco2e", TCO2E),
    ]
    sheet.table(columns, report.by_month)


def breakdown(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("dimension"), Column("key"), Column("energy_kwh", KWH),
        Column("location_based_tco2e", TCO2E), Column("energy_share", SHARE),
        Column("emissions_share", SHARE), Column("market_based_tco2e", TCO2E),
    ]
    rows = [
        {**asdict(row), "dimension": _dimension(name)}
        for name, block in report.breakdowns.items()
        for row in block
    ]
    sheet.table(columns, rows)
    cut = [
        f"{_dimension(name)}: the {count.shown:,} keys with the largest emissions, then "
        f"{count.in_other_row:,} others summed in \"{OTHER_KEYS}\" ({count.total:,} keys in all)."
        for name, count in report.limits.breakdowns_cut.items()
    ]
    sheet.notes(
        [
            "Each dimension splits the whole period's energy and location-based emissions; its "
            "shares add up to 100 %. \"(not recorded)\": line items without that value.",
            *cut,
            "scope: scope2 is own or colocated hardware (ESRS E1-5 energy), scope3_cat1 is cloud "
            "computing and data centre services (energy outside the organisation).",
            "tag: <key> splits by the cloud bills' tag of that key; grid location is the key of "
            "the grid factor used (Factors sheet).",
            MARKET_NOTE,
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
    """The Breakdown sheet's wording of a report breakdown name (`tag:team` reads `tag: team`)."""
    if name.startswith("tag:"):
        return f"tag: {name[4:]}"
    return DIMENSION_NAMES.get(name, name)


UNCLASSIFIED_COLUMNS = (
    Column("estimate_status"), Column("cloud_provider"), Column("service_name"),
    Column("usage_type"), Column("consumed_unit"), Column("billing_currency"),
    Column("rows", COUNT), Column("quantity", QUANTITY), Column("cost", COST),
)


def unclassified(sheet: Sheet, report: Report) -> None:
    unclassified = report.unclassified
    groups = unclassified.groups
    columns = list(UNCLASSIFIED_COLUMNS)
    sheet.header(columns)
    sheet.rows_at(2, columns, groups)
    filter_range = (len(groups) + 1, len(columns))
    totals: list[tuple[str, Any, str, str | None]] = [
        ("line items", unclassified.line_items, COUNT, "items"),
        ("bill rows", unclassified.rows, COUNT, "rows"),
    ]
    totals += [
        ("cost", cost, COST, currency or None) for currency, cost in sorted(unclassified.cost_by_currency.items())
    ]
    row = len(groups) + 3
    sheet.title(row, "Totals")
    sheet.header([Column("item"), Column("value"), Column("unit")], row + 1)
    for index, (item, value, fmt, unit) in enumerate(totals, start=row + 2):
        sheet.put(index, 1, item)
        sheet.put(index, 2, value, fmt)
        sheet.put(index, 3, unit)
    sheet.finish(filter_range=filter_range)
    notes = [
        "Billed usage the energy model could not classify (unclassified) or does not estimate "
        "(unsupported: support, fees, licences, providers without a model): counted and shown "
        "here, never given a default energy. It adds no energy and no emissions to any total.",
        "One row per status, provider, service, usage type, unit and currency: rows are the bill "
        "rows, quantity is in consumed_unit and cost in billing_currency, as billed.",
    ]
    cut = report.limits.unclassified_cut
    if cut:
        notes.append(
            f"The {cut.shown:,} groups with the largest cost are listed; the other "
            f"{cut.in_other_row:,} are one row \"{OTHER_GROUPS}\" with their bill rows (their "
            "quantities and costs are in different units and currencies; the totals cover them)."
        )
    empty = "No unclassified usage: every billed line has an energy estimate, or there are no cloud bills."
    sheet.notes(notes, None if groups else empty)


def factors(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("id"), Column("key"), Column("name"), Column("value", G_PER_KWH), Column("unit"),
        Column("year", INTEGER), Column("basis"), Column("source"), Column("source_detail"),
        Column("licence"), Column("energy_kwh", KWH), Column("location_based_tco2e", TCO2E),
        Column("market_based_tco2e", TCO2E),
    ]
    sheet.table(columns, [*report.factors, *market_rate_rows(report)])
    if report.market_rates:
        sheet.notes([MARKET_RATES_NOTE])


MARKET_RATES_NOTE = (
    "Rows with basis supplier_rate or residual_mix are the market-based Scope 2 rates: year and source are "
    "the rate's own, as the configuration or workbook states them (year empty: not stated; source, when "
    "not stated, is the configuration key or workbook cell that gives the rate); source_detail names that "
    "key or cell and the consumption year the rate priced (the id's last part); energy_kwh is the Scope 2 "
    "energy not covered by instruments that it priced. Location factors carry no market-based figure here."
)


def market_rate_rows(report: Report) -> list[dict[str, object]]:
    """The supplier rates and residual mixes used, laid out as rows of the factor table."""
    names = {"supplier_rate": "supplier rate", "residual_mix": "residual mix"}
    return [
        {
            "id": f"{rate.basis}:{rate.key}:{rate.year}", "key": rate.key,
            "name": f"{names.get(rate.basis, rate.basis)} (market-based)", "value": rate.value,
            "unit": rate.unit, "year": rate.data_year, "basis": rate.basis, "source": rate.source or rate.origin,
            "source_detail": f"{rate.origin}; applied to {rate.year} consumption not covered by instruments",
            "licence": "", "energy_kwh": rate.energy_kwh, "location_based_tco2e": None,
            "market_based_tco2e": rate.market_based_tco2e,
        }
        for rate in report.market_rates
    ]


def pue(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("source_file"), Column("format"), Column("tracker_pue_min", PUE),
        Column("tracker_pue_max", PUE), Column("pue_applied_min", PUE),
        Column("pue_applied_max", PUE), Column("basis"), Column("energy_it_kwh", KWH),
        Column("energy_kwh", KWH),
    ]
    rows = []
    for row in report.pue:
        tracker, applied = row.tracker_pue, row.pue_applied
        rows.append(
            {
                **asdict(row),
                "tracker_pue_min": min(tracker, default=None),
                "tracker_pue_max": max(tracker, default=None),
                "pue_applied_min": min(applied, default=None),
                "pue_applied_max": max(applied, default=None),
            }
        )
    sheet.table(columns, rows)


def instruments(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("certificate_id"), Column("type"), Column("region"), Column("vintage", INTEGER),
        Column("mwh", MWH), Column("mwh_applied", MWH), Column("status"), Column("reason"),
        Column("supplier"), Column("bundled"),
    ]
    sheet.table(columns, report.instruments)
    totals = report.totals
    sheet.notes(
        [
            "Energy attribute certificates and contracts from the configuration ([[instruments]]). "
            "Per market and consumption year, the valid instruments cover at most that year's Scope 2 "
            "energy there; a surplus stays unused and is never moved to another market.",
            f"Scope 2 energy covered: {totals.instrument_covered_kwh:,.1f} kWh "
            f"({totals.instrument_coverage_share:.1%}); priced at the location factor for want of a "
            f"supplier rate or residual mix: {totals.market_fallback_energy_kwh:,.1f} kWh.",
            *(
                [f"Additional figure, monthly matching (instruments with generation dates, matched "
                 f"to consumption month by month): {totals.monthly_matched_coverage_share:.1%} of "
                 "Scope 2 energy."]
                if totals.monthly_matched_coverage_share is not None else []
            ),
            *(
                [f"Additional figure, hourly matching (instruments with generation dates, counted only "
                 f"in the hours they were generated, spread evenly over their days; consumption spread "
                 f"evenly over each line item's start..end): {totals.hourly_matched_coverage_share:.1%} "
                 f"of Scope 2 energy ({totals.hourly_resolved_energy_kwh:,.1f} kWh of it is measured by "
                 "trackers or power logs with start and end times; the rest, such as meter readings over "
                 "billing periods, cannot be matched by the hour). Neither additional figure replaces the "
                 "annual rule above."]
                if totals.hourly_matched_coverage_share is not None else []
            ),
        ],
        empty=None if report.instruments else (
            "No instruments are given in the configuration: market-based Scope 2 uses supplier "
            "rates and residual mixes where given, else the location factors (flagged)."
        ),
    )


def provider_figures(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("provider"), Column("month"), Column("account"), Column("region"), Column("service"),
        Column("estimate_energy_kwh", KWH), Column("estimate_tco2e", TCO2E),
        Column("estimate_embodied_tco2e", TCO2E), Column("provider_location_tco2e", TCO2E),
        Column("provider_market_tco2e", TCO2E), Column("provider_total_tco2e", TCO2E),
        Column("provider_basis"), Column("difference_pct", PERCENT_POINTS), Column("model_version"),
        Column("provider_rows", COUNT), Column("source_file"), Column("source_rows"),
    ]
    sheet.table(columns, report.provider_comparison)
    sheet.notes(
        [
            "Each cloud provider's own carbon figures (its carbon export) beside this report's estimate "
            "for the same provider, month, account, region and service (as far as the export gives them; "
            "where it names no service, service is empty and services are summed). difference_pct: "
            "(estimate - provider) / provider x 100, against the provider's location-based figure, else its "
            "total (provider_basis says what that is).",
            "Provider totals may include their Scope 1 and Scope 3 shares (buildings, hardware); the "
            "estimate is operational electricity, with embodied emissions beside it.",
        ],
        empty=None if report.provider_comparison else "No provider carbon export was given.",
    )


def links(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("tracker_project"), Column("resource"), Column("month"), Column("tracker_runs", COUNT),
        Column("bill_lines", COUNT), Column("run_hours", QUANTITY), Column("billed_hours", QUANTITY),
        Column("covered_share", SHARE), Column("measured_kwh", KWH), Column("estimated_kwh_replaced", KWH),
        Column("note"), Column("method"),
    ]
    sheet.table(columns, report.links)
    sheet.notes(
        [
            "Tracker runs measured on billed cloud machines ([[links]]). Per link and month, the runs' "
            "hours cover a share of the linked bill lines' instance-hours; that share of the estimate is "
            "replaced by the runs' measured IT energy x the provider's PUE, so nothing counts twice.",
            "A link whose method is automatic was made without configuration: the host of the measurements is "
            "the resource id of the bill lines (runs and lines a configured link names are never linked again).",
        ],
        empty=None if report.links else "No links are configured: tracker runs and bill lines are counted apart.",
    )
