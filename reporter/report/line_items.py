"""The line items of a report: one row per tracker run or aggregated bill reading, column-wise.

The report keeps them as a DataFrame (`line_item_frame`): every line-item column, the `tag:<key>`
columns, and the figures derived from them, in the items' order; and grouped by month, account,
service, region, usage type and currency (`line_item_groups`). The lineage file holds them in
full; the JSON embeds them only when asked (reporter.render.line_items).
"""

from __future__ import annotations

import pandas as pd

from reporter.units import KG_PER_T

LINE_ITEM_COLUMNS = [
    "source_format",
    "source_file",
    "source_sha256",
    "source_row",
    "source_sheet",  # a manual-entry workbook's sheet (the row is `source_sheet!source_row`); empty otherwise
    "method",
    "run_id",
    "project",
    "team",
    "model",
    "phase",  # training, fine_tuning or inference, as the input or the bill line gives it (models_energy)
    "start_time",
    "end_time",
    "duration_s",
    "country_iso3",
    "region",
    "cloud_provider",
    "cloud_region",
    "hardware",
    "host",  # the machine measured on, and the GPUs covered (empty: the whole machine)
    "gpu",
    "energy_reported_kwh",
    "tracker_pue",
    "energy_it_kwh",
    "pue",
    "pue_basis",
    "energy_kwh",
    "in_period_share",
    "location_key",
    "location_status",
    "factor_id",
    "factor_g_per_kwh",
    "location_based_co2e_kg",
    "tracker_co2e_kg",
    "tool_version",
    "flags",
    # cloud bills (empty for trackers)
    "scope",
    "row_count",
    "billing_account_id",
    "sub_account_id",
    "service_name",
    "usage_type",
    "instance_type",
    "resource_id",  # kept only when a link or a tracker's host names it; empty for lines summed without it
    "consumed_quantity",
    "consumed_unit",
    "billed_cost",
    "billing_currency",
    "tags",
    "usage_category",
    "estimate_status",
    "energy_kwh_low",
    "energy_kwh_high",
    "embodied_co2e_kg",
    "estimate_basis",
]
# What each line item carries: its columns, then the figures derived from them: the run's whole
# emissions in tonnes, then the part of its energy and emissions inside the reporting period, then
# how the reported figure was found ("estimate", or "provider_reported" where a provider's carbon
# export replaced it: reporter.core.provider_source) and the reported in-period figure.
DERIVED_LINE_ITEM_FIELDS = [
    "location_based_tco2e",
    "energy_kwh_in_period",
    "location_based_tco2e_in_period",
    "emissions_method",
    "reported_location_based_tco2e_in_period",
]
# Market-based figures of the period (reporter.report.market_rates): the market the instruments
# apply to, how the figure was found, the rate and its origin, kWh covered and kg CO2e.
MARKET_LINE_ITEM_FIELDS = [
    "market_key",
    "market_basis",
    "market_factor_g_per_kwh",
    "market_factor_origin",
    "market_covered_kwh_in_period",
    "market_based_co2e_kg_in_period",
]
LINE_ITEM_FIELDS = [*LINE_ITEM_COLUMNS, *DERIVED_LINE_ITEM_FIELDS, *MARKET_LINE_ITEM_FIELDS]
TIME_COLUMNS = ("start_time", "end_time")
INTEGER_COLUMNS = ("source_row", "row_count")
TAG_PREFIX = "tag:"
# Every other column of LINE_ITEM_FIELDS whose name is here is a number; the rest is text.
NUMBER_COLUMNS = (
    "duration_s",
    "energy_reported_kwh",
    "tracker_pue",
    "energy_it_kwh",
    "pue",
    "energy_kwh",
    "in_period_share",
    "factor_g_per_kwh",
    "location_based_co2e_kg",
    "tracker_co2e_kg",
    "consumed_quantity",
    "billed_cost",
    "energy_kwh_low",
    "energy_kwh_high",
    "embodied_co2e_kg",
    "location_based_tco2e",
    "energy_kwh_in_period",
    "location_based_tco2e_in_period",
    "reported_location_based_tco2e_in_period",
    "market_factor_g_per_kwh",
    "market_covered_kwh_in_period",
    "market_based_co2e_kg_in_period",
)


def column_kind(name: str) -> str:
    """"time", "integer", "number" or "text": how a line-item column is stored."""
    if name in TIME_COLUMNS:
        return "time"
    if name in INTEGER_COLUMNS:
        return "integer"
    if name in NUMBER_COLUMNS:
        return "number"
    return "text"


def line_item_frame(items: pd.DataFrame, allocated: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every line-item field and `tag:<key>` column of `items`, in the items' order (index 0..n-1);
    `allocated` (one row per line item and month) gives the reported figures where a provider's
    figure replaced the estimate; the market fields are empty where `items` has none
    (reporter.report.market_rates adds them)."""
    tags = [name for name in items.columns if str(name).startswith(TAG_PREFIX)]
    method, reported = _reported(items, allocated)
    frame = items.reindex(columns=[*LINE_ITEM_COLUMNS, *MARKET_LINE_ITEM_FIELDS, *tags]).reset_index(drop=True)
    tco2e = frame["location_based_co2e_kg"] / KG_PER_T
    in_period = tco2e * frame["in_period_share"]
    derived = {
        "location_based_tco2e": tco2e,
        "energy_kwh_in_period": frame["energy_kwh"] * frame["in_period_share"],
        "location_based_tco2e_in_period": in_period,
        "emissions_method": method.reset_index(drop=True),
        "reported_location_based_tco2e_in_period": in_period if reported is None else reported.reset_index(drop=True),
    }
    frame = pd.concat(
        [frame[LINE_ITEM_COLUMNS], pd.DataFrame(derived), frame[MARKET_LINE_ITEM_FIELDS], frame[tags]], axis=1
    )
    return frame


def _reported(items: pd.DataFrame, allocated: pd.DataFrame | None) -> tuple[pd.Series, pd.Series | None]:
    """Per line item: how its reported figure was found, and (with provider figures) that figure in tonnes."""
    estimate = pd.Series("estimate", index=items.index, dtype=object)
    if allocated is None or "emissions_method" not in allocated:
        return estimate, None
    rows = allocated[allocated["record"].isin(items.index)]
    replaced = rows.loc[rows["emissions_method"] != "estimate", "record"].unique()
    method = estimate.mask(items.index.isin(replaced), "provider_reported")
    reported = rows.groupby("record")["location_based_co2e_kg"].sum().reindex(items.index, fill_value=0.0) / KG_PER_T
    return method, reported


def tag_names(frame: pd.DataFrame) -> list[str]:
    return [str(name) for name in frame.columns if str(name).startswith(TAG_PREFIX)]


# The line items grouped (for a sheet that cannot list them one by one): the keys, then the sums.
GROUP_KEYS = ["month", "sub_account_id", "service_name", "cloud_region", "usage_type", "billing_currency"]
GROUP_FIELDS = [
    *GROUP_KEYS,
    "line_items",
    "row_count",
    "energy_kwh",
    "energy_kwh_low",
    "energy_kwh_high",
    "location_based_tco2e",
    "embodied_tco2e",
    "billed_cost",
]


def line_item_groups(allocated: pd.DataFrame, unassigned: str) -> pd.DataFrame:
    """The period's line items by month, account, service, region, usage type and currency.

    `allocated` has one row per (line item, month) with the in-period figures; a group sums them,
    counts its line items and their input rows (a line item in two months counts in both), and
    the in-period part of their billed cost. Missing keys read `unassigned`.
    """
    keys = {key: allocated[key].astype(object).where(allocated[key].notna(), unassigned) for key in GROUP_KEYS}
    frame = pd.DataFrame(
        {
            **keys,
            "record": allocated["record"],
            "row_count": allocated["row_count"],
            "energy_kwh": allocated["energy_kwh"],
            "energy_kwh_low": allocated["energy_kwh_low"],
            "energy_kwh_high": allocated["energy_kwh_high"],
            "location_based_tco2e": allocated["location_based_co2e_kg"] / KG_PER_T,
            "embodied_tco2e": allocated["embodied_co2e_kg"] / KG_PER_T,
            "billed_cost": allocated["billed_cost"] * allocated["share"],
        }
    )
    grouped = frame.groupby(GROUP_KEYS, sort=True).agg(
        line_items=("record", "nunique"),
        row_count=("row_count", "sum"),
        energy_kwh=("energy_kwh", "sum"),
        energy_kwh_low=("energy_kwh_low", "sum"),
        energy_kwh_high=("energy_kwh_high", "sum"),
        location_based_tco2e=("location_based_tco2e", "sum"),
        embodied_tco2e=("embodied_tco2e", "sum"),
        billed_cost=("billed_cost", "sum"),
        billed_lines=("billed_cost", "count"),
    )
    grouped["billed_cost"] = grouped["billed_cost"].where(grouped["billed_lines"] > 0)  # no bill: no cost
    return grouped.reset_index()[GROUP_FIELDS]
