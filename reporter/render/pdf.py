"""PDF output: the report model laid out as an A4 disclosure report.

HTML from a Jinja template (autoescaped, strict about undefined names), styled by one CSS file,
both shipped inside the package, then typeset by WeasyPrint. Nothing is fetched from the
network: the only fonts are the system's (DejaVu Sans), and any remote URL is refused.
Numbers are formatted only through `reporter.render.formatting`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from reporter.core.aggregate import UNASSIGNED
from reporter.core.attribute import SCOPE3_CLOUD
from reporter.core.provider_source import UNALLOCATED
from reporter.core.targets import NET_ZERO_MIN_PCT, SBTI_MIN_ANNUAL_PCT
from reporter.errors import RenderError
from reporter.glossary import (
    FLAG_MEANINGS,
    LOCATION_STATUS_LABELS,
    METHOD_LABELS,
    STATUS_LABELS,
    USAGE_CATEGORY_LABELS,
)
from reporter.i18n import Language, language
from reporter.render import charts, formatting
from reporter.render.pdf_files import TEMPLATE, base_url, offline_fetcher, own_templates, read_template
from reporter.render.pdf_filing import datapoints_view
from reporter.render.pdf_models import models_view, section_numbers
from reporter.render.pdf_page import KEEP_WORDS, keep_words, page_css
from reporter.render.pdf_text import breakable, clip
from reporter.report import Report
from reporter.report.bounds import OTHER_KEYS
from reporter.report.exclusions import examples_text
from reporter.report.model import BreakdownRow, ScopeTotals, TargetProgress, Totals
from reporter.report.progress import THIS_REPORT

STYLESHEET = "report.css"
TITLE = "AI energy and emissions report"

# (report breakdown, title, column header); `tag:<key>` breakdowns follow, titled "By tag: <key>".
BREAKDOWN_SECTIONS = [
    ("team", "By team", "Team"),
    ("project", "By project", "Project"),
    ("model", "By model", "Model"),
    ("country", "By country", "Country"),
    ("location", "By grid location", "Factor key"),
    ("source", "By input format", "Format"),
    ("provider", "By cloud provider", "Provider"),
    ("service", "By cloud service", "Service"),
    ("region", "By cloud region", "Region"),
    ("account", "By billing account", "Account"),
    ("category", "By usage category", "Usage category"),
]

TRACKER_FORMATS = {
    "codecarbon": "CodeCarbon",
    "carbontracker": "carbontracker",
    "eco2ai": "eco2ai",
    "nvidia_smi": "nvidia-smi",
    "prometheus_energy": "DCGM / Kepler",
    "zeus": "Zeus",
}
BILL_FORMATS = {
    "aws_cur": "AWS Cost and Usage Report",
    "focus": "FOCUS",
    "gcp_billing": "Google Cloud billing export",
    "azure_cost": "Azure cost details",
}
FORMAT_LABELS = {**TRACKER_FORMATS, **BILL_FORMATS}

PROVIDER_LABELS = {"aws": "AWS", "gcp": "Google Cloud", "azure": "Azure"}


# How a breakdown's keys read in the report (keys not listed stay as recorded).
KEY_LABELS = {"source": FORMAT_LABELS, "provider": PROVIDER_LABELS, "category": USAGE_CATEGORY_LABELS}




UNEXPLAINED_FLAG = "No explanation is recorded for this flag."

# Up to a year of months, the summary sets the monthly chart beside its table, drawn narrower.
SIDE_BY_SIDE_MONTHS = 12
SIDE_CHART = (380.0, 235.0)  # width and height in the chart's design units

FILTERS = {
    "mwh": formatting.energy_mwh,
    "tco2e": formatting.tco2e,
    "pct": formatting.percent,
    "factor": formatting.factor,
    "pue": formatting.pue,
    "pue_summary": formatting.pue_summary,
    "integer": formatting.integer,
    "sha": formatting.sha_short,
    "month_long": formatting.month_long,
    "day": formatting.day,
    "percentage": formatting.percentage,
    "commitment": formatting.commitment,
    "change_from_base": formatting.change_from_base,
    "achieved": formatting.achieved,
    "gap": formatting.gap_to_pathway,
    "tco2e_change": formatting.tco2e_change,
    "yes_no": formatting.yes_no,
    "mwh_range": formatting.energy_mwh_range,
    "tco2e_range": formatting.tco2e_range,
    "quantity": formatting.quantity,
    "money": formatting.money,
}
WORDED_FILTERS = ("change_from_base", "achieved", "gap", "yes_no")

# Each target kind in plain words: a short label and one sentence on what it commits to.
TARGET_KINDS = {
    "absolute_reduction": (
        "Absolute reduction",
        "An absolute cut in gross emissions from the base year, followed along a straight-line "
        "pathway to the target year.",
    ),
    "sbti_1_5c": (
        "SBTi 1.5 °C",
        "An absolute reduction aligned with 1.5 °C under the Science Based Targets initiative: at "
        f"least {SBTI_MIN_ANNUAL_PCT}% of base-year emissions a year, linear from the base year.",
    ),
    "carbon_neutral": (
        "Carbon neutrality",
        "A carbon-neutrality pledge (ISO 14068-1): emissions are reduced first, and retired carbon "
        "credits (removals or avoidance) may cover only the residual emissions.",
    ),
    "net_zero": (
        "Net zero",
        f"A deep absolute reduction (at least {NET_ZERO_MIN_PCT:.0f}% of base-year emissions) by the "
        "target year, with the residual emissions neutralised by carbon removals only.",
    ),
}

CREDIT_TYPES = {"removal": "Removal", "avoidance": "Avoidance"}

YTD_FILLS = {"this report": charts.BAR, "closed": charts.BAR_CLOSED}


def render_pdf(report: Report, path: Path) -> Path:
    """Write the PDF report for `report` to `path` and return `path`."""
    html = render_html(report)
    if report.output.lang in KEEP_WORDS:
        html = keep_words(html)
    own = own_templates(report)
    css = read_template(STYLESHEET, own)
    CSS, HTML = _weasyprint(path)  # noqa: N806 (WeasyPrint's class names)
    try:
        fetcher = offline_fetcher()
        stylesheets = [CSS(string=css, base_url=base_url(STYLESHEET, own), url_fetcher=fetcher)]
        if report.output.lang != "en":
            stylesheets.append(CSS(string=page_css(language(report.output.lang)), url_fetcher=fetcher))
        document = HTML(string=html, base_url=base_url(TEMPLATE, own), url_fetcher=fetcher).render(
            stylesheets=stylesheets
        )
        document.write_pdf(path)
    except OSError:
        raise
    except Exception as exc:  # WeasyPrint raises many types; all mean "could not typeset"
        raise RenderError(f"cannot typeset the PDF report {path}: {exc}") from exc
    return path


MISSING_LIBRARY = (
    "the PDF needs the Pango library (libpango-1.0-0 on Debian/Ubuntu, pango on Fedora or "
    "Homebrew; `make setup` installs it), which could not be loaded"
)


def _weasyprint(path: Path) -> tuple[Any, Any]:
    """WeasyPrint's CSS and HTML classes; a missing system library is named, with how to install it."""
    try:
        from weasyprint import CSS, HTML
    except (OSError, ImportError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RenderError(
            f"cannot write {path}: {MISSING_LIBRARY} ({detail}); the other outputs can be written "
            "with --only json --only xlsx"
        ) from None
    return CSS, HTML


def render_html(report: Report) -> str:
    """The report as one HTML document (the PDF's source), e.g. for previewing in a browser."""
    try:
        env = _environment(own_templates(report), language(report.output.lang))
        return env.get_template(TEMPLATE).render(**view(report))
    except jinja2.TemplateError as exc:
        raise RenderError(f"cannot lay out the PDF report: template error: {exc}") from exc


def view(report: Report) -> dict[str, Any]:
    """Everything the template shows: the report itself plus labels and the charts."""
    quality = report.data_quality
    flag_counts = quality.flag_counts
    line_methods = set(report.line_items["method"].dropna())
    bill_inputs = [entry for entry in report.inputs if entry.format in BILL_FORMATS]
    breakdowns, skipped = _breakdowns(report)
    side_by_side = len(report.by_month) <= SIDE_BY_SIDE_MONTHS
    lang = language(report.output.lang)
    return {
        "ctx": report,
        "lang": lang.code,
        "n": section_numbers(report),
        "models": models_view(report),
        "datapoints_view": lambda: datapoints_view(report, lang),  # laid out last, built when it is reached
        "title": lang.gettext(TITLE),
        "period_text": lang.period_label(report.period.start, report.period.end),
        "monthly_chart": _monthly_chart(report, lang.month_short, side_by_side),
        "monthly_side_by_side": side_by_side,
        "breakdowns": breakdowns,
        "skipped_breakdowns": skipped,
        "scopes": [_scope_view(row) for row in report.by_scope],
        "has_range": _has_range(report.totals),
        "counts": _counts(report),
        "has_bills": bool(bill_inputs) or "estimated" in line_methods,
        "all_estimated": set(line_methods) <= {"estimated"},
        "bill_formats": sorted({BILL_FORMATS[entry.format] for entry in bill_inputs}, key=str.lower),
        "energy_models": _energy_models(report),
        "cloud_bases": _cloud_bases(report),
        "unclassified_groups": _unclassified_groups(report),
        "methods": [
            {"label": METHOD_LABELS.get(key, key), "share": share}
            for key, share in sorted(quality.method_energy_share.items(), key=lambda kv: -kv[1])
        ],
        "location_statuses": [
            {"key": key, "label": LOCATION_STATUS_LABELS.get(key, key), "share": share}
            for key, share in sorted(quality.location_status_energy_share.items(), key=lambda kv: -kv[1])
        ],
        "flags": [
            {"name": name, "count": count, "explanation": FLAG_MEANINGS.get(name, UNEXPLAINED_FLAG)}
            for name, count in flag_counts.items()
            if count
        ],
        "flags_not_seen": sum(1 for name in FLAG_MEANINGS if not quality.flag_count(name)),
        "formats": sorted(
            {TRACKER_FORMATS[entry.format] for entry in report.inputs if entry.format in TRACKER_FORMATS},
            key=str.lower,
        ),
        "excluded_inputs": [entry for entry in report.inputs if entry.exclusions],
        "targets": [_target_view(target, report) for target in report.targets],
        "credit_types": CREDIT_TYPES,
        "ytd": _year_to_date_view(report),
        "lineage": report.lineage,
    }


def _monthly_chart(report: Report, month_label: Any, side_by_side: bool) -> Markup:
    """The monthly bar chart: narrow beside the month table when it fits there, else full width."""
    if side_by_side:
        return Markup(charts.monthly_bar_chart(
            report.by_month, width=SIDE_CHART[0], height=SIDE_CHART[1], month_label=month_label
        ))
    return Markup(charts.monthly_bar_chart(report.by_month, month_label=month_label))


def _unclassified_groups(report: Report) -> list[dict[str, Any]]:
    return [
        {
            **asdict(group),
            "status_label": STATUS_LABELS.get(group.estimate_status, group.estimate_status),
            "provider_label": PROVIDER_LABELS.get(group.cloud_provider, group.cloud_provider),
        }
        for group in report.unclassified.groups
    ]


def _has_range(row: Totals | ScopeTotals) -> bool:
    """Whether a row's estimate has a range, i.e. its low and high ends differ."""
    return bool(
        row.energy_kwh_low != row.energy_kwh_high or row.location_based_tco2e_low != row.location_based_tco2e_high
    )


def _scope_view(row: ScopeTotals) -> dict[str, Any]:
    """One scope of the summary's scope table: its label split into name and description."""
    name, _, description = row.label.partition(": ")
    return {**asdict(row), "name": name, "description": description, "has_range": _has_range(row)}


def _counts(report: Report) -> dict[str, int]:
    """How many line items are tracker runs and how many are lines of cloud bills."""
    billed = int((report.line_items["method"] == "estimated").sum())
    return {"runs": len(report.line_items) - billed, "bill_lines": billed}


def _energy_models(report: Report) -> list[str]:
    """The cloud energy model of the report's bill lines (none when it has no bill line)."""
    has_bills = bool((report.line_items["method"] == "estimated").any())
    return [report.methodology.energy_model] if has_bills else []


CLOUD_BASES = {
    "measured": "Measured by an energy tracker on a cloud machine",
    "usage": "Estimated from billed usage",
    "cost": "Estimated from billed cost (ccf model only)",
    "none": "Unclassified or not supported: no energy estimated",
}
NOT_ESTIMATED = ("unclassified", "unsupported")


def _cloud_basis(items: pd.DataFrame) -> pd.Series:
    """Each line item's key of CLOUD_BASES."""
    cost_based = items["flags"].fillna("").astype(str).str.contains(r"(?:^|;)cost_based_estimate(?:;|$)")
    basis = pd.Series("usage", index=items.index, dtype=object)
    basis[cost_based] = "cost"
    basis[items["estimate_status"].isin(NOT_ESTIMATED)] = "none"
    basis[items["method"] != "estimated"] = "measured"
    return basis


def _cloud_bases(report: Report) -> dict[str, Any]:
    """The period's cloud line items and energy by how the energy was obtained.

    Measured by a tracker on a cloud machine, estimated from billed usage, estimated from billed
    cost (ccf model only), or not estimated at all (unclassified and unsupported bill lines, which
    carry no energy). Rows with no line items are left out, except "estimated from billed usage".
    """
    items = report.line_items
    cloud = items[items["scope"] == SCOPE3_CLOUD]  # billed usage, or tracker runs on cloud machines
    keys = _cloud_basis(cloud)
    counts = {key: int((keys == key).sum()) for key in CLOUD_BASES}
    energy = {key: float(cloud.loc[keys == key, "energy_kwh_in_period"].sum()) for key in CLOUD_BASES}
    total = sum(energy.values())
    rows = [
        {
            "label": label,
            "count": counts[key],
            "energy_kwh": energy[key],
            "share": energy[key] / total if total else 0.0,
        }
        for key, label in CLOUD_BASES.items()
        if counts[key] > 0 or key == "usage"
    ]
    return {"rows": rows, "count": sum(counts.values()), "energy_kwh": total}


def _zero(row: BreakdownRow) -> bool:
    return row.energy_kwh == 0 and row.location_based_tco2e == 0


def _breakdowns(report: Report) -> tuple[list[dict[str, Any]], list[str]]:
    """The breakdown tables to show, and what those left out are by ("model", "tag: team").

    A breakdown whose only key is "(not recorded)" says nothing, and one with no rows has no
    energy to break down: both are left out, and the report names them in one line. Keys with
    zero energy and emissions (billed usage without an energy estimate, say) are named under the
    table rather than given a row each.
    """
    sections = list(BREAKDOWN_SECTIONS)
    sections += [
        (name, f"By tag: {name[4:]}", "Tag value") for name in report.breakdowns if name.startswith("tag:")
    ]
    shown, skipped = [], []
    for name, title, header in sections:
        if name not in report.breakdowns:
            continue
        rows = report.breakdowns[name]
        if not rows or all(row.key == UNASSIGNED for row in rows):
            skipped.append(title.removeprefix("By "))
            continue
        labels = KEY_LABELS.get(name, {})
        labelled = [
            {**asdict(row), "key": labels.get(row.key, row.key), "muted": row.key in (UNASSIGNED, OTHER_KEYS),
             "label": row.key in labels or row.key in (UNASSIGNED, OTHER_KEYS, UNALLOCATED)}  # not an input's value
            for row in rows
            if not _zero(row)
        ]
        cut = report.limits.breakdown_cut(name)
        shown.append(
            {
                "name": name,
                "title": title,
                "header": header,
                "rows": labelled,
                "zero_keys": [labels.get(row.key, row.key) for row in rows if _zero(row)],
                "other_keys": cut.in_other_row if cut else 0,
                "shown_keys": cut.shown if cut else len(rows),
            }
        )
    return shown, skipped


def _target_view(target: TargetProgress, report: Report) -> dict[str, Any]:
    """One target with its labels and its chart (claim reasons come with the target)."""
    label, description = TARGET_KINDS.get(target.kind, (target.kind, ""))
    has_pathway = target.target_tco2e is not None and target.pathway_tco2e is not None
    tr = language(report.output.lang).translate
    chart = charts.pathway_chart(target, report.history.previous_year, tr=tr) if has_pathway else None
    return {
        **asdict(target),
        "kind_label": label,
        "kind_description": description,
        "has_pathway": has_pathway,
        "chart": Markup(chart) if chart else None,
        "neutrality": target.neutrality,
        "budget_years": (
            f"{target.report_year + 1}–{target.target_year}"
            if target.target_year > target.report_year + 1
            else str(target.target_year)
        ),
    }


def _year_to_date_view(report: Report) -> dict[str, Any]:
    """The year's months with where each figure comes from, and the chart of them."""
    ytd = report.year_to_date
    period_end = report.period.end.isoformat()[:7]
    months = []
    for row in ytd.months:
        if row.source is None:
            kind = "missing"
            label = "after this period" if row.month > period_end else "not closed"
        else:
            kind = "this report" if row.source == THIS_REPORT else "closed"
            label = row.source
        months.append({**asdict(row), "kind": kind, "source_label": label})
    present = {m["kind"] for m in months}
    legend = [
        (f"bar:{YTD_FILLS[kind]}", text)
        for kind, text in (("this report", "this report"), ("closed", "closed months (history store)"))
        if kind in present
    ]
    chart = charts.monthly_bar_chart(
        ytd.months,
        title=f"Location-based emissions by month, {ytd.year}",
        fills=[YTD_FILLS.get(m["kind"], charts.BAR) for m in months],
        legend=legend if len(legend) > 1 else (),
        height=180.0,
        month_label=language(report.output.lang).month_short,
    )
    return {
        "months": months,
        "chart": Markup(chart),
        "closed_count": sum(1 for m in months if m["kind"] == "closed"),
        "current_count": sum(1 for m in months if m["kind"] == "this report"),
    }


def _environment(own: Path | None = None, lang: Language | None = None) -> jinja2.Environment:
    """Templates from the user's folder first (when given), then the shipped ones; text in `lang`."""
    shipped = jinja2.PackageLoader("reporter.templates", ".")
    loader: jinja2.BaseLoader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(own)), shipped]) if own else shipped
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=clip,
        extensions=["jinja2.ext.i18n"],
    )
    lang = lang or language("en")
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's text is one line of words, as extracted
    env.install_gettext_callables(lang.gettext, lang.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["tr"] = lang.translate  # a text held in the model or a code table: translated, never %-formatted
    env.filters.update(FILTERS)
    env.filters.update({name: _translated(FILTERS[name], lang) for name in WORDED_FILTERS})
    env.filters["tr"] = lang.translate
    env.filters.update(month_long=lang.month_long, day=lang.day)
    env.filters["breakable"] = breakable
    env.filters["example_rows"] = examples_text
    return env


def _translated(fmt: Any, lang: Language) -> Any:
    """A filter whose English words (“above the base year”) are shown in `lang`."""
    return lambda value: lang.translate(fmt(value))
