"""PDF output: the report context laid out as an A4 disclosure report.

HTML from a Jinja template (autoescaped, strict about undefined names), styled by one CSS file,
both shipped inside the package, then typeset by WeasyPrint. Nothing is fetched from the
network: the only fonts are the system's (DejaVu Sans), and any remote URL is refused.
Numbers are formatted only through `reporter.render.formatting`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from reporter.core.targets import NET_ZERO_MIN_PCT, SBTI_MIN_ANNUAL_PCT
from reporter.errors import RenderError
from reporter.glossary import FLAG_MEANINGS, LOCATION_STATUS_LABELS
from reporter.render import charts, formatting
from reporter.render.context import ReportContext

TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
TITLE = "AI energy and emissions report"

BREAKDOWN_SECTIONS = [
    ("team", "By team", "Team"),
    ("project", "By project", "Project"),
    ("model", "By model", "Model"),
    ("country", "By country", "Country"),
    ("location", "By grid location", "Factor key"),
    ("source", "By tracker format", "Format"),
]


FORMAT_LABELS = {
    "codecarbon": "CodeCarbon",
    "carbontracker": "carbontracker",
    "eco2ai": "eco2ai",
}

METHOD_LABELS = {
    "measured": "Measured by an energy tracker",
    "estimated": "Estimated",
    "provider_reported": "Reported by the cloud provider",
}

FILTERS = {
    "mwh": formatting.energy_mwh,
    "kwh": formatting.energy_kwh,
    "tco2e": formatting.tco2e,
    "pct": formatting.percent,
    "factor": formatting.factor,
    "pue": formatting.pue,
    "pue_list": formatting.pue_list,
    "integer": formatting.integer,
    "sha": formatting.sha_short,
    "month_short": formatting.month_short,
    "month_long": formatting.month_long,
    "day": formatting.day,
    "percentage": formatting.percentage,
    "commitment": formatting.commitment,
    "change_from_base": formatting.change_from_base,
    "achieved": formatting.achieved,
    "gap": formatting.gap_to_pathway,
    "tco2e_change": formatting.tco2e_change,
    "yes_no": formatting.yes_no,
}

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


def render_pdf(context: ReportContext, path: Path) -> Path:
    """Write the PDF report for `context` to `path` and return `path`."""
    html = render_html(context)
    css = _read_template(STYLESHEET)
    try:
        from weasyprint import CSS, HTML

        fetcher = _offline_fetcher()
        stylesheet = CSS(string=css, base_url=_base_url(), url_fetcher=fetcher)
        document = HTML(string=html, base_url=_base_url(), url_fetcher=fetcher).render(
            stylesheets=[stylesheet]
        )
        document.write_pdf(path)
    except OSError:
        raise
    except Exception as exc:  # WeasyPrint raises many types; all mean "could not typeset"
        raise RenderError(f"cannot typeset the PDF report {path}: {exc}") from exc
    return path


def render_html(context: ReportContext) -> str:
    """The report as one HTML document (the PDF's source), e.g. for previewing in a browser."""
    try:
        return _environment().get_template(TEMPLATE).render(**view(context))
    except jinja2.TemplateError as exc:
        raise RenderError(f"cannot lay out the PDF report: template error: {exc}") from exc


def view(context: ReportContext) -> dict[str, Any]:
    """Everything the template shows: the context itself plus labels and the charts."""
    quality = context.data_quality
    flag_counts: dict[str, int] = quality["flag_counts"]
    return {
        "ctx": context,
        "title": TITLE,
        "period_text": formatting.period_label(context.period["start"], context.period["end"]),
        "monthly_chart": Markup(charts.monthly_bar_chart(context.by_month)),
        "breakdowns": [
            {"title": title, "header": header, "rows": context.breakdowns.get(name, [])}
            for name, title, header in BREAKDOWN_SECTIONS
            if name in context.breakdowns
        ],
        "methods": [
            {"label": METHOD_LABELS.get(key, key), "share": share}
            for key, share in sorted(quality["method_energy_share"].items(), key=lambda kv: -kv[1])
        ],
        "location_statuses": [
            {"key": key, "label": LOCATION_STATUS_LABELS.get(key, key), "share": share}
            for key, share in sorted(
                quality["location_status_energy_share"].items(), key=lambda kv: -kv[1]
            )
        ],
        "flags": [
            {
                "name": name,
                "count": flag_counts.get(name, 0),
                "explanation": FLAG_MEANINGS[name],
            }
            for name in FLAG_MEANINGS
        ]
        + [
            {"name": name, "count": count, "explanation": "No explanation is recorded for this flag."}
            for name, count in flag_counts.items()
            if name not in FLAG_MEANINGS
        ],
        "formats": sorted(
            {FORMAT_LABELS.get(entry["format"], entry["format"]) for entry in context.inputs},
            key=str.lower,
        ),
        "excluded_inputs": [entry for entry in context.inputs if entry["exclusions"]],
        "targets": [_target_view(target, context.history) for target in context.targets],
        "credit_types": CREDIT_TYPES,
        "ytd": _year_to_date_view(context),
    }


def _target_view(target: dict[str, Any], history: dict[str, Any]) -> dict[str, Any]:
    """One target with its labels, its chart and, for neutrality and net zero, why a claim is (not) possible."""
    label, description = TARGET_KINDS.get(target["kind"], (target["kind"], ""))
    has_pathway = target.get("target_tco2e") is not None and target.get("pathway_tco2e") is not None
    chart = charts.pathway_chart(target, history.get("previous_year")) if has_pathway else None
    return {
        **target,
        "kind_label": label,
        "kind_description": description,
        "has_pathway": has_pathway,
        "chart": Markup(chart) if chart else None,
        "neutrality": target["kind"] in ("carbon_neutral", "net_zero") and "gross_tco2e" in target,
        "claim_reasons": _claim_reasons(target),
        "budget_years": (
            f"{target['report_year'] + 1}–{target['target_year']}"
            if target["target_year"] > target["report_year"] + 1
            else str(target["target_year"])
        ),
    }


def _claim_reasons(target: dict[str, Any]) -> list[str]:
    """Why a neutrality or net-zero claim cannot be made for this period (empty when it can)."""
    if target.get("claim_possible") or "gross_tco2e" not in target:
        return []
    reasons = []
    if target["report_year"] < target["target_year"]:
        reasons.append(f"the target year {target['target_year']} has not been reached")
    if target["pro_rata"]:
        reasons.append("a claim covers a whole year, and this period is part of one")
    if target["credits_eligible_tco2e"] < target["gross_tco2e"]:
        reasons.append("eligible credits do not cover gross emissions")
    return reasons


def _year_to_date_view(context: ReportContext) -> dict[str, Any]:
    """The year's months with where each figure comes from, and the chart of them."""
    ytd = context.year_to_date
    period_end = context.period["end"][:7]
    months = []
    for row in ytd["months"]:
        source = row["source"]
        if source is None:
            kind = "missing"
            label = "after this period" if row["month"] > period_end else "not closed"
        else:
            kind = "this report" if source == "this report" else "closed"
            label = source
        months.append({**row, "kind": kind, "source_label": label})
    present = {m["kind"] for m in months}
    legend = [
        (f"bar:{YTD_FILLS[kind]}", text)
        for kind, text in (("this report", "this report"), ("closed", "closed months (history store)"))
        if kind in present
    ]
    chart = charts.monthly_bar_chart(
        months,
        title=f"Location-based emissions by month, {ytd['year']}",
        fills=[YTD_FILLS.get(m["kind"], charts.BAR) for m in months],
        legend=legend if len(legend) > 1 else (),
        height=180.0,
    )
    return {
        "months": months,
        "chart": Markup(chart),
        "closed_count": sum(1 for m in months if m["kind"] == "closed"),
        "current_count": sum(1 for m in months if m["kind"] == "this report"),
    }


def breakable(text: str) -> Markup:
    """`text` escaped, with line-break opportunities after "/" and "_" for long file names."""
    escaped = str(escape(text))
    return Markup(escaped.replace("/", "/<wbr>").replace("_", "_<wbr>"))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reporter", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.filters["breakable"] = breakable
    return env


def _read_template(name: str) -> str:
    try:
        return resources.files("reporter").joinpath("templates", name).read_text(encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"cannot read the report stylesheet {name} ({exc})") from exc


def _base_url() -> str:
    return str(resources.files("reporter").joinpath("templates")) + "/"


def _offline_fetcher() -> Any:
    """A URL fetcher that resolves only packaged and embedded resources, never the network."""
    import weasyprint

    allowed = {"file", "data"}
    if hasattr(weasyprint, "URLFetcher"):  # WeasyPrint 66 and later
        return weasyprint.URLFetcher(allowed_protocols=allowed)

    def fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
        if url.split(":", 1)[0].lower() not in allowed:
            raise ValueError(f"the PDF report may not load the remote resource {url}")
        return weasyprint.default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)

    return fetch
