"""The manual-entry workbook's sheets and columns: one description that the template is written
from and a filled workbook is read with.

The configuration sheets mirror `reporter.config` field for field (the `key` of a column is the
configuration's key); a filled row is validated by the configuration's own model, so a value
the configuration refuses is refused here too, named by its cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from reporter.config import InstrumentConfig, TargetKind


def N_(message: str) -> str:  # noqa: N802 (gettext's name; reporter.i18n.N_ without importing the languages)
    """Mark a help text or example for the catalogs: the template shows it in its language."""
    return message


TEXT = "text"
NUMBER = "number"  # a number >= 0 (or within minimum..maximum)
YEAR = "year"  # a whole number 1990..2100
DATE = "date"
MONTH = "month"  # YYYY-MM as text, or a date on the first of the month
CHOICE = "choice"
YES_NO = "yes_no"

YEARS = (1990, 2100)
INSTRUMENT_TYPES: tuple[str, ...] = get_args(InstrumentConfig.model_fields["type"].annotation)
TARGET_KINDS: tuple[str, ...] = get_args(TargetKind)
SCOPE2_METHODS = ("location_based", "market_based")
CREDIT_TYPES = ("removal", "avoidance")
HOSTING = ("own", "colocated")
INSTANCE_HOURS, GPU_HOURS = USAGE_UNITS = ("instance-hours", "GPU-hours")
CLOUDS = ("aws", "azure", "gcp")  # providers with instance tables, in the order searched for other providers
COMPUTE_SERVICE = "manual entry"  # the service name of Compute usage line items
YES_NO_VALUES = ("yes", "no")


@dataclass(frozen=True)
class Column:
    key: str  # the configuration's key (or the usage field's name)
    header: str  # the text in the sheet's header row
    kind: str
    required: bool
    help: str
    example: object = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Sheet:
    name: str
    purpose: str
    columns: tuple[Column, ...]
    single_row: bool = False  # Baseline and Organisation hold one row
    usage: bool = False  # rows are usage records (counted in the ledger), not configuration


def _month_columns(example: str) -> tuple[Column, ...]:
    return (
        Column("month", "Month", MONTH, False, N_("YYYY-MM; or give Start and End instead"), example),
        Column("start", "Start", DATE, False, N_("first day covered (with End, instead of Month)")),
        Column("end", "End", DATE, False, N_("last day covered (inclusive)")),
    )


ELECTRICITY = Sheet(
    "Electricity",
    N_("Metered electricity of own or colocated hardware (one row per meter and month or period)."),
    (
        Column("site", "Site", TEXT, True, N_("name of the site or room"), N_("Frankfurt GPU room")),
        Column("region", "Country or grid region", TEXT, True,
               N_("ISO country code (DE), US state (US-VA) or grid region"), "DE"),
        *_month_columns("2026-10"),
        Column("energy_kwh", "kWh", NUMBER, True, N_("electricity metered in the period, kWh"), 12000.0, minimum=0),
        Column("meter_id", "Meter id", TEXT, True, N_("the meter's id"), "M-0042"),
        Column("hosting", "Own or colocated", CHOICE, True, N_("own site or a colocation provider's"),
               "own", choices=HOSTING),
        Column("pue", "PUE (IT-only meter)", NUMBER, False,
               N_("if the meter measures IT equipment only: the facility's PUE; empty for a whole-site meter"),
               1.35, minimum=1.0, maximum=5.0),
        Column("source_document", "Source document", TEXT, True, N_("where the figure comes from"),
               N_("utility invoice 2026-10 no. 4711")),
    ),
    usage=True,
)

COMPUTE = Sheet(
    "Compute usage",
    N_("GPU-hours or instance-hours from invoices without a usable bill export, estimated with the cloud model."),
    (
        Column("provider", "Provider or site", TEXT, True,
               N_("aws, gcp or azure; or the neo-cloud or colocation site's name (coreweave, Equinix FR5)"), "aws"),
        Column("region", "Region", TEXT, True,
               N_("aws, gcp, azure: the provider's region (us-east-1, europe-west4, westeurope); any other provider: "
               "the country (DE), US state (US-VA) or grid region"), "us-east-1"),
        *_month_columns("2026-10"),
        Column("unit", "Unit", CHOICE, True, N_("instance-hours or GPU-hours"), "instance-hours",
               choices=USAGE_UNITS),
        Column("hours", "Hours", NUMBER, True, N_("the number of instance-hours or GPU-hours"), 720.0, minimum=0),
        Column("type", "Instance or accelerator type", TEXT, True,
               N_("instance type (p4d.24xlarge, Standard_NC24ads_A100_v4, a3-highgpu-8g) for instance-hours; GPU "
               "model (H100, H100 PCIe, A100 80GB, L40S) for GPU-hours"), "p4d.24xlarge"),
        Column("team", "Team", TEXT, False, N_("owning team"), "research"),
        Column("project", "Project", TEXT, False, N_("project"), "llm-pretrain"),
        Column("model", "Model", TEXT, False, N_("AI model trained or served"), "acme-7b"),
        Column("source_document", "Source document", TEXT, True, N_("where the figure comes from"),
               N_("invoice 2026-10 no. 99")),
        Column("pue", "PUE (site)", NUMBER, False,
               N_("the site's PUE if the invoice or provider states it; empty: the cloud's regional PUE, or "
               "for any other provider the colocation default (stated in the report)"), minimum=1.0, maximum=5.0),
    ),
    usage=True,
)

INSTRUMENTS = Sheet(
    "Instruments",
    N_("Energy attribute certificates and contracts for market-based Scope 2 (as [[instruments]])."),
    (
        Column("type", "type", CHOICE, True, N_("GO, REC, I-REC, PPA or green_tariff"), "GO",
               choices=INSTRUMENT_TYPES),
        Column("mwh", "mwh", NUMBER, True, N_("MWh the instrument covers"), 50.0, minimum=0),
        Column("region", "region", TEXT, True, N_("country code, US state (US-VA) or grid region"), "DE"),
        Column("vintage", "vintage", YEAR, True, N_("generation year"), 2026, minimum=YEARS[0], maximum=YEARS[1]),
        Column("certificate_id", "certificate_id", TEXT, True, N_("the certificate's or contract's id"),
               "GO-2026-0001"),
        Column("start", "start", DATE, False, N_("first generation day (monthly matching)")),
        Column("end", "end", DATE, False, N_("last generation day")),
        Column("supplier", "supplier", TEXT, False, N_("supplier"), "Stadtwerke"),
        Column("bundled", "bundled", YES_NO, False, N_("bought with the electricity (yes/no, default no)"), "no",
               choices=YES_NO_VALUES),
    ),
)

def _rate_sheet(name: str, purpose: str, rate: str, example: float, source: str) -> Sheet:
    """A sheet of market-based rates by region (supplier rates, residual mixes): its rate, and the
    rate's own year and source."""
    return Sheet(name, purpose, (
        Column("region", "region", TEXT, True, N_("country code, US state or grid region"), "DE"),
        Column("g_co2e_per_kwh", "gCO2e/kWh", NUMBER, True, rate, example, minimum=0),
        Column("year", "year", YEAR, False, N_("the year the rate is for (the data year)"), 2025,
               minimum=YEARS[0], maximum=YEARS[1]),
        Column("source", "source", TEXT, False, N_("where the rate is published"), source),
    ))


SUPPLIER = _rate_sheet(
    "Supplier rates", N_("Supplier-specific emission rates for market-based Scope 2 (as [factors.supplier])."),
    N_("the supplier's rate"), 120.0, N_("the supplier's disclosure 2025"),
)
RESIDUAL = _rate_sheet(
    "Residual mix", N_("Residual-mix emission rates for market-based Scope 2 (as [factors.residual_mix])."),
    N_("the residual mix's rate"), 700.0, N_("the issuing body's residual mix 2025"),
)

CREDITS = Sheet(
    "Credits",
    N_("Carbon credits retired (as [[credits]])."),
    (
        Column("year", "year", YEAR, True, N_("year the credits count for"), 2026, minimum=YEARS[0], maximum=YEARS[1]),
        Column("tco2e", "tco2e", NUMBER, True, N_("tonnes CO2e"), 10.0, minimum=0),
        Column("type", "type", CHOICE, True, N_("removal or avoidance"), "removal", choices=CREDIT_TYPES),
        Column("registry_id", "registry_id", TEXT, False, N_("serial number in the registry"), "VCS-1234-2026"),
        Column("registry", "registry", TEXT, False, N_("registry"), "Verra"),
        Column("project", "project", TEXT, False, N_("project"), "Biochar Brandenburg"),
        Column("retired", "retired", YES_NO, False, N_("retired (yes/no, default yes)"), "yes", choices=YES_NO_VALUES),
    ),
)

TARGETS = Sheet(
    "Targets",
    N_("Reduction targets (as [[targets]]; they need a Baseline)."),
    (
        Column("name", "name", TEXT, True, N_("the target's name"), N_("Halve AI emissions by 2030")),
        Column("kind", "kind", CHOICE, True, N_("kind of target"), "absolute_reduction", choices=TARGET_KINDS),
        Column("target_year", "target_year", YEAR, True, N_("year"), 2030, minimum=YEARS[0], maximum=YEARS[1]),
        Column("reduction_pct", "reduction_pct", NUMBER, False, N_("reduction from the base year, %"), 50.0,
               minimum=0, maximum=100),
        Column("scope2_method", "scope2_method", CHOICE, False, N_("location_based (default) or market_based"),
               "location_based", choices=SCOPE2_METHODS),
    ),
)

BASELINE = Sheet(
    "Baseline",
    N_("The base year of the targets (as [baseline]; one row)."),
    (
        Column("year", "year", YEAR, True, N_("base year"), 2024, minimum=YEARS[0], maximum=YEARS[1]),
        Column("location_based_tco2e", "location_based_tco2e", NUMBER, True, N_("base-year emissions, location-based"),
               120.0, minimum=0),
        Column("market_based_tco2e", "market_based_tco2e", NUMBER, False,
               N_("base-year emissions, market-based (needed by market-based targets)"), 100.0, minimum=0),
    ),
    single_row=True,
)

# GHG Protocol Scope 3 categories, for the Organisation sheet's help texts.
SCOPE3_CATEGORIES = (
    N_("purchased goods and services other than the report's cloud computing"), N_("capital goods"),
    N_("fuel- and energy-related activities"), N_("upstream transportation and distribution"),
    N_("waste generated in operations"), N_("business travel"), N_("employee commuting"),
    N_("upstream leased assets"), N_("downstream transportation and distribution"),
    N_("processing of sold products"), N_("use of sold products"), N_("end-of-life treatment of sold products"),
    N_("downstream leased assets"), N_("franchises"), N_("investments"),
)
SCOPE3_HELP = N_("Scope 3 category %(number)s (%(name)s), tCO2e")
ENERGY_MIX_HELP = {
    "fossil": N_("the organisation's own-operations energy from fossil sources, MWh (give all three or none)"),
    "nuclear": N_("the organisation's own-operations energy from nuclear sources, MWh (give all three or none)"),
    "renewable": N_("the organisation's own-operations energy from renewable sources, MWh (give all three or none)"),
}


def _figure_columns() -> tuple[Column, ...]:
    """[organization_figures]: one column per figure; dotted keys for its tables."""
    return (
        Column("scope1_tco2e", "scope1_tco2e", NUMBER, False, N_("the organisation's Scope 1 emissions, tCO2e"),
               minimum=0),
        *(Column(f"scope3_tco2e.{n}", f"scope3_tco2e.{n}", NUMBER, False,
                 SCOPE3_HELP % {"number": n, "name": name}, minimum=0)
          for n, name in enumerate(SCOPE3_CATEGORIES, start=1)),
        Column("net_revenue_eur", "net_revenue_eur", NUMBER, False, N_("net revenue in the period, EUR"), minimum=0),
        *(Column(f"energy_mix_mwh.{part}", f"energy_mix_mwh.{part}", NUMBER, False,
                 help_text, minimum=0)
          for part, help_text in ENERGY_MIX_HELP.items()),
    )


ORGANISATION = Sheet(
    "Organisation",
    N_("The organisation, the reporting period and the organisation-level figures a filing needs beyond AI "
       "(as [organization], [period] and [organization_figures]; one row)."),
    (
        Column("name", "name", TEXT, True, N_("organisation name"), "Acme AI GmbH"),
        Column("slug", "slug", TEXT, False, N_("short name used in file names"), "acme"),
        *_month_columns("2026-10"),
        Column("lei", "lei", TEXT, False,
               N_("Legal Entity Identifier (20 characters, ISO 17442) of the filing entity")),
        *_figure_columns(),
    ),
    single_row=True,
)

SHEETS: tuple[Sheet, ...] = (
    ELECTRICITY, COMPUTE, INSTRUMENTS, SUPPLIER, RESIDUAL, CREDITS, TARGETS, BASELINE, ORGANISATION,
)
BY_NAME = {sheet.name: sheet for sheet in SHEETS}
INSTRUCTIONS = "Instructions"
EXAMPLE_ROW = 2  # the sheet row of the template's example (row 1 is the header)
# The workbook says what it is in its document properties (and has these sheets).
TITLE = "reporter manual-entry workbook"
