"""The PDF report: display formatting, the monthly chart, and the rendered document's text.

The report is built by running the pipeline on real tracker files copied into tests/data/pdf/
(CodeCarbon with a superseded flush row, eco2ai, and a carbontracker log trio with no location),
then rendered and read back with pypdf.
"""

from __future__ import annotations

import dataclasses
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

from reporter.config import build_config
from reporter.errors import RenderError
from reporter.glossary import FLAG_MEANINGS as FLAG_EXPLANATIONS
from reporter.pipeline import run
from reporter.render import charts, formatting
from reporter.render.context import ReportContext, build_context
from reporter.render.pdf import render_html, render_pdf

DATA = Path(__file__).resolve().parent / "data" / "pdf"
ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "sample_inputs" / "synthetic-acme"
NBSP = "\u00a0"


def _context(period: str = "2026-10..2026-11", org: str = "Fjord & Fell AI") -> ReportContext:
    config = build_config(
        {
            "organization": {"name": org},
            "period": {"month": period},
            "inputs": [
                {"path": str(DATA / "emissions.csv"), "team": "research"},
                {"path": str(DATA / "emission.csv"), "team": "applied"},
                {"path": str(DATA / "carbontracker"), "team": "applied"},
            ],
            "base_dir": str(DATA),
        },
        {},
        origin="test",
    )
    return build_context(run(config))


def _squash(text: str) -> str:
    """Text without any whitespace: PDF extraction breaks lines where the layout wrapped them."""
    return "".join(text.split())


def _pdf_text(path: Path) -> tuple[PdfReader, str]:
    reader = PdfReader(path)
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def context() -> ReportContext:
    return _context()


@pytest.fixture(scope="module")
def rendered(context: ReportContext, tmp_path_factory: pytest.TempPathFactory) -> tuple[PdfReader, str]:
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
    by_month = [
        {"month": f"2026-{m:02d}", "energy_kwh": 1000.0 * m, "location_based_tco2e": 0.37 * m}
        for m in range(1, 13)
    ]
    svg = charts.monthly_bar_chart(by_month)
    root = ET.fromstring(svg)
    texts = [el.text for el in root.iter("{http://www.w3.org/2000/svg}text")]
    for label in ("Jan", "Feb", "Jun", "Dec", "2026", "tCO2e"):
        assert label in texts
    assert formatting.tco2e(0.37 * 12) in texts  # each bar carries its value
    assert len(list(root.iter("{http://www.w3.org/2000/svg}rect"))) == 12


def test_monthly_chart_handles_an_empty_period_and_escapes_text() -> None:
    svg = charts.monthly_bar_chart(
        [{"month": "2026-12", "location_based_tco2e": 0.0}], title="R&D <emissions>"
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
    context: ReportContext, rendered: tuple[PdfReader, str]
) -> None:
    _, text = rendered
    squashed = _squash(text)
    energy = formatting.energy_mwh(context.totals["energy_kwh"])
    emissions = formatting.tco2e(context.totals["location_based_tco2e"])
    assert _squash(f"{energy} MWh") in squashed
    assert _squash(f"{emissions} tCO2e") in squashed
    assert context.totals["market_based_tco2e"] is None
    assert "not yet reported" in text
    assert _squash(formatting.tco2e(context.totals["tracker_reported_tco2e"])) in squashed


def test_pdf_lists_every_factor_and_every_exclusion(
    context: ReportContext, rendered: tuple[PdfReader, str]
) -> None:
    _, text = rendered
    squashed = _squash(text)
    assert context.factors, "the test data should use at least one factor"
    for factor in context.factors:
        assert factor["id"] in text
        assert _squash(factor["licence"]) in squashed
    reasons = [e["reason"] for entry in context.inputs for e in entry["exclusions"]]
    assert reasons, "the test data should exclude at least one row (a superseded flush row)"
    for reason in reasons:
        assert _squash(reason) in squashed


def test_pdf_explains_every_flag_and_shows_quality_sections(
    context: ReportContext, rendered: tuple[PdfReader, str]
) -> None:
    _, text = rendered
    squashed = _squash(text)
    for flag in FLAG_EXPLANATIONS:
        assert flag in text
    assert set(context.data_quality["flag_counts"]) <= set(FLAG_EXPLANATIONS)
    for heading in ("Power usage effectiveness", "Methodology", "Emission factors", "Data quality",
                    "Inputs ledger", "Excluded rows", "By team", "By project", "By country"):
        assert heading in text
    for entry in context.inputs:
        assert formatting.sha_short(entry["sha256"]) in squashed


def test_pdf_lists_a_very_long_exclusion_list_in_full(
    context: ReportContext, tmp_path: Path
) -> None:
    reasons = [f"synthetic exclusion {i:04d} of 600" for i in range(600)]
    exclusions = [{"row": 2 + i, "reason": reason} for i, reason in enumerate(reasons)]
    inputs = [dict(context.inputs[0], exclusions=exclusions, rows_excluded=600), *context.inputs[1:]]
    _, text = _pdf_text(render_pdf(dataclasses.replace(context, inputs=inputs), tmp_path / "long.pdf"))
    squashed = _squash(text)
    missing = [reason for reason in reasons if _squash(reason) not in squashed]
    assert missing == []


def test_pdf_of_a_period_with_no_runs(tmp_path: Path) -> None:
    context = _context(period="2026-12")
    assert context.totals["line_items"] == 0
    reader, text = _pdf_text(render_pdf(context, tmp_path / "empty.pdf"))
    assert "December 2026" in text
    assert "outside the reporting period" in text
    assert len(reader.pages) >= 3


def test_html_escapes_the_organisation_name(context: ReportContext) -> None:
    html = render_html(dataclasses.replace(context, organization={"name": "<b>Evil</b>", "slug": "x"}))
    assert "<b>Evil</b>" not in html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html


def test_template_errors_become_render_errors(context: ReportContext, tmp_path: Path) -> None:
    broken = dataclasses.replace(context, totals={})
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
    context = build_context(run(config))
    reader, text = _pdf_text(render_pdf(context, tmp_path / "demo.pdf"))
    assert len(reader.pages) >= 8
    for month in ("Jan", "Jun", "Dec"):
        assert month in text
    for factor in context.factors:
        assert factor["id"] in text
    assert _squash(formatting.tco2e(context.totals["location_based_tco2e"])) in _squash(text)
