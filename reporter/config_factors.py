"""The [factors] section of the configuration: the fallback location, location-factor overrides,
and the supplier rates and residual mixes of market-based Scope 2.

A rate of [factors.supplier] or [factors.residual_mix] is a number in gCO2e/kWh, or a table that
also gives the year the rate is for and where it was published:

    KOR = { g_co2e_per_kwh = 420.0, year = 2025, source = "KEPCO sustainability report 2025" }

`split_rates` turns the tables into the number (what the market stage reads) and a `RateDetail`
kept beside it (what the report shows); `written` gives them back in the table form.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)

RATE_SECTIONS = ("supplier", "residual_mix")
FIRST_YEAR, LAST_YEAR = 1990, 2100


@dataclass(frozen=True)
class RateDetail:
    """The year a rate is for and where it was published, as the configuration or workbook states them."""

    year: int | None = None
    source: str | None = None


class RateTable(BaseModel):
    """A rate given as a table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    g_co2e_per_kwh: float
    year: int | None = Field(default=None, strict=True)
    source: str | None = None


class Factors(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fallback: str = "WORLD"
    location_based: dict[str, float] = Field(default_factory=dict)
    # Market-based Scope 2, gCO2e/kWh by country, US state or grid region (see reporter.core.market);
    # a rate given as a table keeps its year and source in `_details`.
    supplier: dict[str, float] = Field(default_factory=dict)
    residual_mix: dict[str, float] = Field(default_factory=dict)
    # Where a supplier or residual-mix rate came from other than the configuration file: the
    # workbook cell, by (section, region as written). Set when workbooks are merged.
    _origins: dict[tuple[str, str], str] = PrivateAttr(default_factory=dict)
    # The year and source of the rates given as tables, by (section, region as written).
    _details: dict[tuple[str, str], RateDetail] = PrivateAttr(default_factory=dict)

    def rate_origin(self, section: str, region: str, config_file: str | None) -> str:
        """The configuration key or the workbook cell that gives the rate of `region` in `section`."""
        found = self._origins.get((section, region))
        if found:
            return found
        return f"{Path(config_file).name if config_file else 'configuration'} [factors.{section}] {region}"

    def with_origins(self, origins: dict[tuple[str, str], str]) -> Factors:
        self._origins.update(origins)
        return self

    def rate_detail(self, section: str, region: str) -> RateDetail:
        """The year and source stated for the rate of `region` (as written) in `section`; both None
        for a rate given as a number."""
        return self._details.get((section, region), RateDetail())

    def written(self, section: str) -> dict[str, Any]:
        """The rates of `section` as the configuration writes them (tables where a year or source is known)."""
        return written(getattr(self, section), self._details, section)

    @model_validator(mode="wrap")
    @classmethod
    def _rate_tables(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Factors:
        numbers, details = split_rates(data)
        factors = handler(numbers)
        factors._details.update(details)
        return factors

    @model_validator(mode="after")
    def _rates_not_negative(self) -> Factors:
        for section in ("location_based", *RATE_SECTIONS):
            for key, value in getattr(self, section).items():
                if not value >= 0 or value == float("inf"):
                    raise ValueError(f"factors.{section}.{key}: {value} is not a rate in gCO2e/kWh (>= 0)")
        return self


def split_rates(data: Any) -> tuple[Any, dict[tuple[str, str], RateDetail]]:
    """The [factors] table with each rate table replaced by its number, and the year and source of
    each rate that is a table, by (section, region as written). A bad table is a ValueError naming
    its key (`factors.supplier.KOR.year`)."""
    if not isinstance(data, dict):
        return data, {}
    details: dict[tuple[str, str], RateDetail] = {}
    out = dict(data)
    for section in RATE_SECTIONS:
        rates = data.get(section)
        if not isinstance(rates, dict):
            continue
        numbers: dict[str, Any] = {}
        for region, value in rates.items():
            if isinstance(value, dict):
                table = _table(section, str(region), value)
                numbers[region] = table.g_co2e_per_kwh
                details[(section, str(region))] = RateDetail(table.year, table.source)
            else:
                numbers[region] = value
        out[section] = numbers
    return out, details


def _table(section: str, region: str, value: dict[str, Any]) -> RateTable:
    where = f"factors.{section}.{region}"
    try:
        table = RateTable.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        if first["type"] == "extra_forbidden":
            raise ValueError(
                f"unknown key '{where}.{key}' (a rate table has g_co2e_per_kwh, year and source)"
            ) from None
        if first["type"] == "missing":
            raise ValueError(f"missing key '{where}.{key}' (the rate in gCO2e/kWh)") from None
        raise ValueError(f"{where}.{key}: {first['msg'].removeprefix('Value error, ')}") from None
    if table.year is not None and not FIRST_YEAR <= table.year <= LAST_YEAR:
        raise ValueError(f"{where}.year: {table.year} is not a year from {FIRST_YEAR} to {LAST_YEAR}")
    if table.source is not None and not table.source.strip():
        raise ValueError(f"{where}.source is empty (name where the rate is published, or leave it out)")
    return table


def written(rates: dict[str, float], details: dict[tuple[str, str], RateDetail], section: str) -> dict[str, Any]:
    """A section's rates as the configuration writes them: a number, or a table where a year or
    source is known."""
    out: dict[str, Any] = {}
    for region, rate in rates.items():
        detail = details.get((section, region))
        out[region] = rate if detail is None else as_table(rate, detail.year, detail.source)
    return out


def as_table(rate: float, year: int | None, source: str | None) -> dict[str, Any]:
    """A rate in the table form (year and source left out when not known)."""
    table: dict[str, Any] = {"g_co2e_per_kwh": rate}
    if year is not None:
        table["year"] = year
    if source is not None:
        table["source"] = source
    return table
