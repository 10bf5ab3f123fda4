"""The canonical provider-emissions record: one row per provider figure, emissions in kg.

A provider's carbon export is not usage: it gives the provider's own emissions for our usage
(monthly, by account, region or service as the export allows). Rows become this frame and are
compared with our estimates of the same month and keys (`reporter.report.provider`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
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
    frame.columns = [normalised(str(c)) for c in frame.columns]
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
