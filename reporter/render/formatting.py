"""Display formatting: the one place figures are rounded for people to read.

The report model keeps every figure at full precision; renderers call these functions to turn
a figure into text. All functions are pure and return `MISSING` ("—") for None or NaN.

Quantities use adaptive significant figures, so 1.83 kWh reads "0.00183" MWh rather than "0.000",
while a large total keeps every integer digit ("12,345.6"). Values that would need more than six
decimals switch to scientific notation ("6.80 × 10⁻⁷"), never to a bound such as "< 0.001", so
no figure is hidden. A value with more than MAX_DIGITS integer digits is also written in
scientific notation. An infinite value (a total that overflowed) reads "∞" or "−∞".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

from reporter.units import KWH_PER_MWH

MISSING = "—"
INFINITE = "∞"
MAX_DIGITS = 15  # integer digits beyond a float's precision: scientific notation instead
MINUS = "−"  # U+2212, typographic minus sign
TIMES = "\u00a0×\u00a0"  # "×" between no-break spaces, so "6.80 × 10⁻⁷" never splits across lines

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]


def is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def infinite(value: float) -> str:
    """An infinite value as text: "∞" or "−∞"."""
    return INFINITE if value > 0 else MINUS + INFINITE


def _exponent(value: float, sig: int) -> int:
    """Decimal exponent of `value` once rounded to `sig` significant figures."""
    return int(f"{abs(value):.{sig - 1}e}".split("e")[1])


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def scientific(value: float, sig: int = 3) -> str:
    """`value` as "m.mm × 10ⁿ" with `sig` significant figures, e.g. 6.8e-7 → "6.80 × 10⁻⁷".

    The spaces around "×" are no-break spaces (U+00A0).
    """
    if is_missing(value):
        return MISSING
    if math.isinf(value):
        return infinite(value)
    mantissa, exponent = f"{value:.{sig - 1}e}".split("e")
    return _signed(f"{mantissa}{TIMES}10{str(int(exponent)).translate(_SUPERSCRIPT)}")


def number(
    value: float | None,
    sig: int = 3,
    min_decimals: int = 0,
    max_decimals: int = 6,
) -> str:
    """A quantity with at least `sig` significant figures and thousands separators.

    Integer digits are never rounded away (12,345.678 with sig=3 → "12,346"). At least
    `min_decimals` decimals are shown; when more than `max_decimals` would be needed the value
    is written in scientific notation instead. Zero is "0" (padded to `min_decimals`).
    """
    if is_missing(value):
        return MISSING
    assert value is not None
    if math.isinf(value):
        return infinite(value)
    if value == 0:
        return f"{0:.{min_decimals}f}"
    exponent = _exponent(value, sig)
    decimals = max(min_decimals, sig - 1 - exponent)
    if decimals > max_decimals or exponent >= MAX_DIGITS:
        return scientific(value, sig)
    return _signed(f"{value:,.{decimals}f}")


def energy_mwh(kwh: float | None) -> str:
    """Energy given in kWh, shown in MWh: 1 234 567 kWh → "1,234.6"; 1.8308 kWh → "0.00183"."""
    if is_missing(kwh):
        return MISSING
    assert kwh is not None
    return number(kwh / KWH_PER_MWH, sig=3, min_decimals=1)


def tco2e(value: float | None) -> str:
    """Emissions in tonnes CO2e: 41.268 → "41.3"; 0.0123 → "0.0123"; 6.8e-7 → "6.80 × 10⁻⁷"."""
    return number(value, sig=3, min_decimals=1)


def percent(share: float | None) -> str:
    """A share in [0, 1] as a percentage with one decimal, more for small shares.

    0.5619 → "56.2%", 1.0 → "100.0%", 0.00234 → "0.23%", 0.0000234 → "0.0023%", 0 → "0.0%".
    """
    if is_missing(share):
        return MISSING
    assert share is not None
    return number(share * 100.0, sig=2, min_decimals=1, max_decimals=6) + "%"


def factor(g_per_kwh: float | None) -> str:
    """A grid emission factor in gCO2e/kWh, as precise as published sources give it.

    At least four significant figures and two decimals, trailing zeros dropped:
    415.65 → "415.65", 44.1 → "44.1", 1234.5678 → "1,234.57", 0.0123456 → "0.01235", 500 → "500".
    """
    if is_missing(g_per_kwh):
        return MISSING
    assert g_per_kwh is not None
    text = number(g_per_kwh, sig=4, min_decimals=2)
    if "." in text and "×" not in text:
        text = text.rstrip("0").rstrip(".")
    return text


def pue(value: float | None) -> str:
    """A power usage effectiveness ratio with two decimals: 1.58 → "1.58", 1.2 → "1.20"."""
    if is_missing(value):
        return MISSING
    assert value is not None
    if math.isinf(value) or abs(value) >= 10**MAX_DIGITS:
        return number(value)
    return f"{value:.2f}"


def pue_list(values: list[float] | None) -> str:
    """Distinct PUE values of one source, e.g. [1.0, 1.2] → "1.00, 1.20"; [] → "—"."""
    if not values:
        return MISSING
    return ", ".join(pue(v) for v in values)


def integer(n: int | float | None) -> str:
    """A count with thousands separators: 1234567 → "1,234,567"."""
    if is_missing(n):
        return MISSING
    assert n is not None
    if math.isinf(n) or abs(n) >= 10**MAX_DIGITS:
        return number(float(n))
    return _signed(f"{round(n):,d}")


def tick(value: float, step: float) -> str:
    """An axis tick label, with exactly the decimals the tick step needs.

    tick(0.5, 0.25) → "0.50", tick(2000, 500) → "2,000", tick(1.5e-6, 5e-7) → "1.5 × 10⁻⁶".
    """
    if value == 0 or not step > 0 or not math.isfinite(value) or not math.isfinite(step):
        return "0" if value == 0 else number(value)
    if abs(value) >= 10**MAX_DIGITS:
        return number(value)
    step_exponent = math.floor(math.log10(step) + 1e-9)
    mantissa = step / 10**step_exponent
    extra = 0 if abs(mantissa - round(mantissa)) < 1e-9 else 1  # 2.5 × 10ⁿ needs one more digit
    decimals = max(0, extra - step_exponent)
    if decimals <= 6:
        return _signed(f"{value:,.{decimals}f}")
    value_exponent = math.floor(math.log10(abs(value)) + 1e-9)
    digits = max(0, value_exponent - step_exponent + extra)
    return scientific(value, digits + 1)


def sha_short(sha256: str | None, length: int = 12) -> str:
    """The first `length` hex digits of a SHA-256 digest, enough to identify a file."""
    return sha256[:length] if sha256 else MISSING


def month_short(month: str) -> str:
    """'2026-11' → 'Nov'."""
    return _MONTHS[int(month[5:7]) - 1][:3]


def month_long(month: str) -> str:
    """'2026-11' → 'November 2026'."""
    return f"{_MONTHS[int(month[5:7]) - 1]} {month[:4]}"


def day(iso: str | date) -> str:
    """'2026-11-05' (or that date) → '5 November 2026'."""
    value = iso if isinstance(iso, date) else date.fromisoformat(iso)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def period_label(start: str | date, end: str | date) -> str:
    """A reporting period in words, from its first and last (inclusive) ISO dates.

    ('2026-11-01', '2026-11-30') → "November 2026";
    ('2026-01-01', '2026-12-31') → "January – December 2026";
    ('2025-07-01', '2026-06-30') → "July 2025 – June 2026";
    ('2026-01-15', '2026-03-10') → "15 January 2026 – 10 March 2026".
    """
    first = start if isinstance(start, date) else date.fromisoformat(start)
    last = end if isinstance(end, date) else date.fromisoformat(end)
    whole_months = first.day == 1 and (last.month != _next_day(last).month)
    if not whole_months:
        return day(first) if first == last else f"{day(first)} – {day(last)}"
    start_month, end_month = first.isoformat()[:7], last.isoformat()[:7]
    if start_month == end_month:
        return month_long(start_month)
    if first.year == last.year:
        return f"{_MONTHS[first.month - 1]} – {month_long(end_month)}"
    return f"{month_long(start_month)} – {month_long(end_month)}"


def _next_day(value: date) -> date:
    return date.fromordinal(value.toordinal() + 1)


# ------------------------------------------------------------------ targets and history


def percentage(value: float | None) -> str:
    """A figure already in percent, like `percent` for a share: 4.336 → "4.3%"; 0.0234 → "0.023%"."""
    if is_missing(value):
        return MISSING
    assert value is not None
    return number(value, sig=2, min_decimals=1, max_decimals=6) + "%"


def commitment(value: float | None) -> str:
    """A configured target percentage, as given, up to two decimals: 42 → "42%"; 5.25 → "5.25%"."""
    if is_missing(value):
        return MISSING
    assert value is not None
    if math.isinf(value) or abs(value) >= 10**MAX_DIGITS:
        return number(value) + "%"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return _signed(text) + "%"


def change_from_base(reduction_pct: float | None) -> str:
    """A reduction since the base year in words; a negative reduction is an increase.

    4.336 → "4.3% below the base year"; −16.36 → "16.4% above the base year"; 0 → "equal to the
    base year".
    """
    if is_missing(reduction_pct):
        return MISSING
    assert reduction_pct is not None
    text = percentage(abs(reduction_pct))
    if text == percentage(0.0):
        return "equal to the base year"
    return f"{text} {'below' if reduction_pct > 0 else 'above'} the base year"


def achieved(achieved_pct: float | None) -> str:
    """The share of the planned reduction achieved so far, in words.

    10.32 → "10.3% of the planned reduction"; −38.9 → "none: emissions are above the base year";
    112.0 → "112.0% of the planned reduction (beyond the target)".
    """
    if is_missing(achieved_pct):
        return MISSING
    assert achieved_pct is not None
    if achieved_pct < 0:
        return "none: emissions are above the base year"
    suffix = " (beyond the target)" if achieved_pct > 100 else ""
    return f"{percentage(achieved_pct)} of the planned reduction{suffix}"


def gap_to_pathway(gap_tco2e: float | None) -> str:
    """Actual minus pathway in words: 1.132 → "1.13 tCO2e above the pathway"; −0.5 → "0.50 … below"."""
    if is_missing(gap_tco2e):
        return MISSING
    assert gap_tco2e is not None
    text = tco2e(abs(gap_tco2e))
    if text == tco2e(0.0):
        return "on the pathway"
    return f"{text} tCO2e {'above' if gap_tco2e > 0 else 'below'} the pathway"


def tco2e_change(value: float | None) -> str:
    """A signed difference in tCO2e: −0.10966 → "−0.110"; 1.5 → "+1.50"; 0 → "0.0"."""
    if is_missing(value):
        return MISSING
    assert value is not None
    text = tco2e(value)
    return text if value <= 0 or text == tco2e(0.0) else "+" + text


def yes_no(value: bool | None) -> str:
    """True → "yes", False → "no", None → "—"."""
    if value is None:
        return MISSING
    return "yes" if value else "no"


# ------------------------------------------------------------------ ranges and bills

RANGE_DASH = "\u00a0– "  # an en dash, kept on the line of the low value


def value_range(low: float | None, high: float | None, fmt: Callable[[float | None], str]) -> str:
    """A low–high range, both ends formatted by `fmt`: (6261.4, 15292.0, energy_mwh) → "6.26 – 15.3".

    When both ends read the same once formatted, the range is that one value.
    """
    first, last = fmt(low), fmt(high)
    return first if first == last else f"{first}{RANGE_DASH}{last}"


def energy_mwh_range(low_kwh: float | None, high_kwh: float | None) -> str:
    """An energy range given in kWh, shown in MWh: (147784.2, 156814.8) → "147.8 – 156.8"."""
    return value_range(low_kwh, high_kwh, energy_mwh)


def tco2e_range(low: float | None, high: float | None) -> str:
    """An emissions range in tCO2e: (1.2826, 3.3571) → "1.28 – 3.36"."""
    return value_range(low, high, tco2e)


def quantity(value: float | None) -> str:
    """A billed quantity in the bill's own unit: 168.0 → "168"; 0.00084771 → "0.000848"."""
    return number(value, sig=3)


def money(value: float | None, currency: str | None = None) -> str:
    """A billed cost with at least two decimals, and its currency when known.

    (1.58088, "USD") → "1.58 USD"; (0.4793, "CAD") → "0.479 CAD"; (0.0, "USD") → "0.00 USD";
    (6.65679e-09, "CAD") → "6.66 × 10⁻⁹ CAD". A small cost keeps its significant figures.
    """
    text = number(value, sig=3, min_decimals=2)
    return f"{text}\u00a0{currency}" if currency and text != MISSING else text


def pue_summary(values: list[float] | None, most: int = 4) -> str:
    """Distinct PUE values of one source, as a list when there are few, else their span.

    [1.0, 1.2] → "1.00, 1.20"; seventeen regional values from 1.0 to 1.46 → "1.00 – 1.46 (17 values)".
    """
    if not values or len(values) <= most:
        return pue_list(values)
    return f"{pue(min(values))}{RANGE_DASH}{pue(max(values))} ({len(values)} values)"
