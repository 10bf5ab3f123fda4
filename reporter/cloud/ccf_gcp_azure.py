"""ccf mode for Google Cloud (BigQuery billing export) and Azure (usage details) lines."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from reporter.cloud import coefficients as cf
from reporter.cloud.ccf import (
    CENTRAL,
    compute_kwh,
    embodied_tco2e,
    extra_memory_gbh,
    finish,
    memory_gb_per_chip,
    memory_w_text,
    network,
    not_estimated,
    processor_list,
    watts,
)
from reporter.cloud.classify import COMPUTE, MEMORY, NETWORKING, Classification, contains_any
from reporter.cloud.model import Estimate, Line, fmt, linear_text
from reporter.cloud.replication import azure_replication, gcp_replication
from reporter.cloud.units import BYTES_PER_GIB, BYTES_PER_TIB

SHARED_CORE = ("e2-micro", "e2-small", "e2-medium", "f1-micro", "g1-small")
COMPOSER = ("Cloud Composer Compute CPUs", "Cloud Composer vCPU", "Cloud Composer SQL vCPU")

# --- GCP -----------------------------------------------------------------------------------------


def gcp_machine(machine: str) -> tuple[float | None, float | None, float | None]:
    """(vCPUs, embodied t, vCPUs of the last size listed for the family) from CCF's GCP tables."""
    if not machine:
        return None, None, None
    tables = cf.ccf_gcp_machines()
    family = "-".join(machine.split("-")[:2])
    first = machine.split("-")[0]
    for key in (f"family:{family}", f"shared:{first}", "n1_shared_core"):
        row = tables.get(key, {}).get(machine)
        if row:
            return float(row["vcpus"]), float(row["embodied_tco2e"]), float(row["family_last_vcpus"])
    table = tables.get(f"family:{family}") or tables.get(f"shared:{first}") or tables["n1_shared_core"]
    return None, None, float(list(table.values())[-1]["family_last_vcpus"])


def gcp_processors(machine: str, usage: str, gpu: bool) -> tuple[str, ...]:
    prefixes, gpu_list = cf.ccf_gcp_processors()
    if gpu:
        found = tuple(p for p in gpu_list if usage.startswith(p))
        return found or tuple(gpu_list)
    if not machine:
        return ("Unknown",)
    shared = next((core for core in SHARED_CORE if core in machine), None)
    return tuple(prefixes.get(shared or machine[:2].lower(), ("Unknown",)))


def gcp_amount(line: Line) -> float:
    """CCF divides 'Pod mCPU Requests' amounts by 1000 (millicores)."""
    return line.quantity / 1000.0 if "Pod mCPU Requests" in line.usage_type else line.quantity


def gcp_line(line: Line, cls: Classification) -> Estimate:
    region = line.region or "unknown"
    pue, _ = cf.pue("gcp", region, "ccf")
    amount = gcp_amount(line)
    rf = gcp_replication(cls.service, cls.usage_type)
    if cls.category == COMPUTE:
        return _gcp_compute(line, cls, pue, rf, amount)
    if cls.category == MEMORY:
        gbh = amount / BYTES_PER_GIB / 3600.0
        kwh = gbh * cf.ccf_constant("gcp", "memory_kwh_per_gbh") * pue
        basis = [f"{fmt(gbh)} GB-h (byte-seconds / 1024^3 / 3600) × {memory_w_text('gcp')} × PUE {pue}"]
        return finish(cls, line, pue, (kwh, kwh, kwh), 0.0, basis, accumulate=True)
    if cls.kind == "storage":
        tbh = amount / BYTES_PER_TIB / 3600.0
        coeff = cf.ccf_constant("gcp", "ssd_wh_per_tbh" if cls.category == "storage_ssd" else "hdd_wh_per_tbh")
        kwh = tbh * coeff * pue * rf / 1000.0
        basis = [f"{fmt(tbh)} TB-h (byte-seconds / 1024^4 / 3600) × {coeff} Wh/TBh × PUE {pue} × RF {fmt(rf)}"]
        return finish(cls, line, pue, (kwh, kwh, kwh), 0.0, basis, accumulate=True)
    if cls.category == NETWORKING:
        return network(line, cls, pue, amount / BYTES_PER_GIB, "bytes / 1024^3")
    return not_estimated(cls)


def _gcp_compute(line: Line, cls: Classification, pue: float, rf: float, amount: float) -> Estimate:
    usage = cls.usage_type
    machine = cls.instance_type
    multiplier, note = 1.0, "seconds / 3600"
    if contains_any(COMPOSER, usage):
        multiplier, note = cf.ccf_constant("gcp", "vcpus_per_composer_environment"), "x 14 vCPU per environment"
        machine = "e2-medium"
    elif "Kubernetes Clusters" in usage:
        multiplier, note = cf.ccf_constant("gcp", "vcpus_per_gke_cluster"), "x 3 vCPU per cluster"
        machine = "e2-medium"
    vcpu_h = amount / 3600.0 * multiplier
    vcpus, total_t, largest = gcp_machine(machine)
    if line.ccf_lookup and machine and vcpus:
        vcpu_h, note = vcpus * vcpu_h, f"CCF lookup table: {fmt(vcpus)} vCPU × hours"
    gpu = "GPU" in usage
    hours = amount / 3600.0 if gpu else vcpu_h
    low_w, high_w, procs = watts("gcp", gcp_processors(machine, usage, gpu))
    it = compute_kwh(low_w, high_w, hours, pue, rf)
    label = "GPU-h" if gpu else "vCPU-h"
    basis = [f"{fmt(hours)} {label} ({note}) × {linear_text(low_w, high_w, CENTRAL)} W"
             f" [{procs}] × PUE {pue} × RF {fmt(rf)}"]
    embodied = 0.0
    if vcpus and total_t and largest:
        embodied = embodied_tco2e(total_t, amount / vcpus / 3600.0, vcpus, largest, "gcp")
    est = finish(cls, line, pue, it, embodied, basis, accumulate=False, region=line.region or "unknown")
    est.ccf_accumulate = it  # CCF adds only the compute part to its ratio
    return est


# --- Azure ---------------------------------------------------------------------------------------


def _azure_vm(meter: str) -> tuple[dict[str, str] | None, dict[str, str] | None, dict[str, str] | None]:
    tables = cf.ccf_azure_tables()
    return tables["series"].get(meter), tables["vcpu_memory"].get(meter), tables["constrained"].get(meter)


def _azure_memory_gbh(line: Line, meter: str, amount: float) -> float:
    if line.unit in ("1 GB Second", "50000 GB Seconds"):
        return amount / 3600.0
    if line.unit == "1 GB Hour":
        return amount
    if meter in cf.usage_list("azure", "memory_usage_type"):
        if "Cache" in meter:
            return cf.usage_map("azure", "cache_memory_gb").get(meter.split(" ")[0], math.nan) * amount
        return amount
    series, _, _ = _azure_vm(meter)
    if not series or not series["memory_gb"]:
        return 0.0
    proc_row = cf.ccf_azure_tables()["processors"].get(meter)
    procs = processor_list(proc_row["processors"] if proc_row else None)
    chips = math.ceil(float(series["series_last_vcpus"]) / 96)
    return extra_memory_gbh(chips, float(series["series_last_memory_gb"]), memory_gb_per_chip("azure", procs),
                            float(series["memory_gb"]), amount)


def _azure_compute(line: Line, cls: Classification, pue: float, rf: float, amount: float) -> Estimate:
    meter = cls.usage_type
    series, vcpu_mem, constrained = _azure_vm(meter)
    source = series or vcpu_mem or constrained
    vcpus = float(source["vcpus"]) if source and source["vcpus"] else 1.0
    proc_row = cf.ccf_azure_tables()["processors"].get(meter)
    procs = processor_list(proc_row["processors"] if proc_row else None)
    low_w, high_w, names = watts("azure", procs)
    it = compute_kwh(low_w, high_w, amount * vcpus, pue, rf)
    basis = [f"{fmt(amount)} × '{line.unit}' read as {fmt(amount)} h (CCF does not scale packs) × {fmt(vcpus)} vCPU"
             f" × {linear_text(low_w, high_w, CENTRAL)} W [{names}] × PUE {pue} × RF {fmt(rf)}"]
    if _names_azure_gpu_vm(meter):
        gpu_row = _azure_gpu_vms().get(meter)
        gpus = float(gpu_row["gpus"]) if gpu_row else 1.0
        gpu_procs = processor_list(gpu_row["gpu_processors"] if gpu_row else None)
        g_low, g_high, g_names = watts("azure", gpu_procs)
        gpu_it = compute_kwh(g_low, g_high, amount * gpus, pue, rf)
        it = (it[0] + gpu_it[0], it[1] + gpu_it[1], it[2] + gpu_it[2])
        basis.append(f"{fmt(amount * gpus)} GPU-h × {linear_text(g_low, g_high, CENTRAL)} W [{g_names}]")
    mem_gbh = _azure_memory_gbh(line, meter, amount)
    mem = 0.0 if math.isnan(mem_gbh) else mem_gbh * cf.ccf_constant("azure", "memory_kwh_per_gbh") * pue * rf
    embodied = 0.0
    inst_vcpu = (series or constrained or {}).get("vcpus")
    total = series["embodied_tco2e"] if series else (constrained or {}).get("embodied_tco2e")
    largest = series["series_last_vcpus"] if series else (constrained or {}).get("platform_vcpus")
    if inst_vcpu and total and largest:
        embodied = embodied_tco2e(float(total), amount / float(inst_vcpu), float(inst_vcpu), float(largest), "azure")
    if mem:
        basis.append(f"memory {fmt(mem_gbh)} GB-h above SPECpower GB/chip × {memory_w_text('azure')}")
        it = (it[0] + mem, it[1] + mem, it[2] + mem)
    # (lookup-table rows already carry CCF's 'unknown' region: see estimate._ccf)
    return finish(cls, line, pue, it, embodied, basis, accumulate=True)


@lru_cache(maxsize=1)
def _azure_gpu_vms() -> dict[str, dict[str, str]]:
    """CCF's Azure VM rows that have GPUs."""
    return {vm: row for vm, row in cf.ccf_azure_tables()["processors"].items() if row["gpus"]}


@lru_cache(maxsize=16384)
def _names_azure_gpu_vm(meter: str) -> bool:
    """Whether the meter mentions one of CCF's Azure GPU VM names."""
    return contains_any(tuple(_azure_gpu_vms()), meter)


def _azure_storage_tbh(line: Line, meter: str, amount: float) -> tuple[float, str]:
    ssd = cf.usage_map("azure", "ssd_managed_disk_gb")
    hdd = cf.usage_map("azure", "hdd_managed_disk_gb")
    registry = cf.usage_map("azure", "container_registry_gb")
    if line.unit == "1 TB/Month":
        return amount * 24.0, "TB × 24 h (CCF)"
    managed = contains_any(tuple(ssd) + tuple(hdd), meter)
    match = re.search(r"(P|E)\d{1,2}", meter)
    if managed and contains_any(tuple(ssd), meter) and match:
        size = ssd.get(match.group(0), math.nan)
        return size / 1000.0 * 24.0, f"disk {match.group(0)} = {fmt(size)} GB × 24 h (CCF ignores quantity)"
    if managed and contains_any(tuple(hdd), meter):
        size = hdd.get(re.sub(r"Disks?", "", meter, count=1).strip(), math.nan)
        return size / 1000.0 * 24.0, f"disk {fmt(size)} GB × 24 h (CCF ignores quantity)"
    for name, size in registry.items():
        if f"{name} Registry Unit" in meter:
            return size / 1000.0 * 24.0, f"registry {fmt(size)} GB × 24 h"
    return amount / 1000.0 * 24.0, "GB / 1000 × 24 h (CCF reads a GB-month as one day)"


def azure_line(line: Line, cls: Classification) -> Estimate:
    pue, _ = cf.pue("azure", line.region, "ccf")
    rf = azure_replication(cls.service, cls.usage_type)
    amount = line.quantity
    if cls.category == COMPUTE:
        return _azure_compute(line, cls, pue, rf, amount)
    if cls.category == MEMORY:
        gbh = _azure_memory_gbh(line, cls.usage_type, amount)
        gbh = 0.0 if math.isnan(gbh) else gbh
        kwh = gbh * cf.ccf_constant("azure", "memory_kwh_per_gbh") * pue * rf
        # CCF adds memory-unit lines to its ratio, but not memory meters billed in hours
        accumulate = line.unit not in cf.usage_list("azure", "compute_usage_unit")
        return finish(cls, line, pue, (kwh, kwh, kwh), 0.0, [f"{fmt(gbh)} GB-h × {memory_w_text('azure')} × PUE {pue}"],
                      accumulate=accumulate)
    if cls.kind == "storage":
        tbh, note = _azure_storage_tbh(line, cls.usage_type, amount)
        tbh = 0.0 if math.isnan(tbh) else tbh
        coeff = cf.ccf_constant("azure", "ssd_wh_per_tbh" if cls.category == "storage_ssd" else "hdd_wh_per_tbh")
        kwh = tbh * coeff * pue * rf / 1000.0
        basis = [f"{fmt(tbh)} TB-h ({note}) × {coeff} Wh/TBh × PUE {pue} × RF {fmt(rf)}"]
        return finish(cls, line, pue, (kwh, kwh, kwh), 0.0, basis, accumulate=True)
    if cls.category == NETWORKING:
        gigabytes = amount * 1000.0 if "TB" in line.unit else amount
        return network(line, cls, pue, gigabytes, "pack size not applied (CCF)")
    return not_estimated(cls)
