"""Supplier rates and residual mixes with a year and a source of their own: the configuration's table
form, the workbook's year and source columns, the report's market_rates rows (JSON, workbook, PDF)
and the data-quality note naming the rates used without a year. Figures are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reporter.cli import main
from reporter.config import load_config
from reporter.errors import ConfigError, InputFormatError
from reporter.pipeline import run
from reporter.report import build_report
from tests.test_market_based import HEADER, TWENTY_DAYS_S

# Two CodeCarbon runs of November 2026, wholly in the month (20 days ending on the 25th), PUE 1.0:
# 2,000 kWh in Korea and 1,000 kWh in Germany. No instruments: all of it is priced at the rates.
ROWS = (
    f"2026-11-25T00:00:00,p,kr,e,{TWENTY_DAYS_S},0,2000.0,KOR,1.0\n"
    f"2026-11-25T00:00:00,p,de,e,{TWENTY_DAYS_S},0,1000.0,DEU,1.0\n"
)
KEPCO = "KEPCO sustainability report 2025"
CONFIG = """
[organization]
name = "Rate Test"

[period]
month = "2026-11"

[[inputs]]
path = "emissions.csv"

[output]
formats = ["json", "xlsx", "pdf"]

[factors.supplier]
KOR = {supplier}

[factors.residual_mix]
DE = {residual}
"""
KOR_TABLE = f'{{ g_co2e_per_kwh = 420.0, year = 2025, source = "{KEPCO}" }}'
NOTE_START = "Market-based rates used without a year of their own: "


def _write(folder: Path, supplier: str, residual: str) -> Path:
    (folder / "emissions.csv").write_text(HEADER + ROWS)
    config = folder / "report.toml"
    config.write_text(CONFIG.replace("{supplier}", supplier).replace("{residual}", residual))
    return config


def _report(folder: Path, supplier: str, residual: str) -> dict[str, Any]:
    config = _write(folder, supplier, residual)
    result = CliRunner().invoke(main, ["report", "--quiet", "--config", str(config)])
    assert result.exit_code == 0, result.output
    return json.loads(next((folder / "out").glob("*.json")).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kepco(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("rates")
    return folder, _report(folder, KOR_TABLE, "650.0")


def test_a_rate_table_prices_the_energy_and_its_year_and_source_reach_the_json(
    kepco: tuple[Path, dict[str, Any]],
) -> None:
    _, document = kepco
    rates = {(r["basis"], r["key"]): r for r in document["market_rates"]}
    assert set(rates) == {("supplier_rate", "KOR"), ("residual_mix", "DEU")}
    kr, de = rates[("supplier_rate", "KOR")], rates[("residual_mix", "DEU")]
    # KOR: 2,000 kWh x 420 g/kWh / 1,000 = 840 kg = 0.84 t, at the rate of the table.
    assert kr["value"] == 420.0 and kr["energy_kwh"] == pytest.approx(2_000.0)
    assert kr["market_based_tco2e"] == pytest.approx(0.84)
    assert (kr["data_year"], kr["source"], kr["year"]) == (2025, KEPCO, 2026)
    assert kr["origin"] == "report.toml [factors.supplier] KOR"
    # DEU: 1,000 kWh x 650 g/kWh / 1,000 = 650 kg; a plain number states no year or source.
    assert de["market_based_tco2e"] == pytest.approx(0.65)
    assert (de["data_year"], de["source"], de["year"]) == (None, None, 2026)
    # 0.84 + 0.65 = 1.49 t market-based (Scope 2 only: no cloud usage).
    assert document["totals"]["market_based_tco2e"] == pytest.approx(1.49)
    assert document["schema_version"] == "7"
    # One note, naming the rate without a year (DE's residual mix) and not the one with a year.
    [note] = document["data_quality"]["notes"]
    assert note.startswith(NOTE_START + "residual_mix:DEU.") and "KOR" not in note
    assert "[factors.residual_mix]" in note


def test_the_workbook_and_the_pdf_show_the_rates_year_and_source(kepco: tuple[Path, dict[str, Any]]) -> None:
    folder, _ = kepco
    book = openpyxl.load_workbook(next((folder / "out").glob("*.xlsx")), read_only=True)
    sheet = list(book["Factors"].iter_rows(values_only=True))
    rows = {row[0]: dict(zip(sheet[0], row, strict=False)) for row in sheet[1:] if row[0]}
    kr, de = rows["supplier_rate:KOR:2026"], rows["residual_mix:DEU:2026"]
    assert (kr["value"], kr["year"], kr["source"]) == (420.0, 2025, KEPCO)
    assert kr["source_detail"].startswith("report.toml [factors.supplier] KOR; applied to 2026 consumption")
    assert kr["market_based_tco2e"] == pytest.approx(0.84)
    # no year stated: the year cell is empty and the source is the configuration key that gives the rate
    assert (de["year"], de["source"]) == (None, "report.toml [factors.residual_mix] DE")
    quality = [row[0] for row in book["Data quality"].iter_rows(values_only=True) if row[0]]
    assert sum(1 for text in quality if str(text).startswith(NOTE_START)) == 1
    text = " ".join(page.extract_text() for page in PdfReader(next((folder / "out").glob("*.pdf"))).pages)
    assert KEPCO in text and "not stated" in text and "Consumption" in text
    assert "residual_mix:DEU" in text


def test_plain_numbers_still_price_the_energy_and_are_named_in_one_note(tmp_path: Path) -> None:
    document = _report(tmp_path, "420.0", "650.0")
    # The same figures as with the table: 840 kg + 650 kg.
    assert document["totals"]["market_based_tco2e"] == pytest.approx(1.49)
    assert all(r["data_year"] is None and r["source"] is None for r in document["market_rates"])
    assert document["data_quality"]["notes"] == [
        NOTE_START + "residual_mix:DEU, supplier_rate:KOR. Add `year` to the rate in [factors.supplier] / "
        "[factors.residual_mix] (the table form) or in the year column of the workbook's rate sheet."
    ]


def test_no_note_when_every_rate_used_states_its_year(tmp_path: Path) -> None:
    document = _report(tmp_path, KOR_TABLE, "{ g_co2e_per_kwh = 650.0, year = 2024 }")
    assert document["data_quality"]["notes"] == []
    de = next(r for r in document["market_rates"] if r["key"] == "DEU")
    assert (de["data_year"], de["source"], de["market_based_tco2e"]) == (2024, None, pytest.approx(0.65))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("{ g_co2e_per_kwh = 420.0, year = 1980 }", "factors.supplier.KOR.year: 1980 is not a year from 1990 to 2100"),
        ("{ g_co2e_per_kwh = 420.0, year = 2101 }", "factors.supplier.KOR.year: 2101 is not a year"),
        ('{ g_co2e_per_kwh = 420.0, year = "2025" }', "factors.supplier.KOR.year: Input should be a valid integer"),
        ("{ g_co2e_per_kwh = -1.0, year = 2025 }", "factors.supplier.KOR: -1.0 is not a rate in gCO2e/kWh"),
        ("{ g_co2e_per_kwh = 420.0, vintage = 2025 }", "unknown key 'factors.supplier.KOR.vintage'"),
        ("{ year = 2025 }", "missing key 'factors.supplier.KOR.g_co2e_per_kwh'"),
        ('{ g_co2e_per_kwh = 420.0, source = " " }', "factors.supplier.KOR.source is empty"),
    ],
)
def test_a_bad_rate_table_is_one_config_error_naming_the_key(tmp_path: Path, table: str, message: str) -> None:
    config = _write(tmp_path, table, "650.0")
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert str(raised.value).startswith(f"{config}: ") and message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_bad_year_on_the_command_line_exits_2_with_one_line(tmp_path: Path) -> None:
    config = _write(tmp_path, "{ g_co2e_per_kwh = 420.0, year = 1980 }", "650.0")
    result = CliRunner().invoke(main, ["report", "--quiet", "--config", str(config)])
    assert result.exit_code == 2
    assert "factors.supplier.KOR.year: 1980" in result.output and "Traceback" not in result.output


def test_the_workbooks_year_and_source_columns_round_trip(tmp_path: Path) -> None:
    from tests.test_workbook import ELECTRICITY, fill

    fill(tmp_path / "filled.xlsx", {
        "Electricity": ELECTRICITY[:1],
        "Residual mix": [["DE", 690.5, 2024, "AIB European residual mixes 2024"]],
        "Supplier rates": [["US-VA", 310]],
    })
    (tmp_path / "r.toml").write_text(
        '[organization]\nname = "W"\n[period]\nmonth = "2026-10"\n[[inputs]]\npath = "filled.xlsx"\n'
        f"[factors.supplier]\nKOR = {KOR_TABLE}\n"
    )
    result = run(load_config(tmp_path / "r.toml"))
    factors = result.config.factors
    # the file's table survives the merge with the workbook's rates
    assert factors.supplier == {"KOR": 420.0, "US-VA": 310.0} and factors.residual_mix == {"DE": 690.5}
    assert (factors.rate_detail("supplier", "KOR").year, factors.rate_detail("supplier", "KOR").source) == (
        2025, KEPCO
    )
    assert factors.rate_detail("residual_mix", "DE").year == 2024
    assert factors.rate_detail("supplier", "US-VA").year is None
    report = build_report(result)
    # Berlin: 1,000 kWh of IT x PUE 1.5 = 1,500 kWh at the workbook's 690.5 g -> 1,035.75 kg.
    [rate] = report.market_rates
    assert (rate.basis, rate.key, rate.value, rate.year) == ("residual_mix", "DEU", 690.5, 2026)
    assert (rate.data_year, rate.source) == (2024, "AIB European residual mixes 2024")
    assert rate.origin == "filled.xlsx 'Residual mix'!B2"
    assert rate.market_based_tco2e == pytest.approx(1.03575)
    assert report.data_quality.notes == ()  # the one rate used states its year; US-VA's is not used


def test_a_workbook_year_out_of_range_names_its_cell(tmp_path: Path) -> None:
    from tests.test_workbook import ELECTRICITY, fill

    fill(tmp_path / "filled.xlsx", {"Electricity": ELECTRICITY[:1], "Residual mix": [["DE", 690.5, 1980]]})
    (tmp_path / "r.toml").write_text(
        '[organization]\nname = "W"\n[period]\nmonth = "2026-10"\n[[inputs]]\npath = "filled.xlsx"\n'
    )
    with pytest.raises(InputFormatError, match=r"'Residual mix'!C2: 1980 is below 1990"):
        run(load_config(tmp_path / "r.toml"))
