"""Organisation-level figures the tool does not compute, carried in the report as given.

They come from the configuration (`[organization] lei`, `[organization_figures]`) and complete the
filing datapoints (reporter.filing): Scope 1, the Scope 3 categories other than the report's cloud
services, net revenue for intensities, and the split of the own-operations energy by source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reporter.config import ReportConfig


@dataclass(frozen=True)
class OrganizationFigures:
    lei: str | None = None
    scope1_tco2e: float | None = None
    scope3_tco2e: Mapping[str, float] = field(default_factory=dict)  # by GHG Protocol category number
    net_revenue_eur: float | None = None
    energy_fossil_mwh: float | None = None
    energy_nuclear_mwh: float | None = None
    energy_renewable_mwh: float | None = None

    def given(self) -> tuple[str, ...]:
        """The configuration keys that were given, in the order of the fields."""
        names = {
            "scope1_tco2e": self.scope1_tco2e,
            "net_revenue_eur": self.net_revenue_eur,
            "energy_mix_mwh": self.energy_fossil_mwh,
        }
        keys = [name for name, value in names.items() if value is not None]
        keys += [f"scope3_tco2e.{key}" for key in sorted(self.scope3_tco2e, key=int)]
        return tuple(keys)


def organization_figures(config: ReportConfig) -> OrganizationFigures:
    figures = config.organization_figures
    mix = figures.energy_mix_mwh
    return OrganizationFigures(
        lei=config.organization.lei,
        scope1_tco2e=figures.scope1_tco2e,
        scope3_tco2e=dict(sorted(figures.scope3_tco2e.items(), key=lambda item: int(item[0]))),
        net_revenue_eur=figures.net_revenue_eur,
        energy_fossil_mwh=mix.fossil if mix else None,
        energy_nuclear_mwh=mix.nuclear if mix else None,
        energy_renewable_mwh=mix.renewable if mix else None,
    )
