"""Cloud bills through the whole pipeline: ledger, scope, ranges, unclassified usage, model choice."""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import pytest

from reporter.cloud.descriptions import aws_usage_type_from_description
from reporter.render.line_items import line_item_records
from tests.conftest import SAMPLES, SHARED_SAMPLES, context_for, run_inputs
from tests.test_bill_readers import uncorrected_rows

FOCUS = SHARED_SAMPLES / "focus" / "focus-1.0-sample.csv"
CUR = SHARED_SAMPLES / "aws_cur" / "legacy-cur-anonymized.csv"
TRACKER = SAMPLES / "trackers" / "codecarbon" / "emissions.csv"


def focus_rows() -> list[dict[str, str]]:
    with FOCUS.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def focus_corrections() -> set[int]:
    """Usage rows whose group (with the default tag keys) sums below zero: left out as corrections."""
    return uncorrected_rows(focus_rows(), ("team", "project", "model"))


def focus_categories() -> Counter[str]:
    with FOCUS.open(newline="", encoding="utf-8") as handle:
        return Counter(row["ChargeCategory"] for row in csv.DictReader(handle))


def test_focus_ledger_balances_and_everything_is_scope3() -> None:
    result = run_inputs([FOCUS], period="2024-09")
    ledger = result.ledgers[0]
    categories = focus_categories()
    assert ledger.rows_read == sum(categories.values()) == 1000
    lone = focus_corrections()
    assert len(lone) == 8
    assert ledger.rows_used == categories["Usage"] - len(lone)
    assert ledger.rows_excluded == sum(n for c, n in categories.items() if c != "Usage") + len(lone)
    assert {g.reason for g in ledger.exclusion_groups} and all(g.rows > 0 for g in ledger.exclusion_groups)
    assert int(result.items["row_count"].sum()) == ledger.rows_used
    assert set(result.items["scope"]) == {"scope3_cat1"}
    assert set(result.items["method"]) == {"estimated"}


def test_totals_ranges_and_scopes_add_up() -> None:
    context = context_for([FOCUS, TRACKER], period="2024-09..2026-12")
    totals = context.totals
    assert totals.energy_kwh_low <= totals.energy_kwh <= totals.energy_kwh_high
    assert totals.location_based_tco2e_low <= totals.location_based_tco2e <= totals.location_based_tco2e_high
    scopes = {s.scope: s for s in context.by_scope}
    assert math.isclose(sum(s.energy_kwh for s in scopes.values()), totals.energy_kwh, rel_tol=1e-12)
    assert math.isclose(scopes["scope2"].energy_kwh, totals.own_operations_energy_kwh, rel_tol=1e-12)
    assert math.isclose(scopes["scope3_cat1"].energy_kwh, totals.cloud_energy_kwh, rel_tol=1e-12)
    # The tracker file (on-premises runs) is all Scope 2 and exactly its deduplicated energy.
    assert math.isclose(scopes["scope2"].energy_kwh, 0.0007895939253366173, rel_tol=1e-12)
    items = line_item_records(context.line_items)
    assert math.isclose(
        sum(i["embodied_co2e_kg"] or 0 for i in items) / 1000, totals.embodied_tco2e, rel_tol=1e-9
    )


def test_unclassified_usage_is_counted_with_cost_never_defaulted() -> None:
    context = context_for([FOCUS], period="2024-09")
    records = line_item_records(context.line_items)
    items = [i for i in records if i["estimate_status"] in ("unclassified", "unsupported")]
    assert items and all(i["energy_kwh"] == 0 for i in items)
    assert context.unclassified.line_items == len(items)
    assert context.unclassified.rows == sum(i["row_count"] for i in items)
    cost = sum(i["billed_cost"] or 0 for i in items)
    assert math.isclose(sum(context.unclassified.cost_by_currency.values()), cost, rel_tol=1e-9)


def test_ccf_mode_changes_the_estimate_and_says_so() -> None:
    default = run_inputs([CUR], period="2023-11")
    ccf = run_inputs([CUR], period="2023-11", method={"energy_model": "ccf"})
    assert set(default.items["pue_basis"]) == {"cloud provider (default model)"}
    assert set(ccf.items["pue_basis"]) == {"cloud provider (ccf model)"}
    s3_default = default.items[default.items["usage_type"].str.contains("TimedStorage", na=False)]["energy_kwh"].sum()
    s3_ccf = ccf.items[ccf.items["usage_type"].str.contains("TimedStorage", na=False)]["energy_kwh"].sum()
    # CCF treats GB-Mo S3 storage as byte-hours (its issue #1029): about 11 orders of magnitude lower.
    assert s3_default > 0 and s3_ccf < s3_default * 1e-9


def test_tags_become_owners_and_breakdowns(tmp_path: Path) -> None:
    context = context_for([FOCUS], period="2024-09")
    assert "tag:team" in context.breakdowns
    assert math.isclose(
        sum(row.energy_kwh for row in context.breakdowns["provider"]), context.totals.energy_kwh, rel_tol=1e-9
    )


@pytest.mark.parametrize(
    ("description", "usage_type"),
    [
        ("$0.114 per GB-month of General Purpose SSD (gp2) provisioned storage - Asia Pacific (Mumbai)",
         "EBS:VolumeUsage.gp2"),
        ("$0.08 per GB-month of General Purpose (gp3) provisioned storage - US East (N. Virginia)",
         "EBS:VolumeUsage.gp3"),
        ("USD0.0595 per GB-Mo for EBS:SnapshotUsage in Africa (Cape Town)", "EBS:SnapshotUsage"),
        ("$0.02 per GB - US West (Oregon) data transfer to EU (Ireland)", "AWS-Out-Bytes"),
        ("$0.01 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB",
         "DataTransfer-Regional-Bytes"),
        ("USD0.0 per GB for DataTransfer-Out-Bytes usage in  Africa (Cape Town)", "DataTransfer-Out-Bytes"),
        ("AWS Fargate - vCPU  - US West 2 (Oregon)", "Fargate-vCPU-Hours:perCPU"),
        ("AWS Fargate - Memory  - US West 2 (Oregon)", "Fargate-GB-Hours"),
        ("AWS Fargate - ARM - vCPU - US West (Oregon)", "Fargate-ARM-vCPU-Hours:perCPU"),
        ("AWS Fargate - ARM - Memory - US West (Oregon)", "Fargate-ARM-GB-Hours"),
        ("$0.03 per GB-mo of log storage - US West (Oregon)", "TimedStorage-ByteHrs"),
        ("$0.023 per GB - first 50 TB / month of storage used", "TimedStorage-ByteHrs"),
        ("$0.045 per NAT Gateway Hour", "NatGateway-Hours"),
        ("$0.0225 per Application LoadBalancer-hour (or partial hour)", "LoadBalancerUsage"),
        ("$0.005 per In-use public IPv4 address per hour", "PublicIPv4:InUseAddress"),
        ("$0.005 per Idle public IPv4 address per hour", "PublicIPv4:IdleAddress"),
        ("$0.10 per GB-month of consumed storage (Aurora PostgreSQL)", "Aurora:StorageUsage"),
        ("$0.06 per Aurora Capacity Unit hour running Amazon Aurora PostgreSQL Serverless", "Aurora:ServerlessUsage"),
        ("$0.12 per Aurora Capacity Unit hour running Amazon Aurora PostgreSQL Serverless v2",
         "Aurora:ServerlessV2Usage"),
        ("USD 0.10 per hour per vCPU running RDS Extended Support for MySQL 5.7 in Year 1, Year 2",
         "ExtendedSupport"),
        ("Amazon EKS cluster usage in US East (Ohio)", "AmazonEKS-Hours:perCluster"),
        ("Amazon Elastic Compute Cloud committed usage", None),
        ("$0.40 per million Amazon SQS standard requests in Tier1 in US West (Oregon)", None),
    ],
)
def test_focus_charge_descriptions_map_to_aws_usage_types(description: str, usage_type: str | None) -> None:
    assert aws_usage_type_from_description(description) == usage_type


def test_focus_sample_ebs_and_transfer_lines_are_estimated() -> None:
    items = run_inputs([FOCUS], period="2024-09").items
    ebs = items[items["usage_type"].str.contains(r"\(gp[23]\) provisioned storage", na=False)]
    aws = items[items["cloud_provider"] == "aws"]
    transfer = aws[aws["usage_type"].str.contains("data transfer", na=False, case=False)]
    assert len(ebs) and set(ebs["usage_category"]) == {"storage_ssd"} and (ebs["energy_kwh"] > 0).all()
    assert set(transfer["usage_category"]) == {"networking"}
    assert int(items.loc[items["estimate_status"] == "estimated", "row_count"].sum()) >= 700


def test_cloud_cost_is_carried_per_currency_for_context() -> None:
    expected: dict[str, float] = {}
    lone = focus_corrections()
    for number, row in enumerate(focus_rows(), start=2):
        if row["ChargeCategory"] == "Usage" and row["BilledCost"] not in ("", "NULL") and number not in lone:
            expected[row["BillingCurrency"]] = expected.get(row["BillingCurrency"], 0.0) + float(row["BilledCost"])
    context = context_for([FOCUS], period="2024-09")
    actual = {row.currency: row.billed_cost for row in context.cloud_cost}
    assert actual.keys() == expected.keys()
    for currency, value in expected.items():
        assert math.isclose(actual[currency], value, rel_tol=1e-9)
