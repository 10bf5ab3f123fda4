"""Classification of real public bill files and of synthetic lines the model cannot read.

Expected energies are worked out by hand from the published coefficients named in each comment
(the tables in reporter/data/cloud/ and their SOURCES.md), never taken from the code under test.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.cloud.estimate import estimate_lines, estimate_usage
from tests.conftest import SHARED_SAMPLES, context_for, run_inputs

PUBLIC = SHARED_SAMPLES / "public"
SAVINGS_PLAN = PUBLIC / "focus" / "focus-spec_aws-savings-plan-partial-upfront-100pct.csv"
EA_ACTUAL = PUBLIC / "azure" / "finops-toolkit_EA_ActualCost_Small.csv"

pytestmark = pytest.mark.skipif(not PUBLIC.exists(), reason="the shared public samples are not beside the project")

# Published coefficients used below (reporter/data/cloud/, sources in its SOURCES.md)
HDD_WH_PER_TBH = 0.65  # CCF HDD storage coefficient
S3_REPLICATION = 6  # CCF replication factor of S3 storage
AZURE_MYSQL_REPLICATION = 3  # CCF replication factor of Azure Database for MySQL
AZURE_SQL_DB_REPLICATION = 3  # CCF replication factor of Azure SQL Database
GIB_IN_GB = 2**30 / 10**9
AWS_FLEET_W = (0.74, 3.5)  # CCF AWS fleet-average min / max W per vCPU
AZURE_FLEET_W = (0.74, 3.54)  # CCF Azure fleet-average min / max W per vCPU
SKYLAKE_AWS_W = (0.6129888539040325, 4.104170352960531)  # ccf-coefficients 2026, AWS Skylake min / max W per vCPU
SKYLAKE_AWS_GB_PER_CHIP = 75.09995781995782  # same row: memory per chip (SPECpower baseline)
MEMORY_W_PER_GIB = 0.392  # CCF memory coefficient
PUE_AWS_US_EAST_1 = 1.15  # AWS per-region PUE 2024 (via SPRUCE)
PUE_AWS_DEFAULT = 1.15  # AWS global PUE 2024, for a region with no figure of its own
PUE_AZURE_AMERICAS = 1.16  # Microsoft data-centre PUE for Americas regions (via SPRUCE)


def _item(items: pd.DataFrame, column: str, text: str) -> pd.Series:
    rows = items[items[column].astype(str).str.contains(text, regex=False, na=False)]
    assert len(rows) == 1, f"{len(rows)} line items with {column} containing {text!r}"
    return rows.iloc[0]


def _flags(item: pd.Series) -> set[str]:
    return set(str(item["model_flags"] or "").split(";")) - {""}


# --- defect: FOCUS savings-plan sample (S3 storage in GB, EC2 committed hours without a type) --------


def test_focus_savings_plan_storage_in_gb_is_storage_and_counted() -> None:
    items = run_inputs([SAVINGS_PLAN], period="2026-02").items
    s3 = _item(items, "service_name", "Amazon Simple Storage Service")
    assert (s3["usage_category"], s3["estimate_status"]) == ("storage_hdd", "estimated")
    assert {"storage_gb_as_gb_month", "storage_class_assumed"} <= _flags(s3)
    # 234 + 163 + 419 = 816 GB on the file's three S3 rows, priced at 0.023 USD per GB: S3
    # Standard's price per GB-month (5.38 / 234 = 0.023), so GB-months. February 2026: 28 days.
    # 816 GiB-mo × 1.073741824 GB/GiB / 1000 × 672 h = 588.7885 TB-h
    # × 0.65 Wh/TB-h (HDD) × 6 (S3 replication) = 2296.275 Wh; × PUE 1.15 = 2.640716 kWh
    tb_hours = 816 * GIB_IN_GB / 1000 * 28 * 24
    expected_kwh = tb_hours * HDD_WH_PER_TBH * S3_REPLICATION / 1000 * PUE_AWS_US_EAST_1
    assert math.isclose(s3["energy_kwh"], expected_kwh, rel_tol=1e-9)
    assert math.isclose(expected_kwh, 2.640716, rel_tol=1e-6)
    # nothing else in the file can be estimated: the file's total is the S3 storage
    assert math.isclose(items["energy_kwh"].sum(), expected_kwh, rel_tol=1e-9)


def test_focus_savings_plan_committed_hours_without_instance_type_are_flagged_and_counted() -> None:
    context = context_for([SAVINGS_PLAN], period="2026-02")
    items = run_inputs([SAVINGS_PLAN], period="2026-02").items
    ec2 = _item(items, "usage_type", "Amazon Elastic Compute Cloud committed usage")
    rds = _item(items, "usage_type", "Amazon Relational Database Service on-demand usage")
    for line in (ec2, rds):
        # the documented fallback for an instance of unknown vCPU count: unclassified, flagged,
        # reported with its quantity and cost; the description is not taken for an instance type
        assert (line["estimate_status"], line["energy_kwh"]) == ("unclassified", 0.0)
        assert "instance_type_unknown" in _flags(line)
        assert line["estimate_basis"].startswith("no instance type in ")
    assert (int(ec2["row_count"]), ec2["consumed_quantity"]) == (24, 24.0)  # 24 hourly rows of 1 hour
    assert context.data_quality.flag_count("instance_type_unknown") == 2
    groups = {g.usage_type: g for g in context.unclassified.groups}
    assert groups["Amazon Elastic Compute Cloud committed usage"].rows == 24
    # Lambda GB-seconds written as 'GB' and DynamoDB requests: units the model cannot read
    for service in ("AWS Lambda", "Amazon DynamoDB"):
        line = _item(items, "service_name", service)
        assert line["estimate_status"] == "unclassified" and "unit_unknown" in _flags(line)
    assert context.data_quality.flag_count("unit_unknown") == 2


# --- FOCUS rows that write the instance type elsewhere (synthetic file) ------------------------------

FOCUS_COLUMNS = ("BillingAccountId", "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "ProviderName",
                 "ServiceName", "ServiceCategory", "RegionId", "ChargeDescription", "SkuPriceDetails",
                 "ConsumedQuantity", "ConsumedUnit", "BilledCost", "BillingCurrency")


def _focus_file(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FOCUS_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({"BillingAccountId": "111", "ChargeCategory": "Usage", "ChargePeriodStart":
                             "2026-02-01T00:00:00Z", "ChargePeriodEnd": "2026-02-01T10:00:00Z", "ProviderName":
                             "AWS", "BilledCost": "0", "BillingCurrency": "USD", **row})
    return path


def _ec2_row(description: str, details: str = "", region: str = "us-east-1", hours: str = "10") -> dict[str, Any]:
    return {"ServiceName": "Amazon Elastic Compute Cloud", "ServiceCategory": "Compute", "RegionId": region,
            "ChargeDescription": description, "SkuPriceDetails": details, "ConsumedQuantity": hours,
            "ConsumedUnit": "Hours"}


def test_committed_hours_take_the_instance_type_written_in_the_description_or_sku_details(tmp_path: Path) -> None:
    path = _focus_file(tmp_path / "focus.csv", [
        _ec2_row("Amazon Elastic Compute Cloud committed usage m5.large"),
        _ec2_row("Amazon Elastic Compute Cloud committed usage", json.dumps({"InstanceType": "m5.large"})),
    ])
    items = run_inputs([path], period="2026-02").items
    assert len(items) == 2 and set(items["estimate_status"]) == {"estimated"}
    # m5.large: 2 vCPU, 8 GiB, Skylake. 2 × (0.61299 + 50 % × (4.10417 − 0.61299)) = 4.71716 W
    # + memory max(0, 8 − 2 × 75.1 / 96) GiB × 0.392 W/GiB = 2.52268 W; 7.23984 W × 10 h × PUE 1.15
    low_w, high_w = SKYLAKE_AWS_W
    cpu_w = 2 * (low_w + 0.5 * (high_w - low_w))
    memory_w = (8 - 2 * SKYLAKE_AWS_GB_PER_CHIP / 96) * MEMORY_W_PER_GIB
    expected_kwh = (cpu_w + memory_w) * 10 / 1000 * PUE_AWS_US_EAST_1
    assert math.isclose(expected_kwh, 0.0832582, rel_tol=1e-6)
    for energy in items["energy_kwh"]:
        assert math.isclose(energy, expected_kwh, rel_tol=1e-9)
    described = _item(items, "usage_type", "committed usage m5.large")
    assert "instance_type_from_description" in str(described["flags"])


# --- defect: Azure Database vCore meters ---------------------------------------------------------


def test_azure_mysql_2_vcore_meter_gives_the_vcpu_count() -> None:
    context = context_for([EA_ACTUAL], period="2023-09")
    items = run_inputs([EA_ACTUAL], period="2023-09").items
    mysql = _item(items, "usage_type", "2 vCore")
    assert (mysql["usage_category"], mysql["estimate_status"]) == ("compute", "estimated")
    assert {"vcpus_from_meter", "cpu_architecture_unknown"} <= _flags(mysql)
    assert "instance_type_unknown" not in _flags(mysql)
    # 'Basic - Compute Gen5 | 2 vCore', 24 × '1 Hour' in centralus: 2 vCPU at CCF's Azure fleet
    # average 0.74 + 50 % × (3.54 − 0.74) = 2.14 W = 4.28 W × 24 h × 3 (CCF MySQL replication)
    # = 308.16 Wh; × PUE 1.16 = 0.3574656 kWh
    low_w, high_w = AZURE_FLEET_W
    expected_kwh = 2 * (low_w + 0.5 * (high_w - low_w)) * 24 * AZURE_MYSQL_REPLICATION / 1000 * PUE_AZURE_AMERICAS
    assert math.isclose(expected_kwh, 0.3574656, rel_tol=1e-9)
    assert math.isclose(mysql["energy_kwh"], expected_kwh, rel_tol=1e-9)
    assert context.data_quality.flag_count("vcpus_from_meter") == 1
    # the SQL Managed Instance 'vCore' meters of the same file are licence fees: unsupported
    licences = items[items["usage_type"].str.contains("SQL License", na=False)]
    assert len(licences) == 3 and set(licences["estimate_status"]) == {"unsupported"}


def _azure_frame(meter: str, quantity: float, service: str = "SQL Database",
                 vcpus: float | None = None) -> pd.DataFrame:
    return pd.DataFrame({"cloud_provider": ["azure"], "cloud_region": ["eastus"], "service_name": [service],
                         "usage_type": [meter], "consumed_quantity": [quantity], "consumed_unit": ["1 Hour"],
                         "vcpus": [vcpus], "start_time": ["2026-02-01"]})


@pytest.mark.parametrize("vcpus", [None, 4.0])
def test_azure_bare_vcore_meter_bills_vcore_hours(vcpus: float | None) -> None:
    # the quantity is vCore-hours: a vCore count on the bill does not multiply it
    frame = _azure_frame("General Purpose - Compute Gen5 | vCore", 10.0, vcpus=vcpus)
    for estimate in (estimate_usage, estimate_lines):
        row = estimate(frame).iloc[0]
        # 10 vCore-hours × 2.14 W (Azure fleet average at 50 %) × 3 (CCF SQL Database
        # replication) = 64.2 Wh; × PUE 1.16 = 0.074472 kWh
        low_w, high_w = AZURE_FLEET_W
        expected_kwh = 10 * (low_w + 0.5 * (high_w - low_w)) * AZURE_SQL_DB_REPLICATION / 1000 * PUE_AZURE_AMERICAS
        assert math.isclose(row["energy_kwh"], expected_kwh, rel_tol=1e-9)
        assert math.isclose(expected_kwh, 0.074472, rel_tol=1e-9)
        assert "vcpus_from_meter" in row["model_flags"]


def test_azure_vcore_count_on_the_bill_wins_over_the_meter() -> None:
    row = estimate_usage(_azure_frame("Basic - Compute Gen5 | 2 vCore", 1.0, "Azure Database for MySQL", 4.0)).iloc[0]
    # 4 vCPU from the bill: 4 × 2.14 W × 1 h × 3 × 1.16 = 0.0297888 kWh
    assert math.isclose(row["energy_kwh"], 4 * 2.14 * 3 * 1.16 / 1000, rel_tol=1e-9)
    assert "vcpus_from_meter" not in row["model_flags"]


# --- unknown units, regions and instance types: flagged and counted, never silent -----------------


def test_unknown_unit_region_and_instance_type_are_flagged_and_counted(tmp_path: Path) -> None:
    path = _focus_file(tmp_path / "unknowns.csv", [
        # a unit the model cannot read
        {"ServiceName": "Amazon Simple Queue Service", "ServiceCategory": "Integration", "RegionId": "us-east-1",
         "ChargeDescription": "SQS requests", "ConsumedQuantity": "1000", "ConsumedUnit": "Requests",
         "BilledCost": "0.40"},
        # a region with no PUE or grid factor of its own
        _ec2_row("Amazon Elastic Compute Cloud usage", json.dumps({"InstanceType": "m5.large"}),
                 region="xx-nowhere-9"),
        # an instance type not in the table, without and with a vCPU count on the bill
        _ec2_row("Amazon Elastic Compute Cloud usage", json.dumps({"InstanceType": "m99.large"})),
        _ec2_row("Amazon Elastic Compute Cloud usage", json.dumps({"InstanceType": "m98.large", "CoreCount": 4})),
    ])
    items = run_inputs([path], period="2026-02").items
    requests = _item(items, "consumed_unit", "Requests")
    assert (requests["estimate_status"], requests["energy_kwh"]) == ("unclassified", 0.0)
    assert "unit_unknown" in _flags(requests) and "Requests" in requests["estimate_basis"]

    nowhere = _item(items, "cloud_region", "xx-nowhere-9")
    assert nowhere["estimate_status"] == "estimated" and nowhere["energy_kwh"] > 0
    assert {"unknown_cloud_region", "location_fallback"} <= set(str(nowhere["flags"]).split(";"))
    assert "AWS global PUE 2024" in nowhere["estimate_basis"] and nowhere["pue"] == PUE_AWS_DEFAULT

    unknown = _item(items, "instance_type", "m99.large")
    assert (unknown["estimate_status"], unknown["energy_kwh"]) == ("unclassified", 0.0)
    assert "instance_type_unknown" in _flags(unknown)
    assert "'m99.large' not in the table" in unknown["estimate_basis"]

    counted = _item(items, "instance_type", "m98.large")
    assert {"instance_type_unknown", "cpu_architecture_unknown"} <= _flags(counted)
    # 4 vCPU (CoreCount) at CCF's AWS fleet average 0.74 + 50 % × (3.5 − 0.74) = 2.12 W
    # = 8.48 W × 10 h × PUE 1.15 = 0.09752 kWh
    low_w, high_w = AWS_FLEET_W
    assert math.isclose(counted["energy_kwh"], 4 * (low_w + 0.5 * (high_w - low_w)) * 10 / 1000 * 1.15, rel_tol=1e-9)

    quality = context_for([path], period="2026-02").data_quality
    for flag, count in (("unit_unknown", 1), ("instance_type_unknown", 2), ("unknown_cloud_region", 1),
                        ("location_fallback", 1), ("cpu_architecture_unknown", 1)):
        assert quality.flag_count(flag) == count, flag

    output = CliRunner().invoke(main, ["validate", "-q", str(path)], catch_exceptions=False).output
    for line in ("1 line item(s) flagged unit_unknown", "2 line item(s) flagged instance_type_unknown",
                 "1 line item(s) flagged unknown_cloud_region"):
        assert line in output, output


# --- what stays out of storage, and ccf mode -------------------------------------------------------


def _aws_frame(description: str, unit: str, category: str, service: str = "Amazon Simple Storage Service"
               ) -> pd.DataFrame:
    return pd.DataFrame({"cloud_provider": ["aws"], "cloud_region": ["us-east-1"], "service_name": [service],
                         "service_category": [category], "usage_type": [description], "consumed_quantity": [100.0],
                         "consumed_unit": [unit], "start_time": ["2026-02-01"]})


@pytest.mark.parametrize(
    ("description", "unit", "category", "expected"),
    [
        # moving or reading data, though billed by a storage service in GB
        ("$0.02 per GB - US West (Oregon) data transfer to EU (Ireland)", "GB", "Storage", "networking"),
        ("USD0.02 per GB for  in Middle East (Bahrain)", "GB", "Storage", "unclassified"),
        ("USD $0.03 per GB for Elastic Throughput reads (USE1)", "GB", "Storage", "unclassified"),
        # stored data: GB-months, or plain GB with no transfer wording, by service or by category
        ("Amazon Simple Storage Service on-demand usage", "GB-Mo", "", "storage_hdd"),
        ("Amazon Simple Storage Service on-demand usage", "GB", "", "storage_hdd"),
        ("Amazon Simple Storage Service on-demand usage", "Requests", "Storage", "unclassified"),
    ],
)
def test_storage_in_gb_is_told_apart_from_transfer(description: str, unit: str, category: str,
                                                    expected: str) -> None:
    row = estimate_usage(_aws_frame(description, unit, category)).iloc[0]
    assert row["usage_category"] == expected


def test_s3_one_zone_keeps_its_replication() -> None:
    one_zone = estimate_usage(_aws_frame("S3 One Zone-IA storage on-demand usage", "GB-Mo", "Storage")).iloc[0]
    standard = estimate_usage(_aws_frame("Amazon Simple Storage Service on-demand usage", "GB-Mo", "Storage")).iloc[0]
    # CCF: S3 One Zone-IA replication 2, S3 Standard 6; same HDD coefficient otherwise
    assert math.isclose(one_zone["energy_kwh"] * 3, standard["energy_kwh"], rel_tol=1e-12)
    assert "storage_class_assumed" not in one_zone["model_flags"]
    assert "storage_class_assumed" in standard["model_flags"]


def test_plain_gb_of_a_storage_category_without_known_medium_stays_unclassified() -> None:
    # Amazon EFS keeps SSD storage in CCF's lists; an unknown service of category Storage has no medium
    efs = estimate_usage(_aws_frame("Amazon EFS on-demand usage", "GB", "Storage", "Amazon Elastic File System"))
    other = estimate_usage(_aws_frame("Some storage on-demand usage", "GB", "Storage", "Some Storage Service"))
    assert efs.iloc[0]["usage_category"] == "storage_ssd"
    assert "storage_gb_as_gb_month" in efs.iloc[0]["model_flags"]
    assert (other.iloc[0]["estimate_status"], other.iloc[0]["estimate_basis"]) == (
        "unclassified", "storage medium not recognised")


def test_ccf_mode_keeps_ccf_reading_of_plain_gb() -> None:
    # CCF reads a GB quantity as transfer and has no transfer type for this description
    row = estimate_usage(_aws_frame("Amazon Simple Storage Service on-demand usage", "GB", "Storage"), "ccf").iloc[0]
    assert (row["usage_category"], row["estimate_basis"]) == ("unclassified", "transfer type not recognised")


def test_default_mode_counts_gcp_and_azure_inbound_transfer() -> None:
    gcp = pd.DataFrame({"cloud_provider": ["gcp"], "cloud_region": ["us-central1"], "service_name": ["Compute Engine"],
                        "usage_type": ["Network Inter Region Ingress from EMEA to Americas"],
                        "consumed_quantity": [2e9], "consumed_unit": ["bytes"]})
    azure = pd.DataFrame({"cloud_provider": ["azure"], "cloud_region": ["centralus"],
                          "service_name": ["Virtual Network"], "usage_type": ["Peering | Intra-Region Ingress"],
                          "consumed_quantity": [10.0],
                          "consumed_unit": ["1 GB"]})
    # 2e9 bytes = 2 GB × 0.0015 kWh/GB (inter-region) × PUE 1.11 (Google, Council Bluffs 2025)
    assert math.isclose(estimate_usage(gcp).iloc[0]["energy_kwh"], 2 * 0.0015 * 1.11, rel_tol=1e-9)
    # 10 GiB × 1.073741824 GB/GiB × 0.001 kWh/GB (intra-region) × PUE 1.16
    assert math.isclose(estimate_usage(azure).iloc[0]["energy_kwh"], 10 * GIB_IN_GB * 0.001 * PUE_AZURE_AMERICAS,
                        rel_tol=1e-9)
    # CCF ignores inbound transfer
    for frame in (gcp, azure):
        assert estimate_usage(frame, "ccf").iloc[0]["usage_category"] == "unclassified"
