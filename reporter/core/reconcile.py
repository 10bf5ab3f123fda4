"""Reconcile stage: one row per run across all files of a format.

CodeCarbon appends a cumulative row at every flush and may leave the same run in a `.bak`
backup; eco2ai rewrites rows in place. Summing such rows double-counts, so for each
(format, run id) the row with the longest duration is kept (ties: the later end time, then the
later file and row) and every other row is excluded with a reason naming the row kept.
"""

from __future__ import annotations

import pandas as pd

from reporter.records import Exclusion

DEDUPLICATED_FORMATS = ("codecarbon", "eco2ai")


def deduplicate_runs(
    readings: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, list[Exclusion]]]:
    """Keep one row per run; return the kept rows and the exclusions per source file."""
    if readings.empty:
        return readings, {}
    frame = readings.assign(_order=range(len(readings)))
    candidates = frame[frame["source_format"].isin(DEDUPLICATED_FORMATS)]
    ranked = candidates.sort_values(
        ["source_format", "run_id", "duration_s", "end_time", "_order"],
        ascending=[True, True, False, False, False],
    )
    superseded = ranked.duplicated(["source_format", "run_id"], keep="first")
    kept = ranked[~superseded].set_index(["source_format", "run_id"])
    exclusions: dict[str, list[Exclusion]] = {}
    for row in ranked[superseded].itertuples():
        winner = kept.loc[(row.source_format, row.run_id)]
        where = (
            f"row {winner['source_row']}"
            if winner["source_file"] == row.source_file
            else f"{winner['source_file']} row {winner['source_row']}"
        )
        reason = (
            f"superseded: run {row.run_id} has a longer cumulative row ({where}) that is used; "
            "summing both would double-count"
        )
        exclusions.setdefault(row.source_file, []).append(Exclusion(int(row.source_row), reason))
    result = frame.drop(index=ranked[superseded].index).drop(columns="_order")
    return result, exclusions
