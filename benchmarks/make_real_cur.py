"""A synthetic legacy AWS Cost and Usage Report shaped like a real AI company's bill, for benchmarks.

    python benchmarks/make_real_cur.py --rows 1000000 --format csv|csv.gz|parquet --out cur.csv

The file has the legacy CUR header (`lineItem/UsageType`, `product/region`, `resourceTags/user:team`,
...), 42 columns, and covers one month (2026-10) hour by hour, the way a real bill does:

* Resources. Every usage row is one hour of one resource (an instance, a volume, a bucket, a NAT
  gateway, a Lambda function, a data-transfer stream, ...). A resource lives 744 h (all month),
  168 h, 48 h, 12 h, 4 h or 1 h, starts at an hour drawn from its id, and has its own account,
  region and tags; long-lived resources make most of the bill's rows, short ones most of its
  resources. 88 kinds of line (product and usage type; 123 with their lifetimes): GPU instances
  (p5, p4d, p4de, trn1, inf2, g4dn, g5, g6, g6e; on demand, spot, reserved and Savings Plan), CPU
  instances, SageMaker training, hosting and notebooks, RDS, ElastiCache, EKS, Fargate, Lambda,
  EBS volumes and snapshots, S3 / EFS / ECR / DynamoDB / CloudWatch storage, data transfer
  (internet, regional, inter-region), NAT gateways, load balancers, public IPv4 addresses, and a
  few lines the energy model cannot estimate (requests, IOPS, LCUs, metrics), as in a real bill.
* 120 linked accounts (skewed: a few big ones), each with a home region and a usual team;
  10 regions with their usage-type prefixes (USW2-, EUW1-, APN1-, ...; in us-east-1 the classic
  EC2, EBS, S3 and data-transfer usage types have no prefix, as AWS writes them); 3 tag keys:
  team (30 values), project (40, a few per team) and model (25); about 12 % of resources untagged.
* 3 % of rows at the end of the file are not usage: RIFee, Tax, Credit and Fee lines over the month.

So the distinct (account, region, usage type, instance type, unit, tags) combinations number in
the tens of thousands at 200,000 rows (30,667; 44,056 per day) and grow with the file (588,666 at
10M rows; 1.7M per day): readings do not collapse. 10M rows take about a minute to write.

DuckDB writes the file in one `COPY (SELECT ... FROM range(U) UNION ALL SELECT ... FROM range(U, N))`
(usage rows, then the others); every value is a hash of the row
index or of the resource id (DuckDB's `hash`), never `random()`, so a given DuckDB version writes
the same file every time. Times are ISO text with a Z in CSV ("2026-10-01T00:00:00Z") and
timestamps in Parquet; amounts and costs are numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

MONTH_START = "2026-10-01"
MONTH_HOURS = 744
PAYER = "123456789012"
NON_USAGE_SHARE = 0.03
ACCOUNTS = 120

# Lifetime classes: (hours a resource runs, share of the usage rows).
LIFETIMES = ((744, 0.36), (168, 0.16), (48, 0.12), (12, 0.10), (4, 0.10), (1, 0.16))

# (code, usage-type prefix, location, weight)
REGIONS = (
    ("us-east-1", "USE1", "US East (N. Virginia)", 30),
    ("us-east-2", "USE2", "US East (Ohio)", 10),
    ("us-west-2", "USW2", "US West (Oregon)", 20),
    ("eu-west-1", "EUW1", "EU (Ireland)", 8),
    ("eu-central-1", "EUC1", "EU (Frankfurt)", 6),
    ("eu-west-2", "EUW2", "EU (London)", 4),
    ("eu-north-1", "EUN1", "EU (Stockholm)", 4),
    ("ap-northeast-1", "APN1", "Asia Pacific (Tokyo)", 6),
    ("ap-southeast-1", "APS1", "Asia Pacific (Singapore)", 4),
    ("ap-south-1", "APS3", "Asia Pacific (Mumbai)", 3),
)

TEAMS = (
    "research", "pretraining", "post-training", "alignment", "rlhf", "evals", "safety", "interpretability",
    "inference", "serving", "api", "platform", "infra", "data", "data-eng", "tokenizers", "multimodal",
    "vision", "speech", "agents", "retrieval", "search", "growth", "enterprise", "security", "finops", "ml-ops",
    "devex", "applied-ai", "robotics",
)
PROJECTS = (
    "atlas", "borealis", "cascade", "delta", "ember", "fjord", "glacier", "halo", "iris", "juniper", "kestrel",
    "lumen", "meridian", "nimbus", "orion", "pulsar", "quasar", "raven", "sierra", "tundra", "umbra", "vega",
    "willow", "xenon", "yukon", "zephyr", "aurora", "beacon", "cobalt", "drift", "echo", "falcon", "granite",
    "harbor", "indigo", "jade", "krypton", "lotus", "mosaic", "nova",
)
MODELS = (
    "llm-7b", "llm-13b", "llm-34b", "llm-70b", "llm-180b", "llm-405b", "moe-8x7b", "moe-16x22b", "embed-small",
    "embed-large", "rerank-v2", "vision-vit-l", "vision-clip-h", "asr-large", "tts-v3", "diffusion-xl",
    "diffusion-video", "code-15b", "reward-model-v4", "safety-classifier", "distill-3b", "chat-v5", "chat-v6",
    "agent-v1", "retriever-v2",
)

# Instance types: (vCPUs, memory GiB, GPUs, on-demand USD per hour in us-east-1)
INSTANCES = {
    "p5.48xlarge": (192, 2048, 8, 98.32),
    "p4d.24xlarge": (96, 1152, 8, 32.7726),
    "p4de.24xlarge": (96, 1152, 8, 40.9657),
    "trn1.32xlarge": (128, 512, 0, 21.50),
    "inf2.24xlarge": (96, 384, 0, 6.4906),
    "g4dn.xlarge": (4, 16, 1, 0.526),
    "g4dn.2xlarge": (8, 32, 1, 0.752),
    "g5.xlarge": (4, 16, 1, 1.006),
    "g5.2xlarge": (8, 32, 1, 1.212),
    "g5.12xlarge": (48, 192, 4, 5.672),
    "g5.48xlarge": (192, 768, 8, 16.288),
    "g6.xlarge": (4, 16, 1, 0.8048),
    "g6.2xlarge": (8, 32, 1, 0.9776),
    "g6.12xlarge": (48, 192, 4, 4.6016),
    "g6e.xlarge": (4, 32, 1, 1.861),
    "g6e.12xlarge": (48, 384, 4, 10.493),
    "m5.large": (2, 8, 0, 0.096),
    "m5.xlarge": (4, 16, 0, 0.192),
    "m5.2xlarge": (8, 32, 0, 0.384),
    "m5.4xlarge": (16, 64, 0, 0.768),
    "m6i.xlarge": (4, 16, 0, 0.192),
    "m6i.4xlarge": (16, 64, 0, 0.768),
    "m7i.2xlarge": (8, 32, 0, 0.4032),
    "m7g.xlarge": (4, 16, 0, 0.1632),
    "c5.2xlarge": (8, 16, 0, 0.34),
    "c6i.4xlarge": (16, 32, 0, 0.68),
    "c7i.8xlarge": (32, 64, 0, 1.428),
    "c6g.xlarge": (4, 8, 0, 0.136),
    "c7g.2xlarge": (8, 16, 0, 0.289),
    "r5.4xlarge": (16, 128, 0, 1.008),
    "r6i.8xlarge": (32, 256, 0, 2.016),
    "r7g.2xlarge": (8, 64, 0, 0.4284),
    "r6g.large": (2, 16, 0, 0.206),
    "r6g.xlarge": (4, 32, 0, 0.519),
    "r6g.2xlarge": (8, 64, 0, 1.038),
    "t3.medium": (2, 4, 0, 0.0416),
    "t3.large": (2, 8, 0, 0.0832),
    "t4g.medium": (2, 4, 0, 0.0336),
    "i4i.4xlarge": (16, 128, 0, 1.373),
    "x2idn.16xlarge": (64, 1024, 0, 6.669),
}

KIND_FIELDS = (
    "life", "weight", "product", "family", "usage_tpl", "operation", "unit", "itype", "vcpu", "memory", "gpu",
    "rate", "qlo", "qhi", "per_month", "jitter", "plan", "res", "descr",
)


def instance(life: int, weight: int, itype: str, plan: str = "mix", *, usage: str = "{p}BoxUsage:", **more) -> dict:
    """An EC2 instance (or, with `usage`/`product`, a SageMaker, RDS or ElastiCache node) billed per hour."""
    vcpu, memory, gpu, rate = INSTANCES[itype.split(".", 1)[1] if itype.startswith(("ml.", "db.", "cache.")) else itype]
    spot = "SpotUsage" in usage
    kind = {
        "life": life, "weight": weight, "product": "AmazonEC2", "family": "Compute Instance",
        "usage_tpl": usage + itype, "operation": "RunInstances:SV001" if spot else "RunInstances", "unit": "Hrs",
        "itype": itype, "vcpu": str(vcpu), "memory": f"{memory} GiB", "gpu": str(gpu) if gpu else "",
        "rate": round(rate * (0.35 if spot else 1.0), 4), "qlo": 1.0 if life > 1 else 0.02, "qhi": 1.0,
        "per_month": False, "jitter": False, "plan": "spot" if spot else plan, "res": "i-",
        "descr": ("${rate} per " + ("Spot" if spot else "On Demand") + f" Linux {itype} Instance Hour"),
    }
    kind.update(more)
    return kind


def metered(life: int, weight: int, product: str, family: str, usage: str, unit: str, rate: float,
            qlo: float, qhi: float, **more) -> dict:
    """A metered line: storage (per_month=True: a size billed in GB-Mo over the month), transfer, requests."""
    kind = {
        "life": life, "weight": weight, "product": product, "family": family, "usage_tpl": usage,
        "operation": more.pop("operation", ""), "unit": unit, "itype": "", "vcpu": "", "memory": "", "gpu": "",
        "rate": rate, "qlo": qlo, "qhi": qhi, "per_month": False, "jitter": False, "plan": "none",
        "res": more.pop("res", f"arn:aws:{product.lower().removeprefix('amazon').removeprefix('aws')}:"),
        "descr": f"${{rate}} per {unit} for {usage.replace('{p}', '').replace('{P}', '')}",
    }
    kind.update(more)
    return kind


def ebs(life: int, weight: int, usage: str, rate: float, qlo: float, qhi: float, unit: str = "GB-Mo") -> dict:
    family = "Storage Snapshot" if "Snapshot" in usage else "Storage"
    return metered(life, weight, "AmazonEC2", family, "{p}EBS:" + usage, unit, rate, qlo, qhi, per_month=True,
                   operation="CreateSnapshot" if "Snapshot" in usage else "CreateVolume-Gp3",
                   res="snap-" if "Snapshot" in usage else "vol-")


def s3(life: int, weight: int, usage: str, rate: float, qlo: float, qhi: float, unit: str = "GB-Mo") -> dict:
    monthly = unit == "GB-Mo"
    return metered(life, weight, "AmazonS3", "Storage" if monthly else "API Request", "{p}" + usage, unit, rate,
                   qlo, qhi, per_month=monthly, jitter=not monthly, res="ai-data-",
                   operation="StandardStorage" if monthly else "PutObject")


def transfer(life: int, weight: int, usage: str, rate: float, qlo: float, qhi: float, product: str = "AWSDataTransfer"):
    return metered(life, weight, product, "Data Transfer", usage, "GB", rate, qlo, qhi, jitter=True, res="i-",
                   operation="InterZone-In" if "In-Bytes" in usage else "RunInstances")


def sagemaker(life: int, weight: int, job: str, itype: str) -> dict:
    """A SageMaker training job, endpoint (Host), notebook or processing job on an ml. instance."""
    return instance(life, weight, "ml." + itype, "od", usage="{P}" + job + ":", product="AmazonSageMaker",
                    family="ML Instance", operation=f"Run{job}", res="arn:aws:sagemaker:")


def kinds() -> list[dict]:
    """The resource catalogue: what runs, for how long (life, hours) and how often (weight, within its life)."""
    return month_compute() + month_services() + short_lived()


def month_compute() -> list[dict]:
    """Instances and managed nodes that run all month."""
    return [
        instance(744, 3, "p5.48xlarge", "ri"), instance(744, 3, "p4d.24xlarge"), instance(744, 2, "g5.12xlarge"),
        instance(744, 2, "g6.12xlarge"), instance(744, 1, "inf2.24xlarge"), instance(744, 3, "g5.xlarge"),
        instance(744, 3, "g6.xlarge"),
        *(instance(744, w, t) for t, w in (
            ("m5.large", 4), ("m5.xlarge", 4), ("m6i.xlarge", 4), ("m6i.4xlarge", 3), ("m7i.2xlarge", 3),
            ("c6i.4xlarge", 2), ("r6i.8xlarge", 2), ("r5.4xlarge", 2), ("m7g.xlarge", 3), ("t3.medium", 4),
            ("t3.large", 3), ("t4g.medium", 2), ("i4i.4xlarge", 1), ("x2idn.16xlarge", 1))),
        sagemaker(744, 2, "Host", "g5.2xlarge"), sagemaker(744, 2, "Host", "g6.xlarge"),
        sagemaker(744, 2, "Notebk", "t3.medium"),
        instance(744, 2, "db.r6g.xlarge", "od", usage="{p}InstanceUsage:", product="AmazonRDS",
                 family="Database Instance", operation="CreateDBInstance:0014", res="arn:aws:rds:"),
        instance(744, 1, "db.r6g.2xlarge", "od", usage="{p}Multi-AZUsage:", product="AmazonRDS",
                 family="Database Instance", operation="CreateDBInstance:0014", res="arn:aws:rds:"),
        metered(744, 2, "AmazonRDS", "Database Storage", "{p}RDS:GP3-Storage", "GB-Mo", 0.115, 20, 8000,
                per_month=True, res="arn:aws:rds:"),
        instance(744, 2, "cache.r6g.large", "od", usage="{p}NodeUsage:", product="AmazonElastiCache",
                 family="Cache Instance", operation="CreateCacheCluster:0002", res="arn:aws:elasticache:"),
        metered(744, 1, "AmazonEKS", "Compute", "{P}AmazonEKS-Hours:perCluster", "Hrs", 0.10, 1, 1),
    ]


def month_services() -> list[dict]:
    """Storage, transfer and network resources that exist all month."""
    return [
        ebs(744, 14, "VolumeUsage.gp3", 0.08, 20, 16000), ebs(744, 4, "VolumeUsage.gp2", 0.10, 8, 2000),
        ebs(744, 2, "VolumeUsage.io2", 0.125, 100, 8000), ebs(744, 2, "VolumeUsage.st1", 0.045, 500, 16000),
        ebs(744, 1, "VolumeUsage.sc1", 0.015, 500, 16000), ebs(744, 4, "SnapshotUsage", 0.05, 10, 50000),
        ebs(744, 1, "VolumeP-IOPS.io2", 0.065, 3000, 64000, "IOPS-Mo"),
        ebs(744, 2, "VolumeP-Throughput.gp3", 40.96, 0.125, 1.0, "GiBps-mo"),
        s3(744, 8, "TimedStorage-ByteHrs", 0.023, 1, 2e6), s3(744, 3, "TimedStorage-INT-FA-ByteHrs", 0.023, 10, 5e5),
        s3(744, 2, "TimedStorage-GlacierByteHrs", 0.0036, 100, 2e6),
        s3(744, 3, "Requests-Tier1", 0.000005, 1, 1e5, "Requests"),
        s3(744, 2, "Requests-Tier2", 0.0000004, 10, 1e6, "Requests"),
        metered(744, 2, "AmazonEFS", "Storage", "{p}TimedStorage-ByteHrs", "GB-Mo", 0.30, 10, 50000, per_month=True),
        metered(744, 1, "AmazonECR", "EC2 Container Registry", "{p}TimedStorage-ByteHrs", "GB-Mo", 0.10, 1, 5000,
                per_month=True),
        metered(744, 1, "AmazonDynamoDB", "Database Storage", "{p}TimedStorage-ByteHrs", "GB-Mo", 0.25, 1, 2000,
                per_month=True),
        metered(744, 1, "AmazonDynamoDB", "Provisioned IOPS", "{p}ReadCapacityUnit-Hrs", "ReadCapacityUnit-Hrs",
                0.00013, 5, 5000),
        metered(744, 1, "AmazonCloudWatch", "Storage Snapshot", "{p}TimedStorage-ByteHrs", "GB-Mo", 0.03, 1, 5000,
                per_month=True),
        metered(744, 1, "AmazonCloudWatch", "Metric", "{p}CW:MetricMonitorUsage", "Metrics", 0.30, 10, 5000,
                per_month=True),
        metered(744, 2, "AmazonEC2", "NAT Gateway", "{p}NatGateway-Hours", "Hrs", 0.045, 1, 1, res="nat-"),
        metered(744, 2, "AmazonEC2", "NAT Gateway", "{p}NatGateway-Bytes", "GB", 0.045, 0.01, 300, jitter=True,
                res="nat-"),
        metered(744, 2, "AWSELB", "Load Balancer-Application", "{p}LoadBalancerUsage", "Hrs", 0.0225, 1, 1),
        metered(744, 2, "AWSELB", "Load Balancer-Application", "{p}LCUUsage", "LCU-Hrs", 0.008, 0.01, 20,
                jitter=True),
        metered(744, 3, "AmazonVPC", "IP Address", "{P}PublicIPv4:InUseAddress", "Hrs", 0.005, 1, 1),
        transfer(744, 3, "{p}DataTransfer-Out-Bytes", 0.09, 0.001, 200),
        transfer(744, 3, "{p}DataTransfer-Regional-Bytes", 0.01, 0.01, 2000),
        transfer(744, 2, "{P}{peer}-AWS-Out-Bytes", 0.02, 0.01, 500),
        transfer(744, 2, "{p}DataTransfer-In-Bytes", 0.0, 0.01, 1000),
    ]


def short_lived() -> list[dict]:
    """Resources that live a week or less: training runs, fine-tunes, spot batch work, tasks, functions."""
    spot = "{p}SpotUsage:"
    fargate_cpu = ("AmazonECS", "Compute", "{P}Fargate-vCPU-Hours:perCPU", "hours", 0.04048, 0.25, 16)
    fargate_memory = ("AmazonECS", "Compute", "{P}Fargate-GB-Hours", "GB-Hours", 0.004445, 0.5, 120)
    return [
        *(instance(168, w, t) for t, w in (
            ("p5.48xlarge", 4), ("p4d.24xlarge", 4), ("p4de.24xlarge", 2), ("trn1.32xlarge", 2), ("g6e.12xlarge", 2),
            ("g5.48xlarge", 2), ("m6i.4xlarge", 3), ("c6i.4xlarge", 3), ("r6i.8xlarge", 2))),
        sagemaker(168, 2, "Train", "p4d.24xlarge"), sagemaker(168, 1, "Train", "p5.48xlarge"),
        ebs(168, 6, "VolumeUsage.gp3", 0.08, 100, 16000), ebs(168, 2, "VolumeUsage.io2", 0.125, 500, 8000),
        transfer(168, 3, "{p}DataTransfer-Regional-Bytes", 0.01, 1, 5000),
        transfer(168, 2, "{P}{peer}-AWS-Out-Bytes", 0.02, 1, 2000),
        s3(168, 2, "TimedStorage-ByteHrs", 0.023, 1000, 5e5),
        *(instance(48, w, t) for t, w in (
            ("g5.2xlarge", 4), ("g5.12xlarge", 3), ("g6.2xlarge", 3), ("g4dn.xlarge", 2), ("g6e.xlarge", 2),
            ("c7i.8xlarge", 3), ("m5.2xlarge", 3))),
        instance(48, 2, "p4d.24xlarge", usage=spot), instance(48, 1, "p5.48xlarge", usage=spot),
        sagemaker(48, 2, "Notebk", "g5.xlarge"), sagemaker(48, 2, "Processing", "m5.4xlarge"),
        ebs(48, 4, "VolumeUsage.gp3", 0.08, 50, 4000),
        transfer(48, 2, "{p}DataTransfer-Regional-Bytes", 0.01, 0.1, 500),
        *(instance(12, w, t, usage=spot) for t, w in (
            ("g5.xlarge", 4), ("g4dn.2xlarge", 3), ("g6.xlarge", 3), ("c5.2xlarge", 4), ("c6g.xlarge", 3),
            ("r7g.2xlarge", 2), ("m5.xlarge", 3))),
        sagemaker(12, 2, "Train", "g5.12xlarge"),
        metered(12, 3, *fargate_cpu), metered(12, 3, *fargate_memory), ebs(12, 3, "VolumeUsage.gp3", 0.08, 20, 2000),
        transfer(12, 2, "{p}DataTransfer-Out-Bytes", 0.09, 0.01, 100),
        transfer(12, 2, "{p}DataTransfer-Regional-Bytes", 0.01, 0.01, 500),
        *(instance(4, 3, t, usage=spot) for t in ("g5.xlarge", "g6.xlarge", "c7g.2xlarge", "m7g.xlarge", "c5.2xlarge")),
        metered(4, 4, *fargate_cpu), metered(4, 4, *fargate_memory), sagemaker(4, 2, "Processing", "m5.4xlarge"),
        transfer(4, 3, "{p}DataTransfer-Out-Bytes", 0.09, 0.001, 50),
        transfer(4, 3, "{p}DataTransfer-Regional-Bytes", 0.01, 0.01, 200),
        metered(4, 2, "AmazonEC2", "NAT Gateway", "{p}NatGateway-Bytes", "GB", 0.045, 0.01, 50, jitter=True),
        metered(1, 10, "AWSLambda", "Serverless", "{p}Lambda-GB-Second", "Lambda-GB-Second", 0.0000166667, 10, 2e6,
                jitter=True, operation="Invoke"),
        metered(1, 6, "AWSLambda", "Serverless", "{p}Request", "Requests", 0.0000002, 10, 1e6, jitter=True,
                operation="Invoke"),
        *(instance(1, 3, t, usage=spot) for t in ("g4dn.xlarge", "g5.xlarge", "c6g.xlarge")),
        instance(1, 2, "t3.medium"), metered(1, 4, *fargate_cpu), metered(1, 4, *fargate_memory),
        transfer(1, 5, "{p}DataTransfer-Out-Bytes", 0.09, 0.001, 20),
        transfer(1, 4, "{p}DataTransfer-Regional-Bytes", 0.01, 0.001, 100),
        transfer(1, 3, "{P}{peer}-AWS-Out-Bytes", 0.02, 0.001, 50),
        transfer(1, 2, "{p}DataTransfer-In-Bytes", 0.0, 0.001, 100),
        s3(1, 3, "Requests-Tier1", 0.000005, 1, 1e5, "Requests"),
    ]


# --------------------------------------------------------------------------------------------
# SQL


def sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values) -> str:
    return "[" + ", ".join(sql_literal(value) for value in values) + "]"


def slots(weights: list[tuple[int, float]], count: int) -> list[int]:
    """`count` slots, each holding an id, every id in proportion to its weight (a lookup table for a hash)."""
    total = sum(weight for _, weight in weights)
    table: list[int] = []
    for key, weight in weights:
        table.extend([key] * round(count * weight / total))
    return (table + [weights[0][0]] * count)[:count]


def catalogue_sql(catalogue: list[dict]) -> tuple[str, str]:
    """The kinds as a VALUES list, and per lifetime class a 1000-slot list of kind ids (by weight)."""
    rows = ",\n    ".join(
        "(" + ", ".join([str(index)] + [sql_literal(kind[name]) for name in KIND_FIELDS]) + ")"
        for index, kind in enumerate(catalogue)
    )
    values = f"kinds(kind, {', '.join(KIND_FIELDS)}) AS (VALUES\n    {rows})"
    per_life = [
        slots([(index, kind["weight"]) for index, kind in enumerate(catalogue) if kind["life"] == life], 1000)
        for life, _ in LIFETIMES
    ]
    return values, "[" + ", ".join(sql_list(table) for table in per_life) + "]"


def usage_bounds(usage_rows: int) -> list[int]:
    """The first row index of each lifetime class, and the end: the usage rows split by LIFETIMES shares."""
    bounds, share = [0], 0.0
    for _, part in LIFETIMES:
        share += part
        bounds.append(min(usage_rows, round(usage_rows * share)))
    bounds[-1] = usage_rows
    return bounds


REGION_SLOTS = sql_list(slots([(index, region[3]) for index, region in enumerate(REGIONS)], 100))
CODES = sql_list(region[0] for region in REGIONS)
PREFIXES = sql_list(region[1] for region in REGIONS)
LOCATIONS = sql_list(region[2] for region in REGIONS)


def account_sql(u: str) -> str:
    """A 12-digit account id for a hash value `u`: skewed, a few accounts hold most resources."""
    index = f"CAST(floor({ACCOUNTS} * pow(({u} % 1000000) / 1e6, 1.7)) AS BIGINT)"
    return f"CAST(100000000000 + hash({index}, 'account') % 899999999999 AS VARCHAR)"


def region_of(account: str, u: str) -> str:
    """A region index: the account's home region 60 % of the time, else any region (by weight)."""
    home = f"{REGION_SLOTS}[CAST(hash({account}, 'home') % 100 AS BIGINT) + 1]"
    other = f"{REGION_SLOTS}[CAST(hash({u}, 'region') % 100 AS BIGINT) + 1]"
    return f"CASE WHEN hash({u}, 'home?') % 100 < 60 THEN {home} ELSE {other} END"

LINE_TYPE = """CASE plan
      WHEN 'mix' THEN CASE WHEN hash(rid, 'plan') % 100 < 60 THEN 'Usage'
                           WHEN hash(rid, 'plan') % 100 < 88 THEN 'SavingsPlanCoveredUsage' ELSE 'DiscountedUsage' END
      WHEN 'ri' THEN CASE WHEN hash(rid, 'plan') % 100 < 80 THEN 'DiscountedUsage' ELSE 'Usage' END
      ELSE 'Usage' END"""
ML = "(gpu <> '' OR product = 'AmazonSageMaker' OR itype LIKE 'trn%' OR itype LIKE 'inf%')"


def resources_sql(usage_rows: int, catalogue: list[dict]) -> str:
    """CTEs over range(usage_rows): each row index becomes one hour of one resource, with the resource's kind,
    account, region, tags, line-item type and hourly quantity (all hashes of the resource id or row index)."""
    kinds_values, kind_slots = catalogue_sql(catalogue)
    bounds = usage_bounds(usage_rows)
    lives = sql_list(life for life, _ in LIFETIMES)
    whens = " ".join(f"WHEN i < {bound} THEN {index}" for index, bound in enumerate(bounds[1:-1]))
    cls = f"CASE {whens} ELSE {len(LIFETIMES) - 1} END"
    return f"""{kinds_values},
placed AS (
  SELECT i, cls, {lives}[cls + 1] AS life, i - {sql_list(bounds)}[cls + 1] AS local_index
  FROM (SELECT i, {cls} AS cls FROM range(0, {usage_rows}) t(i))
),
resources AS (
  SELECT i, life, hash(cls, local_index // life) AS rid, local_index % life AS hour_of_life,
         {kind_slots}[cls + 1][CAST(hash(hash(cls, local_index // life), 'kind') % 1000 AS BIGINT) + 1] AS kind
  FROM placed
),
accounted AS (
  SELECT r.*, k.* EXCLUDE (kind, life), {account_sql("hash(rid, 'account')")} AS account
  FROM resources r JOIN kinds k USING (kind)
),
described AS (
  SELECT *, {region_of("account", "rid")} AS ri,
    hash(rid, 'untagged') % 100 < 12 AS untagged,
    CAST(CASE WHEN hash(rid, 'team?') % 100 < 85 THEN hash(account, 'team') % {len(TEAMS)}
              ELSE hash(rid, 'team') % {len(TEAMS)} END AS BIGINT) AS team_i,
    {LINE_TYPE} AS line_type,
    TIMESTAMP '{MONTH_START}' + to_hours(CAST(hash(rid, 'start') % ({MONTH_HOURS + 1} - life) + hour_of_life AS BIGINT))
      AS start_ts,
    qlo * pow(qhi / qlo, (hash(rid, 'size') % 1000000) / 1e6)
      * CASE WHEN jitter THEN 0.1 + 1.8 * (hash(i, 'jitter') % 1000) / 1000 ELSE 1 END
      / CASE WHEN per_month THEN {MONTH_HOURS} ELSE 1 END AS qty
  FROM accounted
),
tagged AS (
  SELECT *, {CODES}[ri + 1] AS region, {PREFIXES}[ri + 1] AS prefix,
    CASE WHEN NOT untagged THEN {sql_list(TEAMS)}[team_i + 1] END AS team,
    CASE WHEN NOT untagged AND hash(rid, 'project?') % 100 >= 4
         THEN {sql_list(PROJECTS)}[(team_i * 4 + CAST(hash(rid, 'project') % 6 AS BIGINT)) % {len(PROJECTS)} + 1]
         END AS project,
    CASE WHEN NOT untagged AND hash(rid, 'model?') % 100 < CASE WHEN {ML} THEN 95 ELSE 40 END
         THEN {sql_list(MODELS)}[(team_i * 12 + CAST(hash(rid, 'model') % 5 AS BIGINT)) % {len(MODELS)} + 1]
         END AS model
  FROM described
)"""


def hex_id(*columns: str, salt: str = "", digits: int = 17) -> str:
    """Hex digits of a hash of `columns` (SQL) and `salt` (a text)."""
    return f"format('{{:0{digits}x}}', hash({', '.join(columns)}, {sql_literal(salt)}))"


def usage_columns() -> dict[str, str]:
    """The file's columns for usage rows, as SQL over the `tagged` CTE."""
    start, end = "start_ts", "start_ts + INTERVAL 1 HOUR"
    zone = "CASE WHEN res IN ('i-', 'vol-') THEN region || chr(97 + CAST(hash(rid, 'az') % 3 AS INT)) END"
    usage_type = (
        "replace(replace(replace(usage_tpl, '{P}', prefix || '-'), '{p}', CASE WHEN ri = 0 THEN '' "
        f"ELSE prefix || '-' END), '{{peer}}', {PREFIXES}[(ri + 1 + CAST(hash(rid, 'peer') % 9 AS BIGINT)) % 10 + 1])"
    )
    rate = "CASE WHEN line_type = 'DiscountedUsage' THEN 0.0 ELSE rate END"
    resource = (
        f"CASE WHEN res LIKE 'arn:%' THEN res || region || ':' || account || ':' || {hex_id('rid')} "
        f"ELSE res || {hex_id('rid')} END"
    )
    return {
        **common_columns(start, end),
        "lineItem/UsageAccountId": "account",
        "lineItem/LineItemType": "line_type",
        "lineItem/UsageStartDate": start,
        "lineItem/UsageEndDate": end,
        "lineItem/ProductCode": "product",
        "lineItem/UsageType": usage_type,
        "lineItem/Operation": "NULLIF(operation, '')",
        "lineItem/AvailabilityZone": zone,
        "lineItem/ResourceId": resource,
        "lineItem/UsageAmount": "round(qty, 10)",
        "lineItem/CurrencyCode": "'USD'",
        "lineItem/UnblendedRate": rate,
        "lineItem/UnblendedCost": f"round(qty * {rate}, 10)",
        "lineItem/BlendedRate": rate,
        "lineItem/BlendedCost": f"round(qty * {rate}, 10)",
        "lineItem/LineItemDescription": "replace(descr, '{rate}', format('{:.4f}', rate))",
        "lineItem/TaxType": "NULL",
        "product/productFamily": "family",
        "product/region": "region",
        "product/location": f"{LOCATIONS}[ri + 1]",
        "product/instanceType": "NULLIF(itype, '')",
        "product/vcpu": "NULLIF(vcpu, '')",
        "product/memory": "NULLIF(memory, '')",
        "product/gpu": "NULLIF(gpu, '')",
        "product/operatingSystem": "CASE WHEN itype <> '' THEN 'Linux' END",
        "pricing/term": "CASE WHEN line_type = 'DiscountedUsage' THEN 'Reserved' "
        "WHEN plan <> 'spot' THEN 'OnDemand' END",
        "pricing/unit": "unit",
        "pricing/publicOnDemandCost": "round(qty * rate, 10)",
        "reservation/ReservationARN": f"CASE WHEN line_type = 'DiscountedUsage' THEN 'arn:aws:ec2:' || region || ':"
        f"{PAYER}:reserved-instances/' || {hex_id('account', 'itype', digits=12)} END",
        "savingsPlan/SavingsPlanARN": f"CASE WHEN line_type = 'SavingsPlanCoveredUsage' THEN 'arn:aws:savingsplans::"
        f"{PAYER}:savingsplan/' || {hex_id('account', digits=12)} END",
        "resourceTags/user:Name": f"CASE WHEN NOT untagged THEN team || '-' || {hex_id('rid', salt='name', digits=6)}"
        " END",
        "resourceTags/user:team": "team",
        "resourceTags/user:project": "project",
        "resourceTags/user:model": "model",
    }


def common_columns(start: str, end: str) -> dict[str, str]:
    """Identity and bill columns, the same in usage and non-usage rows."""
    iso = "'%Y-%m-%dT%H:%M:%SZ'"
    return {
        "identity/LineItemId": f"{hex_id('i', salt='id', digits=16)} || {hex_id('i', salt='line', digits=16)}",
        "identity/TimeInterval": f"strftime({start}, {iso}) || '/' || strftime({end}, {iso})",
        "bill/InvoiceId": "NULL",
        "bill/BillingEntity": "'AWS'",
        "bill/BillType": "'Anniversary'",
        "bill/PayerAccountId": f"'{PAYER}'",
        "bill/BillingPeriodStartDate": f"TIMESTAMP '{MONTH_START}'",
        "bill/BillingPeriodEndDate": f"TIMESTAMP '{MONTH_START}' + INTERVAL 1 MONTH",
    }


NON_USAGE_PRODUCTS = ("AmazonEC2", "AmazonS3", "AmazonSageMaker", "AWSDataTransfer", "AmazonRDS", "AWSLambda")
NON_USAGE_KIND = (
    "CASE WHEN hash(i, 'nu') % 100 < 45 THEN 'RIFee' WHEN hash(i, 'nu') % 100 < 70 THEN 'Tax' "
    "WHEN hash(i, 'nu') % 100 < 90 THEN 'Credit' ELSE 'Fee' END"
)
RESERVED = ("p5.48xlarge", "p4d.24xlarge", "m6i.xlarge", "r6i.8xlarge", "c6i.4xlarge", "g5.12xlarge")


def non_usage_columns() -> dict[str, str]:
    """Columns of the non-usage rows (over range(usage_rows, rows) t(i)): monthly RIFee, Tax, Credit and Fee lines."""
    start, end = f"TIMESTAMP '{MONTH_START}'", f"TIMESTAMP '{MONTH_START}' + INTERVAL 1 MONTH"
    reserved = f"{sql_list(RESERVED)}[CAST(hash(i, 'ri') % {len(RESERVED)} AS BIGINT) + 1]"
    region = f"{CODES}[{REGION_SLOTS}[CAST(hash(i, 'region') % 100 AS BIGINT) + 1] + 1]"
    any_product = f"{sql_list(NON_USAGE_PRODUCTS)}[CAST(hash(i, 'product') % {len(NON_USAGE_PRODUCTS)} AS BIGINT) + 1]"
    product = (
        f"CASE line_type WHEN 'RIFee' THEN 'AmazonEC2' WHEN 'Fee' THEN 'AWSSupportEnterprise' ELSE {any_product} END"
    )
    money = "(CAST(1 + hash(i, 'money') % 4000 AS DOUBLE) / 100.0)"
    return {
        **common_columns(start, end),
        "lineItem/UsageAccountId": account_sql("hash(i, 'account')"),
        "lineItem/LineItemType": "line_type",
        "lineItem/UsageStartDate": start,
        "lineItem/UsageEndDate": end,
        "lineItem/ProductCode": product,
        "lineItem/UsageType": f"CASE line_type WHEN 'RIFee' THEN 'HeavyUsage:' || {reserved} "
        "WHEN 'Fee' THEN 'Dollar' END",
        "lineItem/Operation": "CASE WHEN line_type = 'RIFee' THEN 'RunInstances' END",
        "lineItem/UsageAmount": f"CASE line_type WHEN 'RIFee' THEN {MONTH_HOURS}.0 WHEN 'Fee' THEN 1.0 ELSE 0.0 END",
        "lineItem/CurrencyCode": "'USD'",
        "lineItem/UnblendedCost": f"CASE WHEN line_type = 'Credit' THEN -{money} ELSE {money} END",
        "lineItem/BlendedCost": f"CASE WHEN line_type = 'Credit' THEN -{money} ELSE {money} END",
        "lineItem/LineItemDescription": "CASE line_type WHEN 'RIFee' THEN 'Upfront fee for reserved instances' "
        f"WHEN 'Tax' THEN 'Tax for product code ' || {product} WHEN 'Credit' THEN 'AWS Credits' "
        "ELSE 'AWS Support (Enterprise)' END",
        "product/region": f"CASE WHEN line_type = 'RIFee' THEN {region} END",
        "product/instanceType": f"CASE WHEN line_type = 'RIFee' THEN {reserved} END",
        "pricing/unit": "CASE WHEN line_type = 'RIFee' THEN 'Hrs' END",
    }


def generate_sql(rows: int, path: Path, fmt: str) -> str:
    """The COPY statement writing `rows` rows to `path` in `fmt` (csv, csv.gz or parquet)."""
    usage_rows = rows - round(rows * NON_USAGE_SHARE)
    usage, other = usage_columns(), non_usage_columns()
    names = list(usage)
    usage_select = ",\n    ".join(f'{usage[name]} AS "{name}"' for name in names)
    other_select = ",\n    ".join(f'{other.get(name, "NULL")} AS "{name}"' for name in names)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    options = {
        "parquet": "FORMAT parquet, COMPRESSION zstd",
        "csv.gz": f"FORMAT csv, HEADER, COMPRESSION gzip, TIMESTAMPFORMAT '{iso}'",
        "csv": f"FORMAT csv, HEADER, TIMESTAMPFORMAT '{iso}'",
    }[fmt]
    return f"""COPY (
WITH {resources_sql(usage_rows, kinds())}
SELECT {usage_select}
FROM tagged
UNION ALL
SELECT {other_select}
FROM (SELECT i, {NON_USAGE_KIND} AS line_type FROM range({usage_rows}, {rows}) t(i))
) TO '{path.as_posix()}' ({options});"""


def generate(path: Path, rows: int, fmt: str) -> None:
    """Write the bill (see the module docstring); two threads, as the tool itself uses."""
    import duckdb

    with duckdb.connect(config={"threads": 2}) as connection:
        connection.execute(generate_sql(rows, path, fmt))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--format", choices=["csv", "csv.gz", "parquet"], default="csv")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    began = time.perf_counter()
    generate(args.out, args.rows, args.format)
    size = args.out.stat().st_size / 1e6
    seconds = time.perf_counter() - began
    print(f"wrote {args.out} ({args.rows:,} rows, {size:.1f} MB) in {seconds:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
