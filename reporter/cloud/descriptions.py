"""Charge descriptions of FOCUS lines that name no usage type or meter: what they bill.

FOCUS 1.0 exports from AWS have no SkuMeter, so a line's only description of its usage is its
charge description ("$0.08 per GB-month of General Purpose (gp3) provisioned storage …"); an
Azure VM line carries "Virtual Machines Dv2/DSv2 Series - D11 v2/DS11 v2 - US East 2". These
helpers read the usage type, instance type or meter such a text names (METHOD.md, "FOCUS 1.0 lines
that carry only a charge description").
"""

from __future__ import annotations

import re

_AWS_TOKEN = re.compile(r"\bfor\s+([A-Za-z0-9]+-)*?([A-Za-z][A-Za-z0-9:.]*(?:-[A-Za-z0-9:.]+)*)\s+(?:usage\s+)?in\b")
_AWS_DESCRIPTIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.I), usage)
    for p, usage in (
        (r"\(gp2\) provisioned storage", "EBS:VolumeUsage.gp2"),
        (r"\(gp3\) provisioned storage", "EBS:VolumeUsage.gp3"),
        (r"\(io1\) provisioned storage|provisioned iops ssd", "EBS:VolumeUsage.piops"),
        (r"\(io2\) provisioned storage", "EBS:VolumeUsage.io2"),
        (r"\(st1\) provisioned storage|throughput optimized hdd", "EBS:VolumeUsage.st1"),
        (r"\(sc1\) provisioned storage|cold hdd", "EBS:VolumeUsage.sc1"),
        (r"magnetic provisioned storage", "EBS:VolumeUsage"),
        (r"\b(first|next|over) .* / month of storage used", "TimedStorage-ByteHrs"),  # S3 Standard tiers
        (r"per gb-mo(nth)? of (log|data) storage", "TimedStorage-ByteHrs"),  # CloudWatch Logs, ECR
        (r"per gb-mo(nth)? of consumed storage \(aurora", "Aurora:StorageUsage"),
        (r"aurora capacity unit hour .*serverless v2", "Aurora:ServerlessV2Usage"),
        (r"aurora capacity unit hour", "Aurora:ServerlessUsage"),
        (r"\brds extended support\b", "ExtendedSupport"),
        (r"\beks cluster usage\b", "AmazonEKS-Hours:perCluster"),
        (r"per nat gateway hour", "NatGateway-Hours"),
        (r"load ?balancer-hour", "LoadBalancerUsage"),
        (r"idle public ipv4 address per hour", "PublicIPv4:IdleAddress"),
        (r"public ipv4 address per hour", "PublicIPv4:InUseAddress"),
        (r"\bfargate\b.*\barm\b.*\bvcpu\b", "Fargate-ARM-vCPU-Hours:perCPU"),
        (r"\bfargate\b.*\barm\b.*\bmemory\b", "Fargate-ARM-GB-Hours"),
        (r"\bfargate\b.*\bvcpu\b", "Fargate-vCPU-Hours:perCPU"),
        (r"\bfargate\b.*\bmemory\b", "Fargate-GB-Hours"),
        (r"snapshot data stored", "EBS:SnapshotUsage"),
        (r"regional data transfer", "DataTransfer-Regional-Bytes"),
        (r"data processed by nat gateway", "NatGateway-Bytes"),
        (r"data transfer in\b|data transfer .*\bfrom\b", "DataTransfer-In-Bytes"),
        (r"data transfer out of .* to cloudfront", "AWS-Out-Bytes"),  # region to CloudFront edge: within AWS
        (r"data transfer to (us|eu|asia|south america|canada|africa|middle east|israel|mexico)", "AWS-Out-Bytes"),
        (r"data transfer out|data transfer to", "DataTransfer-Out-Bytes"),
    )
]


def aws_usage_type_from_description(text: str) -> str | None:
    """An AWS usage type for a FOCUS 1.0 line that carries only its charge description.

    'USD 0.05 per GB-Mo for EBS:SnapshotUsage in …' names it; otherwise the wording of EC2/EBS
    storage and data-transfer descriptions maps to the usage type CUR would show.
    """
    if match := _AWS_TOKEN.search(text):
        token = match.group(2)
        if ":" in token or token.endswith(("Bytes", "ByteHrs")) or "Usage" in token:
            return token
    for pattern, usage in _AWS_DESCRIPTIONS:
        if pattern.search(text):
            return usage
    return None


# An AWS instance type named in a text: m5.large, g4dn.12xlarge, db.r5.large, ml.p3.2xlarge
_AWS_INSTANCE_IN_TEXT = re.compile(
    r"(?<![a-z0-9.])((?:[a-z]+\.)?[a-z][a-z0-9-]*\d[a-z0-9-]*\.(?:nano|micro|small|medium|large|\d*xlarge|"
    r"metal(?:-\d+xl)?))(?![a-z0-9])", re.I)


def aws_instance_in_text(text: str) -> str:
    """The instance type a charge description names, lower case ('' when it names none)."""
    match = _AWS_INSTANCE_IN_TEXT.search(text)
    return match.group(1).lower() if match else ""


# Words of a charge description that bills moving or reading data, not keeping it; and a price
# "per GB" (stored data is priced per GB-month)
_NOT_STORED = re.compile(r"transfer|throughput|request|retriev|select|scan|processed|upload|download|gress|"
                         r"\bper\s+gb\b(?![- ]?mo)", re.I)


def bills_data_movement(description: str) -> bool:
    """Whether a charge description bills moving or reading data (or prices it per GB)."""
    return bool(_NOT_STORED.search(description))


# A FOCUS charge description of a VM meter: "Virtual Machines Dv2/DSv2 Series - D11 v2/DS11 v2 - US East 2"
_AZURE_VM_DESCRIPTION = re.compile(r"^Virtual Machines [^-]*Series(?: Windows| Linux)? - (.+?) - ")


def azure_meter_from_description(text: str) -> str | None:
    """The meter name (VM size) in a FOCUS charge description of a VM line, else None."""
    match = _AZURE_VM_DESCRIPTION.match(text)
    return match.group(1) if match else None
