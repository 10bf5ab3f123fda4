"""Typed datapoint rows: the mapping (package data) applied to the report's figures.

`datapoint_rows(report)` gives one row per datapoint of every framework in the mapping, reported
(with its value) or not (with the reason: not applicable, or a figure the report does not have).
The sum rules of the mapping are checked first; a broken rule is an error that names it.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import numpy

from reporter.errors import ConfigError, ReferenceDataError
from reporter.filing.figures import Figure, figures
from reporter.report import Report

DATA_PACKAGE = "reporter.data.filing"
MAPPING_FILE = "datapoints.toml"
REPORTED, NOT_REPORTED, NOT_APPLICABLE = "reported", "not_reported", "not_applicable"
RULE_TOLERANCE = 1e-9
MILESTONE_YEARS = (2030, 2035, 2040, 2045, 2050)


@dataclass(frozen=True)
class Datapoint:
    framework: str
    id: str
    paragraph: str
    label: str
    unit: str
    element: str = ""
    figure: str | None = None
    status: str | None = None  # "not_applicable", or None when a figure fills it
    reason: str = ""
    note: str = ""
    period_type: str = "duration"
    period: str = "report"  # "report", "base_year" or "target_year"
    dimensions: Mapping[str, str] = field(default_factory=dict)
    decimals: int | None = None
    xbrl: bool = True


@dataclass(frozen=True)
class Rule:
    name: str
    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Mapping_:
    meta: Mapping[str, str]
    frameworks: Mapping[str, str]
    rules: tuple[Rule, ...]
    datapoints: tuple[Datapoint, ...]


@dataclass(frozen=True)
class DatapointRow:
    framework: str
    id: str
    paragraph: str
    element: str
    label: str
    value: float | int | None
    unit: str
    period_start: date | None
    period_end: date | None
    entity: str
    boundary: str
    method: str
    source: str
    status: str
    note: str  # what the value covers, or why there is none
    dimensions: Mapping[str, str]
    decimals: int | None
    xbrl: bool

    @property
    def dimension_text(self) -> str:
        return "; ".join(f"{axis}={member}" for axis, member in self.dimensions.items())


@cache
def load_mapping() -> Mapping_:
    """The datapoint mapping shipped with the package."""
    try:
        text = resources.files(DATA_PACKAGE).joinpath(MAPPING_FILE).read_text(encoding="utf-8")
        data = tomllib.loads(text)
        points = tuple(_datapoint(entry) for entry in data["datapoints"])
        rules = tuple(Rule(r["name"], r["total"], tuple(r["parts"])) for r in data["rules"])
        return Mapping_(data["meta"], data["frameworks"], rules, points)
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceDataError(f"the datapoint mapping {MAPPING_FILE} cannot be read ({exc})") from None


def _datapoint(entry: dict[str, Any]) -> Datapoint:
    point = Datapoint(**entry)
    if (point.figure is None) == (point.status is None):
        raise ValueError(f"{point.framework} {point.id}: give either a figure or status = \"not_applicable\"")
    if point.status not in (None, NOT_APPLICABLE) or (point.status and not point.reason):
        raise ValueError(f"{point.framework} {point.id}: a datapoint that does not apply needs its reason")
    return point


def frameworks() -> tuple[str, ...]:
    return tuple(load_mapping().frameworks)


def boundary_statement(report: Report, tr: Callable[[str], str] = str) -> str:
    """Which scope boundary the figures cover, in one paragraph (its sentences passed through `tr`, a
    translation of the mapping's English text)."""
    meta = load_mapping().meta
    given = report.organization_figures.given()
    org = (
        tr(meta["boundary_organization"]).format(given=", ".join(given))
        if given
        else tr(meta["boundary_no_organization"])
    )
    return tr(meta["boundary"]).format(
        organization=report.organization.name, start=report.period.start, end=report.period.end,
        organization_figures=org,
    )


def entity(report: Report) -> str:
    lei = report.organization_figures.lei
    return f"{report.organization.name} (LEI {lei})" if lei else report.organization.name


def datapoint_rows(report: Report, framework: str | None = None) -> tuple[DatapointRow, ...]:
    """Every datapoint of the mapping (of one framework, if given), after the sum rules are checked."""
    mapping = load_mapping()
    known = figures(report)
    check_rules(mapping.rules, known)
    points = [p for p in mapping.datapoints if framework is None or p.framework == framework]
    return tuple(_row(report, point, known) for point in points)


def check_filing(report: Report) -> None:
    """The mapping's sum rules on the report's figures (a ConfigError names the first that fails)."""
    check_rules(load_mapping().rules, figures(report))


def check_rules(rules: tuple[Rule, ...], known: Mapping[str, Figure]) -> None:
    """Each rule whose figures are all given must hold; the first that does not is a ConfigError."""
    for rule in rules:
        terms = [known[name] for name in (rule.total, *rule.parts)]
        if not all(term.given for term in terms):
            continue
        total, *parts = (float(term.value or 0) for term in terms)
        if not math.isclose(total, sum(parts), rel_tol=RULE_TOLERANCE, abs_tol=1e-12):
            shown = " + ".join(f"{part!r}" for part in parts)
            raise ConfigError(
                f"sum rule '{rule.name}' does not hold: {total!r} is not {shown} = {sum(parts)!r} "
                f"(check [organization_figures] in the configuration)"
            )


def _row(report: Report, point: Datapoint, known: Mapping[str, Figure]) -> DatapointRow:
    figure = known[point.figure] if point.figure else None
    start, end = _period(report, point, known)
    if figure is None:
        status, value, note = NOT_APPLICABLE, None, point.reason
    elif not figure.given:
        status, value, note = NOT_REPORTED, None, figure.reason
    else:
        status, value, note = REPORTED, figure.value, point.note
    dimensions = {axis: _member(member, known) for axis, member in point.dimensions.items()}
    return DatapointRow(
        framework=point.framework, id=point.id, paragraph=point.paragraph, element=point.element,
        label=point.label, value=value, unit=point.unit, period_start=start, period_end=end,
        entity=entity(report), boundary=figure.boundary if figure else "", method=figure.method if figure else "",
        source=figure.source if figure else "", status=status, note=note, dimensions=dimensions,
        decimals=point.decimals, xbrl=point.xbrl and bool(point.element) and status == REPORTED,
    )


def _period(report: Report, point: Datapoint, known: Mapping[str, Figure]) -> tuple[date | None, date | None]:
    if point.period == "report":
        return report.period.start, report.period.end
    year = known["base_year" if point.period == "base_year" else "target_year"].value
    if year is None:
        return None, None
    return date(int(year), 1, 1), date(int(year), 12, 31)


def _member(member: str, known: Mapping[str, Figure]) -> str:
    if member != "{milestone_member}":
        return member
    year = known["target_year"].value
    if year in MILESTONE_YEARS:
        return f"esrs:Milestone{year}YearMember"
    return "esrs:MilestonesAndTargetYearsMember"


def paste_value(row: DatapointRow) -> str:
    """The value as a framework's form takes it: plain digits and a dot, no exponent and no thousands
    separators; CDP rounded to at most 2 decimals, the others at full precision; years whole."""
    if row.value is None:
        return ""
    if row.unit == "year":
        return str(int(row.value))
    if row.framework == "CDP":
        text = f"{round(float(row.value), 2):.2f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return str(numpy.format_float_positional(float(row.value), trim="-"))
