"""Emission-factor reference data: vendored, dated and sourced (see data/factors/SOURCES.md)."""

from reporter.factors.table import Factor, FactorTable, load_factor_table

__all__ = ["Factor", "FactorTable", "load_factor_table"]
