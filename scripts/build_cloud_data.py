"""Build the generated tables in reporter/data/cloud/ from upstream reference files.

Usage:
    python3 scripts/build_cloud_data.py CCF_SRC CCF_COEFFICIENTS CURATED

CCF_SRC is a checkout of cloud-carbon-footprint/cloud-carbon-footprint (the TypeScript tables
under packages/*/src are read as data); CCF_COEFFICIENTS is a folder holding the
cloud-carbon-footprint/ccf-coefficients `data/` and `output/` CSV files (flat, with a `data_` or
`output_` prefix); CURATED holds `cloud_gpu_instances.csv`. The hand-written tables in the same
folder (gpu_power.csv, pue.csv, usage_types.csv, ccf_constants.csv, ...) are not touched.

Output is deterministic: numbers are copied as written upstream, rows keep upstream order for the
CCF tables (CCF takes "the largest instance of a family" to be the last entry) and are sorted
elsewhere.
"""

from __future__ import annotations

import ast
import csv
import math
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "reporter" / "data" / "cloud"

# --- reading TypeScript object literals as data -------------------------------------------------


def _strip_comments(text: str) -> str:
    """Drop // and /* */ comments outside single- or double-quoted strings."""
    out: list[str] = []
    i, quote = 0, ""
    while i < len(text):
        char = text[i]
        if quote:
            out.append(char)
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            out.append(char)
        elif text.startswith("//", i):
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _enum_values(text: str, name: str) -> dict[str, str]:
    body = re.search(r"export enum " + name + r" \{(.*?)\n\}", text, re.S)
    if not body:
        raise SystemExit(f"enum {name} not found")
    return dict(re.findall(r"(\w+) = '([^']*)'", body.group(1)))


def _named_arrays(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"export const (\w+) = (\[[^\]]*\])", text, re.S)}


def _literal(text: str, name: str, subst: dict[str, str]) -> Any:
    """Evaluate `export const NAME ... = { ... }` as a Python literal after substitutions."""
    start = re.search(r"export const " + name + r"\b[^=]*=\s*", text)
    if not start:
        raise SystemExit(f"{name} not found")
    i = start.end()
    opener = text[i]
    closer = {"{": "}", "[": "]"}[opener]
    depth, j = 0, i
    while True:
        if text[j] == opener:
            depth += 1
        elif text[j] == closer:
            depth -= 1
            if depth == 0:
                break
        j += 1
    body = _strip_comments(text[i : j + 1])
    for key, value in sorted(subst.items(), key=lambda kv: -len(kv[0])):
        body = re.sub(r"(?<![\w.'])" + re.escape(key) + r"(?![\w'])", value, body)
    body = re.sub(r"\[('[^']*')\]\s*:", r"\1:", body)  # computed keys
    body = re.sub(r"(?m)^(\s*)([A-Za-z_$][\w$-]*)\s*:", r"\1'\2':", body)  # bare keys
    return ast.literal_eval(body)


def _substitutions(core: str, *extra: tuple[str, str]) -> dict[str, str]:
    """Identifier -> Python literal: processor enum members, CCF's named processor groups, other enums."""
    enum = {f"COMPUTE_PROCESSOR_TYPES.{k}": repr(v) for k, v in _enum_values(core, "COMPUTE_PROCESSOR_TYPES").items()}
    subst = dict(enum)
    for name, array in _named_arrays(core).items():
        for key, value in enum.items():
            array = array.replace(key, value)
        subst[name] = " ".join(array.split())
    for text, name in extra:
        subst.update({f"{name}.{k}": repr(v) for k, v in _enum_values(text, name).items()})
    return subst


def _write(name: str, header: list[str], rows: Iterable[list[Any]]) -> None:
    path = OUT / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            count += 1
    print(f"wrote {path.relative_to(REPO)} ({count} rows)")


# --- CCF tables (ccf mode) ---------------------------------------------------------------------


def build_ccf_aws(src: Path, core: str) -> None:
    text = (src / "packages/aws/src/lib/AWSInstanceTypes.ts").read_text()
    subst = _substitutions(core)
    ec2 = _literal(text, "EC2_INSTANCE_TYPES", subst)
    ufam = _literal(text, "INSTANCE_FAMILY_TO_INSTANCE_TYPE_MAPPING", subst)
    redshift = _literal(text, "REDSHIFT_INSTANCE_TYPES", subst)
    burst = _literal(text, "BURSTABLE_INSTANCE_BASELINE_UTILIZATION", subst)
    procs = _literal(text, "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING", subst)
    gpus = _literal(text, "GPU_INSTANCES_TYPES", subst)
    gpu_procs = _literal(text, "INSTANCE_TYPE_GPU_PROCESSOR_MAPPING", subst)
    rows: list[list[Any]] = []
    seen: set[str] = set()
    for table, families in (("ec2", ec2), ("u_family", ufam), ("redshift", redshift)):
        for family, sizes in families.items():
            largest = list(sizes.values())[-1]
            for size, values in sizes.items():
                name = f"{family}.{size}"
                seen.add(name)
                rows.append([
                    name, table, family, size, values[0], values[1], values[2] if len(values) > 2 else "",
                    largest[0], largest[1], ";".join(procs.get(name, [])), gpus.get(name, ""),
                    ";".join(gpu_procs.get(name, [])), burst.get(name, ""),
                ])
    for name in sorted(set(procs) | set(gpus) | set(burst)):
        if name not in seen:
            family, _, size = name.partition(".")
            rows.append([name, "mapping_only", family, size, "", "", "", "", "", ";".join(procs.get(name, [])),
                         gpus.get(name, ""), ";".join(gpu_procs.get(name, [])), burst.get(name, "")])
    _write("ccf_aws_instances.csv", [
        "instance_type", "ccf_table", "family", "size", "vcpus", "memory_gb", "embodied_tco2e",
        "family_last_vcpus", "family_last_memory_gb", "processors", "gpus", "gpu_processors",
        "burstable_baseline_pct",
    ], rows)


def build_ccf_gcp(src: Path, core: str) -> None:
    text = (src / "packages/gcp/src/lib/MachineTypes.ts").read_text()
    subst = _substitutions(core, (text, "SHARED_CORE_PROCESSORS"))
    procs = _literal(text, "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING", subst)
    gpu_list = _literal(text, "GPU_MACHINE_TYPES", subst)
    rows: list[list[Any]] = []
    for table in ("MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING", "MACHINE_FAMILY_SHARED_CORE_TO_MACHINE_TYPE_MAPPING"):
        for family, types in _literal(text, table, subst).items():
            last = list(types.values())[-1]
            for name, values in types.items():
                rows.append(["family" if table.startswith("MACHINE_FAMILY_TO") else "shared_core", family, name,
                             values[0], values[1], last[0]])
    n1 = _literal(text, "N1_SHARED_CORE_MACHINE_FAMILY_TO_MACHINE_TYPE_MAPPING", subst)
    last = list(n1.values())[-1]
    for name, values in n1.items():
        rows.append(["n1_shared_core", "", name, values[0], values[1], last[0]])
    _write("ccf_gcp_machine_types.csv",
           ["ccf_table", "family", "machine_type", "vcpus", "embodied_tco2e", "family_last_vcpus"], rows)
    proc_rows = [["cpu_prefix", key, ";".join(value)] for key, value in procs.items()]
    proc_rows.append(["gpu_list", "*", ";".join(gpu_list)])
    _write("ccf_gcp_processors.csv", ["kind", "key", "processors"], proc_rows)


def build_ccf_azure(src: Path, core: str) -> None:
    text = (src / "packages/azure/src/lib/VirtualMachineTypes.ts").read_text()
    subst = _substitutions(core)
    series = _literal(text, "VIRTUAL_MACHINE_TYPE_SERIES_MAPPING", subst)
    vcpu_mem = _literal(text, "VIRTUAL_MACHINE_TYPE_VCPU_MEMORY_MAPPING", subst)
    constrained = _literal(text, "VIRTUAL_MACHINE_TYPE_CONSTRAINED_VCPU_CAPABLE_MAPPING", subst)
    procs = _literal(text, "INSTANCE_TYPE_COMPUTE_PROCESSOR_MAPPING", subst)
    gpus = _literal(text, "GPU_VIRTUAL_MACHINE_TYPES", subst)
    gpu_procs = _literal(text, "GPU_VIRTUAL_MACHINE_TYPE_PROCESSOR_MAPPING", subst)
    rows: list[list[Any]] = []
    order = 0
    for name, types in series.items():
        last = list(types.values())[-1]
        for vm, values in types.items():
            order += 1
            rows.append(["series", name, vm, values[0], values[1], values[2] if len(values) > 2 else "",
                         last[0], last[1], "", order])
    for vm, values in vcpu_mem.items():
        rows.append(["vcpu_memory", "", vm, values[0], values[1] if len(values) > 1 else "", "", "", "", "", ""])
    for vm, values in constrained.items():
        rows.append(["constrained", "", vm, values[0], values[1], values[3], "", "", values[2], ""])
    _write("ccf_azure_vm_types.csv", [
        "ccf_table", "series", "vm", "vcpus", "memory_gb", "embodied_tco2e", "series_last_vcpus",
        "series_last_memory_gb", "platform_vcpus", "series_order",
    ], rows)
    names = list(dict.fromkeys([*procs, *gpus, *gpu_procs]))
    _write("ccf_azure_processors.csv", ["vm", "processors", "gpus", "gpu_processors"],
           [[vm, ";".join(procs.get(vm, [])), gpus.get(vm, ""), ";".join(gpu_procs.get(vm, []))] for vm in names])


def build_ccf_processor_watts(src: Path, core: str) -> None:
    rows: list[list[Any]] = []
    subst = _substitutions(core)
    for provider, name in (("aws", "Aws"), ("gcp", "Gcp"), ("azure", "Azure")):
        text = (src / f"packages/{provider}/src/domain/{name}FootprintEstimationConstants.ts").read_text()
        tables = {}
        for key in ("MIN_WATTS_BY_COMPUTE_PROCESSOR", "MAX_WATTS_BY_COMPUTE_PROCESSOR", "MEMORY_BY_COMPUTE_PROCESSOR"):
            m = re.search(key + r": \{(.*?)\n  \}", text, re.S)
            tables[key] = _literal(f"export const X = {{{m.group(1)}}}", "X", subst) if m else {}
        for proc, low in tables["MIN_WATTS_BY_COMPUTE_PROCESSOR"].items():
            rows.append([provider, proc, low, tables["MAX_WATTS_BY_COMPUTE_PROCESSOR"][proc],
                         tables["MEMORY_BY_COMPUTE_PROCESSOR"].get(proc, "")])
    _write("ccf_processors.csv", ["provider", "processor", "min_watts", "max_watts", "gb_per_chip"], rows)


def build_ccf_region_factors(reference: Path) -> None:
    with (reference / "ccf_region_factors.csv").open(newline="", encoding="utf-8") as handle:
        rows = [[r["provider"], r["region_lower"], r["variant"], r["tCO2e_per_kWh"], r["via"]]
                for r in csv.DictReader(handle)]
    _write("ccf_region_factors.csv", ["provider", "region", "variant", "tco2e_per_kwh", "via"], rows)


# --- default-mode instance table -----------------------------------------------------------------

# CPU model name -> microarchitecture. Compiled from Intel ARK / AMD product pages and the AWS
# instance-type documentation (processor generation per instance family).
CPU_RULES: list[tuple[str, str]] = [
    (r"Graviton4", "Graviton4"), (r"Graviton3E", "Graviton3E"), (r"Graviton3", "Graviton3"),
    (r"Graviton2|Annapurna", "Graviton2"), (r"Graviton", "Graviton2"),
    (r"Granite Rapids", "Granite Rapids"), (r"Emerald Rapids", "Emerald Rapids"),
    (r"Sapphire Rapids", "Sapphire Rapids"), (r"Ice Lake|8375C|8373C|8352", "Ice Lake"),
    (r"Cascade Lake|82[5-9]\dC?L?|8252C|8275CL|8280L|8259", "Cascade Lake"),
    (r"Skylake|8175|8176|8124|8151|8173M", "Skylake"),
    (r"Broadwell|E5-26\d\d v4|E7-8880 v4", "Broadwell"), (r"Haswell|E5-26\d\d [vV]3|E7[- ]8880 ?v3", "Haswell"),
    (r"E5-26\d\d [vV]2", "Ivy Bridge"), (r"E5-2665|E5-2670$", "Sandy Bridge"),
    (r"EPYC 9R45|EPYC 9[0-9]{2}5", "EPYC 5th Gen"), (r"EPYC 9R14|EPYC 9B14|EPYC 9[0-9]{2}4", "EPYC 4th Gen"),
    (r"EPYC 7R13|EPYC 7B13|EPYC 7[0-9]{2}3", "EPYC 3rd Gen"), (r"EPYC 7R32|EPYC 7B12|EPYC 7[0-9]{2}2", "EPYC 2nd Gen"),
    (r"EPYC 7571|EPYC 7[0-9]{2}1", "EPYC 1st Gen"), (r"i7-8700B", "Coffee Lake"),
]
# Where the open dataset names a CPU that contradicts the provider's documentation.
AWS_FAMILY_ARCH_OVERRIDE = {
    "p4d": "Cascade Lake",  # AWS: 2nd Gen Xeon Scalable (Cascade Lake P-8275CL)
    "p4de": "Cascade Lake",
    "p3dn": "Skylake",  # AWS: Xeon Platinum 8175 (Skylake)
    "p3": "Broadwell",  # AWS: Xeon E5-2686 v4 (Broadwell)
}


def _arch(cpu_name: str) -> str:
    for pattern, arch in CPU_RULES:
        if re.search(pattern, cpu_name):
            return arch
    return ""


def _embodied_kg(path: Path, key: str) -> dict[str, float]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {r[key]: float(r["total"]) for r in csv.DictReader(handle) if r.get("total")}


def _azure_api_name(vm: str) -> str:
    """'D2s v3' -> 'standard_d2s_v3' (the API name, lower case)."""
    return "standard_" + re.sub(r"[\s\-]+", "_", vm.strip()).lower()


def build_default_instances(coeff: Path, curated: Path) -> None:
    rows: dict[tuple[str, str], list[Any]] = {}
    aws_emb = _embodied_kg(coeff / "output_coefficients-aws-embodied.csv", "type")
    with (coeff / "data_aws-instances-latest-2026.csv").open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            name = r["Instance Type"].strip()
            family = name.split(".")[0]
            arch = AWS_FAMILY_ARCH_OVERRIDE.get(family) or _arch(r["Platform CPU Name"])
            emb = aws_emb.get(name)
            if emb is None and r["Platform Embedded Emissions (mtCo2eq)"]:
                emb = float(r["Platform Embedded Emissions (mtCo2eq)"]) * 1000.0
            rows[("aws", name)] = ["aws", name, family, r["vCPUs"], r["Memory (GiB)"], arch, "", "", "",
                                   "" if emb is None else emb, "ccf-coefficients data/aws-instances-latest-2026.csv"]
    with (coeff / "output_coefficients-gcp-embodied-mean.csv").open(newline="", encoding="utf-8") as handle:
        gcp_emb = {r["type"]: float(r["total_mean"]) for r in csv.DictReader(handle)}
    with (coeff / "data_gcp-instances-latest-2026.csv").open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            name = r["Instance Type"].strip()
            arch = r["Microarchitecture"].strip() or _arch(r["CPU Name"])
            emb = gcp_emb.get(name)
            rows[("gcp", name)] = ["gcp", name, r["Platform"].strip(), r["Instance vCPU"], r["Instance Memory"], arch,
                                   "", "", "", "" if emb is None else emb,
                                   "ccf-coefficients data/gcp-instances-latest-2026.csv"]
    az_emb: dict[str, float] = {}
    with (coeff / "output_coefficients-azure-embodied.csv").open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            az_emb[r["type"]] = max(az_emb.get(r["type"], 0.0), float(r["total"]))
    azure_arch: dict[str, list[str]] = {}
    with (coeff / "data_azure-instances.csv").open(newline="", encoding="utf-8") as handle:
        azure_rows = list(csv.DictReader(handle))
    for r in azure_rows:
        arch = r["Microarchitecture"].strip()
        if arch and arch != "Unknown":
            azure_arch.setdefault(r["Virtual Machine"].strip(), []).append(arch)
    with (OUT / "ccf_azure_processors.csv").open(newline="", encoding="utf-8") as handle:
        azure_gpu = {r["vm"]: r["gpu_processors"] for r in csv.DictReader(handle) if r["gpu_processors"]}
    for r in azure_rows:
        vm = r["Virtual Machine"].strip()
        name = _azure_api_name(vm)
        if ("azure", name) in rows:
            continue
        gpus = r["Instance GPUs"].strip()
        model = CCF_GPU_NAMES.get(azure_gpu.get(vm, ""), "") if gpus else ""
        rows[("azure", name)] = ["azure", name, r["Series"].strip(), r["Instance vCPUs"], r["Instance Memory"],
                                 ";".join(sorted(set(azure_arch.get(vm, [])))), model, gpus,
                                 r["Platform vCPUs (highest vCPU possible)"],
                                 az_emb.get(vm, ""), "ccf-coefficients data/azure-instances.csv"]
    with (curated / "cloud_gpu_instances.csv").open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            provider, name = r["provider"], r["instance_type"].strip()
            if provider == "azure":
                name = name.lower()
            key = (provider, name)
            model = _gpu_key(r["gpu_model"], r["gpu_form_factor"], r["gpu_memory_gb_each"])
            count = r["gpu_count"].strip()
            if "/" in count:
                num, den = count.split("/")
                count = repr(float(num) / float(den))
            old = rows.get(key)
            family = name.split(".")[0] if provider == "aws" else (old[2] if old else name.rsplit("-", 1)[0])
            arch = (old[5] if old else "") or AWS_FAMILY_ARCH_OVERRIDE.get(family, "")
            embodied: Any = (old[9] if old else "") or (aws_emb.get(name, "") if provider == "aws" else "")
            rows[key] = [provider, name, family, r["vcpu"], r["memory_gib"], arch, model, count,
                         old[8] if old else "", embodied,
                         "curated cloud_gpu_instances.csv" + ("; " + old[10] if old else "")]
    for provider, name, vcpus, memory, arch, model, count, source in EXTRA_ACCELERATED:
        if (provider, name) not in rows or not rows[(provider, name)][6]:
            old = rows.get((provider, name))
            arch = arch or (old[5] if old else "")
            rows[(provider, name)] = [provider, name, name.split(".")[0], vcpus, memory, arch, model, count, "",
                                      old[9] if old else "", source]
    for name, vcpus, memory, arch, source in _azure_v5_sizes():
        family = re.sub(r"^standard_([a-z]+)\d+([a-z]*)_v5$", r"\1\2_v5", name)
        rows.setdefault(("azure", name), ["azure", name, family, vcpus, memory, arch, "", "", "", "", source])
    for row in rows.values():
        if row[0] == "azure" and not row[5]:
            row[5] = next((arch for pattern, arch in AZURE_ARCH_RULES if re.search(pattern, row[1])), "")
    family_max: dict[tuple[str, str], float] = {}
    for row in rows.values():
        if row[3]:
            key = (row[0], row[2])
            family_max[key] = max(family_max.get(key, 0.0), float(row[3]))
    for row in rows.values():
        if not row[8] and (row[0], row[2]) in family_max:
            row[8] = _number(family_max[(row[0], row[2])])
    out = sorted(rows.values(), key=lambda row: (row[0], row[1]))
    _write("instances.csv", [
        "provider", "instance_type", "family", "vcpus", "memory_gb", "microarchitecture", "accelerator",
        "accelerators", "platform_vcpus", "platform_embodied_kgco2e", "source",
    ], out)


CCF_GPU_NAMES = {
    "Nvidia Tesla K80": "K80", "Nvidia Tesla P100": "P100", "Nvidia Tesla V100": "V100", "Nvidia T4": "T4",
    "Nvidia Tesla M60": "M60", "Nvidia Tesla P40": "P40", "Nvidia Tesla A100": "A100-SXM-40GB",
    "Xilinx Alveo U250": "",
}


# Processors of the Azure v5 D/E series, as listed in the "Host specifications" include of each
# series' size page (see AZURE_V5_DOCS): Intel Xeon Platinum 8370C (Ice Lake), 8473C (Sapphire
# Rapids), 8573C (Emerald Rapids); AMD EPYC 7763v (Milan, 3rd Gen), EPYC 9004 (Genoa, 4th Gen).
AZURE_V5_INTEL_3 = "Emerald Rapids;Ice Lake;Sapphire Rapids"  # Dv5, Dsv5, Ev5, Esv5
AZURE_V5_INTEL_2 = "Emerald Rapids;Ice Lake"  # Ddv5, Ddsv5, Edv5, Edsv5
AZURE_V5_AMD = "EPYC 3rd Gen;EPYC 4th Gen"  # Dasv5, Dadsv5, Easv5, Eadsv5

# Azure series whose processor the open dataset leaves "Unknown" (Azure VM size documentation).
AZURE_ARCH_RULES: list[tuple[str, str]] = [
    (r"_nc\d+ads_a100_v4$", "EPYC 3rd Gen"), (r"_nd96a(m)?sr(_a100)?_v4$", "EPYC 2nd Gen"),
    (r"_nd96isr_h100_v5$", "Sapphire Rapids"), (r"_nc\d+as_t4_v3$", "EPYC 2nd Gen"),
    (r"_nc\d+r?s_v3$", "Broadwell"), (r"_nd40rs_v2$", "Skylake"), (r"_nv\d+ads_a10_v5$", "EPYC 3rd Gen"),
    (r"_[de]\d+ad?s_v5$", AZURE_V5_AMD), (r"_[de]\d+ds?_v5$", AZURE_V5_INTEL_2),
    (r"_[de]\d+s?_v5$", AZURE_V5_INTEL_3),
]

# Azure v5 D/E size pages checked in 2026-11: MicrosoftDocs/azure-compute-docs,
# articles/virtual-machines/sizes/<folder>/<series>-series.md ("Sizes in series": vCPUs, memory)
# and <folder>/includes/<series>-series-specs.md (processors), at the commits
# (page, specs include) below. Key: (letter, suffix) of standard_<letter><vCPUs><suffix>_v5.
AZURE_V5_DOCS: dict[tuple[str, str], tuple[str, str, str, str, str]] = {
    # (letter, suffix): (series, folder, microarchitectures, page commit, specs commit)
    ("d", ""): ("Dv5", "general-purpose", AZURE_V5_INTEL_3, "2072bfd7", "1502ca28"),
    ("d", "s"): ("Dsv5", "general-purpose", AZURE_V5_INTEL_3, "005f8f6e", "1f02b877"),
    ("d", "d"): ("Ddv5", "general-purpose", AZURE_V5_INTEL_2, "05e75b14", "1f02b877"),
    ("d", "ds"): ("Ddsv5", "general-purpose", AZURE_V5_INTEL_2, "1421aebc", "1f02b877"),
    ("d", "as"): ("Dasv5", "general-purpose", AZURE_V5_AMD, "2072bfd7", "1502ca28"),
    ("d", "ads"): ("Dadsv5", "general-purpose", AZURE_V5_AMD, "3b30912d", "1f02b877"),
    ("e", ""): ("Ev5", "memory-optimized", AZURE_V5_INTEL_3, "05e75b14", "dbe4a806"),
    ("e", "s"): ("Esv5", "memory-optimized", AZURE_V5_INTEL_3, "0175d5fa", "dbe4a806"),
    ("e", "d"): ("Edv5", "memory-optimized", AZURE_V5_INTEL_2, "05e75b14", "6cb3ee96"),
    ("e", "ds"): ("Edsv5", "memory-optimized", AZURE_V5_INTEL_2, "1a043fb3", "8a14ba7e"),
    ("e", "as"): ("Easv5", "memory-optimized", AZURE_V5_AMD, "2e4af987", "883ff7bb"),
    ("e", "ads"): ("Eadsv5", "memory-optimized", AZURE_V5_AMD, "ab1d3891", "883ff7bb"),
}


def _azure_v5_sizes() -> list[tuple[str, str, str, str, str]]:
    """Dv5/Dsv5/Ddv5/Ddsv5/Dasv5/Dadsv5 (4 GiB per vCPU) and Ev5 variants (8 GiB per vCPU; E96 672 GiB).

    Only the 2-96 vCPU sizes shared by all twelve series (the documented E20, E104i and E112i
    sizes are not listed)."""
    out = []
    for (letter, suffix), (series, folder, arch, _, _) in AZURE_V5_DOCS.items():
        per_vcpu = 4 if letter == "d" else 8
        slug = series.lower()
        source = (f"Azure docs: {series} size series (learn.microsoft.com/azure/virtual-machines/sizes/{folder}/"
                  f"{slug}-series) checked 2026-11")
        for vcpus in (2, 4, 8, 16, 32, 48, 64, 96):
            memory = 672 if (letter == "e" and vcpus == 96) else vcpus * per_vcpu
            out.append((f"standard_{letter}{vcpus}{suffix}_v5", str(vcpus), str(memory), arch, source))
    return out


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


# Accelerated instances missing from the curated table. Checked in 2026-11 against the AWS
# "Amazon EC2 Instance Types" guide, page "Specifications for Amazon EC2 accelerated computing
# instances", table "Performance specifications" (memory GiB, processor, vCPUs, accelerators);
# it names the processors AMD EPYC 7R13 (p5), Intel Xeon Emerald Rapids (p6-b200), Intel Xeon
# Sapphire Rapids (trn2) and Intel Xeon P-8259L (inf1, Cascade Lake). Trainium2/Inferentia counts,
# vCPUs and host memory also agree with aws-neuron/aws-neuron-sdk
# general/arch/neuron-hardware/{trn2,inf1}-arch.rst. The H100 form factor of p5.4xlarge (SXM) is
# not stated there; it is the P5 family's (see the curated p5.48xlarge row).
AWS_AC_DOC = ("AWS docs: Specifications for Amazon EC2 accelerated computing instances "
              "(docs.aws.amazon.com/ec2/latest/instancetypes/ac.html) checked 2026-11")
EXTRA_ACCELERATED: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("aws", "p5.4xlarge", "16", "256", "EPYC 3rd Gen", "H100-SXM", "1", AWS_AC_DOC),
    ("aws", "p6-b200.48xlarge", "192", "2048", "Emerald Rapids", "B200", "8", AWS_AC_DOC),
    ("aws", "trn2.48xlarge", "192", "2048", "Sapphire Rapids", "Trainium2", "16", AWS_AC_DOC),
    ("aws", "inf1.xlarge", "4", "8", "Cascade Lake", "Inferentia", "1", AWS_AC_DOC),
    ("aws", "inf1.2xlarge", "8", "16", "Cascade Lake", "Inferentia", "1", AWS_AC_DOC),
    ("aws", "inf1.6xlarge", "24", "48", "Cascade Lake", "Inferentia", "4", AWS_AC_DOC),
    ("aws", "inf1.24xlarge", "96", "192", "Cascade Lake", "Inferentia", "16", AWS_AC_DOC),
]


def _gpu_key(model: str, form: str, memory: str) -> str:
    model = model.replace("NVIDIA ", "").replace("AWS ", "").strip()
    if model == "A100":
        return f"A100-{'SXM' if 'SXM' in form else 'PCIe'}-{memory}GB"
    if model == "H100":
        return "H100-SXM" if "SXM" in form else "H100-PCIe"
    if model == "V100":
        return "V100-SXM2" if "SXM" in form else "V100-PCIe"
    return {"Trainium": "Trainium", "Inferentia2": "Inferentia2"}.get(model, model)


def build_cpu_power(coeff: Path) -> None:
    rows = []
    for provider in ("aws", "gcp", "azure"):
        with (coeff / f"output_coefficients-{provider}-use.csv").open(newline="", encoding="utf-8") as handle:
            for r in csv.DictReader(handle):
                gb = r["GB/Chip"]
                if gb and math.isnan(float(gb)):
                    gb = ""
                note = ANOMALOUS_ARCH.get(r["Architecture"], "")
                rows.append([provider, r["Architecture"], r["Min Watts"], r["Max Watts"], gb, note])
    _write("cpu_power.csv", ["provider", "microarchitecture", "min_watts", "max_watts", "gb_per_chip", "use_instead"],
           rows)


# Architectures whose upstream figures are implausible; the model uses the named one instead.
ANOMALOUS_ARCH = {
    "EPYC 5th Gen": "EPYC 4th Gen",  # 3.68-8.96 W/vCPU: above 2011 Sandy Bridge; too few SPECpower runs
}


# --- usage-type lists ---------------------------------------------------------------------------

CCF_LISTS = [
    ("aws", "packages/aws/src/lib/CostAndUsageTypes.ts", [
        ("SSD_SERVICES", "ssd_service"), ("SSD_USAGE_TYPES", "ssd_usage_type"),
        ("HDD_USAGE_TYPES", "hdd_usage_type"), ("NETWORKING_USAGE_TYPES", "networking_usage_type"),
        ("BYTE_HOURS_USAGE_TYPES", "byte_hours_usage_type"), ("UNKNOWN_USAGE_TYPES", "unknown_usage_type"),
        ("UNSUPPORTED_USAGE_TYPES", "unsupported_usage_type"), ("LINE_ITEM_TYPES", "line_item_type"),
    ], [("KNOWN_USAGE_UNITS", "known_usage_unit")]),
    ("gcp", "packages/gcp/src/lib/BillingExportTypes.ts", [
        ("MEMORY_USAGE_TYPES", "memory_usage_type"), ("UNKNOWN_USAGE_UNITS", "unknown_usage_unit"),
        ("UNKNOWN_USAGE_TYPES", "unknown_usage_type"), ("UNSUPPORTED_USAGE_TYPES", "unsupported_usage_type"),
        ("UNKNOWN_SERVICE_TYPES", "unknown_service"),
        ("SERVICES_TO_OVERRIDE_USAGE_UNIT_AS_UNKNOWN", "unit_override_service"),
        ("COMPUTE_STRING_FORMATS", "compute_usage_type"), ("NETWORKING_STRING_FORMATS", "networking_usage_type"),
    ], []),
    ("azure", "packages/azure/src/lib/ConsumptionTypes.ts", [
        ("UNKNOWN_SERVICES", "unknown_service"), ("UNKNOWN_USAGE_TYPES", "unknown_usage_type"),
        ("UNSUPPORTED_USAGE_TYPES", "unsupported_usage_type"), ("STORAGE_USAGE_TYPES", "storage_usage_type"),
        ("NETWORKING_USAGE_TYPES", "networking_usage_type"), ("MEMORY_USAGE_TYPES", "memory_usage_type"),
        ("CACHE_MEMORY_GB", "cache_memory_gb"), ("SSD_MANAGED_DISKS_STORAGE_GB", "ssd_managed_disk_gb"),
        ("HDD_MANAGED_DISKS_STORAGE_GB", "hdd_managed_disk_gb"),
        ("CONTAINER_REGISTRY_STORAGE_GB", "container_registry_gb"),
    ], [("COMPUTE_USAGE_UNITS", "compute_usage_unit"), ("STORAGE_USAGE_UNITS", "storage_usage_unit"),
        ("NETWORKING_USAGE_UNITS", "networking_usage_unit"), ("MEMORY_USAGE_UNITS", "memory_usage_unit")]),
]

# Lists used only by default mode (our additions; see reporter/cloud/METHOD.md).
DEFAULT_LISTS: list[tuple[str, str, str, str]] = [
    ("aws", "networking_usage_type", "DataTransfer-In-Bytes", "inbound internet transfer"),
    ("aws", "networking_usage_type", "AWS-In-Bytes", "inbound inter-region transfer"),
    ("aws", "networking_usage_type", "DataTransfer-xAZ-In-Bytes", "inter-AZ transfer"),
    ("aws", "networking_usage_type", "DataTransfer-xAZ-Out-Bytes", "inter-AZ transfer"),
    ("aws", "network_intra", "DataTransfer-Regional-Bytes", "same-region transfer"),
    ("aws", "network_intra", "DataTransfer-xAZ", "inter-AZ, same region"),
    ("aws", "network_intra", "VpcEndpoint-Bytes", "PrivateLink, same region"),
    ("aws", "network_intra", "TransitGateway-Bytes", "transit gateway, same region"),
    ("aws", "network_inter", "AWS-Out-Bytes", "inter-region"),
    ("aws", "network_inter", "AWS-In-Bytes", "inter-region"),
    ("aws", "network_internet", "DataTransfer-Out-Bytes", "to the internet"),
    ("aws", "network_internet", "DataTransfer-In-Bytes", "from the internet"),
    ("gcp", "network_intra", "Intra Zone", ""),
    ("gcp", "network_intra", "Inter Zone", "same region"),
    ("gcp", "network_inter", "Inter Region", ""),
    ("gcp", "network_inter", "Inter-Region", ""),
    ("gcp", "network_internet", "Internet", ""),
    ("gcp", "network_internet", "CDN", ""),
    ("azure", "network_inter", "Inter Continent", ""),
    ("azure", "network_inter", "Intra Continent", ""),
    ("azure", "network_inter", "Geo-Replication", ""),
    ("azure", "network_intra", "Inter-Availability Zone", ""),
    ("azure", "network_internet", "Data Transfer Out", ""),
    ("azure", "network_internet", "Egress", ""),
    ("aws", "unsupported_usage_type", "EBSOptimized", "hourly EBS-optimisation fee; instance billed as BoxUsage"),
]


def build_usage_types(src: Path) -> None:
    rows: list[list[Any]] = []
    for provider, path, lists, enums in CCF_LISTS:
        text = (src / path).read_text()
        for const, name in lists:
            values = _literal(text, const, {})
            if isinstance(values, dict):
                rows.extend([provider, name, key, number, "both", ""] for key, number in values.items())
            else:
                rows.extend([provider, name, value, "", "both", ""] for value in values)
        for enum, name in enums:
            rows.extend([provider, name, value, "", "both", ""] for value in _enum_values(text, enum).values())
    rows.extend([provider, name, value, "", "default", note] for provider, name, value, note in DEFAULT_LISTS)
    _write("usage_types.csv", ["provider", "list", "value", "number", "modes", "note"], rows)


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__)
        return 2
    src, coeff, curated = (Path(a) for a in argv[1:])
    core = (src / "packages/core/src/compute/ComputeProcessorTypes.ts").read_text()
    OUT.mkdir(parents=True, exist_ok=True)
    build_ccf_aws(src, core)
    build_ccf_gcp(src, core)
    build_ccf_azure(src, core)
    build_ccf_processor_watts(src, core)
    build_ccf_region_factors(coeff)
    build_default_instances(coeff, curated)
    build_cpu_power(coeff)
    build_usage_types(src)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
