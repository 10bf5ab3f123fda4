"""ccf mode: Cloud Carbon Footprint's published method, reproduced row by row (AWS part here).

This mode exists to match CCF's numbers, so it keeps CCF's constants and its known errors (see
METHOD.md): S3 'TimedStorage-ByteHrs' GB-months divided by 1024**4, Azure pack units not scaled,
embodied CO2e turned into "kWh" and added. Written from CCF's documentation and source as a
specification (packages/aws|gcp|azure|core at commit b7a049c7); no CCF code is reused.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from functools import lru_cache

from reporter.cloud import coefficients as cf
from reporter.cloud.classify import (
    COMPUTE,
    NETWORKING,
    UNCLASSIFIED,
    UNSUPPORTED,
    Classification,
    aws_ccf_instance_key,
    aws_instance_from_usage_type,
    contains_any,
    ends_with_any,
)
from reporter.cloud.model import (
    ESTIMATED,
    STATUS_UNCLASSIFIED,
    STATUS_UNSUPPORTED,
    Estimate,
    Line,
    fmt,
    linear_text,
    zero,
)
from reporter.cloud.replication import aws_replication
from reporter.cloud.units import BYTES_PER_TIB, CCF_DEFAULT_DAYS_PER_MONTH, days_in_month

UTILISATION = (10.0, 50.0, 90.0)  # low, central (CCF), high - percent
CENTRAL = UTILISATION[1] / 100.0  # the utilisation the basis text shows
MEDIAN_PROCESSORS = ("Sandy Bridge", "Ivy Bridge")


def processor_list(text: str | None) -> tuple[str, ...]:
    """A ';'-separated processor cell of CCF's tables as a tuple; ('Unknown',) when empty."""
    return tuple(text.split(";")) if text else ("Unknown",)


@lru_cache(maxsize=1024)
def watts(provider: str, processors: tuple[str, ...]) -> tuple[float, float, str]:
    """CCF's min/max W for a processor list: mean (median if Sandy/Ivy Bridge) or the fallback."""
    table = cf.ccf_processor_watts(provider)
    values = [table.get(p) for p in processors]
    if processors and all(v is not None for v in values):
        mins = [v[0] for v in values if v]
        maxs = [v[1] for v in values if v]
        pick = statistics.median if any(p in MEDIAN_PROCESSORS for p in processors) else statistics.fmean
        low, high = pick(mins), pick(maxs)
        if low and high:
            return low, high, "/".join(processors)
    return (cf.ccf_constant(provider, "min_watts_fallback"), cf.ccf_constant(provider, "max_watts_fallback"),
            "fallback average")


@lru_cache(maxsize=1024)
def memory_gb_per_chip(provider: str, processors: tuple[str, ...]) -> float:
    table = cf.ccf_processor_watts(provider)
    values = [table.get(p) for p in processors]
    if processors and all(v is not None and v[2] is not None for v in values):
        return statistics.fmean(v[2] for v in values if v and v[2] is not None)
    return cf.ccf_constant(provider, "memory_gb_per_chip_fallback")


def memory_w_text(provider: str) -> str:
    """CCF's memory coefficient as the basis shows it ('0.392 W/GB')."""
    return f"{fmt(cf.ccf_constant(provider, 'memory_kwh_per_gbh') * 1000.0)} W/GB"


def compute_kwh(min_w: float, max_w: float, hours: float, pue: float, rf: float) -> tuple[float, float, float]:
    """(low, central, high) kWh incl. PUE: CCF's formula at 10 %, 50 % and 90 % utilisation."""
    return tuple(  # type: ignore[return-value]
        (min_w + u / 100.0 * (max_w - min_w)) * hours * pue * rf / 1000.0 for u in UTILISATION
    )


def extra_memory_gbh(chips: float, largest_mem: float, per_chip: float, instance_mem: float, hours: float) -> float:
    """CCF: memory above the SPECpower GB/chip of the family's largest size, scaled to this size."""
    delta = largest_mem / chips - per_chip
    if delta <= 0 or not instance_mem:
        return 0.0
    return delta / (largest_mem / instance_mem) * hours


def embodied_tco2e(total_t: float, hours: float, vcpus: float, largest: float, provider: str) -> float:
    """CCF (SCI): TE x (time / lifespan) x (vCPU / vCPU of the largest size)."""
    return total_t * (hours / cf.ccf_constant(provider, "server_lifespan_h")) * (vcpus / largest)


def finish(cls: Classification, line: Line, pue: float, it: tuple[float, float, float], embodied_t: float,
           basis: list[str], accumulate: bool, flags: list[str] | None = None,
           category: str | None = None, region: str | None = None) -> Estimate:
    """Assemble an estimate; `it` already contains PUE (CCF applies it inside every term)."""
    factor = cf.ccf_grid_factor(line.provider, line.region if region is None else region)
    embodied_kwh = embodied_t / factor if embodied_t and factor else 0.0
    if embodied_t:
        basis.append(f"embodied {fmt(embodied_t * 1000)} kg CO2e / CCF grid factor {fmt(factor * 1e6)} g/kWh"
                     f" = {fmt(embodied_kwh)} kWh-equivalent (added, as CCF does)")
    est = Estimate(category=category or cls.category, status=ESTIMATED, pue=pue,
                   it_low=it[0] / pue, it_central=it[1] / pue, it_high=it[2] / pue,
                   embodied_kg=embodied_t * 1000.0, ccf_embodied_kwh=embodied_kwh,
                   basis="; ".join(basis), flags=list(flags or []))
    if accumulate:
        est.ccf_accumulate = est.totals()
    return est


# --- AWS -----------------------------------------------------------------------------------------


def _aws_vcpus(name: str) -> float | None:
    family, _, rest = name.partition(".")
    row = cf.ccf_aws_instances().get(f"{family}.{rest.split('.')[0]}")
    return float(row["vcpus"]) if row and row["ccf_table"] == "ec2" else None


def aws_vcpu_hours(line: Line, cls: Classification, amount: float) -> tuple[float | None, str]:
    usage, service = cls.usage_type, cls.service
    inst = aws_instance_from_usage_type(usage)
    if service == "AWSGlue":
        per_dpu = cf.ccf_constant("aws", "glue_vcpus_per_dpu")
        return per_dpu * amount, f"{fmt(per_dpu)} vCPU per DPU-hour"
    if service == "AmazonSimpleDB":
        return amount, "1 vCPU"
    if "Aurora:ServerlessUsage" in usage:
        per_vcpu = cf.ccf_constant("aws", "aurora_serverless_acu_per_vcpu")
        return amount / per_vcpu, f"ACU-hours / {fmt(per_vcpu)}"
    if contains_any(("Fargate-vCPU-Hours", "CPUCredits"), usage):
        return amount, "vCPU-hours as billed"
    burst = cf.ccf_aws_burstable()
    if _names_burstable(usage):
        key = ".".join(inst.split(".")[:2])
        vcpus = _aws_vcpus(key)
        if vcpus is None or key not in burst:
            return None, ""
        share = burst[key] / cf.ccf_constant("aws", "cpu_utilisation_pct")
        return vcpus * share * amount, f"{fmt(vcpus)} vCPU × baseline {fmt(burst[key])} % / 50 %"
    if line.vcpus:
        return line.vcpus * amount, f"{fmt(line.vcpus)} vCPU (bill)"
    vcpus = _aws_vcpus(inst)
    return (vcpus * amount, f"{fmt(vcpus)} vCPU (CCF table)") if vcpus else (None, "")


@lru_cache(maxsize=16384)
def _names_burstable(usage_type: str) -> bool:
    """Whether the usage type mentions one of CCF's burstable instance types."""
    return contains_any(tuple(cf.ccf_aws_burstable()), usage_type)


@lru_cache(maxsize=16384)
def _names_gpu_instance(usage_type: str) -> bool:
    """Whether the usage type mentions one of CCF's GPU instance types."""
    return contains_any(tuple(cf.ccf_aws_gpu_instances()), usage_type)


def aws_processors(service: str, usage_type: str, key: str) -> tuple[str, ...]:
    if service == "AWSLambda":
        return ("AWS Graviton2",) if usage_type.endswith("-ARM") else ("Unknown",)
    row = cf.ccf_aws_instances().get(key)
    return processor_list(row["processors"] if row else None)


def _aws_memory_gbh(key: str, amount: float) -> float:
    family, _, size = key.partition(".")
    row = cf.ccf_aws_instances().get(f"{family}.{size.split('.')[0]}")
    if not row or row["ccf_table"] not in ("ec2", "redshift") or key in cf.ccf_aws_burstable():
        return 0.0
    procs = processor_list(row["processors"])
    chips = 2.0 if family in ("m5zn", "z1d") else math.ceil(float(row["family_last_vcpus"]) / 96)
    return extra_memory_gbh(chips, float(row["family_last_memory_gb"]), memory_gb_per_chip("aws", procs),
                            float(row["memory_gb"]), amount)


def _aws_embodied(key: str, amount: float) -> float:
    parts = key.split(".")
    if len(parts) < 2:
        return 0.0
    row = cf.ccf_aws_instances().get(f"{parts[-2]}.{parts[-1]}")
    if not row or not row["vcpus"] or row["ccf_table"] not in ("ec2", "u_family"):
        return 0.0
    vcpus = float(row["vcpus"])
    # CCF reads the u-* family table at index 1 (memory) as the embodied figure; kept as published
    total = float(row["embodied_tco2e"] if row["ccf_table"] == "ec2" else row["memory_gb"])
    return embodied_tco2e(total, amount / vcpus, vcpus, float(row["family_last_vcpus"]), "aws")


def aws_compute(line: Line, cls: Classification, pue: float) -> Estimate:
    amount = line.quantity * cls.unit.pack
    rf = aws_replication(cls.service, cls.usage_type)
    key = aws_ccf_instance_key(cls.usage_type)
    vcpu_h: float | None = amount / 3600.0
    vcpu_note = "seconds / 3600 = vCPU-hours"
    if cls.kind != "lambda":
        vcpu_h, vcpu_note = aws_vcpu_hours(line, cls, amount)
    if vcpu_h is None:
        return zero(COMPUTE, STATUS_UNCLASSIFIED, f"vCPU count of '{cls.instance_type}' unknown (CCF gives 0 kWh)",
                    ["instance_type_unknown"])
    low_w, high_w, procs = watts("aws", aws_processors(cls.service, cls.usage_type, key))
    it = compute_kwh(low_w, high_w, vcpu_h, pue, rf)
    basis = [f"{fmt(vcpu_h)} vCPU-h ({vcpu_note}) × {linear_text(low_w, high_w, CENTRAL)} W"
             f" [{procs}] × PUE {pue} × RF {fmt(rf)}"]
    gpus = cf.ccf_aws_gpu_instances()
    inst = aws_instance_from_usage_type(cls.usage_type)
    if _names_gpu_instance(cls.usage_type):
        gpu_h = gpus.get(inst, 0) * amount
        row = cf.ccf_aws_instances().get(key)
        gpu_procs = processor_list(row["gpu_processors"] if row else None)
        g_low, g_high, g_name = watts("aws", gpu_procs)
        gpu_it = compute_kwh(g_low, g_high, gpu_h, pue, rf)
        it = (it[0] + gpu_it[0], it[1] + gpu_it[1], it[2] + gpu_it[2])
        basis.append(f"{fmt(gpu_h)} GPU-h × {linear_text(g_low, g_high, CENTRAL)} W [{g_name}]")
    if cls.kind == "lambda":
        return finish(cls, line, pue, it, 0.0, basis, accumulate=False)
    mem_gbh = _aws_memory_gbh(key, amount)
    mem = mem_gbh * cf.ccf_constant("aws", "memory_kwh_per_gbh") * pue * rf
    embodied = _aws_embodied(key, amount)
    if mem > 0:
        basis.append(f"memory {fmt(mem_gbh)} GB-h above SPECpower GB/chip × {memory_w_text('aws')}")
        it = (it[0] + mem, it[1] + mem, it[2] + mem)
    return finish(cls, line, pue, it, embodied, basis, accumulate=True)


def aws_storage(line: Line, cls: Classification, pue: float) -> Estimate:
    rf = aws_replication(cls.service, cls.usage_type)
    amount = line.quantity
    if ends_with_any(cf.usage_list("aws", "byte_hours_usage_type"), cls.usage_type):
        tbh, note = amount / BYTES_PER_TIB, f"{fmt(amount)} {cls.unit.text} read as byte-hours / 1024^4 (CCF)"
    elif cls.unit.base == "gb_hour":
        tbh, note = amount / 1000.0, "GB-hours / 1000"
    else:
        days = days_in_month(line.start) or CCF_DEFAULT_DAYS_PER_MONTH
        tbh, note = amount / 1000.0 * 24 * days, f"GB-months / 1000 × 24 h × {fmt(days)} days"
    coeff = cf.ccf_constant("aws", "ssd_wh_per_tbh" if cls.category == "storage_ssd" else "hdd_wh_per_tbh")
    kwh = tbh * coeff * pue * rf / 1000.0
    basis = [f"{fmt(tbh)} TB-h ({note}) × {coeff} Wh/TBh × PUE {pue} × RF {fmt(rf)}"]
    return finish(cls, line, pue, (kwh, kwh, kwh), 0.0, basis, accumulate=True)


def network(line: Line, cls: Classification, pue: float, gigabytes: float, note: str) -> Estimate:
    coeff = cf.ccf_constant(line.provider, "network_kwh_per_gb")
    kwh = gigabytes * coeff * pue
    basis = [f"{fmt(gigabytes)} GB ({note}) × {coeff} kWh/GB × PUE {pue}"]
    return finish(cls, line, pue, (kwh, kwh, kwh), 0.0, basis, accumulate=True)


def aws_line(line: Line, cls: Classification) -> Estimate:
    pue, _ = cf.pue("aws", line.region, "ccf")
    if cls.category == COMPUTE:
        return aws_compute(line, cls, pue)
    if cls.kind == "storage":
        return aws_storage(line, cls, pue)
    if cls.category == NETWORKING:
        return network(line, cls, pue, line.quantity, "as billed")
    return not_estimated(cls)


def not_estimated(cls: Classification) -> Estimate:
    if cls.category == UNSUPPORTED:
        return zero(UNSUPPORTED, STATUS_UNSUPPORTED, cls.reason, cls.flags)
    est = zero(UNCLASSIFIED, STATUS_UNCLASSIFIED, cls.reason, cls.flags)
    est.ccf_unknown = cls.kind == "unknown"
    return est


def apply_unknown_ratio(lines: Sequence[Line], results: list[Estimate], basis_of: Sequence[float | None]) -> None:
    """CCF's unknown-usage estimator: kWh per unit of cost (AWS) or quantity (GCP, Azure), taken over
    the estimated lines of the same provider and billed unit, times the unknown line's cost/quantity."""
    sums: dict[tuple[str, str], list[float]] = {}
    for line, est, by in zip(lines, results, basis_of, strict=True):
        if est.ccf_accumulate is None or by is None:
            continue
        acc = sums.setdefault((line.provider, line.unit), [0.0, 0.0, 0.0, 0.0])
        for i in range(3):
            acc[i] += est.ccf_accumulate[i]
        acc[3] += by
    for line, est, by in zip(lines, results, basis_of, strict=True):
        found = sums.get((line.provider, line.unit))
        if not est.ccf_unknown or not found or not found[3] or by is None:
            continue
        acc = found
        what = "cost" if line.provider == "aws" else "quantity"
        totals = (acc[0] / acc[3] * by, acc[1] / acc[3] * by, acc[2] / acc[3] * by)
        est.status, est.ccf_totals = ESTIMATED, totals
        est.it_low, est.it_central, est.it_high = (t / est.pue for t in totals)
        est.flags.append("cost_based_estimate")
        est.basis = (f"{est.basis}; CCF unknown-usage ratio: {fmt(acc[1])} kWh / {fmt(acc[3])} {what} of estimated"
                     f" '{line.unit}' lines × {fmt(by)} {what}")
