"""The report model: every figure a report shows, typed, frozen and at full precision.

Built once by `reporter.report.build_report`; renderers only lay it out. Units are in the field
names (kWh, tCO2e, kg); emissions are in tonnes (kg / 1000 is a unit change, not rounding).
Lists are tuples; the line items are a DataFrame (see `reporter.report.line_items`).
`Report.to_dict()` is the JSON form: the same fields, dates as ISO text, tuples as lists.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import pandas as pd

from reporter.core.link import LinkUse
from reporter.report.exclusions import ExcludedRows
from reporter.report.lineage import LineageFile, lineage_file
from reporter.report.models_energy import ModelsEnergy
from reporter.report.organization_figures import OrganizationFigures
from reporter.report.provider_reported import ProviderReported


@dataclass(frozen=True)
class Tool:
    name: str
    version: str


@dataclass(frozen=True)
class Organization:
    name: str
    slug: str


@dataclass(frozen=True)
class ReportPeriod:
    start: date
    end: date
    label: str  # "2026-10", "2026-01..2026-12", …
    months: tuple[str, ...]  # "YYYY-MM", in order


@dataclass(frozen=True)
class Totals:
    energy_kwh: float
    energy_kwh_low: float
    energy_kwh_high: float
    location_based_tco2e: float
    location_based_tco2e_low: float
    location_based_tco2e_high: float
    market_based_tco2e: float | None  # Scope 2 (own operations), market-based (reporter.core.market)
    embodied_tco2e: float
    own_operations_energy_kwh: float  # Scope 2: the ESRS E1-5 energy
    cloud_energy_kwh: float  # Scope 3 category 1
    tracker_reported_tco2e: float | None  # the trackers' own figures, for comparison only
    line_items: int
    instrument_covered_kwh: float = 0.0  # Scope 2 energy covered by certificates and contracts
    instrument_coverage_share: float = 0.0  # of Scope 2 energy
    market_fallback_energy_kwh: float = 0.0  # Scope 2 energy priced at the location factor (flagged)
    monthly_matched_coverage_share: float | None = None  # additional figure; None: no dated instrument
    hourly_matched_coverage_share: float | None = None  # additional figure; None: no dated instrument or no times
    hourly_resolved_energy_kwh: float = 0.0  # Scope 2 energy measured with start and end times (hourly scope)


@dataclass(frozen=True)
class ScopeTotals:
    scope: str
    label: str
    energy_kwh: float
    energy_kwh_low: float
    energy_kwh_high: float
    location_based_tco2e: float
    location_based_tco2e_low: float
    location_based_tco2e_high: float
    embodied_tco2e: float
    line_items: int
    market_based_tco2e: float = 0.0  # Scope 3 cloud: the location-based estimate (flagged)


@dataclass(frozen=True)
class CloudCost:
    currency: str
    billed_cost: float
    energy_kwh: float
    location_based_tco2e: float
    cost_per_tco2e: float | None


@dataclass(frozen=True)
class UnclassifiedGroup:
    estimate_status: str
    cloud_provider: str
    service_name: str
    usage_type: str
    consumed_unit: str
    billing_currency: str
    rows: int
    quantity: float | None  # in consumed_unit; None for the row of other groups
    cost: float | None  # in billing_currency; None for the row of other groups


@dataclass(frozen=True)
class Unclassified:
    line_items: int
    rows: int
    cost_by_currency: Mapping[str, float]
    groups: tuple[UnclassifiedGroup, ...]


@dataclass(frozen=True)
class MonthTotals:
    month: str
    energy_kwh: float
    location_based_tco2e: float
    market_based_tco2e: float = 0.0  # Scope 2 market-based + Scope 3 cloud's location-based estimate


@dataclass(frozen=True)
class BreakdownRow:
    key: str
    energy_kwh: float
    location_based_tco2e: float
    energy_share: float
    emissions_share: float
    market_based_tco2e: float = 0.0  # Scope 2 market-based + Scope 3 cloud's location-based estimate


@dataclass(frozen=True)
class InputLedger:
    path: str
    format: str
    sha256: str
    origin: str
    rows_read: int
    rows_used: int
    rows_excluded: int
    exclusions: tuple[ExcludedRows, ...]  # grouped by kind and reason (see reporter.report.exclusions)
    notes: tuple[str, ...]


@dataclass(frozen=True)
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class FactorUse:
    id: str
    key: str
    name: str
    value: float  # in `unit` (gCO2e/kWh)
    unit: str
    year: int | None
    basis: str
    source: str
    source_detail: str
    licence: str
    energy_kwh: float
    location_based_tco2e: float


@dataclass(frozen=True)
class MarketRateUse:
    """A supplier rate or residual mix used for market-based Scope 2, per consumption year."""

    key: str  # the market (normalised factor key) the rate is given for
    basis: str  # "supplier_rate" or "residual_mix"
    value: float  # in `unit`
    unit: str
    year: int  # the consumption year it was applied to
    origin: str  # the configuration key or the workbook cell that gives it
    energy_kwh: float  # Scope 2 energy not covered by instruments, priced at this rate
    market_based_tco2e: float
    data_year: int | None = None  # the year the rate is for, as stated with it (None: not stated)
    source: str | None = None  # where the rate is published, as stated with it


@dataclass(frozen=True)
class PueUse:
    source_file: str
    format: str
    tracker_pue: tuple[float, ...]
    pue_applied: tuple[float, ...]
    basis: str
    energy_it_kwh: float
    energy_kwh: float


@dataclass(frozen=True)
class DataQuality:
    rows_read: int
    rows_used: int
    rows_excluded: int
    method_energy_share: Mapping[str, float]
    location_status_energy_share: Mapping[str, float]
    fallback_location_items: int
    fallback_location_energy_kwh: float
    flag_counts: Mapping[str, int]
    flag_energy_kwh: Mapping[str, float] = dataclasses.field(default_factory=dict)  # period kWh behind each flag
    provider_reported_share: float = 0.0  # of the period's energy: emissions from a provider's carbon export
    notes: tuple[str, ...] = ()  # report-wide data-quality notes (a rate used without a year of its own)

    @property
    def measured_share(self) -> float:
        """Share of the period's energy measured by trackers (0 when there is no energy)."""
        return self.method_energy_share.get("measured", 0.0)

    @property
    def metered_share(self) -> float:
        """Share of the period's energy metered at the hardware (power logs)."""
        return self.method_energy_share.get("metered", 0.0)

    @property
    def fallback_share(self) -> float:
        """Share of the period's energy whose location used the fallback grid factor."""
        return self.location_status_energy_share.get("fallback", 0.0)

    def flag_count(self, flag: str) -> int:
        return self.flag_counts.get(flag, 0)


@dataclass(frozen=True)
class Methodology:
    facility_pue: float | None
    fallback_factor_key: str
    overrides: Mapping[str, float]  # gCO2e/kWh by location key
    month_assignment: str
    timestamps: str
    energy_model: str = "default"  # the cloud energy model of the bill lines ([method] energy_model)


@dataclass(frozen=True)
class TargetProgress:
    """One target against the report period (see reporter.core.targets); `_pct` fields are percent
    units (42.0 is 42 %). The neutrality fields are set for carbon-neutral and net-zero targets."""

    name: str
    kind: str
    scope2_method: str
    base_year: int
    base_tco2e: float
    target_year: int
    target_reduction_pct: float | None
    target_tco2e: float | None
    report_year: int
    year_fraction: float
    pro_rata: bool
    pathway_tco2e: float | None
    actual_tco2e: float
    reduction_pct: float | None
    achieved_pct: float | None
    gap_tco2e: float | None
    on_track: bool | None
    annual_target_pct_of_base: float | None
    required_annual_reduction_tco2e: float | None
    required_annual_reduction_pct: float | None
    remaining_budget_tco2e: float | None
    gross_tco2e: float | None = None
    credits_removal_tco2e: float | None = None
    credits_avoidance_tco2e: float | None = None
    credits_eligible_tco2e: float | None = None
    uncovered_tco2e: float | None = None
    credit_coverage_pct: float | None = None
    claim_possible: bool | None = None
    claim_note: str | None = None
    claim_reasons: tuple[str, ...] = ()  # why a neutrality or net-zero claim cannot be made

    @property
    def neutrality(self) -> bool:
        return self.gross_tco2e is not None


@dataclass(frozen=True)
class PathwayPoint:
    name: str
    kind: str
    year: int
    pathway_tco2e: float | None


@dataclass(frozen=True)
class InstrumentRow:
    """An energy attribute certificate or contract and what the market-based figures used of it."""

    certificate_id: str
    type: str
    region: str
    vintage: int
    mwh: float
    mwh_applied: float
    status: str  # "applied", "partly_applied" or "not_applied"
    reason: str
    supplier: str
    bundled: bool


@dataclass(frozen=True)
class ProviderComparison:
    """Our estimate beside a provider's own figure for the same provider, month and keys
    (account, region, service: as far as the provider's export gives them)."""

    provider: str
    month: str
    account: str | None
    region: str | None
    service: str | None  # None: the export names no service, so the row sums all services
    estimate_energy_kwh: float
    estimate_tco2e: float  # our location-based estimate (operational)
    estimate_embodied_tco2e: float  # shown apart; provider totals may include their Scope 3
    provider_location_tco2e: float | None
    provider_market_tco2e: float | None
    provider_total_tco2e: float
    provider_basis: str  # what the provider's total is: location_based, market_based or "not stated"
    difference_pct: float | None  # (estimate - provider) / provider x 100, against its location-based or total
    model_version: str | None
    provider_rows: int
    source_file: str = ""  # the export(s) the provider figure was read from
    source_rows: str = ""  # their rows ("2-4, 9"; per file, "; "-separated, in source_file's order)


@dataclass(frozen=True)
class CreditEntry:
    year: int
    tco2e: float
    type: str  # "removal" or "avoidance"
    registry_id: str
    registry: str
    project: str
    retired: bool


@dataclass(frozen=True)
class ClosedMonth:
    month: str
    version: int
    energy_kwh: float
    location_based_tco2e: float


@dataclass(frozen=True)
class PreviousYear:
    year: int | None
    months_closed: int
    location_based_tco2e: float | None
    energy_kwh: float | None


@dataclass(frozen=True)
class BaseYear:
    year: int
    location_based_tco2e: float


@dataclass(frozen=True)
class Restatement:
    month: str
    old_version: int
    new_version: int
    old_tco2e: float
    new_tco2e: float
    difference_tco2e: float
    reason: str | None


@dataclass(frozen=True)
class History:
    closed_months: tuple[ClosedMonth, ...]
    previous_year: PreviousYear
    base_year: BaseYear | None
    restatements: tuple[Restatement, ...]


@dataclass(frozen=True)
class YearToDateMonth:
    month: str
    source: str | None  # "this report", "closed (version N)", or None: no figure
    energy_kwh: float | None
    location_based_tco2e: float | None


@dataclass(frozen=True)
class YearToDate:
    year: int
    months: tuple[YearToDateMonth, ...]
    months_with_data: int
    energy_kwh: float
    location_based_tco2e: float


@dataclass(frozen=True)
class Cut:
    """A list cut to its largest entries: how many there are, how many are shown, how many are summed."""

    total: int
    shown: int
    in_other_row: int


@dataclass(frozen=True)
class Limits:
    breakdown_keys: int
    breakdowns_cut: Mapping[str, Cut]
    unclassified_groups: int
    unclassified_cut: Cut | None
    note: str

    def breakdown_cut(self, name: str) -> Cut | None:
        """How the breakdown `name` was cut, or None when it lists every key."""
        return self.breakdowns_cut.get(name)


@dataclass(frozen=True)
class OutputOptions:
    """What the outputs hold beyond the figures ([output] in the configuration)."""

    json_line_items: bool = False
    templates: str | None = None  # the user's template folder (absolute), laid over the shipped templates
    lang: str = "en"  # the language of the PDF and workbook (reporter.i18n)


@dataclass(frozen=True, eq=False)  # compared by identity: the line items are DataFrames
class Report:
    tool: Tool
    organization: Organization
    period: ReportPeriod
    totals: Totals
    by_scope: tuple[ScopeTotals, ...]  # Scope 2 first, then Scope 3 category 1
    cloud_cost: tuple[CloudCost, ...]
    unclassified: Unclassified
    by_month: tuple[MonthTotals, ...]
    breakdowns: Mapping[str, tuple[BreakdownRow, ...]]
    inputs: tuple[InputLedger, ...]
    skipped_files: tuple[SkippedFile, ...]
    factors: tuple[FactorUse, ...]
    pue: tuple[PueUse, ...]
    data_quality: DataQuality
    methodology: Methodology
    targets: tuple[TargetProgress, ...]
    pathways: tuple[PathwayPoint, ...]
    credits: tuple[CreditEntry, ...]
    instruments: tuple[InstrumentRow, ...]
    history: History
    year_to_date: YearToDate
    limits: Limits
    line_items: pd.DataFrame = field(repr=False)  # one row per line item, see reporter.report.line_items
    line_item_groups: pd.DataFrame = field(repr=False)  # by month, account, service, region, usage type
    output: OutputOptions = field(default_factory=OutputOptions)
    provider_comparison: tuple[ProviderComparison, ...] = ()  # providers' carbon exports beside our estimates
    links: tuple[LinkUse, ...] = ()  # tracker runs that replaced bill estimates (reporter.core.link)
    organization_figures: OrganizationFigures = field(default_factory=OrganizationFigures)  # from configuration
    models: ModelsEnergy = field(default_factory=lambda: ModelsEnergy((), 0.0, 0, ()))  # per AI model
    market_rates: tuple[MarketRateUse, ...] = ()  # supplier rates and residual mixes used (market-based)
    provider_reported: ProviderReported | None = None  # providers' figures as reported, model versions

    @property
    def file_stem(self) -> str:
        return f"{self.organization.slug}-{self.period.label.replace('..', '_')}"

    @cached_property
    def lineage(self) -> LineageFile:
        """The lineage file (built once): every line item with its provenance."""
        metadata = {
            "tool": f"{self.tool.name} {self.tool.version}",
            "organization": self.organization.name,
            "period": f"{self.period.start}..{self.period.end}",
        }
        return lineage_file(self.line_items, self.file_stem, metadata)

    def scope(self, name: str) -> ScopeTotals:
        return next(row for row in self.by_scope if row.scope == name)

    def to_dict(self) -> dict[str, Any]:
        """Every figure as JSON-ready data (no line items: see reporter.render.json_report)."""
        skipped = {"line_items", "line_item_groups", "output"}
        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name not in skipped}


def plain(value: Any) -> Any:
    """Model values as JSON-ready data: dataclasses and mappings as dicts, tuples as lists, dates as
    ISO text, NaN as None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
