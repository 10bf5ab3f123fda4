"""The cloud energy model applied to whole columns: one estimate per distinct line description.

Every estimate of the model is linear in the billed quantity: a line's energy, range and embodied
emissions are its quantity times the figures of one unit of the same description (provider,
region, service, usage type, instance type, unit, service category, vCPUs, GPUs, memory, month of
use and the CCF lookup marker). So the model runs once per distinct description — a small table, however many
lines the bill has — on a probe of one unit, and the results are joined back to the lines and
multiplied by their quantities, column by column.

Linearity is checked, not assumed: each description is probed at 1, 2 and 0.5 units, and one whose
figures, status or flags do not scale (CCF's Azure disks, which ignore the quantity) is estimated
line by line instead, as is every line of negative quantity (a correction; CCF's formulas are not
odd functions of it). The basis text of a linear description describes one unit ("per 1 Hrs:
…"); the line's figures are that times its `consumed_quantity`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from reporter.cloud.model import ESTIMATED, Estimate, Line, fmt
from reporter.cloud.units import as_float, as_text, to_timestamp
from reporter.records import distinct_rows

PROBES = (1.0, 2.0, 0.5)
TEXT_KEYS = ("cloud_provider", "cloud_region", "service_name", "usage_type", "instance_type", "consumed_unit",
             "service_category")
FLOAT_KEYS = ("vcpus", "gpus", "memory_gb")
KEY_COLUMNS = (*TEXT_KEYS, *FLOAT_KEYS, "month", "ccf_lookup")
# per-unit figures of an estimate: IT energy (low, central, high), totals incl. PUE, embodied
FIGURES = ("it_low", "it_central", "it_high", "total_low", "total_central", "total_high", "embodied_kg",
           "ccf_embodied_kwh")
Estimator = Callable[[list[Line]], list[Estimate]]


@dataclass
class Keyed:
    """The lines' normalised description columns, their distinct rows and each line's key code."""

    keys: pd.DataFrame  # one row per distinct description (KEY_COLUMNS)
    codes: np.ndarray  # per line: its row in `keys`
    quantity: np.ndarray  # per line: billed quantity (0 where missing)
    cost: np.ndarray  # per line: billed cost (NaN where missing)


def _converted_codes(column: pd.Series, convert: Callable[[Any], Any]) -> tuple[list[Any], np.ndarray]:
    """The distinct converted values, and each row's position among them."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    converted = [convert(value) for value in list(uniques)] + [convert(None)]
    return converted, np.where(codes < 0, len(converted) - 1, codes)


def _normalised_codes(column: pd.Series, convert: Callable[[Any], Any]) -> tuple[list[Any], np.ndarray]:
    """Like `_converted_codes`, with values that convert alike sharing one code."""
    converted, codes = _converted_codes(column, convert)
    keys = [("nan",) if isinstance(v, float) and math.isnan(v) else (type(v).__name__, v) for v in converted]
    first: dict[Any, int] = {}
    remap = np.array([first.setdefault(key, len(first)) for key in keys], dtype="int64")
    distinct = [None] * len(first)
    for index, position in enumerate(remap.tolist()):
        distinct[position] = converted[index]
    return distinct, remap[codes]


def _lower_text(value: Any) -> str:
    return as_text(value).lower()


def _month(value: Any) -> pd.Timestamp | None:
    stamp = to_timestamp(value)
    return None if stamp is None else pd.Timestamp(year=stamp.year, month=stamp.month, day=1)


def _lookup_flag(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(as_float(value))


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def key_lines(usage: pd.DataFrame) -> Keyed:
    """Normalise the description columns as the line-by-line model does (`Line.from_frame`), once
    per distinct value, and number the distinct descriptions."""
    converters: dict[str, Callable[[Any], Any]] = {
        **{name: _lower_text if name in ("cloud_provider", "cloud_region") else as_text for name in TEXT_KEYS},
        **{name: as_float for name in FLOAT_KEYS},
    }
    sources = {**{name: name for name in converters}, "month": "start_time", "ccf_lookup": "ccf_lookup"}
    converters.update({"month": _month, "ccf_lookup": _lookup_flag})
    values: dict[str, list[Any]] = {}
    codes: list[np.ndarray] = []
    for name in KEY_COLUMNS:
        distinct, column_codes = _normalised_codes(_column(usage, sources[name]), converters[name])
        values[name] = distinct
        codes.append(column_codes)
    inverse, first = distinct_rows([pd.Series(column_codes) for column_codes in codes])
    unique_rows = np.stack([column_codes[first] for column_codes in codes], axis=1).reshape(len(first), -1)
    keys = pd.DataFrame({name: [values[name][code] for code in unique_rows[:, index].tolist()]
                         for index, name in enumerate(KEY_COLUMNS)}, columns=list(KEY_COLUMNS))
    quantity = np.nan_to_num(_float_column(_column(usage, "consumed_quantity")), nan=0.0)
    return Keyed(keys, inverse.reshape(-1), quantity, _float_column(_column(usage, "billed_cost")))


def _float_column(column: pd.Series) -> np.ndarray:
    """`as_float` of each value as a float64 array (NaN where it gives None)."""
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "fiu":  # numbers: finite ones as they are
        values = column.to_numpy(dtype="float64")
        return np.where(np.isfinite(values), values, np.nan)
    converted, codes = _converted_codes(column, as_float)
    return np.array([np.nan if value is None else value for value in converted], dtype="float64")[codes]


def probe_line(key: Any, quantity: float) -> Line:
    """A line of `quantity` units of one description (start at its month's first day)."""
    month = key.month if isinstance(key.month, pd.Timestamp) else None
    return Line(key.cloud_provider, key.cloud_region, key.service_name, key.usage_type, key.instance_type, quantity,
                key.consumed_unit, _none(key.vcpus), _none(key.gpus), _none(key.memory_gb), month, None, None,
                bool(key.ccf_lookup), key.service_category)


def _none(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def figures(est: Estimate) -> tuple[float, ...]:
    low, central, high = est.totals()
    return (est.it_low, est.it_central, est.it_high, low, central, high, est.embodied_kg, est.ccf_embodied_kwh)


def _scales(probes: Sequence[Estimate]) -> bool:
    """Do the probes' figures scale with their quantities, and do their labels stay the same?"""
    one = probes[0]
    for est, quantity in zip(probes[1:], PROBES[1:], strict=True):
        if (est.status, est.category, est.pue, est.flags, est.ccf_unknown) != (
            one.status, one.category, one.pue, one.flags, one.ccf_unknown
        ):
            return False
        if (est.ccf_accumulate is None) != (one.ccf_accumulate is None):
            return False
        pairs = list(zip(figures(est), figures(one), strict=True))
        if est.ccf_accumulate is not None and one.ccf_accumulate is not None:
            pairs += list(zip(est.ccf_accumulate, one.ccf_accumulate, strict=True))
        if not all(_close(value, quantity * unit) for value, unit in pairs):
            return False
    return True


def _close(value: float, expected: float) -> bool:
    if not (math.isfinite(value) and math.isfinite(expected)):
        return value == expected or (math.isnan(value) and math.isnan(expected))
    return math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-300)


@dataclass
class UnitTable:
    """Per distinct description: the estimate of one unit, or None where it does not scale."""

    units: list[Estimate | None]

    @classmethod
    def build(cls, keys: pd.DataFrame, estimate: Estimator) -> UnitTable:
        rows = list(keys.itertuples(index=False))
        lines = [probe_line(key, quantity) for key in rows for quantity in PROBES]
        results = estimate(lines)
        step = len(PROBES)
        units: list[Estimate | None] = []
        for index in range(len(rows)):
            probes = results[index * step : (index + 1) * step]
            units.append(probes[0] if _scales(probes) else None)
        return cls(units)

    def column(self, name: str) -> np.ndarray:
        """A per-key array of one figure, or of `pue` (NaN for keys estimated line by line)."""
        values = [np.nan if est is None else (est.pue if name == "pue" else figures(est)[FIGURES.index(name)])
                  for est in self.units]
        return np.array(values, dtype="float64")

    def labels(self, attribute: str) -> list[Any]:
        return [None if est is None else getattr(est, attribute) for est in self.units]


def unit_basis(est: Estimate, unit: str) -> str:
    """The basis text of one unit, worded as such."""
    return f"per 1 {unit or 'unit'} billed: {est.basis}" if est.status == ESTIMATED else est.basis


def per_line_fallback(lines: list[Line], estimate: Estimator) -> list[Estimate]:
    """Lines whose description does not scale, estimated one by one."""
    return estimate([replace(line) for line in lines])


def ratio_text(basis: str, kwh: float, by_sum: float, what: str, unit: str) -> str:
    """CCF's unknown-usage ratio as the basis shows it (the line's own cost or quantity is in its row)."""
    return (f"{basis}; CCF unknown-usage ratio: {fmt(kwh)} kWh / {fmt(by_sum)} {what} of estimated"
            f" '{unit}' lines × the line's {what}")
