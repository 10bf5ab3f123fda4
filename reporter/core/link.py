"""Link stage: a tracker's measured runs replace the bill's estimate for the same machines.

A link (`[[links]]` in the configuration) names tracker runs (by project, by the host they were
measured on, or both; by host, power logs and counter scrapes of that machine are linked too) and
the bill lines of the machines they ran on (by a tag, by account and instance type, or by resource
id: the bills keep the ids links and trackers' hosts name, see
reporter.sources.bills.definition.kept_resource). Without configuration, the measurements of a host
are linked to the bill lines whose resource id is that host (automatic link; never to runs or lines
a configured link names, so nothing is linked twice). For each link and month:

    covered  = min(1, tracker run-hours / billed instance-hours of the linked lines)
    the linked bill lines keep (1 - covered) of their estimated energy (flag replaced_by_measurement)
    the runs' measured IT energy x the provider's PUE of those lines replaces the rest (flag linked_to_bill)

so the total is measured + unlinked estimate, never the sum of both. The runs take the bill lines'
provider and region (they ran in that cloud region: Scope 3 category 1). Embodied emissions of the
bill lines are kept whole: the tracker does not measure them. Pure: frames in, frames out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from reporter.records import Method, join_flag_columns, resource_match, resource_matches

SCALED = ["energy_it_kwh", "energy_kwh", "energy_kwh_low", "energy_kwh_high"]
REPLACED_FLAG = "replaced_by_measurement"
LINKED_FLAG = "linked_to_bill"
MAX_SHOWN = 3  # resource ids named in the note of a link whose id is the last part of several


@dataclass(frozen=True)
class Link:
    tracker_project: str
    tag: tuple[str, str] | None = None  # (key, value) of the bill lines' tag
    account: str | None = None
    instance_type: str | None = None
    host: str | None = None  # the runs (and power logs) measured on this machine
    resource_id: str | None = None  # the bill lines of this resource (instance id, ARN, resource name)
    automatic: bool = False  # made from the data (a host equal to a bill line's resource id), not configured

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
        if self.resource_id is not None:
            return f"resource id {self.resource_id}"
        return f"account {self.account}, instance type {self.instance_type}"

    @property
    def method(self) -> str:
        """How the runs and the bill lines were matched."""
        if self.automatic:
            return "automatic: the host of the measurements is the bill lines' resource id"
        by = "tag" if self.tag else "resource_id" if self.resource_id is not None else "account and instance_type"
        return f"configured: [[links]] by {by}"


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
    automatic: bool = False  # True: linked because a host equals a bill line's resource id (no configuration)
    method: str = ""  # how the runs and the bill lines were matched (Link.method)


def link_runs(items: pd.DataFrame, links: list[Link]) -> tuple[pd.DataFrame, tuple[LinkUse, ...]]:
    """Apply every configured link, then the automatic ones; return the items and one LinkUse per
    link and month (a configured link that matches nothing at all gets one, month empty, saying so)."""
    frame = items.copy(deep=False)
    runs_of = frame["method"] == Method.MEASURED.value
    measured = frame["method"].isin([Method.MEASURED.value, Method.METERED.value])
    billed = (frame["method"] == Method.ESTIMATED.value) & (frame["usage_category"] == "compute")
    state = _State(frame)
    for link in links:
        runs, (matched, several) = _runs(frame, link, runs_of, measured), _matches(frame, link)
        lines = billed & matched
        state.named_runs |= runs.to_numpy(dtype=bool)
        state.named_lines |= lines.to_numpy(dtype=bool)
        state.apply(link, runs, lines, several)
    free_runs = measured & ~state.named_runs
    free_lines = billed & ~state.named_lines
    for link in _automatic(frame, free_runs, free_lines):  # a line two hosts match is replaced once, by the first
        matched, several = _matches(frame, link)
        lines = free_lines & ~pd.Series(state.replaced, index=frame.index) & matched
        state.apply(link, free_runs & (frame["host"] == link.host), lines, several)
    if not state.uses:
        return frame, ()
    frame["flags"] = join_flag_columns(frame["flags"], list(np.where(state.replaced, REPLACED_FLAG, "")))
    frame["flags"] = join_flag_columns(frame["flags"], list(np.where(state.linked, LINKED_FLAG, "")))
    return frame, tuple(state.uses)


class _State:
    """What the links did so far: their uses, the rows they replaced or linked, the rows configured links name."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.uses: list[LinkUse] = []
        self.replaced = np.zeros(len(frame), dtype=bool)
        self.linked = np.zeros(len(frame), dtype=bool)
        self.named_runs = np.zeros(len(frame), dtype=bool)
        self.named_lines = np.zeros(len(frame), dtype=bool)

    @cached_property
    def month(self) -> pd.Series:
        """Each row's month ('YYYY-MM'), worked out when a link is first applied (most reports have none)."""
        return self.frame["start_time"].dt.strftime("%Y-%m")

    def apply(self, link: Link, runs: pd.Series, lines: pd.Series, several: list[str] | None = None) -> None:
        """Apply one link month by month; a resource id that names `several` resources is not applied."""
        if several:
            shown = ", ".join(several[:MAX_SHOWN]) + (", ..." if len(several) > MAX_SHOWN else "")
            self.uses.append(_use(link, "", runs, lines, 0.0, 0.0, 0.0, 0.0, 0.0,
                                  f"not linked: {link.resource_id} is the last part of {len(several)} resource ids "
                                  f"in the bills ({shown}); link by the full resource id"))
            return
        months = sorted(set(self.month[runs | lines].dropna()))
        if not months:
            self.uses.append(_use(link, "", runs, lines, 0.0, 0.0, 0.0, 0.0, 0.0,
                                  "matches no tracker run and no bill line in the inputs"))
        for key in months:
            in_month = self.month == key
            use, run_rows, line_rows = _apply(self.frame, link, key, runs & in_month, lines & in_month)
            self.uses.append(use)
            self.replaced |= line_rows
            self.linked |= run_rows


def _automatic(frame: pd.DataFrame, runs: pd.Series, lines: pd.Series) -> list[Link]:
    """One link per host of the measured rows `runs` that is the resource id of a bill line of `lines`."""
    if "resource_id" not in frame or not lines.any() or not runs.any():
        return []
    ids = frame.loc[lines, "resource_id"].dropna().astype(str).unique()
    if not len(ids):
        return []
    hosts = sorted(set(frame.loc[runs, "host"].dropna().astype(str)))
    return [
        Link("", host=host, resource_id=host, automatic=True)
        for host in hosts
        if any(resource_matches(kept, host) for kept in ids)
    ]


def _use(link: Link, month: str, runs: pd.Series, lines: pd.Series, run_hours: float, billed_hours: float,
         covered: float, measured_kwh: float, replaced_kwh: float, note: str) -> LinkUse:
    return LinkUse(
        tracker_project=link.runs, resource=link.resource, month=month, tracker_runs=int(runs.sum()),
        bill_lines=int(lines.sum()), run_hours=run_hours, billed_hours=billed_hours, covered_share=covered,
        measured_kwh=measured_kwh, estimated_kwh_replaced=replaced_kwh, note=note, automatic=link.automatic,
        method=link.method,
    )


def _apply(
    frame: pd.DataFrame, link: Link, month: str, runs: pd.Series, lines: pd.Series
) -> tuple[LinkUse, np.ndarray, np.ndarray]:
    run_hours = _hours(frame.loc[runs], link)
    billed_hours = float(frame.loc[lines, "consumed_quantity"].fillna(0.0).sum())
    estimated = float(frame.loc[lines, "energy_kwh"].sum())
    no_rows = np.zeros(len(frame), dtype=bool)
    if not runs.any() or not lines.any() or billed_hours <= 0:
        note = "no tracker runs this month" if not runs.any() else "no billed instance-hours matched this month"
        measured = float(frame.loc[runs, "energy_kwh"].sum())
        return _use(link, month, runs, lines, run_hours, billed_hours, 0.0, measured, 0.0, note), no_rows, no_rows
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
    measured = float(frame.loc[runs, "energy_kwh"].sum())
    use = _use(link, month, runs, lines, run_hours, billed_hours, covered, measured, estimated * covered, note)
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


def _matches(frame: pd.DataFrame, link: Link) -> tuple[pd.Series, list[str]]:
    """The bill lines a link names: by their `tag:<key>` column (reporter.core.attribute.tag_columns),
    by their kept resource id, or by account and instance type; and, for a resource id that is the
    last part of several resources' ids (and the whole of none), those ids (then no line is named)."""
    if link.tag:
        key, value = link.tag
        return frame[f"tag:{key}"] == value, []
    if link.resource_id is not None:
        found, several = _resource_lines(frame, link.resource_id)
        return pd.Series(found, index=frame.index), several
    return (frame["sub_account_id"] == link.account) & (frame["instance_type"] == link.instance_type), []


def _resource_lines(frame: pd.DataFrame, wanted: str) -> tuple[np.ndarray, list[str]]:
    """The lines whose kept resource id is `wanted`: the lines whose whole id it is if there are
    any, else those whose id ends in it (reporter.records.resource_matches) when they are one
    resource. Two resources whose ids end alike (Azure VMs of one name in two resource groups)
    are not told apart by the end: no line is matched, and their ids are returned."""
    found = np.zeros(len(frame), dtype=bool)
    if "resource_id" not in frame:
        return found, []
    ids = frame["resource_id"]
    kept = ids.notna().to_numpy(dtype=bool)  # few lines keep an id (only wanted ones): compare just those
    values = [str(value) for value in ids[kept]]
    how = np.array([resource_match(value, wanted) or "" for value in values], dtype=object)
    if (how == "whole").any():
        found[kept] = how == "whole"
        return found, []
    resources = sorted({value.strip().lower() for value, match in zip(values, how, strict=True) if match})
    if len(resources) > 1:
        return found, resources
    found[kept] = how == "end"
    return found, []
