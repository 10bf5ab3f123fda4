"""Shared types of the cloud energy model: one bill line in, one estimate out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reporter.cloud.units import as_float, as_text, to_timestamp
from reporter.records import EstimateStatus

ESTIMATED = EstimateStatus.ESTIMATED.value
STATUS_UNCLASSIFIED = EstimateStatus.UNCLASSIFIED.value
STATUS_UNSUPPORTED = EstimateStatus.UNSUPPORTED.value


@dataclass
class Line:
    """One aggregated bill line, with missing values normalised to '' / None."""

    provider: str
    region: str
    service: str
    usage_type: str
    instance_type: str
    quantity: float
    unit: str
    vcpus: float | None
    gpus: float | None
    memory_gb: float | None
    start: Any
    end: Any
    cost: float | None
    ccf_lookup: bool = False
    service_category: str = ""

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> list[Line]:
        """One line per row, read column by column; missing columns read as missing values."""
        columns = {name: _cells(frame, name) for name in LINE_COLUMNS}
        quantities = [0.0 if quantity is None else quantity for quantity in _floats(columns["consumed_quantity"])]
        return [
            cls(*values)
            for values in zip(
                _texts(columns["cloud_provider"], lower=True),
                _texts(columns["cloud_region"], lower=True),
                _texts(columns["service_name"]),
                _texts(columns["usage_type"]),
                _texts(columns["instance_type"]),
                quantities,
                _texts(columns["consumed_unit"]),
                _floats(columns["vcpus"]),
                _floats(columns["gpus"]),
                _floats(columns["memory_gb"]),
                [to_timestamp(value) for value in columns["start_time"]],
                [to_timestamp(value) for value in columns["end_time"]],
                _floats(columns["billed_cost"]),
                [_flag(value) for value in columns["ccf_lookup"]],
                _texts(columns["service_category"]),
                strict=True,
            )
        ]


LINE_COLUMNS = (
    "cloud_provider", "cloud_region", "service_name", "usage_type", "instance_type", "consumed_quantity",
    "consumed_unit", "vcpus", "gpus", "memory_gb", "start_time", "end_time", "billed_cost", "ccf_lookup",
    "service_category",
)


def _cells(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column's values as `DataFrame.to_dict` gives them (Python scalars); None where it is missing."""
    if name not in frame.columns:
        return [None] * len(frame)
    column = frame[name]
    if isinstance(column.dtype, np.dtype) and column.dtype.kind in "fiub":
        return column.tolist()
    return frame[[name]].to_dict("list")[name]


def _texts(values: list[Any], lower: bool = False) -> list[str]:
    """`as_text` of each value (lower-cased on request), with plain strings taken directly."""
    texts = [value.strip() if type(value) is str else as_text(value) for value in values]
    return [text.lower() for text in texts] if lower else texts


def _floats(values: list[Any]) -> list[float | None]:
    """`as_float` of each value, with finite plain floats taken directly."""
    return [value if type(value) is float and math.isfinite(value) else as_float(value) for value in values]


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(as_float(value))


@dataclass
class Estimate:
    """The model's answer for one line. Energies are IT energy (before PUE) unless named otherwise."""

    category: str
    status: str
    pue: float = 1.0
    it_low: float = 0.0
    it_central: float = 0.0
    it_high: float = 0.0
    embodied_kg: float = 0.0
    ccf_embodied_kwh: float = 0.0
    basis: str = ""
    flags: list[str] = field(default_factory=list)
    # ccf mode only: what this line adds to CCF's unknown-usage ratio (low, central, high kWh incl.
    # PUE and embodied), whether the line waits for that ratio, and the ratio's result
    ccf_accumulate: tuple[float, float, float] | None = None
    ccf_unknown: bool = False
    ccf_totals: tuple[float, float, float] | None = None
    # how embodied_kg was worked out (default mode), shown after the energy basis
    embodied_basis: str = ""

    def total(self, part: str) -> float:
        """Energy incl. PUE (+ CCF's embodied kWh-equivalent in ccf mode) for low/central/high."""
        index = {"low": 0, "central": 1, "high": 2}[part]
        if self.ccf_totals is not None:
            return self.ccf_totals[index]
        it = (self.it_low, self.it_central, self.it_high)[index]
        return it * self.pue + self.ccf_embodied_kwh

    def totals(self) -> tuple[float, float, float]:
        return self.total("low"), self.total("central"), self.total("high")


def linear_watts(min_w: float, max_w: float, utilisation: float) -> float:
    """Power at a utilisation (0-1) on the linear idle-to-max model used by CCF and SPRUCE."""
    return min_w + utilisation * (max_w - min_w)


def fmt(value: float) -> str:
    """Compact number (4 significant digits) for basis strings."""
    return f"{value:.4g}"


def linear_text(min_w: float, max_w: float, utilisation: float) -> str:
    """'(0.613 + 50 % × (4.104 − 0.613))' for the audit trail."""
    return f"({fmt(min_w)} + {fmt(utilisation * 100)} % × ({fmt(max_w)} − {fmt(min_w)}))"


def zero(category: str, status: str, basis: str, flags: list[str] | None = None) -> Estimate:
    return Estimate(category=category, status=status, basis=basis, flags=list(flags or []))
