"""The canonical provider-emissions record: one row per provider figure, emissions in kg.

A provider's carbon export is not usage: it gives the provider's own emissions for our usage
(monthly, by account, region or service as the export allows). Rows become this frame and are
compared with our estimates of the same month and keys (`reporter.report.provider`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from reporter.errors import InputFormatError
from reporter.sources.base import InputFile

PROVIDER_COLUMNS: dict[str, str] = {
    "source_file": "object",
    "source_row": "int64",
    "provider": "object",  # aws, gcp, azure
    "month": "object",  # YYYY-MM of usage
    "account": "object",  # usage account, project or subscription; None where the export has none
    "region": "object",
    "service": "object",
    "total_co2e_kg": "float64",  # the export's headline figure, whatever its basis
    "location_based_co2e_kg": "float64",  # NaN where the export does not give it
    "market_based_co2e_kg": "float64",
    "scope1_co2e_kg": "float64",
    "scope2_location_co2e_kg": "float64",
    "scope2_market_co2e_kg": "float64",
    "scope3_co2e_kg": "float64",
    "basis": "object",  # what the total is: "location_based", "market_based" or "not stated"
    "model_version": "object",
}
KG_PER_TONNE = 1000.0


def provider_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(PROVIDER_COLUMNS))
    for column, dtype in PROVIDER_COLUMNS.items():
        frame[column] = frame[column].astype(dtype) if dtype != "object" else frame[column].astype(object)
    return frame


def normalised(name: str) -> str:
    """A column name compared without case, dots, spaces or underscores."""
    return re.sub(r"[._\s]+", "_", name.strip().lower())


def read_table(source: InputFile) -> pd.DataFrame:
    """The export as text cells, header names normalised."""
    path = source.path
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path).astype(str)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise InputFormatError(f"cannot read the carbon export ({exc})", path) from None
    names = [str(c) for c in frame.columns]
    frame.columns = [normalised(name) for name in names]
    frame.attrs["names"] = dict(zip(frame.columns, names, strict=True))  # as the file writes them, for errors
    return frame


def require(frame: pd.DataFrame, path: Path, *names: str) -> None:
    for name in names:
        if name not in frame.columns:
            raise InputFormatError(f"required column '{name}' is missing from the header", path, 1, name)


def kg(value: str, path: Path, row: int, column: str, factor: float = 1.0) -> float:
    """A non-negative emissions cell in kg (× `factor` from the file's unit); empty is NaN."""
    text = str(value).strip()
    if text in ("", "nan", "None", "null"):
        return math.nan
    try:
        number = float(text)
    except ValueError:
        raise InputFormatError(f"'{text}' is not a number", path, row, column) from None
    if not math.isfinite(number) or number < 0:
        raise InputFormatError(f"'{text}' is not a non-negative emissions figure", path, row, column)
    return number * factor


def cell(frame: pd.DataFrame, column: str, index: int) -> str | None:
    if column not in frame.columns:
        return None
    text = str(frame.iloc[index][column]).strip()
    return text or None


@dataclass(frozen=True)
class ExportLayout:
    """How one provider's carbon export maps onto the provider-emissions record (columns normalised)."""

    provider: str  # aws, gcp, azure
    month: str  # the usage month's column
    total: str  # the headline figure's column
    basis: str  # what the total is: "location_based", "market_based" or "not stated"
    month_format: str | None = None  # strptime format ("%b %Y"); None: an ISO date or date-time
    month_example: str = "2026-01-01"
    keys: Mapping[str, str] = field(default_factory=dict)  # account / region / service -> column
    figures: Mapping[str, str] = field(default_factory=dict)  # other emissions fields -> column
    model_version: str | None = None
    kg_per_unit: float = 1.0  # the export's unit in kg (MTCO2e: 1000)
    unit_column: str | None = None  # a column naming each row's unit, checked against `units`
    units: tuple[str, ...] = ()  # accepted, compared without case or spaces; the first is assumed when empty


def read_export(frame: pd.DataFrame, path: Path, layout: ExportLayout) -> list[dict[str, object]]:
    """The export's rows as provider-emissions records; a bad cell stops with file, row and column."""
    require(frame, path, layout.month, layout.total)
    names = frame.attrs.get("names", {})
    rows = []
    for index in range(len(frame)):
        row = index + 2
        _check_unit(frame, path, layout, index, names)
        figures = {
            target: kg(cell(frame, column, index) or "", path, row, names.get(column, column), layout.kg_per_unit)
            for target, column in layout.figures.items()
        }
        total_name = names.get(layout.total, layout.total)
        total = kg(frame.iloc[index][layout.total], path, row, total_name, layout.kg_per_unit)
        record: dict[str, object] = {
            "source_file": str(path),
            "source_row": row,
            "provider": layout.provider,
            "month": _month(frame, path, layout, index, names),
            **{key: cell(frame, column, index) for key, column in layout.keys.items()},
            "total_co2e_kg": total,
            **figures,
            "basis": layout.basis,
            "model_version": cell(frame, layout.model_version, index) if layout.model_version else None,
        }
        if layout.basis in ("location_based", "market_based"):
            record[f"{layout.basis}_co2e_kg"] = total
        rows.append(record)
    return rows


def _check_unit(frame: pd.DataFrame, path: Path, layout: ExportLayout, index: int, names: Mapping[str, str]) -> None:
    if layout.unit_column is None:
        return
    unit = (cell(frame, layout.unit_column, index) or layout.units[0]).replace(" ", "").lower()
    if unit not in {u.replace(" ", "").lower() for u in layout.units}:
        column = names.get(layout.unit_column, layout.unit_column)
        raise InputFormatError(f"unit '{unit}' is not {layout.units[0]}", path, index + 2, column)


def _month(frame: pd.DataFrame, path: Path, layout: ExportLayout, index: int, names: Mapping[str, str]) -> str:
    text = cell(frame, layout.month, index)
    if layout.month_format:
        month = pd.to_datetime(text, format=layout.month_format, errors="coerce")
    else:
        month = pd.to_datetime(text, errors="coerce", utc=True)
    if pd.isna(month):
        column = names.get(layout.month, layout.month)
        raise InputFormatError(f"'{text or ''}' is not a month like '{layout.month_example}'", path, index + 2, column)
    return f"{month:%Y-%m}"
