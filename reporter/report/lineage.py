"""The lineage file: every line item of a report with its provenance, as Parquet.

One row per line item, in the items' order: its input file and sha256, first row and row count,
every figure at full precision (float64), times as Arrow timestamps. Built column-wise from the
line-item frame. The bytes depend only on the line items: compression and layout are pinned and
Parquet records no time (its `created_by` is the writer's version).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from reporter.report.line_items import column_kind

SUFFIX = ".lineage.parquet"
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 3
ROW_GROUP_ROWS = 65_536
ARROW_TYPES = {
    "time": pa.timestamp("us"),
    "integer": pa.int64(),
    "number": pa.float64(),
    "text": pa.string(),
}


@dataclass(frozen=True)
class LineageFile:
    """The lineage file of a report: its name (beside the other outputs), bytes and description."""

    name: str
    data: bytes
    sha256: str
    rows: int
    columns: list[dict[str, str]]

    def describe(self) -> dict[str, Any]:
        """The JSON's `lineage` section."""
        return {
            "file": self.name,
            "format": "parquet",
            "sha256": self.sha256,
            "rows": self.rows,
            "columns": self.columns,
            "note": (
                "one row per line item, in report order, with its input file (source_file, "
                "source_sha256), first row (source_row) and number of input rows (row_count); "
                "energy in the period = energy_kwh × in_period_share (energy_kwh_in_period); the reported "
                "in-period emissions (reported_location_based_tco2e_in_period) are the estimate's, or the "
                "provider's figure allocated to the line item where emissions_method is provider_reported"
            ),
        }


def lineage_file(frame: pd.DataFrame, stem: str, metadata: dict[str, str]) -> LineageFile:
    table = lineage_table(frame).replace_schema_metadata({f"reporter:{k}": v for k, v in metadata.items()})
    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        row_group_size=ROW_GROUP_ROWS,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
    )
    data = sink.getvalue()
    return LineageFile(
        name=stem + SUFFIX,
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        rows=table.num_rows,
        columns=[{"name": field.name, "type": str(field.type)} for field in table.schema],
    )


def lineage_table(frame: pd.DataFrame) -> pa.Table:
    """The line-item frame as an Arrow table, each column converted whole to its type."""
    arrays = [_arrow_column(frame[name], column_kind(str(name))) for name in frame.columns]
    return pa.table(arrays, names=[str(name) for name in frame.columns])


def _arrow_column(column: pd.Series, kind: str) -> pa.Array:
    if kind == "number":
        values: Any = pd.to_numeric(column, errors="coerce").astype("float64")
    elif kind == "integer":
        values = pd.to_numeric(column, errors="coerce").astype("Int64")
    elif kind == "time":
        return _arrow_times(column)
    elif column.dtype == object:
        return _arrow_texts(column)
    else:
        values = column.astype("string")
    return pa.array(values, type=ARROW_TYPES[kind], from_pandas=True)


def _arrow_texts(column: pd.Series) -> pa.Array:
    """A column of Python objects as text; a missing value stays missing. A column of strings is
    converted as it is; one holding other values converts each distinct value once."""
    try:
        return pa.array(column, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = pa.array(pd.Series(uniques, dtype=object).astype("string"), type=pa.string(), from_pandas=True)
    return texts.take(pa.array(codes, mask=codes < 0))


def _arrow_times(column: pd.Series) -> pa.Array:
    """Timestamps in microseconds (a time zone, where the column has one, is kept)."""
    values = column if column.dtype.kind == "M" or isinstance(column.dtype, pd.DatetimeTZDtype) else None
    if values is None:
        values = pd.to_datetime(column.astype(object), errors="coerce", format="ISO8601")
    array = pa.array(values, from_pandas=True)
    return array.cast(pa.timestamp("us", tz=array.type.tz), safe=False)
