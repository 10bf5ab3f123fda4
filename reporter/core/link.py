"""Link stage: a tracker's measured runs replace the bill's estimate for the same machines.

A link (`[[links]]` in the configuration) names tracker runs (by project, by the host they were
measured on, or both; by host, power logs and counter scrapes of that machine are linked too) and
the bill lines of the machines they ran on (by a tag, or by account and instance type). For each link and month:

    covered  = min(1, tracker run-hours / billed instance-hours of the linked lines)
    the linked bill lines keep (1 - covered) of their estimated energy (flag replaced_by_measurement)
    the runs' measured IT energy x the provider's PUE of those lines replaces the rest (flag linked_to_bill)

so the total is measured + unlinked estimate, never the sum of both. The runs take the bill lines'
provider and region (they ran in that cloud region: Scope 3 category 1). Embodied emissions of the
bill lines are kept whole: the tracker does not measure them. Pure: frames in, frames out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reporter.records import Method, join_flag_columns

SCALED = ["energy_it_kwh", "energy_kwh", "energy_kwh_low", "energy_kwh_high"]
REPLACED_FLAG = "replaced_by_measurement"
LINKED_FLAG = "linked_to_bill"


@dataclass(frozen=True)
class Link:
    tracker_project: str
    tag: tuple[str, str] | None = None  # (key, value) of the bill lines' tag
    account: str | None = None
    instance_type: str | None = None
    host: str | None = None  # the runs (and power logs) measured on this machine

    @property
    def runs(self) -> str:
        """The linked runs as shown: the project, the host, or the project on the host."""
        if self.host is None:
            return self.tracker_project
        return f"{self.tracker_project} on host {self.host}" if self.tracker_project else f"host {self.host}"

    @property
    def resource(self) -> str:
        if self.tag:
            return f"tag {self.tag[0]}={self.tag[1]}"
        return f"account {self.account}, instance type {self.instance_type}"


@dataclass(frozen=True)
class LinkUse:
    """One link in one month: what was measured, what was estimated and replaced."""

    tracker_project: str
    resource: str
    month: str
    tracker_runs: int
    bill_lines: int
    run_hours: float
    billed_hours: float
    covered_share: float
    measured_kwh: float  # the runs' IT energy x the provider's PUE
    estimated_kwh_replaced: float
    note: str


def link_runs(items: pd.DataFrame, links: list[Link]) -> tuple[pd.DataFrame, tuple[LinkUse, ...]]:
    """Apply every link; return the items and one LinkUse per link and month."""
    frame = items.copy(deep=False)
    if not links:
        return frame, ()
    month = frame["start_time"].dt.strftime("%Y-%m")
    runs_of = frame["method"] == Method.MEASURED.value
    measured = frame["method"].isin([Method.MEASURED.value, Method.METERED.value])
    billed = (frame["method"] == Method.ESTIMATED.value) & (frame["usage_category"] == "compute")
    uses: list[LinkUse] = []
    replaced = np.zeros(len(frame), dtype=bool)
    linked = np.zeros(len(frame), dtype=bool)
    for link in links:
        runs = _runs(frame, link, runs_of, measured)
        lines = billed & _matches(frame, link)
        for key in sorted(set(month[runs | lines].dropna())):
            use, run_rows, line_rows = _apply(frame, link, key, runs & (month == key), lines & (month == key))
            uses.append(use)
            replaced |= line_rows
            linked |= run_rows
    frame["flags"] = join_flag_columns(frame["flags"], list(np.where(replaced, REPLACED_FLAG, "")))
    frame["flags"] = join_flag_columns(frame["flags"], list(np.where(linked, LINKED_FLAG, "")))
    return frame, tuple(uses)


def _apply(
    frame: pd.DataFrame, link: Link, month: str, runs: pd.Series, lines: pd.Series
) -> tuple[LinkUse, np.ndarray, np.ndarray]:
    run_hours = _hours(frame.loc[runs], link)
    billed_hours = float(frame.loc[lines, "consumed_quantity"].fillna(0.0).sum())
    estimated = float(frame.loc[lines, "energy_kwh"].sum())
    no_rows = np.zeros(len(frame), dtype=bool)
    if not runs.any() or not lines.any() or billed_hours <= 0:
        note = "no tracker runs this month" if not runs.any() else "no billed instance-hours matched this month"
        use = LinkUse(
            link.runs,
            link.resource,
            month,
            int(runs.sum()),
            int(lines.sum()),
            run_hours,
            billed_hours,
            0.0,
            float(frame.loc[runs, "energy_kwh"].sum()),
            0.0,
            note,
        )
        return use, no_rows, no_rows
    covered = min(1.0, run_hours / billed_hours)
    it_kwh = frame.loc[lines, "energy_it_kwh"]
    provider_pue = float(frame.loc[lines, "energy_kwh"].sum() / it_kwh.sum()) if it_kwh.sum() > 0 else 1.0
    for column in SCALED:
        frame.loc[lines, column] = frame.loc[lines, column] * (1.0 - covered)
    first = frame.loc[lines].iloc[0]
    frame.loc[runs, "pue"] = provider_pue
    frame.loc[runs, "pue_basis"] = "cloud provider's PUE (linked bill lines)"
    for column in ("energy_kwh", "energy_kwh_low", "energy_kwh_high"):
        frame.loc[runs, column] = frame.loc[runs, "energy_it_kwh"] * provider_pue
    for column in ("cloud_provider", "cloud_region"):
        frame.loc[runs, column] = frame.loc[runs, column].where(frame.loc[runs, column].notna(), first[column])
    note = "" if covered < 1.0 else "the runs cover every billed hour of the linked lines"
    use = LinkUse(
        link.runs,
        link.resource,
        month,
        int(runs.sum()),
        int(lines.sum()),
        run_hours,
        billed_hours,
        covered,
        float(frame.loc[runs, "energy_kwh"].sum()),
        estimated * covered,
        note,
    )
    return use, runs.to_numpy(dtype=bool), lines.to_numpy(dtype=bool)


def _hours(runs: pd.DataFrame, link: Link) -> float:
    """The runs' hours: summed for a project's runs; for a host, the wall-clock hours any of its
    measurements covers (several GPUs' power logs over the same hour are one machine-hour)."""
    if link.host is None or runs.empty:
        return float(runs["duration_s"].sum()) / 3600
    spans = sorted(zip(runs["start_time"], runs["end_time"], strict=True))
    total = 0.0
    current_start, current_end = spans[0]
    for start, end in spans[1:]:
        if start > current_end:
            total += (current_end - current_start).total_seconds()
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    total += (current_end - current_start).total_seconds()
    return total / 3600


def _runs(frame: pd.DataFrame, link: Link, runs_of: pd.Series, measured: pd.Series) -> pd.Series:
    """The measured rows a link names: tracker runs of its project, and/or every measurement of its host."""
    if link.host is None:
        return runs_of & (frame["project"] == link.tracker_project)
    runs = measured & (frame["host"] == link.host)
    return runs & (frame["project"] == link.tracker_project) if link.tracker_project else runs


def _matches(frame: pd.DataFrame, link: Link) -> pd.Series:
    """The bill lines a link names: by their `tag:<key>` column (reporter.core.attribute.tag_columns)
    or by account and instance type."""
    if link.tag:
        key, value = link.tag
        return frame[f"tag:{key}"] == value
    return (frame["sub_account_id"] == link.account) & (frame["instance_type"] == link.instance_type)
