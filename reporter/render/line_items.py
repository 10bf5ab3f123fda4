"""The line items as JSON objects: one dict per line item, converted column by column."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from reporter.report.line_items import LINE_ITEM_FIELDS, TIME_COLUMNS


def line_item_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The LINE_ITEM_FIELDS of each row as a JSON-safe dict (times as ISO text), converted column-wise."""
    columns = {
        name: _iso_values(frame[name]) if name in TIME_COLUMNS else _column_values(frame[name])
        for name in LINE_ITEM_FIELDS
    }
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _iso_values(column: pd.Series) -> list[str | None]:
    """Times as ISO 8601 text (NaT → None); in a datetime column each distinct time is formatted once."""
    if column.dtype.kind != "M":
        return [t.isoformat() if pd.notna(t) else None for t in column]
    codes, uniques = pd.factorize(column)
    texts = [t.isoformat() for t in uniques]
    return [texts[code] if code >= 0 else None for code in codes.tolist()]


def _column_values(column: pd.Series) -> list[Any]:
    """One column as `clean` makes the cells of `to_dict(orient="records")`, converted column-wise."""
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else "O"
    if kind == "f":
        return [value if math.isfinite(value) else None for value in column.tolist()]
    if kind in "iub":
        return column.tolist()
    values = column.to_numpy(dtype=object, na_value=None).tolist()
    return [value if value is None or type(value) is str else clean(value) for value in values]


def clean(value: Any) -> Any:
    """JSON-safe: NaN, infinities and NaT → None, numpy scalars → Python numbers."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT:
        return None
    return value
