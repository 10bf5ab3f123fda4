"""Lists of a report that are cut to their largest entries, so outputs stay small whatever the bill.

Breakdowns list their BREAKDOWN_KEYS keys with the largest emissions (then energy) and sum the
others in one row keyed OTHER_KEYS; unclassified usage lists its UNCLASSIFIED_GROUPS costliest
groups and one row OTHER_GROUPS. `limits` records which lists were cut and by how much.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from reporter.core import aggregate
from reporter.report.model import BreakdownRow, Cut, Limits, Unclassified, UnclassifiedGroup
from reporter.units import KG_PER_T

BREAKDOWN_KEYS = 100
UNCLASSIFIED_GROUPS = 100
OTHER_KEYS = "(other keys)"
OTHER_GROUPS = "(other groups)"
NOT_ESTIMATED = ("unclassified", "unsupported")
UNCLASSIFIED_KEYS = [
    "estimate_status", "cloud_provider", "service_name", "usage_type", "consumed_unit", "billing_currency",
]


def breakdown(allocated: pd.DataFrame, column: str, totals: dict[str, float]) -> tuple[tuple[BreakdownRow, ...], int]:
    """Rows of the BREAKDOWN_KEYS keys with the largest emissions, the others summed in one row
    keyed OTHER_KEYS; and how many keys there are in all."""
    frame = aggregate.by_dimension(allocated, column)
    shown, rest = frame.iloc[:BREAKDOWN_KEYS], frame.iloc[BREAKDOWN_KEYS:]
    keys = [str(key) for key in shown["key"]]
    market = "market_based_co2e_kg" if "market_based_co2e_kg" in frame else "location_based_co2e_kg"
    sums = [
        (float(e), float(c), float(m))
        for e, c, m in zip(shown["energy_kwh"], shown["location_based_co2e_kg"], shown[market], strict=True)
    ]
    if len(rest):
        keys.append(OTHER_KEYS)
        sums.append(
            (float(rest["energy_kwh"].sum()), float(rest["location_based_co2e_kg"].sum()), float(rest[market].sum()))
        )
    total_kwh, total_kg = totals["energy_kwh"], totals["location_based_co2e_kg"]
    rows = tuple(
        BreakdownRow(
            key=key,
            energy_kwh=energy,
            location_based_tco2e=kg / KG_PER_T,
            energy_share=energy / total_kwh if total_kwh else 0.0,
            emissions_share=kg / total_kg if total_kg else 0.0,
            market_based_tco2e=market_kg / KG_PER_T,
        )
        for key, (energy, kg, market_kg) in zip(keys, sums, strict=True)
    )
    return rows, len(frame)


def unclassified(items: pd.DataFrame) -> tuple[Unclassified, int]:
    """Billed usage the energy model could not classify: counted and shown, never defaulted.

    Groups by status, provider, service, usage type, unit and currency, largest cost first: the
    first UNCLASSIFIED_GROUPS, then the others in one row (its bill rows only: their quantities
    and costs are in different units and currencies). Also returns how many groups there are.
    """
    status = items["estimate_status"] if "estimate_status" in items else pd.Series(index=items.index, dtype=object)
    part = items[status.isin(NOT_ESTIMATED)]
    groups: list[UnclassifiedGroup] = []
    count = 0
    if not part.empty:
        keys = UNCLASSIFIED_KEYS
        filled = part[keys].astype(object).where(part[keys].notna(), "")
        grouped = part.assign(**{k: filled[k] for k in keys}).groupby(keys, sort=True)
        summed = grouped.agg(
            rows=("row_count", "sum"), quantity=("consumed_quantity", "sum"), cost=("billed_cost", "sum")
        )
        summed = summed.reset_index().sort_values(["cost", "rows"], ascending=False)
        count = len(summed)
        groups = [_group(row) for row in summed.iloc[:UNCLASSIFIED_GROUPS].to_dict(orient="records")]
        rest = summed.iloc[UNCLASSIFIED_GROUPS:]
        if len(rest):
            other = dict.fromkeys(keys, "") | {"estimate_status": OTHER_GROUPS}
            groups.append(UnclassifiedGroup(**other, rows=int(rest["rows"].sum()), quantity=None, cost=None))
    by_currency = part.groupby(part["billing_currency"].fillna(""))["billed_cost"].sum()
    summary = Unclassified(
        line_items=int(len(part)),
        rows=int(part["row_count"].sum()) if not part.empty else 0,
        cost_by_currency={str(k): float(v) for k, v in by_currency.items()},
        groups=tuple(groups),
    )
    return summary, count


def _group(row: dict[str, Any]) -> UnclassifiedGroup:
    quantity, cost = float(row["quantity"]), float(row["cost"])
    return UnclassifiedGroup(
        **{key: str(row[key]) for key in UNCLASSIFIED_KEYS},
        rows=int(row["rows"]),
        quantity=None if math.isnan(quantity) else quantity,
        cost=None if math.isnan(cost) else cost,
    )


def limits(breakdown_counts: dict[str, int], unclassified_groups: int) -> Limits:
    """Where a list was cut to keep the outputs small: how many entries there are and how many are shown."""
    cut = {
        name: Cut(total=count, shown=BREAKDOWN_KEYS, in_other_row=count - BREAKDOWN_KEYS)
        for name, count in breakdown_counts.items()
        if count > BREAKDOWN_KEYS
    }
    groups, shown = unclassified_groups, UNCLASSIFIED_GROUPS
    unclassified_cut = Cut(total=groups, shown=shown, in_other_row=groups - shown) if groups > shown else None
    return Limits(
        breakdown_keys=BREAKDOWN_KEYS,
        breakdowns_cut=cut,
        unclassified_groups=UNCLASSIFIED_GROUPS,
        unclassified_cut=unclassified_cut,
        note=(
            f"Each breakdown lists its {BREAKDOWN_KEYS} keys with the largest emissions (then energy); "
            f"the other keys are summed in one row keyed '{OTHER_KEYS}'. Unclassified usage lists its "
            f"{UNCLASSIFIED_GROUPS} groups with the largest cost; the others are one row "
            f"'{OTHER_GROUPS}' with their bill rows. Totals always cover everything; every line item "
            "is in the lineage file."
        ),
    )
