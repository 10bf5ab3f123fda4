"""Classify a bill line: what kind of usage it is and how its quantity must be read.

The lists (usage types, SKUs, meter names, units) come from Cloud Carbon Footprint and live in
reporter/data/cloud/usage_types.csv; default mode adds a few entries (column `modes`). What is
deliberately NOT estimated:

* unsupported  - lines that carry no energy of their own or are counted elsewhere: support and
  fees, licences, reattributions, double-counted container/EMR lines (`HostBoxUsage`,
  `ECS-EC2-*`, `EMR-EKS-*`), static IPs, VPN tunnels; and providers other than aws/gcp/azure.
* unclassified - lines the lists recognise but cannot turn into energy (NAT gateways, load
  balancers, requests, API calls, scanned bytes, unknown units, storage of unknown medium).
  CCF spreads kWh over these by cost or quantity ratio; default mode leaves them at 0 and reports
  them (see METHOD.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from reporter.cloud import coefficients as cf
from reporter.cloud.descriptions import (
    aws_instance_in_text,
    aws_usage_type_from_description,
    azure_meter_from_description,
    bills_data_movement,
)
from reporter.cloud.units import GB_MONTH, UnitSpec, parse_unit
from reporter.records import EstimateStatus

COMPUTE = "compute"
STORAGE_SSD = "storage_ssd"
STORAGE_HDD = "storage_hdd"
NETWORKING = "networking"
MEMORY = "memory"
UNCLASSIFIED = EstimateStatus.UNCLASSIFIED.value
UNSUPPORTED = "unsupported"
PROVIDERS = ("aws", "gcp", "azure")


@dataclass
class Classification:
    category: str
    # finer kind: instance, vcpu, lambda, accelerator, storage, network, memory, unsupported,
    # unknown (CCF spreads kWh over it by ratio) or no_estimate (CCF drops it)
    kind: str
    service: str
    usage_type: str
    unit: UnitSpec
    instance_type: str = ""
    reason: str = ""
    network_type: str = "unspecified"
    flags: list[str] = field(default_factory=list)
    # vCPUs per billed hour named by the meter ('2 vCore'), for lines with no instance type
    meter_vcpus: float | None = None


def ends_with_any(values: tuple[str, ...], text: str) -> bool:
    return any(text.endswith(v) for v in values)


def contains_any(values: tuple[str, ...], text: str) -> bool:
    return any(v in text for v in values)


# --- AWS -----------------------------------------------------------------------------------------

AWS_PREFIX = re.compile(r"^((db|cache|dax|dms|ml|mq|KernelGateway-ml|.+Kafka)\.)")


def aws_usage_type(usage_type: str) -> str:
    """CCF appends 'arge' to usage types ending in 'xl' (CUR sometimes truncates 'xlarge')."""
    return usage_type + "arge" if usage_type.endswith("xl") else usage_type


def aws_instance_from_usage_type(usage_type: str) -> str:
    """'USE1-BoxUsage:m5.large' -> 'm5.large'; 'InstanceUsage:db.r5.large' -> 'r5.large'."""
    return AWS_PREFIX.sub("", usage_type.split(":")[-1])


def aws_ccf_instance_key(usage_type: str) -> str:
    """CCF's other parser (processor and memory look-ups): splits on 'db.', 'cache.' or 'Kafka.'."""
    for prefix in ("db", "cache", "Kafka"):
        if prefix in usage_type:
            return usage_type.split(prefix + ".")[-1]
    return usage_type.split(":")[-1]


# Fargate vCPU and memory hours, x86 or ARM (Graviton): USW2-Fargate-vCPU-Hours:perCPU,
# USW2-Fargate-ARM-GB-Hours, ...
FARGATE_VCPU = re.compile(r"Fargate-(?:ARM-)?vCPU-Hours")
FARGATE_MEMORY = re.compile(r"Fargate-(?:ARM-)?GB-Hours")
def _looks_like_usage_type(text: str) -> bool:
    return " " not in text.strip()


def unit_not_handled(base: Classification, unit_raw: str) -> None:
    """A line left unestimated for its unit (requests, operations, '10K' …): said and flagged."""
    base.reason = f"unit '{unit_raw}' not handled"
    base.flags.append("unit_unknown")


def _aws_network_type(usage_type: str, mode: str) -> str:
    if mode == "ccf":
        return "unspecified"
    for kind in ("intra", "inter", "internet"):
        if contains_any(cf.usage_list("aws", f"network_{kind}", mode), usage_type):
            return kind
    return "unspecified"


def classify_aws(service_raw: str, usage_raw: str, unit_raw: str, instance_type: str, mode: str,
                 category: str = "") -> Classification:
    service = cf.aws_product_code(service_raw)
    described = not _looks_like_usage_type(usage_raw)
    derived = aws_usage_type_from_description(usage_raw) if described else None
    usage_type = aws_usage_type(derived or usage_raw)
    unit_text = unit_raw
    if "Fargate-GB-Hours" in usage_type and mode == "ccf":
        unit_text = "GB-Hours"  # CCF cleans this unit, then treats the line as SSD storage
    unit = parse_unit(unit_text)
    if described and not derived and not instance_type:
        # a charge description is no instance type: only an instance it names is one
        parsed = aws_instance_from_usage_type(aws_instance_in_text(usage_raw))
    else:
        parsed = aws_instance_from_usage_type(instance_type or usage_type)
    base = Classification(UNCLASSIFIED, "unknown", service, usage_type, unit, parsed)
    if contains_any(cf.usage_list("aws", "unsupported_usage_type", mode), usage_type):
        base.category, base.kind, base.reason = UNSUPPORTED, "unsupported", "excluded usage type (no own energy)"
        return base
    known_units = cf.usage_list("aws", "known_usage_unit")
    unit_ok = unit_text in known_units if mode == "ccf" else unit.known
    if contains_any(cf.usage_list("aws", "unknown_usage_type", mode), usage_type) or not unit_ok:
        base.reason = "usage type not estimable"
        if not unit_ok:
            unit_not_handled(base, unit_raw)
        return base
    if mode == "ccf" and service == "AmazonRedshift" and unit_text == "seconds":
        base.unit = UnitSpec(unit_text, "hour", 1 / 3600)  # CCF: Redshift seconds are compute hours
    if mode == "default" and described and not derived and _aws_stored(base, category, usage_raw):
        return _aws_storage(base, mode)
    if base.unit.base == "hour":
        base.category, base.kind = COMPUTE, "instance"
        if mode == "default" and FARGATE_VCPU.search(usage_type):
            base.kind = "vcpu"
        if mode == "default" and FARGATE_MEMORY.search(usage_type):
            base.category, base.kind = MEMORY, "memory"
        return base
    if base.unit.base in ("gb_month", "gb_hour", "byte_hour", "tb_month"):
        return _aws_storage(base, mode)
    if base.unit.base in ("second", "gb_second"):
        base.category, base.kind = COMPUTE, "lambda"
        return base
    if base.unit.base in ("gb", "byte", "tb"):
        if mode == "default" and described and not derived:
            base.kind = "no_estimate"
            unit_not_handled(base, unit_raw)
            base.reason += ": the description names neither a transfer nor stored data"
            return base
        return _aws_transfer(base, mode)
    base.kind = "no_estimate"
    unit_not_handled(base, unit_raw)
    return base


def _aws_storage(base: Classification, mode: str) -> Classification:
    """A line of stored data: its medium from the usage type or the service (CCF's lists)."""
    usage_type, service = base.usage_type, base.service
    if mode == "default" and FARGATE_MEMORY.search(usage_type):
        base.category, base.kind = MEMORY, "memory"
        return base
    ssd = ends_with_any(cf.usage_list("aws", "ssd_usage_type"), usage_type) or (
        ends_with_any(cf.usage_list("aws", "ssd_service"), service) and "Backup" not in usage_type)
    if ssd:
        base.category, base.kind = STORAGE_SSD, "storage"
    elif ends_with_any(cf.usage_list("aws", "hdd_usage_type"), usage_type):
        base.category, base.kind = STORAGE_HDD, "storage"
    else:
        base.kind, base.reason = "no_estimate", "storage medium not recognised"
    return base


def _aws_transfer(base: Classification, mode: str) -> Classification:
    service = base.service
    networking = ends_with_any(cf.usage_list("aws", "networking_usage_type", mode), base.usage_type)
    if networking and (service != "AmazonCloudFront" or mode == "default"):
        base.category, base.kind = NETWORKING, "network"
        base.network_type = _aws_network_type(base.usage_type, mode)
        if service == "AmazonCloudFront":
            base.network_type = "internet"
    else:
        base.kind = "no_estimate"
        base.reason = "CloudFront transfer (CCF excludes it)" if networking else "transfer type not recognised"
    return base


S3_STANDARD_USAGE = "TimedStorage-ByteHrs"


def _aws_stored(base: Classification, category: str, description: str) -> bool:
    """A FOCUS line of stored data that names no usage type (default mode): the service (or its
    category) keeps data, the description bills no transfer or request, and the unit is GB or GB-months.

    Plain GB is read as GB-months (AWS prices stored data per GB-month), flagged
    `storage_gb_as_gb_month`; S3 without a storage class is read as S3 Standard (CCF's
    `TimedStorage-ByteHrs`: HDD, S3's replication), flagged `storage_class_assumed`; S3 One Zone
    as CCF's `TimedStorage-ZIA-ByteHrs` (one zone's replication)."""
    stores = (base.service in cf.usage_list("aws", "stored_gb_service", "default")
              or category.strip().lower() in cf.usage_list("aws", "stored_gb_category", "default"))
    if not stores or bills_data_movement(description) or base.unit.base not in ("gb", "gb_month"):
        return False
    if base.unit.base == "gb":
        base.unit = UnitSpec(base.unit.text, GB_MONTH, base.unit.pack)
        base.flags.append("storage_gb_as_gb_month")
    if base.service == "AmazonS3":
        one_zone = re.search(r"\bone[- ]zone\b", description, re.I)
        base.usage_type = "TimedStorage-ZIA-ByteHrs" if one_zone else S3_STANDARD_USAGE
        if not one_zone:
            base.flags.append("storage_class_assumed")
    return True


# --- GCP -----------------------------------------------------------------------------------------

TPU_PATTERN = re.compile(r"\bTPU\b", re.I)


def classify_gcp(service: str, usage_type: str, unit_raw: str, instance_type: str, mode: str) -> Classification:
    unit_text = unit_raw
    if contains_any(cf.usage_list("gcp", "unit_override_service"), service):
        unit_text = "Unknown"  # CCF: these services bill huge 'seconds'/'requests' counts
    unit = parse_unit(unit_text)
    base = Classification(UNCLASSIFIED, "unknown", service, usage_type, unit, instance_type)
    if contains_any(cf.usage_list("gcp", "unsupported_usage_type"), usage_type):
        base.category, base.kind, base.reason = UNSUPPORTED, "unsupported", "fee, billing or reattribution line"
        return base
    compute_words = cf.usage_list("gcp", "compute_usage_type")
    if mode == "default" and TPU_PATTERN.search(usage_type + " " + service) and unit.base in ("second", "hour"):
        base.category, base.kind = COMPUTE, "accelerator"
        return base
    if (contains_any(cf.usage_list("gcp", "unknown_usage_type"), usage_type)
            or contains_any(cf.usage_list("gcp", "unknown_service"), service)
            or contains_any(cf.usage_list("gcp", "unknown_usage_unit"), unit_text) or not usage_type):
        base.reason = "SKU or service not estimable"
        if not parse_unit(unit_raw).known:
            unit_not_handled(base, unit_raw)
        return base
    if mode == "ccf" and unit_text not in ("seconds", "byte-seconds", "bytes"):
        base.kind = "no_estimate"
        unit_not_handled(base, unit_raw)
        return base
    if unit.base in ("second", "hour"):
        if contains_any(compute_words, usage_type):
            base.category, base.kind = COMPUTE, "accelerator" if "GPU" in usage_type else "vcpu"
        else:
            base.reason = "seconds SKU is not a core, CPU or GPU"
        return base
    if unit.base in ("byte_second", "gb_hour", "gb_month", "byte_hour"):
        memory = contains_any(cf.usage_list("gcp", "memory_usage_type"), usage_type)
        if memory and not contains_any(compute_words, usage_type):
            base.category, base.kind = MEMORY, "memory"
        else:
            base.category = STORAGE_SSD if "SSD" in usage_type else STORAGE_HDD
            base.kind = "storage"
        return base
    if unit.base in ("byte", "gb", "tb"):
        if contains_any(cf.usage_list("gcp", "networking_usage_type", mode), usage_type):
            base.category, base.kind = NETWORKING, "network"
            if mode == "default":
                base.network_type = _first_network_type("gcp", usage_type)
        else:
            base.reason = "bytes SKU is not egress"
        return base
    base.kind = "no_estimate"
    unit_not_handled(base, unit_raw)
    return base


def _first_network_type(provider: str, usage_type: str) -> str:
    for kind in ("intra", "inter", "internet"):
        if contains_any(cf.usage_list(provider, f"network_{kind}", "default"), usage_type):
            return kind
    return "unspecified"


# --- Azure ---------------------------------------------------------------------------------------


def azure_meter(meter: str) -> str:
    """CCF's meter clean-up: drop ' Spot', keep the part before '/' ('D2 v2/DS2 v2' -> 'D2 v2')."""
    if "Spot" in meter:
        return meter.replace(" Spot", "")
    return meter.split("/")[0] if "/" in meter else meter


def azure_instance_from_meter(meter: str) -> str:
    """'D2s v3' -> 'standard_d2s_v3' (API name, lower case)."""
    cleaned = azure_meter(meter).replace(" Low Priority", "").strip()
    if not re.match(r"^[A-Z]{1,3}\d", cleaned):
        return ""
    return "standard_" + re.sub(r"[\s\-]+", "_", cleaned).lower()


def classify_azure(service: str, meter_raw: str, unit_raw: str, instance_type: str, mode: str) -> Classification:
    meter_raw = azure_meter_from_description(meter_raw) or meter_raw
    meter = azure_meter(meter_raw)
    unit = parse_unit(unit_raw)
    parsed = instance_type.lower() if instance_type else azure_instance_from_meter(meter_raw)
    base = Classification(UNCLASSIFIED, "unknown", service, meter, unit, parsed)
    if contains_any(cf.usage_list("azure", "unsupported_usage_type"), meter):
        base.category, base.kind, base.reason = UNSUPPORTED, "unsupported", "licence, rules or surcharge line"
        return base
    kinds = ("compute", "storage", "networking", "memory")
    lists = {name: cf.usage_list("azure", f"{name}_usage_unit") for name in kinds}
    all_units = tuple(u for values in lists.values() for u in values)
    unit_ok = contains_any(all_units, unit_raw) if mode == "ccf" else unit.known
    if (contains_any(cf.usage_list("azure", "unknown_service"), service)
            or contains_any(cf.usage_list("azure", "unknown_usage_type", mode), meter) or not unit_ok):
        base.reason = "service or meter not estimable"
        if not unit_ok:
            unit_not_handled(base, unit_raw)
        return base
    kind = _azure_unit_kind(unit_raw, unit, lists, mode)
    memory_meter = contains_any(cf.usage_list("azure", "memory_usage_type"), meter)
    if kind == "compute":
        base.category, base.kind = (MEMORY, "memory") if memory_meter else (COMPUTE, "instance")
        if mode == "default" and not memory_meter and not parsed:
            _azure_vcores(base, meter)
    elif kind == "memory":
        base.category, base.kind = MEMORY, "memory"
    elif kind == "storage":
        ssd_disks = tuple(cf.usage_map("azure", "ssd_managed_disk_gb"))
        hdd_disks = tuple(cf.usage_map("azure", "hdd_managed_disk_gb"))
        if contains_any(ssd_disks, meter) or contains_any(cf.usage_list("azure", "storage_usage_type"), meter):
            base.category, base.kind = STORAGE_SSD, "storage"
        elif contains_any(hdd_disks, meter):
            base.category, base.kind = STORAGE_HDD, "storage"
        else:
            base.kind, base.reason = "no_estimate", "storage medium not recognised"
    elif kind == "networking":
        if contains_any(cf.usage_list("azure", "networking_usage_type", mode), meter) and "To Any" not in meter:
            base.category, base.kind = NETWORKING, "network"
            if mode == "default":
                base.network_type = _first_network_type("azure", meter)
        else:
            base.kind, base.reason = "no_estimate", "transfer meter not recognised"
    else:
        base.kind = "no_estimate"
        unit_not_handled(base, unit_raw)
    return base


# A meter priced per server of N vCores ('2 vCore', Azure Database for MySQL / PostgreSQL), or per
# vCore-hour ('vCore', SQL Database and Managed Instance): the last part of 'subcategory | meter'
_AZURE_VCORES = re.compile(r"(?:^|\|\s*)(?:(\d+(?:\.\d+)?)\s+)?vCores?$", re.I)


def _azure_vcores(base: Classification, meter: str) -> None:
    """An hourly database meter that names its vCore count: that many vCPUs per billed hour (a
    bare 'vCore' meter bills vCore-hours: one vCPU per hour). The estimate flags its use
    (`vcpus_from_meter`)."""
    match = _AZURE_VCORES.search(meter.strip())
    if match:
        base.meter_vcpus = float(match.group(1)) if match.group(1) else 1.0
        if not match.group(1):
            base.kind = "vcpu"  # the quantity is vCPU-hours already, whatever vCores the bill lists


def _azure_unit_kind(unit_raw: str, unit: UnitSpec, lists: dict[str, tuple[str, ...]], mode: str) -> str:
    if mode == "ccf":
        for name, values in lists.items():
            if unit_raw in values:
                return name
        return ""
    return {"hour": "compute", "gb_month": "storage", "tb_month": "storage", "count_month": "storage",
            "count_day": "storage", "gb": "networking", "tb": "networking", "gb_second": "memory",
            "gb_hour": "memory"}.get(unit.base, "")


def classify(provider: str, service: str, usage_type: str, unit: str, instance_type: str, mode: str,
             category: str = "") -> Classification:
    """Classify one bill line for the given mode ('ccf' or 'default'); the caller owns the result."""
    cached = shared_classification(provider, service, usage_type, unit, instance_type, mode, category)
    return replace(cached, flags=list(cached.flags))


@lru_cache(maxsize=16384)
def shared_classification(
    provider: str, service: str, usage_type: str, unit: str, instance_type: str, mode: str, category: str = ""
) -> Classification:
    """One classification per distinct line description, shared by every line like it: read it,
    never modify it (`classify` gives a copy to own). `category` is the service category (FOCUS
    ServiceCategory, CUR product family), used for AWS stored data billed in plain GB."""
    if provider == "aws":
        return classify_aws(service, usage_type, unit, instance_type, mode, category)
    if provider == "gcp":
        return classify_gcp(service, usage_type, unit, instance_type, mode)
    if provider == "azure":
        return classify_azure(service, usage_type, unit, instance_type, mode)
    reason = f"provider '{provider}' not modelled" if provider else "no cloud provider named on the line"
    return Classification(UNSUPPORTED, "unsupported", service, usage_type, parse_unit(unit), instance_type,
                          reason=reason, flags=["provider_unsupported"])
