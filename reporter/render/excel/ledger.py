"""The inputs ledger: Inputs (rows read, used and excluded per file) and Exclusions (why)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from reporter.render.excel.cells import COUNT, Column, Sheet, room_for
from reporter.report import Report


def inputs(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("path"), Column("format"), Column("status"), Column("origin"), Column("sha256"),
        Column("rows_read", COUNT), Column("rows_used", COUNT), Column("rows_excluded", COUNT),
        Column("notes"),
    ]
    rows: list[dict[str, Any]] = [
        {**asdict(ledger), "status": "read", "notes": "\n".join(ledger.notes) or None}
        for ledger in report.inputs
    ]
    rows += [
        {"path": skipped.path, "status": "skipped", "notes": skipped.reason}
        for skipped in report.skipped_files
    ]
    sheet.table(columns, rows)


def exclusions(sheet: Sheet, report: Report) -> None:
    columns = [
        Column("file"), Column("format"), Column("kind"), Column("rows", COUNT),
        Column("example_rows"), Column("reason"), Column("first_row_detail"),
    ]
    rows: list[dict[str, Any]] = []
    for ledger in report.inputs:
        where = {"file": ledger.path, "format": ledger.format}
        for group in ledger.exclusions:
            detail = group.example_details[0] if group.example_details else ""
            rows.append(
                {
                    **where, "kind": group.kind, "rows": group.rows, "reason": group.reason,
                    "example_rows": _example_rows(group.example_rows, group.rows),
                    "first_row_detail": detail or None,
                }
            )
    shown = rows[: room_for(2)]
    left_out = len(rows) - len(shown)
    sheet.table(columns, shown)
    cut = (
        [f"Only the first {len(shown):,} of {len(rows):,} groups fit on a sheet; the other "
         f"{left_out:,} are listed by `reporter validate`."]
        if left_out
        else []
    )
    sheet.notes(
        [
            *cut,
            "Rows left out for the same reason are one line: rows says how many, example_rows "
            "lists the first of them, first_row_detail the first row's own values (a run, a time, "
            "a value). kind: superseded, outside_period, not_usage, unfinished and overlap are accounting; "
            "row_problem is a row that cannot be read or is implausible (an error under --strict).",
            "For each file, rows_read = rows_used + the sum of rows here (Inputs sheet).",
        ],
    )


def _example_rows(numbers: Sequence[int | str], total: int) -> str | None:
    """`rows 949, 950` or `rows 7, 17, 19 (first 3 of 6)`: text, never a bare number."""
    if not numbers:
        return None
    text = ("row " if len(numbers) == 1 else "rows ") + ", ".join(str(n) for n in numbers)
    return text if len(numbers) >= total else f"{text} (first {len(numbers)} of {total:,})"
