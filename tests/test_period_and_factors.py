"""Month assignment, reporting-period edges, and factor resolution."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from reporter.config import parse_period
from reporter.errors import ConfigError
from reporter.factors import load_factor_table
from tests.conftest import run_inputs

HEADER = (
    "timestamp,run_id,project_name,duration,emissions,energy_consumed,"
    "country_iso_code,region,cloud_provider,cloud_region\n"
)


def codecarbon(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "emissions.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def test_run_across_month_end_is_split_by_time(tmp_path: Path) -> None:
    # 2 h run ending 01:00 on 1 Nov: one hour in October, one in November.
    path = codecarbon(tmp_path, "2026-11-01T01:00:00,r1,p,7200,0,2.0,KOR,,,")
    november = run_inputs([path], period="2026-11")
    assert november.allocated["energy_kwh"].sum() == 1.0
    assert november.items.iloc[0]["in_period_share"] == 0.5
    year = run_inputs([path], period="2026-01..2026-12")
    months = year.allocated.groupby("month")["energy_kwh"].sum().to_dict()
    assert months == {"2026-10": 1.0, "2026-11": 1.0}


def test_run_outside_period_is_excluded_with_reason(tmp_path: Path) -> None:
    path = codecarbon(
        tmp_path, "2026-11-01T01:00:00,r1,p,3600,0,2.0,KOR,,,", "2026-12-05T00:00:00,r2,p,600,0,1.0,KOR,,,"
    )
    result = run_inputs([path], period="2026-12")
    ledger = result.ledgers[0]
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (2, 1, 1)
    assert ledger.exclusions[0].row == 2
    assert ledger.exclusions[0].reason.startswith("outside the reporting period 2026-12-01..2026-12-31")


@pytest.mark.parametrize(
    ("country", "region", "provider", "cloud_region", "key", "value"),
    [
        ("KOR", "", "", "", "KOR", 415.65),
        ("USA", "virginia", "", "", "US-VA", 539.599 * 0.45359237),
        ("BEL", "", "gcp", "europe-west1", "gcp:europe-west1", 103.37),
        ("USA", "", "aws", "us-east-1", "US-VA", 539.599 * 0.45359237),
        ("FR", "", "", "", "FRA", 44.18),
    ],
)
def test_factor_resolution_most_specific_first(
    tmp_path: Path, country: str, region: str, provider: str, cloud_region: str, key: str, value: float
) -> None:
    path = codecarbon(
        tmp_path, f"2026-11-02T10:00:00,r1,p,3600,0,1.0,{country},{region},{provider},{cloud_region}"
    )
    item = run_inputs([path]).items.iloc[0]
    assert item["location_key"] == key
    assert math.isclose(item["factor_g_per_kwh"], value, rel_tol=1e-12)
    assert math.isclose(item["location_based_co2e_kg"], value / 1000, rel_tol=1e-12)


def test_overrides_win_and_are_traceable(tmp_path: Path) -> None:
    path = codecarbon(
        tmp_path,
        "2026-11-02T10:00:00,r1,p,3600,0,1.0,KOR,,,",
        "2026-11-02T10:00:00,r2,p,3600,0,1.0,USA,,aws,us-east-1",
    )
    result = run_inputs([path], factors={"location_based": {"KR": 500.0, "aws:us-east-1": 300.0}})
    items = result.items.set_index("run_id")
    assert items.loc["r1", "factor_id"] == "config:KOR" and items.loc["r1", "location_status"] == "override"
    assert items.loc["r2", "factor_id"] == "config:aws:us-east-1"
    assert math.isclose(result.allocated["location_based_co2e_kg"].sum(), 0.8)


def test_unknown_country_is_flagged_not_silent(tmp_path: Path) -> None:
    path = codecarbon(tmp_path, "2026-11-02T10:00:00,r1,p,3600,0,1.0,XYZ,,,")
    item = run_inputs([path]).items.iloc[0]
    assert item["location_status"] == "fallback" and item["location_key"] == "WORLD"
    assert item["flags"] == "unknown_country;location_fallback"


def test_unknown_override_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'Atlantis' is neither a known country code"):
        load_factor_table().with_overrides({"Atlantis": 1.0}, origin="x")


def test_every_factor_row_has_source_year_basis() -> None:
    table = load_factor_table()
    assert len(table.factors) > 250
    for factor in table.factors.values():
        assert factor.source and factor.basis and factor.unit == "gCO2e/kWh"
        assert factor.year is not None and 2019 <= factor.year <= 2026
        assert factor.value >= 0


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("2026-10", "2026-10-01", "2026-10-31", "2026-10"),
        ("2026-01..2026-12", "2026-01-01", "2026-12-31", "2026-01..2026-12"),
        ("2024-02", "2024-02-01", "2024-02-29", "2024-02"),
        ("2026", "2026-01-01", "2026-12-31", "2026-01..2026-12"),
        ("2026-03-15..2026-04-10", "2026-03-15", "2026-04-10", "2026-03-15..2026-04-10"),
    ],
)
def test_period_parsing(text: str, start: str, end: str, label: str) -> None:
    period = parse_period(text)
    assert (period.start.isoformat(), period.end.isoformat(), period.label) == (start, end, label)


def test_bad_period() -> None:
    with pytest.raises(ConfigError, match="period '2026-13' is not a date"):
        parse_period("2026-13")
    with pytest.raises(ConfigError, match="ends"):
        parse_period("2026-05..2026-01")
