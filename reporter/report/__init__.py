"""The report: one typed, frozen model of every figure, built once from the pipeline's result.

`build_report(result, history)` is the only stage that computes: totals, scopes, months, bounded
breakdowns, the inputs ledger, factors, PUE, data quality, targets and pathways, credits, the
history store's view, year to date and the line items. Renderers (reporter.render) lay it out.
"""

from reporter.report.build import build_report
from reporter.report.model import OutputOptions, Report

__all__ = ["OutputOptions", "Report", "build_report"]
