"""Progress against targets: linear pathways, neutrality and net zero. Pure arithmetic.

Targets are gross: credits are reported beside them and never subtracted. For a period shorter
than a year, the base, target and pathway values are taken pro rata (share of the year's days)
before they are compared with the period's actual emissions.

Definitions (E = emissions in tCO2e, N = the report year, B = base year, T = target year):
- pathway(y) = E_B − (E_B − E_T) × (y − B) / (T − B), flat at E_T after T
- reduction_pct = (E_B − E_N) / E_B; achieved_pct = (E_B − E_N) / (E_B − E_T)
- gap_tco2e = E_N − pathway(N) (positive: above the pathway, off track)
- required rate from here: linear (E_N − E_T) / (T − N) t a year, compound 1 − (E_T / E_N)^(1 / (T − N))
- remaining budget = Σ pathway(y) for y = N+1 … T
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reporter.errors import ConfigError

SBTI_MIN_ANNUAL_PCT = 4.2
NET_ZERO_MIN_PCT = 90.0


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    base_year: int
    base_tco2e: float
    target_year: int
    reduction_pct: float | None  # None: no reduction commitment (plain neutrality pledge)
    scope2_method: str = "location_based"

    @property
    def target_tco2e(self) -> float | None:
        if self.reduction_pct is None:
            return None
        return self.base_tco2e * (1 - self.reduction_pct / 100)

    def pathway(self, year: int) -> float | None:
        target = self.target_tco2e
        if target is None:
            return None
        if year <= self.base_year:
            return self.base_tco2e
        if year >= self.target_year:
            return target
        progress = (year - self.base_year) / (self.target_year - self.base_year)
        return self.base_tco2e - (self.base_tco2e - target) * progress


@dataclass(frozen=True)
class Credit:
    year: int
    tco2e: float
    type: str  # "removal" or "avoidance"
    registry_id: str = ""
    registry: str = ""
    project: str = ""
    retired: bool = True


def make_target(
    name: str,
    kind: str,
    base_year: int,
    base_tco2e: float,
    target_year: int,
    reduction_pct: float | None,
    scope2_method: str = "location_based",
) -> Target:
    """Check a target's kind-specific rules and fill its defaults."""
    years = target_year - base_year
    if kind == "sbti_1_5c":
        minimum = SBTI_MIN_ANNUAL_PCT * years
        reduction_pct = min(100.0, minimum) if reduction_pct is None else reduction_pct
        if reduction_pct + 1e-9 < min(100.0, minimum):
            raise ConfigError(
                f"target '{name}': SBTi 1.5 °C needs at least {SBTI_MIN_ANNUAL_PCT}% a year, linear from "
                f"the base year: {min(100.0, minimum):.1f}% over {years} years, not {reduction_pct}%"
            )
    elif kind == "net_zero":
        reduction_pct = NET_ZERO_MIN_PCT if reduction_pct is None else reduction_pct
        if reduction_pct < NET_ZERO_MIN_PCT:
            raise ConfigError(
                f"target '{name}': net zero needs at least a {NET_ZERO_MIN_PCT:.0f}% reduction "
                f"from the base year, not {reduction_pct}%"
            )
    elif kind == "absolute_reduction" and reduction_pct is None:
        raise ConfigError(f"target '{name}': an absolute_reduction target needs reduction_pct")
    return Target(name, kind, base_year, base_tco2e, target_year, reduction_pct, scope2_method)


def progress(
    target: Target, year: int, year_fraction: float, actual_tco2e: float, credits: list[Credit]
) -> dict[str, Any]:
    """Every progress figure for one target and one report period (see the module docstring)."""
    f = year_fraction
    base = target.base_tco2e * f
    goal = target.target_tco2e
    path = target.pathway(year)
    result: dict[str, Any] = {
        "name": target.name,
        "kind": target.kind,
        "scope2_method": target.scope2_method,
        "base_year": target.base_year,
        "base_tco2e": target.base_tco2e,
        "target_year": target.target_year,
        "target_reduction_pct": target.reduction_pct,
        "target_tco2e": goal,
        "report_year": year,
        "year_fraction": f,
        "pro_rata": f < 1.0,
        "pathway_tco2e": path * f if path is not None else None,
        "actual_tco2e": actual_tco2e,
        "reduction_pct": (base - actual_tco2e) / base * 100 if base else None,
        "achieved_pct": None,
        "gap_tco2e": None,
        "on_track": None,
        "annual_target_pct_of_base": None,
        "required_annual_reduction_tco2e": None,
        "required_annual_reduction_pct": None,
        "remaining_budget_tco2e": None,
    }
    if goal is not None and path is not None:
        goal_p = goal * f
        result["achieved_pct"] = (base - actual_tco2e) / (base - goal_p) * 100 if base != goal_p else None
        result["gap_tco2e"] = actual_tco2e - path * f
        result["on_track"] = actual_tco2e <= path * f + 1e-12
        assert target.reduction_pct is not None
        result["annual_target_pct_of_base"] = target.reduction_pct / (target.target_year - target.base_year)
        result.update(_required(actual_tco2e / f if f else 0.0, goal, target.target_year - year))
        result["remaining_budget_tco2e"] = sum(
            target.pathway(y) or 0.0 for y in range(year + 1, target.target_year + 1)
        )
    if target.kind in ("carbon_neutral", "net_zero"):
        result.update(_neutrality(target, year, f, actual_tco2e, credits))
    return result


def _required(annual_actual: float, goal: float, years_left: int) -> dict[str, float | None]:
    if years_left <= 0:
        return {"required_annual_reduction_tco2e": None, "required_annual_reduction_pct": None}
    linear = (annual_actual - goal) / years_left
    if annual_actual <= 0:
        compound = None
    elif goal <= 0:
        compound = 100.0
    else:
        compound = (1 - (goal / annual_actual) ** (1 / years_left)) * 100
    return {"required_annual_reduction_tco2e": linear, "required_annual_reduction_pct": compound}


def _neutrality(target: Target, year: int, f: float, gross: float, credits: list[Credit]) -> dict[str, Any]:
    """Credits retired for the report year beside gross emissions: shown, never netted.

    Credits are annual; for a part-year period the year's credits are taken pro rata.
    """
    retired = [c for c in credits if c.year == year and c.retired]
    removals = sum(c.tco2e for c in retired if c.type == "removal")
    avoidance = sum(c.tco2e for c in retired if c.type == "avoidance")
    eligible = (removals if target.kind == "net_zero" else removals + avoidance) * f
    return {
        "gross_tco2e": gross,
        "credits_removal_tco2e": removals,
        "credits_avoidance_tco2e": avoidance,
        "credits_eligible_tco2e": eligible,
        "uncovered_tco2e": max(gross - eligible, 0.0),
        "credit_coverage_pct": eligible / gross * 100 if gross else None,
        "claim_possible": year >= target.target_year and f >= 1.0 and eligible >= gross,
        "claim_note": (
            "net zero: residual emissions must be neutralised by removals only"
            if target.kind == "net_zero"
            else "carbon neutrality (ISO 14068-1): reductions first; credits cover only residual emissions"
        ),
    }
