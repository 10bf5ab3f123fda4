"""Market-based figures per line item (lineage file), the market rates in the factor table, and
monthly and hourly matching as additional figures. Every expected figure is worked out by hand."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.core.market import Instrument, market_based, monthly_matched_kwh
from reporter.core.matching import hourly_demand, hourly_matched
from reporter.pipeline import run
from reporter.report import build_report
from reporter.report.market_rates import line_item_market, row_rate_sources
from tests.test_market_based import CONFIG, HEADER, TWENTY_DAYS_S


def _report(tmp_path: Path, rows: str, config: str, formats: str = '["json", "xlsx", "pdf"]') -> dict[str, Any]:
    (tmp_path / "emissions.csv").write_text(HEADER + rows)
    (tmp_path / "report.toml").write_text(config.replace('formats = ["json", "xlsx"]', f"formats = {formats}"))
    result = CliRunner().invoke(main, ["report", "--quiet", "--config", str(tmp_path / "report.toml")])
    assert result.exit_code == 0, result.output
    return json.loads(next((tmp_path / "out").glob("*.json")).read_text())


@pytest.fixture(scope="module")
def three_markets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("market")
    document = _report(
        folder,
        f"2026-11-25T00:00:00,p,de,e,{TWENTY_DAYS_S},0,3000.0,DEU,1.0\n"
        f"2026-11-25T00:00:00,p,kr,e,{TWENTY_DAYS_S},0,2000.0,KOR,1.0\n"
        f"2026-11-25T00:00:00,p,fr,e,{TWENTY_DAYS_S},0,1000.0,FRA,1.0\n",
        CONFIG,
    )
    return folder, document


def test_the_lineage_gives_each_line_item_its_market_figures(three_markets: tuple[Path, dict[str, Any]]) -> None:
    folder, document = three_markets
    table = pq.read_table(folder / "out" / document["lineage"]["file"]).to_pandas().set_index("run_id")
    # DEU: 3,000 kWh; the 2 MWh GO of 2026 covers 2,000 kWh; 1,000 kWh at the residual mix (DE = 650 g,
    # given in the configuration file) -> 650 kg.
    de = table.loc["de"]
    assert (de["market_key"], de["market_basis"]) == ("DEU", "residual_mix")
    assert de["market_covered_kwh_in_period"] == pytest.approx(2_000.0)
    assert de["market_factor_g_per_kwh"] == 650.0
    assert de["market_factor_origin"] == "report.toml [factors.residual_mix] DE"
    assert de["market_based_co2e_kg_in_period"] == pytest.approx(650.0)
    # KOR: nothing covers it; 2,000 kWh at the supplier's 380 g -> 760 kg.
    kr = table.loc["kr"]
    assert (kr["market_key"], kr["market_basis"], kr["market_covered_kwh_in_period"]) == ("KOR", "supplier_rate", 0.0)
    assert kr["market_factor_origin"] == "report.toml [factors.supplier] KOR"
    assert kr["market_based_co2e_kg_in_period"] == pytest.approx(760.0)
    # FRA: 1,000 kWh wholly covered by the 4 MWh I-REC -> 0 kg; the rate left is its location factor.
    fr = table.loc["fr"]
    assert (fr["market_basis"], fr["market_covered_kwh_in_period"]) == ("instruments", pytest.approx(1_000.0))
    assert fr["market_based_co2e_kg_in_period"] == 0.0
    assert fr["market_factor_origin"] == f"location factor {fr['factor_id']}"
    assert fr["market_factor_g_per_kwh"] == fr["factor_g_per_kwh"]
    # 650 + 760 + 0 kg = 1.41 t, the report's market-based Scope 2 total.
    assert table["market_based_co2e_kg_in_period"].sum() == pytest.approx(1_410.0)
    assert table["market_based_co2e_kg_in_period"].sum() / 1000 == pytest.approx(
        document["totals"]["market_based_tco2e"], rel=1e-12
    )
    assert table["market_covered_kwh_in_period"].sum() == pytest.approx(document["totals"]["instrument_covered_kwh"])
    columns = {c["name"]: c["type"] for c in document["lineage"]["columns"]}
    assert columns["market_based_co2e_kg_in_period"] == "double" and columns["market_factor_origin"] == "string"


def test_the_factor_table_lists_the_market_rates_with_their_origin(three_markets: tuple[Path, dict[str, Any]]) -> None:
    folder, document = three_markets
    rates = {(r["basis"], r["key"]): r for r in document["market_rates"]}
    # Only the rates that priced energy: DE's residual mix (1,000 kWh, 0.65 t) and KOR's supplier rate
    # (2,000 kWh, 0.76 t). FRA is wholly covered, so no rate of its own is used.
    assert set(rates) == {("residual_mix", "DEU"), ("supplier_rate", "KOR")}
    de, kr = rates[("residual_mix", "DEU")], rates[("supplier_rate", "KOR")]
    assert (de["value"], de["unit"], de["year"], de["origin"]) == (
        650.0, "gCO2e/kWh", 2026, "report.toml [factors.residual_mix] DE"
    )
    assert de["energy_kwh"] == pytest.approx(1_000.0) and de["market_based_tco2e"] == pytest.approx(0.65)
    assert (kr["value"], kr["origin"]) == (380.0, "report.toml [factors.supplier] KOR")
    assert kr["energy_kwh"] == pytest.approx(2_000.0) and kr["market_based_tco2e"] == pytest.approx(0.76)
    sheet = list(openpyxl.load_workbook(next((folder / "out").glob("*.xlsx")), read_only=True)["Factors"].iter_rows(
        values_only=True
    ))
    header = sheet[0]
    rows = [dict(zip(header, row, strict=False)) for row in sheet[1:] if row[0]]
    market = {row["id"]: row for row in rows if row["basis"] in ("supplier_rate", "residual_mix")}
    assert set(market) == {"residual_mix:DEU:2026", "supplier_rate:KOR:2026"}
    assert market["supplier_rate:KOR:2026"]["source"] == "report.toml [factors.supplier] KOR"
    assert market["supplier_rate:KOR:2026"]["value"] == 380.0
    assert any(row["id"] and row["basis"] not in market and row["unit"] == "gCO2e/kWh" for row in rows)
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(next((folder / "out").glob("*.pdf"))).pages)
    assert "report.toml [factors.supplier]" in text and "supplier rate" in text


def test_a_rate_from_a_workbook_names_its_cell(tmp_path: Path) -> None:
    from tests.test_workbook import ELECTRICITY, fill

    book = fill(tmp_path / "filled.xlsx", {"Electricity": ELECTRICITY[:1], "Residual mix": [["DE", 690.5]]})
    (tmp_path / "r.toml").write_text(
        '[organization]\nname = "W"\n[period]\nmonth = "2026-10"\n[[inputs]]\npath = "filled.xlsx"\n'
    )
    from reporter.config import load_config

    result = run(load_config(tmp_path / "r.toml"))
    report = build_report(result)
    # Berlin: 1,000 kWh of IT × PUE 1.5 = 1,500 kWh at the workbook's residual mix 690.5 g -> 1,035.75 kg.
    [rate] = report.market_rates
    assert (rate.basis, rate.key, rate.value) == ("residual_mix", "DEU", 690.5)
    assert rate.origin == "filled.xlsx 'Residual mix'!B2"
    assert rate.market_based_tco2e == pytest.approx(1.03575)
    [item] = report.line_items.to_dict(orient="records")
    assert item["market_factor_origin"] == "filled.xlsx 'Residual mix'!B2"
    assert item["market_based_co2e_kg_in_period"] == pytest.approx(1_035.75)
    assert book.exists()


def test_a_line_item_over_two_months_sums_its_months_and_names_both_bases() -> None:
    allocated = pd.DataFrame(
        {
            "record": [7, 7, 9],
            "market_key": ["DEU", "DEU", "FRA"],
            "market_basis": ["residual_mix", "instruments", "instruments"],
            "market_factor_g_per_kwh": [650.0, 650.0, 50.0],
            "covered_kwh": [40.0, 60.0, 10.0],
            "market_based_co2e_kg": [39.0, 0.0, 0.0],
            "location_key": ["DEU", "DEU", "FRA"],
            "country_iso3": ["DEU", "DEU", "FRA"],
            "scope": ["scope2"] * 3,
            "factor_id": ["f-de", "f-de", "f-fr"],
            "market_rate_source": ["residual_mix", "residual_mix", "location_factor"],
            "market_rate_key": ["DEU", "DEU", None],
        }
    )
    out = line_item_market(
        allocated, row_rate_sources(allocated, {("residual_mix", "DEU"): "c.toml [factors.residual_mix] DEU"})
    )
    # Record 7: 40 + 60 kWh covered; 39 + 0 kg; residual mix in one month, wholly covered in the other.
    assert out.loc[7, "market_covered_kwh_in_period"] == 100.0
    assert out.loc[7, "market_based_co2e_kg_in_period"] == 39.0
    assert out.loc[7, "market_basis"] == "instruments;residual_mix"
    assert out.loc[7, "market_factor_origin"] == "c.toml [factors.residual_mix] DEU"
    assert (out.loc[9, "market_basis"], out.loc[9, "market_factor_origin"]) == ("instruments", "location factor f-fr")


# -------------------------------------------------------------------------------- matching

MARCH = Instrument("GO-MAR", "GO", 10.0, "DEU", 2026, start=date(2026, 3, 1), end=date(2026, 3, 31))


def _runs(*runs: tuple[str, str, str, float]) -> pd.DataFrame:
    """(month, start, end, kWh) Scope 2 measured runs in DEU, as the allocated rows carry them."""
    frame = pd.DataFrame(runs, columns=["month", "start_time", "end_time", "energy_kwh"])
    frame["start_time"] = pd.to_datetime(frame["start_time"])
    frame["end_time"] = pd.to_datetime(frame["end_time"])
    return frame.assign(
        scope="scope2", market_key="DEU", method="measured", source_format="codecarbon",
        location_key="DEU", country_iso3="DEU", factor_g_per_kwh=380.0, energy_kwh_low=frame["energy_kwh"],
        energy_kwh_high=frame["energy_kwh"], location_based_co2e_kg=0.0, location_based_co2e_kg_low=0.0,
        location_based_co2e_kg_high=0.0, flags="",
    )


def test_a_march_instrument_covers_a_march_run_monthly_but_not_an_april_run() -> None:
    # Two 1,000 kWh runs of 40 hours (25 kW): 10 March 00:00..11 March 16:00 and the same in April.
    runs = _runs(
        ("2026-03", "2026-03-10 00:00", "2026-03-11 16:00", 1_000.0),
        ("2026-04", "2026-04-10 00:00", "2026-04-11 16:00", 1_000.0),
    )
    frame = market_based(runs, [MARCH], {}, {}).allocated
    # Annual rule: 10 MWh of 2026 covers the year's 2,000 kWh. Monthly: March's 10,000 kWh of
    # generation covers March's 1,000 kWh; April has no generation.
    assert frame["covered_kwh"].sum() == pytest.approx(2_000.0)
    assert monthly_matched_kwh(frame, [MARCH]) == pytest.approx(1_000.0)
    # Hourly: 10,000 kWh over March's 31 × 24 = 744 hours = 13.4409 kWh per hour; the March run
    # draws 25 kWh in each of its 40 hours, so 40 × 10,000 / 744 = 537.63 kWh are matched.
    match = hourly_matched(frame, [MARCH])
    assert match.matched_kwh == pytest.approx(40 * 10_000 / 744)
    assert match.resolved_kwh == pytest.approx(2_000.0)


def test_hourly_matching_counts_a_small_run_fully_and_skips_undated_or_estimated_energy() -> None:
    runs = _runs(
        ("2026-03", "2026-03-10 00:30", "2026-03-10 02:30", 20.0),  # 10 kWh/h < 13.44 kWh/h: all matched
        ("2026-03", "2026-03-12 00:00", None, 500.0),  # no end time: no hourly resolution
    )
    runs.loc[1, "end_time"] = pd.NaT
    estimated = _runs(("2026-03", "2026-03-10 00:00", "2026-03-10 10:00", 70.0)).assign(method="estimated")
    allocated = pd.concat([runs, estimated], ignore_index=True)
    match = hourly_matched(allocated, [MARCH])
    assert match.matched_kwh == pytest.approx(20.0)
    assert match.resolved_kwh == pytest.approx(20.0)
    # A meter reading from a format named as a billing-period reading takes no part either.
    assert hourly_matched(allocated, [MARCH], period_formats=("codecarbon",)).resolved_kwh == 0.0


def test_a_country_instrument_covers_what_a_state_instrument_leaves_in_monthly_and_hourly_matching() -> None:
    # Two 10-hour runs on 10 March in one country: Virginia 800 kWh (80 kWh/h), Oregon 200 kWh
    # (20 kWh/h). A Virginia REC of 0.5 MWh and a whole-US REC of 0.9 MWh, both generated on 10 March.
    runs = _runs(
        ("2026-03", "2026-03-10 00:00", "2026-03-10 10:00", 800.0),
        ("2026-03", "2026-03-10 00:00", "2026-03-10 10:00", 200.0),
    ).assign(location_key=["US-VA", "US-OR"], country_iso3="USA")
    day = date(2026, 3, 10)
    virginia = Instrument("REC-VA", "REC", 0.5, "US-VA", 2026, start=day, end=day)
    whole_us = Instrument("REC-US", "REC", 0.9, "USA", 2026, start=day, end=day)
    frame = market_based(runs, [virginia, whole_us], {}, {}).allocated
    # Annual and monthly alike: Virginia's 500 kWh cover 500 of its 800; the US REC then covers the
    # 300 + 200 kWh left across the country: all 1,000 kWh (matching the US REC to Oregon alone
    # would give 500 + 200 = 700).
    assert frame["covered_kwh"].sum() == pytest.approx(1_000.0)
    assert monthly_matched_kwh(frame, [virginia, whole_us]) == pytest.approx(1_000.0)
    # Hourly: the RECs spread over 24 hours (500/24 = 20.833 and 900/24 = 37.5 kWh/h). In each of the
    # 10 hours Virginia draws 80 and is matched 20.833; what is left, 59.167 + Oregon's 20, exceeds
    # the US REC's 37.5, which is matched whole: 208.33 + 375 = 583.33 kWh (Oregon alone: 408.33).
    match = hourly_matched(frame, [virginia, whole_us])
    assert match.matched_kwh == pytest.approx(10 * 500 / 24 + 10 * 37.5)


def test_hourly_demand_splits_partial_hours_by_time() -> None:
    # 30 kWh from 0.5 h to 2.0 h: 10 kWh in hour 0, 20 kWh in hour 1; 6 kWh at one instant in hour 2;
    # 8 kWh from 1.75 h to 3.75 h: 1 kWh in hour 1, 4 in hour 2, 3 in hour 3.
    demand = hourly_demand(
        np.array([0.5, 2.25, 1.75]), np.array([2.0, 2.25, 3.75]), np.array([30.0, 6.0, 8.0]), 5
    )
    assert demand.tolist() == pytest.approx([10.0, 21.0, 10.0, 3.0, 0.0])


def test_the_report_gives_monthly_and_hourly_matching_as_additional_figures(tmp_path: Path) -> None:
    config = CONFIG.split("[[instruments]]")[0].replace('month = "2026-11"', 'start = "2026-03-01"\nend = "2026-04-30"')
    config += (
        '[[instruments]]\ntype = "GO"\nmwh = 10.0\nregion = "DEU"\nvintage = 2026\ncertificate_id = "GO-MAR"\n'
        'start = 2026-03-01\nend = 2026-03-31\n\n[output]\ndir = "out"\nformats = ["json", "xlsx"]\n'
    )
    document = _report(
        tmp_path,
        "2026-03-11T16:00:00,p,mar,e,144000,0,1000.0,DEU,1.0\n2026-04-11T16:00:00,p,apr,e,144000,0,1000.0,DEU,1.0\n",
        config,
        '["json", "pdf"]',
    )
    totals = document["totals"]
    # As worked above: annual 100 %, monthly 1,000 / 2,000 = 50 %, hourly 537.63 / 2,000 = 26.88 %.
    assert totals["instrument_coverage_share"] == pytest.approx(1.0)
    assert totals["market_based_tco2e"] == pytest.approx(0.0)
    assert totals["monthly_matched_coverage_share"] == pytest.approx(0.5)
    assert totals["hourly_matched_coverage_share"] == pytest.approx(40 * 10_000 / 744 / 2_000)
    assert totals["hourly_resolved_energy_kwh"] == pytest.approx(2_000.0)
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(next((tmp_path / "out").glob("*.pdf"))).pages)
    text = " ".join(text.split())
    assert "Additional figure, not the reported one: matched hour by hour" in text
    assert "26.9%" in text or "26.9 %" in text
