"""Write SYNTHETIC 2026 cloud bills for the demo organisation "Acme AI".

    python scripts/make_synthetic_bills.py --out sample_inputs/synthetic-acme/cloud-bills

Writes an AWS CUR 2.0 export (Parquet, daily line items) and a GCP billing export (CSV) for
2026-01-01 .. 2026-11-20. They cover workloads no tracker measured (so nothing is counted twice):
an untracked H100 fine-tuning cluster and a g5 batch-inference fleet on AWS, general-purpose
services, EBS, S3 and data transfer, plus A100 notebooks, N2 services, disks, storage and egress
on GCP. Tax, credit and fee lines are included so that the report shows their exclusion.
Deterministic (fixed seed); standard library plus pyarrow.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

START, END = date(2026, 1, 1), date(2026, 11, 20)
PAYER, ACCOUNTS = "210987654321", {"research": "410000000001", "platform": "410000000002", "applied": "410000000003"}

# (usage type, unit, instance, vcpu, memory, product code, team, project, model, daily amount range, cost per unit)
AWS_LINES = [
    ("USE1-BoxUsage:p5.48xlarge", "Hrs", "p5.48xlarge", "192", "2048 GiB", "AmazonEC2", "research", "acme-rlhf-ppo",
     "acme-llm-13b", (0, 24), 98.32),
    ("USE1-BoxUsage:g5.2xlarge", "Hrs", "g5.2xlarge", "8", "32 GiB", "AmazonEC2", "platform", "batch-inference",
     "acme-llm-7b", (48, 96), 1.212),
    ("USE1-BoxUsage:m6i.xlarge", "Hrs", "m6i.xlarge", "4", "16 GiB", "AmazonEC2", "platform", "feature-store",
     None, (72, 72), 0.192),
    ("USE1-BoxUsage:c6i.4xlarge", "Hrs", "c6i.4xlarge", "16", "32 GiB", "AmazonEC2", "applied", "data-prep",
     None, (0, 48), 0.68),
    ("USE1-EBS:VolumeUsage.gp3", "GB-Mo", None, None, None, "AmazonEC2", "research", "acme-rlhf-ppo", None,
     (160, 200), 0.08),
    ("USE1-TimedStorage-ByteHrs", "GB-Mo", None, None, None, "AmazonS3", "research", "datasets", None,
     (1500, 1700), 0.023),
    ("USE1-DataTransfer-Out-Bytes", "GB", None, None, None, "AWSDataTransfer", "platform", "batch-inference", None,
     (20, 120), 0.09),
]
GCP_LINES = [
    ("Compute Engine", "Nvidia Tesla A100 GPU running in Belgium", "seconds", "a2-highgpu-1g", "12", "applied",
     "notebooks", (0, 8 * 3600), 2.93 / 3600),
    ("Compute Engine", "A2 Instance Core running in Belgium", "seconds", "a2-highgpu-1g", "12", "applied",
     "notebooks", (0, 8 * 3600 * 12), 0.0316 / 3600),
    ("Compute Engine", "N2 Instance Core running in Belgium", "seconds", "n2-standard-8", "8", "platform",
     "eval-service", (24 * 3600 * 8, 24 * 3600 * 8), 0.0316 / 3600),
    ("Compute Engine", "N2 Instance Ram running in Belgium", "byte-seconds", "n2-standard-8", "8", "platform",
     "eval-service", (24 * 3600 * 32 * 2**30, 24 * 3600 * 32 * 2**30), 0.0042 / 3600 / 2**30),
    ("Compute Engine", "Storage PD Capacity in Belgium", "byte-seconds", None, None, "applied", "notebooks",
     (500 * 2**30 * 86400, 500 * 2**30 * 86400), 0.04 / 2**30 / 86400 / 30),
    ("Cloud Storage", "Standard Storage Belgium", "byte-seconds", None, None, "research", "datasets",
     (800 * 2**30 * 86400, 900 * 2**30 * 86400), 0.02 / 2**30 / 86400 / 30),
    ("Networking", "Network Internet Egress from Belgium to Americas", "bytes", None, None, "platform",
     "eval-service", (5 * 2**30, 40 * 2**30), 0.12 / 2**30),
]


def days() -> list[date]:
    return [START + timedelta(days=n) for n in range((END - START).days + 1)]


def aws_rows(rng: random.Random) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    campaign = (date(2026, 4, 1), date(2026, 5, 15))  # the untracked RLHF campaign on p5
    for day in days():
        start = datetime(day.year, day.month, day.day)
        for usage, unit, instance, vcpu, memory, code, team, project, model, (lo, hi), price in AWS_LINES:
            if instance == "p5.48xlarge" and not campaign[0] <= day <= campaign[1]:
                continue
            amount = round(rng.uniform(lo, hi), 4)
            if unit == "GB-Mo":
                amount = round(amount / 30, 6)  # one day's share of a GB-month, as CUR writes it
            if amount == 0:
                continue
            tags = {"user_team": team, "user_project": project} | ({"user_model": model} if model else {})
            kind = "SavingsPlanCoveredUsage" if instance == "g5.2xlarge" and day.day % 2 else "Usage"
            rows.append(_aws(len(rows), start, kind, code, usage, unit, amount, amount * price, team, instance,
                             vcpu, memory, tags))
        if day.day == 1:
            month_start = start
            rows.append(_aws(len(rows), month_start, "Tax", "AmazonEC2", "", "", None, 310.5, "platform", None,
                             None, None, {}))
            rows.append(_aws(len(rows), month_start, "RIFee", "AmazonEC2", "USE1-HeavyUsage:m6i.xlarge", "Hrs",
                             744.0, 120.0, "platform", None, None, None, {}))
            rows.append(_aws(len(rows), month_start, "Credit", "AmazonEC2", "", "", None, -500.0, "research", None,
                             None, None, {}))
    return rows


def _aws(index: int, start: datetime, kind: str, code: str, usage: str, unit: str, amount: float | None,
         cost: float, team: str, instance: str | None, vcpu: str | None, memory: str | None,
         tags: dict[str, str]) -> dict[str, object]:
    hours = 24
    return {
        "identity_line_item_id": f"acme-li-{index:07d}",
        "bill_payer_account_id": PAYER,
        "line_item_usage_account_id": ACCOUNTS[team],
        "line_item_line_item_type": kind,
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": start + timedelta(hours=hours),
        "line_item_product_code": code,
        "line_item_usage_type": usage,
        "line_item_usage_amount": amount,
        "line_item_currency_code": "USD",
        "line_item_unblended_cost": round(cost, 6),
        "pricing_unit": unit,
        "product_region_code": "us-east-1",
        "product_instance_type": instance,
        "product_vcpu": vcpu,
        "product_memory": memory,
        "resource_tags": list(tags.items()),
    }


def write_aws(path: Path, rows: list[dict[str, object]]) -> None:
    text, tags = pa.string(), pa.map_(pa.string(), pa.string())
    types = {"line_item_usage_start_date": pa.timestamp("ms", tz="UTC"),
             "line_item_usage_end_date": pa.timestamp("ms", tz="UTC"), "line_item_usage_amount": pa.float64(),
             "line_item_unblended_cost": pa.float64(), "resource_tags": tags}
    schema = pa.schema([(name, types.get(name, text)) for name in rows[0]])
    table = pa.table({name: [row[name] for row in rows] for name in schema.names}, schema=schema)
    pq.write_table(table, path)


def write_gcp(path: Path, rng: random.Random) -> int:
    header = ["billing_account_id", "service.description", "sku.description", "usage_start_time", "usage_end_time",
              "project.id", "labels", "system_labels", "location.region", "cost", "currency", "usage.amount",
              "usage.unit", "cost_type"]
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for day in days():
            start = f"{day.isoformat()} 00:00:00 UTC"
            end = f"{(day + timedelta(days=1)).isoformat()} 00:00:00 UTC"
            for service, sku, unit, machine, cores, team, project, (lo, hi), price in GCP_LINES:
                amount = rng.uniform(lo, hi) if hi > lo else float(lo)
                if "A100" in sku or "A2 Instance" in sku:
                    amount = amount if day.weekday() < 5 else 0.0
                if amount == 0:
                    continue
                labels = json.dumps([{"key": "team", "value": team}, {"key": "project", "value": project}])
                system = json.dumps(
                    [{"key": "compute.googleapis.com/machine_spec", "value": machine},
                     {"key": "compute.googleapis.com/cores", "value": cores}] if machine else []
                )
                writer.writerow(["01A2B3-C4D5E6-F7A8B9", service, sku, start, end, f"acme-{team}", labels, system,
                                 "europe-west1", round(amount * price, 6), "EUR", round(amount, 3), unit, "regular"])
                count += 1
            if day.day == 1:
                writer.writerow(["01A2B3-C4D5E6-F7A8B9", "Invoice", "Tax", start, end, "", "[]", "[]", "", 95.0,
                                 "EUR", "", "", "tax"])
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("sample_inputs/synthetic-acme/cloud-bills"))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = aws_rows(rng)
    write_aws(args.out / "aws-cur2-2026.parquet", rows)
    gcp = write_gcp(args.out / "gcp-billing-export-2026.csv", rng)
    print(f"aws-cur2-2026.parquet: {len(rows)} line items; gcp-billing-export-2026.csv: {gcp} rows")


if __name__ == "__main__":
    main()
