"""Market-based Scope 2: every expected figure below is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporter.core.market import (
    BASIS_CLOUD,
    BASIS_INSTRUMENTS,
    BASIS_LOCATION,
    BASIS_RESIDUAL,
    BASIS_SUPPLIER,
    FALLBACK_FLAG,
    Instrument,
    coverage_share,
    market_based,
    monthly_matched_kwh,
)


def _rows(*rows: tuple[str, str, str, str | None, float, float]) -> pd.DataFrame:
    """(scope, month, location_key, country_iso3, energy_kwh, factor_g_per_kwh) per row."""
    frame = pd.DataFrame(
        rows, columns=["scope", "month", "location_key", "country_iso3", "energy_kwh", "factor_g_per_kwh"]
    )
    frame["energy_kwh_low"] = frame["energy_kwh"] * 0.5
    frame["energy_kwh_high"] = frame["energy_kwh"] * 2.0
    for suffix in ("", "_low", "_high"):
        frame[f"location_based_co2e_kg{suffix}"] = frame[f"energy_kwh{suffix}"] * frame["factor_g_per_kwh"] / 1000
    frame["flags"] = ""
    return frame


ORG = _rows(
    ("scope2", "2026-03", "DEU", "DEU", 30_000.0, 380.0),  # 0
    ("scope2", "2026-04", "DEU", "DEU", 50_000.0, 380.0),  # 1
    ("scope2", "2026-04", "FRA", "FRA", 10_000.0, 50.0),  # 2
    ("scope3_cat1", "2026-04", "aws:eu-central-1", "DEU", 5_000.0, 350.0),  # 3
    ("scope2", "2026-05", "KOR", "KOR", 20_000.0, 430.0),  # 4
    ("scope2", "2026-05", "JPN", "JPN", 1_000.0, 450.0),  # 5
)
INSTRUMENTS = [
    Instrument("GO-DE-1", "GO", 50.0, "DEU", 2026),
    Instrument("GO-DE-OLD", "GO", 10.0, "DEU", 2025),
    Instrument("GO-ES-1", "GO", 5.0, "ESP", 2026),
    Instrument("REC-FR-1", "I-REC", 40.0, "FRA", 2026),
]
SUPPLIER = {"KOR": 380.0}
RESIDUAL = {"DEU": 650.0}


@pytest.fixture(scope="module")
def result():
    return market_based(ORG, INSTRUMENTS, SUPPLIER, RESIDUAL)


def test_instruments_partly_cover_a_region_and_the_rest_takes_the_residual_mix(result) -> None:
    frame = result.allocated
    # DEU: 80,000 kWh of Scope 2 in 2026, 50 MWh of valid GOs: 62.5 % covered on each row.
    assert frame.loc[0, "covered_kwh"] == pytest.approx(18_750.0)
    assert frame.loc[1, "covered_kwh"] == pytest.approx(31_250.0)
    # Uncovered 11,250 and 18,750 kWh at the residual mix of 650 g/kWh.
    assert frame.loc[0, "market_based_co2e_kg"] == pytest.approx(7_312.5)
    assert frame.loc[1, "market_based_co2e_kg"] == pytest.approx(12_187.5)
    assert list(frame.loc[[0, 1], "market_basis"]) == [BASIS_RESIDUAL, BASIS_RESIDUAL]
    # Low and high bounds scale the same uncovered share: 15,000 kWh x 0.375 x 650 g = 3,656.25 kg.
    assert frame.loc[0, "market_based_co2e_kg_low"] == pytest.approx(3_656.25)


def test_supplier_rate_wins_over_the_location_factor_and_a_missing_one_falls_back_flagged(result) -> None:
    frame = result.allocated
    assert frame.loc[4, "market_based_co2e_kg"] == pytest.approx(20_000 * 380 / 1000)  # 7,600 kg
    assert frame.loc[4, "market_basis"] == BASIS_SUPPLIER
    # JPN: no instrument, supplier rate or residual mix: the location factor, flagged.
    assert frame.loc[5, "market_based_co2e_kg"] == pytest.approx(450.0)
    assert frame.loc[5, "market_basis"] == BASIS_LOCATION
    assert FALLBACK_FLAG in frame.loc[5, "flags"].split(";")
    assert FALLBACK_FLAG not in frame.loc[4, "flags"].split(";")


def test_a_wholly_covered_region_has_zero_market_based_emissions(result) -> None:
    frame = result.allocated
    assert frame.loc[2, "covered_kwh"] == pytest.approx(10_000.0)
    assert frame.loc[2, "market_based_co2e_kg"] == 0.0
    assert frame.loc[2, "market_basis"] == BASIS_INSTRUMENTS


def test_cloud_usage_keeps_its_location_based_estimate_flagged(result) -> None:
    frame = result.allocated
    assert frame.loc[3, "market_based_co2e_kg"] == pytest.approx(1_750.0)  # 5,000 kWh x 350 g
    assert frame.loc[3, "covered_kwh"] == 0.0
    assert frame.loc[3, "market_basis"] == BASIS_CLOUD
    assert FALLBACK_FLAG in frame.loc[3, "flags"]


def test_every_instrument_is_listed_with_its_use(result) -> None:
    uses = {use.instrument.certificate_id: use for use in result.instruments}
    assert [use.instrument.certificate_id for use in result.instruments] == [i.certificate_id for i in INSTRUMENTS]
    assert (uses["GO-DE-1"].status, uses["GO-DE-1"].mwh_applied) == ("applied", pytest.approx(50.0))
    assert uses["GO-DE-OLD"].status == "not_applied" and uses["GO-DE-OLD"].mwh_applied == 0.0
    assert "vintage 2025" in uses["GO-DE-OLD"].reason
    assert uses["GO-ES-1"].status == "not_applied" and "no Scope 2 consumption in ESP" in uses["GO-ES-1"].reason
    # FRA: 10 MWh of consumption, 40 MWh certificate: 10 applied, 30 surplus, never moved elsewhere.
    assert uses["REC-FR-1"].status == "partly_applied"
    assert uses["REC-FR-1"].mwh_applied == pytest.approx(10.0)
    assert "30 MWh surplus" in uses["REC-FR-1"].reason


def test_totals_and_coverage_share(result) -> None:
    frame = result.allocated
    scope2 = frame[frame["scope"] == "scope2"]
    # 7,312.5 + 12,187.5 + 0 + 7,600 + 450 kg
    assert scope2["market_based_co2e_kg"].sum() == pytest.approx(27_550.0)
    # (50,000 + 10,000) of (80,000 + 10,000 + 20,000 + 1,000) Scope 2 kWh.
    assert coverage_share(frame) == pytest.approx(60_000 / 111_000)


def test_a_country_instrument_covers_a_state_market_after_the_state_instruments() -> None:
    frame = _rows(
        ("scope2", "2026-06", "US-VA", "USA", 4_000.0, 300.0),
        ("scope2", "2026-06", "US-CA", "USA", 6_000.0, 200.0),
    )
    instruments = [Instrument("REC-US", "REC", 5.0, "USA", 2026), Instrument("REC-VA", "REC", 3.0, "US-VA", 2026)]
    result = market_based(frame, instruments, {}, {"US-VA": 500.0})
    out = result.allocated
    # US-VA is named (residual mix), so it is its own market; the state REC applies first: 3,000 kWh.
    # Left: VA 1,000, CA 6,000 (CA's market is USA). The national REC covers 5,000 of those 7,000,
    # shared pro rata: VA 1,000 x 5/7, CA 6,000 x 5/7.
    assert out.loc[0, "covered_kwh"] == pytest.approx(3_000 + 1_000 * 5 / 7)
    assert out.loc[1, "covered_kwh"] == pytest.approx(6_000 * 5 / 7)
    # VA uncovered 1,000 x 2/7 kWh at 500 g; CA uncovered 6,000 x 2/7 kWh at its location 200 g (flagged).
    assert out.loc[0, "market_based_co2e_kg"] == pytest.approx(1_000 * 2 / 7 * 0.5)
    assert out.loc[1, "market_based_co2e_kg"] == pytest.approx(6_000 * 2 / 7 * 0.2)
    assert [u.status for u in result.instruments] == ["applied", "applied"]


def test_monthly_matching_is_an_additional_figure() -> None:
    frame = market_based(
        _rows(("scope2", "2026-01", "DEU", "DEU", 1_000.0, 380.0), ("scope2", "2026-02", "DEU", "DEU", 1_000.0, 380.0)),
        [Instrument("GO-JAN", "GO", 1.5, "DEU", 2026, start=date(2026, 1, 1), end=date(2026, 1, 31))],
        {},
        {},
    ).allocated
    # Annual rule: 1.5 MWh covers 1,500 of the year's 2,000 kWh. Monthly: January's 1,500 kWh of
    # generation covers only January's 1,000 kWh; February has none.
    assert frame["covered_kwh"].sum() == pytest.approx(1_500.0)
    instruments = [Instrument("GO-JAN", "GO", 1.5, "DEU", 2026, start=date(2026, 1, 1), end=date(2026, 1, 31))]
    assert monthly_matched_kwh(frame, instruments) == pytest.approx(1_000.0)


@settings(max_examples=60, deadline=None)
@given(
    energies=st.lists(st.floats(0, 1e6), min_size=1, max_size=8),
    mwh=st.lists(st.floats(0, 2e3), min_size=0, max_size=4),
    residual=st.floats(0, 1500),
)
def test_coverage_never_exceeds_energy_or_instruments(energies: list[float], mwh: list[float], residual: float) -> None:
    frame = _rows(*[("scope2", f"2026-{1 + n % 12:02d}", "DEU", "DEU", e, 380.0) for n, e in enumerate(energies)])
    instruments = [Instrument(f"GO-{n}", "GO", m, "DEU", 2026) for n, m in enumerate(mwh)]
    result = market_based(frame, instruments, {}, {"DEU": residual})
    out = result.allocated
    assert (out["covered_kwh"] <= out["energy_kwh"] * (1 + 1e-9) + 1e-9).all()
    assert out["covered_kwh"].sum() == pytest.approx(min(sum(energies), sum(mwh) * 1000), rel=1e-9, abs=1e-6)
    assert sum(u.mwh_applied for u in result.instruments) * 1000 == pytest.approx(out["covered_kwh"].sum(), abs=1e-6)
    assert (out["market_based_co2e_kg"] >= -1e-9).all()


HEADER = "timestamp,project_name,run_id,experiment_id,duration,emissions,energy_consumed,country_iso_code,pue\n"
TWENTY_DAYS_S = 20 * 86_400  # long runs: a few kW, well inside any plausible power bound
CONFIG = """
[organization]
name = "Market Test"

[period]
month = "2026-11"

[[inputs]]
path = "emissions.csv"

[factors.supplier]
KOR = 380.0

[factors.residual_mix]
DE = 650.0

[[instruments]]
type = "GO"
mwh = 2.0
region = "DEU"
vintage = 2026
certificate_id = "GO-DE-2026-1"

[[instruments]]
type = "GO"
mwh = 5.0
region = "DEU"
vintage = 2025
certificate_id = "GO-DE-2025-1"

[[instruments]]
type = "I-REC"
mwh = 4.0
region = "FRA"
vintage = 2026
certificate_id = "IREC-FR-2026-1"

[output]
dir = "out"
formats = ["json", "xlsx"]
"""


def test_report_shows_market_based_scope2_worked_by_hand(tmp_path) -> None:
    import json

    import openpyxl
    from click.testing import CliRunner

    from reporter.cli import main

    (tmp_path / "emissions.csv").write_text(
        HEADER
        + f"2026-11-25T00:00:00,p,de,e,{TWENTY_DAYS_S},0,3000.0,DEU,1.0\n"
        + f"2026-11-25T00:00:00,p,kr,e,{TWENTY_DAYS_S},0,2000.0,KOR,1.0\n"
        + f"2026-11-25T00:00:00,p,fr,e,{TWENTY_DAYS_S},0,1000.0,FRA,1.0\n"
    )
    (tmp_path / "report.toml").write_text(CONFIG)
    result = CliRunner().invoke(main, ["report", "--quiet", "--config", str(tmp_path / "report.toml")])
    assert result.exit_code == 0, result.output
    document = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    totals = document["totals"]
    # DEU: 3,000 kWh, 2 MWh of 2026 GOs: 1,000 kWh left at the residual mix 650 g -> 650 kg.
    # KOR: 2,000 kWh at the supplier's 380 g -> 760 kg. FRA: 1,000 kWh wholly covered -> 0 kg.
    assert totals["market_based_tco2e"] == pytest.approx(1.410, rel=1e-9)
    assert totals["instrument_covered_kwh"] == pytest.approx(3_000.0)
    assert totals["instrument_coverage_share"] == pytest.approx(0.5)
    assert totals["market_fallback_energy_kwh"] == 0.0
    instruments = {row["certificate_id"]: row for row in document["instruments"]}
    assert instruments["GO-DE-2026-1"]["mwh_applied"] == pytest.approx(2.0)
    assert instruments["GO-DE-2025-1"]["status"] == "not_applied"
    assert instruments["IREC-FR-2026-1"]["mwh_applied"] == pytest.approx(1.0)
    assert instruments["IREC-FR-2026-1"]["status"] == "partly_applied"
    assert document["by_month"][0]["market_based_tco2e"] == pytest.approx(1.410, rel=1e-9)
    by_country = {row["key"]: row for row in document["breakdowns"]["country"]}
    assert by_country["DEU"]["market_based_tco2e"] == pytest.approx(0.650, rel=1e-9)
    workbook = openpyxl.load_workbook(next((tmp_path / "out").glob("*.xlsx")), read_only=True)
    sheet = list(workbook["Instruments"].iter_rows(values_only=True))
    assert sheet[0][:3] == ("certificate_id", "type", "region")
    assert {row[0] for row in sheet[1:4]} == set(instruments)


def test_an_unknown_instrument_region_is_named(tmp_path) -> None:
    from click.testing import CliRunner

    from reporter.cli import main

    (tmp_path / "emissions.csv").write_text(HEADER + f"2026-11-25T00:00:00,p,de,e,{TWENTY_DAYS_S},0,3.0,DEU,1.0\n")
    (tmp_path / "report.toml").write_text(CONFIG.replace('region = "FRA"', 'region = "Atlantis"'))
    result = CliRunner().invoke(main, ["report", "--quiet", "--config", str(tmp_path / "report.toml")])
    assert result.exit_code == 2
    assert "instruments[2].region: 'Atlantis' is neither a known country code" in result.output


def test_without_market_data_the_figures_equal_location_based_and_nothing_is_flagged() -> None:
    frame = _rows(
        ("scope2", "2026-03", "DEU", "DEU", 100.0, 380.0), ("scope3_cat1", "2026-03", "aws:x", "USA", 10.0, 400.0)
    )
    out = market_based(frame, [], {}, {}).allocated
    assert list(out["market_based_co2e_kg"]) == [38.0, 4.0]  # 100 x 380 g, 10 x 400 g
    assert list(out["market_basis"]) == [BASIS_LOCATION, BASIS_CLOUD]
    assert list(out["flags"]) == ["", ""]


def test_a_target_on_the_market_based_basis(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    from reporter.cli import main

    (tmp_path / "emissions.csv").write_text(
        HEADER
        + f"2026-11-25T00:00:00,p,de,e,{TWENTY_DAYS_S},0,3000.0,DEU,1.0\n"
        + f"2026-11-25T00:00:00,p,kr,e,{TWENTY_DAYS_S},0,2000.0,KOR,1.0\n"
    )
    targets = """
[baseline]
year = 2025
location_based_tco2e = 40.0
market_based_tco2e = 30.0

[[targets]]
name = "Market -50% by 2030"
kind = "absolute_reduction"
target_year = 2030
reduction_pct = 50.0
scope2_method = "market_based"

[[targets]]
name = "Location -50% by 2030"
kind = "absolute_reduction"
target_year = 2030
reduction_pct = 50.0
"""
    (tmp_path / "report.toml").write_text(CONFIG.replace("[output]", targets + "\n[output]"))
    result = CliRunner().invoke(main, ["report", "--quiet", "--config", str(tmp_path / "report.toml")])
    assert result.exit_code == 0, result.output
    document = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    market, location = document["targets"]
    # Market-based: DEU 1,000 kWh x 650 g + KOR 2,000 kWh x 380 g = 1.41 t, against a 30 t base.
    assert (market["scope2_method"], market["base_tco2e"]) == ("market_based", 30.0)
    assert market["actual_tco2e"] == pytest.approx(1.41, rel=1e-9)
    # 2030 target 15 t; pathway for 2026: 30 - (30 - 15) x 1/5 = 27 t, pro rata 30/365 for November.
    assert market["pathway_tco2e"] == pytest.approx(27.0 * 30 / 365, rel=1e-9)
    assert location["base_tco2e"] == 40.0 and location["scope2_method"] == "location_based"
    assert location["actual_tco2e"] == pytest.approx(document["totals"]["location_based_tco2e"], rel=1e-12)

    (tmp_path / "report.toml").write_text(
        CONFIG.replace("[output]", targets.replace("market_based_tco2e = 30.0\n", "") + "\n[output]")
    )
    result = CliRunner().invoke(main, ["report", "--quiet", "--config", str(tmp_path / "report.toml")])
    assert result.exit_code == 2
    assert "market-based: give [baseline] market_based_tco2e" in result.output
