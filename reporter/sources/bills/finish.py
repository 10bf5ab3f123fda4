"""The bill query's groups as a reader's result: the same steps whichever engine ran the query.

`finish` takes the groups (one per reading and one per reason rows were left out, see
reporter.sources.bills.query and reporter.engines.portable) and the records a scan set aside,
and gives the readings, the ledger's exclusion groups and the notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from reporter.errors import InputFormatError
from reporter.records import ExclusionGroup
from reporter.sources.base import InputFile, ReadResult
from reporter.sources.bills import results
from reporter.sources.bills.sql import BillMapping

SHOWN_IDS = 10  # the kept resource ids a note names


def finish(groups: pd.DataFrame, rejected: pd.DataFrame, source: InputFile, format_name: str,
           mapping: BillMapping, notes: Sequence[str], day_months: list[str], path: Path | None = None,
           renumber: bool = True) -> ReadResult:
    """Readings, exclusion groups and notes from the query's groups; errors name `path` (the source's).

    `renumber`: the groups' row numbers were counted without the records set aside (`rejected`),
    as a DuckDB CSV scan counts them, and are put right here."""
    path = path or source.path
    if len(rejected) and groups["rows"].sum() == 0:
        first = rejected.iloc[0]
        raise InputFormatError(f"no row can be read: {first['reason']}", path, int(first["line"]))
    if renumber:
        groups = results.renumbered(groups, [int(line) for line in rejected["line"]])
    results.check_values(groups, mapping, path)
    usage, negative, excluded = _split(groups)
    exclusion_groups = [
        ExclusionGroup(str(row.reason), int(row.rows), tuple(int(r) for r in row.examples))
        for row in excluded.itertuples()
    ] + results.rejected_groups(rejected) + results.negative_group(negative, mapping)
    exclusion_groups.sort(key=lambda group: group.example_rows[:1])
    readings = results.readings(usage, source, format_name)
    rows_read = int(groups["rows"].sum()) + len(rejected)
    return ReadResult(
        readings=readings,
        rows_read=rows_read,
        notes=_notes(notes, mapping, usage, readings, day_months, rows_read),
        exclusion_groups=exclusion_groups,
    )


def _split(groups: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The usage groups (ordered by first row), the usage groups whose quantity sums below zero,
    and the groups of rows left out. The usage rows, nearly all of a big bill's groups, are taken
    once, already in order (each take copies every column)."""
    is_usage = groups["reason"].isna().to_numpy(dtype=bool)
    below_zero = is_usage & (groups["quantity"].to_numpy(dtype="float64", na_value=np.nan) < 0)
    kept = np.flatnonzero(is_usage & ~below_zero)
    first = groups["first_row"].to_numpy(dtype="float64", na_value=np.nan)[kept]
    order = kept[np.argsort(first, kind="stable")]
    in_place = bool(np.array_equal(order, np.arange(len(order))))  # the query's order: usage first, by first row
    return groups.iloc[: len(order)] if in_place else groups.iloc[order], groups[below_zero], groups[~is_usage]


def _by_day(day_months: list[str]) -> str:
    return f" (per day in {', '.join(day_months)}, which the reporting period cuts)" if day_months else ""


def _notes(scan_notes: Sequence[str], mapping: BillMapping, usage: pd.DataFrame, readings: pd.DataFrame,
           day_months: list[str], rows_read: int) -> list[str]:
    notes = [*scan_notes, *([mapping.dates.note] if mapping.dates.note else []), *mapping.notes]
    if not rows_read:
        notes.append("the file has a header but no rows")
    if len(usage):
        notes.append(
            f"{int(usage['rows'].sum())} usage row(s) summed into {len(usage)} reading(s): one per month of usage "
            f"start{_by_day(day_months)}, account, service, region, usage type, instance type, unit and kept tag "
            "values, rows that run past their month apart (times UTC)"
        )
    kept = readings["resource_id"].notna() if "resource_id" in readings else pd.Series(dtype=bool)
    if kept.any():
        ids = sorted(set(readings.loc[kept, "resource_id"].astype(str)))
        shown = ", ".join(ids[:SHOWN_IDS]) + (f", ... (+{len(ids) - SHOWN_IDS})" if len(ids) > SHOWN_IDS else "")
        notes.append(
            f"{int(kept.sum())} reading(s) keep their resource id, named by a link or a tracker's host "
            f"({shown}); the other lines' resource ids are not kept"
        )
    if not mapping.flag_notes or not len(readings):
        return notes
    rows_by_flags = readings.groupby(readings["flags"].astype(object), sort=False)["row_count"].sum()
    flag_sets = [(set(str(text).split(";")), int(count)) for text, count in rows_by_flags.items()]
    for flag, note in mapping.flag_notes.items():  # once per distinct flags text, not per reading
        counts = [count for flags, count in flag_sets if flag in flags]
        if counts:
            notes.append(note.replace("{rows}", str(sum(counts))))
    return notes
