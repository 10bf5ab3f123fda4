"""A bill read by the portable query on an engine other than the embedded one.

`read_elsewhere` is what reporter.sources.bills.engine calls when `reporter report --engine` chose
another engine: the same mapping, the portable query (reporter.engines.portable) on that engine,
and the same steps after it (reporter.sources.bills.finish). `run_duckdb` runs the portable query
on DuckDB itself (the tests compare it with the embedded two-stage query and with Spark).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import duckdb
import numpy as np
import pandas as pd

from reporter import engines
from reporter.engines.portable import Meta, portable_sql
from reporter.errors import InputFormatError
from reporter.sources.base import InputFile, ReadResult
from reporter.sources.bills import engine as embedded
from reporter.sources.bills import results
from reporter.sources.bills.finish import finish
from reporter.sources.bills.scan import Scan, scan_columns
from reporter.sources.bills.sql import BillMapping, Columns

CHECKED = ("c", "s", "e")


def prepare(source: InputFile, format_name: str, build: Callable[[Columns, list[str]], BillMapping]
            ) -> tuple[Scan, Columns, BillMapping, Meta, list[str]]:
    """How the file is scanned, its columns, the format's mapping, the result's meta and the day months."""
    keys = embedded.option_tag_keys(source)
    scan, columns = scan_columns(source)
    mapping = build(columns, keys)
    mapping.dates = embedded._learn_dates(scan, columns, mapping)
    ids = embedded.option_resource_ids(source, mapping)
    meta = Meta.of(format_name, mapping, keys, resource_ids=ids)
    return scan, columns, mapping, meta, embedded.option_day_months(source)


def read_elsewhere(source: InputFile, format_name: str,
                   build: Callable[[Columns, list[str]], BillMapping]) -> ReadResult:
    chosen = engines.selected() or engines.Engine()
    scan, columns, mapping, meta, day_months = prepare(source, format_name, build)
    query = portable_sql(mapping, meta, day_months)
    if chosen.name == "spark":
        from reporter.engines import spark

        groups, rejected, lineage = spark.run_file(scan, columns, query, chosen.master)
    else:
        groups, rejected = run_duckdb(scan, query)
        lineage = "row numbers as the embedded engine counts them"
    notes = [*scan.notes, f"aggregated on {chosen.name} by the portable bill query ({lineage})"]
    return finish(normalise(groups, meta), rejected, source, format_name, mapping, notes, day_months,
                  renumber=chosen.name != "spark")


def run_duckdb(scan: Scan, query: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The portable query's result on DuckDB over the whole file, and the CSV records set aside."""
    fields = scan.csv_options.count(": 'VARCHAR'")
    with embedded.connection(preserve_order=scan.kind != "parquet") as con:
        try:
            con.execute(f"CREATE TEMP VIEW bill AS SELECT * REPLACE (__row + {scan.header_rows} AS __row) "
                        f"FROM {scan.whole()}")
            groups = results.fetch_frame(con, query)
        except duckdb.Error as exc:
            raise results.read_error(exc, scan.path) from None
        return groups, results.rejected_rows(con, fields)


def normalise(groups: pd.DataFrame, meta: Meta) -> pd.DataFrame:
    """The portable query's result in the shape of the embedded query's groups: example rows as
    lists, tags as JSON (keys sorted), row numbers as integers, empty bad values as missing."""
    groups = groups.copy()
    groups["examples"] = [_rows(value) for value in groups["examples"]]
    for column in ["first_row", *(f"bad_{alias}_row" for alias in CHECKED)]:
        groups[column] = pd.to_numeric(groups[column]).astype("Int64")
    groups["rows"] = pd.to_numeric(groups["rows"]).astype("int64")
    for alias in CHECKED:
        values = groups[f"bad_{alias}_value"]
        groups[f"bad_{alias}_value"] = values.where(values.notna() & (values.astype(str) != ""), None)
    for column in ("quantity", "cost", "vcpus", "gpus", "memory_gb"):
        groups[column] = pd.to_numeric(groups[column]).astype("float64")
    for column in ("start_time", "end_time"):
        groups[column] = _utc(groups[column])
    groups["spills"] = groups["spills"].map(_flag)
    groups["tags"] = _tags(groups, list(meta.tag_keys))
    return groups


def _rows(value: object) -> list[int]:
    if isinstance(value, list | tuple | np.ndarray):
        return sorted(int(v) for v in value)
    if isinstance(value, str) and value.strip():
        return sorted(int(part) for part in value.split(";"))
    return []


def _flag(value: object) -> object:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return None if pd.isna(value) else bool(value)


def _utc(values: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(values, utc=True, format="mixed") if values.dtype == object else pd.to_datetime(values)
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return stamps


def _tags(groups: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Each group's kept tags as the JSON object the embedded query writes (None without tag keys)."""
    if not keys:
        return pd.Series([None] * len(groups), index=groups.index, dtype=object)
    order = sorted(range(len(keys)), key=lambda index: keys[index])
    columns = [groups[f"t_{index}"] for index in order]
    texts = []
    for row in range(len(groups)):
        found = {keys[i]: c.iloc[row] for i, c in zip(order, columns, strict=True) if isinstance(c.iloc[row], str)}
        texts.append(json.dumps(found, ensure_ascii=False, separators=(",", ":")))
    return pd.Series(texts, index=groups.index, dtype=object)


def read_error(message: str, scan: Scan) -> InputFormatError:
    return InputFormatError(message, scan.path)
