"""Load the vendored factor tables and answer location look-ups.

A factor is identified by a key: an ISO alpha-3 country (`KOR`), a US state (`US-VA`), a cloud
region (`gcp:europe-west1`) or `WORLD`. User overrides from the configuration become factors of
their own (id `config:<key>`), so every number keeps its id, source, year, basis and unit.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from reporter.errors import ConfigError, ReferenceDataError

UNIT = "gCO2e/kWh"
DATA_PACKAGE = "reporter.data.factors"


@dataclass(frozen=True)
class Factor:
    factor_id: str
    key: str
    key_kind: str
    name: str
    value: float
    unit: str
    year: int | None
    basis: str
    source: str
    source_detail: str
    licence: str


@dataclass
class FactorTable:
    """Location-based factors plus the code tables that map a run's location to a key."""

    factors: dict[str, Factor]
    alpha2_to_alpha3: dict[str, str]
    name_to_alpha3: dict[str, str]
    cloud_regions: dict[tuple[str, str], tuple[str, str | None]]
    state_names: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, Factor] = field(default_factory=dict)

    def country(self, code: str | None) -> str | None:
        """ISO alpha-3 for an alpha-3, alpha-2 or English country name; None if unknown."""
        if not code:
            return None
        cleaned = code.strip()
        upper = cleaned.upper()
        if len(upper) == 3 and upper in self.name_to_alpha3.values():
            return upper
        if len(upper) == 2 and upper in self.alpha2_to_alpha3:
            return self.alpha2_to_alpha3[upper]
        return self.name_to_alpha3.get(cleaned.lower())

    def us_state(self, region: str | None) -> str | None:
        """`US-XX` key for a US state name or two-letter code; None if unknown."""
        if not region:
            return None
        cleaned = region.strip()
        if len(cleaned) == 2 and f"US-{cleaned.upper()}" in self.factors:
            return f"US-{cleaned.upper()}"
        return self.state_names.get(cleaned.lower())

    def lookup(self, key: str) -> Factor | None:
        """The override for `key` if the user gave one, else the vendored factor, else None."""
        return self.overrides.get(key) or self.factors.get(key)

    def with_overrides(self, values: Mapping[str, float], origin: str) -> FactorTable:
        """A copy of the table in which the given keys (countries or cloud regions) are overridden."""
        overrides: dict[str, Factor] = {}
        for raw_key, value in values.items():
            key = self.normalise_key(raw_key)
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(
                    f"factors.location_based: '{raw_key}' must be a non-negative number of gCO2e/kWh"
                )
            overrides[key] = Factor(
                factor_id=f"config:{key}",
                key=key,
                key_kind="override",
                name=raw_key,
                value=float(value),
                unit=UNIT,
                year=None,
                basis="location-based; organisation-supplied",
                source=f"organisation override ({origin})",
                source_detail="[factors.location_based]",
                licence="",
            )
        return replace(self, overrides=overrides)

    def normalise_key(self, raw_key: str) -> str:
        """Countries to alpha-3, US states to US-XX; cloud regions stay as written (lower case)."""
        key = raw_key.strip()
        if key.upper() == "WORLD":
            return "WORLD"
        if key.upper().startswith("US-") and len(key) == 5:
            return key.upper()
        if country := self.country(key):
            return country
        if ":" in key or "-" in key:
            return key.lower()
        raise ConfigError(
            f"factors.location_based: '{raw_key}' is neither a known country code nor a cloud "
            "region (use ISO codes like KOR or KR, US-VA, or regions like aws:us-east-1)"
        )

    def used(self, ids: Iterable[str]) -> list[Factor]:
        by_id = {f.factor_id: f for f in (*self.factors.values(), *self.overrides.values())}
        return [by_id[i] for i in sorted(set(ids)) if i in by_id]


def load_factor_table(directory: Path | None = None) -> FactorTable:
    """Load the vendored tables (or those in `directory`, for tests)."""
    rows = _rows(directory, "location_grid.csv")
    factors: dict[str, Factor] = {}
    for row in rows:
        try:
            factor = Factor(
                factor_id=row["factor_id"],
                key=row["key"],
                key_kind=row["key_kind"],
                name=row["name"],
                value=float(row["value"]),
                unit=row["unit"],
                year=int(row["year"]) if row["year"] else None,
                basis=row["basis"],
                source=row["source"],
                source_detail=row["source_detail"],
                licence=row["licence"],
            )
        except (KeyError, ValueError) as exc:
            raise ReferenceDataError(f"location_grid.csv: malformed row {row!r} ({exc})") from None
        factors[factor.key] = factor
    codes = _rows(directory, "country_codes.csv")
    alpha2 = {r["alpha2"].upper(): r["alpha3"].upper() for r in codes if r["alpha2"]}
    names = {r["name"].lower(): r["alpha3"].upper() for r in codes}
    for factor in factors.values():
        if factor.key_kind == "country":
            names.setdefault(factor.name.lower(), factor.key)
            names.setdefault(factor.key.lower(), factor.key)
    regions = {
        (r["provider"].lower(), r["region"].lower()): (r["country_alpha3"].upper(), r["us_state"] or None)
        for r in _rows(directory, "cloud_regions.csv")
    }
    states = {f.name.lower(): f.key for f in factors.values() if f.key_kind == "us_state"}
    return FactorTable(factors, alpha2, names, regions, states)


def _rows(directory: Path | None, name: str) -> list[dict[str, str]]:
    try:
        if directory is not None:
            text = (directory / name).read_text(encoding="utf-8")
        else:
            text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise ReferenceDataError(f"factor data file {name} cannot be read ({exc})") from None
    return list(csv.DictReader(text.splitlines()))
