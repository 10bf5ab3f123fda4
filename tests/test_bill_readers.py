"""Cloud bill readers (FOCUS, AWS CUR, GCP billing export, Azure cost details).

Real samples (shared/samples beside the project) are checked against counts and sums recomputed here with the
csv module; CUR 2.0, GCP and FOCUS 1.3 files are built here (CSV, gzip CSV and Parquet) with the
shapes those exports have.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import shutil
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from reporter.errors import InputFormatError
from reporter.records import READING_COLUMNS, ExclusionGroup
from reporter.sources import READERS
from reporter.sources.base import InputFile, Reader, ReadResult
from reporter.sources.bills.aws_cur import AwsCurReader
from reporter.sources.bills.azure_cost import AzureCostReader
from reporter.sources.bills.engine import header_columns
from reporter.sources.bills.focus import FocusReader
from reporter.sources.bills.gcp_billing import GcpBillingReader
from tests.conftest import DATA, SAMPLES, SHARED_SAMPLES

CLOUD = SHARED_SAMPLES
FOCUS_SAMPLE = CLOUD / "focus" / "focus-1.0-sample.csv"
CUR_SAMPLE = CLOUD / "aws_cur" / "legacy-cur-anonymized.csv"
AZURE_SAMPLE = CLOUD / "azure" / "ea-cost-details-anonymized.csv"

BILL_READERS: dict[str, Reader] = {
    reader.name: reader for reader in (FocusReader(), AwsCurReader(), GcpBillingReader(), AzureCostReader())
}
ALL_READERS: dict[str, Reader] = {**READERS, **BILL_READERS}


def read(path: Path, reader: str, tag_keys: list[str] | None = None, day_months: list[str] | None = None) -> ReadResult:
    source = InputFile.open(path, {"tag_keys": tag_keys or [], "day_months": day_months or []})
    return BILL_READERS[reader].read(source)


def claimed_by(path: Path) -> set[str]:
    """Every reader whose sniff would claim the file (score >= 0.5)."""
    source = InputFile.open(path)
    return {name for name, reader in ALL_READERS.items() if reader.sniff(source) >= 0.5}


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def is_null(value: str | None) -> bool:
    return value is None or value in ("", "NULL")


def balanced(result: ReadResult) -> None:
    """rows_read = rows summed into readings + rows left out."""
    grouped = sum(group.rows for group in result.exclusion_groups)
    assert result.rows_read == int(result.readings["row_count"].sum()) + len(result.exclusions) + grouped
    assert list(result.readings.columns) == list(READING_COLUMNS)
    assert set(result.readings["method"]) <= {"estimated"}
    assert result.readings["energy_reported_kwh"].isna().all()
    assert (result.readings["duration_s"] >= 0).all()
    for group in result.exclusion_groups:
        assert 0 < len(group.example_rows) <= 5
        assert list(group.example_rows) == sorted(group.example_rows)


def by_reason(result: ReadResult) -> dict[str, int]:
    return {group.reason: group.rows for group in result.exclusion_groups}


def one(frame: Any, **where: Any) -> Any:
    """The single reading matching every column=value given."""
    mask = None
    for column, value in where.items():
        match = frame[column] == value
        mask = match if mask is None else mask & match
    rows = frame[mask]
    assert len(rows) == 1, f"{len(rows)} readings match {where}"
    return rows.iloc[0]


# ----------------------------------------------------------------------------------------------
# Built files: AWS CUR 2.0, GCP billing export, FOCUS 1.3, Azure cost details with AdditionalInfo

DAY1 = datetime(2025, 3, 1)
DAY2 = datetime(2025, 3, 2)
CUR2_TAGS = {"ml": {"user_team": "ml", "user_project": "llm"}, "search": {"user_team": "search"}}


def cur2_rows() -> list[dict[str, Any]]:
    """Line items of a CUR 2.0 export (a subset of its columns, in its names)."""

    def item(kind: str, usage_type: str, unit: str, amount: float | None, start: datetime, hours: float, **extra: Any):
        row = {
            "identity_line_item_id": f"li-{len(rows) + 1}",
            "bill_payer_account_id": "111122223333",
            "line_item_usage_account_id": "444455556666",
            "line_item_line_item_type": kind,
            "line_item_usage_start_date": start,
            "line_item_usage_end_date": start + timedelta(hours=hours),
            "line_item_product_code": extra.pop("product_code", "AmazonEC2"),
            "line_item_usage_type": usage_type,
            "line_item_usage_amount": amount,
            "line_item_currency_code": "USD",
            "line_item_unblended_cost": extra.pop("cost", 0.1),
            "pricing_unit": unit,
            "product_region_code": "us-east-1",
            "product_instance_type": extra.pop("instance", None),
            "product_vcpu": extra.pop("vcpu", None),
            "product_memory": extra.pop("memory", None),
            "product": extra.pop("product", {"region": "us-east-1"}),
            "resource_tags": extra.pop("tags", {}),
        }
        assert not extra
        rows.append(row)

    rows: list[dict[str, Any]] = []
    m5 = {"instance": "m5.large", "vcpu": "2", "memory": "8 GiB", "cost": 0.096}
    item("Usage", "USE1-BoxUsage:m5.large", "Hrs", 1.0, DAY1, 1, tags=CUR2_TAGS["ml"], **m5)
    item("Usage", "USE1-BoxUsage:m5.large", "Hrs", 1.0, DAY1 + timedelta(hours=1), 1, tags=CUR2_TAGS["ml"], **m5)
    item("Usage", "USE1-BoxUsage:m5.large", "Hrs", 1.0, DAY2, 1, tags=CUR2_TAGS["ml"], **m5)
    item("Usage", "USE1-BoxUsage:m5.large", "Hrs", 0.5, DAY1 + timedelta(hours=5), 1, tags=CUR2_TAGS["search"], **m5)
    item("Usage", "USE1-EBS:VolumeUsage.gp3", "GB-Mo", 0.5, DAY1, 24, tags=CUR2_TAGS["ml"])
    item("Usage", "USE1-TimedStorage-ByteHrs", "GB-Mo", 0.0123, DAY1, 24, product_code="AmazonS3")
    item(
        "Usage", "USE1-DataTransfer-Out-Bytes", "GB", 2.5, DAY1 + timedelta(hours=3), 1, product_code="AWSDataTransfer"
    )
    item(
        "SavingsPlanCoveredUsage",
        "USE1-BoxUsage:g5.xlarge",
        "Hrs",
        1.0,
        DAY1 + timedelta(hours=2),
        1,
        product={"region": "us-east-1", "vcpu": "4", "gpu": "1", "memory": "16 GiB"},
        tags={"user_team": "ml"},
    )
    item("Tax", "", "", None, DAY1, 24 * 31, cost=1.23, product_code="AmazonEC2")
    item("RIFee", "USE1-HeavyUsage:m5.large", "Hrs", 744.0, DAY1, 24 * 31, cost=50.0)
    return rows


CUR2_READINGS = 7
CUR2_ROWS = 10


def write_cur2_parquet(path: Path) -> Path:
    rows = cur2_rows()
    text = pa.string()
    tags = pa.map_(pa.string(), pa.string())
    schema = pa.schema(
        [
            ("identity_line_item_id", text),
            ("bill_payer_account_id", text),
            ("line_item_usage_account_id", text),
            ("line_item_line_item_type", text),
            ("line_item_usage_start_date", pa.timestamp("ms", tz="UTC")),
            ("line_item_usage_end_date", pa.timestamp("ms", tz="UTC")),
            ("line_item_product_code", text),
            ("line_item_usage_type", text),
            ("line_item_usage_amount", pa.float64()),
            ("line_item_currency_code", text),
            ("line_item_unblended_cost", pa.float64()),
            ("pricing_unit", text),
            ("product_region_code", text),
            ("product_instance_type", text),
            ("product_vcpu", text),
            ("product_memory", text),
            ("product", tags),
            ("resource_tags", tags),
        ]
    )
    columns = {name: [row[name] for row in rows] for name in schema.names}
    for name in ("product", "resource_tags"):
        columns[name] = [list(value.items()) for value in columns[name]]
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


def write_cur2_csv_gz(path: Path) -> Path:
    rows = cur2_rows()
    with gzip.open(path, "wt", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            cells = dict(row)
            for name in ("line_item_usage_start_date", "line_item_usage_end_date"):
                cells[name] = row[name].strftime("%Y-%m-%dT%H:%M:%SZ")
            for name in ("product", "resource_tags"):
                cells[name] = json.dumps(row[name])
            cells["line_item_usage_amount"] = (
                "" if row["line_item_usage_amount"] is None else row["line_item_usage_amount"]
            )
            writer.writerow(cells)
    return path


GIB = 1024**3
MACHINE = [
    {"key": "compute.googleapis.com/machine_spec", "value": "n2-standard-8"},
    {"key": "compute.googleapis.com/cores", "value": "8"},
    {"key": "compute.googleapis.com/memory", "value": "32768"},
    {"key": "compute.googleapis.com/is_unused_reservation", "value": "false"},
]
GPU_HOST = [
    {"key": "compute.googleapis.com/machine_spec", "value": "n1-standard-4"},
    {"key": "compute.googleapis.com/cores", "value": "4"},
    {"key": "compute.googleapis.com/memory", "value": "15360"},
]


def gcp_rows() -> list[dict[str, Any]]:
    """Rows of a BigQuery billing export (nested, as BigQuery holds them)."""

    def row(service: str, sku: str, amount: float, unit: str, start: datetime, **extra: Any) -> None:
        rows.append(
            {
                "billing_account_id": "01A2B3-C4D5E6-F7G8H9",
                "service": {"id": "6F81-5844-456A", "description": service},
                "sku": {"id": f"SKU-{len(rows) + 1}", "description": sku},
                "usage_start_time": start,
                "usage_end_time": start + timedelta(hours=1),
                "project": {
                    "id": "ml-training-prod",
                    "name": "ML training",
                    "labels": [{"key": "team", "value": "ml"}],
                },
                "labels": extra.pop("labels", []),
                "system_labels": extra.pop("system_labels", []),
                "location": {
                    "location": "us-central1",
                    "country": "US",
                    "region": extra.pop("region", "us-central1"),
                    "zone": "us-central1-a",
                },
                "cost": extra.pop("cost", 0.5),
                "currency": "USD",
                "usage": {"amount": amount, "unit": unit},
                "cost_type": extra.pop("cost_type", "regular"),
            }
        )
        assert not extra

    rows: list[dict[str, Any]] = []
    core = "N2 Instance Core running in Americas"
    row(
        "Compute Engine",
        core,
        8 * 3600.0,
        "seconds",
        DAY1,
        system_labels=MACHINE,
        labels=[{"key": "team", "value": "ml"}, {"key": "model", "value": "llama-ft"}],
    )
    row(
        "Compute Engine",
        core,
        8 * 3600.0,
        "seconds",
        DAY1 + timedelta(hours=1),
        system_labels=MACHINE,
        labels=[{"key": "team", "value": "ml"}, {"key": "model", "value": "llama-ft"}],
    )
    row(
        "Compute Engine",
        "N2 Instance Ram running in Americas",
        32.0 * GIB * 3600,
        "byte-seconds",
        DAY1,
        system_labels=MACHINE,
        labels=[{"key": "team", "value": "ml"}, {"key": "model", "value": "llama-ft"}],
    )
    row("Compute Engine", "Storage PD Capacity", 100.0 * GIB * 3600, "byte-seconds", DAY1)
    row(
        "Compute Engine",
        "Network Internet Egress from Americas to EMEA",
        5e9,
        "bytes",
        DAY1,
        labels=[{"key": "team", "value": "search"}],
    )
    row(
        "Compute Engine",
        "Nvidia Tesla T4 GPU running in Americas",
        3600.0,
        "seconds",
        DAY1 + timedelta(hours=4),
        system_labels=GPU_HOST,
        labels=[{"key": "Team", "value": "vision"}],
    )
    row("Invoice", "Tax", 0.0, "", DAY1, cost_type="tax", cost=3.21)
    return rows


GCP_READINGS = 5
GCP_ROWS = 7


def write_gcp_csv(path: Path) -> Path:
    """The export flattened to CSV as BigQuery writes it: dotted names, lists as JSON text."""
    rows = gcp_rows()
    header = [
        "billing_account_id",
        "service.id",
        "service.description",
        "sku.id",
        "sku.description",
        "usage_start_time",
        "usage_end_time",
        "project.id",
        "project.name",
        "project.labels",
        "labels",
        "system_labels",
        "location.location",
        "location.country",
        "location.region",
        "location.zone",
        "cost",
        "currency",
        "usage.amount",
        "usage.unit",
        "cost_type",
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for index, row in enumerate(rows):
            flat: dict[str, Any] = {}
            for name in header:
                value: Any = row
                for part in name.split("."):
                    value = value[part]
                flat[name] = value
            for name in ("usage_start_time", "usage_end_time"):
                flat[name] = flat[name].strftime("%Y-%m-%d %H:%M:%S UTC")
            for name in ("project.labels", "labels", "system_labels"):
                # One row in the single-quoted style some tools write ("JSON-ish").
                flat[name] = str(flat[name]) if index == 1 else json.dumps(flat[name])
            writer.writerow([flat[name] for name in header])
    return path


def write_gcp_parquet(path: Path) -> Path:
    rows = gcp_rows()
    pairs = pa.list_(pa.struct([("key", pa.string()), ("value", pa.string())]))
    schema = pa.schema(
        [
            ("billing_account_id", pa.string()),
            ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
            ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])),
            ("usage_start_time", pa.timestamp("us", tz="UTC")),
            ("usage_end_time", pa.timestamp("us", tz="UTC")),
            ("project", pa.struct([("id", pa.string()), ("name", pa.string()), ("labels", pairs)])),
            ("labels", pairs),
            ("system_labels", pairs),
            ("location", pa.struct([(n, pa.string()) for n in ("location", "country", "region", "zone")])),
            ("cost", pa.float64()),
            ("currency", pa.string()),
            ("usage", pa.struct([("amount", pa.float64()), ("unit", pa.string())])),
            ("cost_type", pa.string()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


FOCUS13_HEADER = [
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountStatus",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractApplied",
    "EffectiveCost",
    "HostProviderName",
    "InvoiceIssuerName",
    "RegionId",
    "ServiceCategory",
    "ServiceName",
    "ServiceProviderName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SubAccountId",
    "Tags",
    "AllocatedMethodId",
    "AllocatedTags",
    "x_SkuDetails",
]


def focus13_rows() -> list[dict[str, str]]:
    """FOCUS 1.3 rows: ServiceProviderName/HostProviderName, SkuMeter and SkuPriceDetails."""

    def row(provider: str, category: str, quantity: str, unit: str, **extra: str) -> dict[str, str]:
        base = {name: "" for name in FOCUS13_HEADER}
        base.update(
            {
                "BilledCost": extra.pop("cost", "1.5"),
                "BillingAccountId": "acct-1",
                "BillingCurrency": "USD",
                "ChargeCategory": category,
                "ChargePeriodStart": "2025-06-10T00:00:00Z",
                "ChargePeriodEnd": "2025-06-11T00:00:00Z",
                "ConsumedQuantity": quantity,
                "ConsumedUnit": unit,
                "HostProviderName": provider,
                "ServiceProviderName": provider,
                "SubAccountId": "sub-1",
                "ServiceCategory": "Compute",
                "Tags": json.dumps({"team": "ml", "user:project": "rag"}),
            }
        )
        base.update(extra)
        return base

    rows = [
        row(
            "Amazon Web Services",
            "Usage",
            "10",
            "Hours",
            RegionId="us-east-1",
            ServiceName="Amazon EC2",
            SkuMeter="USE1-BoxUsage:g5.2xlarge",
            ServiceSubcategory="Virtual Machines",
            SkuPriceDetails=json.dumps(
                {
                    "CoreCount": 8,
                    "GpuCount": 1,
                    "InstanceType": "g5.2xlarge",
                    "MemorySize": 32,
                    "OperatingSystem": "Linux",
                }
            ),
        ),
        row(
            "Amazon Web Services",
            "Usage",
            "5",
            "Hours",
            RegionId="eu-west-2",
            ServiceName="Amazon EC2",
            SkuMeter="EUW2-BoxUsage:t3.xlarge",
        ),
        row(
            "Google Cloud",
            "Usage",
            "24",
            "Hours",
            RegionId="europe-west4",
            ServiceName="Compute Engine",
            SkuPriceDetails=json.dumps({"CoreCount": "4", "InstanceType": "n2-standard-4", "MemorySize": "16"}),
        ),
        row(
            "Microsoft",
            "Usage",
            "100",
            "GB/Month",
            RegionId="eastus",
            ServiceName="Storage",
            ServiceCategory="Storage",
            Tags='{"Team": "platform"}',
            x_SkuDetails=json.dumps({"ServiceType": "Standard_LRS"}),
        ),
        row(
            "Microsoft",
            "Usage",
            "24",
            "Hours",
            RegionId="westeurope",
            ServiceName="Virtual Machines",
            x_SkuDetails=json.dumps({"ServiceType": "Standard_D4s_v5", "VCPUs": 4, "UsageType": "ComputeHR"}),
        ),
        row("Amazon Web Services", "Purchase", "", "", ChargeDescription="Reserved instance purchase"),
        row("Amazon Web Services", "Tax", "", "", cost="0.4"),
        row("Amazon Web Services", "Usage", "2", "Hours", ChargeClass="Correction", RegionId="us-east-1"),
        row("Amazon Web Services", "Usage", "", "", CommitmentDiscountStatus="Unused", RegionId="us-east-1"),
    ]
    return rows


def write_focus13(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FOCUS13_HEADER)
        writer.writeheader()
        writer.writerows(focus13_rows())
    return path


def write_focus13_parquet(path: Path) -> Path:
    """The same rows as Parquet with typed columns, and Tags and SkuPriceDetails as maps."""
    rows = focus13_rows()
    pairs = pa.map_(pa.string(), pa.string())
    types: dict[str, pa.DataType] = {name: pa.string() for name in FOCUS13_HEADER}
    types.update(BilledCost=pa.float64(), ConsumedQuantity=pa.float64(), Tags=pairs, SkuPriceDetails=pairs)
    types.update(ChargePeriodStart=pa.timestamp("us", tz="UTC"), ChargePeriodEnd=pa.timestamp("us", tz="UTC"))
    columns: dict[str, list[Any]] = {}
    for name in FOCUS13_HEADER:
        values: list[Any] = [row[name] or None for row in rows]
        if name in ("BilledCost", "ConsumedQuantity"):
            values = [None if v is None else float(v) for v in values]
        elif name in ("ChargePeriodStart", "ChargePeriodEnd"):
            values = [datetime.fromisoformat(v.replace("Z", "+00:00")) for v in values]
        elif name in ("Tags", "SkuPriceDetails"):
            values = [None if v is None else [(k, str(x)) for k, x in json.loads(v).items()] for v in values]
        columns[name] = values
    schema = pa.schema([(name, types[name]) for name in FOCUS13_HEADER])
    pq.write_table(pa.table(columns, schema=schema), path)
    return path


def write_azure_with_details(path: Path) -> Path:
    """The real EA sample with realistic AdditionalInfo on its VM rows, a Purchase row and an
    'East US' location: the shape of an un-anonymised export."""
    with AZURE_SAMPLE.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    for cells in rows:
        if cells["MeterCategory"] == "Virtual Machines" and cells["MeterName"] == "D3 v2/DS3 v2":
            cells["AdditionalInfo"] = json.dumps(
                {"UsageType": "ComputeHR", "ServiceType": "Standard_DS3_v2", "VCPUs": 4, "ImageType": None}
            )
            cells["ResourceLocation"] = "East US"
    purchase = dict(
        rows[0],
        ChargeType="Purchase",
        MeterCategory="Virtual Machines",
        Quantity="1",
        UnitOfMeasure="1 Hour",
        Date="2023-09-02",
    )
    rows.append(purchase)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bills")
    return {
        "cur2_parquet": write_cur2_parquet(folder / "cur2-00001.snappy.parquet"),
        "cur2_csv_gz": write_cur2_csv_gz(folder / "cur2-00001.csv.gz"),
        "gcp_csv": write_gcp_csv(folder / "gcp-billing-export.csv"),
        "gcp_parquet": write_gcp_parquet(folder / "gcp-billing-export.parquet"),
        "focus13": write_focus13(folder / "focus-1.3.csv"),
        "focus13_parquet": write_focus13_parquet(folder / "focus-1.3.parquet"),
        "azure_details": write_azure_with_details(folder / "azure-ea-details.csv"),
    }


BUILT_FORMAT = {
    "cur2_parquet": "aws_cur",
    "cur2_csv_gz": "aws_cur",
    "gcp_csv": "gcp_billing",
    "gcp_parquet": "gcp_billing",
    "focus13": "focus",
    "focus13_parquet": "focus",
    "azure_details": "azure_cost",
}


# ----------------------------------------------------------------------------------------------
# Detection


def test_header_columns_of_csv_gzip_and_parquet(built: dict[str, Path]) -> None:
    assert header_columns(InputFile.open(FOCUS_SAMPLE))[:3] == ["AvailabilityZone", "BilledCost", "BillingAccountId"]
    assert len(header_columns(InputFile.open(CUR_SAMPLE))) == 94
    gz = header_columns(InputFile.open(built["cur2_csv_gz"]))
    assert gz[:2] == ["identity_line_item_id", "bill_payer_account_id"] and "resource_tags" in gz
    parquet = header_columns(InputFile.open(built["gcp_parquet"]))
    assert {"service", "service.description", "usage.amount", "system_labels"} <= set(parquet)


@pytest.mark.parametrize(
    ("path", "expected"),
    [(FOCUS_SAMPLE, "focus"), (CUR_SAMPLE, "aws_cur"), (AZURE_SAMPLE, "azure_cost")],
    ids=["focus-1.0", "legacy-cur", "azure-ea"],
)
def test_real_samples_detected_by_their_reader_only(path: Path, expected: str) -> None:
    assert claimed_by(path) == {expected}
    assert BILL_READERS[expected].sniff(InputFile.open(path)) == 1.0


def test_built_files_detected_by_their_reader_only(built: dict[str, Path]) -> None:
    for name, path in built.items():
        assert claimed_by(path) == {BUILT_FORMAT[name]}, name


def test_no_reader_claims_another_format(built: dict[str, Path]) -> None:
    """Every sample and test file: bills are claimed by exactly their bill reader, tracker files
    by no bill reader (and bill files by no tracker reader)."""
    files = [p for root in (SAMPLES, DATA) for p in sorted(root.rglob("*")) if p.is_file()]
    assert len(files) > 40
    bill_files = {FOCUS_SAMPLE: "focus", CUR_SAMPLE: "aws_cur", AZURE_SAMPLE: "azure_cost"}
    acme_bills = SAMPLES / "synthetic-acme" / "cloud-bills"
    bill_files.update(
        {acme_bills / "aws-cur2-2026.parquet": "aws_cur", acme_bills / "gcp-billing-export-2026.csv": "gcp_billing"}
    )
    bill_files.update({path: BUILT_FORMAT[name] for name, path in built.items()})
    for path in files + list(built.values()):
        claimed = claimed_by(path)
        if path in bill_files:
            assert claimed == {bill_files[path]}, path
        elif "bills" in path.parts and path.suffix in (".csv", ".parquet", ".gz"):
            # copies or slices of the bill samples kept as other tests' data: exactly one bill reader
            assert len(claimed) == 1 and claimed <= set(BILL_READERS), path
        else:
            assert not claimed & set(BILL_READERS), path


# ----------------------------------------------------------------------------------------------
# Real FOCUS 1.0 sample


FOCUS_GROUP = ("BillingAccountId", "SubAccountId", "ServiceName", "ServiceCategory", "RegionId", "ChargeDescription",
               "ConsumedUnit", "BillingCurrency")


def uncorrected_rows(rows: list[dict[str, str]], tag_keys: tuple[str, ...] = ()) -> set[int]:
    """Row numbers of FOCUS Usage rows in a group (account, service, region, description, unit, month of
    the start and the values of `tag_keys`, keys matched without regard to case) whose ConsumedQuantity
    sums below zero: corrections with no usage to offset."""
    groups: dict[tuple[str, ...], list[tuple[int, float]]] = defaultdict(list)
    for number, row in enumerate(rows, start=2):
        if row["ChargeCategory"] == "Usage":
            text = row["Tags"] if tag_keys and row["Tags"] not in ("", "NULL") else "{}"
            tags = {k.strip().lower(): v for k, v in json.loads(text).items()}
            key = (*(row[c] for c in FOCUS_GROUP), row["ChargePeriodStart"][:7], *(tags.get(k, "") for k in tag_keys))
            groups[key].append((number, float(row["ConsumedQuantity"])))
    return {n for items in groups.values() if sum(q for _, q in items) < 0 for n, _ in items}


def test_focus_sample_usage_and_exclusions_match_an_independent_count() -> None:
    rows = csv_rows(FOCUS_SAMPLE)
    result = read(FOCUS_SAMPLE, "focus")
    balanced(result)
    assert result.rows_read == len(rows) == 1000
    categories = Counter(row["ChargeCategory"] for row in rows)
    readings = result.readings
    lone = uncorrected_rows(rows)
    assert len(lone) == 9  # 8 lone negative quantities, and one group of a refund larger than its usage
    assert int(readings["row_count"].sum()) == categories.pop("Usage") - len(lone)
    corrections = next(g for g in result.exclusion_groups if g.reason.startswith("a correction"))
    assert corrections.rows == len(lone) and corrections.example_rows == tuple(sorted(lone)[:5])
    assert "ConsumedQuantity sums below zero" in corrections.reason
    excluded = {reason.split("'")[1]: count for reason, count in by_reason(result).items() if "'" in reason}
    assert excluded == dict(categories) == {"Credit": 1, "Adjustment": 2}
    credit = next(g for g in result.exclusion_groups if "Credit" in g.reason)
    line = 2 + next(i for i, row in enumerate(rows) if row["ChargeCategory"] == "Credit")
    assert credit.example_rows == (line,)


def quantity_per_unit_matches(path: Path, reader: str, columns: tuple[str, str, str], abs_tol: float = 0.0,
                              left_out: set[int] | None = None) -> Any:
    """The reader's quantity and row count per unit equal a csv-module sum over the Usage rows
    (columns: charge kind, unit, quantity) but those `left_out` (row numbers). Returns the readings."""
    kind, unit_column, amount = columns
    expected: dict[str, float] = defaultdict(float)
    counts: Counter[str] = Counter()
    for number, row in enumerate(csv_rows(path), start=2):
        if row[kind] == "Usage" and number not in (left_out or set()):
            expected[row[unit_column]] += float(row[amount])
            counts[row[unit_column]] += 1
    readings = read(path, reader).readings
    sums = readings.groupby("consumed_unit")["consumed_quantity"].sum()
    rows_per_unit = readings.groupby("consumed_unit")["row_count"].sum()
    assert set(sums.index) == set(expected)
    for unit, total in expected.items():
        assert math.isclose(sums[unit], total, rel_tol=1e-9, abs_tol=abs_tol), unit
        assert rows_per_unit[unit] == counts[unit], unit
    return readings


def test_focus_sample_quantity_per_unit_matches_an_independent_sum() -> None:
    lone = uncorrected_rows(csv_rows(FOCUS_SAMPLE))
    columns = ("ChargeCategory", "ConsumedUnit", "ConsumedQuantity")
    quantity_per_unit_matches(FOCUS_SAMPLE, "focus", columns, 1e-12, left_out=lone)


def test_focus_sample_rows_providers_and_instance_types() -> None:
    rows = csv_rows(FOCUS_SAMPLE)
    readings = read(FOCUS_SAMPLE, "focus", tag_keys=["business_unit", "environment"]).readings
    assert set(readings["cloud_provider"]) == {"aws", "azure", "oracle"}
    # source_row is the file line (header = 1) of the group's first row.
    for reading in readings.itertuples():
        record = rows[reading.source_row - 2]
        assert record["ChargeCategory"] == "Usage"
        assert record["ConsumedUnit"] == reading.consumed_unit
    # The GPU row: the instance type is only in ChargeDescription.
    g3_rows = [row for row in rows if "g3.4xlarge" in row["ChargeDescription"]]
    g3 = readings[readings["instance_type"] == "g3.4xlarge"]
    assert int(g3["row_count"].sum()) == len(g3_rows) == 2
    assert math.isclose(g3["consumed_quantity"].sum(), sum(float(r["ConsumedQuantity"]) for r in g3_rows))
    assert set(g3["hardware"]) == {"g3.4xlarge"}
    assert set(g3["flags"]) == {"instance_type_from_description"}
    assert set(g3["consumed_unit"]) == {"Hours"} and set(g3["cloud_region"]) == {"us-east-1"}
    described = {r["ChargeDescription"] for r in rows if r["ChargeDescription"].endswith("Instance Hour")}
    assert readings[readings["usage_type"].isin(described)]["instance_type"].notna().all()
    # Tags: the JSON values of the kept keys.
    first = readings.iloc[1]
    record = json.loads(rows[first.source_row - 2]["Tags"])
    assert json.loads(first.tags) == {"business_unit": record["business_unit"], "environment": record["environment"]}


def test_focus_sample_is_read_the_same_way_twice() -> None:
    first = read(FOCUS_SAMPLE, "focus").readings
    second = read(FOCUS_SAMPLE, "focus").readings
    assert first.equals(second)
    assert first["run_id"].is_unique


# ----------------------------------------------------------------------------------------------
# Real legacy CUR sample


def test_legacy_cur_sample_matches_an_independent_count() -> None:
    rows = csv_rows(CUR_SAMPLE)
    result = read(CUR_SAMPLE, "aws_cur")
    balanced(result)
    assert result.rows_read == len(rows) == 1281
    types = Counter(row["lineItem/LineItemType"] for row in rows)
    usage = {"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"}
    assert int(result.readings["row_count"].sum()) == sum(n for t, n in types.items() if t in usage) == 1269
    left_out = {t: n for t, n in types.items() if t not in usage}
    assert left_out == {"Tax": 12}  # this sample has no Credit rows
    reasons = by_reason(result)
    assert {reason.split("'")[1]: n for reason, n in reasons.items()} == left_out
    tax = result.exclusion_groups[0]
    assert tax.reason.startswith("line item type 'Tax'") and "not usage" in tax.reason
    assert tax.example_rows == tuple(2 + i for i, r in enumerate(rows) if r["lineItem/LineItemType"] == "Tax")[:5]


def test_legacy_cur_sample_amount_per_pricing_unit_matches_an_independent_sum() -> None:
    columns = ("lineItem/LineItemType", "pricing/unit", "lineItem/UsageAmount")
    readings = quantity_per_unit_matches(CUR_SAMPLE, "aws_cur", columns)
    s3 = readings[readings["usage_type"] == "USW2-TimedStorage-ByteHrs"]
    assert set(s3["consumed_unit"]) == {"GB-Mo"} and set(s3["cloud_region"]) == {"us-west-2"}
    assert set(readings["service_name"]) >= {"AmazonS3", "AWSGlue", "awskms"}
    assert set(readings["billing_account_id"]) == {"123412340534"}
    assert readings["start_time"].min() >= datetime(2023, 11, 1)


# ----------------------------------------------------------------------------------------------
# Real Azure EA sample


def test_azure_sample_units_as_billed_and_vm_sizes() -> None:
    rows = csv_rows(AZURE_SAMPLE)
    result = read(AZURE_SAMPLE, "azure_cost", tag_keys=["tagA"])
    balanced(result)
    assert result.rows_read == len(rows) == 27
    assert result.exclusion_groups == []
    readings = result.readings
    assert set(readings["consumed_unit"]) == {row["UnitOfMeasure"] for row in rows} == {"1 GB", "10K", "1 Hour", "1K"}
    for unit in ("1 GB", "10K", "1 Hour"):
        expected = sum(float(r["Quantity"]) for r in rows if r["UnitOfMeasure"] == unit)
        assert math.isclose(readings[readings["consumed_unit"] == unit]["consumed_quantity"].sum(), expected)
    vms = readings[readings["service_name"] == "Virtual Machines"]
    assert int(vms["row_count"].sum()) == sum(r["MeterCategory"] == "Virtual Machines" for r in rows) == 7
    assert set(vms["consumed_unit"]) == {"1 Hour"}
    # The sample's AdditionalInfo is anonymised, so sizes come from the meter names (flagged).
    assert set(vms["instance_type"]) == {
        "Standard_DS4_v2",
        "Standard_D3_v2",
        "Standard_L4s",
        "Standard_F2",
        "Standard_F4",
    }
    assert set(vms["flags"]) == {"instance_type_from_meter"}
    assert readings[readings["service_name"] != "Virtual Machines"]["instance_type"].isna().all()
    assert set(readings["cloud_region"]) == {"centralus", "westus2", "westus", "eastus2"}
    assert set(readings["start_time"]) == {datetime(2023, 9, 2)}
    assert set(readings["end_time"]) == {datetime(2023, 9, 3)}
    assert set(readings["billing_currency"]) == {"CAD"}
    # EA writes Tags without braces.
    assert set(readings["tags"]) == {'{"tagA":"valueA"}'}


def test_azure_additional_info_gives_the_vm_size(built: dict[str, Path]) -> None:
    result = read(built["azure_details"], "azure_cost")
    balanced(result)
    assert result.rows_read == 28
    assert by_reason(result) == {"ChargeType 'Purchase': not usage, no resource consumed": 1}
    readings = result.readings
    d3 = readings[readings["usage_type"] == "Dv2/DSv2 Series | D3 v2/DS3 v2"]
    assert set(d3["instance_type"]) == {"Standard_DS3_v2"}
    assert set(d3["vcpus"]) == {4.0}
    assert set(d3["flags"]) == {""}
    assert set(d3["cloud_region"]) == {"eastus"}


# ----------------------------------------------------------------------------------------------
# AWS CUR 2.0 (Parquet and gzip CSV)


@pytest.mark.parametrize("name", ["cur2_parquet", "cur2_csv_gz"])
def test_cur2_grouping_tags_and_exclusions(built: dict[str, Path], name: str) -> None:
    result = read(built[name], "aws_cur", tag_keys=["team", "project"], day_months=["2025-03"])
    balanced(result)
    assert result.rows_read == CUR2_ROWS
    readings = result.readings
    assert len(readings) == CUR2_READINGS
    reasons = by_reason(result)
    assert set(reasons.values()) == {1}
    assert any(r.startswith("line item type 'Tax'") for r in reasons)
    assert any(r.startswith("line item type 'RIFee'") and "DiscountedUsage" in r for r in reasons)

    first_row = 1 if name == "cur2_parquet" else 2  # Parquet: index + 1; CSV: line (header = 1)
    m5 = one(readings, instance_type="m5.large", start_time=DAY1, tags='{"project":"llm","team":"ml"}')
    assert (m5.row_count, m5.consumed_quantity, m5.consumed_unit) == (2, 2.0, "Hrs")
    assert m5.source_row == first_row
    assert m5.end_time == DAY1 + timedelta(hours=2) and m5.duration_s == 7200.0
    assert (m5.vcpus, m5.memory_gb, m5.cloud_region, m5.cloud_provider) == (2.0, 8.0, "us-east-1", "aws")
    assert (m5.billing_account_id, m5.sub_account_id, m5.service_name) == ("111122223333", "444455556666", "AmazonEC2")
    assert math.isclose(m5.billed_cost, 0.192) and m5.billing_currency == "USD"
    assert m5.hardware == "m5.large" and m5.run_id.startswith("aws_cur:")
    assert one(readings, instance_type="m5.large", start_time=DAY2).row_count == 1
    assert one(readings, instance_type="m5.large", tags='{"team":"search"}').consumed_quantity == 0.5

    gp3 = one(readings, usage_type="USE1-EBS:VolumeUsage.gp3")
    assert (gp3.consumed_unit, gp3.consumed_quantity, gp3.instance_type) == ("GB-Mo", 0.5, None)
    assert gp3.duration_s == 86400.0
    s3 = one(readings, usage_type="USE1-TimedStorage-ByteHrs")
    assert (s3.consumed_unit, s3.consumed_quantity, s3.service_name, s3.tags) == ("GB-Mo", 0.0123, "AmazonS3", "{}")
    transfer = one(readings, usage_type="USE1-DataTransfer-Out-Bytes")
    assert (transfer.consumed_unit, transfer.consumed_quantity) == ("GB", 2.5)
    # No product_instance_type: from the usage type; vCPUs and GPUs from the product map.
    g5 = one(readings, usage_type="USE1-BoxUsage:g5.xlarge")
    assert (g5.instance_type, g5.vcpus, g5.gpus, g5.memory_gb) == ("g5.xlarge", 4.0, 1.0, 16.0)
    assert json.loads(g5.tags) == {"team": "ml"}


def test_cur2_parquet_and_csv_give_the_same_readings(built: dict[str, Path]) -> None:
    parquet = read(built["cur2_parquet"], "aws_cur", tag_keys=["team"]).readings
    gz = read(built["cur2_csv_gz"], "aws_cur", tag_keys=["team"]).readings
    columns = [c for c in READING_COLUMNS if c not in ("source_file", "source_sha256", "source_row")]
    assert parquet[columns].equals(gz[columns])
    assert list(gz["source_row"]) == [row + 1 for row in parquet["source_row"]]


# ----------------------------------------------------------------------------------------------
# GCP billing export (CSV and Parquet)


@pytest.mark.parametrize("name", ["gcp_csv", "gcp_parquet"])
def test_gcp_export(built: dict[str, Path], name: str) -> None:
    result = read(built[name], "gcp_billing", tag_keys=["team", "model"])
    balanced(result)
    assert result.rows_read == GCP_ROWS
    assert by_reason(result) == {"cost_type 'tax': a tax, not usage": 1}
    readings = result.readings
    assert len(readings) == GCP_READINGS
    assert set(readings["cloud_provider"]) == {"gcp"}
    core = one(readings, usage_type="N2 Instance Core running in Americas")
    assert (core.row_count, core.consumed_quantity, core.consumed_unit) == (2, 2 * 8 * 3600.0, "seconds")
    assert (core.instance_type, core.vcpus, core.memory_gb) == ("n2-standard-8", 8.0, 32.0)
    assert (core.cloud_region, core.sub_account_id, core.service_name) == (
        "us-central1",
        "ml-training-prod",
        "Compute Engine",
    )
    assert (core.start_time, core.end_time) == (DAY1, DAY1 + timedelta(hours=2))
    assert json.loads(core.tags) == {"model": "llama-ft", "team": "ml"}
    ram = one(readings, usage_type="N2 Instance Ram running in Americas")
    assert (ram.consumed_unit, ram.consumed_quantity, ram.instance_type) == (
        "byte-seconds",
        32.0 * GIB * 3600,
        "n2-standard-8",
    )
    disk = one(readings, usage_type="Storage PD Capacity")
    assert (disk.consumed_unit, disk.instance_type) == ("byte-seconds", None)
    assert json.loads(disk.tags) == {"team": "ml"}  # from the project's labels
    egress = one(readings, usage_type="Network Internet Egress from Americas to EMEA")
    assert (egress.consumed_unit, egress.consumed_quantity, json.loads(egress.tags)) == (
        "bytes",
        5e9,
        {"team": "search"},
    )
    gpu = one(readings, usage_type="Nvidia Tesla T4 GPU running in Americas")
    assert (gpu.consumed_unit, gpu.instance_type, gpu.vcpus) == ("seconds", "n1-standard-4", 4.0)
    assert json.loads(gpu.tags) == {"team": "vision"}  # label key "Team" matched without regard to case


# ----------------------------------------------------------------------------------------------
# FOCUS 1.3


def test_focus_13_columns(built: dict[str, Path]) -> None:
    result = read(built["focus13"], "focus", tag_keys=["team", "project"])
    balanced(result)
    assert result.rows_read == 9
    reasons = by_reason(result)
    assert reasons == {
        "ChargeCategory 'Purchase': not a usage charge, no resource consumed": 1,
        "ChargeCategory 'Tax': not a usage charge, no resource consumed": 1,
        "ChargeClass 'Correction': corrects a previously invoiced billing period, not new usage": 1,
        "CommitmentDiscountStatus 'Unused': a commitment paid for but not used, no resource consumed": 1,
    }
    readings = result.readings
    assert len(readings) == 5
    g5 = one(readings, usage_type="USE1-BoxUsage:g5.2xlarge")
    assert (g5.cloud_provider, g5.instance_type, g5.vcpus, g5.gpus, g5.memory_gb) == (
        "aws",
        "g5.2xlarge",
        8.0,
        1.0,
        32.0,
    )
    assert (g5.consumed_quantity, g5.consumed_unit, g5["flags"]) == (10.0, "Hours", "")
    assert json.loads(g5.tags) == {"project": "rag", "team": "ml"}  # "user:project" is the plain key
    t3 = one(readings, usage_type="EUW2-BoxUsage:t3.xlarge")
    assert (t3.instance_type, t3.cloud_region, t3["flags"]) == ("t3.xlarge", "eu-west-2", "")
    gcp = one(readings, cloud_provider="gcp")
    assert (gcp.instance_type, gcp.vcpus, gcp.memory_gb, gcp.cloud_region) == (
        "n2-standard-4",
        4.0,
        16.0,
        "europe-west4",
    )
    storage = one(readings, cloud_provider="azure", service_category="Storage")
    assert (storage.consumed_unit, storage.tags) == ("GB/Month", '{"team":"platform"}')
    assert storage.instance_type is None  # x_SkuDetails ServiceType names a storage tier here
    vm = one(readings, cloud_provider="azure", service_category="Compute")
    assert (vm.instance_type, vm.vcpus, vm.cloud_region) == ("Standard_D4s_v5", 4.0, "westeurope")
    assert set(readings["start_time"]) == {datetime(2025, 6, 10)}
    assert set(readings["duration_s"]) == {86400.0}


def test_focus_13_parquet_with_map_columns_reads_the_same(built: dict[str, Path]) -> None:
    csv_result = read(built["focus13"], "focus", tag_keys=["team", "project"])
    parquet_result = read(built["focus13_parquet"], "focus", tag_keys=["team", "project"])
    balanced(parquet_result)
    assert by_reason(parquet_result) == by_reason(csv_result)
    columns = [c for c in READING_COLUMNS if c not in ("source_file", "source_sha256", "source_row")]
    assert parquet_result.readings[columns].equals(csv_result.readings[columns])
    assert list(parquet_result.readings["source_row"]) == [r - 1 for r in csv_result.readings["source_row"]]


# ----------------------------------------------------------------------------------------------
# Malformed input


def _edit_cur(tmp_path: Path, edits: dict[int, dict[str, str]], name: str = "cur.csv") -> Path:
    """A copy of the legacy CUR sample with some cells changed (keys: line numbers, header = 1)."""
    with CUR_SAMPLE.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    for line, cells in edits.items():
        for column, value in cells.items():
            rows[line - 2][header.index(column)] = value
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_non_numeric_quantity_is_left_out_naming_the_column(tmp_path: Path) -> None:
    rows = csv_rows(CUR_SAMPLE)
    assert rows[900 - 2]["lineItem/LineItemType"] == rows[1100 - 2]["lineItem/LineItemType"] == "Usage"
    path = _edit_cur(tmp_path, {900: {"lineItem/UsageAmount": "12,5"}, 1100: {"lineItem/UsageAmount": "n/a"}})
    result = read(path, "aws_cur")
    balanced(result)
    assert result.rows_read == len(rows)
    assert by_reason(result)["lineItem/UsageAmount is not a number (text, NaN or infinite)"] == 2
    group = next(g for g in result.exclusion_groups if "not a number" in g.reason)
    assert group.example_rows == (900, 1100)


def test_unparseable_date_in_a_usage_row_names_the_column(tmp_path: Path) -> None:
    path = _edit_cur(tmp_path, {40: {"lineItem/UsageStartDate": "yesterday"}})
    with pytest.raises(InputFormatError) as caught:
        read(path, "aws_cur")
    assert (caught.value.row, caught.value.column) == (40, "lineItem/UsageStartDate")


def test_malformed_values_in_excluded_rows_are_not_errors(tmp_path: Path) -> None:
    rows = csv_rows(CUR_SAMPLE)
    tax_line = 2 + next(i for i, r in enumerate(rows) if r["lineItem/LineItemType"] == "Tax")
    path = _edit_cur(tmp_path, {tax_line: {"lineItem/UsageAmount": "abc"}})
    assert read(path, "aws_cur").rows_read == 1281


def test_bad_quantity_in_a_gzip_file(tmp_path: Path) -> None:
    rows = csv_rows(CUR_SAMPLE)
    line = 2 + next(i for i, r in enumerate(rows) if r["lineItem/LineItemType"] == "Usage")
    plain = _edit_cur(tmp_path, {line: {"lineItem/UsageAmount": "1.0.0"}})
    packed = tmp_path / "cur.csv.gz"
    with plain.open("rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    group = next(g for g in read(packed, "aws_cur").exclusion_groups if "not a number" in g.reason)
    assert (group.rows, group.example_rows) == (1, (line,))
    assert group.reason.startswith("lineItem/UsageAmount ")


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "focus.csv"
    path.write_text("ChargeCategory,BilledCost,ChargePeriodStart,ProviderName\nUsage,1,2025-01-01,AWS\n")
    with pytest.raises(InputFormatError) as caught:
        read(path, "focus")
    assert (caught.value.row, caught.value.column) == (1, "ConsumedQuantity")


def test_ragged_row_is_left_out_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "azure.csv"
    path.write_text(
        "Date,MeterCategory,Quantity,UnitOfMeasure,ChargeType\n"
        "2025-01-01,Storage,1,1 GB/Month,Usage\n"
        "2025-01-01,Storage,1,1 GB/Month,Usage,extra\n"
        "2025-01-02,Bandwidth,2,1 GB,Usage\n"
    )
    result = read(path, "azure_cost")
    balanced(result)
    assert result.rows_read == 3
    assert result.exclusion_groups == [ExclusionGroup("a ragged row: more fields than the header's 5", 1, (3,))]
    assert list(result.readings["source_row"]) == [2, 4]  # the row after the ragged one keeps its number


# ----------------------------------------------------------------------------------------------
# Scale: many rows, few readings, computed in DuckDB


def test_many_rows_are_summed_in_groups(tmp_path: Path) -> None:
    path = tmp_path / "big-cur.csv.gz"
    hours = 24 * 30
    header = [
        "line_item_line_item_type",
        "line_item_usage_start_date",
        "line_item_usage_end_date",
        "line_item_usage_type",
        "line_item_usage_amount",
        "pricing_unit",
        "line_item_unblended_cost",
        "product_region_code",
        "resource_tags",
    ]
    with gzip.open(path, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for hour in range(hours):
            start = datetime(2025, 4, 1) + timedelta(hours=hour)
            end = start + timedelta(hours=1)
            for node in range(100):
                kind = "Tax" if node == 99 else "Usage"
                team = "a" if node % 2 else "b"
                writer.writerow(
                    [
                        kind,
                        start.isoformat() + "Z",
                        end.isoformat() + "Z",
                        "USE1-BoxUsage:p5.48xlarge",
                        "1",
                        "Hrs",
                        "98.32",
                        "us-east-1",
                        json.dumps({"user_team": team}),
                    ]
                )
    result = read(path, "aws_cur", tag_keys=["team"])
    balanced(result)
    assert result.rows_read == hours * 100
    readings = result.readings
    assert len(readings) == 2  # one per team: April is summed whole
    assert int(readings["row_count"].sum()) == hours * 99
    assert readings["consumed_quantity"].sum() == hours * 99
    assert set(readings["duration_s"]) == {30 * 86400.0}
    assert set(readings["instance_type"]) == {"p5.48xlarge"}
    assert by_reason(result)["line item type 'Tax': a tax, not usage"] == hours
    by_day = read(path, "aws_cur", tag_keys=["team"], day_months=["2025-04"]).readings  # a period cuts April
    assert len(by_day) == 30 * 2
    assert set(by_day["duration_s"]) == {86400.0}
    assert int(by_day["row_count"].sum()) == hours * 99


def test_rows_that_run_past_their_month_are_summed_apart(tmp_path: Path) -> None:
    """Hourly rows of one month make one reading; a row running into the next month makes its own,
    so the month's reading ends with the month and the other splits pro rata across the boundary."""
    rows = [cur_row("Usage", "a", f"2025-03-{day:02d}T00:00:00Z", f"2025-03-{day:02d}T01:00:00Z")
            for day in range(1, 32)]
    rows.append(cur_row("Usage", "a", "2025-03-31T12:00:00Z", "2025-04-01T12:00:00Z"))
    rows.append(cur_row("Usage", "a", "2025-04-02T00:00:00Z", "2025-04-02T01:00:00Z"))
    readings = read(write_cur_csv(tmp_path / "cur.csv", rows), "aws_cur").readings
    assert sorted(readings["row_count"]) == [1, 1, 31]
    march = one(readings, row_count=31)
    assert (march.start_time, march.end_time) == (datetime(2025, 3, 1), datetime(2025, 3, 31, 1))
    spill = one(readings, start_time=datetime(2025, 3, 31, 12))
    assert (spill.end_time, spill.source_row) == (datetime(2025, 4, 1, 12), 33)
    assert one(readings, start_time=datetime(2025, 4, 2)).row_count == 1


# ----------------------------------------------------------------------------------------------
# Two-stage aggregation: rows grouped on raw values first, the mapping evaluated per group


CUR_HEADER = [
    "line_item_line_item_type",
    "line_item_usage_account_id",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_usage_type",
    "line_item_usage_amount",
    "pricing_unit",
    "line_item_unblended_cost",
    "product_region_code",
]


def write_cur_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CUR_HEADER)
        writer.writerows(rows)
    return path


def cur_row(kind: str, account: str, start: str, end: str, amount: str = "1", usage: str = "USE1-BoxUsage:m5.large"):
    return [kind, account, start, end, usage, amount, "Hrs", "0.1", "us-east-1"]


def test_bad_quantities_are_left_out_and_tax_rows_keep_their_reason(tmp_path: Path) -> None:
    """A malformed quantity leaves its usage row out, named by the file's own column (CUR 2.0
    spelling here); a left-out row keeps its own reason whatever its values."""
    t1, t2 = "2025-03-01T00:00:00Z", "2025-03-01T01:00:00Z"
    rows = [
        cur_row("Tax", "a", "never", "never", amount="abc"),  # row 2: left out as tax, not an error
        cur_row("Usage", "a", t1, t2),  # row 3
        cur_row("Usage", "b", t1, t2, amount="bad-b"),  # row 4
        cur_row("Usage", "a", t1, t2, amount="NaN"),  # row 5
        cur_row("Usage", "a", t1, t2, amount="-inf"),  # row 6
    ]
    result = read(write_cur_csv(tmp_path / "cur.csv", rows), "aws_cur")
    balanced(result)
    reason = "line_item_usage_amount is not a number (text, NaN or infinite)"
    assert ExclusionGroup(reason, 3, (4, 5, 6)) in result.exclusion_groups
    assert by_reason(result)["line item type 'Tax': a tax, not usage"] == 1
    assert int(result.readings["row_count"].sum()) == 1


def test_bad_times_in_usage_rows_name_the_first_row(tmp_path: Path) -> None:
    t1, t2 = "2025-03-01T00:00:00Z", "2025-03-01T01:00:00Z"
    rows = [
        cur_row("Usage", "a", t1, t2),
        cur_row("Usage", "a", t1, "later"),  # row 3: bad end
        cur_row("Usage", "b", "soon", t2),  # row 4: bad start
        cur_row("Usage", "a", "soon", t2),  # row 5: bad start (the same text as row 4)
    ]
    with pytest.raises(InputFormatError) as caught:
        read(write_cur_csv(tmp_path / "cur.csv", rows), "aws_cur")
    assert (caught.value.row, caught.value.column) == (3, "line_item_usage_end_date")
    assert "'later' is not a date or time" in str(caught.value)
    rows[1][3] = t2
    with pytest.raises(InputFormatError) as caught:
        read(write_cur_csv(tmp_path / "cur.csv", rows), "aws_cur")
    assert (caught.value.row, caught.value.column) == (4, "line_item_usage_start_date")


def test_an_empty_start_before_a_bad_one_is_the_row_reported(tmp_path: Path) -> None:
    """The row and the value in the message are the same row's, an empty start included."""
    t2 = "2025-03-01T01:00:00Z"
    rows = [cur_row("Usage", "a", "", t2), cur_row("Usage", "a", "soon", t2)]  # rows 2 and 3
    with pytest.raises(InputFormatError) as caught:
        read(write_cur_csv(tmp_path / "cur.csv", rows), "aws_cur")
    assert (caught.value.row, caught.value.column) == (2, "line_item_usage_start_date")
    assert "an empty value is not a date or time" in str(caught.value)
    rows[0][2] = "2025-03-01T00:00:00Z"
    with pytest.raises(InputFormatError) as caught:
        read(write_cur_csv(tmp_path / "cur.csv", rows), "aws_cur")
    assert caught.value.row == 3 and "'soon' is not a date or time" in str(caught.value)


def test_times_with_offsets_and_other_formats_group_by_their_utc_day(tmp_path: Path) -> None:
    """ISO text is read fast, text with an offset or in another format the zone-aware way; both
    land on the same UTC day and give the same start and end."""
    rows = [
        cur_row("Usage", "a", "2025-03-02T00:00:00Z", "2025-03-02T01:00:00Z"),
        cur_row("Usage", "a", "2025-03-01T23:30:00-02:00", "2025-03-02T00:30:00-02:00"),  # 01:30-02:30 UTC
        cur_row("Usage", "a", "2025-03-02 05:00:00 UTC", "2025-03-02 06:00:00+00:00"),
        cur_row("Usage", "a", "03/02/2025 07:00:00 PM", ""),  # no end: the end of its day
        cur_row("Usage", "a", "2025-03-02T01:00:00+05:00", "2025-03-02T02:00:00+05:00"),  # 1 March, UTC
    ]
    readings = read(write_cur_csv(tmp_path / "cur.csv", rows), "aws_cur", day_months=["2025-03"]).readings
    assert len(readings) == 2
    day2 = one(readings, start_time=datetime(2025, 3, 2))
    assert (day2.row_count, day2.source_row, day2.end_time) == (4, 2, datetime(2025, 3, 3))
    day1 = one(readings, start_time=datetime(2025, 3, 1, 20))
    assert (day1.row_count, day1.source_row, day1.end_time) == (1, 6, datetime(2025, 3, 1, 21))


def test_exclusion_examples_are_the_first_rows_across_all_their_groups(tmp_path: Path) -> None:
    """Left-out rows of one reason spread over many raw groups: the examples are still the five
    lowest row numbers of the reason, in order."""
    rows = []
    for index in range(40):
        start = f"2025-03-{1 + index % 3:02d}T00:00:00Z"
        kind = "Tax" if index % 4 == 1 else "Usage"
        rows.append(cur_row(kind, f"acct-{index % 5}", start, "", usage=f"type-{index % 7}"))
    result = read(write_cur_csv(tmp_path / "cur.csv", rows), "aws_cur")
    balanced(result)
    (group,) = result.exclusion_groups
    tax_rows = [index + 2 for index in range(40) if index % 4 == 1]
    assert group.rows == len(tax_rows) == 10
    assert list(group.example_rows) == tax_rows[:5]


# ----------------------------------------------------------------------------------------------
# Hostile shapes too big or binary for tests/bad_inputs/bills: through the command line, exit
# status 2 with one line naming the file, or a reading with every row accounted for.

HOSTILE_HEADER = (
    "lineItem/LineItemType,lineItem/UsageType,lineItem/UsageAmount,lineItem/UsageStartDate,"
    "lineItem/UsageEndDate,pricing/unit,product/region,lineItem/LineItemDescription"
)


def hostile_row(amount: str, description: str = "d") -> str:
    times = "2025-01-05T00:00:00Z,2025-01-05T01:00:00Z"
    return f"Usage,USE1-BoxUsage:m5.large,{amount},{times},Hrs,us-east-1,{description}"


def validate(path: Path, *args: str) -> Any:
    from click.testing import CliRunner

    from reporter.cli import main

    return CliRunner().invoke(main, ["validate", "--quiet", *args, str(path)], catch_exceptions=False)


def test_a_field_of_one_mebibyte_is_read(tmp_path: Path) -> None:
    path = tmp_path / "cur.csv"
    big = "x" * (1 << 20)
    path.write_text("\n".join([HOSTILE_HEADER, hostile_row("1", big), hostile_row("2", f'"{big},{big}"')]) + "\n")
    result = read(path, "aws_cur")
    balanced(result)
    assert result.rows_read == 2 and result.readings["consumed_quantity"].sum() == 3.0


def test_a_header_cell_over_the_csv_module_limit_does_not_stop_detection(tmp_path: Path) -> None:
    path = tmp_path / "cur.csv"
    path.write_text(f"{HOSTILE_HEADER},{'y' * 200_000}\n{hostile_row('1')},z\n")
    outcome = validate(path)
    assert outcome.exit_code == 0 and "Traceback" not in outcome.output
    assert f"{path.name}: aws_cur; 1 rows read, 1 usable, 0 excluded" in outcome.stdout.splitlines()


def test_a_truncated_gzip_bill_is_one_clear_error(tmp_path: Path) -> None:
    lines = [HOSTILE_HEADER] + [hostile_row(str(i), f"{i * 7919 % 10007:x}{i}") for i in range(5000)]
    packed = gzip.compress(("\n".join(lines) + "\n").encode())
    path = tmp_path / "cur.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    outcome = validate(path)
    assert outcome.exit_code == 2 and "Traceback" not in outcome.output
    # The whole-file check of the input finds it before the bill reader does.
    assert outcome.stderr.strip() == (
        f"error: {path.name}: the gzip stream is truncated (the file ends before the compressed data does)"
    )


def test_a_damaged_parquet_file_says_so(tmp_path: Path) -> None:
    whole = tmp_path / "whole.parquet"
    pq.write_table(pa.table({"line_item_usage_type": ["x"], "line_item_usage_amount": [1.0]}), whole)
    data = whole.read_bytes()
    path = tmp_path / "bill.parquet"
    path.write_bytes(data[:40] + data[-30:])
    outcome = validate(path)
    assert outcome.exit_code == 2 and "Traceback" not in outcome.output
    line = outcome.stderr.strip()
    assert line.startswith(f"error: {path.name}: Parquet file that cannot be read: ") and "\n" not in line


def test_corpus_reasons_are_named_in_the_ledger() -> None:
    """The reasons behind the corpus's summary lines (tests/bad_inputs/bills), from the reader."""
    folder = Path(__file__).parent / "bad_inputs" / "bills"
    expected = {
        "cur_ragged_row.csv": ("aws_cur", "a ragged row: more fields than the header's 8", (3,)),
        "cur_bad_quantity.csv": ("aws_cur", "lineItem/UsageAmount is not a number (text, NaN or infinite)", (3, 4, 5)),
        "cur2_bad_quantity.csv": ("aws_cur", "line_item_usage_amount is not a number (text, NaN or infinite)", (3,)),
        "cur_end_before_start.csv": ("aws_cur", "lineItem/UsageEndDate is before lineItem/UsageStartDate", (3,)),
        "cur_repeated_line_item_id.csv": (
            "aws_cur", "repeated line item id (identity/LineItemId and identity/TimeInterval; counted once)", (3,)),
        "focus_bad_quantity.csv": ("focus", "ConsumedQuantity is not a number (text, NaN or infinite)", (2,)),
        "azure_end_of_file_in_quotes.csv": (
            "azure_cost", "a quoted value that is never closed, or text after a closing quote", (3,)),
        "gcp_end_before_start.csv": ("gcp_billing", "usage_end_time is before usage_start_time", (2,)),
    }
    for name, (reader, reason, rows) in expected.items():
        result = read(folder / name, reader)
        balanced(result)
        assert [(g.reason, g.example_rows) for g in result.exclusion_groups] == [(reason, rows)], name
    negative = read(folder / "cur_negative_quantity.csv", "aws_cur")
    assert negative.readings["consumed_quantity"].tolist() == [70.0]  # 100 - 30 in account 111
    assert [g.example_rows for g in negative.exclusion_groups] == [(4,)]  # -5 in account 222
    shifted = read(folder / "cur_dates_offsets_1970_9999.csv", "aws_cur").readings
    assert [str(t) for t in sorted(shifted["start_time"])] == [
        "1970-01-01 00:00:00", "2025-01-05 00:00:00", "9999-12-31 00:00:00"]  # 02:00+02:00 is midnight UTC
