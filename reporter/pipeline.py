"""Run the stages in order: read → reconcile → energy → emissions → period → aggregate.

This module does the I/O and hands frames to the pure functions in `reporter.core`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from reporter.config import ReportConfig
from reporter.core import aggregate
from reporter.core.attribute import assign_scope, owners_from_tags, tag_columns
from reporter.core.counter_join import JoinResult, join_counter_files
from reporter.core.emissions import attach_emissions
from reporter.core.energy import estimate_energy
from reporter.core.link import LinkUse, link_runs
from reporter.core.market import InstrumentUse
from reporter.core.overlap import gpu_aliases, set_aside_overlaps
from reporter.core.period import Period
from reporter.core.provider_source import FigureUse, provider_reported
from reporter.core.reconcile import deduplicate_runs
from reporter.errors import InputError, ReporterError
from reporter.factors import FactorTable, load_factor_table
from reporter.inputs import InputPlan, PlannedInput, plan_inputs, shown_as
from reporter.market_stage import links_from, market_flags, run_market_stage
from reporter.read_order import read_in_order
from reporter.records import EXAMPLE_ROWS, Exclusion, ExclusionGroup, frame_from_rows, join_flags, validate_readings
from reporter.sources.base import ReadResult
from reporter.workbook.settings import merge_workbooks


@dataclass
class InputLedger:
    """Per input file: what was read, used and excluded (rows_read = rows_used + rows_excluded)."""

    path: str
    format: str
    sha256: str
    origin: str
    rows_read: int
    exclusions: list[Exclusion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exclusion_groups: list[ExclusionGroup] = field(default_factory=list)

    @property
    def rows_excluded(self) -> int:
        return len(self.exclusions) + sum(group.rows for group in self.exclusion_groups)

    @property
    def rows_used(self) -> int:
        return self.rows_read - self.rows_excluded


@dataclass
class PipelineResult:
    config: ReportConfig
    period: Period
    ledgers: list[InputLedger]
    skipped: list[tuple[str, str]]
    items: pd.DataFrame  # every used line item, with its in-period share
    allocated: pd.DataFrame  # one row per (line item, month) inside the period
    factors: FactorTable
    instruments: tuple[InstrumentUse, ...] = ()  # market-based Scope 2: each instrument and its use
    provider_emissions: pd.DataFrame | None = None  # providers' own figures in the period (control totals)
    links: tuple[LinkUse, ...] = ()  # tracker runs that replaced bill estimates, per link and month
    provider_uses: tuple[FigureUse, ...] = ()  # [cloud] emissions_source = "provider": each figure's use


def run(config: ReportConfig, factors: FactorTable | None = None) -> PipelineResult:
    period = config.period.resolve()
    table = (factors or load_factor_table()).with_overrides(config.factors.location_based, origin="configuration")
    plan = plan_inputs(
        config.inputs,
        config.base_path,
        tag_keys=list(dict.fromkeys([*config.cloud.tag_keys, *filter(None, [config.cloud.phase_tag])])),
        day_months=period.cut_months(),
        listed_in=config.inputs_from,
    )
    config = merge_workbooks(config, plan.planned, table.normalise_key)  # manual-entry workbooks' settings
    ledgers, readings, provided, ends = _read_all(plan, [link.resource_id for link in config.links if link.resource_id])
    by_path = {ledger.path: ledger for ledger in ledgers}
    readings, joined = join_counter_files(readings, ends)  # one counter scraped into several files
    _record_join(by_path, joined)
    provided = _provider_in_period(provided, period, by_path)
    kept, superseded = deduplicate_runs(readings)
    _record(by_path, superseded)
    kept, overlaps = set_aside_overlaps(kept, gpu_aliases(ends))  # per host and hour: power log > tracker > estimate
    _record_groups(by_path, overlaps.groups)
    for path, notes in overlaps.notes.items():
        by_path[path].notes.extend(notes)
    items = estimate_energy(kept, config.facility.pue, config.method.energy_model)
    tag_for = {
        "team": config.cloud.team_tag, "project": config.cloud.project_tag, "model": config.cloud.model_tag,
        "phase": config.cloud.phase_tag,
    }
    owner_tags = {column: key for column, key in tag_for.items() if key}
    items = tag_columns(items, [*config.cloud.tag_keys, *owner_tags.values()])
    items = owners_from_tags(items, owner_tags)
    if config.cloud.phase_tag and config.cloud.phase_tag not in config.cloud.tag_keys:  # kept as `phase`
        items = items.drop(columns=[f"tag:{config.cloud.phase_tag}"])
    items, link_uses = link_runs(items, links_from(config))  # reads the tag:<key> columns
    items = assign_scope(items)  # after linking: linked runs ran in the cloud
    items = attach_emissions(items, table, table.normalise_key(config.factors.fallback))
    shares = aggregate.month_shares_for(items, period)
    items["in_period_share"] = aggregate.in_period_share(items, shares)
    outside = items[items["in_period_share"] == 0.0]
    _record(by_path, _outside_exclusions(outside[outside["row_count"] == 1], period))
    _record_groups(by_path, _outside_groups(outside[outside["row_count"] > 1], period))
    items = items[items["in_period_share"] > 0.0]
    for ledger in ledgers:
        ledger.exclusions.sort(key=lambda e: e.row)
    allocated = aggregate.allocate(items, shares[shares["record"].isin(items.index)])
    market = run_market_stage(config, table, allocated)
    items = market_flags(items, market.allocated)
    source = provider_reported(market.allocated, provided if config.cloud.emissions_source == "provider" else None)
    return PipelineResult(
        config, period, ledgers, plan.skipped, items, source.allocated, table, market.instruments, provided, link_uses,
        source.uses,
    )


def _read_all(
    plan: InputPlan, resource_ids: list[str] | None = None
) -> tuple[list[InputLedger], pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """Every planned input, read; results in the plan's order: ledgers, readings, providers' figures
    and the ends of energy counters (for joining one counter's files). The bills are read last,
    keeping the resource ids of `resource_ids` (the links') and the hosts the other inputs measured
    on, so that runs can be linked to the bill lines of their machine (reporter.core.link)."""
    read = read_in_order(plan.planned, resource_ids or [], _read_planned)
    ledgers = [ledger for ledger, _, _, _ in read]
    frames = [readings for _, readings, _, _ in read if not readings.empty]
    provided = [found for _, _, found, _ in read if found is not None]
    ends = [end for _, _, _, end in read if end is not None and not end.empty]
    combined = pd.concat(frames, ignore_index=True) if frames else frame_from_rows([])
    counter_ends = pd.concat(ends, ignore_index=True) if ends else None
    return ledgers, combined, (pd.concat(provided, ignore_index=True) if provided else None), counter_ends


def _read_planned(
    planned: PlannedInput,
) -> tuple[InputLedger, pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """One input's ledger, readings, provider figures and counter ends."""
    with shown_as(planned.display):
        result = _read_one(planned)
        readings = _with_options(validate_readings(result.readings), planned)
    ledger = InputLedger(
        path=planned.display,
        format=planned.reader.name,
        sha256=planned.file.sha256,
        origin=planned.origin,
        rows_read=result.rows_read,
        exclusions=list(result.exclusions),
        notes=[*planned.file.notes, *result.notes],
        exclusion_groups=list(result.exclusion_groups),
    )
    provided = result.provider_emissions
    ends = _with_options(result.counter_ends, planned) if result.counter_ends is not None else None
    return ledger, readings, (provided.assign(source_file=planned.display) if provided is not None else None), ends


def _provider_in_period(
    provided: pd.DataFrame | None, period: Period, by_path: dict[str, InputLedger]
) -> pd.DataFrame | None:
    """Providers' figures for the period's months; the others are excluded, grouped per file."""
    if provided is None:
        return None
    inside = provided["month"].isin(period.months())
    _record_groups(by_path, _outside_groups(provided[~inside].assign(row_count=1), period))
    return provided[inside].reset_index(drop=True)


def _read_one(planned: PlannedInput) -> ReadResult:
    """The reader's result, once the whole-file check agrees the file is sound.

    A damaged file (a truncated or oversized gzip stream) is reported as such even if the reader
    failed on it first; an unexpected failure of a reader becomes an InputError naming the file.
    """
    source = planned.file
    try:
        result = planned.reader.read(source)
    except ReporterError:
        source.verify()
        raise
    except Exception as exc:  # a reader's bug must not become a traceback; the message names it
        source.verify()
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        message = f"cannot read the file: {_kind(exc)}: {detail}".rstrip(": ")
        raise InputError(message, path=source.given) from exc
    source.verify()
    return result


def _kind(exc: Exception) -> str:
    """The exception's type as a reader of the message knows it: ValueError, csv.Error, duckdb.IOException."""
    kind = type(exc)
    module = kind.__module__.lstrip("_").split(".")[0]
    return kind.__name__ if module == "builtins" else f"{module}.{kind.__name__}"


def _with_options(readings: pd.DataFrame, planned: PlannedInput) -> pd.DataFrame:
    """Show the display path, and fill what the input's options supply."""
    frame = readings.copy(deep=False)
    frame["source_file"] = planned.display
    options = planned.file.options
    for column in ("team", "project", "model", "phase", "host"):
        if options.get(column):
            frame[column] = frame[column].where(frame[column].notna(), options[column])
    if options.get("country"):
        missing = frame["country_code"].isna() & frame["cloud_region"].isna()
        frame.loc[missing, "country_code"] = options["country"]
        frame.loc[missing, "flags"] = [join_flags(old, "location_from_config") for old in frame.loc[missing, "flags"]]
    return frame


def _record_join(by_path: dict[str, InputLedger], joined: JoinResult) -> None:
    """A file's samples a join puts to use are no longer excluded; each join is noted."""
    for path, rows in joined.restored.items():
        ledger = by_path[path]
        ledger.exclusions = [exclusion for exclusion in ledger.exclusions if exclusion.row not in rows]
    for path, notes in joined.notes.items():
        by_path[path].notes.extend(notes)


def _record(by_path: dict[str, InputLedger], exclusions: dict[str, list[Exclusion]]) -> None:
    for path, items in exclusions.items():
        by_path[path].exclusions.extend(items)


def _record_groups(by_path: dict[str, InputLedger], groups: dict[str, list[ExclusionGroup]]) -> None:
    for path, items in groups.items():
        by_path[path].exclusion_groups.extend(items)


def _outside_groups(outside: pd.DataFrame, period: Period) -> dict[str, list[ExclusionGroup]]:
    """Aggregated bill rows outside the period: one group per file."""
    result: dict[str, list[ExclusionGroup]] = {}
    reason = f"outside the reporting period {period.start}..{period.end}"
    for path, group in outside.groupby("source_file", sort=True):
        examples = tuple(int(r) for r in sorted(group["source_row"])[:EXAMPLE_ROWS])
        result[str(path)] = [ExclusionGroup(reason, int(group["row_count"].sum()), examples)]
    return result


def _outside_exclusions(outside: pd.DataFrame, period: Period) -> dict[str, list[Exclusion]]:
    result: dict[str, list[Exclusion]] = {}
    for row in outside.itertuples():
        sheet = row.source_sheet if isinstance(row.source_sheet, str) else ""
        covered = f"run {row.start_time:%Y-%m-%d %H:%M}..{row.end_time:%Y-%m-%d %H:%M}"
        if sheet:  # a workbook's row covers whole days: its last day, not the next day's first instant
            covered = f"{row.start_time:%Y-%m-%d}..{row.end_time - pd.Timedelta(microseconds=1):%Y-%m-%d}"
        reason = f"outside the reporting period {period.start}..{period.end} ({covered})"
        result.setdefault(row.source_file, []).append(Exclusion(int(row.source_row), reason, sheet=sheet))
    return result
