"""The workbook's filing sheets: Datapoints (every framework, long format), one sheet per framework,
and native charts on the Summary sheet (monthly emissions against the target pathway; the scope
split) drawn from the Chart data sheet.

Values are numeric cells at full precision; the "paste value" column is text in the framework's
own format (reporter.filing.datapoints.paste_value: CDP at most 2 decimals, no separators).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reporter.core.attribute import SCOPE2, SCOPE3_CLOUD
from reporter.filing.datapoints import DatapointRow, boundary_statement, datapoint_rows, load_mapping, paste_value
from reporter.render.excel import overview
from reporter.render.excel.cells import GENERAL, TCO2E, Column, Sheet
from reporter.report import Report

CHART_DATA = "Chart data"
FRAMEWORK_SHEETS = {
    "ESRS E1": "Filing ESRS E1", "VSME": "Filing VSME", "GRI": "Filing GRI", "CDP": "Filing CDP",
    "IFRS S2": "Filing IFRS S2",
}
LONG_COLUMNS = (
    "framework", "id", "element", "value", "unit", "period_start", "period_end", "entity", "boundary", "method",
    "status", "dimensions", "source", "note",
)
FRAMEWORK_COLUMNS = (
    "id", "paragraph", "label", "element", "value", "unit", "period", "boundary", "method", "source",
    "paste_value", "status", "dimensions", "note",
)
VALUE_FORMAT = "0.000000###"


def _cells(row: DatapointRow) -> dict[str, Any]:
    period = f"{row.period_start} to {row.period_end}" if row.period_start else ""
    return {
        "framework": row.framework, "id": row.id, "paragraph": row.paragraph, "label": row.label,
        "element": row.element, "value": row.value, "unit": row.unit, "period_start": row.period_start,
        "period_end": row.period_end, "period": period, "entity": row.entity, "boundary": row.boundary,
        "method": row.method, "source": row.source, "paste_value": paste_value(row), "status": row.status,
        "dimensions": row.dimension_text, "note": row.note,
    }


def _write(sheet: Sheet, names: tuple[str, ...], rows: tuple[DatapointRow, ...], notes: list[str]) -> None:
    columns = [Column(name, VALUE_FORMAT if name == "value" else GENERAL,
                      "date" if name.startswith("period_") else "auto") for name in names]
    # the labels in the report's language; everything else as in the datapoint file
    sheet.table(columns, [{**_cells(row), "label": sheet.tr(row.label)} for row in rows])
    sheet.notes(notes)


def datapoints(sheet: Sheet, report: Report) -> None:
    rows = datapoint_rows(report)
    _write(sheet, LONG_COLUMNS, rows, [
        boundary_statement(report, sheet.tr),
        "One row per datapoint of every framework, as in the <stem>.datapoints.csv file; values at full "
        "precision. status: reported; not_reported (the note says which figure is missing); not_applicable "
        "(the note says why the datapoint does not apply).",
    ])


def framework_sheet(framework: str) -> Callable[[Sheet, Report], None]:
    def build(sheet: Sheet, report: Report) -> None:
        rows = datapoint_rows(report, framework)
        title = load_mapping().frameworks[framework]
        paste = (
            "paste_value: the value as CDP's form takes it (at most 2 decimals, no thousands separators)."
            if framework == "CDP" else
            "paste_value: the value as plain text at full precision (no exponent, no thousands separators)."
        )
        _write(sheet, FRAMEWORK_COLUMNS, rows, [title, boundary_statement(report, sheet.tr), paste])

    return build


def chart_data(sheet: Sheet, report: Report) -> None:
    """The figures the Summary charts draw: per month, and per scope."""
    target = next((t for t in report.targets if t.pathway_tco2e is not None), None)
    months = len(report.by_month)
    pathway = target.pathway_tco2e / months if target and target.pathway_tco2e is not None and months else None
    columns = [Column("month"), Column("location_based_tco2e", TCO2E), Column("market_based_tco2e", TCO2E),
               Column("pathway_tco2e", TCO2E)]
    rows = [{"month": m.month, "location_based_tco2e": m.location_based_tco2e,
             "market_based_tco2e": m.market_based_tco2e, "pathway_tco2e": pathway} for m in report.by_month]
    sheet.header(columns)
    end = sheet.rows_at(2, columns, rows)
    scope_row = end + 1
    sheet.put(scope_row, 1, "scope", style="b")
    sheet.put(scope_row, 2, "location_based_tco2e", style="b")
    for offset, name in enumerate((SCOPE2, SCOPE3_CLOUD), start=1):
        scope = report.scope(name)
        sheet.put(scope_row + offset, 1, scope.label)
        sheet.put(scope_row + offset, 2, scope.location_based_tco2e, TCO2E)
    sheet.finish(filter_range=(end - 1, len(columns)))
    sheet.notes([
        "Monthly figures from the Monthly sheet; pathway_tco2e: the first target's pathway for the report "
        "period" + (f" ('{target.name}')" if target else " (no target with a pathway)")
        + " spread evenly over its months. Scope rows: the Scopes sheet.",
    ])


def summary_with_charts(sheet: Sheet, report: Report) -> None:
    """The Summary sheet, with a line chart of monthly emissions against the pathway and a pie of
    the location-based emissions by scope (XlsxWriter native charts on the Chart data sheet)."""
    overview.summary(sheet, report)
    months = len(report.by_month)
    if months == 0:
        return
    workbook = sheet.styles.workbook
    line = workbook.add_chart({"type": "line"})
    for col, name in ((1, "Location-based"), (2, "Market-based"), (3, "Target pathway")):
        line.add_series({
            "name": f"{name} tCO2e",
            "categories": [CHART_DATA, 1, 0, months, 0],
            "values": [CHART_DATA, 1, col, months, col],
            "marker": {"type": "circle"},
        })
    line.set_title({"name": "Monthly emissions against the target pathway"})
    line.set_y_axis({"name": "tCO2e"})
    sheet.ws.insert_chart(1, 5, line, {"x_scale": 1.4, "y_scale": 1.2})
    pie = workbook.add_chart({"type": "pie"})
    first = months + 2  # 0-based: the scope header row, then Scope 2 and Scope 3 category 1
    pie.add_series({
        "name": "Location-based emissions by scope",
        "categories": [CHART_DATA, first + 1, 0, first + 2, 0],
        "values": [CHART_DATA, first + 1, 1, first + 2, 1],
        "data_labels": {"percentage": True},
    })
    pie.set_title({"name": "Scope split (location-based)"})
    sheet.ws.insert_chart(20, 5, pie, {"x_scale": 1.4, "y_scale": 1.2})


FILING_BUILDERS: dict[str, Callable[[Sheet, Report], None]] = {
    "Datapoints": datapoints,
    **{title: framework_sheet(framework) for framework, title in FRAMEWORK_SHEETS.items()},
}
