"""The column-wise cloud model gives what the line-by-line model gives, on every bill we have.

`estimate_lines` runs the model once per line (the reference); `estimate_usage` runs it once per
distinct line description and scales by quantity. Figures must agree to 1e-9 relative, labels
exactly, on the real bill samples (shared/samples beside the project, public ones included),
the synthetic organisation's bills and CCF's fixtures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reporter.cloud import estimate_usage
from reporter.cloud.estimate import estimate_lines
from reporter.config import InputConfig
from reporter.errors import InputError
from reporter.inputs import plan_inputs
from reporter.records import Method
from tests.conftest import ROOT, SAMPLES, SHARED_SAMPLES

PUBLIC = ROOT.parent / "shared" / "samples" / "public"
BILL_FORMATS = {"aws_cur", "focus", "gcp_billing", "azure_cost"}
FIGURES = ["energy_it_kwh", "energy_it_kwh_low", "energy_it_kwh_high", "pue", "energy_kwh", "energy_kwh_low",
           "energy_kwh_high", "embodied_co2e_kg"]
LABELS = ["usage_category", "estimate_status", "model_flags"]


def bill_readings() -> list[tuple[str, pd.DataFrame]]:
    shared = [SHARED_SAMPLES / name for name in ("aws_cur", "azure", "focus")]
    folders = [*shared, SAMPLES / "synthetic-acme" / "cloud-bills", PUBLIC]
    found: list[tuple[str, pd.DataFrame]] = []
    for folder in folders:
        if not folder.exists():
            continue
        plan = plan_inputs([InputConfig(path=str(folder))], ROOT, tag_keys=["team"])
        for planned in plan.planned:
            if planned.reader.name not in BILL_FORMATS:
                continue
            try:
                readings = planned.reader.read(planned.file).readings
            except InputError:
                continue  # a file the readers cannot take yet is another test's business
            billed = readings[readings["method"] == Method.ESTIMATED.value]
            if not billed.empty:
                found.append((planned.display, billed))
    return found


BILLS = bill_readings()


def fixture_usage() -> pd.DataFrame:
    table = pd.read_csv(Path(__file__).parent / "data" / "cloud_model" / "ccf_fixtures.csv", dtype=str)
    usage = table.drop(columns=["expected_kwh", "expected_co2e_t"]).copy()
    for column in ("consumed_quantity", "vcpus", "billed_cost"):
        usage[column] = pd.to_numeric(usage[column])
    usage["ccf_lookup"] = usage["ccf_lookup"] == "1"
    return usage


def assert_same(columnar: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert list(columnar.columns) == list(reference.columns)
    for column in FIGURES:
        got, want = columnar[column].to_numpy(), reference[column].to_numpy()
        assert np.allclose(got, want, rtol=1e-9, atol=1e-300, equal_nan=True), column
    for column in LABELS:
        assert columnar[column].tolist() == reference[column].tolist(), column
    assert all(isinstance(text, str) and text for text in columnar["estimate_basis"])


def test_there_are_bills_to_compare() -> None:
    names = " ".join(name for name, _ in BILLS)
    assert len(BILLS) >= 5 and "focus" in names and "cur" in names


@pytest.mark.parametrize("mode", ["default", "ccf"])
@pytest.mark.parametrize(("name", "usage"), BILLS, ids=[name for name, _ in BILLS])
def test_column_wise_equals_line_by_line_on_real_bills(name: str, usage: pd.DataFrame, mode: str) -> None:
    assert_same(estimate_usage(usage, mode), estimate_lines(usage, mode))


@pytest.mark.parametrize("mode", ["default", "ccf"])
def test_column_wise_equals_line_by_line_on_ccf_fixtures(mode: str) -> None:
    usage = fixture_usage()
    for _, batch in usage.groupby("batch", sort=True):
        assert_same(estimate_usage(batch, mode), estimate_lines(batch, mode))


def test_a_line_is_its_quantity_times_one_unit() -> None:
    """By hand: an m5.large hour is 7.2398428847 Wh IT (see test_cloud_model); 3.5 h and -2 h scale."""
    usage = pd.DataFrame({
        "cloud_provider": ["aws"] * 3, "cloud_region": ["us-east-1"] * 3, "service_name": ["AmazonEC2"] * 3,
        "usage_type": ["USE1-BoxUsage:m5.large"] * 3, "consumed_quantity": [1.0, 3.5, -2.0],
        "consumed_unit": ["Hrs"] * 3,
    })
    out = estimate_usage(usage)
    assert out["energy_it_kwh"].tolist() == pytest.approx([0.0072398428847, 3.5 * 0.0072398428847,
                                                          -2 * 0.0072398428847], rel=1e-9)
    assert out["model_flags"].iloc[2].endswith("negative_quantity")
    assert out["energy_kwh_low"].iloc[2] <= out["energy_kwh_high"].iloc[2]
    assert out["estimate_basis"].iloc[0].startswith("per 1 Hrs billed: ")


def test_a_description_that_does_not_scale_is_estimated_line_by_line() -> None:
    """CCF's Azure managed disks ignore the quantity: 2 and 5 disk-months give the same kWh."""
    usage = pd.DataFrame({
        "cloud_provider": ["azure", "azure"], "cloud_region": ["eastus", "eastus"], "service_name": ["Storage"] * 2,
        "usage_type": ["P10 LRS Disk"] * 2, "consumed_quantity": [2.0, 5.0], "consumed_unit": ["1 GB/Month"] * 2,
        "start_time": pd.to_datetime(["2026-10-01", "2026-10-01"]),
    })
    out = estimate_usage(usage, "ccf")
    reference = estimate_lines(usage, "ccf")
    assert_same(out, reference)
    assert out["estimate_basis"].tolist() == reference["estimate_basis"].tolist()  # the lines' own texts
    assert "ignores quantity" in out["estimate_basis"].iloc[0]
    # P10 = 128 GB: 0.128 TB × 24 h × 1.2 Wh/TBh × PUE 1.185 × 3 replicas (LRS), whatever the quantity
    assert out["energy_kwh"].tolist() == pytest.approx([0.128 * 24 * 1.2 * 1.185 * 3 / 1000] * 2, rel=1e-9)


@pytest.mark.parametrize("mode", ["default", "ccf"])
def test_negative_and_zero_quantities_match_the_line_by_line_model(mode: str) -> None:
    """Corrections (negative quantities) are not scaled from one unit: CCF's formulas are not odd in them."""
    usage = pd.DataFrame({
        "cloud_provider": ["aws"] * 4, "cloud_region": ["us-east-1"] * 4, "service_name": ["AmazonEC2"] * 4,
        "usage_type": ["BoxUsage:m5.large"] * 4, "consumed_quantity": [2.0, -3.0, 0.0, None],
        "consumed_unit": ["Hrs"] * 4, "billed_cost": [0.2, -0.3, 0.0, None],
        "start_time": pd.to_datetime(["2026-10-01"] * 4),
    })
    assert_same(estimate_usage(usage, mode), estimate_lines(usage, mode))
