"""The canonical usage record: one row per usage item, units in the column names.

Readers produce the *reading* columns; the pipeline stages add the rest:
energy (PUE policy), emissions (factors) and the reporting-period share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import pandera.pandas as pa

from reporter.errors import InputError


class Method(StrEnum):
    """How an energy figure was obtained."""

    METERED = "metered"  # a power log or energy counter of the hardware itself (ranks first)
    MEASURED = "measured"  # a software tracker's measurement of a run
    ESTIMATED = "estimated"
    PROVIDER_REPORTED = "provider_reported"


class Flag(StrEnum):
    """Every flag a line item can carry; what each means is in reporter.glossary (one registry)."""

    ACCELERATOR_TYPE_UNKNOWN = "accelerator_type_unknown"
    BURSTABLE_BASELINE = "burstable_baseline"
    COST_BASED_ESTIMATE = "cost_based_estimate"
    COUNTER_RESET = "counter_reset"
    CPU_ARCHITECTURE_UNKNOWN = "cpu_architecture_unknown"
    EMBODIED_UNKNOWN = "embodied_unknown"
    GPU_POWER_ASSUMED = "gpu_power_assumed"
    GPU_POWER_ONLY = "gpu_power_only"
    HOST_POWER_UNKNOWN = "host_power_unknown"
    HOST_SHARE_FROM_INSTANCE = "host_share_from_instance"
    INSTANCE_FROM_CCF_TABLE = "instance_from_ccf_table"
    INSTANCE_TYPE_FROM_DESCRIPTION = "instance_type_from_description"
    INSTANCE_TYPE_FROM_METER = "instance_type_from_meter"
    INSTANCE_TYPE_UNKNOWN = "instance_type_unknown"
    INTERRUPTED = "interrupted"
    LINKED_TO_BILL = "linked_to_bill"
    LOCATION_FALLBACK = "location_fallback"
    LOCATION_FROM_CONFIG = "location_from_config"
    MARKET_FALLBACK_LOCATION = "market_fallback_location"
    NEGATIVE_QUANTITY = "negative_quantity"
    NON_FINITE_GUARDED = "non_finite_guarded"
    OVERLAP_SET_ASIDE = "overlap_set_aside"
    POWER_LOG_GAP = "power_log_gap"
    PROVIDER_UNSUPPORTED = "provider_unsupported"
    PUE_ASSUMED_DEFAULT = "pue_assumed_default"
    PUE_COLOCATION_DEFAULT = "pue_colocation_default"
    PUE_NOT_RECORDED = "pue_not_recorded"
    REGION_DERIVED = "region_derived"
    REPLACED_BY_MEASUREMENT = "replaced_by_measurement"
    SHIFTED_FIELDS = "shifted_fields"
    STORAGE_CLASS_ASSUMED = "storage_class_assumed"
    STORAGE_GB_AS_GB_MONTH = "storage_gb_as_gb_month"
    UNIT_UNKNOWN = "unit_unknown"
    UNKNOWN_CLOUD_REGION = "unknown_cloud_region"
    UNKNOWN_COUNTRY = "unknown_country"
    VCPUS_FROM_METER = "vcpus_from_meter"


class Scope(StrEnum):
    """The GHG Protocol scope of a line item's energy (see reporter.core.attribute)."""

    SCOPE2 = "scope2"  # electricity of own or colocated hardware
    SCOPE3_CLOUD = "scope3_cat1"  # cloud computing and data centre services


class EstimateStatus(StrEnum):
    """Whether the cloud model could estimate a bill line's energy."""

    ESTIMATED = "estimated"
    UNCLASSIFIED = "unclassified"  # usage the model cannot classify: counted and shown, never defaulted
    UNSUPPORTED = "unsupported"  # a provider or charge the model has no coefficients for


# Columns every reader fills (None where the source has no such field).
READING_COLUMNS: dict[str, str] = {
    "source_format": "str",
    "source_file": "str",
    "source_sha256": "str",
    "source_row": "int64",
    "source_sheet": "object",  # the sheet of a manual-entry workbook's row (None for one-table inputs)
    "method": "str",
    "run_id": "str",
    "project": "object",
    "team": "object",
    "model": "object",
    "phase": "object",  # training, fine_tuning or inference: from the input's options or a bill tag
    "start_time": "datetime64[us]",
    "end_time": "datetime64[us]",
    "duration_s": "float64",
    "country_code": "object",
    "region": "object",
    "cloud_provider": "object",
    "cloud_region": "object",
    "hardware": "object",
    # The machine a measurement was taken on (hostname or node name; the input's `host` option where
    # the file names none) and the GPUs it covers (comma-separated indices or ids as the source names
    # them; None: the whole host). Used to find sources that measure the same energy (core.overlap).
    "host": "object",
    "gpu": "object",
    "energy_reported_kwh": "float64",
    "tracker_pue": "float64",
    "tracker_co2e_kg": "float64",
    "tool_version": "object",
    "flags": "str",
    # Cloud bills (None for trackers): the billing dimensions, in FOCUS terms.
    "row_count": "int64",
    "billing_account_id": "object",
    "sub_account_id": "object",
    "service_name": "object",
    "service_category": "object",
    "usage_type": "object",
    "instance_type": "object",
    "consumed_quantity": "float64",
    "consumed_unit": "object",
    "billed_cost": "float64",
    "billing_currency": "object",
    "vcpus": "float64",
    "gpus": "float64",
    "memory_gb": "float64",
    "tags": "object",
    # The line's resource (instance id, ARN, Azure resource id, GCP resource name), kept only when a
    # link or a tracker's host names it (reporter.sources.bills.definition.kept_resource); else None.
    "resource_id": "object",
}


def resource_match(kept: str, wanted: str) -> str | None:
    """How a bill line's resource id (`kept`) is the `wanted` one (a link's id or a host): "whole"
    (the whole id), "end" (its last path segment, after the last '/': an ARN's `instance/i-0abc`,
    an Azure resource id's `.../virtualMachines/vm-1`), else None; without regard to case. The bill
    query keeps an id by the same rule (reporter.sources.bills.definition.kept_resource)."""
    kept, wanted = kept.strip().lower(), wanted.strip().lower()
    if not wanted:
        return None
    if wanted == kept:
        return "whole"
    return "end" if wanted == kept.rsplit("/", 1)[-1] else None


def resource_matches(kept: str, wanted: str) -> bool:
    """Whether a bill line's resource id (`kept`) is the `wanted` one, whole or by its end (`resource_match`)."""
    return resource_match(kept, wanted) is not None


# Defaults for reading columns a reader leaves out (trackers leave out every billing column).
READING_DEFAULTS: dict[str, object] = {"row_count": 1}

ENERGY_COLUMNS = ["energy_it_kwh", "pue", "pue_basis", "energy_kwh"]
EMISSION_COLUMNS = [
    "country_iso3",
    "location_key",
    "location_status",
    "factor_id",
    "factor_g_per_kwh",
    "location_based_co2e_kg",
]

EXAMPLE_ROWS = 5  # row numbers shown for a group of rows left out or flagged for the same reason


class ExclusionKind(StrEnum):
    """Why a row is left out, in kind. Accounting kinds are normal bookkeeping; a row problem (a row
    that cannot be parsed or is implausible) is an error under `--strict`. An exclusion whose kind
    is left empty is classified by its reason's text (see reporter.report.exclusions)."""

    SUPERSEDED = "superseded"  # a tracker row replaced by a later cumulative row of the same run
    OUTSIDE_PERIOD = "outside_period"  # a row outside the reporting period
    NOT_USAGE = "not_usage"  # a bill row that consumes nothing: tax, credits, purchases, fees …
    UNFINISHED = "unfinished"  # a tracker run that did not finish (no measured figures)
    ROW_PROBLEM = "row_problem"  # a row that cannot be parsed or is implausible
    OVERLAP = "overlap"  # a measurement whose hours another source of higher rank on the same host covers


@dataclass(frozen=True)
class Exclusion:
    """One input row that does not count towards the totals, and why.

    Rows group by the reason without its per-row detail: put a row's own values in parentheses or
    as a quoted value after ': ' (e.g. "column 'energy_consumed': 'abc' is not a number")."""

    row: int
    reason: str
    kind: str = ""  # an ExclusionKind; empty: classified from the reason's text
    sheet: str = ""  # the sheet of the row, for an input with several (a manual-entry workbook)

    @property
    def ref(self) -> int | str:
        """The row as outputs name it: its number, or `Sheet!7` for a row of a workbook's sheet."""
        return row_ref(self.row, self.sheet)


def row_ref(row: int, sheet: str | None = None) -> int | str:
    """A row's number, or `Sheet!7` / `'Compute usage'!7` (quoted as Excel does) when it names a sheet."""
    if not sheet:
        return row
    quoted = sheet if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", sheet) else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{row}"


@dataclass(frozen=True)
class ExclusionGroup:
    """Many input rows left out for the same reason (cloud bills): their count and a few row numbers."""

    reason: str
    rows: int
    example_rows: tuple[int, ...] = ()
    kind: str = ""  # an ExclusionKind; empty: classified from the reason's text


_non_negative = pa.Check.ge(0)

READING_SCHEMA = pa.DataFrameSchema(
    {
        "source_format": pa.Column(str),
        "source_file": pa.Column(str),
        "source_sha256": pa.Column(str, pa.Check.str_length(64, 64)),
        "source_row": pa.Column("int64", pa.Check.ge(1)),
        "method": pa.Column(str, pa.Check.isin([m.value for m in Method])),
        "run_id": pa.Column(str),
        "start_time": pa.Column("datetime64[us]", nullable=True),
        "end_time": pa.Column("datetime64[us]"),
        "duration_s": pa.Column("float64", _non_negative),
        "energy_reported_kwh": pa.Column("float64", _non_negative, nullable=True),
        "tracker_pue": pa.Column("float64", pa.Check.ge(1.0), nullable=True),
        "row_count": pa.Column("int64", pa.Check.ge(1)),
        "tracker_co2e_kg": pa.Column("float64", nullable=True),
        "flags": pa.Column(str),
    },
    strict=False,
    coerce=False,
)


def join_flags(*flags: str | None) -> str:
    """Flags as stored in a reading: the non-empty ones joined with ';'."""
    return ";".join(flag for flag in flags if flag)


def shared_objects(column: pd.Series) -> pd.Series:
    """An object column with None for missing values, each distinct value one shared object (a
    bill's readings repeat a few thousand texts across hundreds of thousands of rows)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=object)
    values[:-1] = list(uniques)
    values[-1] = None
    return pd.Series(values[codes], index=column.index, dtype=object)


def distinct_rows(columns: list[pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's number among the distinct combinations of `columns` (missing values alike), and
    the position of each combination's first row; column codes are combined, no tuples are built."""
    combined = np.zeros(len(columns[0]) if columns else 0, dtype="int64")
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        combined = pd.factorize(combined * (len(uniques) + 1) + (codes + 1))[0]
    return combined, np.unique(combined, return_index=True)[1]


def join_flag_columns(old: pd.Series, new: pd.Series | np.ndarray | list[str | None]) -> pd.Series:
    """`join_flags` of two columns, row by row, computed once per distinct pair."""
    old_texts = old.astype(object).fillna("").to_numpy()
    new_texts = pd.Series(new, index=old.index, dtype=object).fillna("").to_numpy()
    codes, first = distinct_rows([pd.Series(old_texts), pd.Series(new_texts)])
    joined = np.array([join_flags(old_texts[i], new_texts[i]) for i in first], dtype=object)
    return pd.Series(joined[codes], index=old.index, dtype=object)


def frame_from_rows(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Build a typed reading frame from reader rows (dicts keyed by READING_COLUMNS)."""
    return typed_readings(pd.DataFrame(rows, columns=list(READING_COLUMNS)))


def typed_readings(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill the defaults and give every reading column its type (a frame with READING_COLUMNS)."""
    frame = frame.copy(deep=False)
    for column, default in READING_DEFAULTS.items():
        frame[column] = frame[column].fillna(default)
    for column, dtype in READING_COLUMNS.items():
        if dtype == "str":
            frame[column] = frame[column].astype(str)
        elif dtype == "object":
            frame[column] = shared_objects(frame[column])
        else:
            frame[column] = frame[column].astype(dtype)
    return frame


def validate_readings(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a reader's output at the boundary; any failure names file, row and column."""
    try:
        return READING_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        index = first.get("index")
        row = None
        path = None
        if index is not None and index == index and index in frame.index:
            row = int(frame.loc[index, "source_row"])
            path = str(frame.loc[index, "source_file"])
        value = first["failure_case"]
        value = value.item() if hasattr(value, "item") else value
        raise InputError(
            f"invalid value {value!r} ({first['check']}); {len(cases)} problem(s) in all",
            path=path,
            row=row,
            column=str(first["column"]),
        ) from None
