"""Charts as inline SVG strings: no plotting library, no fonts beyond the report's own.

The SVG is drawn in user units at a fixed design size and scaled by the page's CSS, so the
proportions and text sizes are predictable in the PDF. Every number is formatted by
`reporter.render.formatting`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from reporter.render import formatting

BAR = "#3b6a8a"
BAR_EMPTY = "#c9d3dc"
GRID = "#e1e6eb"
AXIS = "#8a96a3"
TEXT = "#33404d"
MUTED = "#6b7785"
FONT = "DejaVu Sans, sans-serif"

_CHAR_WIDTH = 0.58  # average DejaVu Sans advance for digits and punctuation, in ems


@dataclass(frozen=True)
class Scale:
    """A linear value axis from 0 to `top`, labelled every `step`."""

    step: float
    top: float

    @property
    def ticks(self) -> list[float]:
        count = round(self.top / self.step)
        return [self.step * i for i in range(count + 1)]


def nice_scale(maximum: float, target_ticks: int = 5) -> Scale:
    """A 0-based axis whose step is 1, 2, 2.5 or 5 × 10ⁿ and whose top covers `maximum`.

    nice_scale(41.3) → step 10, top 50; nice_scale(0) → step 1, top 1 (an empty chart).
    """
    if not maximum > 0 or math.isinf(maximum):
        return Scale(step=1.0, top=1.0)
    raw = maximum / target_ticks
    exponent = math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        step = multiple * 10.0**exponent
        if step >= raw:
            break
    count = math.ceil(maximum / step - 1e-9)
    return Scale(step=step, top=step * max(count, 1))


def _text(x: float, y: float, body: str, size: float, **attrs: str) -> str:
    extra = "".join(f" {key.replace('_', '-')}={quoteattr(value)}" for key, value in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" font-family={quoteattr(FONT)}'
        f"{extra}>{escape(body)}</text>"
    )


def _text_width(text: str, size: float) -> float:
    return len(text) * size * _CHAR_WIDTH


def monthly_bar_chart(
    by_month: Sequence[dict[str, Any]],
    value_key: str = "location_based_tco2e",
    unit: str = "tCO2e",
    width: float = 640.0,
    height: float = 215.0,
    title: str = "Location-based emissions by month",
) -> str:
    """An SVG bar chart of one monthly figure from the context's `by_month` rows.

    Each bar is labelled with its value (when the labels fit above the bars), the value axis has
    ticks at round numbers, and months are labelled "Jan", "Feb", … with the year under the first
    month and under every January.
    """
    months = [str(row["month"]) for row in by_month]
    values = [float(row[value_key] or 0.0) for row in by_month]
    scale = nice_scale(max(values, default=0.0))
    tick_labels = [formatting.tick(t, scale.step) for t in scale.ticks]

    left = max(_text_width(label, 9.0) for label in tick_labels) + 16.0
    right, top, bottom = 8.0, 26.0, 36.0
    plot_w, plot_h = width - left - right, height - top - bottom
    base_y = top + plot_h

    def y_of(value: float) -> float:
        return base_y - (value / scale.top) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        f"aria-label={quoteattr(title)}>",
        f"<title>{escape(title)}</title>",
        _text(0.0, 10.0, unit, 8.5, fill=MUTED),
    ]
    for value, label in zip(scale.ticks, tick_labels, strict=True):
        y = y_of(value)
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{width - right:.1f}" y2="{y:.1f}" '
            f'stroke="{AXIS if value == 0 else GRID}" stroke-width="{0.8 if value == 0 else 0.6}"/>'
        )
        parts.append(_text(left - 6.0, y + 3.2, label, 9.0, fill=MUTED, text_anchor="end"))

    slot = plot_w / max(len(months), 1)
    bar_w = min(slot * 0.62, 56.0)
    value_labels = [formatting.tco2e(v) if unit == "tCO2e" else formatting.number(v) for v in values]
    label_size = 8.5
    widest = max((_text_width(label, label_size) for label in value_labels), default=0.0)
    if widest > slot - 2.0:
        label_size = max(6.5, label_size * (slot - 2.0) / widest)
    show_values = max((_text_width(v, label_size) for v in value_labels), default=0.0) <= slot - 1.0
    every = max(1, math.ceil(len(months) / 24))

    for index, (month, value, label) in enumerate(zip(months, values, value_labels, strict=True)):
        centre = left + slot * (index + 0.5)
        y = y_of(value)
        bar_h = max(base_y - y, 0.0)
        if bar_h > 0:
            parts.append(
                f'<rect x="{centre - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{bar_h:.1f}" fill="{BAR}"><title>{escape(formatting.month_long(month))}: '
                f"{escape(label)} {escape(unit)}</title></rect>"
            )
        if show_values:
            parts.append(_text(centre, y - 4.0, label, label_size, fill=TEXT, text_anchor="middle"))
        if index % every == 0:
            parts.append(
                _text(centre, base_y + 13.0, formatting.month_short(month), 9.0, fill=TEXT,
                      text_anchor="middle")
            )
        if index == 0 or month.endswith("-01"):
            parts.append(_text(centre, base_y + 25.0, month[:4], 8.0, fill=MUTED, text_anchor="middle"))
    parts.append("</svg>")
    return "".join(parts)
