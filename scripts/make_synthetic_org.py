"""Generate the SYNTHETIC "Acme AI" tracker logs (an invented company, not measured data).

Writes CodeCarbon, eco2ai and carbontracker outputs in the on-disk formats of codecarbon
3.3.2 / 2.7.4, eco2ai 0.3.12 and carbontracker 2.4.7, for 2026-01-01 .. 2026-11-20.
Every number comes from one seeded generator, so the output is reproducible.

    python scripts/make_synthetic_org.py [--out sample_inputs/synthetic-acme] [--seed 2026]
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import shutil
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

END = datetime(2026, 11, 21)  # exclusive: the data stop on 2026-11-20
UPGRADE = datetime(2026, 3, 2, 9, 30)  # Seoul: codecarbon 2.7.4 -> 3.3.2, old file -> .bak
EPOCH = datetime(1970, 1, 1)
DEFAULT_EXPERIMENT = "5b0fa12a-3dd7-45bb-9766-cc326314d9f1"
CC38 = [
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
    "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
    "ram_energy", "energy_consumed", "water_consumed", "country_name", "country_iso_code",
    "region", "cloud_provider", "cloud_region", "os", "python_version", "codecarbon_version",
    "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
    "ram_total_size", "tracking_mode", "cpu_utilization_percent", "gpu_utilization_percent",
    "ram_utilization_percent", "ram_used_gb", "on_cloud", "pue", "wue",
]
CC32 = [c for c in CC38 if c not in {"water_consumed", "wue", "cpu_utilization_percent",
                                     "gpu_utilization_percent", "ram_utilization_percent",
                                     "ram_used_gb"}]  # codecarbon v2.7.0 .. v3.0.7 layout
ECO = ["id", "project_name", "experiment_description", "epoch", "start_time", "duration(s)",
       "power_consumption(kWh)", "CO2_emissions(kg)", "CPU_name", "GPU_name", "OS",
       "region/country", "cost"]
# Per-device mean power envelope under load (W); every generated GPU stays inside it.
GPU_W = {"NVIDIA H100 80GB HBM3": (350, 700), "NVIDIA A100-SXM4-80GB": (250, 400),
         "NVIDIA A100-SXM4-40GB": (250, 400), "NVIDIA L4": (40, 72), "NVIDIA A10G": (60, 150),
         "Tesla T4": (30, 70)}
CT_PUE, CT_CI, CAR_G_PER_KM = 1.58, 445.0, 106.8  # carbontracker 2.4.7 constants


@dataclass(frozen=True)
class Node:
    gpu: str  # NVML device name
    n_gpu: int
    cpu: str
    threads: int  # logical CPUs (CodeCarbon); sockets for the eco2ai nodes
    cpu_w: tuple[float, float]
    ram_gib: float  # psutil total / 1024**3, as CodeCarbon reports it


@dataclass(frozen=True)
class Site:
    path: str  # folder below the output root
    country: str
    iso: str  # alpha-3 (CodeCarbon) or alpha-2 (eco2ai)
    region: str = ""
    provider: str = ""
    cloud_region: str = ""
    kg_per_kwh: float = 0.0  # the tracker's own factor (eco2ai: kg/MWh)
    pue: float = 1.0
    os: str = "Linux"
    py: str = "3.11.9"
    nodes: tuple[Node, ...] = ()


@dataclass
class Run:
    team: str
    site: Site
    node: Node
    project: str
    start: datetime
    secs: float
    n_gpu: int
    watts: tuple[float, float, float]  # IT mean power: cpu, gpu (all devices), ram
    util: tuple[float, float, float]  # cpu %, gpu %, ram %
    version: str = "3.3.2"
    flush: bool = False
    kwh: float = 0.0  # energy as the tracker reports it (set when written)


H100 = Node("NVIDIA H100 80GB HBM3", 8, "Intel(R) Xeon(R) Platinum 8480C", 224, (140, 240),
            2015.5637550354004)
A100 = Node("NVIDIA A100-SXM4-80GB", 8, "AMD EPYC 7742 64-Core Processor", 256, (130, 230),
            1007.7005615234375)
L4_DUB = Node("NVIDIA L4", 4, "AMD EPYC 9354 32-Core Processor", 64, (70, 160), 377.35986328125)
G2_48 = Node("NVIDIA L4", 4, "Intel(R) Xeon(R) CPU @ 2.20GHz", 48, (60, 130), 188.6845474243164)
G2_96 = Node("NVIDIA L4", 8, "Intel(R) Xeon(R) CPU @ 2.20GHz", 96, (90, 200), 377.3828125)
G5_12 = Node("NVIDIA A10G", 4, "AMD EPYC 7R32", 48, (60, 140), 186.71017456054688)
G5_48 = Node("NVIDIA A10G", 8, "AMD EPYC 7R32", 192, (120, 240), 747.4921417236328)
G4DN = Node("Tesla T4", 4, "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz", 48, (60, 140),
            186.71017456054688)
PARIS = Node("NVIDIA A100-SXM4-80GB", 4, "AMD EPYC 7763 64-Core Processor", 2, (0, 0), 1007.7)
MUNICH = Node("NVIDIA A100-SXM4-40GB", 4, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", 2, (0, 0),
              503.8)
ECO_TDP = {PARIS.cpu: 280.0, MUNICH.cpu: 205.0}  # eco2ai cpu_names.csv TDP (W per socket)

VA_KG = 813.802 * 0.00045359237  # codecarbon usa_emissions.json "virginia", lbs/MWh -> kg/kWh
SEOUL = Site("research/seoul-h100", "South Korea", "KOR", kg_per_kwh=430.567 * 0.001,
             os="Linux-5.15.0-1063-nvidia-x86_64-with-glibc2.35", py="3.10.12", nodes=(H100,))
VIRGINIA = Site("research/virginia-a100", "United States", "USA", "virginia", kg_per_kwh=VA_KG,
                os="Linux-5.15.0-122-generic-x86_64-with-glibc2.35", nodes=(A100,))
DUBLIN = Site("platform/dublin-onprem", "Ireland", "IRL", kg_per_kwh=290.805 * 0.001,
              os="Linux-6.8.0-45-generic-x86_64-with-glibc2.39", py="3.12.7", nodes=(L4_DUB,))
GCP = Site("platform/gcp-europe-west1", "Belgium", "BEL", "", "gcp", "europe-west1",
           122 * 0.001, 1.1, "Linux-6.8.0-1015-gcp-x86_64-with-glibc2.35", "3.12.7",
           (G2_48, G2_96, G2_96))
AWS = Site("platform/aws-us-east-1", "United States", "USA", "virginia", "aws", "us-east-1",
           VA_KG, 1.1, "Linux-6.1.112-124.190.amzn2023.x86_64-x86_64-with-glibc2.34", "3.12.7",
           (G5_12, G5_48, G5_48, G4DN))
FR = Site("applied/paris-eco2ai", "France", "FR", kg_per_kwh=67.53, nodes=(PARIS,))
DE = Site("applied/munich-eco2ai", "Germany", "DE", kg_per_kwh=332.495, nodes=(MUNICH,))

# Jobs per month, Jan..Nov (November holds 20 days). Spring pre-training campaign, summer lull,
# autumn campaign; inference grows all year.
PRETRAIN_JOBS = [4, 4, 18, 21, 19, 6, 4, 3, 9, 12, 7]
FINETUNE_JOBS = [15, 17, 18, 20, 20, 16, 15, 13, 17, 19, 13]
PLATFORM_RUNS = [22 + round(3.6 * m) for m in range(10)] + [39]
APPLIED_RUNS = [12, 14, 16, 18, 18, 14, 10, 12, 18, 20, 14]
PRETRAIN = ["acme-llm-7b-pretrain", "acme-llm-13b-pretrain", "acme-llm-34b-pretrain"]
FINETUNE = ["acme-chat-sft", "acme-code-sft", "acme-rlhf-ppo", "acme-dpo", "acme-evals-harness"]
SERVICES = ["inference-chat-api", "inference-embeddings", "inference-reranker",
            "inference-asr-batch", "inference-moderation"]
APPLIED = ["ft-support-bot", "ft-legal-summarizer", "ft-invoice-extractor", "ft-search-ranker"]


def months() -> list[tuple[int, datetime, datetime]]:
    edges = [datetime(2026, m, 1) for m in range(1, 12)] + [END]
    return [(i, edges[i], edges[i + 1]) for i in range(11)]


def rand_time(rng: random.Random, a: datetime, b: datetime) -> datetime:
    return a + timedelta(seconds=rng.uniform(0, (b - a).total_seconds()))


def fit(rng: random.Random, start: datetime, secs: float) -> float | None:
    """Shorten a run that would still be going at the data cut-off."""
    secs = min(secs, (END - start).total_seconds() - rng.uniform(600, 7200))
    return secs if secs >= 1800 else None


def uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def gpu_watts(rng: random.Random, gpu: str, n: int, load: float) -> float:
    lo, hi = GPU_W[gpu]
    return sum(lo + (hi - lo) * min(1.0, max(0.0, load + rng.gauss(0, .03))) for _ in range(n))


def ram_w_v3(gib: float) -> float:
    """codecarbon 3.x RAM rule: estimated DIMM count x 5 W, discounted at scale."""
    if gib <= 128:
        dimms = 2 if gib <= 16 else 4 if gib <= 64 else 8
    else:
        dimms = next((min(math.ceil(gib / s), 32) for s in (128, 64, 32, 16, 8, 4)
                      if s <= gib / 8), 8)
    if dimms <= 4:
        return max(10, 5 * dimms)
    if dimms <= 8:
        return 5 * 4 + 5 * 0.9 * (dimms - 4)
    if dimms <= 16:
        return 5 * 4 + 5 * 0.9 * 4 + 5 * 0.8 * (dimms - 8)
    return 5 * 4 + 5 * 0.9 * 4 + 5 * 0.8 * 8 + 5 * 0.7 * (dimms - 16)


def cc_run(rng: random.Random, team: str, site: Site, node: Node, project: str,
           start: datetime, secs: float, load: float, version: str = "3.3.2") -> Run:
    ram = node.ram_gib * 3 / 8 if version.startswith("2.") else ram_w_v3(node.ram_gib)
    util = (rng.uniform(8, 60), min(100.0, 35 + 62 * load + rng.gauss(0, 2)), rng.uniform(12, 55))
    watts = (rng.uniform(*node.cpu_w), gpu_watts(rng, node.gpu, node.n_gpu, load), ram)
    return Run(team, site, node, project, start, secs, node.n_gpu, watts, util, version)


def gen_research(rng: random.Random) -> list[Run]:
    runs: list[Run] = []
    for i, a, b in months():
        jobs = [True] * PRETRAIN_JOBS[i] + [False] * FINETUNE_JOBS[i]
        for pretrain in jobs:
            site = SEOUL if rng.random() < 0.6 else VIRGINIA
            if pretrain:
                project, nodes = rng.choice(PRETRAIN), rng.randint(2, 4)
                hours, load = rng.uniform(36, 132), rng.uniform(.6, .95)
            else:
                project, nodes = rng.choice(FINETUNE), 1
                hours, load = rng.uniform(2, 36), rng.uniform(.35, .8)
            start = rand_time(rng, a, b)
            if site is SEOUL and start < UPGRADE < start + timedelta(hours=hours, minutes=5):
                start = UPGRADE + timedelta(hours=rng.uniform(1, 12))
            secs = fit(rng, start, hours * 3600)
            if secs is None:
                continue
            version = "2.7.4" if site is SEOUL and start < UPGRADE else "3.3.2"
            for k in range(nodes):  # one tracker per node, each with its own run_id
                t = start + timedelta(seconds=k * rng.uniform(0.5, 4))
                runs.append(cc_run(rng, "research", site, site.nodes[0], project, t,
                                   secs + rng.uniform(-90, 90), load, version))
    runs.sort(key=lambda r: r.start)
    # flush() once a day: both nodes of an April Seoul pre-training job, one May Virginia node.
    for site, month, take in ((SEOUL, 4, 2), (VIRGINIA, 5, 1)):
        for r in [r for r in runs if r.site is site and r.start.month == month
                  and r.project in PRETRAIN and r.secs > 2.5 * 86400][:take]:
            r.flush = True
    return runs


def gen_platform(rng: random.Random) -> list[Run]:
    runs: list[Run] = []
    for i, a, b in months():
        for _ in range(PLATFORM_RUNS[i]):
            site = rng.choices((DUBLIN, GCP, AWS), (.35, .35, .3))[0]
            start = rand_time(rng, a, b)
            secs = fit(rng, start, rng.triangular(1, 24, 22) * 3600)
            if secs is not None:
                runs.append(cc_run(rng, "platform", site, rng.choice(site.nodes),
                                   rng.choice(SERVICES), start, secs, rng.uniform(.3, .85)))
    return runs


def gen_applied(rng: random.Random) -> list[Run]:
    runs: list[Run] = []
    for i, a, b in months():
        for _ in range(APPLIED_RUNS[i]):
            site = rng.choice((FR, DE))
            node, start = site.nodes[0], rand_time(rng, a, b)
            if rng.random() < 0.65:
                project, n_gpu = rng.choice(APPLIED), rng.choice((1, 2, 4))
                hours, load = rng.uniform(1.5, 20), rng.uniform(.45, .9)
            else:  # CPU-only evaluation job
                project, n_gpu, hours, load = "eval-offline-suite", 0, rng.uniform(.3, 4), 0.0
            secs = fit(rng, start, hours * 3600)
            if secs is None:
                continue
            gpu = gpu_watts(rng, node.gpu, n_gpu, load)
            cpu = ECO_TDP[node.cpu] * node.threads * rng.uniform(.15, .44)
            ram = 0.375 * node.ram_gib * rng.uniform(.04, .3)  # eco2ai: 3/8 W per used GB
            runs.append(Run("applied", site, node, project, start, secs, n_gpu,
                            (cpu, gpu, ram), (0, 0, 0)))
    return runs


def cc_rows(rng: random.Random, r: Run) -> list[tuple[datetime, dict[str, object]]]:
    """One CodeCarbon row per write: the final stop(), plus daily flush() rows if enabled."""
    rid, pc0, pue = uid(rng), round(rng.uniform(2e3, 9e5), 9), r.site.pue  # perf_counter origin
    cuts = [d * 86400 + rng.uniform(0, 600) for d in range(1, int(r.secs // 86400) + 1)]
    cuts = [c for c in cuts if r.flush and r.secs - c > 3600] + [r.secs]
    rows, joules, prev = [], [0.0, 0.0, 0.0], 0.0
    for cut in cuts:
        jit = (1 - abs(rng.gauss(0, .015)), 1 - abs(rng.gauss(0, .015)), 1.0)  # stay in range
        joules = [j + w * f * (cut - prev) for j, w, f in zip(joules, r.watts, jit, strict=True)]
        prev, dur = cut, round(pc0 + cut, 9) - pc0
        watts = [j / cut for j in joules]  # mean power since start()
        energy = [w * dur / 3.6e6 * pue for w in watts]  # kWh, already x PUE
        total = energy[0] + energy[1] + energy[2]
        emissions = r.site.kg_per_kwh * total
        power = watts if r.version.startswith("2.") else [w * pue for w in watts]
        end = r.start + timedelta(seconds=dur)
        values = [
            end.strftime("%Y-%m-%dT%H:%M:%S"), r.project, rid, DEFAULT_EXPERIMENT, dur, emissions,
            emissions / dur, *power, *energy, total, 0.0, r.site.country, r.site.iso,
            r.site.region, r.site.provider, r.site.cloud_region, r.site.os, r.site.py, r.version,
            r.node.threads, r.node.cpu, r.n_gpu, f"{r.n_gpu} x {r.node.gpu}", "", "",
            r.node.ram_gib, "machine", *r.util, r.node.ram_gib * r.util[2] / 100,
            "Y" if r.site.provider else "N", pue, 0.0]
        rows.append((end, dict(zip(CC38, values, strict=True))))
        r.kwh = total
    return rows


def write_csv(path: Path, header: list[str], rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")  # pandas.to_csv style: repr floats, minimal quoting
        w.writerow(header)
        w.writerows([row[c] for c in header] for row in rows)


def write_codecarbon(rng: random.Random, out: Path, runs: list[Run]) -> dict[str, int]:
    files: dict[Path, list[tuple[datetime, dict[str, object]]]] = defaultdict(list)
    for r in runs:
        name = "emissions.csv.bak" if r.version.startswith("2.") else "emissions.csv"
        files[out / r.site.path / name].extend(cc_rows(rng, r))
    counts = {}
    for path, rows in sorted(files.items()):
        rows.sort(key=lambda t: t[0])  # rows are appended in write order
        write_csv(path, CC32 if path.suffix == ".bak" else CC38, [row for _, row in rows])
        counts[path.relative_to(out).as_posix()] = len(rows)
    return counts


def write_eco2ai(rng: random.Random, out: Path, runs: list[Run]) -> dict[str, int]:
    files: dict[Site, list[dict[str, object]]] = defaultdict(list)
    for r in sorted(runs, key=lambda r: r.start):
        t0 = (r.start - EPOCH).total_seconds() + rng.random()  # time.time() at start()
        dur = (t0 + r.secs) - t0
        r.kwh = sum(w * dur / 3.6e6 for w in r.watts) * r.site.pue
        files[r.site].append(dict(zip(ECO, [
            uid(rng), r.project, f"lora r=16 {r.n_gpu}gpu" if r.n_gpu else "offline eval", "",
            r.start.strftime("%Y-%m-%d %H:%M:%S"), dur, r.kwh, r.kwh * r.site.kg_per_kwh / 1000,
            f"{r.node.cpu}/{r.node.threads} device(s), TDP:{ECO_TDP[r.node.cpu]}",
            f"{r.node.gpu if r.n_gpu else ''} {r.n_gpu} device(s)", r.site.os, r.site.iso, 0,
        ], strict=True)))
    counts = {}
    for site, rows in files.items():
        rows[-1]["epoch"] = "N/A"  # older rows were re-read by pandas: "N/A" -> NaN -> empty
        write_csv(out / site.path / "emission.csv", ECO, rows)
        counts[f"{site.path}/emission.csv"] = len(rows)
    return counts


def timestring(secs: float, ms: bool = False) -> str:
    """carbontracker.loggerutil.convert_to_timestring."""
    m, s = divmod(secs, 60)
    if not ms:
        s = round(s)
        m, s = (m + 1, 0) if s == 60 else (m, s)
    elif f"{s:05.2f}"[0:2] == "60":
        m, s = m + 1, 0
    h, m = divmod(m, 60)
    return f"{int(h):d}:{int(m):02d}:{s:05.2f}" if ms else f"{int(h):d}:{int(m):02d}:{s:02d}"


def ct_block(ts: str, title: str, secs: float, kwh: float) -> str:
    g = kwh * CT_CI
    return (f"{ts} - CarbonTracker: \n{title}\n\tTime:\t{timestring(secs)}\n"
            f"\tEnergy:\t{kwh:.6f} kWh\n\tCO2eq:\t{g:.6f} g\n\tThis is equivalent to:\n"
            f"\t{g / CAR_G_PER_KM:.6f} km travelled by car")


CT_PLAN = [("ft-support-bot", datetime(2026, 2, 11, 14, 2, 37), 6, 6),
           ("ft-legal-summarizer", datetime(2026, 4, 22, 9, 41, 5), 4, 4),
           ("ft-invoice-extractor", datetime(2026, 6, 17, 20, 13, 52), 8, 3),  # early stop
           ("ft-search-ranker", datetime(2026, 8, 26, 11, 30, 18), 5, 5),
           ("ft-support-bot", datetime(2026, 10, 7, 16, 55, 40), 6, 6)]
CT_GEO = ("Geolocation fetch failed: <[ERROR - HTTPConnectionPool(host='ipinfo.io', port=80): "
          "Max retries exceeded with url: /json (Caused by NameResolutionError(\"HTTPConnection("
          "host='ipinfo.io', port=80): Failed to resolve 'ipinfo.io' ([Errno -2] Name or service "
          "not known)\"))] Ipinfo - Geocode [empty]>")
CT_ERR = ("WARNING - No API keys provided. Skipping intensity provider initialization.",
          f"DEBUG - {CT_GEO}",
          ("WARNING - No carbon intensity provider specified and no location detected. "
           "Defaulting to global average carbon intensity for 2024: 445.00 gCO2eq/kWh."))
CT_PUE_MSG = ("Only predicted and actual consumptions are multiplied by a PUE coefficient of "
              "1.58 (Daniel Bizo, 2023, Uptime Institute Global Data Center Survey).")
CT_FOUND = ("The following components were found: GPU with device(s) NVIDIA A100-SXM4-80GB. "
            "CPU with device(s) cpu:0.")


def write_carbontracker(rng: random.Random, out: Path) -> list[Run]:
    """carbontracker 2.4.7 log trios on an offline node: location Unknown, 445 g/kWh."""
    folder, runs, fmt = out / "applied/paris-carbontracker", [], "%Y-%m-%d %H:%M:%S"
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, start, epochs, done in CT_PLAN:
        name = f"{prefix}_{rng.randint(2000, 400000)}.{rng.randint(1, 999999)}_"
        name += start.strftime("%Y-%m-%dT%H%M%SZ") + "_carbontracker"  # local time despite "Z"
        ts0, ms = start.strftime(fmt), rng.randint(100, 900)
        std = [f"{ts0} - {msg}" for msg in ("carbontracker version 2.4.7", CT_PUE_MSG, CT_FOUND,
                                            "Monitoring thread started.")]
        outl = [f"{ts0} - CarbonTracker: {CT_FOUND}"]
        t, times, kwh = start, [], []
        load, base = rng.uniform(.55, .9), rng.uniform(1500, 5400)
        for e in range(1, done + 1):
            secs, pc = base * rng.uniform(.97, 1.03), rng.uniform(60, 150)
            pg = gpu_watts(rng, "NVIDIA A100-SXM4-80GB", 1, load)
            t += timedelta(seconds=secs)
            times.append(secs)
            kwh.append((pg * secs / 3.6e6 + pc * secs / 3.6e6) * CT_PUE)
            te = t.strftime(fmt)
            std += [f"{te} - Epoch {e}:", f"{te} - Duration: {timestring(secs, True)}",
                    f"{te} - Average power usage (W) for gpu: {pg}",
                    f"{te} - Average power usage (W) for cpu: {pc}"]
            if e == 1:
                title = f"Predicted consumption for {epochs} epoch(s):"
                outl.append(ct_block(te, title, epochs * times[0], epochs * kwh[0]))
        tend = t.strftime(fmt)
        if done < epochs:
            std.append(f"{tend} - Training was interrupted before all {epochs} epochs were "
                       "monitored.")
        avg = f"Average carbon intensity during training was {CT_CI:.2f} gCO2eq/kWh. "
        std += [(f"{tend} - Carbon intensities (gCO2eq/kWh) fetched every 900 s at detected "
                 f"location: Unknown: [{CT_CI}]"), f"{tend} - {avg}",
                f"{tend} - Monitoring thread ended."]
        shown = done if done == epochs else done - 1  # stop() decrements the epoch counter
        title = f"Actual consumption for {shown} epoch(s):"
        outl += [f"{tend} - CarbonTracker: {avg}", ct_block(tend, title, sum(times), sum(kwh)),
                 f"{tend} - CarbonTracker: Finished monitoring."]
        err = [f"{ts0},{ms + k:03d} - MainThread - {msg}"
               for k, msg in zip((0, 6, 7), CT_ERR, strict=True)]
        for suffix, lines in ((".log", std), ("_output.log", outl), ("_err.log", err)):
            (folder / f"{name}{suffix}").write_text("\n".join(lines) + "\n", encoding="utf-8")
        runs.append(Run("applied", FR, PARIS, prefix, start, sum(times), 1, (0, 0, 0),
                        (0, 0, 0), "2.4.7", kwh=sum(kwh)))
    return runs


README = """# Acme AI: SYNTHETIC energy-tracker logs

**Everything in this folder is synthetic.** "Acme AI" is an invented company; no run here was
measured. `scripts/make_synthetic_org.py` generated these files (seed {seed}) to look like a real
ML company's tracker output for 2026-01-01 to 2026-11-20, to demonstrate and test the reporter.
Do not quote any number from it as a real measurement. Regenerate (deterministic, stdlib only):

    python scripts/make_synthetic_org.py --out sample_inputs/synthetic-acme --seed {seed}

## Folders

- `research/seoul-h100/`: CodeCarbon 3.3.2 `emissions.csv` (38 columns), on-prem KOR, 8 x H100
  nodes, plus `emissions.csv.bak` (CodeCarbon 2.7.4, 32 columns): runs that ended before the
  cluster upgraded CodeCarbon on 2026-03-02.
- `research/virginia-a100/`: CodeCarbon 3.3.2, on-prem USA, region `virginia`, 8 x A100 nodes.
- `platform/dublin-onprem/` (IRL, L4), `platform/gcp-europe-west1/` (L4) and
  `platform/aws-us-east-1/` (A10G, T4): CodeCarbon 3.3.2 inference runs; `pue=1.1` on the clouds.
- `applied/paris-eco2ai/`, `applied/munich-eco2ai/`: eco2ai 0.3.12 `emission.csv` (13 columns),
  FR and DE: fine-tunes on 1-4 A100 and CPU-only evaluation jobs.
- `applied/paris-carbontracker/`: carbontracker 2.4.7 log trios (std, output, err) from a node
  without network (location `Unknown`, 445 g/kWh). `ft-invoice-extractor` stopped after 3 of 8
  epochs.

Rows per file:

{counts}

## Deliberate features

- **Flushed runs**: three pre-training runs called `flush()` daily, so one `run_id` has several
  cumulative rows. Deduplicate by `run_id`, keeping the row with the largest duration.
- **Backup file**: `emissions.csv.bak` has the older header, and its RAM power follows the 2.x
  rule (3/8 W per GB installed), far above the 3.x DIMM-based estimate for the same nodes.
- **Multi-node jobs**: every node of a pre-training job has its own tracker and `run_id`.
- **PUE**: CodeCarbon energy columns (and in 3.3.x power columns) already include `pue`;
  carbontracker energy includes its fixed PUE of 1.58.
- **Each tracker's own factor**: CodeCarbon KOR 430.567, IRL 290.805 g/kWh, USA `virginia`
  813.802 lbs/MWh (about 369.13 g/kWh; AWS falls back to it), GCP europe-west1 122 g/kWh (country
  BEL); eco2ai FR 67.53, DE 332.495 kg/MWh; carbontracker 445 g/kWh.
- Local timestamps without zone; CodeCarbon's `timestamp` is the run's end. Some runs cross a
  month boundary. eco2ai leaves `epoch` empty on all rows but the latest, like the real tool.

## Totals (energy as the trackers report it, deduplicated)

| team | runs | energy (MWh) |
|---|---|---|
{totals}
"""


def totals(runs: list[Run]) -> list[tuple[str, int, float]]:
    teams = ("research", "platform", "applied", "")
    return [(t or "all", len(sel), sum(r.kwh for r in sel))
            for t in teams for sel in [[r for r in runs if r.team == t or not t]]]


def main() -> None:
    ap = argparse.ArgumentParser(description="Generate the synthetic Acme AI tracker logs.")
    ap.add_argument("--out", type=Path, default=Path("sample_inputs/synthetic-acme"))
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    rng, out = random.Random(args.seed), args.out
    for team in ("research", "platform", "applied"):
        shutil.rmtree(out / team, ignore_errors=True)
    research, platform, applied = gen_research(rng), gen_platform(rng), gen_applied(rng)
    counts = write_codecarbon(rng, out, research + platform) | write_eco2ai(rng, out, applied)
    ct_runs = write_carbontracker(rng, out)
    counts["applied/paris-carbontracker/ (runs, 3 logs each)"] = len(ct_runs)
    summary = totals(research + platform + applied + ct_runs)
    table = "\n".join(f"| {t} | {n} | {kwh / 1000:.1f} |" for t, n, kwh in summary)
    listing = "\n".join(f"- `{k}`: {v}" for k, v in counts.items())
    readme = README.format(seed=args.seed, counts=listing, totals=table)
    (out / "README.md").write_text(readme, encoding="utf-8")
    print("\n".join(f"{n:5d}  {k}" for k, n in counts.items()))
    print("\n".join(f"{t:9s} runs={n:4d} energy={kwh:10.1f} kWh" for t, n, kwh in summary))


if __name__ == "__main__":
    main()
