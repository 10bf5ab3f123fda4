"""Target progress with hand-worked figures (the disclosure notes' worked example and others)."""

from __future__ import annotations

import math

import pytest

from reporter.core.targets import Credit, make_target, progress
from reporter.errors import ConfigError


def test_linear_pathway_worked_example() -> None:
    # Base 2022 = 10,000 t, -42 % by 2030. Pathway 2025 = 10,000 x (1 - 0.42 x 3/8) = 8,425 t.
    target = make_target("SBTi near-term", "absolute_reduction", 2022, 10_000.0, 2030, 42.0)
    result = progress(target, 2025, 1.0, 9_000.0, [])
    assert math.isclose(result["target_tco2e"], 5_800.0)
    assert math.isclose(result["pathway_tco2e"], 8_425.0)
    assert math.isclose(result["reduction_pct"], 10.0)  # (10,000 - 9,000) / 10,000
    assert math.isclose(result["achieved_pct"], 1_000 / 4_200 * 100)  # 23.8 %
    assert round(result["achieved_pct"], 1) == 23.8
    assert math.isclose(result["gap_tco2e"], 575.0) and result["on_track"] is False
    assert math.isclose(result["annual_target_pct_of_base"], 5.25)  # 42 % / 8 years
    # 2026..2030 pathway: 7,900 + 7,375 + 6,850 + 6,325 + 5,800
    assert math.isclose(result["remaining_budget_tco2e"], 34_250.0)
    # From 9,000 t to 5,800 t in 5 years: 640 t a year, or 1 - (5,800/9,000)^(1/5) = 8.41 % a year.
    assert math.isclose(result["required_annual_reduction_tco2e"], 640.0)
    assert math.isclose(result["required_annual_reduction_pct"], (1 - (5_800 / 9_000) ** 0.2) * 100)


def test_part_year_is_compared_pro_rata() -> None:
    target = make_target("t", "absolute_reduction", 2022, 12_000.0, 2030, 40.0)
    # One month of 2026 (31 of 365 days), actual 800 t.
    f = 31 / 365
    result = progress(target, 2026, f, 800.0, [])
    pathway_2026 = 12_000 - 4_800 * 4 / 8  # 9,600 t for the whole year
    assert result["pro_rata"] is True
    assert math.isclose(result["pathway_tco2e"], pathway_2026 * f)
    assert math.isclose(result["gap_tco2e"], 800 - pathway_2026 * f)
    assert math.isclose(result["reduction_pct"], (12_000 * f - 800) / (12_000 * f) * 100)
    assert math.isclose(result["required_annual_reduction_tco2e"], (800 / f - 7_200) / 4)


def test_sbti_needs_at_least_4_2_pct_a_year() -> None:
    default = make_target("s", "sbti_1_5c", 2020, 1_000.0, 2030, None)
    assert math.isclose(default.reduction_pct or 0, 42.0)  # 4.2 % x 10 years
    with pytest.raises(ConfigError, match=r"at least 4.2% a year.*42.0% over 10 years, not 30.0%"):
        make_target("s", "sbti_1_5c", 2020, 1_000.0, 2030, 30.0)


def test_net_zero_needs_90_pct_and_removals_only() -> None:
    with pytest.raises(ConfigError, match="at least a 90% reduction"):
        make_target("nz", "net_zero", 2020, 1_000.0, 2040, 80.0)
    target = make_target("nz", "net_zero", 2020, 1_000.0, 2040, None)
    assert math.isclose(target.target_tco2e or 0, 100.0)
    credits = [Credit(2040, 60.0, "removal"), Credit(2040, 500.0, "avoidance")]
    result = progress(target, 2040, 1.0, 100.0, credits)
    assert result["credits_eligible_tco2e"] == 60.0  # avoidance credits do not neutralise
    assert math.isclose(result["uncovered_tco2e"], 40.0)
    assert result["claim_possible"] is False


def test_carbon_neutral_shows_gross_and_credits_side_by_side() -> None:
    target = make_target("cn", "carbon_neutral", 2022, 1_000.0, 2030, None)
    credits = [Credit(2030, 300.0, "removal"), Credit(2030, 400.0, "avoidance"), Credit(2029, 999.0, "removal")]
    result = progress(target, 2030, 1.0, 700.0, credits)
    assert result["target_tco2e"] is None and result["pathway_tco2e"] is None  # not a reduction target
    assert math.isclose(result["reduction_pct"], 30.0)  # reductions first: still shown
    assert result["gross_tco2e"] == 700.0 and result["credits_eligible_tco2e"] == 700.0
    assert result["uncovered_tco2e"] == 0.0 and result["claim_possible"] is True
    before = progress(target, 2029, 1.0, 700.0, credits)
    assert before["claim_possible"] is False  # target year not reached


def test_absolute_reduction_needs_a_percentage() -> None:
    with pytest.raises(ConfigError, match="needs reduction_pct"):
        make_target("a", "absolute_reduction", 2020, 1.0, 2030, None)
