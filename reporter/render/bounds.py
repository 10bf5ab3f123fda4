"""Lists of a report that are cut to their largest entries, so outputs stay small whatever the bill.

Breakdowns list their BREAKDOWN_KEYS keys with the largest emissions (then energy) and sum the
others in one row keyed OTHER_KEYS; unclassified usage lists its UNCLASSIFIED_GROUPS costliest
groups and one row OTHER_GROUPS. `limits` records which lists were cut and by how much.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from reporter.core import aggregate
from reporter.render.line_items import clean
from reporter.units import KG_PER_T

BREAKDOWN_KEYS = 100
UNCLASSIFIED_GROUPS = 100
OTHER_KEYS = "(other keys)"
OTHER_GROUPS = "(other groups)"


def breakdown(allocated: pd.DataFrame, column: str, totals: dict[str, float]) -> tuple[list[dict[str, Any]], int]:
    """Rows of the BREAKDOWN_KEYS keys with the largest emissions, the others summed in one row
    keyed OTHER_KEYS; and how many keys there are in all."""
    frame = aggregate.by_dimension(allocated, column)
    shown, rest = frame.iloc[:BREAKDOWN_KEYS], frame.iloc[BREAKDOWN_KEYS:]
    total_co2 = totals["location_based_co2e_kg"]
    total_kwh = totals["energy_kwh"]
    keys = [str(key) for key in shown["key"]]
    sums = [(float(e), float(c)) for e, c in zip(shown["energy_kwh"], shown["location_based_co2e_kg"], strict=True)]
    if len(rest):
        keys.append(OTHER_KEYS)
        sums.append((float(rest["energy_kwh"].sum()), float(rest["location_based_co2e_kg"].sum())))
    rows = [
        {
            "key": key,
            "energy_kwh": energy,
            "location_based_tco2e": co2e / KG_PER_T,
            "energy_share": energy / total_kwh if total_kwh else 0.0,
            "emissions_share": co2e / total_co2 if total_co2 else 0.0,
        }
        for key, (energy, co2e) in zip(keys, sums, strict=True)
    ]
    return rows, len(frame)


def unclassified(items: pd.DataFrame) -> tuple[dict[str, Any], int]:
    """Billed usage the energy model could not classify: counted and shown, never defaulted.

    Groups by status, provider, service, usage type, unit and currency, largest cost first: the
    first UNCLASSIFIED_GROUPS, then the others in one row (its bill rows only: their quantities
    and costs are in different units and currencies). Also returns how many groups there are.
    """
    status = items["estimate_status"] if "estimate_status" in items else pd.Series(index=items.index, dtype=object)
    part = items[status.isin(["unclassified", "unsupported"])]
    groups: list[dict[str, Any]] = []
    count = 0
    if not part.empty:
        keys = ["estimate_status", "cloud_provider", "service_name", "usage_type", "consumed_unit", "billing_currency"]
        filled = part[keys].astype(object).where(part[keys].notna(), "")
        grouped = part.assign(**{k: filled[k] for k in keys}).groupby(keys, sort=True)
        summed = grouped.agg(
            rows=("row_count", "sum"), quantity=("consumed_quantity", "sum"), cost=("billed_cost", "sum")
        )
        summed = summed.reset_index().sort_values(["cost", "rows"], ascending=False)
        count = len(summed)
        groups = [clean(row) for row in summed.iloc[:UNCLASSIFIED_GROUPS].to_dict(orient="records")]
        rest = summed.iloc[UNCLASSIFIED_GROUPS:]
        if len(rest):
            other = dict.fromkeys(keys, "") | {"rows": int(rest["rows"].sum()), "quantity": None, "cost": None}
            groups.append(other | {"estimate_status": OTHER_GROUPS})
    summary = {
        "line_items": int(len(part)),
        "rows": int(part["row_count"].sum()) if not part.empty else 0,
        "cost_by_currency": {
            str(k): float(v) for k, v in part.groupby(part["billing_currency"].fillna(""))["billed_cost"].sum().items()
        },
        "groups": groups,
    }
    return summary, count


def limits(breakdowns: dict[str, tuple[list[dict[str, Any]], int]], unclassified_groups: int) -> dict[str, Any]:
    """Where a list was cut to keep the outputs small: how many entries there are and how many are shown."""
    cut = {
        name: {"keys": count, "shown": BREAKDOWN_KEYS, "in_other_row": count - BREAKDOWN_KEYS}
        for name, (_, count) in breakdowns.items()
        if count > BREAKDOWN_KEYS
    }
    return {
        "breakdown_keys": BREAKDOWN_KEYS,
        "breakdowns_cut": cut,
        "unclassified_groups": UNCLASSIFIED_GROUPS,
        "unclassified_cut": (
            {"groups": unclassified_groups, "shown": UNCLASSIFIED_GROUPS,
             "in_other_row": unclassified_groups - UNCLASSIFIED_GROUPS}
            if unclassified_groups > UNCLASSIFIED_GROUPS
            else None
        ),
        "note": (
            f"Each breakdown lists its {BREAKDOWN_KEYS} keys with the largest emissions (then energy); "
            f"the other keys are summed in one row keyed '{OTHER_KEYS}'. Unclassified usage lists its "
            f"{UNCLASSIFIED_GROUPS} groups with the largest cost; the others are one row "
            f"'{OTHER_GROUPS}' with their bill rows. Totals always cover everything; every line item "
            "is in the lineage file."
        ),
    }
