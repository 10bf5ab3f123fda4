"""The Provider reported sheet: each provider figure and its use, model versions, months to restate."""

from __future__ import annotations

from reporter.render.excel.cells import COUNT, INTEGER, TCO2E, Column, Sheet
from reporter.report import Report

FIGURE_COLUMNS = (
    Column("provider"), Column("month"), Column("account"), Column("region"), Column("service"),
    Column("provider_location_tco2e", TCO2E), Column("provider_market_tco2e", TCO2E), Column("basis"),
    Column("estimate_tco2e", TCO2E), Column("allocated_tco2e", TCO2E), Column("unallocated_tco2e", TCO2E),
    Column("line_items", COUNT), Column("status"), Column("reason"), Column("model_version"),
    Column("source_file"), Column("source_rows"),
)
VERSION_COLUMNS = (Column("provider"), Column("month"), Column("model_version"), Column("source"))
RESTATE_COLUMNS = (
    Column("provider"), Column("month"), Column("closed_version", INTEGER), Column("model_version"),
    Column("later_month"), Column("later_model_version"), Column("reason"),
)


def provider_reported(sheet: Sheet, report: Report) -> None:
    part = report.provider_reported
    figures = part.figures if part else ()
    sheet.header(FIGURE_COLUMNS)
    row = sheet.rows_at(2, FIGURE_COLUMNS, figures)
    filter_range = (len(figures) + 1, len(FIGURE_COLUMNS))
    versions = part.model_versions if part else ()
    sheet.title(row + 1, "Provider carbon model versions")
    sheet.header(VERSION_COLUMNS, row + 2)
    row = sheet.rows_at(row + 3, VERSION_COLUMNS, versions)
    sheet.title(row + 1, "Closed months to restate")
    sheet.header(RESTATE_COLUMNS, row + 2)
    sheet.rows_at(row + 3, RESTATE_COLUMNS, part.restate if part else ())
    sheet.finish(filter_range=filter_range)
    if part is None:
        sheet.notes([], "No provider carbon export was given.")
        return
    if part.emissions_source == "provider":
        lines = [
            "[cloud] emissions_source = \"provider\": where a provider figure covers a provider, month, account, "
            "region and service, it is the reported cloud emissions (method provider_reported), location- and "
            "market-based; elsewhere the estimate stays.",
            f"Allocation key: {part.allocation_key}. Each line item gets the provider figure x its estimate / "
            "the key's estimate, so the provider's figure is reported in full.",
            "status unallocated: no line item of ours shares the figure; it is reported in full as a row of its "
            "own (team, project and model \"(unallocated provider figure)\"), never dropped.",
            f"Provider figures {part.provider_location_tco2e:.6f} tCO2e location-based in all: "
            f"{part.allocated_tco2e:.6f} allocated (replacing an estimate of {part.replaced_estimate_tco2e:.6f}), "
            f"{part.unallocated_tco2e:.6f} unallocated.",
        ]
    else:
        lines = [
            "[cloud] emissions_source = \"estimate\": the report's cloud emissions are its own estimate; the "
            "providers' figures are compared on the Provider figures sheet.",
        ]
    lines += [
        part.energy_note,
        "Model versions: the provider's carbon model of each month's figures, this report's and the closed "
        "months'. A closed month whose model differs from a later month's is listed to restate.",
    ]
    sheet.notes(lines, None if figures else "No provider figure is reported in place of the estimate.")
