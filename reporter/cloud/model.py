"""Shared types of the cloud energy model: one bill line in, one estimate out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reporter.cloud.units import as_float, as_text, to_timestamp

ESTIMATED = "estimated"
STATUS_UNCLASSIFIED = "unclassified"
STATUS_UNSUPPORTED = "unsupported"


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

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Line:
        quantity = as_float(record.get("consumed_quantity"))
        return cls(
            provider=as_text(record.get("cloud_provider")).lower(),
            region=as_text(record.get("cloud_region")).lower(),
            service=as_text(record.get("service_name")),
            usage_type=as_text(record.get("usage_type")),
            instance_type=as_text(record.get("instance_type")),
            quantity=quantity if quantity is not None else 0.0,
            unit=as_text(record.get("consumed_unit")),
            vcpus=as_float(record.get("vcpus")),
            gpus=as_float(record.get("gpus")),
            memory_gb=as_float(record.get("memory_gb")),
            start=to_timestamp(record.get("start_time")),
            end=to_timestamp(record.get("end_time")),
            cost=as_float(record.get("billed_cost")),
            ccf_lookup=_flag(record.get("ccf_lookup")),
        )


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
