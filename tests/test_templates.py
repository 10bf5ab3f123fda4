"""A user's own report templates (`--templates DIR`, `[output] templates`): what the folder holds
replaces the shipped file of the same name, everything else comes from the shipped templates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reporter.cli import main
from reporter.errors import RenderError
from reporter.render.pdf import render_html, render_pdf
from tests.conftest import TRACKERS, context_for

SHIPPED = resources.files("reporter.templates")
SAMPLE = TRACKERS / "codecarbon" / "emissions.csv"


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_own_template_with_the_shipped_stylesheet(tmp_path: Path) -> None:
    own = tmp_path / "brand"
    own.mkdir()
    html = SHIPPED.joinpath("report.html.j2").read_text(encoding="utf-8")
    marked = html.replace("<body>", "<body><p>Prepared by Example Sustainability Team</p>", 1)
    (own / "report.html.j2").write_text(marked, encoding="utf-8")
    report = context_for([str(SAMPLE)], period="2026-01..2026-12", output={"templates": str(own)})
    assert "Prepared by Example Sustainability Team" in render_html(report)
    text = pdf_text(render_pdf(report, tmp_path / "own.pdf"))
    assert "Prepared by Example Sustainability Team" in text
    assert "AI energy and emissions report" in text  # the shipped stylesheet's running header


def test_own_stylesheet_with_the_shipped_template(tmp_path: Path) -> None:
    own = tmp_path / "brand"
    own.mkdir()
    css = SHIPPED.joinpath("report.css").read_text(encoding="utf-8")
    (own / "report.css").write_text(css.replace('"AI energy and emissions report · "', '"Example Co · "', 1),
                                    encoding="utf-8")
    report = context_for([str(SAMPLE)], period="2026-01..2026-12", output={"templates": str(own)})
    text = pdf_text(render_pdf(report, tmp_path / "css.pdf"))
    assert "Example Co ·" in text and "AI energy and emissions report ·" not in text
    assert "Summary" in text  # the shipped template's sections


def test_a_missing_templates_folder_is_one_clear_error(tmp_path: Path) -> None:
    report = context_for([str(SAMPLE)], period="2026-01..2026-12", output={"templates": str(tmp_path / "none")})
    with pytest.raises(RenderError, match="the templates folder .* does not exist"):
        render_pdf(report, tmp_path / "x.pdf")
    result = CliRunner().invoke(main, ["report", str(SAMPLE), "--org", "Test", "--period", "2026", "--out",
                                       str(tmp_path / "out"), "--only", "pdf", "--templates",
                                       str(tmp_path / "none"), "-q"])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_every_package_is_listed_for_installation() -> None:
    """pyproject lists the packages by hand (to map `templates/` in); a new subpackage must be added there."""
    import tomllib

    from setuptools import find_packages

    root = Path(__file__).resolve().parents[1]
    listed = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    assert sorted(listed) == sorted([*find_packages(str(root), include=["reporter*"]), "reporter.templates"])
