"""Energy of the manual-entry workbook's Compute usage rows: GPU-hours and instance-hours from
invoices of clouds, neo-clouds and colocation sites that have no usable bill export.

Both units are estimated with the cloud model's default-mode tables and formulas (whatever
`[method] energy_model` says: these rows are not bill lines, so CCF's bill rules do not apply):

* instance-hours: the instance type is looked up in the instance table of the provider (aws,
  azure, gcp), or, for any other provider, in those tables in that order; the row is then estimated
  exactly as a bill line of that instance (`reporter.cloud.default.instance_hours`: vCPUs × watts
  per vCPU at the model's CPU utilisation + accelerators + memory above the SPECpower baseline).
* GPU-hours: the accelerator's power at the model's GPU utilisation (idle + u × (max − idle),
  `gpu_power.csv`), plus the host's share per GPU: the host power of a reference instance that
  carries the accelerator (vCPUs and memory, as the model estimates that instance, less its
  accelerators) divided by its accelerator count. The reference is the provider's own instance if
  its table has one, else any table's; among candidates, one with a known processor, then the
  most accelerators (a whole server), then aws, azure, gcp, then the name.

PUE: the row's own (the sheet's PUE column, for a colocation site or a neo-cloud that states its
PUE); else the cloud provider's regional PUE (`pue.csv`, as for bills); else, for any other
provider, the colocation default in `pue.csv` (flagged `pue_colocation_default`). The basis of
every row states which.

An accelerator or instance type the tables do not know leaves the row unclassified at 0 kWh,
flagged (`accelerator_type_unknown`, `instance_type_unknown`) and counted like any flag: never a
silent zero. Every figure and the reference instance are written out in `estimate_basis`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from reporter.cloud import coefficients as cf
from reporter.cloud.classify import COMPUTE, Classification
from reporter.cloud.default import instance_hours
from reporter.cloud.model import (
    ESTIMATED,
    STATUS_UNCLASSIFIED,
    Estimate,
    Line,
    fmt,
    linear_text,
    linear_watts,
    zero,
)
from reporter.cloud.units import UnitSpec
from reporter.records import join_flag_columns
from reporter.workbook.schema import CLOUDS, COMPUTE_SERVICE, GPU_HOURS, INSTANCE_HOURS

SERVICE = COMPUTE_SERVICE
PUE_BASIS_SITE = "site PUE (Compute usage sheet)"
PUE_BASIS_CLOUD = "cloud provider's regional PUE (default model)"
PUE_BASIS_COLOCATION = "colocation default PUE, assumed (no PUE given)"


@dataclass(frozen=True)
class Pue:
    value: float
    basis: str  # the line item's pue_basis
    text: str  # how the estimate basis states it
    flags: tuple[str, ...] = ()


def estimate_compute(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` (Compute usage readings) plus the energy columns the cloud model adds to bill lines,
    pue_basis, and the model's flags joined to the rows' own."""
    results: list[tuple[Estimate, Pue]] = []
    for provider, region, unit, hours, kind, site_pue in zip(
        rows["cloud_provider"], rows["cloud_region"], rows["consumed_unit"], rows["consumed_quantity"],
        rows["usage_type"], rows["tracker_pue"], strict=True,
    ):
        pue = pue_for(str(provider), None if pd.isna(region) else str(region), site_pue)
        estimate = estimate_row(str(provider), str(region or ""), str(unit), float(hours), str(kind), pue)
        results.append((estimate, pue))
    out = rows.copy(deep=False)
    columns = {
        "usage_category": [e.category for e, _ in results],
        "energy_it_kwh": [e.it_central for e, _ in results],
        "energy_it_kwh_low": [e.it_low for e, _ in results],
        "energy_it_kwh_high": [e.it_high for e, _ in results],
        "pue": [e.pue for e, _ in results],
        "energy_kwh": [e.total("central") for e, _ in results],
        "energy_kwh_low": [e.total("low") for e, _ in results],
        "energy_kwh_high": [e.total("high") for e, _ in results],
        "embodied_co2e_kg": [e.embodied_kg for e, _ in results],
        "estimate_basis": [e.basis for e, _ in results],
        "estimate_status": [e.status for e, _ in results],
        "model_flags": [";".join(dict.fromkeys(e.flags)) for e, _ in results],
        "pue_basis": [p.basis for _, p in results],
    }
    for name, values in columns.items():
        numeric = name.startswith("energy") or name in ("pue", "embodied_co2e_kg")
        out[name] = pd.Series(values, index=rows.index, dtype="float64" if numeric else "object")
    out["flags"] = join_flag_columns(out["flags"], out["model_flags"])
    return out


def pue_for(provider: str, region: str | None, site_pue: object) -> Pue:
    """The row's PUE: the site's, else the cloud's regional one, else the colocation default."""
    if site_pue is not None and not pd.isna(site_pue):  # type: ignore[call-overload]
        value = float(site_pue)  # type: ignore[arg-type]
        return Pue(value, PUE_BASIS_SITE, f"× PUE {fmt(value)} [the site's, given on the Compute usage sheet]")
    if provider in CLOUDS:
        value, source = cf.pue(provider, region, "default")
        return Pue(value, PUE_BASIS_CLOUD, f"× PUE {fmt(value)} [{source}]")
    value, source = cf.pue("colocation", None, "default")
    return Pue(value, PUE_BASIS_COLOCATION, f"× PUE {fmt(value)} [colocation default, ASSUMED: {source}]",
               ("pue_colocation_default",))


def estimate_row(provider: str, region: str, unit: str, hours: float, kind: str, pue: Pue) -> Estimate:
    """One Compute usage row's estimate (IT energy, PUE, basis, flags)."""
    if unit == GPU_HOURS:
        estimate = gpu_hours(provider, region, hours, kind, pue.value)
    else:
        estimate = instance_type_hours(provider, region, hours, kind, pue.value)
    if estimate.status == ESTIMATED:
        estimate.basis += f"; {pue.text}" + (f"; {estimate.embodied_basis}" if estimate.embodied_basis else "")
        estimate.flags = [*estimate.flags, *pue.flags]
    return estimate


def instance_type_hours(provider: str, region: str, hours: float, kind: str, pue: float) -> Estimate:
    """Instance-hours, as a bill line of the instance in the first table that lists it."""
    tables = (provider,) if provider in CLOUDS else CLOUDS
    found = next(((p, spec) for p in tables if (spec := cf.instance(p, kind)) is not None), None)
    if found is None:
        where = f"the {provider} instance table" if provider in CLOUDS else "the aws, azure and gcp instance tables"
        return zero(COMPUTE, STATUS_UNCLASSIFIED, f"instance type '{kind}' is not in {where}",
                    ["instance_type_unknown"])
    table, spec = found
    estimate = instance_hours(_line(table, region, spec.instance_type, hours), _instance_class(spec.instance_type),
                              pue)
    if provider not in CLOUDS:
        estimate.basis = f"instance type from the {table} table; " + estimate.basis
    return estimate


def gpu_hours(provider: str, region: str, hours: float, kind: str, pue: float) -> Estimate:
    """GPU-hours: the accelerator at the model's GPU utilisation, plus its host's share per GPU."""
    name = accelerator_name(kind)
    if not name:
        return zero(COMPUTE, STATUS_UNCLASSIFIED, f"accelerator type '{kind}' is not in the accelerator table",
                    ["accelerator_type_unknown"])
    acc = cf.accelerators()[name]
    utils = cf.model_constant("gpu_utilisation")
    acc_w = [linear_watts(acc.idle_w, acc.max_w, u) for u in utils]
    flags = ["embodied_unknown", *(["gpu_power_assumed"] if acc.assumed else [])]
    acc_text = f"{linear_text(acc.idle_w, acc.max_w, utils[1])} W [{acc.name}; {acc.max_source}]"
    host = host_share(name, provider, region, acc_w)
    if host is None:
        host_w, host_text = [0.0, 0.0, 0.0], "no host share: no instance in the tables carries this accelerator"
        flags.append("host_power_unknown")
    else:
        host_w, host_text, more = host
        flags += ["host_share_from_instance", *more]
    watts = [a + h for a, h in zip(acc_w, host_w, strict=True)]
    basis = (f"{fmt(hours)} GPU-h × ({acc_text} + host {fmt(host_w[1])} W) = {fmt(watts[1])} W × {fmt(hours)} h; "
             f"{host_text}")
    return Estimate(category=COMPUTE, status=ESTIMATED, pue=pue, it_low=watts[0] * hours / 1000.0,
                    it_central=watts[1] * hours / 1000.0, it_high=watts[2] * hours / 1000.0, basis=basis,
                    flags=flags)


def host_share(accelerator: str, provider: str, region: str,
               acc_w: list[float]) -> tuple[list[float], str, list[str]] | None:
    """(host watts per GPU at low / central / high utilisation, how they were found, flags) from
    the reference instance; None when no instance carries the accelerator."""
    spec = reference_instance(accelerator, provider)
    if spec is None or not spec.accelerators:
        return None
    count = spec.accelerators
    whole = instance_hours(_line(spec.provider, region, spec.instance_type, 1.0), _instance_class(spec.instance_type),
                           1.0)
    server_w = [whole.it_low * 1000.0, whole.it_central * 1000.0, whole.it_high * 1000.0]
    host_w = [(s - count * a) / count for s, a in zip(server_w, acc_w, strict=True)]
    text = (f"host share per GPU = ({fmt(server_w[1])} W − {fmt(count)} × {fmt(acc_w[1])} W) / {fmt(count)} = "
            f"{fmt(host_w[1])} W, from the {spec.provider} instance {spec.instance_type} as the model estimates it "
            f"({whole.basis})")
    more = [flag for flag in whole.flags if flag in ("cpu_architecture_unknown", "instance_from_ccf_table")]
    return host_w, text, more


def reference_instance(accelerator: str, provider: str) -> cf.InstanceSpec | None:
    """The instance whose host stands for a GPU's host (see the module's description)."""
    candidates = cf.instances_with_accelerator(accelerator, (provider,)) if provider in CLOUDS else []
    candidates = candidates or cf.instances_with_accelerator(accelerator, CLOUDS)
    if not candidates:
        return None
    return min(candidates, key=lambda s: (not s.microarchitectures, -(s.accelerators or 0),
                                          CLOUDS.index(s.provider), s.instance_type))


def accelerator_name(kind: str) -> str:
    """The accelerator table's name for what a row says: the table's own name (case, spaces and
    dashes aside: 'h100 pcie' is H100-PCIe), else the GPU or TPU model it names ('H100' is the
    H100 SXM, as for GCP's SKUs); '' when neither."""
    folded = _fold(kind)
    for name in cf.accelerators():
        if _fold(name) == folded:
            return name
    return cf.accelerator_from_text(kind)


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _line(provider: str, region: str, instance_type: str, hours: float) -> Line:
    return Line(provider, region, SERVICE, instance_type, instance_type, hours, INSTANCE_HOURS, None, None, None,
                None, None, None)


def _instance_class(instance_type: str) -> Classification:
    return Classification(COMPUTE, "instance", SERVICE, instance_type, UnitSpec(INSTANCE_HOURS, "hour"),
                          instance_type=instance_type)

