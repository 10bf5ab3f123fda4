"""GCP PUE per region (reporter/data/cloud/pue.csv).

default mode: Google's 2026 Environmental Report (calendar year 2025), "Data center energy efficiency
(PUE)" table, one campus per region; regions without a mapped campus take the 2025 fleet average.
ccf mode: CCF's own values, unchanged. The figures below are typed from those sources, not read
from the table under test.
"""

from __future__ import annotations

import pytest

from reporter.cloud.coefficients import pue


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-central1", 1.11),  # Council Bluffs, Iowa (1st facility), 2025
        ("europe-west1", 1.08),  # St. Ghislain, Belgium, 2025
        ("asia-east1", 1.13),  # Changhua County, Taiwan, 2025
    ],
)
def test_default_mode_uses_googles_2025_campus_figure(region: str, expected: float) -> None:
    value, source = pue("gcp", region, "default")
    assert value == expected
    assert "Google 2026 Environmental Report" in source


@pytest.mark.parametrize("region", ["asia-northeast1", "us-central2", "", None])
def test_default_mode_falls_back_to_the_2025_fleet_average(region: str | None) -> None:
    # Tokyo (Inzai not mapped), Oklahoma (Mayes County not mapped), and a line without a region
    value, source = pue("gcp", region, "default")
    assert value == 1.09
    assert "fleet" in source


def test_region_match_ignores_case_and_spaces() -> None:
    assert pue("gcp", " US-West1 ", "default")[0] == 1.10  # The Dalles, Oregon (1st facility), 2025


@pytest.mark.parametrize(
    ("region", "expected"),
    [("us-central1", 1.11), ("europe-west1", 1.09), ("asia-east1", 1.12), ("us-west1", 1.1)],
)
def test_ccf_mode_keeps_ccfs_values(region: str, expected: float) -> None:
    # CCF's GCP table (2022 trailing-twelve-month values); us-west1 is not in it, so CCF's 1.1 default
    assert pue("gcp", region, "ccf")[0] == expected
