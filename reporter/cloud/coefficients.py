"""Vendored coefficient tables for the cloud energy model (reporter/data/cloud/*.csv).

Every table is read once (functools.lru_cache) through importlib.resources; nothing here reads
configuration or any file outside the package. See reporter/data/cloud/SOURCES.md for where each
table comes from.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

DATA_PACKAGE = "reporter.data.cloud"
CCF_UNKNOWN_REGION = "unknown"


@lru_cache(maxsize=512)
def read_table(name: str) -> tuple[dict[str, str], ...]:
    """All rows of a vendored CSV as dicts of strings (read once)."""
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines()))


def _num(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


# --- usage-type lists ---------------------------------------------------------------------------


@lru_cache(maxsize=512)
def usage_list(provider: str, name: str, mode: str = "ccf") -> tuple[str, ...]:
    """Values of a classification list; ccf mode sees only CCF's own entries."""
    allowed = ("both", "ccf") if mode == "ccf" else ("both", "default")
    return tuple(r["value"] for r in read_table("usage_types.csv")
                 if r["provider"] == provider and r["list"] == name and r["modes"] in allowed)


@lru_cache(maxsize=512)
def usage_map(provider: str, name: str) -> dict[str, float]:
    """Keyed numeric lists (Azure disk sizes, cache sizes), in upstream order."""
    return {r["value"]: float(r["number"]) for r in read_table("usage_types.csv")
            if r["provider"] == provider and r["list"] == name}


@lru_cache(maxsize=512)
def aws_product_code(service: str) -> str:
    """CUR product code for an AWS service name or code ('Amazon Elastic Compute Cloud' -> 'AmazonEC2')."""
    wanted = service.strip().lower()
    for row in read_table("aws_services.csv"):
        if wanted in (row["product_code"].lower(), row["service_name"].lower()):
            return row["product_code"]
    return service.strip()


# --- CCF tables ---------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def ccf_constant(provider: str, name: str) -> float:
    for row in read_table("ccf_constants.csv"):
        if row["provider"] == provider and row["name"] == name:
            return float(row["value"])
    raise KeyError(f"no CCF constant {provider}/{name}")


@lru_cache(maxsize=512)
def ccf_processor_watts(provider: str) -> dict[str, tuple[float, float, float | None]]:
    """processor -> (min W, max W, GB per chip) as in CCF's constants for that provider."""
    return {r["processor"]: (float(r["min_watts"]), float(r["max_watts"]), _num(r["gb_per_chip"]))
            for r in read_table("ccf_processors.csv") if r["provider"] == provider}


@lru_cache(maxsize=512)
def ccf_aws_instances() -> dict[str, dict[str, str]]:
    return {r["instance_type"]: r for r in read_table("ccf_aws_instances.csv")}


@lru_cache(maxsize=512)
def ccf_aws_burstable() -> dict[str, float]:
    return {name: float(r["burstable_baseline_pct"]) for name, r in ccf_aws_instances().items()
            if r["burstable_baseline_pct"]}


@lru_cache(maxsize=512)
def ccf_aws_gpu_instances() -> dict[str, int]:
    return {name: int(r["gpus"]) for name, r in ccf_aws_instances().items() if r["gpus"]}


@lru_cache(maxsize=512)
def ccf_gcp_machines() -> dict[str, dict[str, dict[str, str]]]:
    """ccf_table -> machine type -> row (shared-core tables kept apart, as in CCF)."""
    tables: dict[str, dict[str, dict[str, str]]] = {}
    for row in read_table("ccf_gcp_machine_types.csv"):
        key = row["ccf_table"] if row["ccf_table"] != "family" else "family:" + row["family"]
        if row["ccf_table"] == "shared_core":
            key = "shared:" + row["family"]
        tables.setdefault(key, {})[row["machine_type"]] = row
    return tables


@lru_cache(maxsize=512)
def ccf_gcp_processors() -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """(machine-type prefix -> processors, list of GPU processors)."""
    prefixes: dict[str, tuple[str, ...]] = {}
    gpus: tuple[str, ...] = ()
    for row in read_table("ccf_gcp_processors.csv"):
        procs = tuple(p for p in row["processors"].split(";") if p)
        if row["kind"] == "gpu_list":
            gpus = procs
        else:
            prefixes[row["key"]] = procs
    return prefixes, gpus


@lru_cache(maxsize=512)
def ccf_azure_tables() -> dict[str, dict[str, dict[str, str]]]:
    """'series' (vm -> row of the last series listing it, as CCF's loop keeps), 'vcpu_memory',
    'constrained' and 'processors'."""
    out: dict[str, dict[str, dict[str, str]]] = {"series": {}, "vcpu_memory": {}, "constrained": {}, "processors": {}}
    for row in read_table("ccf_azure_vm_types.csv"):
        out[row["ccf_table"]][row["vm"]] = row
    out["processors"] = {r["vm"]: r for r in read_table("ccf_azure_processors.csv")}
    return out


@lru_cache(maxsize=512)
def _ccf_factors() -> dict[tuple[str, str, str], float]:
    return {(r["provider"], r["region"], r["variant"]): float(r["tco2e_per_kwh"])
            for r in read_table("ccf_region_factors.csv")}


def ccf_grid_factor(provider: str, region: str | None, variant: str = "location") -> float:
    """CCF's own grid factor (t CO2e per kWh) for a region, falling back to its 'Unknown' value.

    Values are CCF's published constants (2020-2022 data, location-based); GCP also has the
    'cfe_adjusted' variant. For checking parity with CCF only — not for reporting.
    """
    factors = _ccf_factors()
    key = (provider.lower(), (region or "").strip().lower(), variant)
    if key in factors:
        return factors[key]
    return factors[(provider.lower(), CCF_UNKNOWN_REGION, variant)]


# --- default-mode tables ------------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceSpec:
    provider: str
    instance_type: str
    family: str
    vcpus: float | None
    memory_gb: float | None
    microarchitectures: tuple[str, ...]
    accelerator: str
    accelerators: float | None
    platform_vcpus: float | None
    platform_embodied_kg: float | None
    source: str


@lru_cache(maxsize=512)
def _instances() -> dict[tuple[str, str], InstanceSpec]:
    table = {}
    for r in read_table("instances.csv"):
        spec = InstanceSpec(
            r["provider"], r["instance_type"], r["family"], _num(r["vcpus"]), _num(r["memory_gb"]),
            tuple(a for a in r["microarchitecture"].split(";") if a), r["accelerator"], _num(r["accelerators"]),
            _num(r["platform_vcpus"]), _num(r["platform_embodied_kgco2e"]), r["source"],
        )
        table[(r["provider"], r["instance_type"].lower())] = spec
    return table


def instance(provider: str, instance_type: str | None) -> InstanceSpec | None:
    """The default table's row, else (AWS) the row of CCF's instance table, marked as such in `source`."""
    if not instance_type:
        return None
    key = instance_type.strip().lower()
    found = _instances().get((provider, key))
    if found is None and provider == "aws":
        found = _ccf_aws_fallback().get(key)
    return found


def instances_with_accelerator(accelerator: str, providers: tuple[str, ...]) -> list[InstanceSpec]:
    """The default table's instances of `providers` that carry `accelerator` (its table name)."""
    return [spec for (provider, _), spec in _instances().items()
            if provider in providers and spec.accelerator == accelerator and spec.accelerators]


_CCF_ARCH_NAMES = {"AWS Graviton": "Graviton2", "AWS Graviton2": "Graviton2", "AMD EPYC 1st Gen": "EPYC 1st Gen",
                   "AMD EPYC 2nd Gen": "EPYC 2nd Gen", "AMD EPYC 3rd Gen": "EPYC 3rd Gen"}


@cache
def _ccf_aws_fallback() -> dict[str, InstanceSpec]:
    """CCF's AWS instance table (older families the default table lacks), in the default table's terms."""
    table = {}
    for name, r in ccf_aws_instances().items():
        archs = tuple(_CCF_ARCH_NAMES.get(a, a) for a in r["processors"].split(";") if a and a != "Unknown")
        embodied_t = _num(r["embodied_tco2e"])
        table[name.lower()] = InstanceSpec(
            "aws", name, r["family"], _num(r["vcpus"]), _num(r["memory_gb"]), archs,
            accelerator_from_text(r["gpu_processors"]) if r["gpu_processors"] else "", _num(r["gpus"]),
            _num(r["family_last_vcpus"]), embodied_t * 1000 if embodied_t is not None else None,
            "CCF AWSInstanceTypes table (instance not in the default table)",
        )
    return table


@lru_cache(maxsize=512)
def family_microarchitectures(provider: str, family_prefix: str) -> tuple[str, ...]:
    """Microarchitectures seen in a machine family ('n2' -> instances named n2-*)."""
    found: list[str] = []
    for (prov, name), spec in _instances().items():
        if prov == provider and re.match(re.escape(family_prefix) + r"[-.]", name):
            found.extend(a for a in spec.microarchitectures if a not in found)
    return tuple(found)


@lru_cache(maxsize=512)
def cpu_power(provider: str) -> dict[str, tuple[float, float, float | None]]:
    """microarchitecture -> (min W/vCPU, max W/vCPU, GB per chip), anomalous rows replaced."""
    rows = {r["microarchitecture"]: r for r in read_table("cpu_power.csv") if r["provider"] == provider}
    out = {}
    for arch, row in rows.items():
        use = rows.get(row["use_instead"], row) if row["use_instead"] else row
        out[arch] = (float(use["min_watts"]), float(use["max_watts"]), _num(use["gb_per_chip"]))
    return out


@dataclass(frozen=True)
class AcceleratorPower:
    name: str
    idle_w: float
    max_w: float
    assumed: bool
    max_source: str


@lru_cache(maxsize=512)
def accelerators() -> dict[str, AcceleratorPower]:
    return {r["accelerator"]: AcceleratorPower(r["accelerator"], float(r["idle_watts"]), float(r["max_watts"]),
                                               r["assumed"] == "yes", r["max_source"])
            for r in read_table("gpu_power.csv")}


ACCELERATOR_NAMES: list[tuple[str, str]] = [
    (r"H100 80GB Mega|H100 80GB|H100", "H100-SXM"), (r"H200", "H200"), (r"B200", "B200"),
    (r"A100 80GB", "A100-SXM-80GB"), (r"A100", "A100-SXM-40GB"), (r"L40S", "L40S"), (r"\bL4\b", "L4"),
    (r"\bT4\b", "T4"), (r"V100", "V100-SXM2"), (r"P100", "P100"), (r"\bP4\b", "P4"), (r"K80", "K80"),
    (r"M60", "M60"), (r"K520", "K520"), (r"A10G", "A10G"), (r"Radeon Pro V520", "Radeon Pro V520"),
    (r"TPU ?v6e|Trillium", "TPU v6e"), (r"TPU ?v5p", "TPU v5p"), (r"TPU ?v5e|TPU ?v5 ?lite", "TPU v5e"),
    (r"TPU ?v4", "TPU v4"), (r"TPU", "TPU"),
]


def accelerator_from_text(text: str) -> str:
    """The accelerator table's name for the first GPU or TPU model named in `text` ('' if none)."""
    for pattern, name in ACCELERATOR_NAMES:
        if re.search(pattern, text, re.I):
            return name
    return ""


@lru_cache(maxsize=512)
def model_constant(name: str) -> tuple[float, float, float]:
    """(low, central, high) of a default-mode constant."""
    for row in read_table("model_constants.csv"):
        if row["name"] == name:
            return float(row["low"]), float(row["central"]), float(row["high"])
    raise KeyError(f"no model constant {name}")


@lru_cache(maxsize=4096)
def pue(provider: str, region: str | None, mode: str) -> tuple[float, str]:
    """(PUE, source) for a provider region: exact match, then regex, then the provider default."""
    rows = [r for r in read_table("pue.csv") if r["mode"] == mode and r["provider"] == provider]
    wanted = (region or "").strip().lower()
    for kind in ("exact", "regex", "default"):
        for row in rows:
            if row["match"] != kind:
                continue
            if kind == "default" or (kind == "exact" and row["region"].lower() == wanted) or (
                kind == "regex" and wanted and re.fullmatch(row["region"], wanted)
            ):
                return float(row["pue"]), row["source"]
    raise KeyError(f"no PUE for {provider}")
