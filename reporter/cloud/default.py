"""default mode: CCF's structure with its known errors fixed and newer data (see METHOD.md).

IT energy of a line = power x time, with power from a linear idle-to-max model per vCPU and per
accelerator (utilisation 10 % / 50 % / 90 % for low / central / high), memory above the SPECpower
baseline at 0.392 W/GiB, storage per TB-hour x replication, and networking per GB by transfer type.
PUE is applied by the caller-facing columns; embodied emissions are kg CO2e and never energy.
"""

from __future__ import annotations

import re
import statistics
from functools import lru_cache

from reporter.cloud import coefficients as cf
from reporter.cloud.classify import (
    COMPUTE,
    MEMORY,
    NETWORKING,
    STORAGE_HDD,
    STORAGE_SSD,
    UNCLASSIFIED,
    UNSUPPORTED,
    Classification,
)
from reporter.cloud.coefficients import accelerator_from_text
from reporter.cloud.model import (
    ESTIMATED,
    STATUS_UNCLASSIFIED,
    STATUS_UNSUPPORTED,
    Estimate,
    Line,
    fmt,
    linear_text,
    linear_watts,
    zero,
)
from reporter.cloud.replication import aws_replication, azure_replication, gcp_replication
from reporter.cloud.units import (
    BYTES_PER_TIB,
    byte_hours_to_tb_hours,
    byte_seconds_to_gib_hours,
    byte_seconds_to_tb_hours,
    bytes_to_gb,
    gb_months_to_tb_hours,
    gib_to_gb,
    gib_to_tb,
    hours_in_month,
    seconds_to_hours,
)

GCP_FAMILY = re.compile(r"^(N1|N2D|N2|N4|E2|C2D|C2|C3D|C3|C4A|C4D|C4|T2D|T2A|A2|A3|A4|G2|M1|M2|M3|H3|Z3)\b", re.I)


def _util(name: str) -> tuple[float, float, float]:
    return cf.model_constant(name)


@lru_cache(maxsize=1024)
def _cpu_coefficients(provider: str, archs: tuple[str, ...]) -> tuple[float, float, float | None, str, tuple[str, ...]]:
    """(min W, max W, GB/chip, label, flags) per vCPU: mean over the listed microarchitectures."""
    own, aws = cf.cpu_power(provider), cf.cpu_power("aws")
    # the AWS table covers the most microarchitectures; used where the provider's own has none
    known = [(a, own[a] if a in own else aws[a], a in own) for a in archs if a in own or a in aws]
    if known:
        chips = [k[1][2] for k in known if k[1][2] is not None]
        label = "/".join(a if mine else f"{a} (AWS table)" for a, _, mine in known)
        return (statistics.fmean(k[1][0] for k in known), statistics.fmean(k[1][1] for k in known),
                statistics.fmean(chips) if chips else None, label, ())
    low, high = cf.ccf_constant(provider, "min_watts_fallback"), cf.ccf_constant(provider, "max_watts_fallback")
    return low, high, None, "architecture unknown: CCF fleet average", ("cpu_architecture_unknown",)


@lru_cache(maxsize=1024)
def _accelerator(name: str) -> tuple[cf.AcceleratorPower, tuple[str, ...], str]:
    table = cf.accelerators()
    if name in table:
        acc = table[name]
        flags = ("gpu_power_assumed",) if acc.assumed else ()
        return acc, flags, acc.name + (f"; {acc.max_source}" if acc.assumed else "")
    measured = [a for a in table.values() if not a.assumed and not a.name.startswith("TPU")]
    avg = cf.AcceleratorPower("average GPU", statistics.fmean(a.idle_w for a in measured),
                              statistics.fmean(a.max_w for a in measured), True, "mean of the GPU table")
    return avg, ("gpu_power_assumed",), f"model '{name or 'unknown'}' not in table: ASSUMED mean of the GPU table"


def _replication(line: Line, cls: Classification) -> float:
    if line.provider == "aws":
        return aws_replication(cls.service, cls.usage_type)
    if line.provider == "gcp":
        return gcp_replication(cls.service, cls.usage_type)
    by_service = azure_replication(cls.service, cls.usage_type)
    if by_service == 1.0 and cls.category in (STORAGE_SSD, STORAGE_HDD):
        # no factor for the service: the meter's redundancy (LRS, ZRS, GRS, managed disks), as FOCUS
        # exports name the consuming service (e.g. Virtual Machines) where cost details say "Storage"
        return azure_replication("Storage", cls.usage_type)
    return by_service


def _estimate(cls: Classification, pue: float, it_wh: tuple[float, float, float], basis: list[str],
              flags: list[str], embodied: tuple[float, str] = (0.0, ""), category: str | None = None) -> Estimate:
    return Estimate(category=category or cls.category, status=ESTIMATED, pue=pue, it_low=it_wh[0] / 1000.0,
                    it_central=it_wh[1] / 1000.0, it_high=it_wh[2] / 1000.0, embodied_kg=embodied[0],
                    basis="; ".join(basis), flags=sorted(set(flags + cls.flags)), embodied_basis=embodied[1])


def _power_terms(provider: str, vcpus: float, archs: tuple[str, ...], utils: tuple[float, float, float],
                 flags: list[str]) -> tuple[tuple[float, float, float], str, float | None]:
    low_w, high_w, per_chip, label, more = _cpu_coefficients(provider, archs)
    flags.extend(more)
    watts = tuple(vcpus * linear_watts(low_w, high_w, u) for u in utils)
    text = f"{fmt(vcpus)} vCPU × {linear_text(low_w, high_w, utils[1])} W [{label}]"
    return watts, text, per_chip  # type: ignore[return-value]


def _accelerator_terms(count: float, name: str, utils: tuple[float, float, float],
                       flags: list[str]) -> tuple[tuple[float, float, float], str]:
    acc, more, note = _accelerator(name)
    flags.extend(more)
    watts = tuple(count * linear_watts(acc.idle_w, acc.max_w, u) for u in utils)
    text = f"{fmt(count)} × {linear_text(acc.idle_w, acc.max_w, utils[1])} W [{note}]"
    return watts, text  # type: ignore[return-value]


def _vcpu_rule(line: Line, cls: Classification) -> tuple[float, str] | None:
    """Lines priced per service unit that CCF (and we) convert to vCPUs."""
    usage, service = cls.usage_type, cls.service
    if line.provider == "aws":
        if service == "AWSGlue":
            per_dpu = cf.ccf_constant("aws", "glue_vcpus_per_dpu")
            return per_dpu, f"{fmt(per_dpu)} vCPU per DPU-hour (CCF)"
        if service == "AmazonSimpleDB":
            return 1.0, "1 vCPU per hour (CCF)"
        if "Aurora:ServerlessUsage" in usage:
            per_vcpu = cf.ccf_constant("aws", "aurora_serverless_acu_per_vcpu")
            return 1 / per_vcpu, f"ACU-hours / {fmt(per_vcpu)} (CCF)"
        if "CPUCredits" in usage or "vCPU-Hours" in usage:
            return 1.0, "vCPU-hours as billed"
    if line.provider == "gcp":
        if "Kubernetes Clusters" in usage:
            return cf.ccf_constant("gcp", "vcpus_per_gke_cluster"), "3 vCPU per GKE cluster (CCF)"
        if "Cloud Composer" in usage:
            return cf.ccf_constant("gcp", "vcpus_per_composer_environment"), "14 vCPU per environment (CCF)"
    return None


def instance_hours(line: Line, cls: Classification, pue: float) -> Estimate:
    if _vcpu_rule(line, cls):
        return vcpu_hours(line, cls, pue)
    hours = line.quantity * cls.unit.pack
    name = _instance_name(line, cls)
    spec = cf.instance(line.provider, name)
    vcpus = line.vcpus or (spec.vcpus if spec else None) or cls.meter_vcpus
    if not vcpus:
        what = f"instance type '{name}' not in the table" if name else f"no instance type in '{cls.usage_type}'"
        return zero(COMPUTE, STATUS_UNCLASSIFIED, f"{what} and no vCPU count on the bill",
                    ["instance_type_unknown", *cls.flags])
    # a server priced per vCore has no instance type: its meter's vCore count describes it
    from_meter = not line.vcpus and not spec
    flags: list[str] = ["vcpus_from_meter"] if from_meter else [] if spec else ["instance_type_unknown"]
    if spec and spec.source.startswith("CCF"):
        flags.append("instance_from_ccf_table")
    utils = _util("cpu_utilisation")
    burst = cf.ccf_aws_burstable().get(name) if line.provider == "aws" else None
    if burst is not None:
        utils = (min(utils[0], burst / 100), burst / 100, utils[2])
        flags.append("burstable_baseline")
    cpu_w, cpu_text, per_chip = _power_terms(line.provider, vcpus, spec.microarchitectures if spec else (), utils,
                                             flags)
    watts = list(cpu_w)
    parts = [cpu_text + (f" (burstable: baseline {fmt(burst)} % as central utilisation)" if burst else "")
             + (f" (vCPUs from the meter '{cls.usage_type}')" if from_meter else "")]
    count = line.gpus or (spec.accelerators if spec else None)
    if count:
        acc_w, acc_text = _accelerator_terms(count, spec.accelerator if spec else "", _util("gpu_utilisation"), flags)
        watts = [w + a for w, a in zip(watts, acc_w, strict=True)]
        parts.append(acc_text)
    memory = line.memory_gb or (spec.memory_gb if spec else None)
    if memory and per_chip:
        per_vcpu = per_chip / cf.model_constant("vcpus_per_chip")[1]
        extra = max(0.0, memory - vcpus * per_vcpu)
        w_per_gb = cf.model_constant("memory_w_per_gb")[1]
        mem_w = extra * w_per_gb
        watts = [w + mem_w for w in watts]
        parts.append(f"memory max(0, {fmt(memory)} − {fmt(vcpus)} × {fmt(per_vcpu)}) GiB × {fmt(w_per_gb)} W/GiB")
    rf = _replication(line, cls)
    total = tuple(w * hours * rf for w in watts)
    hours_text = f"{fmt(line.quantity)} × '{cls.unit.text}' = {fmt(hours)} h" if cls.unit.pack != 1 else \
        f"{fmt(hours)} h"
    basis = [" + ".join(parts) + f" = {fmt(watts[1])} W × {hours_text}" + (f" × {fmt(rf)} replicas" if rf != 1 else "")]
    embodied = _embodied(spec, vcpus, hours * rf, flags)
    text = _embodied_text(spec, embodied, vcpus, hours * rf)
    return _estimate(cls, pue, total, basis, flags, (embodied, text))  # type: ignore[arg-type]


def _instance_name(line: Line, cls: Classification) -> str:
    name = cls.instance_type
    if line.provider == "aws":
        match = re.match(r"^([a-z0-9-]+\.[a-z0-9-]+)", name)
        return match.group(1) if match else name
    return name


def _embodied_text(spec: cf.InstanceSpec | None, embodied_kg: float, vcpus: float, hours: float) -> str:
    """How an instance's share of its platform's manufacturing emissions was allocated."""
    if not spec or not embodied_kg or not spec.platform_vcpus:
        return ""
    lifespan_h = cf.model_constant("server_lifespan_h")[1]
    return (f"embodied {fmt(embodied_kg)} kg CO2e = platform {fmt(spec.platform_embodied_kg or 0.0)} kg"
            f" [{spec.source}] × {fmt(hours)} h / {lifespan_h:,.0f} h × {fmt(vcpus)}/{fmt(spec.platform_vcpus)}"
            " vCPU (kept apart from energy)")


def _embodied(spec: cf.InstanceSpec | None, vcpus: float, hours: float, flags: list[str]) -> float:
    if not spec or not spec.platform_embodied_kg or not spec.platform_vcpus:
        flags.append("embodied_unknown")
        return 0.0
    share = min(1.0, vcpus / spec.platform_vcpus)
    return spec.platform_embodied_kg * hours / cf.model_constant("server_lifespan_h")[1] * share


def vcpu_hours(line: Line, cls: Classification, pue: float) -> Estimate:
    """Lines billed per vCPU: GCP core-seconds, Fargate vCPU-hours, Lambda GB-seconds, Azure vCore-hours."""
    flags: list[str] = ["vcpus_from_meter"] if cls.meter_vcpus else []
    quantity = line.quantity * cls.unit.pack
    if cls.kind == "lambda" and ("GB-Second" in cls.usage_type or cls.unit.base == "gb_second"):
        mb_per_vcpu = cf.model_constant("lambda_mb_per_vcpu")[1]
        hours = quantity * 1024.0 / mb_per_vcpu / 3600.0
        note = f"{fmt(quantity)} GB-s × 1024 / {fmt(mb_per_vcpu)} MB per vCPU / 3600"
    else:
        hours = quantity / 3600.0 if cls.unit.base in ("second", "gb_second") else quantity
        note = "seconds / 3600" if cls.unit.base == "second" else "hours"
    rule = _vcpu_rule(line, cls)
    if rule:
        hours, note = hours * rule[0], f"{note}; {rule[1]}"
    archs: tuple[str, ...] = ()
    spec = cf.instance(line.provider, cls.instance_type)
    if spec:
        archs = spec.microarchitectures
    elif line.provider == "gcp" and (match := GCP_FAMILY.match(cls.usage_type)):
        archs = cf.family_microarchitectures("gcp", match.group(1).lower())
    elif cls.usage_type.endswith("-ARM") or "Fargate-ARM-" in cls.usage_type:
        archs = ("Graviton2",)  # Lambda and Fargate on ARM run on Graviton2
    watts, text, _ = _power_terms(line.provider, 1.0, archs, _util("cpu_utilisation"), flags)
    rf = _replication(line, cls)
    total = tuple(w * hours * rf for w in watts)
    basis = [f"{fmt(hours)} vCPU-h ({note}) × {text.replace('1 vCPU × ', '')}" + (f" × {fmt(rf)}" if rf != 1 else "")]
    embodied = 0.0
    if spec and spec.platform_embodied_kg and spec.platform_vcpus:
        embodied = spec.platform_embodied_kg * hours / spec.platform_vcpus / cf.model_constant("server_lifespan_h")[1]
    else:
        flags.append("embodied_unknown")
    text = _embodied_text(spec, embodied, 1.0, hours)
    return _estimate(cls, pue, total, basis, flags, (embodied, text), category=COMPUTE)  # type: ignore[arg-type]


def accelerator_hours(line: Line, cls: Classification, pue: float) -> Estimate:
    """GCP GPU and TPU SKUs billed per accelerator-second."""
    quantity = line.quantity * cls.unit.pack
    hours = quantity / 3600.0 if cls.unit.base == "second" else quantity
    flags: list[str] = ["embodied_unknown"]
    watts, text = _accelerator_terms(1.0, accelerator_from_text(cls.usage_type + " " + cls.service),
                                     _util("gpu_utilisation"), flags)
    total = tuple(w * hours for w in watts)
    basis = [f"{fmt(hours)} accelerator-h × {text.replace('1 × ', '')}"]
    return _estimate(cls, pue, total, basis, flags, category=COMPUTE)  # type: ignore[arg-type]


def storage(line: Line, cls: Classification, pue: float) -> Estimate:
    base, pack, q = cls.unit.base, cls.unit.pack, line.quantity
    month_h = hours_in_month(line.start)
    if base == "gb_month":
        tbh = gb_months_to_tb_hours(q * pack, line.start)
        note = f"{fmt(q * pack)} GiB-months × 1.0737 GB/GiB × {fmt(month_h)} h"
    elif base == "tb_month":
        tbh = q * pack * BYTES_PER_TIB / 1e12 * month_h
        note = f"{fmt(q * pack)} TiB-months × {fmt(month_h)} h"
    elif base == "gb_hour":
        tbh, note = gib_to_tb(q * pack), f"{fmt(q * pack)} GiB-hours × 1.0737 GB/GiB"
    elif base == "byte_hour":
        tbh, note = byte_hours_to_tb_hours(q * pack), f"{fmt(q * pack)} byte-hours / 10^12"
    elif base == "byte_second":
        tbh, note = byte_seconds_to_tb_hours(q * pack), f"{fmt(q * pack)} byte-seconds / 10^12 / 3600"
    elif base == "count_month" and (size := _disk_size(cls.usage_type)):
        tbh = gib_to_tb(size * q * pack) * month_h
        note = f"{fmt(q * pack)} disk-months × {fmt(size)} GiB provisioned × {fmt(month_h)} h"
    else:
        return zero(UNCLASSIFIED, STATUS_UNCLASSIFIED, f"storage quantity in '{cls.unit.text}' has no capacity")
    coeff = cf.model_constant("ssd_wh_per_tbh" if cls.category == STORAGE_SSD else "hdd_wh_per_tbh")[1]
    rf = _replication(line, cls)
    wh = tbh * coeff * rf
    basis = [f"{fmt(tbh)} TB-h ({note}) × {coeff} Wh/TBh × {fmt(rf)} replicas"]
    return _estimate(cls, pue, (wh, wh, wh), basis, [])


@lru_cache(maxsize=4096)
def _disk_size(meter: str) -> float | None:
    for table in ("ssd_managed_disk_gb", "hdd_managed_disk_gb"):
        for key, size in cf.usage_map("azure", table).items():
            if re.search(rf"\b{re.escape(key)}\b", meter):
                return size
    return None


def memory(line: Line, cls: Classification, pue: float) -> Estimate:
    base, q = cls.unit.base, line.quantity * cls.unit.pack
    if base == "byte_second":
        gibh, note = byte_seconds_to_gib_hours(q), "byte-seconds / 2^30 / 3600"
    elif base == "gb_second":
        gibh, note = seconds_to_hours(q), "GiB-seconds / 3600"
    elif base in ("gb_hour", "hour"):
        cache = cf.usage_map("azure", "cache_memory_gb").get(cls.usage_type.split(" ")[0]) if "Cache" in \
            cls.usage_type else None
        gibh, note = (q * cache, f"{fmt(cache)} GiB cache × hours") if cache else (q, "GiB-hours")
    else:
        return zero(UNCLASSIFIED, STATUS_UNCLASSIFIED, f"memory quantity in '{cls.unit.text}' not understood")
    w_per_gb = cf.model_constant("memory_w_per_gb")[1]
    rf = _replication(line, cls)
    wh = gibh * w_per_gb * rf
    basis = [f"{fmt(gibh)} GiB-h ({note}) × {w_per_gb} W/GiB" + (f" × {fmt(rf)} replicas" if rf != 1 else "")]
    return _estimate(cls, pue, (wh, wh, wh), basis, [], category=MEMORY)


def networking(line: Line, cls: Classification, pue: float) -> Estimate:
    base, q = cls.unit.base, line.quantity * cls.unit.pack
    if base == "byte":
        gigabytes, note = bytes_to_gb(q), "bytes / 10^9"
    elif base == "tb":
        gigabytes, note = gib_to_gb(q * 1024.0), "TiB × 1024 × 1.0737"
    else:
        gigabytes, note = gib_to_gb(q), "billed GiB × 1.0737"
    coeff = cf.model_constant(f"network_{cls.network_type}_kwh_per_gb")
    wh = tuple(gigabytes * c * 1000.0 for c in coeff)
    basis = [f"{fmt(gigabytes)} GB ({note}) × {coeff[1]} kWh/GB [{cls.network_type} transfer;"
             f" range {coeff[0]}–{coeff[2]}]"]
    return _estimate(cls, pue, wh, basis, [])  # type: ignore[arg-type]


def default_line(line: Line, cls: Classification) -> Estimate:
    if cls.category == UNSUPPORTED:
        return zero(UNSUPPORTED, STATUS_UNSUPPORTED, cls.reason, cls.flags)
    if cls.category == UNCLASSIFIED:
        return zero(UNCLASSIFIED, STATUS_UNCLASSIFIED, cls.reason, cls.flags)
    pue, source = cf.pue(line.provider, line.region, "default")
    handlers = {"instance": instance_hours, "vcpu": vcpu_hours, "lambda": vcpu_hours,
                "accelerator": accelerator_hours, "storage": storage, "memory": memory, "network": networking}
    est = networking(line, cls, pue) if cls.category == NETWORKING else handlers[cls.kind](line, cls, pue)
    if est.status == ESTIMATED:
        est.basis += f"; × PUE {pue} [{source}]" + (f"; {est.embodied_basis}" if est.embodied_basis else "")
    return est

