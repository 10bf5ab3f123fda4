"""Excel output: the report model laid out as a workbook a sustainability team can file.

Every figure is a typed numeric cell at full precision (each float is stored as its shortest
exact text, so it reads back as the same double); number formats only change how it is
displayed. Dates are real date cells. Text from input files is always stored as a literal string,
never as a formula (a project named `=HYPERLINK(...)` shows as that text). The workbook is
written row by row (XlsxWriter's constant-memory mode), so its memory does not grow with the
bill; the Line items sheet lists at most `line_items.LINE_ITEM_ROWS` line items one by one and
groups them above that (every line item is in the lineage file). The file is deterministic: its document
timestamps come from the period end and the archive entries carry a fixed time, so the same
inputs give the same bytes.

Shares (Breakdown, Summary, Data quality) are fractions shown with Excel's percent format. The
targets' `*_pct` fields keep the model's percent units (42.0 is 42 %) and are shown with a
literal % sign (`0.00"%"`); the Targets sheet says so in a note. Notes sit below a sheet's table,
one blank row apart, outside its filter.

Energy is split by scope: Scope 2 (own or colocated hardware) is the organisation's own-operations
energy, the ESRS E1-5 figure; Scope 3 category 1 (cloud computing and data centre services) is
energy outside the organisation. Embodied emissions are always shown on their own, never added to
an energy or location-based figure. The Datapoints and Filing sheets list every datapoint of each
framework (ESRS E1 under its EFRAG taxonomy element names; reporter.filing), and the Summary
sheet's charts draw on Chart data.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from pathlib import Path

from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.workbook import Workbook

from reporter.errors import RenderError
from reporter.filing import sheets as filing
from reporter.i18n import language
from reporter.render.excel import ledger, line_items, models, overview, progress, provider, tables
from reporter.render.excel.cells import ILLEGAL, Sheet, Styles
from reporter.report import Report

__all__ = ["SHEETS", "render_xlsx"]

TITLE = "AI energy and emissions report"

BUILDERS: dict[str, Callable[[Sheet, Report], None]] = {
    "Summary": filing.summary_with_charts,
    "Scopes": overview.scopes,
    **filing.FILING_BUILDERS,
    "Monthly": tables.monthly,
    "Targets": progress.targets,
    "Pathways": progress.pathways,
    "Credits": progress.credits,
    "Instruments": tables.instruments,
    "Provider figures": tables.provider_figures,
    "Provider reported": provider.provider_reported,
    "Links": tables.links,
    "History": progress.history,
    "Breakdown": tables.breakdown,
    "Model energy": models.model_energy,
    "Line items": line_items.line_items,
    "Unclassified": tables.unclassified,
    "Factors": tables.factors,
    "PUE": tables.pue,
    "Inputs": ledger.inputs,
    "Exclusions": ledger.exclusions,
    "Data quality": overview.data_quality,
    filing.CHART_DATA: filing.chart_data,
}
SHEETS = tuple(BUILDERS)


def render_xlsx(report: Report, path: Path) -> Path:
    """Write the workbook for `report` to `path` and return `path`."""
    workbook = Workbook(str(path), {"constant_memory": True})
    styles = Styles(workbook)
    tr = language(report.output.lang).translate  # catalog texts and patterns (reporter.i18n)
    for title, build in BUILDERS.items():
        build(Sheet(workbook, title, styles, tr), report)
    workbook.set_properties(_properties(report))
    try:
        workbook.close()
    except FileCreateError as exc:
        raise RenderError(f"cannot write {path} ({exc})") from None
    return path


def _timestamp(report: Report) -> datetime:
    return datetime.combine(report.period.end, time())


def _properties(report: Report) -> dict[str, object]:
    name, label = report.organization.name, report.period.label
    return {
        "title": ILLEGAL.sub("\ufffd", f"{language(report.output.lang).gettext(TITLE)}: {name}, {label}"),
        "subject": "AI energy use and location-based emissions",
        "author": "reporter",
        "comments": f"{report.tool.name} {report.tool.version}",
        "keywords": "energy; emissions; AI; disclosure",
        "created": _timestamp(report),
    }
