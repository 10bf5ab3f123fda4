"""The Organisation sheet: the LEI and the organisation-level figures of [organization_figures],
read from a filled workbook and merged with the configuration (a value in both is an error naming both)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import load_config
from reporter.errors import ConfigError, InputError
from reporter.pipeline import run
from tests.conftest import run_inputs
from tests.test_workbook import ELECTRICITY, fill, write_config

LEI = "9999ACMEAISYNTH00026"  # synthetic, with a valid ISO 17442 check sum (as in sample_inputs/report.toml)


def organisation(**values: Any) -> list[list[Any]]:
    """One Organisation row, by header (the sheet's columns are read by their header, in any order)."""
    return [[values.get(header) for header in HEADERS]]


HEADERS = ["name", "slug", "Month", "Start", "End", "lei", "scope1_tco2e",
           *(f"scope3_tco2e.{n}" for n in range(1, 16)), "net_revenue_eur",
           "energy_mix_mwh.fossil", "energy_mix_mwh.nuclear", "energy_mix_mwh.renewable"]
FIGURES = {"name": "Acme AI GmbH", "Month": "2026-10", "lei": LEI, "scope1_tco2e": 120.5,
           "scope3_tco2e.1": 40, "scope3_tco2e.6": "7.25", "net_revenue_eur": 25_000_000,
           "energy_mix_mwh.fossil": 100, "energy_mix_mwh.nuclear": 20, "energy_mix_mwh.renewable": 380}


def test_the_template_has_the_lei_and_every_figure_column(tmp_path: Path) -> None:
    path = fill(tmp_path / "t.xlsx", {})
    assert [c.value for c in openpyxl.load_workbook(path)["Organisation"][1]] == HEADERS


def test_the_lei_and_figures_are_read_into_the_configuration(tmp_path: Path) -> None:
    fill(tmp_path / "filled.xlsx", {"Electricity": [ELECTRICITY[0]], "Organisation": organisation(**FIGURES)})
    config = run(load_config(write_config(tmp_path, ""))).config
    assert config.organization.lei == LEI
    figures = config.organization_figures
    assert figures.scope1_tco2e == 120.5 and figures.net_revenue_eur == 25_000_000.0
    assert figures.scope3_tco2e == {"1": 40.0, "6": 7.25}  # '7.25' stored as text is a number
    assert figures.energy_mix_mwh is not None
    assert (figures.energy_mix_mwh.fossil, figures.energy_mix_mwh.nuclear, figures.energy_mix_mwh.renewable) == (
        100.0, 20.0, 380.0)


def test_scope3_categories_given_in_different_places_are_merged(tmp_path: Path) -> None:
    fill(tmp_path / "filled.xlsx", {"Organisation": organisation(**FIGURES)})
    config = run(load_config(write_config(tmp_path, '[organization_figures.scope3_tco2e]\n"3" = 5\n'))).config
    assert config.organization_figures.scope3_tco2e == {"3": 5.0, "1": 40.0, "6": 7.25}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # scope1_tco2e is column G (A name, B slug, C-E period, F lei).
        ("[organization_figures]\nscope1_tco2e = 120.5\n",
         "organization_figures.scope1_tco2e is given both in {cfg} and in filled.xlsx Organisation!G2"),
        # Scope 3 category 6 is column M (category 1 is H); the same value is still given twice.
        ('[organization_figures.scope3_tco2e]\n"6" = 7.25\n',
         "organization_figures.scope3_tco2e.6 is given both in {cfg} and in filled.xlsx Organisation!M2"),
        # The energy mix as a whole: its first column, X (W is net_revenue_eur).
        ("[organization_figures.energy_mix_mwh]\nfossil = 1\nnuclear = 2\nrenewable = 3\n",
         "organization_figures.energy_mix_mwh is given both in {cfg} and in filled.xlsx Organisation!X2"),
    ],
)
def test_a_figure_in_both_places_is_an_error_naming_both(tmp_path: Path, body: str, message: str) -> None:
    fill(tmp_path / "filled.xlsx", {"Organisation": organisation(**FIGURES)})
    config_path = write_config(tmp_path, body)
    with pytest.raises(ConfigError) as error:
        run(load_config(config_path))
    assert str(error.value) == message.format(cfg=config_path)


def test_an_lei_other_than_the_configurations_is_an_error(tmp_path: Path) -> None:
    fill(tmp_path / "filled.xlsx", {"Organisation": organisation(**FIGURES)})
    config_path = tmp_path / "report.toml"
    config_path.write_text('[organization]\nname = "Acme AI GmbH"\nlei = "9999BETALABSSYNTH032"\n[period]\n'
                           'month = "2026-10"\n[[inputs]]\npath = "filled.xlsx"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        run(load_config(config_path))
    assert str(error.value) == (
        f"organization.lei is given both in {config_path} (9999BETALABSSYNTH032) and in filled.xlsx Organisation "
        f"row 2 ({LEI}), differently"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"lei": "9999ACMEAISYNTH00027"}, "Organisation!F2: '9999ACMEAISYNTH00027' is not a LEI"),  # wrong check digits
        ({"energy_mix_mwh.fossil": 1, "energy_mix_mwh.nuclear": 2},
         "Organisation!Z2: 'energy_mix_mwh.renewable' is required"),
        ({"scope3_tco2e.4": -1}, "Organisation!K2: -1 is below 0"),
    ],
)
def test_a_bad_figure_names_its_cell(tmp_path: Path, values: dict[str, Any], message: str) -> None:
    fill(tmp_path / "f.xlsx", {"Organisation": organisation(**{**FIGURES, **{k: None for k in FIGURES if
                                                                             k.startswith("energy")}, **values})})
    with pytest.raises(InputError) as error:
        run_inputs([str(tmp_path / "f.xlsx")], period="2026-10")
    assert f"f.xlsx: {message}" in str(error.value)


def test_a_run_without_a_configuration_takes_the_lei_and_figures(tmp_path: Path, monkeypatch: Any) -> None:
    # (no energy mix: the report checks it against its own energy, 1.5 MWh here)
    figures = {key: value for key, value in FIGURES.items() if not key.startswith("energy_mix")}
    fill(tmp_path / "beta.xlsx", {"Electricity": [ELECTRICITY[0]],
                                  "Organisation": organisation(**{**figures, "name": "Beta Labs"})})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["report", "beta.xlsx", "--out", "out", "--quiet"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "beta-labs-2026-10.json").read_text(encoding="utf-8"))
    assert report["organization_figures"]["lei"] == LEI
    assert report["organization_figures"]["scope1_tco2e"] == 120.5
