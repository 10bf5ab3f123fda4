"""The report configuration: one TOML file, validated once, overridable from the command line.

Relative input paths are resolved against the config file's folder (they may lead outside it).
Unknown keys are errors. An error names the config file and the key, with list entries counted
from 1 (`inputs[2].path` is the path of the second [[inputs]] entry).
"""

from __future__ import annotations

import calendar
import codecs
import re
import stat
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reporter.config_factors import Factors
from reporter.core.period import Period
from reporter.errors import ConfigError

# The lineage file (every line item, Parquet) is written with any of the others; alone with
# `formats = ["lineage"]`.
OUTPUT_FORMATS = ("pdf", "xlsx", "json", "lineage")
OutputFormat = Literal["pdf", "xlsx", "json", "lineage"]
DEFAULT_FORMATS: tuple[OutputFormat, ...] = ("pdf", "xlsx", "json")
ModelPhase = Literal["training", "fine_tuning", "inference"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organization(_Strict):
    name: str = Field(min_length=1)
    slug: str | None = None
    lei: str | None = None  # Legal Entity Identifier (ISO 17442), the entity of the inline XBRL filing

    @field_validator("lei")
    @classmethod
    def _valid_lei(cls, value: str | None) -> str | None:
        return None if value is None else checked_lei(value)


class PeriodConfig(_Strict):
    month: str | None = None
    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _one_form(self) -> PeriodConfig:
        if self.month and (self.start or self.end):
            raise ValueError("give either 'month' or 'start' and 'end', not both")
        if not self.month and not (self.start and self.end):
            raise ValueError("give 'month' (YYYY-MM) or both 'start' and 'end' (YYYY-MM-DD)")
        try:
            self.resolve()
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return self

    def resolve(self) -> Period:
        if self.month:
            return parse_period(self.month)
        assert self.start and self.end
        return _checked(Period(self.start, self.end))


class InputConfig(_Strict):
    path: str
    format: str | None = None
    team: str | None = None
    project: str | None = None
    model: str | None = None
    phase: ModelPhase | None = None  # the phase of the model its runs belong to (reporter.report.models_energy)
    country: str | None = None
    host: str | None = None  # the machine the file's runs were measured on, when the file names none
    # The IANA zone of the machine's clock: times a file gives since the epoch (counter scrapes, Zeus)
    # are shown as that zone's wall-clock time, as the trackers write theirs (default UTC).
    timezone: str | None = None
    tracker_pue: float | None = Field(default=None, ge=1.0)
    # Plausible mean power of one tracker row (see Limits); None: the [limits] values.
    max_host_kw: float | None = Field(default=None, ge=0)
    max_gpu_kw: float | None = Field(default=None, ge=0)
    encoding: str | None = None  # the text encoding of the file(s), when they are not UTF-8
    sheet: str | None = None  # the sheet of an .xlsx input to read (default: the first)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (an IANA name, for example Asia/Seoul or UTC)") from None
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            info = codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding '{value}' (for example utf-8, cp1252, cp949, utf-16)") from None
        if not info._is_text_encoding:
            raise ValueError(f"'{value}' is not a text encoding")
        return value


class Limits(_Strict):
    """Plausibility bounds for tracker rows: a row whose mean power (energy / duration) is above
    max_host_kw + max_gpu_kw × its GPU count (when the row names one) is excluded with the reason.
    They reach the readers as input options; an input's own max_host_kw / max_gpu_kw win."""

    max_host_kw: float = Field(default=50.0, ge=0)
    max_gpu_kw: float = Field(default=2.0, ge=0)


class Facility(_Strict):
    pue: float | None = Field(default=None, ge=1.0, le=5.0)


class Method(_Strict):
    energy_model: Literal["default", "ccf"] = "default"


class Cloud(_Strict):
    tag_keys: list[str] = Field(default_factory=lambda: ["team", "project", "model"])
    team_tag: str | None = "team"
    project_tag: str | None = "project"
    model_tag: str | None = "model"
    phase_tag: str | None = "phase"  # the bill tag naming a model's phase (training, fine_tuning, inference)
    # "provider": a provider's carbon export, where it covers a provider, month, account, region and
    # service, is the reported cloud emissions, allocated in proportion to our estimate
    # (reporter.core.provider_source); "estimate": our estimate, the export only compared.
    emissions_source: Literal["estimate", "provider"] = "estimate"


class InstrumentConfig(_Strict):
    """An energy attribute certificate or contract used for market-based Scope 2."""

    type: Literal["GO", "REC", "I-REC", "PPA", "green_tariff"]
    mwh: float = Field(ge=0, allow_inf_nan=False)
    region: str = Field(min_length=1)  # country code, US state (US-VA) or grid region
    vintage: int = Field(ge=1990, le=2100)  # generation year
    certificate_id: str = Field(min_length=1)
    start: date | None = None  # generation dates, for monthly matching
    end: date | None = None
    supplier: str = ""
    bundled: bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> InstrumentConfig:
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"instrument {self.certificate_id}: end {self.end} is before start {self.start}")
        return self


class Baseline(_Strict):
    year: int = Field(ge=1990, le=2100)
    location_based_tco2e: float = Field(ge=0)
    market_based_tco2e: float | None = Field(default=None, ge=0)  # needed by market-based targets


TargetKind = Literal["absolute_reduction", "sbti_1_5c", "carbon_neutral", "net_zero"]


class TargetConfig(_Strict):
    name: str = Field(min_length=1)
    kind: TargetKind
    target_year: int = Field(ge=1990, le=2100)
    reduction_pct: float | None = Field(default=None, ge=0, le=100)
    scope2_method: Literal["location_based", "market_based"] = "location_based"


class CreditConfig(_Strict):
    year: int = Field(ge=1990, le=2100)
    tco2e: float = Field(ge=0)
    type: Literal["removal", "avoidance"]
    registry_id: str = ""
    registry: str = ""
    project: str = ""
    retired: bool = True


class LinkConfig(_Strict):
    """Tracker runs measured on billed cloud machines: their measurement replaces the estimate."""

    tracker_project: str | None = Field(default=None, min_length=1)
    host: str | None = Field(default=None, min_length=1)  # the runs and power logs measured on this machine
    tag: str | None = None  # "key=value" of the bill lines' tag (the key must be in [cloud] tag_keys)
    account: str | None = None  # with instance_type
    instance_type: str | None = None
    resource_id: str | None = Field(default=None, min_length=1)  # the bill lines of this resource (bills keep it)

    @model_validator(mode="after")
    def _one_way(self) -> LinkConfig:
        if self.tracker_project is None and self.host is None:
            raise ValueError("name the measured runs: tracker_project, host, or both")
        if self.resource_id is not None and not self.resource_id.strip():
            raise ValueError("resource_id is empty")
        if (self.account is None) != (self.instance_type is None):
            raise ValueError("account and instance_type go together")
        by_tag = self.tag is not None
        by_machine = self.account is not None and self.instance_type is not None
        if [by_tag, by_machine, self.resource_id is not None].count(True) != 1:
            raise ValueError(
                "give one of tag = \"key=value\", resource_id, or both account and instance_type"
            )
        if by_tag and "=" not in str(self.tag):
            raise ValueError(f"tag '{self.tag}' is not key=value")
        return self


class EnergyMix(_Strict):
    """The own-operations energy split by source, in MWh (ESRS E1-5 §37); it must add up to the
    report's own-operations energy."""

    fossil: float = Field(ge=0, allow_inf_nan=False)
    nuclear: float = Field(ge=0, allow_inf_nan=False)
    renewable: float = Field(ge=0, allow_inf_nan=False)


class OrganizationFigures(_Strict):
    """Organisation-level figures the tool does not compute, for complete filings (reporter.filing)."""

    scope1_tco2e: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    # Scope 3 categories other than the report's cloud services, tCO2e by GHG Protocol category
    # number ("1" is purchased goods and services other than cloud computing).
    scope3_tco2e: dict[str, float] = Field(default_factory=dict)
    net_revenue_eur: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    energy_mix_mwh: EnergyMix | None = None

    @field_validator("scope3_tco2e")
    @classmethod
    def _categories(cls, value: dict[str, float]) -> dict[str, float]:
        for key, tco2e in value.items():
            if key not in {str(n) for n in range(1, 16)}:
                raise ValueError(f"scope3_tco2e: '{key}' is not a Scope 3 category number (1 to 15)")
            if not 0 <= tco2e < float("inf"):
                raise ValueError(f"scope3_tco2e.{key}: {tco2e} is not an amount in tCO2e (>= 0)")
        return value


class ModelConfig(_Strict):
    """A model of the model-energy section (AI Act Annex XI §1(2)(e)): its default phase and the
    figures the line items cannot give (see reporter.report.models_energy)."""

    name: str = Field(min_length=1)  # the `model` of tracker inputs or the model tag of bill lines
    phase: ModelPhase | None = None  # for its line items that name no phase themselves
    training_flops: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    inferences: float | None = Field(default=None, gt=0, allow_inf_nan=False)  # served in the period
    tokens: float | None = Field(default=None, gt=0, allow_inf_nan=False)  # processed in the period

    @model_validator(mode="after")
    def _one_unit(self) -> ModelConfig:
        if self.inferences is not None and self.tokens is not None:
            raise ValueError(f"model '{self.name}': give 'inferences' or 'tokens' as the functional unit, not both")
        return self


class History(_Strict):
    url: str | None = None


class Output(_Strict):
    dir: str = "out"
    formats: list[OutputFormat] = Field(default_factory=lambda: list(DEFAULT_FORMATS))
    json_line_items: bool = False  # embed every line item in the JSON too (it is always in the lineage file)
    lang: Literal["en", "ko"] = "en"  # the language of the PDF and workbook (reporter.i18n)
    templates: str | None = None  # a folder of the user's own report templates (relative to this file)


class ReportConfig(_Strict):
    organization: Organization
    organization_figures: OrganizationFigures = Field(default_factory=OrganizationFigures)
    period: PeriodConfig
    inputs: list[InputConfig] = Field(default_factory=list)
    facility: Facility = Field(default_factory=Facility)
    method: Method = Field(default_factory=Method)
    cloud: Cloud = Field(default_factory=Cloud)
    factors: Factors = Field(default_factory=Factors)
    output: Output = Field(default_factory=Output)
    baseline: Baseline | None = None
    targets: list[TargetConfig] = Field(default_factory=list)
    credits: list[CreditConfig] = Field(default_factory=list)
    instruments: list[InstrumentConfig] = Field(default_factory=list)
    links: list[LinkConfig] = Field(default_factory=list)
    models: list[ModelConfig] = Field(default_factory=list)
    history: History = Field(default_factory=History)
    limits: Limits = Field(default_factory=Limits)
    base_dir: str = "."
    inputs_from: str | None = None  # the config file that lists the inputs (errors about them name it)

    @model_validator(mode="before")
    @classmethod
    def _limits_to_inputs(cls, data: Any) -> Any:
        """Give every input the [limits] values it does not set itself (readers see input options)."""
        if not isinstance(data, dict) or not isinstance(data.get("limits"), dict):
            return data
        try:
            limits = Limits.model_validate(data["limits"]).model_dump()
        except ValidationError:
            return data  # reported under 'limits' by the field's own validation
        inputs = data.get("inputs")
        if isinstance(inputs, list):
            data = {**data, "inputs": [{**limits, **i} if isinstance(i, dict) else i for i in inputs]}
        return data

    @model_validator(mode="after")
    def _targets_need_a_baseline(self) -> ReportConfig:
        if self.targets and self.baseline is None:
            raise ValueError("targets need a [baseline] with 'year' and 'location_based_tco2e'")
        for target in self.targets:
            assert self.baseline is not None
            if target.scope2_method == "market_based" and self.baseline.market_based_tco2e is None:
                raise ValueError(
                    f"target '{target.name}' is market-based: give [baseline] market_based_tco2e"
                )
            if target.target_year <= self.baseline.year:
                raise ValueError(
                    f"target '{target.name}': target_year {target.target_year} is not after "
                    f"the base year {self.baseline.year}"
                )
        return self

    @model_validator(mode="after")
    def _models_named_once(self) -> ReportConfig:
        names = [model.name for model in self.models]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"model '{twice[0]}' is listed twice under [[models]]")
        return self

    @property
    def base_path(self) -> Path:
        return Path(self.base_dir)


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> ReportConfig:
    """Read, merge command-line overrides into, and validate a TOML config file."""
    data = _parse(path)
    for internal in ("base_dir", "inputs_from"):
        if internal in data:
            raise ConfigError(f"{path}: unknown key '{internal}'")
    data["base_dir"] = str(path.parent)
    data["inputs_from"] = str(path)
    return build_config(data, overrides or {}, origin=str(path))


def _parse(path: Path) -> dict[str, Any]:
    """The TOML document in `path`; a ConfigError (naming the file) if it is not one."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError(f"{path}: the config file is not a regular file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: the config file is not UTF-8 text (byte {exc.start}, line {line})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def build_config(data: dict[str, Any], overrides: dict[str, Any], origin: str) -> ReportConfig:
    """Apply command-line values (inputs, org, period, out, json_line_items) over the file's, then validate."""
    merged = dict(data)
    if overrides.get("inputs"):
        merged["inputs"] = overrides["inputs"]
        merged.pop("inputs_from", None)
    if overrides.get("org"):
        merged["organization"] = {**merged.get("organization", {}), "name": overrides["org"]}
    if overrides.get("period"):
        parse_period(overrides["period"])  # a bad --period is the command line's mistake, not the file's
        merged["period"] = {"month": overrides["period"]}
    if overrides.get("out"):
        merged["output"] = {**merged.get("output", {}), "dir": overrides["out"]}
    if overrides.get("json_line_items"):
        merged["output"] = {**merged.get("output", {}), "json_line_items": True}
    if overrides.get("templates"):
        merged["output"] = {**merged.get("output", {}), "templates": str(Path(overrides["templates"]).resolve())}
    if overrides.get("lang"):
        merged["output"] = {**merged.get("output", {}), "lang": overrides["lang"]}
    if overrides.get("db"):
        merged["history"] = {"url": overrides["db"]}
    try:
        return ReportConfig.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = "".join(f"[{part + 1}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
    where = where.removeprefix(".") or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"unknown key '{where}'"
    if first["type"] == "missing":
        return f"missing key '{where}'"
    message = first["msg"].removeprefix("Value error, ")
    return f"'{where}': {message}"


_DAY = r"\d{4}-\d{2}-\d{2}"
_MONTH = r"\d{4}-\d{2}"


def parse_period(text: str) -> Period:
    """YYYY, YYYY-MM, YYYY-MM-DD, or a range of any two of those joined by '..'."""
    cleaned = text.strip()
    if ".." in cleaned:
        first, _, last = cleaned.partition("..")
        return _checked(Period(_bound(first, start=True), _bound(last, start=False)))
    return _checked(Period(_bound(cleaned, start=True), _bound(cleaned, start=False)))


def _bound(text: str, *, start: bool) -> date:
    text = text.strip()
    try:
        if re.fullmatch(_DAY, text):
            return date.fromisoformat(text)
        if re.fullmatch(_MONTH, text):
            year, month = int(text[:4]), int(text[5:])
            day = 1 if start else calendar.monthrange(year, month)[1]
            return date(year, month, day)
        if re.fullmatch(r"\d{4}", text):
            return date(int(text), 1, 1) if start else date(int(text), 12, 31)
    except ValueError:
        pass
    raise ConfigError(f"period '{text}' is not a date, month or year (use 2026-10, 2026-01..2026-12 or 2026)")


def _checked(period: Period) -> Period:
    if period.end < period.start:
        raise ConfigError(f"period ends ({period.end}) before it starts ({period.start})")
    return period


def checked_lei(value: str) -> str:
    """An ISO 17442 LEI: 20 characters (letters and digits) whose ISO 7064 MOD 97-10 check gives 1."""
    lei = value.strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{18}[0-9]{2}", lei):
        raise ValueError(f"'{value}' is not a LEI (20 letters and digits, the last two digits)")
    if int("".join(str(int(char, 36)) for char in lei)) % 97 != 1:
        raise ValueError(f"'{value}' is not a LEI (its check digits do not match)")
    return lei


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "organization"
