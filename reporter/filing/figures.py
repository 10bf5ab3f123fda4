"""The report's figures under the names the datapoint mapping uses (reporter/data/filing/datapoints.toml).

Each figure is taken from the report model, in the mapping's unit (kWh / 1000 is MWh); a total of
the organisation adds the model's figure and the organisation-level figures of the configuration
(`Report.organization_figures`), never recomputing anything from line items. A figure that cannot
be given carries the reason instead of a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reporter.core.attribute import SCOPE2, SCOPE3_CLOUD
from reporter.report import Report
from reporter.report.model import TargetProgress
from reporter.units import KWH_PER_MWH

GJ_PER_MWH = 3.6
CONFIG = "configuration [organization_figures]"


@dataclass(frozen=True)
class Figure:
    value: float | int | None
    source: str  # where the value comes from (report model field, or configuration key)
    method: str  # how it was obtained
    boundary: str  # what it covers
    reason: str = ""  # why there is no value

    @property
    def given(self) -> bool:
        return self.value is not None


AI_OWN = "AI workloads: own or colocated hardware"
AI_CLOUD = "AI workloads: cloud services"
AI_ALL = "AI workloads"
ORGANISATION = "organisation (configuration)"
COMBINED = "AI workloads + organisation figures (configuration)"


def missing(reason: str, source: str = "", boundary: str = COMBINED) -> Figure:
    return Figure(None, source, "", boundary, reason)


def figures(report: Report) -> dict[str, Figure]:
    """Every figure the mapping can name, given or with the reason it is not."""
    result: dict[str, Figure] = {}
    for build in (_energy, _emissions, _totals, _intensities, _instruments, _targets, _credits):
        result.update(build(report, result))
    return result


def _energy(report: Report, _: dict[str, Figure]) -> dict[str, Figure]:
    own_mwh = report.totals.own_operations_energy_kwh / KWH_PER_MWH
    method = _energy_method(report)
    org = report.organization_figures
    result = {
        "own_energy_mwh": Figure(own_mwh, "report: totals.own_operations_energy_kwh / 1000", method, AI_OWN),
        "own_energy_gj": Figure(
            own_mwh * GJ_PER_MWH, "report: totals.own_operations_energy_kwh / 1000 x 3.6", method, AI_OWN
        ),
    }
    mix = {"fossil": org.energy_fossil_mwh, "nuclear": org.energy_nuclear_mwh, "renewable": org.energy_renewable_mwh}
    for source, value in mix.items():
        key = f"energy_{source}_mwh"
        result[key] = (
            missing("the split by source is not given ([organization_figures.energy_mix_mwh])", boundary=AI_OWN)
            if value is None
            else Figure(value, f"{CONFIG}.energy_mix_mwh.{source}", "given", AI_OWN)
        )
    if org.energy_fossil_mwh is not None and org.energy_nuclear_mwh is not None:
        result["energy_nonrenewable_mwh"] = Figure(
            org.energy_fossil_mwh + org.energy_nuclear_mwh,
            f"{CONFIG}.energy_mix_mwh.fossil + nuclear", "given", AI_OWN,
        )
    else:
        result["energy_nonrenewable_mwh"] = result["energy_fossil_mwh"]
    return result


def _energy_method(report: Report) -> str:
    shares = report.data_quality.method_energy_share
    parts = [f"{name} {share:.1%}" for name, share in sorted(shares.items()) if share > 0]
    return "energy: " + (", ".join(parts) if parts else "none in the period")


def _emissions(report: Report, _: dict[str, Figure]) -> dict[str, Figure]:
    own, cloud = report.scope(SCOPE2), report.scope(SCOPE3_CLOUD)
    org = report.organization_figures
    market = report.totals.market_based_tco2e
    result = {
        "scope2_location_tco2e": Figure(
            own.location_based_tco2e, "report: by_scope[scope2].location_based_tco2e",
            "location-based grid factors (Factors sheet)", AI_OWN,
        ),
        "scope2_market_tco2e": (
            missing("no market-based figure in the report", boundary=AI_OWN) if market is None else Figure(
                market, "report: totals.market_based_tco2e",
                "market-based: instruments, supplier rate, residual mix, else location factor (flagged)", AI_OWN,
            )
        ),
        "scope3_cloud_tco2e": Figure(
            cloud.location_based_tco2e, "report: by_scope[scope3_cat1].location_based_tco2e",
            "billed usage x energy model x location-based factors of the provider regions; embodied excluded"
            + _provider_note(report),
            AI_CLOUD,
        ),
        "ai_location_tco2e": Figure(
            report.totals.location_based_tco2e, "report: totals.location_based_tco2e", "sum of the line items", AI_ALL
        ),
        "ai_market_tco2e": Figure(  # Scope 3 has one figure: the cloud's location-based one, as in scope3_tco2e
            own.market_based_tco2e + cloud.location_based_tco2e,
            "report: by_scope[scope2].market_based_tco2e + by_scope[scope3_cat1].location_based_tco2e",
            "Scope 2 market-based + Scope 3 cloud location-based", AI_ALL,
        ),
    }
    result["scope1_tco2e"] = (
        missing("Scope 1 is not given ([organization_figures] scope1_tco2e)", boundary=ORGANISATION)
        if org.scope1_tco2e is None
        else Figure(org.scope1_tco2e, f"{CONFIG} scope1_tco2e", "given", ORGANISATION)
    )
    other = dict(org.scope3_tco2e)
    if other:
        keys = "+".join(other)
        result["scope3_tco2e"] = Figure(
            cloud.location_based_tco2e + sum(other.values()),
            f"report: by_scope[scope3_cat1].location_based_tco2e + {CONFIG} scope3_tco2e ({keys})",
            "category 1.1 estimated; other categories given", COMBINED,
        )
    else:
        result["scope3_tco2e"] = missing(
            "the other Scope 3 categories are not given ([organization_figures] scope3_tco2e)"
        )
    if "1" in other:
        result["scope3_cat1_tco2e"] = Figure(
            cloud.location_based_tco2e + other["1"],
            f"report: by_scope[scope3_cat1].location_based_tco2e + {CONFIG} scope3_tco2e.1",
            "cloud estimated; other purchases given", COMBINED,
        )
    else:
        result["scope3_cat1_tco2e"] = missing(
            "category 1 purchases other than cloud services are not given ([organization_figures] scope3_tco2e.1)"
        )
    return result


def _sum(known: dict[str, Figure], parts: tuple[str, ...], source: str) -> Figure:
    absent = [known[part] for part in parts if not known[part].given]
    if absent:
        return missing(absent[0].reason)
    return Figure(sum(float(known[part].value or 0) for part in parts), source, "sum", COMBINED)


def _provider_note(report: Report) -> str:
    part = report.provider_reported
    if part is None or part.emissions_source != "provider" or not part.figures:
        return ""
    return "; the providers' own location-based figures where their carbon exports cover the usage (provider_reported)"


def _totals(report: Report, known: dict[str, Figure]) -> dict[str, Figure]:
    """Totals of the organisation: Scope 1 and the other Scope 3 categories (configuration) plus the
    report's own total for the AI workloads; the sum rules then check them against their parts."""
    other = sum(report.organization_figures.scope3_tco2e.values())
    result: dict[str, Figure] = {}
    for basis in ("location", "market"):
        needed = [known["scope1_tco2e"], known[f"scope2_{basis}_tco2e"], known["scope3_tco2e"]]
        absent = [figure for figure in needed if not figure.given]
        source = f"{CONFIG} scope1_tco2e + {known[f'ai_{basis}_tco2e'].source} + {CONFIG} scope3_tco2e"
        result[f"total_{basis}_tco2e"] = missing(absent[0].reason) if absent else Figure(
            float(known["scope1_tco2e"].value or 0) + float(known[f"ai_{basis}_tco2e"].value or 0) + other,
            source, "sum", COMBINED,
        )
        result[f"scope12_{basis}_tco2e"] = _sum(
            known, ("scope1_tco2e", f"scope2_{basis}_tco2e"), f"{CONFIG} scope1_tco2e + Scope 2 {basis}-based"
        )
    return result


def _intensities(report: Report, known: dict[str, Figure]) -> dict[str, Figure]:
    revenue = report.organization_figures.net_revenue_eur
    if revenue is None:
        reason = "net revenue is not given ([organization_figures] net_revenue_eur)"
        result = {"net_revenue_eur": missing(reason, boundary=ORGANISATION)}
    else:
        result = {"net_revenue_eur": Figure(revenue, f"{CONFIG} net_revenue_eur", "given", ORGANISATION)}
    pairs = {
        "intensity_location_tco2e_per_eur": "total_location_tco2e",
        "intensity_market_tco2e_per_eur": "total_market_tco2e",
        "intensity_scope12_location_tco2e_per_eur": "scope12_location_tco2e",
        "intensity_scope12_market_tco2e_per_eur": "scope12_market_tco2e",
        "energy_intensity_mwh_per_eur": "own_energy_mwh",
    }
    for key, numerator in pairs.items():
        top = known[numerator]
        if revenue is None or not top.given:
            result[key] = missing(result["net_revenue_eur"].reason if revenue is None else top.reason)
        else:
            result[key] = Figure(float(top.value or 0) / revenue, f"{numerator} / net_revenue_eur", "ratio", COMBINED)
    return result


def _instruments(report: Report, _: dict[str, Figure]) -> dict[str, Figure]:
    totals = report.totals
    method = "instrument MWh applied to Scope 2 energy (Instruments sheet)"
    result = {
        "instrument_share": Figure(
            totals.instrument_coverage_share, "report: totals.instrument_coverage_share", method, AI_OWN
        )
    }
    applied = [row for row in report.instruments if row.mwh_applied > 0]
    total = sum(row.mwh_applied for row in applied)
    if total <= 0:
        reason = "no energy attribute certificate or contract was applied to Scope 2 energy"
        result["bundled_share"] = missing(reason, boundary=AI_OWN)
        result["unbundled_share"] = missing(reason, boundary=AI_OWN)
        return result
    bundled = sum(row.mwh_applied for row in applied if row.bundled)
    source = "report: instruments[].mwh_applied by bundled"
    result["bundled_share"] = Figure(bundled / total, source, method, AI_OWN)
    result["unbundled_share"] = Figure((total - bundled) / total, source, method, AI_OWN)
    return result


def _target(report: Report) -> TargetProgress | None:
    for target in report.targets:
        if target.scope2_method == "location_based" and target.target_tco2e is not None and not target.neutrality:
            return target
    return None


def _targets(report: Report, _: dict[str, Figure]) -> dict[str, Figure]:
    target = _target(report)
    keys = ("base_year", "target_year", "baseline_tco2e", "target_tco2e", "target_reduction_tco2e",
            "target_reduction_share")
    if target is None:
        reason = "no location-based absolute reduction target in the configuration ([[targets]])"
        return {key: missing(reason, boundary=AI_ALL) for key in keys}
    source = f"report: targets['{target.name}']"
    target_tco2e = target.target_tco2e or 0.0
    values: dict[str, float | int] = {
        "base_year": target.base_year,
        "target_year": target.target_year,
        "baseline_tco2e": target.base_tco2e,
        "target_tco2e": target_tco2e,
        "target_reduction_tco2e": target.base_tco2e - target_tco2e,
        "target_reduction_share": (target.base_tco2e - target_tco2e) / target.base_tco2e if target.base_tco2e else 0.0,
    }
    return {key: Figure(values[key], source, target.kind, AI_ALL) for key in keys}


def _credits(report: Report, _: dict[str, Figure]) -> dict[str, Figure]:
    year = report.period.end.year
    if report.period.start.year != year:
        reason = "the report period spans more than one year; credits are listed by year"
        return {key: missing(reason, boundary=ORGANISATION) for key in
                ("credits_cancelled_tco2e", "credits_reduction_share", "credits_removal_share")}
    retired = [credit for credit in report.credits if credit.retired and credit.year == year]
    total = sum(credit.tco2e for credit in retired)
    source = f"report: credits (retired, {year})"
    method = "given in the configuration ([[credits]])"
    result: dict[str, Figure] = {"credits_cancelled_tco2e": Figure(total, source, method, ORGANISATION)}
    shares: dict[str, Callable[[str], bool]] = {
        "credits_reduction_share": lambda kind: kind == "avoidance",
        "credits_removal_share": lambda kind: kind == "removal",
    }
    for key, chosen in shares.items():
        if total <= 0:
            result[key] = missing(f"no credit retired for {year}", boundary=ORGANISATION)
        else:
            part = sum(credit.tco2e for credit in retired if chosen(credit.type))
            result[key] = Figure(part / total, source, method, ORGANISATION)
    return result
