"""The PDF's filing-datapoints section: the boundary statement and one compact row per datapoint of
every framework (framework, id, label, value, unit), the rows of the datapoint file
(reporter.filing). Labels, units and the statement are shown in the report's language."""

from __future__ import annotations

from typing import Any

from reporter.filing.datapoints import NOT_APPLICABLE, REPORTED, DatapointRow, boundary_statement, datapoint_rows
from reporter.i18n import N_, Language
from reporter.render import formatting
from reporter.report import Report

STATUS_TEXT = {NOT_APPLICABLE: N_("not applicable"), "not_reported": N_("not reported")}
UNIT_TEXT = {"pure": "", "year": ""}  # a share is shown as a percentage, a year alone


def datapoint_value(row: DatapointRow) -> str:
    """The value as the PDF shows it: a share as a percentage, a year whole, others to 3 significant figures."""
    if row.value is None:
        return ""
    value = float(row.value)
    if row.unit == "pure":
        return formatting.percent(value)
    if row.unit == "year":
        return str(int(value))
    if row.unit == "EUR":
        return formatting.integer(value)
    return formatting.number(value, sig=3, min_decimals=1)


def datapoints_view(report: Report, lang: Language) -> dict[str, Any]:
    """The boundary statement and each datapoint's row for the PDF."""
    rows = []
    for row in datapoint_rows(report):
        reported = row.status == REPORTED
        rows.append(
            {
                "framework": row.framework, "id": row.id, "label": lang.gettext(row.label),
                "value": datapoint_value(row) if reported else lang.gettext(STATUS_TEXT.get(row.status, row.status)),
                "unit": UNIT_TEXT.get(row.unit, row.unit) if reported else "", "reported": reported,
            }
        )
    return {"boundary": boundary_statement(report, lang.gettext), "rows": rows}
