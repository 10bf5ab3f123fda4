"""The provider comparison per service, and the provider-reported share of energy, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from reporter.report.build import _provider_reported_share
from reporter.report.provider import comparison
from reporter.sources.provider.columns import provider_frame


def _ours(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "cloud_provider": provider, "month": "2026-01", "sub_account_id": account,
                "cloud_region": "us-east-1", "service_name": service, "energy_kwh": kwh,
                "location_based_co2e_kg": kg, "embodied_co2e_kg": 0.0,
            }
            for provider, account, service, kwh, kg in rows
        ]
    )


def _theirs(rows: list[tuple[str, str, str | None, float, float]]) -> pd.DataFrame:
    return provider_frame(
        [
            {
                "source_file": "export.csv", "source_row": number, "provider": provider, "month": "2026-01",
                "account": account, "region": "us-east-1", "service": service, "total_co2e_kg": location,
                "location_based_co2e_kg": location, "market_based_co2e_kg": market,
                "basis": "location_based", "model_version": "v1",
            }
            for number, (provider, account, service, location, market) in enumerate(rows, start=2)
        ]
    )


def test_two_services_of_one_account_month_are_compared_each_on_its_own() -> None:
    ours = _ours(
        [
            ("aws", "111", "AmazonEC2", 400.0, 100.0),
            ("aws", "111", "AmazonEC2", 200.0, 50.0),  # a second EC2 line: 150 kg in all
            ("aws", "111", "AmazonS3", 40.0, 10.0),
        ]
    )
    # The export spells the service in other case and with spaces: matched all the same.
    theirs = _theirs([("aws", "111", " amazonec2", 120.0, 30.0), ("aws", "111", "AmazonS3", 20.0, 5.0)])
    rows = {row.service: row for row in comparison(ours, theirs)}
    assert set(rows) == {" amazonec2", "AmazonS3"}
    ec2, s3 = rows[" amazonec2"], rows["AmazonS3"]
    # EC2: estimate 150 kg = 0.150 t against 120 kg: (150 - 120) / 120 = +25 %.
    assert (ec2.estimate_tco2e, ec2.provider_location_tco2e) == (pytest.approx(0.150), pytest.approx(0.120))
    assert ec2.provider_market_tco2e == pytest.approx(0.030)
    assert ec2.estimate_energy_kwh == pytest.approx(600.0)
    assert ec2.difference_pct == pytest.approx(25.0)
    # S3: estimate 10 kg against 20 kg: (10 - 20) / 20 = -50 %.
    assert (s3.estimate_tco2e, s3.difference_pct) == (pytest.approx(0.010), pytest.approx(-50.0))
    assert (ec2.account, ec2.region, s3.source_rows) == ("111", "us-east-1", "3")


def test_an_export_without_services_is_compared_with_all_services_summed() -> None:
    ours = _ours([("azure", "sub", "Virtual Machines", 300.0, 60.0), ("azure", "sub", "Storage", 100.0, 20.0)])
    theirs = _theirs([("azure", "sub", None, 100.0, float("nan"))])
    (row,) = comparison(ours, theirs)
    # 60 + 20 = 80 kg against 100 kg: -20 %; no service named.
    assert row.service is None
    assert (row.estimate_tco2e, row.difference_pct) == (pytest.approx(0.080), pytest.approx(-20.0))
    assert row.provider_market_tco2e is None


def test_provider_reported_share_of_energy() -> None:
    frame = pd.DataFrame(
        {
            "energy_kwh": [300.0, 100.0, 600.0, 0.0],
            "emissions_method": ["provider_reported", "provider_reported", "estimate", "provider_reported"],
        }
    )
    # (300 + 100) / (300 + 100 + 600) = 0.4; the unallocated row has no energy.
    assert _provider_reported_share(frame) == pytest.approx(0.4)
    assert _provider_reported_share(frame.drop(columns="emissions_method")) == 0.0
    assert _provider_reported_share(frame.iloc[:0]) == 0.0
