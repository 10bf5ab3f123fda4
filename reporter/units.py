"""Unit constants and conversions. Every quantity elsewhere carries its unit in its name."""

from __future__ import annotations

J_PER_KWH = 3_600_000.0
S_PER_HOUR = 3600.0
G_PER_KG = 1000.0
KG_PER_T = 1000.0
KWH_PER_MWH = 1000.0


def co2e_kg(energy_kwh: float, factor_g_per_kwh: float) -> float:
    """Emissions in kg CO2e of an energy amount at a grid factor in gCO2e/kWh."""
    return energy_kwh * factor_g_per_kwh / G_PER_KG


def kg_to_t(value_kg: float) -> float:
    return value_kg / KG_PER_T


def kwh_to_mwh(value_kwh: float) -> float:
    return value_kwh / KWH_PER_MWH
