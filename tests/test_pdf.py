"""The PDF report: display formatting, the charts, and the rendered document's text.

The report is built by running the pipeline on real tracker files copied into tests/data/pdf/
(CodeCarbon with a superseded flush row, eco2ai, and a carbontracker log trio with no location),
then rendered and read back with pypdf. Targets, credits and history come from the same
pipeline with a baseline, targets and credits in the configuration and, for the history, months
closed and restated in a temporary SQLite store. Cloud bills (a FOCUS slice and an Azure export,
real and anonymised, in tests/data/pdf/bills/) are read beside the CodeCarbon file for the
scope split, ranges, embodied emissions, unclassified usage and grouped exclusions.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pypdf import PdfReader

from reporter.closing import close_month, history_view
from reporter.config import build_config
from reporter.errors import RenderError
from reporter.glossary import FLAG_MEANINGS as FLAG_EXPLANATIONS
from reporter.history import HistoryStore
from reporter.pipeline import run
from reporter.render import charts, formatting
from reporter.render.line_items import line_item_records
from reporter.render.pdf import TARGET_KINDS, render_html, render_pdf
from reporter.report import Report, build_report
from reporter.report.exclusions import ExcludedRows
from reporter.report.model import MonthTotals, Organization, PreviousYear, YearToDateMonth
from tests.test_bill_readers import uncorrected_rows

DATA = Path(__file__).resolve().parent / "data" / "pdf"
ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "sample_inputs" / "synthetic-acme"
NBSP = "\u00a0"


def _config(period: str = "2026-10..2026-11", org: str = "Fjord & Fell AI", **sections: Any) -> Any:
    return build_config(
        {
            "organization": {"name": org},
            "period": {"month": period},
            "inputs": [
                {"path": str(DATA / "emissions.csv"), "team": "research"},
                {"path": str(DATA / "emission.csv"), "team": "applied"},
                {"path": str(DATA / "carbontracker"), "team": "applied"},
            ],
            "base_dir": str(DATA),
            **sections,
        },
        {},
        origin="test",
    )


def _context(period: str = "2026-10..2026-11", org: str = "Fjord & Fell AI", **sections: Any) -> Report:
    return build_report(run(_config(period, org, **sections)))


def _squash(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines where the layout wrapped them."""
    return "".join(text.split())


def _between(text: str, start: str, end: str) -> str:
    """The part of `text` from `start` up to `end`, without whitespace (both must occur, in order)."""
    squashed = _squash(text)
    first = squashed.index(_squash(start))
    return squashed[first : squashed.index(_squash(end), first)]


def _pdf_text(path: Path) -> tuple[PdfReader, str]:
    reader = PdfReader(path)
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def context() -> Report:
    return _context()


@pytest.fixture(scope="module")
def rendered(context: Report, tmp_path_factory: pytest.TempPathFactory) -> tuple[PdfReader, str]:
    path = render_pdf(context, tmp_path_factory.mktemp("pdf") / "report.pdf")
    return _pdf_text(path)


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("kwh", "expected"),
    [
        (1_234_567.0, "1,234.6"),  # 1234.567 MWh: integer digits kept, one decimal at least
        (112_248.9, "112.2"),
        (41_268.0, "41.3"),
        (1_830.8, "1.83"),
        (1.8308, "0.00183"),  # a few kWh do not vanish as "0.000"
        (0.1234, "0.000123"),  # six decimals is the limit before scientific notation
        (0.0018308, f"1.83{NBSP}×{NBSP}10⁻⁶"),  # the real samples: micro-MWh
        (0.0, "0.0"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_energy_mwh(kwh: float | None, expected: str) -> None:
    assert formatting.energy_mwh(kwh) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (40.95021, "41.0"),  # one decimal minimum, three significant figures
        (52.367, "52.4"),
        (9.996, "10.0"),  # rounding up changes the magnitude: still three figures
        (0.99996, "1.00"),
        (0.0123456, "0.0123"),
        (6.795644e-07, f"6.80{NBSP}×{NBSP}10⁻⁷"),
        (12_345.678, "12,345.7"),
        (-3.2, "−3.20"),
        (None, "—"),
    ],
)
def test_tco2e(value: float | None, expected: str) -> None:
    assert formatting.tco2e(value) == expected


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.5619066, "56.2%"),
        (1.0000000000000002, "100.0%"),  # floating-point noise does not show
        (0.0961306, "9.6%"),
        (0.0023398, "0.23%"),  # small shares keep two significant figures
        (0.0000234, "0.0023%"),
        (0.0, "0.0%"),
        (None, "—"),
    ],
)
def test_percent(share: float | None, expected: str) -> None:
    assert formatting.percent(share) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (415.65, "415.65"),
        (44.18, "44.18"),
        (44.1, "44.1"),  # trailing zeros dropped
        (244.75798925963002, "244.76"),
        (1234.5678, "1,234.57"),
        (0.0123456, "0.01235"),
        (500.0, "500"),
    ],
)
def test_factor(value: float, expected: str) -> None:
    assert formatting.factor(value) == expected


def test_integer_pue_and_labels() -> None:
    assert formatting.integer(1_234_567) == "1,234,567"
    assert formatting.integer(0) == "0"
    assert formatting.integer(None) == "—"
    assert formatting.pue(1.58) == "1.58"
    assert formatting.pue(1.2) == "1.20"
    assert formatting.pue_list([1.0, 1.2]) == "1.00, 1.20"
    assert formatting.pue_list([]) == "—"
    assert formatting.sha_short("7d0cd5d446b4f5a2d08c10da7fd6ca75") == "7d0cd5d446b4"
    assert formatting.month_short("2026-01") == "Jan"
    assert formatting.month_long("2026-11") == "November 2026"
    assert formatting.day("2026-03-05") == "5 March 2026"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-11-01", "2026-11-30", "November 2026"),
        ("2026-01-01", "2026-12-31", "January – December 2026"),
        ("2025-07-01", "2026-06-30", "July 2025 – June 2026"),
        ("2026-01-15", "2026-03-10", "15 January 2026 – 10 March 2026"),
        ("2026-02-01", "2026-02-27", "1 February 2026 – 27 February 2026"),
        ("2026-02-01", "2026-02-28", "February 2026"),
    ],
)
def test_period_label(start: str, end: str, expected: str) -> None:
    assert formatting.period_label(start, end) == expected


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        (0.0, 2.0, "0"),
        (8.0, 2.0, "8"),
        (0.5, 0.25, "0.50"),
        (7.5, 2.5, "7.5"),
        (2000.0, 500.0, "2,000"),
        (0.0002, 0.0001, "0.0002"),
        (2e-7, 1e-7, f"2{NBSP}×{NBSP}10⁻⁷"),
        (1.5e-6, 5e-7, f"1.5{NBSP}×{NBSP}10⁻⁶"),
    ],
)
def test_tick(value: float, step: float, expected: str) -> None:
    assert formatting.tick(value, step) == expected


# ------------------------------------------------------------------------------ chart


@pytest.mark.parametrize(
    ("maximum", "step", "top"),
    [(8.95, 2.0, 10.0), (41.3, 10.0, 50.0), (100.0, 20.0, 100.0), (6.8e-7, 2e-7, 8e-7), (0.0, 1.0, 1.0)],
)
def test_nice_scale(maximum: float, step: float, top: float) -> None:
    scale = charts.nice_scale(maximum)
    assert scale.step == pytest.approx(step)
    assert scale.top == pytest.approx(top)
    assert scale.top >= maximum


def test_monthly_chart_is_well_formed_svg_with_month_labels_and_values() -> None:
    by_month = [MonthTotals(f"2026-{m:02d}", 1000.0 * m, 0.37 * m) for m in range(1, 13)]
    svg = charts.monthly_bar_chart(by_month)
    root = ET.fromstring(svg)
    texts = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]
    for label in ("Jan", "Feb", "Jun", "Dec", "2026", "tCO2e"):
        assert label in texts
    assert formatting.tco2e(0.37 * 12) in texts  # each bar carries its value
    assert len(list(root.iter("{http://www.w3.org/2000/svg}rect"))) == 12


def test_monthly_chart_handles_an_empty_period_and_escapes_text() -> None:
    svg = charts.monthly_bar_chart(
        [MonthTotals("2026-12", 0.0, 0.0)], title="R&D <emissions>"
    )
    title = ET.fromstring(svg).find("{http://www.w3.org/2000/svg}title")
    assert title is not None
    assert title.text == "R&D <emissions>"


# ------------------------------------------------------------------------ the document


def test_pdf_identifies_organisation_period_and_pages(rendered: tuple[PdfReader, str]) -> None:
    reader, text = rendered
    assert len(reader.pages) >= 3
    assert "Fjord & Fell AI" in text
    assert "October – November 2026" in text
    assert "AI energy and emissions report" in text
    assert "Page 1 of" in text
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text


def test_pdf_metadata(rendered: tuple[PdfReader, str]) -> None:
    reader, _ = rendered
    metadata = reader.metadata
    assert metadata is not None
    assert metadata.author == "Fjord & Fell AI"
    assert "AI energy and emissions report" in str(metadata.title)
    assert "Fjord & Fell AI" in str(metadata.title)


def test_pdf_headline_figures_are_the_formatted_totals(
    context: Report, rendered: tuple[PdfReader, str]
) -> None:
    _, text = rendered
    squashed = _squash(text)
    energy = formatting.energy_mwh(context.totals.energy_kwh)
    emissions = formatting.tco2e(context.totals.location_based_tco2e)
    assert _squash(f"{energy} MWh") in squashed
    assert _squash(f"{emissions} tCO2e") in squashed
    # No instruments, supplier rates or residual mixes: every Scope 2 kWh falls back to its
    # location factor, so the market-based Scope 2 figure is the location-based Scope 2 figure.
    own = context.scope("scope2")
    assert context.totals.market_based_tco2e == pytest.approx(own.location_based_tco2e, rel=1e-12)
    assert context.totals.market_fallback_energy_kwh == pytest.approx(own.energy_kwh, rel=1e-12)
    assert "Market-based, Scope 2" in text
    assert _squash(formatting.tco2e(context.totals.tracker_reported_tco2e)) in squashed


def test_pdf_lists_every_factor_and_every_exclusion(
    context: Report, rendered: tuple[PdfReader, str]
) -> None:
    _, text = rendered
    squashed = _squash(text)
    assert context.factors, "the test data should use at least one factor"
    for factor in context.factors:
        assert factor.id in text
        assert _squash(factor.licence) in squashed
    reasons = [e.reason for entry in context.inputs for e in entry.exclusions]
    assert reasons, "the test data should exclude at least one row (a superseded flush row)"
    for reason in reasons:
        assert _squash(reason) in squashed


def test_pdf_explains_the_flags_that_occur_and_shows_quality_sections(
    context: Report, rendered: tuple[PdfReader, str]
) -> None:
    _, text = rendered
    squashed = _squash(text)
    counts = context.data_quality.flag_counts
    assert counts, "the test data should raise at least one flag"
    assert set(counts) <= set(FLAG_EXPLANATIONS)
    table = _between(text, "Flags mark line items", "Every file read for this report")
    for flag in FLAG_EXPLANATIONS:
        if counts.get(flag):
            assert flag in table
            assert _squash(FLAG_EXPLANATIONS[flag]) in table
        else:
            assert flag not in table  # only flags that occur are listed
    others = sum(1 for flag in FLAG_EXPLANATIONS if not counts.get(flag))
    assert _squash(f"The other {others} flags defined did not occur in this report.") in squashed
    for heading in ("Power usage effectiveness", "Methodology", "Emission factors", "Data quality",
                    "Inputs ledger", "Excluded rows", "By team", "By project", "By country"):
        assert heading in text
    for entry in context.inputs:
        assert formatting.sha_short(entry.sha256) in squashed


def test_pdf_lists_a_very_long_exclusion_list_in_full(
    context: Report, tmp_path: Path
) -> None:
    reasons = [f"synthetic exclusion {i:04d} of 600" for i in range(600)]
    exclusions = tuple(ExcludedRows("row_problem", reason, 1, (2 + i,)) for i, reason in enumerate(reasons))
    inputs = (dataclasses.replace(context.inputs[0], exclusions=exclusions, rows_excluded=600), *context.inputs[1:])
    _, text = _pdf_text(render_pdf(dataclasses.replace(context, inputs=inputs), tmp_path / "long.pdf"))
    squashed = _squash(text)
    missing = [reason for reason in reasons if _squash(reason) not in squashed]
    assert missing == []


def test_pdf_of_a_period_with_no_runs(tmp_path: Path) -> None:
    context = _context(period="2026-12")
    assert context.totals.line_items == 0
    reader, text = _pdf_text(render_pdf(context, tmp_path / "empty.pdf"))
    assert "December 2026" in text
    assert "outside the reporting period" in text
    assert len(reader.pages) >= 3


def test_html_escapes_the_organisation_name(context: Report) -> None:
    html = render_html(dataclasses.replace(context, organization=Organization("<b>Evil</b>", "x")))
    assert "<b>Evil</b>" not in html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html


def test_template_errors_become_render_errors(context: Report, tmp_path: Path) -> None:
    broken = dataclasses.replace(context, credits=(SimpleNamespace(),))  # a credit without any field
    with pytest.raises(RenderError, match="template"):
        render_pdf(broken, tmp_path / "broken.pdf")
    assert not (tmp_path / "broken.pdf").exists()


@pytest.mark.skipif(not DEMO.is_dir(), reason="demo organisation not generated")
def test_pdf_of_the_demo_organisation(tmp_path: Path) -> None:
    config = build_config(
        {
            "organization": {"name": "Acme AI"},
            "period": {"month": "2026-01..2026-12"},
            "inputs": [{"path": str(DEMO)}],
            "base_dir": str(DEMO),
        },
        {},
        origin="test",
    )
    context = build_report(run(config))
    reader, text = _pdf_text(render_pdf(context, tmp_path / "demo.pdf"))
    assert len(reader.pages) >= 8
    for month in ("Jan", "Jun", "Dec"):
        assert month in text
    for factor in context.factors:
        assert factor.id in text
    assert _squash(formatting.tco2e(context.totals.location_based_tco2e)) in _squash(text)


# ------------------------------------------------------------ targets, credits, history

# The test runs emit 4.70 × 10⁻⁷ tCO2e (all in November 2026), so the baselines are that small.
# Part-year (October–November, 61 of 365 days): base 2.4 × 10⁻⁶ t a year, 4.01 × 10⁻⁷ t pro
# rata, so the period's emissions are 17% above the base year. Full year: base 1.0 × 10⁻⁶ t,
# 53% below it and ahead of a 42% target.
TARGETS: list[dict[str, Any]] = [
    {"name": "Near-term cut (-42% by 2030)", "kind": "absolute_reduction", "target_year": 2030,
     "reduction_pct": 42.0},
    {"name": "Science-based 1.5C", "kind": "sbti_1_5c", "target_year": 2030},
    {"name": "Carbon neutral operations", "kind": "carbon_neutral", "target_year": 2030},
    {"name": "Net zero by 2040", "kind": "net_zero", "target_year": 2040},
]
CREDITS: list[dict[str, Any]] = [
    {"year": 2026, "tco2e": 1.0e-7, "type": "removal", "registry": "Puro.earth",
     "registry_id": "PURO-PDF-0001", "project": "Biochar, Finland"},
    {"year": 2026, "tco2e": 3.0e-7, "type": "avoidance", "registry": "Verra VCS",
     "registry_id": "VCS-PDF-0002", "project": "Wind & solar <India>"},
    {"year": 2025, "tco2e": 2.0e-7, "type": "removal", "registry_id": "GS-PDF-0003", "retired": False},
]
NEVER_SUBTRACTED = (
    "Targets are gross: carbon credits are reported beside them and never subtracted from emissions."
)
REASON = "facility PUE measured on site"


def _targets_context(period: str, base_tco2e: float) -> Report:
    return _context(
        period,
        baseline={"year": 2023, "location_based_tco2e": base_tco2e},
        targets=TARGETS,
        credits=CREDITS,
    )


@pytest.fixture(scope="module")
def part_year() -> Report:
    return _targets_context("2026-10..2026-11", 2.4e-6)


@pytest.fixture(scope="module")
def full_year() -> Report:
    return _targets_context("2026-01..2026-12", 1.0e-6)


@pytest.fixture(scope="module")
def part_year_text(part_year: Report, tmp_path_factory: pytest.TempPathFactory) -> str:
    return _pdf_text(render_pdf(part_year, tmp_path_factory.mktemp("pdf") / "part-year.pdf"))[1]


@pytest.fixture(scope="module")
def full_year_text(full_year: Report, tmp_path_factory: pytest.TempPathFactory) -> str:
    return _pdf_text(render_pdf(full_year, tmp_path_factory.mktemp("pdf") / "full-year.pdf"))[1]


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        (formatting.percentage, 4.336, "4.3%"),
        (formatting.percentage, -38.94, "−38.9%"),
        (formatting.percentage, 0.0234, "0.023%"),
        (formatting.commitment, 42.0, "42%"),
        (formatting.commitment, 5.25, "5.25%"),
        (formatting.commitment, 5.294117647, "5.29%"),
        (formatting.change_from_base, 4.336, "4.3% below the base year"),
        (formatting.change_from_base, -16.356, "16.4% above the base year"),
        (formatting.change_from_base, 0.0, "equal to the base year"),
        (formatting.achieved, 10.32, "10.3% of the planned reduction"),
        (formatting.achieved, -38.9, "none: emissions are above the base year"),
        (formatting.achieved, 126.4, "126.4% of the planned reduction (beyond the target)"),
        (formatting.gap_to_pathway, 1.1322, "1.13 tCO2e above the pathway"),
        (formatting.gap_to_pathway, -0.5, "0.500 tCO2e below the pathway"),
        (formatting.gap_to_pathway, 0.0, "on the pathway"),
        (formatting.tco2e_change, -0.1096566, "−0.110"),
        (formatting.tco2e_change, 1.5, "+1.50"),
        (formatting.tco2e_change, 0.0, "0.0"),
        (formatting.yes_no, True, "yes"),
        (formatting.yes_no, None, "—"),
    ],
)
def test_target_formatting(function: Any, value: Any, expected: str) -> None:
    assert function(value) == expected


def _svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [el.text or "" for el in root.iter("{http://www.w3.org/2000/svg}text")]


def test_pathway_chart_annualises_a_part_year_and_shows_the_previous_year(part_year: Report) -> None:
    target = part_year.targets[0]
    assert target.pro_rata
    previous = PreviousYear(year=2025, months_closed=7, location_based_tco2e=2.1e-6, energy_kwh=1.0)
    texts = _svg_texts(charts.pathway_chart(target, previous))
    annualised = formatting.tco2e(target.actual_tco2e / target.year_fraction)
    assert f"2026 actual, annualised: {annualised} tCO2e" in texts
    assert f"Base year 2023: {formatting.tco2e(target.base_tco2e)} tCO2e" in texts
    assert f"Target 2030: {formatting.tco2e(target.target_tco2e)} tCO2e" in texts
    assert f"2025 closed (7 of 12 months): {formatting.tco2e(2.1e-6)} tCO2e" in texts
    for year in ("2023", "2026", "2030"):
        assert year in texts


def test_pathway_chart_of_a_full_year_and_after_the_target_year(full_year: Report) -> None:
    target = full_year.targets[0]
    texts = _svg_texts(charts.pathway_chart(target, full_year.history.previous_year))
    assert f"2026 actual: {formatting.tco2e(target.actual_tco2e)} tCO2e" in texts
    assert not any("annualised" in text or "closed" in text for text in texts)
    late = dataclasses.replace(target, report_year=2032, on_track=True)
    root = ET.fromstring(charts.pathway_chart(late))
    dashed = [el for el in root.iter("{http://www.w3.org/2000/svg}line") if el.get("stroke-dasharray") == "4,3"]
    assert dashed, "the pathway continues flat, dashed, after the target year"
    assert "2032" in _svg_texts(charts.pathway_chart(late))


def test_monthly_chart_leaves_months_without_figures_empty() -> None:
    months = [YearToDateMonth(f"2026-{m:02d}", None, None, 5.25 if m == 9 else None) for m in range(1, 13)]
    svg = charts.monthly_bar_chart(
        months, fills=[charts.BAR_CLOSED] * 12, legend=[(f"bar:{charts.BAR_CLOSED}", "closed months")]
    )
    root = ET.fromstring(svg)
    svg_ns = "{http://www.w3.org/2000/svg}"
    bars = [el for el in root.iter(f"{svg_ns}rect") if el.find(f"{svg_ns}title") is not None]
    assert len(bars) == 1 and bars[0].get("fill") == charts.BAR_CLOSED
    texts = _svg_texts(svg)
    assert texts.count(formatting.MISSING) == 11
    assert "closed months" in texts and "5.25" in texts


def test_pdf_shows_every_target_with_its_figures(part_year: Report, part_year_text: str) -> None:
    squashed = _squash(part_year_text)
    assert "Targets and progress" in part_year_text
    assert len(part_year.targets) == len(TARGETS)
    for target in part_year.targets:
        assert target.name in part_year_text
        assert _squash(TARGET_KINDS[target.kind][0]) in squashed
        assert _squash(formatting.tco2e(target.actual_tco2e)) in squashed
        assert _squash(formatting.change_from_base(target.reduction_pct)) in squashed
        if target.target_tco2e is None:
            assert target.kind == "carbon_neutral"
            assert "no reduction commitment" in part_year_text
            continue
        for key in ("pathway_tco2e", "target_tco2e", "remaining_budget_tco2e", "required_annual_reduction_tco2e"):
            assert _squash(formatting.tco2e(getattr(target, key))) in squashed, key
        assert _squash(formatting.achieved(target.achieved_pct)) in squashed
        assert _squash(formatting.gap_to_pathway(target.gap_tco2e)) in squashed
        assert _squash(formatting.commitment(target.annual_target_pct_of_base)) in squashed
        assert _squash(formatting.percentage(target.required_annual_reduction_pct)) in squashed
    sbti = part_year.targets[1]
    assert sbti.target_reduction_pct == pytest.approx(4.2 * 7)
    assert _squash(f"{formatting.commitment(sbti.target_reduction_pct)} below the base year") in squashed


def test_pdf_emissions_above_the_base_year_read_as_an_increase(
    part_year: Report, part_year_text: str
) -> None:
    target = part_year.targets[0]
    assert target.reduction_pct < 0 and target.achieved_pct < 0 and not target.on_track
    squashed = _squash(part_year_text)
    assert _squash(f"{formatting.percentage(-target.reduction_pct)} above the base year") in squashed
    assert _squash(formatting.percentage(target.reduction_pct)) not in squashed  # no "−17.3%"
    assert _squash("none: emissions are above the base year") in squashed
    assert "OFF TRACK" in part_year_text.upper()


def test_pdf_says_a_part_year_is_taken_pro_rata(part_year: Report, part_year_text: str) -> None:
    target = part_year.targets[0]
    assert target.pro_rata and target.year_fraction == pytest.approx(61 / 365)
    squashed = _squash(part_year_text)
    assert "Part-year period" in part_year_text
    assert _squash(f"taken pro rata, × {formatting.percent(target.year_fraction)}") in squashed
    assert _squash(f"Pathway 2026, pro rata {formatting.tco2e(target.pathway_tco2e)} tCO2e") in squashed
    assert "annualised" in part_year_text


def test_pdf_of_a_full_year_is_not_pro_rata(full_year: Report, full_year_text: str) -> None:
    squashed = _squash(full_year_text)
    target = full_year.targets[0]
    assert not target.pro_rata and target.on_track and target.achieved_pct > 100
    assert "Part-year period" not in full_year_text
    assert "Pathway 2026, pro rata" not in full_year_text
    assert _squash(f"Pathway 2026 {formatting.tco2e(target.pathway_tco2e)} tCO2e") in squashed
    assert _squash(formatting.achieved(target.achieved_pct)) in squashed
    assert _squash("beyond the target") in squashed
    assert "ON TRACK" in full_year_text.upper()
    assert _squash(formatting.change_from_base(target.reduction_pct)).endswith("belowthebaseyear")


def test_pdf_sets_credits_beside_gross_emissions_never_subtracted(
    full_year: Report, full_year_text: str
) -> None:
    squashed = _squash(full_year_text)
    assert _squash(NEVER_SUBTRACTED) in squashed
    neutral, net_zero = full_year.targets[2], full_year.targets[3]
    assert neutral.credits_eligible_tco2e == pytest.approx(4.0e-7)  # removals and avoidance
    assert net_zero.credits_eligible_tco2e == pytest.approx(1.0e-7)  # removals only
    for target in (neutral, net_zero):
        assert target.gross_tco2e == full_year.totals.location_based_tco2e
        for key in ("credits_eligible_tco2e", "uncovered_tco2e"):
            assert _squash(formatting.tco2e(getattr(target, key))) in squashed, key
        assert _squash(formatting.percentage(target.credit_coverage_pct)) in squashed
        assert _squash(target.claim_note) in squashed
        assert not target.claim_possible
    assert _squash("Eligible (removals only)") in squashed
    assert _squash("the target year 2030 has not been reached") in squashed
    # the headline total is still the gross figure
    assert _squash(f"{formatting.tco2e(full_year.totals.location_based_tco2e)} tCO2e") in squashed


def test_pdf_lists_every_credit_in_its_own_table(full_year: Report, full_year_text: str) -> None:
    squashed = _squash(full_year_text)
    assert "Carbon credits" in full_year_text
    assert len(full_year.credits) == len(CREDITS)
    for credit in full_year.credits:
        assert credit.registry_id in full_year_text
        assert _squash(formatting.tco2e(credit.tco2e)) in squashed
    for text in ("Puro.earth", "Verra VCS", "Biochar, Finland", "Wind & solar <India>", "Removal", "Avoidance"):
        assert _squash(text) in squashed
    assert "never combined" in full_year_text


def test_pdf_without_targets_or_credits_says_so(rendered: tuple[PdfReader, str]) -> None:
    _, text = rendered
    assert "No targets are configured" in text
    assert "No carbon credits are recorded" in text
    assert "Year to date and history" in text
    assert "No month shown here has been restated" in text
    assert "no closed months" in text


@pytest.fixture(scope="module")
def history_context(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """December 2026 after closing December 2025 and November 2026, then restating November."""
    folder = tmp_path_factory.mktemp("history")
    store = HistoryStore(f"sqlite:///{folder / 'history.db'}")
    sections: dict[str, Any] = {"baseline": {"year": 2023, "location_based_tco2e": 2.4e-6}, "targets": TARGETS}
    for month in ("2025-12", "2026-11"):
        assert close_month(_context(month, **sections), store, folder / "out", []).action == "closed"
    restated = _context("2026-11", facility={"pue": 1.5}, **sections)
    outcome = close_month(restated, store, folder / "out", [], restate=True, reason=REASON)
    assert outcome.action == "restated"
    config = _config("2026-12", **sections)
    result = run(config)
    return build_report(result, history_view(store, result.period, config.baseline))


def test_pdf_shows_year_to_date_history_and_restatements(
    history_context: Report, tmp_path: Path
) -> None:
    _, text = _pdf_text(render_pdf(history_context, tmp_path / "history.pdf"))
    squashed = _squash(text)
    history, ytd = history_context.history, history_context.year_to_date
    (restatement,) = history.restatements
    assert restatement.difference_tco2e != 0.0 and restatement.reason == REASON
    assert "Year to date and history" in text
    assert REASON in text
    assert _squash(f"{restatement.old_version} → {restatement.new_version}") in squashed
    for key in ("old_tco2e", "new_tco2e"):
        assert _squash(formatting.tco2e(getattr(restatement, key))) in squashed
    difference = formatting.tco2e_change(restatement.difference_tco2e)
    assert difference[0] in "+−"
    assert _squash(difference) in squashed
    months = {m.month: m for m in ytd.months}
    assert months["2026-11"].source == "closed (version 2)"
    assert months["2026-12"].source == "this report"
    assert "closed (version 2)" in text and "this report" in text
    assert _squash(f"Year to date 2 months {formatting.energy_mwh(ytd.energy_kwh)}") in squashed
    assert _squash(formatting.tco2e(ytd.location_based_tco2e)) in squashed
    previous = history.previous_year
    assert previous.year == 2025 and previous.months_closed == 1
    assert _squash(f"Previous year 2025 {formatting.tco2e(previous.location_based_tco2e)} tCO2e") in squashed
    assert "1 of 12 months closed" in text
    assert _squash(f"Base year 2023 {formatting.tco2e(2.4e-6)} tCO2e") in squashed
    assert "not closed" in text


# ------------------------------------------------------------------- cloud bills

# Real anonymised bills (a FOCUS 1.0 slice and an Azure EA export, moved to November 2026, see
# tests/data/pdf/bills/SOURCES.md) beside the CodeCarbon file of the tracker tests.
BILLS = DATA / "bills"
CREDIT = "ChargeCategory 'Credit': not a usage charge, no resource consumed"
ADJUSTMENT = "ChargeCategory 'Adjustment': not a usage charge, no resource consumed"


def _cloud_context(**sections: Any) -> Report:
    config = build_config(
        {
            "organization": {"name": "Fjord & Fell AI"},
            "period": {"month": "2026-10..2026-11"},
            "inputs": [
                {"path": str(DATA / "emissions.csv"), "team": "research"},
                {"path": str(BILLS / "focus-1.0-sample-slice.csv")},
                {"path": str(BILLS / "ea-cost-details-anonymized.csv")},
            ],
            "cloud": {"tag_keys": ["business_unit", "team"]},
            "base_dir": str(DATA),
            **sections,
        },
        {},
        origin="test",
    )
    return build_report(run(config))


@pytest.fixture(scope="module")
def cloud() -> Report:
    return _cloud_context()


@pytest.fixture(scope="module")
def cloud_text(cloud: Report, tmp_path_factory: pytest.TempPathFactory) -> str:
    return _pdf_text(render_pdf(cloud, tmp_path_factory.mktemp("pdf") / "cloud.pdf"))[1]


@pytest.mark.parametrize(
    ("function", "args", "expected"),
    [
        (formatting.energy_mwh_range, (147_784.19, 156_814.84), f"147.8{NBSP}– 156.8"),
        (formatting.energy_mwh_range, (0.000302, 0.000715), f"3.02{NBSP}×{NBSP}10⁻⁷{NBSP}– 7.15{NBSP}×{NBSP}10⁻⁷"),
        (formatting.energy_mwh_range, (141_522.8, 141_522.8), "141.5"),  # no range: one value
        (formatting.tco2e_range, (1.2826, 3.3571), f"1.28{NBSP}– 3.36"),
        (formatting.money, (1.58088, "USD"), f"1.58{NBSP}USD"),
        (formatting.money, (0.479357, "CAD"), f"0.479{NBSP}CAD"),
        (formatting.money, (0.0, "USD"), f"0.00{NBSP}USD"),
        (formatting.money, (6.65679e-09, "CAD"), f"6.66{NBSP}×{NBSP}10⁻⁹{NBSP}CAD"),  # never "0.00"
        (formatting.money, (None, "USD"), "—"),
        (formatting.quantity, (168.0,), "168"),
        (formatting.quantity, (0.00084771,), "0.000848"),
        (formatting.quantity, (2660.0,), "2,660"),
        (formatting.pue_summary, ([1.0, 1.2],), "1.00, 1.20"),
        (formatting.pue_summary, ([1.0 + i / 100 for i in range(17)],), f"1.00{NBSP}– 1.16 (17 values)"),
    ],
)
def test_range_and_bill_formatting(function: Any, args: tuple[Any, ...], expected: str) -> None:
    assert function(*args) == expected


def test_pdf_summary_splits_energy_into_own_operations_and_cloud(cloud: Report, cloud_text: str) -> None:
    squashed = _squash(cloud_text)
    totals = cloud.totals
    own, bills = cloud.by_scope
    assert (own.scope, bills.scope) == ("scope2", "scope3_cat1")
    assert own.energy_kwh > 0 and bills.energy_kwh > 0 and totals.embodied_tco2e > 0
    summary = _between(cloud_text, "1 Summary", "Location-based emissions by month")
    for row in (own, bills):
        assert _squash(row.label) in summary
        assert _squash(formatting.energy_mwh(row.energy_kwh)) in summary
        assert _squash(formatting.tco2e(row.location_based_tco2e)) in summary
        assert _squash(formatting.tco2e(row.embodied_tco2e)) in summary
    # the cloud estimate's range under its central value; measured energy has none
    assert bills.energy_kwh_low < bills.energy_kwh < bills.energy_kwh_high
    assert _squash(formatting.energy_mwh_range(bills.energy_kwh_low, bills.energy_kwh_high)) in summary
    assert _squash(
        formatting.tco2e_range(bills.location_based_tco2e_low, bills.location_based_tco2e_high)
    ) in summary
    assert own.energy_kwh_low == own.energy_kwh_high
    # the headline cards: central value, then "range low – high"
    energy_range = formatting.energy_mwh_range(totals.energy_kwh_low, totals.energy_kwh_high)
    emissions_range = formatting.tco2e_range(totals.location_based_tco2e_low, totals.location_based_tco2e_high)
    assert _squash(f"{formatting.energy_mwh(totals.energy_kwh)} MWh range {energy_range} MWh") in summary
    assert _squash(f"{formatting.tco2e(totals.location_based_tco2e)} tCO2e range {emissions_range} tCO2e") in summary
    assert _squash(formatting.tco2e(totals.embodied_tco2e)) in summary
    # the lead: own operations and cloud energy in words
    own_mwh = formatting.energy_mwh(totals.own_operations_energy_kwh)
    cloud_mwh = formatting.energy_mwh(totals.cloud_energy_kwh)
    lead = f"{own_mwh} MWh on own or colocated hardware (Scope 2) and {cloud_mwh} MWh in cloud services"
    assert _squash(lead) in squashed


def test_pdf_says_cloud_energy_is_outside_e1_5_and_embodied_is_apart(cloud_text: str) -> None:
    squashed = _squash(cloud_text)
    for sentence in (
        "it is reported as energy consumed outside the organisation (GRI 302-2), not in ESRS E1-5 total energy",
        "Embodied emissions, from manufacturing the cloud hardware, are estimated separately: they are not "
        "added to energy or to the location-based total.",
    ):
        assert _squash(sentence) in squashed


def test_pdf_breakdowns_by_provider_service_region_account_category_and_tag(
    cloud: Report, cloud_text: str
) -> None:
    squashed = _squash(cloud_text)
    for title in ("By cloud provider", "By cloud service", "By cloud region", "By billing account",
                  "By usage category", "By tag: business_unit"):
        assert title in cloud_text

    def row_text(name: str, key: str, label: str) -> str:
        (row,) = [r for r in cloud.breakdowns[name] if r.key == key]
        assert row.energy_kwh > 0
        return _squash(
            f"{label} {formatting.energy_mwh(row.energy_kwh)} {formatting.percent(row.energy_share)} "
            f"{formatting.tco2e(row.location_based_tco2e)} {formatting.percent(row.emissions_share)}"
        )

    assert row_text("provider", "aws", "AWS") in squashed
    assert row_text("service", "Amazon Elastic Compute Cloud", "Amazon Elastic Compute Cloud") in squashed
    assert row_text("service", "Virtual Machines", "Virtual Machines") in squashed
    assert row_text("category", "compute", "Compute") in squashed
    # "model" and the "team" tag record nothing here: left out, and said so in one line
    for name in ("model", "tag:team"):
        assert {row.key for row in cloud.breakdowns[name]} == {"(not recorded)"}
    assert "By model" not in cloud_text and "By tag: team" not in cloud_text
    assert _squash("Not shown, as no line item records a value for them: by model, by tag: team.") in squashed
    # keys with zero energy (unclassified usage only) are named under the table, not given a row
    zero = [r.key for r in cloud.breakdowns["service"] if r.energy_kwh == 0 and r.location_based_tco2e == 0]
    assert zero, "the test bills should have a service with unclassified usage only"
    note = "Also recorded, with zero energy and emissions (billed usage without an energy estimate, section 9): "
    assert _squash(f"{note}{', '.join(zero)}.") in squashed


def test_pdf_lists_every_unclassified_group_with_its_cost(cloud: Report, cloud_text: str) -> None:
    unclassified = cloud.unclassified
    groups = unclassified.groups
    assert {g.estimate_status for g in groups} == {"unclassified", "unsupported"}
    section = _between(cloud_text, "Billed usage without an energy estimate", "10 Inputs ledger")
    for group in groups:
        assert _squash(group.usage_type) in section, group.usage_type
    top = groups[0]  # largest cost first
    assert _squash(
        f"{top.consumed_unit} {formatting.integer(top.rows)} {formatting.quantity(top.quantity)} "
        f"{formatting.money(top.cost, top.billing_currency)}"
    ) in section
    rows, lines = formatting.integer(unclassified.rows), formatting.integer(unclassified.line_items)
    assert _squash(f"{rows} bill rows ({lines} bill lines)") in section
    for currency, cost in unclassified.cost_by_currency.items():
        assert _squash(formatting.money(cost, currency)) in section
    assert "Not supported" in cloud_text and "oracle" in cloud_text


def test_pdf_shows_cloud_energy_by_estimate(cloud: Report, cloud_text: str) -> None:
    section = _between(cloud_text, "Cloud energy by estimate", "Flags mark line items")
    billed = [i for i in line_item_records(cloud.line_items) if i["method"] == "estimated"]
    estimated = len(billed) - cloud.unclassified.line_items
    energy = sum(i["energy_kwh_in_period"] for i in billed)
    assert energy == pytest.approx(cloud.by_scope[1].energy_kwh)
    usage = f"Estimated from billed usage {formatting.integer(estimated)} {formatting.energy_mwh(energy)} 100.0%"
    assert _squash(usage) in section
    none = f"no energy estimated {formatting.integer(cloud.unclassified.line_items)} 0.0 0.0%"
    assert _squash(none) in section


def test_pdf_shows_grouped_bill_exclusions_beside_single_tracker_rows(cloud: Report, cloud_text: str) -> None:
    squashed = _squash(cloud_text)
    (focus,) = [e for e in cloud.inputs if e.format == "focus"]
    assert focus.rows_read == focus.rows_used + focus.rows_excluded
    groups = {g.reason: g for g in focus.exclusions}
    corrections = {reason for reason in groups if reason.startswith("a correction with no usage to offset")}
    assert set(groups) - corrections == {CREDIT, ADJUSTMENT} and groups[ADJUSTMENT].rows == 2
    with (BILLS / "focus-1.0-sample-slice.csv").open(newline="", encoding="utf-8") as handle:
        lone = uncorrected_rows(list(csv.DictReader(handle)), ("business_unit", "team"))  # this config's tag keys
    assert sum(groups[reason].rows for reason in corrections) == len(lone) == 9  # lone negative quantities
    ledger = _between(cloud_text, "10 Inputs ledger", "11 Excluded rows")
    excluded = squashed[squashed.index(_squash("11 Excluded rows")) :]
    for reason, group in groups.items():
        rows = ", ".join(str(r) for r in group.example_rows)
        assert _squash(f"excluded: {reason}") in ledger
        assert _squash(f"{group.rows} {reason} {rows}") in excluded
    # the tracker file's superseded flush row: a group of one, with the run and the row used instead
    (tracker,) = [e for e in cloud.inputs if e.format == "codecarbon"]
    (single,) = tracker.exclusions
    assert (single.rows, single.example_rows) == (1, (7,))
    assert _squash(f"1 {single.reason} row 7: {single.example_details[0]} 7") in excluded
    assert single.example_details[0].endswith("used: row 8")
    assert _squash("Rows left out for the same reason are grouped") in excluded


def test_pdf_methodology_describes_the_cloud_bills(cloud: Report, cloud_text: str) -> None:
    section = _between(cloud_text, "Cloud bills", "PUE normalisation")
    items = cloud.line_items
    bases = set(items.loc[items["method"] == "estimated", "pue_basis"])
    assert bases == {"cloud provider (default model)"}
    for text in (
        "Only usage rows.",
        "The default model",
        "vCPU-hours × (min + utilisation × (max − min)) W per vCPU",
        "10%, 50% and 90%",
        "never as energy",
        "never given a default value",
        "estimate_basis",
        "FOCUS",
        "Azure cost details",
    ):
        assert _squash(text) in section, text


def test_html_names_the_ccf_model_when_the_bills_used_it(cloud: Report) -> None:
    methodology = dataclasses.replace(cloud.methodology, energy_model="ccf")
    html = render_html(dataclasses.replace(cloud, methodology=methodology))
    assert "The ccf model" in html and "The default model" not in html
    assert "cost_based_estimate" in html


def test_pdf_of_trackers_only_has_no_cloud_sections(rendered: tuple[PdfReader, str]) -> None:
    _, text = rendered
    assert "Cloud bills" not in text and "Billed usage without an energy estimate" not in text
    assert "By cloud provider" not in text  # nothing recorded a provider
    assert _squash("not in ESRS E1-5 total energy") in _squash(text)  # the scope table is always there
