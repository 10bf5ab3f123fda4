"""The configuration sheets of a filled workbook, merged into the run's configuration.

Each row is validated by the configuration's own model (InstrumentConfig, CreditConfig, …); a
value it refuses is an InputFormatError naming the cell. Merging adds the workbook's entries to
the configuration's; a value given in both places is a ConfigError naming both:

* an instrument with the same certificate_id, a credit with the same registry_id, a target with
  the same name, a supplier or residual-mix rate for the same region, a [baseline] in both;
* the organisation's name, slug or LEI, or the period, when they differ from the configuration
  file's (a slug or LEI the file leaves empty is taken from the workbook; a run without a
  configuration file takes the name and period from the command line, and from the workbook's
  Organisation sheet only where the command line gives none: `identity_of`);
* an [organization_figures] figure given in both (each Scope 3 category on its own; the energy
  mix as a whole): the Organisation sheet's figure columns are that section's keys, dotted for
  its tables (`scope3_tco2e.1`, `energy_mix_mwh.fossil`);
* a whole-site Electricity meter (no PUE) while the configuration sets [facility] pue, which would
  be applied on top of a figure that already holds the facility's overhead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from reporter.config import (
    Baseline,
    CreditConfig,
    InstrumentConfig,
    Organization,
    OrganizationFigures,
    PeriodConfig,
    ReportConfig,
    TargetConfig,
)
from reporter.config_factors import as_table
from reporter.errors import ConfigError, InputFormatError
from reporter.workbook import schema
from reporter.workbook.filled import Filled, Record

FIGURE_KEYS = tuple(
    c.key for c in schema.ORGANISATION.columns if c.key.partition(".")[0] in OrganizationFigures.model_fields
)


@dataclass
class Entry:
    """One configuration value from a workbook, and where it is (`book.xlsx Instruments!E5`)."""

    value: Any
    where: str
    cell: str = ""  # for a rate: the cell holding the value itself


@dataclass
class Settings:
    instruments: list[Entry] = field(default_factory=list)
    credits: list[Entry] = field(default_factory=list)
    targets: list[Entry] = field(default_factory=list)
    supplier: list[Entry] = field(default_factory=list)  # (region, rate, year or None, source or None)
    residual_mix: list[Entry] = field(default_factory=list)
    baseline: Entry | None = None
    organization: Entry | None = None
    period: Entry | None = None
    figures: list[Entry] = field(default_factory=list)  # ([organization_figures] key, value) each
    whole_site_meters: list[str] = field(default_factory=list)  # cells of Electricity rows without a PUE


def settings_of(filled: Filled, shown: str) -> Settings:
    """The configuration values a filled workbook gives, each validated like the configuration's."""
    found = Settings()
    models: list[tuple[schema.Sheet, type[BaseModel], list[Entry]]] = [
        (schema.INSTRUMENTS, InstrumentConfig, found.instruments),
        (schema.CREDITS, CreditConfig, found.credits),
        (schema.TARGETS, TargetConfig, found.targets),
    ]
    for sheet, model, entries in models:
        for record in filled.of(sheet):
            entries.append(Entry(_validated(model, record, record.values, shown), _where(shown, record, None)))
    for sheet, rates in ((schema.SUPPLIER, found.supplier), (schema.RESIDUAL, found.residual_mix)):
        for record in filled.of(sheet):
            values = record.values
            rate = (values["region"].strip(), values["g_co2e_per_kwh"], values["year"], values["source"])
            rates.append(Entry(rate, _where(shown, record, "region"), _where(shown, record, "g_co2e_per_kwh")))
    for record in filled.of(schema.BASELINE):
        found.baseline = Entry(_validated(Baseline, record, record.values, shown), _where(shown, record, None))
    for record in filled.of(schema.ORGANISATION):
        organization = {k: record.values[k] for k in ("name", "slug", "lei")}
        period = {k: record.values[k] for k in ("month", "start", "end")}
        found.organization = Entry(_validated(Organization, record, organization, shown), _where(shown, record, None))
        found.period = Entry(_validated(PeriodConfig, record, period, shown), _where(shown, record, "month"))
        figures = _figures(record.values)
        if figures:
            value = _validated(OrganizationFigures, record, figures, shown)
            for key in figures:
                parts = getattr(value, key)
                if key == "scope3_tco2e":  # each category on its own, in its own cell
                    found.figures += [Entry((f"{key}.{n}", tco2e), _where(shown, record, f"{key}.{n}"))
                                      for n, tco2e in parts.items()]
                else:
                    found.figures.append(Entry((key, parts), _where(shown, record, _first_key(record, key))))
    meters = filled.of(schema.ELECTRICITY)
    found.whole_site_meters = [_where(shown, r, "pue") for r in meters if r.values["pue"] is None]
    return found


def _figures(values: dict[str, Any]) -> dict[str, Any]:
    """The [organization_figures] a row gives, as the configuration writes them (tables for dotted keys)."""
    figures: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or key not in FIGURE_KEYS:
            continue
        section, _, part = key.partition(".")
        if part:
            figures.setdefault(section, {})[part] = value
        else:
            figures[key] = value
    return figures


def _first_key(record: Record, section: str) -> str:
    """The first filled column of a figure (its own, or the first of its table's)."""
    return next(k for k in FIGURE_KEYS if k.partition(".")[0] == section and record.values.get(k) is not None)


def _where(shown: str, record: Record, key: str | None) -> str:
    if key is None:
        return f"{shown} {record.sheet} row {record.row}"
    return f"{shown} {record.cell(key)}"


def _validated(model: type[BaseModel], record: Record, values: dict[str, Any], shown: str) -> BaseModel:
    given = {key: value for key, value in values.items() if value is not None}
    try:
        return model.model_validate(given)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first["loc"]]
        key = next((k for k in (".".join(loc[:2]), loc[0] if loc else "") if k in record.columns), None)
        if key is None and loc and loc[0] in values and isinstance(values[loc[0]], dict):
            key = _first_key(record, loc[0])  # a table's own rule (the energy mix needs all three parts)
        where = record.cell(key) if key else f"{record.sheet} row {record.row}"
        message = f"'{key}' is required" if first["type"] == "missing" and key else first["msg"]
        raise InputFormatError(f"{where}: {message.removeprefix('Value error, ')}", path=shown) from None


# --------------------------------------------------------------------------------------------
# merging


def merge(config: ReportConfig, books: list[Settings], normalise: Callable[[str], str]) -> ReportConfig:
    """The configuration with every workbook's values added; a value in two places is a ConfigError."""
    if not books:
        return config
    data = config.model_dump()
    for section in ("supplier", "residual_mix"):  # rates with a year or source as tables, as written
        data["factors"][section] = config.factors.written(section)
    origin = config.inputs_from or "the command line"
    cells = {
        (section, entry.value[0]): entry.cell
        for book in books
        for section, rates in (("supplier", book.supplier), ("residual_mix", book.residual_mix))
        for entry in rates
    }
    figure_places = _figure_places(data["organization_figures"], origin)
    for book in books:
        _add_list(data, "instruments", book.instruments, "certificate_id", origin)
        _add_list(data, "credits", book.credits, "registry_id", origin)
        _add_list(data, "targets", book.targets, "name", origin)
        for section, rates in (("supplier", book.supplier), ("residual_mix", book.residual_mix)):
            _add_rates(data, section, rates, normalise, origin)
        _add_single(data, "baseline", book.baseline, origin)
        if config.inputs_from is not None:  # what the file leaves empty (slug, lei) is taken; the rest must agree
            _missing(data, "organization", book.organization)
            _same(data, "organization", book.organization, origin)
            _same(data, "period", book.period, origin)
        else:  # the name comes from the command line (or the workbook, `identity_of`): the rest from here
            _missing(data, "organization", book.organization)
        _add_figures(data, book.figures, figure_places)
        if book.whole_site_meters and config.facility.pue is not None:
            raise ConfigError(
                f"{book.whole_site_meters[0]}: a whole-site meter (no PUE given) holds the facility's overhead "
                f"already, but {origin} sets [facility] pue = {config.facility.pue:g}, which would be applied on "
                "top; give the meter's PUE if it measures IT equipment only, or remove [facility] pue"
            )
    try:
        merged = ReportConfig.model_validate(data)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{origin} with the workbook's settings: {message}") from None
    merged.factors.with_origins(cells)
    return merged


def _add_list(data: dict[str, Any], section: str, entries: list[Entry], key: str, origin: str) -> None:
    places = {item[key]: f"{origin} [[{section}]] {n}" for n, item in enumerate(data[section], start=1) if item[key]}
    for entry in entries:
        value = entry.value.model_dump()
        if value[key] and value[key] in places:
            raise ConfigError(
                f"{section[:-1]} {key} '{value[key]}' is given both in {places[value[key]]} and in {entry.where}"
            )
        if value[key]:
            places[value[key]] = entry.where
        data[section].append(value)


def _add_rates(
    data: dict[str, Any], section: str, entries: list[Entry], normalise: Callable[[str], str], origin: str
) -> None:
    rates = data["factors"][section]
    places = {normalise(region): f"{origin} [factors.{section}] {region}" for region in rates}
    for entry in entries:
        region, rate, year, source = entry.value
        key = normalise(region)
        if key in places:
            raise ConfigError(f"factors.{section} for '{region}' is given both in {places[key]} and in {entry.where}")
        places[key] = entry.where
        rates[region] = rate if year is None and source is None else as_table(rate, year, source)


def _add_single(data: dict[str, Any], section: str, entry: Entry | None, origin: str) -> None:
    if entry is None:
        return
    if data[section] is not None:
        raise ConfigError(f"[{section}] is given both in {origin} and in {entry.where}")
    data[section] = entry.value.model_dump()


def _same(data: dict[str, Any], section: str, entry: Entry | None, origin: str) -> None:
    """The workbook's organisation or period must agree with the configuration file's."""
    if entry is None:
        return
    given = {key: value for key, value in entry.value.model_dump().items() if value is not None}
    for key, value in given.items():
        if data[section].get(key) != value:
            raise ConfigError(
                f"{section}.{key} is given both in {origin} ({data[section].get(key)}) and in {entry.where} "
                f"({value}), differently"
            )


def _missing(data: dict[str, Any], section: str, entry: Entry | None) -> None:
    """The workbook's values for the keys the configuration leaves empty."""
    if entry is None:
        return
    for key, value in entry.value.model_dump().items():
        if value is not None and data[section].get(key) is None:
            data[section][key] = value


def _figure_places(figures: dict[str, Any], origin: str) -> dict[str, str]:
    """Where each [organization_figures] value of the configuration is (a Scope 3 category on its own)."""
    places = {key: origin for key, value in figures.items() if value is not None and key != "scope3_tco2e"}
    places.update({f"scope3_tco2e.{n}": origin for n in figures["scope3_tco2e"]})
    return places


def _add_figures(data: dict[str, Any], entries: list[Entry], places: dict[str, str]) -> None:
    """[organization_figures] from a workbook; a figure given in two places (a Scope 3 category, an
    energy mix, a figure) is a ConfigError naming both. `places` holds where each was given so far."""
    figures = data["organization_figures"]
    for entry in entries:
        key, value = entry.value
        if key in places:
            raise ConfigError(f"organization_figures.{key} is given both in {places[key]} and in {entry.where}")
        places[key] = entry.where
        section, _, category = key.partition(".")
        if category:
            figures[section][category] = value
        else:
            figures[key] = value.model_dump() if isinstance(value, BaseModel) else value


def merge_workbooks(config: ReportConfig, planned: list[Any], normalise: Callable[[str], str]) -> ReportConfig:
    """The configuration merged with the settings of every manual-entry workbook among the planned inputs."""
    from reporter.workbook.filled import read_filled
    from reporter.workbook.reader import FORMAT

    books = [
        settings_of(read_filled(p.file.path, p.display), p.display) for p in planned if p.reader.name == FORMAT
    ]
    return merge(config, books, _lenient(normalise))


def _lenient(normalise: Callable[[str], str]) -> Callable[[str], str]:
    """Region keys compared as the market stage reads them (DE and DEU alike); unknown ones as written."""

    def key(region: str) -> str:
        try:
            return normalise(region)
        except ConfigError:
            return region.strip().upper()

    return key


def identity_of(paths: list[Path], org: str | None, period: str | None) -> tuple[str | None, str | None]:
    """The organisation and period from the first manual-entry workbook among `paths` that gives
    them, where the command line does not (a run without a configuration file)."""
    from reporter.workbook.filled import read_filled
    from reporter.workbook.kind import is_manual_workbook

    for path in paths:
        if (org is not None and period is not None) or not path.is_file() or not is_manual_workbook(path):
            continue
        found = settings_of(read_filled(path, path.name), path.name)
        if found.organization is not None and org is None:
            org = found.organization.value.name
        if found.period is not None and period is None:
            given = found.period.value
            period = given.month or f"{given.start}..{given.end}"
    return org, period
