"""Charts as inline SVG strings: no plotting library, no fonts beyond the report's own.

Two kinds: bars of a monthly figure (the period's months, or the year to date with closed
months shaded apart), and a target's linear pathway against actual emissions.

The SVG is drawn in user units at a fixed design size and scaled by the page's CSS, so the
proportions and text sizes are predictable in the PDF. Every number is formatted by
`reporter.render.formatting`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from reporter.render import formatting
from reporter.report.model import PreviousYear, TargetProgress

BAR = "#3b6a8a"
GRID = "#e1e6eb"
AXIS = "#8a96a3"
TEXT = "#33404d"
MUTED = "#6b7785"
BAR_CLOSED = "#9bb5c9"
ON_TRACK = "#2f7d4f"
OFF_TRACK = "#b4561b"
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
    top = step * max(count, 1)
    if not math.isfinite(top):  # near the largest float: one step from 0 to the maximum
        return Scale(step=maximum, top=maximum)
    return Scale(step=step, top=top)


def _text(x: float, y: float, body: str, size: float, **attrs: str) -> str:
    extra = "".join(f" {key.replace('_', '-')}={quoteattr(value)}" for key, value in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" font-family={quoteattr(FONT)}'
        f"{extra}>{escape(body)}</text>"
    )


def _text_width(text: str, size: float) -> float:
    return len(text) * size * _CHAR_WIDTH


def _svg_open(width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width:g}" height="{height:g}" viewBox="0 0 {width:g} {height:g}" '
        f"aria-label={quoteattr(title)}>",
        f"<title>{escape(title)}</title>",
    ]


def _value_axis(parts: list[str], scale: Scale, labels: list[str], left: float, right: float,
                y_of: Callable[[float], float]) -> None:
    """Horizontal grid lines with their tick labels, the zero line drawn as the axis."""
    for value, label in zip(scale.ticks, labels, strict=True):
        y = y_of(value)
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="{AXIS if value == 0 else GRID}" stroke-width="{0.8 if value == 0 else 0.6}"/>'
        )
        parts.append(_text(left - 6.0, y + 3.2, label, 9.0, fill=MUTED, text_anchor="end"))


def _legend(parts: list[str], items: Sequence[tuple[str, str]], x0: float, y0: float, width: float,
            size: float = 8.5, row_height: float = 14.0, align_right: bool = False) -> float:
    """Legend entries (symbol, text) in rows that wrap within `width`; returns the bottom y.

    Symbols: "bar:<colour>", "line:<colour>", "dot:<colour>", "ring:<colour>",
    "diamond:<colour>" and "square:<colour>" (hollow).
    """
    rows: list[list[tuple[str, str, float]]] = [[]]
    used = 0.0
    for symbol, text in items:
        entry = 16.0 + _text_width(text, size) + 14.0  # symbol, text, gap
        if rows[-1] and used + entry > width:
            rows.append([])
            used = 0.0
        rows[-1].append((symbol, text, entry))
        used += entry
    y = y0
    for row in rows:
        total = sum(entry for _, _, entry in row) - 14.0
        x = x0 + width - total if align_right else x0
        for symbol, text, entry in row:
            parts.append(_symbol(symbol, x + 6.0, y - size * 0.35))
            parts.append(_text(x + 16.0, y, text, size, fill=TEXT))
            x += entry
        y += row_height
    return y - row_height


def _symbol(symbol: str, cx: float, cy: float, r: float = 4.0) -> str:
    kind, colour = symbol.split(":", 1)
    if kind == "bar":
        return f'<rect x="{cx - r:.1f}" y="{cy - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" fill="{colour}"/>'
    if kind == "line":
        return (
            f'<line x1="{cx - 1.5 * r:.1f}" y1="{cy:.1f}" x2="{cx + 1.5 * r:.1f}" y2="{cy:.1f}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
    if kind == "dot":
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{colour}"/>'
    if kind == "ring":
        return (
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="#ffffff" stroke="{colour}" '
            f'stroke-width="1.6"/>'
        )
    if kind == "diamond":
        d = r * 1.35
        return (
            f'<path d="M{cx:.1f},{cy - d:.1f} L{cx + d:.1f},{cy:.1f} L{cx:.1f},{cy + d:.1f} '
            f'L{cx - d:.1f},{cy:.1f} Z" fill="{colour}"/>'
        )
    if kind == "square":
        return (
            f'<rect x="{cx - r:.1f}" y="{cy - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" '
            f'fill="#ffffff" stroke="{colour}" stroke-width="1.6"/>'
        )
    raise ValueError(f"unknown chart symbol {symbol!r}")


def monthly_bar_chart(
    by_month: Sequence[Any],
    value_key: str = "location_based_tco2e",
    unit: str = "tCO2e",
    width: float = 640.0,
    height: float = 215.0,
    title: str = "Location-based emissions by month",
    fills: Sequence[str] | None = None,
    legend: Sequence[tuple[str, str]] = (),
    month_label: Callable[[str], str] = formatting.month_short,
) -> str:
    """An SVG bar chart of one monthly figure (`value_key`) of rows with a `month` ("YYYY-MM"), such
    as the report's `by_month` or its year-to-date months.

    Each bar is labelled with its value (when the labels fit above the bars), the value axis has
    ticks at round numbers, and months are labelled "Jan", "Feb", … with the year under the first
    month and under every January. A month whose value is None has no bar and is marked "—".
    `fills` gives each bar its colour (default: all the same); `legend` lists (symbol, text)
    entries, drawn at the top right (see `_legend`).
    """
    months = [str(row.month) for row in by_month]
    values: list[float | None] = [
        None if getattr(row, value_key) is None else float(getattr(row, value_key)) for row in by_month
    ]
    colours = list(fills) if fills is not None else [BAR] * len(months)
    scale = nice_scale(max((v for v in values if v is not None and math.isfinite(v)), default=0.0))
    tick_labels = [formatting.tick(t, scale.step) for t in scale.ticks]

    left = max(_text_width(label, 9.0) for label in tick_labels) + 16.0
    right, top, bottom = 8.0, 26.0, 36.0
    plot_w, plot_h = width - left - right, height - top - bottom
    base_y = top + plot_h

    def y_of(value: float) -> float:
        return base_y - (value / scale.top) * plot_h

    parts = _svg_open(width, height, title)
    parts.append(_text(0.0, 10.0, unit, 8.5, fill=MUTED))
    if legend:
        _legend(parts, legend, left + 60.0, 10.0, plot_w - 60.0, align_right=True)
    _value_axis(parts, scale, tick_labels, left, width - right, y_of)

    slot = plot_w / max(len(months), 1)
    _month_bars(parts, months, values, colours, unit, left, slot, base_y, y_of, month_label)
    parts.append("</svg>")
    return "".join(parts)


def _month_bars(
    parts: list[str],
    months: list[str],
    values: list[float | None],
    colours: list[str],
    unit: str,
    left: float,
    slot: float,
    base_y: float,
    y_of: Callable[[float], float],
    month_label: Callable[[str], str] = formatting.month_short,
) -> None:
    """One bar per month with its value above it (when the labels fit), and the month axis."""
    bar_w = min(slot * 0.62, 56.0)
    value_labels = [
        formatting.MISSING if v is None else formatting.tco2e(v) if unit == "tCO2e" else formatting.number(v)
        for v in values
    ]
    label_size = 8.5
    widest = max((_text_width(label, label_size) for label in value_labels), default=0.0)
    if widest > slot - 2.0:
        label_size = max(6.5, label_size * (slot - 2.0) / widest)
    show_values = max((_text_width(v, label_size) for v in value_labels), default=0.0) <= slot - 1.0
    every = max(1, math.ceil(len(months) / 24))
    for index, (month, value, label) in enumerate(zip(months, values, value_labels, strict=True)):
        centre = left + slot * (index + 0.5)
        if value is None or not math.isfinite(value):  # no bar: no figure, or one beyond any axis
            parts.append(_text(centre, base_y - 4.0, label, label_size, fill=MUTED, text_anchor="middle"))
        else:
            y = y_of(value)
            bar_h = max(base_y - y, 0.0)
            if bar_h > 0:
                parts.append(
                    f'<rect x="{centre - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                    f'height="{bar_h:.1f}" fill="{colours[index]}"><title>'
                    f"{escape(formatting.month_long(month))}: {escape(label)} {escape(unit)}</title></rect>"
                )
            if show_values:
                parts.append(_text(centre, y - 4.0, label, label_size, fill=TEXT, text_anchor="middle"))
        if index % every == 0:
            parts.append(
                _text(centre, base_y + 13.0, month_label(month), 9.0, fill=TEXT,
                      text_anchor="middle")
            )
        if index == 0 or month.endswith("-01"):
            parts.append(_text(centre, base_y + 25.0, month[:4], 8.0, fill=MUTED, text_anchor="middle"))


@dataclass(frozen=True)
class _Pathway:
    """What a pathway chart draws, in tCO2e a year."""

    base_year: int
    target_year: int
    year: int  # the report year
    base: float
    goal: float
    actual: float | None  # annualised for a part year
    previous: tuple[int, float, int] | None  # (year, closed total, months closed)
    status: str  # the actual's colour: on track or not
    pro_rata: bool

    @property
    def first(self) -> int:
        return min(self.base_year, self.target_year, self.year, *([self.previous[0]] if self.previous else []))

    @property
    def last(self) -> int:
        return max(self.base_year, self.target_year, self.year, *([self.previous[0]] if self.previous else []))

    @property
    def peak(self) -> float:
        extra = ([self.actual] if self.actual is not None else []) + ([self.previous[1]] if self.previous else [])
        return max([self.base, self.goal, *extra])


def pathway_chart(
    target: TargetProgress,
    previous_year: PreviousYear | None = None,
    width: float = 640.0,
    height: float = 230.0,
    tr: Callable[[str], str] = str,
) -> str:
    """An SVG line chart of a target's linear pathway against actual emissions, in tCO2e a year
    (its words passed through `tr`, the report language's translation).

    `target` is one of the report's `targets` (it must have a `target_tco2e`). Drawn: the
    pathway from the base year to the target year (flat, dashed, after it), the base-year and
    target points, and the report year's actual emissions as a diamond, green when on track,
    amber when not. A part-year actual is annualised (actual ÷ share of the year) so that it is
    comparable with the annual pathway, and labelled so. `previous_year` (the history's
    `previous_year`) adds its closed total as a hollow square when it is known.
    """
    path = _pathway(target, previous_year)
    scale = nice_scale(path.peak * 1.04)  # headroom: no marker sits on the top edge
    tick_labels = [formatting.tick(v, scale.step) for v in scale.ticks]

    parts = _svg_open(width, height, f"{target.name}: pathway and actual emissions")
    left = max(_text_width(label, 9.0) for label in tick_labels) + 16.0
    right, bottom = 10.0, 24.0
    legend = [(symbol, tr(label)) for symbol, label in _pathway_legend(path)]
    legend_bottom = _legend(parts, legend, left, 10.0, width - left - right)
    top = legend_bottom + 24.0
    plot_w, plot_h = width - left - right, height - top - bottom
    base_y = top + plot_h
    parts.append(_text(0.0, top - 8.0, tr("tCO2e a year"), 8.5, fill=MUTED))
    span = path.last - path.first + 1

    def x_of(y: float) -> float:
        return left + (y - path.first + 0.5) / span * plot_w

    def y_of(value: float) -> float:
        return base_y - (value / scale.top) * plot_h

    _value_axis(parts, scale, tick_labels, left, width - right, y_of)
    _year_axis(parts, path, x_of, base_y, plot_w / span)
    _pathway_marks(parts, path, x_of, y_of, top, base_y)
    parts.append("</svg>")
    return "".join(parts)


def _pathway(target: TargetProgress, previous_year: PreviousYear | None) -> _Pathway:
    fraction = target.year_fraction or 0.0
    previous = None
    if previous_year and previous_year.location_based_tco2e is not None and previous_year.year:
        previous = (previous_year.year, previous_year.location_based_tco2e, previous_year.months_closed)
    return _Pathway(
        base_year=target.base_year,
        target_year=target.target_year,
        year=target.report_year,
        base=target.base_tco2e,
        goal=float(target.target_tco2e or 0.0),
        actual=target.actual_tco2e / fraction if fraction > 0 else None,
        previous=previous,
        status=ON_TRACK if target.on_track else OFF_TRACK,
        pro_rata=target.pro_rata,
    )


def _pathway_legend(path: _Pathway) -> list[tuple[str, str]]:
    def t(value: float) -> str:
        return f"{formatting.tco2e(value)} tCO2e"

    legend: list[tuple[str, str]] = [
        (f"line:{BAR}", f"Linear pathway {path.base_year}–{path.target_year}"),
        (f"dot:{BAR}", f"Base year {path.base_year}: {t(path.base)}"),
        (f"ring:{BAR}", f"Target {path.target_year}: {t(path.goal)}"),
    ]
    if path.actual is not None:
        actual = t(path.actual)
        label = f"{path.year} actual, annualised: {actual}" if path.pro_rata else f"{path.year} actual: {actual}"
        legend.append((f"diamond:{path.status}", label))
    if path.previous is not None:
        months = "" if path.previous[2] >= 12 else f" ({path.previous[2]} of 12 months)"
        legend.append((f"square:{TEXT}", f"{path.previous[0]} closed{months}: {t(path.previous[1])}"))
    return legend


def _year_axis(
    parts: list[str], path: _Pathway, x_of: Callable[[float], float], base_y: float, per_year: float
) -> None:
    """Year ticks under the plot, labelled every 1, 2, 5, … years as space allows; the report year bold."""
    first, last = path.first, path.last
    step = next((s for s in (1, 2, 5, 10, 20) if per_year * s >= 34.0), 50)
    for y in range(first, last + 1):
        labelled = (y - first) % step == 0 or (y == last and (last - first) % step >= step / 2)
        x = x_of(y)
        parts.append(
            f'<line x1="{x:.1f}" y1="{base_y:.1f}" x2="{x:.1f}" y2="{base_y + (4.0 if labelled else 2.5):.1f}" '
            f'stroke="{AXIS}" stroke-width="0.8"/>'
        )
        if labelled:
            weight = {"font_weight": "bold"} if y == path.year else {}
            parts.append(_text(x, base_y + 14.0, str(y), 8.5, fill=TEXT, text_anchor="middle", **weight))


def _pathway_marks(
    parts: list[str],
    path: _Pathway,
    x_of: Callable[[float], float],
    y_of: Callable[[float], float],
    top: float,
    base_y: float,
) -> None:
    """The report year's guide, the pathway (dashed after the target year) and the points."""
    year, base_year, target_year = path.year, path.base_year, path.target_year
    parts.append(
        f'<line x1="{x_of(year):.1f}" y1="{top:.1f}" x2="{x_of(year):.1f}" y2="{base_y:.1f}" '
        f'stroke="{AXIS}" stroke-width="0.6" stroke-dasharray="2,2"/>'
    )
    parts.append(
        f'<line x1="{x_of(base_year):.1f}" y1="{y_of(path.base):.1f}" x2="{x_of(target_year):.1f}" '
        f'y2="{y_of(path.goal):.1f}" stroke="{BAR}" stroke-width="2"/>'
    )
    if path.last > target_year:
        parts.append(
            f'<line x1="{x_of(target_year):.1f}" y1="{y_of(path.goal):.1f}" x2="{x_of(path.last):.1f}" '
            f'y2="{y_of(path.goal):.1f}" stroke="{BAR}" stroke-width="1.4" stroke-dasharray="4,3"/>'
        )
    parts.append(_symbol(f"dot:{BAR}", x_of(base_year), y_of(path.base), 4.5))
    parts.append(_symbol(f"ring:{BAR}", x_of(target_year), y_of(path.goal), 4.5))
    if path.previous is not None:
        parts.append(_symbol(f"square:{TEXT}", x_of(path.previous[0]), y_of(path.previous[1]), 4.0))
    if path.actual is not None:
        parts.append(_symbol(f"diamond:{path.status}", x_of(year), y_of(path.actual), 5.0))
