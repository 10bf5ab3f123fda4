"""Providers' carbon exports: read, kept to the period, and compared with our estimates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reporter.report import build_report
from reporter.sources import detect
from reporter.sources.base import InputFile
from scripts.make_synthetic_extras import CARBON_EXPORT_COLUMNS
from tests.conftest import SAMPLES, SHARED_SAMPLES, run_inputs

BILLS = SAMPLES / "synthetic-acme" / "cloud-bills"
AZURE_TREND = SHARED_SAMPLES / "public" / "provider_carbon" / "azure_EmissionTrends-Apr2025.csv"
# (location, product, region, location-based MTCO2e, market-based MTCO2e, account, month start, month end)
EXPORT_ROWS = [
    ("US East (N. Virginia)", "AmazonEC2", "us-east-1", "0.050", "0.010", "410000000002", "2026-01", "2026-02"),
    ("US East (N. Virginia)", "AmazonS3", "us-east-1", "0.010", "0.002", "410000000002", "2026-01", "2026-02"),
    ("US West (Oregon)", "AmazonEC2", "us-west-2", "0.020", "0.004", "410000000009", "2026-01", "2026-02"),
    ("US East (N. Virginia)", "AmazonEC2", "us-east-1", "0.070", "0.015", "410000000002", "2025-12", "2026-01"),
]
AWS_EXPORT = "".join(
    ",".join(fields) + "\n"
    for fields in [
        CARBON_EXPORT_COLUMNS,
        *(
            ["2026-05-20T00:00:00Z", location, "v3.0.0", "400000000000", product, region, "MTCO2e", lbm, "MTCO2e",
             mbm, account, f"{end}-01T00:00:00Z", f"{start}-01T00:00:00Z"]
            for location, product, region, lbm, mbm, account, start, end in EXPORT_ROWS
        ),
    ]
)


@pytest.fixture
def aws_export(tmp_path: Path) -> Path:
    path = tmp_path / "carbon-emissions.csv"
    path.write_text(AWS_EXPORT)
    return path


def test_exports_are_detected(aws_export: Path) -> None:
    assert detect(InputFile.open(aws_export)).name == "aws_carbon"
    assert detect(InputFile.open(AZURE_TREND)).name == "azure_carbon"


def test_aws_export_is_compared_with_the_estimate_of_the_same_month_account_region_and_service(
    aws_export: Path,
) -> None:
    result = run_inputs([str(BILLS), str(aws_export)], period="2026-01")
    ledger = next(ledger for ledger in result.ledgers if ledger.path.endswith("carbon-emissions.csv"))
    # 4 rows: 3 for January 2026, 1 for December 2025 (outside the period).
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (4, 3, 1)
    report = build_report(result)
    rows = {(row.account, row.region, row.service): row for row in report.provider_comparison}
    assert set(rows) == {
        ("410000000002", "us-east-1", "AmazonEC2"),
        ("410000000002", "us-east-1", "AmazonS3"),
        ("410000000009", "us-west-2", "AmazonEC2"),
    }
    ours = result.allocated
    mine = ours[
        (ours["cloud_provider"] == "aws")
        & (ours["sub_account_id"] == "410000000002")
        & (ours["service_name"] == "AmazonEC2")
    ]
    estimate_t = mine["location_based_co2e_kg"].sum() / 1000
    row = rows[("410000000002", "us-east-1", "AmazonEC2")]
    # EC2 alone: 0.050 t location-based, 0.010 t market-based (S3 is its own row).
    assert row.provider_location_tco2e == pytest.approx(0.050)
    assert row.provider_market_tco2e == pytest.approx(0.010)
    assert row.estimate_tco2e == pytest.approx(estimate_t, rel=1e-12)
    assert row.difference_pct == pytest.approx((estimate_t - 0.050) / 0.050 * 100, rel=1e-9)
    assert (row.model_version, row.provider_rows, row.month) == ("v3.0.0", 1, "2026-01")
    # The bill has no S3 line in that account: the provider's 0.010 t stands against an estimate of 0.
    s3 = rows[("410000000002", "us-east-1", "AmazonS3")]
    assert (s3.provider_location_tco2e, s3.estimate_tco2e) == (pytest.approx(0.010), 0.0)
    assert s3.difference_pct == pytest.approx(-100.0)
    # An account the bill does not have: the provider's figure stands against an estimate of 0.
    other = rows[("410000000009", "us-west-2", "AmazonEC2")]
    assert other.estimate_tco2e == 0.0 and other.difference_pct == pytest.approx(-100.0)


def test_azure_trend_is_read_in_kg_with_its_basis_not_stated() -> None:
    result = run_inputs([str(AZURE_TREND)], period="2024-05..2025-04")
    provided = result.provider_emissions
    assert provided is not None and len(provided) == 12
    # The file's own column: 0.1 + 0.1 + 1.2 + 1.9 + 1.8 + 2.2 + 0.3 + 0.4 + 0.7 + 0.8 + 0.9 + 1 kgCO2e.
    assert provided["total_co2e_kg"].sum() == pytest.approx(11.4)
    assert set(provided["basis"]) == {"not stated"}
    report = build_report(result)
    assert [row.month for row in report.provider_comparison][:2] == ["2024-05", "2024-06"]
    assert all(row.provider_location_tco2e is None for row in report.provider_comparison)
    assert report.provider_comparison[2].provider_total_tco2e == pytest.approx(0.0012)


def test_undated_azure_export_is_refused_with_its_reason() -> None:
    from click.testing import CliRunner

    from reporter.cli import main

    path = SHARED_SAMPLES / "public" / "provider_carbon" / "azure_EmissionDetails-Subscription-Apr2025.csv"
    result = CliRunner().invoke(main, ["validate", "-q", str(path)])
    assert result.exit_code == 2
    assert "without saying which months they are" in result.stderr


def test_gcp_export_with_dotted_or_underscored_names(tmp_path: Path) -> None:
    header = (
        "usage_month,billing_account_id,project.id,service.description,location.region,carbon_model_version,"
        "carbon_footprint_total_kgCO2e.location_based,carbon_footprint_total_kgCO2e.market_based,"
        "carbon_footprint_kgCO2e.scope1,carbon_footprint_kgCO2e.scope2.location_based,"
        "carbon_footprint_kgCO2e.scope2.market_based,carbon_footprint_kgCO2e.scope3\n"
    )
    # The values of the example row in Google's schema documentation.
    line = "2026-03-01,AAA-BBB,proj-a,Compute Engine,europe-west1,7,1587.3,588.8,10,400,105.8,986.8\n"
    for name, text in (("dots.csv", header + line), ("underscores.csv", header.replace(".", "_") + line)):
        path = tmp_path / name
        path.write_text(text)
        provided = run_inputs([str(path)], period="2026-03").provider_emissions
        assert provided is not None
        row = provided.iloc[0]
        keys = (row["provider"], row["month"], row["account"], row["region"])
        assert keys == ("gcp", "2026-03", "proj-a", "europe-west1")
        assert (row["location_based_co2e_kg"], row["market_based_co2e_kg"]) == (1587.3, 588.8)
        scopes = (row["scope2_location_co2e_kg"], row["scope2_market_co2e_kg"], row["scope3_co2e_kg"])
        assert scopes == (400.0, 105.8, 986.8)
        assert pd.isna(provided.iloc[0]["scope1_co2e_kg"]) is False


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "aws.csv",
            "usage_period_start,usage_account_id,total_lbm_emissions_unit,total_lbm_emissions_value\n"
            "2026-01-01,1,kgCO2e,0.1\n",
            "row 2, column 'total_lbm_emissions_unit': unit 'kgco2e' is not MTCO2e",
        ),
        (
            "gcp.csv",
            "usage_month,carbon_footprint_total_kgCO2e.location_based,carbon_footprint_kgCO2e.scope1\n"
            "2026-01-01,1.0,abc\n",
            "row 2, column 'carbon_footprint_kgCO2e.scope1': 'abc' is not a number",
        ),
        (
            "azure.csv",
            '"Month","TotalEmissions","Scope1","Scope2","Scope3","CarbonIntensity"\n'
            '"Mayy 2024","0.1","0","0","0.1","1"\n',
            "row 2, column 'Month': 'Mayy 2024' is not a month like 'May 2024'",
        ),
    ],
)
def test_a_bad_cell_names_file_row_and_column_as_the_file_writes_it(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    from reporter.errors import InputFormatError

    path = tmp_path / name
    path.write_text(text)
    source = InputFile.open(path)
    with pytest.raises(InputFormatError) as raised:
        detect(source).read(source)
    assert message in str(raised.value)
