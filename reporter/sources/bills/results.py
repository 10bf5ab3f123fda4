"""What the bill query's groups become: readings, grouped exclusions and errors.

Besides the groups the query left out with a reason, three kinds of rows are left out here:
records DuckDB could not split into the header's fields (set aside by the tolerant CSV scan, with
their line numbers), and usage groups whose quantity sums below zero (corrections with no usage in
their group to offset). A record set aside shifts the numbers of the records after it, which are
counted as records arrive; `renumber` puts them back.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from reporter.errors import InputFormatError
from reporter.records import EXAMPLE_ROWS, READING_COLUMNS, ExclusionGroup, Method, typed_readings
from reporter.sources.base import InputFile
from reporter.sources.bills.layout import renumber
from reporter.sources.bills.scan import MAX_LINE_BYTES, first_line
from reporter.sources.bills.sql import BillMapping

REJECTED = {  # DuckDB's CSV error type -> why the record is left out
    "MISSING COLUMNS": "a ragged row: fewer fields than the header's {fields}",
    "TOO MANY COLUMNS": "a ragged row: more fields than the header's {fields}",
    "UNQUOTED VALUE": "a quoted value that is never closed, or text after a closing quote",
    "LINE SIZE OVER MAXIMUM": f"a record longer than {MAX_LINE_BYTES} bytes",
    "INVALID UNICODE": "text that is not UTF-8",
    "INVALID ENCODING": "text that is not UTF-8",
}


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """The result of one SELECT as a frame, through Arrow: text columns go to pandas' string dtype
    without a Python object per value (588,000 rows of 30 columns: 2.6 against 10.7 s and 670
    against 1,620 MB peak for DuckDB's own conversion). Other columns get the dtypes DuckDB's own
    conversion gives: a 128-bit integer as float64, a date as datetime64[us], an integer column
    with missing values as Int64, a boolean one as boolean."""
    table = con.sql(sql).to_arrow_table()
    frame = table.to_pandas()
    for index, field in enumerate(table.schema):
        column = table.column(index)
        if pa.types.is_decimal(field.type):
            frame[field.name] = column.cast(pa.float64()).to_numpy()
        elif pa.types.is_date(field.type):
            frame[field.name] = column.cast(pa.timestamp("us")).to_pandas()
        elif column.null_count and (pa.types.is_integer(field.type) or pa.types.is_boolean(field.type)):
            missing = column.is_null().to_numpy(zero_copy_only=False)
            frame[field.name] = (
                pd.arrays.IntegerArray(column.fill_null(0).to_numpy().astype("int64"), missing)
                if pa.types.is_integer(field.type)
                else pd.arrays.BooleanArray(column.fill_null(False).to_numpy(zero_copy_only=False), missing)
            )
    return frame


def rejected_rows(con: duckdb.DuckDBPyConnection, fields: int) -> pd.DataFrame:
    """The records the tolerant scan set aside: file row (line) and reason, by row."""
    try:
        found = con.execute(  # one record can have several errors (one per missing column): counted once
            "SELECT line, arg_min(error_type, column_idx) AS error_type, arg_min(error_message, column_idx) "
            "AS error_message FROM reject_errors GROUP BY line ORDER BY line"
        ).df()
    except duckdb.Error:  # no tolerant scan ran (Parquet, or pieces)
        return pd.DataFrame({"line": [], "reason": []})
    reasons = [
        REJECTED.get(str(kind), "{message}").format(fields=fields, message=str(message).splitlines()[0])
        for kind, message in zip(found["error_type"], found["error_message"], strict=True)
    ]
    return pd.DataFrame({"line": found["line"].astype("int64"), "reason": reasons})


def renumbered(groups: pd.DataFrame, rejected: list[int]) -> pd.DataFrame:
    """The groups with the row numbers of the records that arrived corrected for those set aside."""
    if not rejected:
        return groups
    groups = groups.copy(deep=False)
    for column in [c for c in groups.columns if c == "first_row" or (c.startswith("bad_") and c.endswith("_row"))]:
        valid = groups[column].notna()
        groups.loc[valid, column] = list(renumber([int(r) for r in groups.loc[valid, column]], rejected))
    groups["examples"] = [
        list(renumber([int(r) for r in rows], rejected)) if isinstance(rows, list | np.ndarray) else rows
        for rows in groups["examples"]
    ]
    return groups


def rejected_groups(rejected: pd.DataFrame) -> list[ExclusionGroup]:
    return [
        ExclusionGroup(str(reason), len(lines), tuple(int(r) for r in sorted(lines)[:EXAMPLE_ROWS]))
        for reason, lines in rejected.groupby("reason", sort=False)["line"]
    ]


def negative_group(negative: pd.DataFrame, mapping: BillMapping) -> list[ExclusionGroup]:
    """Usage groups whose quantity sums below zero, left out as one reason (examples: their first rows)."""
    if negative.empty:
        return []
    reason = (
        f"a correction with no usage to offset: {mapping.quantity.name} sums below zero for its account, "
        "service, region, usage type, instance type, unit and month"
    )
    rows = tuple(int(r) for r in sorted(negative["first_row"])[:EXAMPLE_ROWS])
    return [ExclusionGroup(reason, int(negative["rows"].sum()), rows)]


CHECKS = (  # (alias of the cost, start and end values in the query, what is wrong)
    ("c", "is not a number"),
    ("s", "is not a date or time"),
    ("e", "is not a date or time"),
)


def any_bad(groups: pd.DataFrame) -> bool:
    return any(groups[f"bad_{alias}_row"].notna().any() for alias, _ in CHECKS)


def check_values(groups: pd.DataFrame, mapping: BillMapping, path: Path) -> None:
    """Raise for the first malformed cost or time in a usage row."""
    columns = {"c": mapping.cost, "s": mapping.start, "e": mapping.end}
    worst: tuple[int, str, str, str] | None = None
    for alias, message in CHECKS:
        rows = groups[f"bad_{alias}_row"].dropna()
        if rows.empty:
            continue
        index = rows.idxmin()
        row = int(rows[index])
        if worst is None or row < worst[0]:
            column = columns[alias]
            value = groups.at[index, f"bad_{alias}_value"]
            shown = "an empty value" if pd.isna(value) else f"'{value}'"
            if alias in "se" and mapping.dates.note and not pd.isna(value):
                message += f" ({mapping.dates.note.split(':')[0]})"
            worst = (row, shown, column.name if column else alias, message)
    if worst is not None:
        row, shown, column_name, message = worst
        raise InputFormatError(f"{shown} {message}", path, row, column_name)


USAGE_COLUMNS = (
    "first_row", "start_time", "end_time", "group_hash", "provider", "region", "instance_type", "flags", "rows",
    "quantity", "unit", "cost", "currency", "billing_account_id", "sub_account_id", "service_name",
    "service_category", "usage_type", "vcpus", "gpus", "memory_gb", "tags", "resource_id",
)


def readings(usage: pd.DataFrame, source: InputFile, format_name: str) -> pd.DataFrame:
    """The reading frame (READING_COLUMNS, typed as `frame_from_rows` types them), column by column."""
    wanted = [name for name in USAGE_COLUMNS if name in usage]  # sorted without the check columns
    usage = usage[wanted].sort_values("first_row", kind="stable").reset_index(drop=True)
    start = pd.to_datetime(usage["start_time"]).astype("datetime64[us]")
    end = pd.to_datetime(usage["end_time"]).astype("datetime64[us]")
    end = end.where(end >= start, start)
    data: dict[str, Any] = {
        "source_format": format_name,
        "source_file": str(source.path),
        "source_sha256": source.sha256,
        "source_row": usage["first_row"],
        "method": Method.ESTIMATED.value,
        "run_id": format_name + ":" + usage["group_hash"].astype(str).str.slice(0, 16),
        "start_time": start,
        "end_time": end,
        "duration_s": (end - start).dt.total_seconds(),
        "cloud_provider": usage["provider"],
        "cloud_region": usage["region"],
        "hardware": usage["instance_type"],
        "flags": usage["flags"].fillna(""),
        "row_count": usage["rows"],
        "consumed_quantity": usage["quantity"],
        "consumed_unit": usage["unit"],
        "billed_cost": usage["cost"],
        "billing_currency": usage["currency"],
        **{name: usage[name] for name in (
            "billing_account_id", "sub_account_id", "service_name", "service_category", "usage_type",
            "instance_type", "vcpus", "gpus", "memory_gb", "tags",
        )},
        "resource_id": _resource_ids(usage),
    }
    index = pd.RangeIndex(len(usage))
    return typed_readings(pd.DataFrame({name: _values(data.get(name), index) for name in READING_COLUMNS}))


def _resource_ids(usage: pd.DataFrame) -> pd.Series | None:
    """The kept resource ids, empty as None (a result saved before ids were kept has none)."""
    if "resource_id" not in usage:
        return None
    ids = usage["resource_id"].astype(object)
    return ids.where(ids.notna() & (ids.astype(str).str.strip() != ""), None)


def _values(value: Any, index: pd.RangeIndex) -> pd.Series:
    """A reading column: a result column as it is, a constant repeated, or missing values."""
    if isinstance(value, pd.Series):
        return value
    if value is None:
        return pd.Series(np.full(len(index), None, dtype=object), index=index)
    return pd.Series(value, index=index)


def read_error(exc: duckdb.Error, path: Path) -> InputFormatError:
    message = str(exc)
    row = None
    found = re.search(r"CSV Error on Line: (\d+)", message)
    if found:
        row = int(found.group(1))
    summary = first_line(exc).replace(f": {path}", "")
    if "GZIP" in message.upper():
        summary = f"a gzip file that ends early or is damaged: {summary}"
    if found:
        # DuckDB explains a CSV error on the line after the offending line's text.
        skip = ("Invalid Input Error", "Original Line", "Possible", "*", "file =")
        lines = [line.strip() for line in message.splitlines()]
        summary = next((line for line in lines if line and not line.startswith(skip)), summary)
    return InputFormatError(f"cannot read the file as a bill ({summary})", path, row)
