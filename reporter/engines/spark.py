"""The bill query on Apache Spark (PySpark): local mode by default, or a cluster by its master URL.

A bill file is read by Spark itself (a CSV with every column as text, as the embedded engine reads
it; Parquet with its own types) into a view `bill`, and the portable query, transpiled to Spark's
SQL, runs over it. Only the aggregated groups come back to this process.

Row numbers. A Parquet row is numbered by Spark's `_metadata.row_index` + 1, as the embedded
engine numbers it. A CSV is split into partitions in file order; each row carries its position
(`monotonically_increasing_id`: partition and number within it), the query keeps the smallest
positions, and one count of the rows per partition turns them into record numbers (the header is
row 1), the numbers the embedded engine gives. A table (`--table`) has no file rows: its rows are
numbered in the order of Spark's scan of the table the same way, which is stable only while the
table's files do not change; a note says so, and the lineage kept is the table's name.

A CSV record Spark cannot split into the header's fields is left out with its record number, as
the embedded engine does. Spark reads a CSV one record per line: a quoted field that spans lines
is read by the embedded engine only.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from reporter.engines.dialects import transpile
from reporter.errors import InputError, InputFormatError
from reporter.sources.bills.layout import split_line
from reporter.sources.bills.scan import Scan, first_line
from reporter.sources.bills.sql import Column, Columns, ident, literal

POSITION_BITS = 33  # monotonically_increasing_id: partition id << 33 | number within the partition
CORRUPT = "__corrupt_record"
ROW_COLUMNS = ("first_row", "bad_c_row", "bad_s_row", "bad_e_row")
_SESSIONS: dict[str, Any] = {}


def java_missing() -> str | None:
    """Why Spark cannot start here (no Java found), or None."""
    if os.environ.get("JAVA_HOME") and Path(os.environ["JAVA_HOME"], "bin", "java").exists():
        return None
    return None if shutil.which("java") else "no Java runtime found (install Java 17, e.g. openjdk-17-jre-headless)"


def session(master: str | None = None, partitions: int | None = None, extra: dict[str, str] | None = None) -> Any:
    """The process's Spark session for `master` (local[2] by default), in UTC, with SQL's NULL-on-error casts."""
    key = master or "local[2]"
    if key in _SESSIONS:
        return _SESSIONS[key]
    problem = java_missing()
    if problem:
        raise InputError(f"cannot start Spark: {problem}")
    try:
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("cannot start Spark: PySpark is not installed (pip install 'reporter[spark]')") from None
    builder = (
        SparkSession.builder.master(key).appName("reporter bill query")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.caseSensitive", "true")
        .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
        # every field is parsed, so that a ragged record is found whichever columns a job reads
        .config("spark.sql.csv.parser.columnPruning.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(partitions or 4))
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.fallback.enabled", "false")
    )
    if key.startswith("local"):  # not a spark-warehouse folder in the user's working folder
        builder = builder.config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="reporter-spark-"))
        # the driver collects the readings (588,685 for a 10M-row bill): Spark's 1 GB default heap ran out
        builder = builder.config("spark.driver.memory", f"{_local_driver_mb()}m")
    for name, value in (extra or {}).items():
        builder = builder.config(name, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("OFF")  # Spark's errors reach the user as one line (InputError)
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    _SESSIONS[key] = spark
    return spark


def _local_driver_mb() -> int:
    """The local driver's heap: a quarter of the machine's memory, at least 1 GB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1024
    return max(1024, total // 4 // (1 << 20))


def run_file(scan: Scan, columns: Columns, query: str, master: str | None) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The portable query's groups from Spark over a bill file, the records set aside, and what lineage is kept."""
    spark = session(master)
    if scan.kind == "parquet":
        frame = spark.read.parquet(str(scan.path)).selectExpr("*", "_metadata.row_index + 1 AS __row")
        return _groups(spark, frame, query, None), _no_rejects(), "row numbers: Parquet row index + 1"
    frame = _csv(spark, scan, columns)
    groups, rejected = _positioned(spark, frame, query, header_rows=1, fields=len(columns.all),
                                   delimiter=scan.delimiter)
    return groups, rejected, "row numbers: CSV record numbers from Spark's partitions in file order"


def run_table(table: str, query_for: Any, master: str | None) -> tuple[pd.DataFrame, Columns]:
    """The portable query's groups over a table Spark's catalog knows; `query_for(columns)` gives the query."""
    spark = session(master)
    try:
        frame = spark.table(table)
    except Exception as exc:
        raise InputError(f"Spark cannot read the table '{table}' ({first_line(exc)})") from None
    columns = table_columns(frame.schema, Path(table))
    groups, _ = _positioned(spark, frame, query_for(columns), header_rows=0, fields=0)
    return groups, columns


def table_columns(schema: Any, where: Path) -> Columns:
    """A Spark schema as the bill readers' columns (struct fields also as `struct.field`)."""
    from pyspark.sql import types as T

    found: list[Column] = []

    def visit(name: str, sql: str, kind_of: Any) -> None:
        if isinstance(kind_of, T.StructType):
            found.append(Column(name, sql, "struct"))
            for child in kind_of.fields:
                visit(f"{name}.{child.name}", f"struct_extract({sql}, {literal(child.name)})", child.dataType)
            return
        kinds = ((T.MapType, "map"), (T.ArrayType, "list"), (T.TimestampType, "timestamp"),
                 (T.TimestampNTZType, "timestamp"), (T.DateType, "timestamp"), (T.NumericType, "number"),
                 (T.StringType, "text"))
        found.append(Column(name, sql, next((kind for cls, kind in kinds if isinstance(kind_of, cls)), "other")))

    for item in schema.fields:
        visit(item.name, ident(item.name), item.dataType)
    return Columns(found, where)


def _csv(spark: Any, scan: Scan, columns: Columns) -> Any:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if scan.kind == "gzip" and not scan.path.name.lower().endswith(".gz"):
        raise InputFormatError("Spark reads a gzip-compressed CSV only under a name ending in .gz", scan.path)
    names = [column.name for column in columns.all]
    schema = T.StructType([T.StructField(name, T.StringType()) for name in names]
                          + [T.StructField(CORRUPT, T.StringType())])
    delimiter = scan.delimiter
    frame = spark.read.options(
        header=True, sep=delimiter, quote='"', escape='"', mode="PERMISSIVE", columnNameOfCorruptRecord=CORRUPT,
        encoding="UTF-8", enforceSchema=True,
    ).schema(schema).csv(str(scan.path))
    empty = [F.when(F.col(f"`{name}`").isin("", "NULL"), None).otherwise(F.col(f"`{name}`")).alias(name)
             for name in names]
    return frame.select(*empty, F.col(CORRUPT))


def _positioned(spark: Any, frame: Any, query: str, header_rows: int, fields: int,
                delimiter: str = ",") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The groups with record numbers made from positions, and the CSV records Spark could not split.

    One job counts the rows of each partition (and lists the records that could not be split),
    the other runs the query."""
    from pyspark.sql import functions as F

    frame = frame.withColumn("__row", F.monotonically_increasing_id())
    part = F.shiftright("__row", POSITION_BITS).alias("p")
    if fields:
        first = frame.columns[0]  # Spark reads the corrupt-record column only beside a data column
        broken = F.when(F.col(CORRUPT).isNotNull(),
                        F.struct("__row", F.col(CORRUPT).alias("text"), F.col(f"`{first}`").alias("first")))
        counts = frame.groupBy(part).agg(F.count(F.lit(1)).alias("count"), F.collect_list(broken).alias("bad"))
    else:
        counts = frame.groupBy(part).agg(F.count(F.lit(1)).alias("count"))
    counted = counts.toPandas()
    if not fields:  # a table has no records that could not be split
        counted["bad"] = None
    offsets: dict[int, int] = {}
    total = header_rows
    for index in sorted(range(len(counted)), key=lambda i: int(counted["p"].iloc[i])):
        offsets[int(counted["p"].iloc[index])] = total
        total += int(counted["count"].iloc[index])

    def number(position: Any) -> Any:
        if position is None or pd.isna(position):
            return None
        position = int(position)
        return offsets[position >> POSITION_BITS] + (position & ((1 << POSITION_BITS) - 1)) + 1

    bad = [item for items in counted["bad"] for item in (items if items is not None else [])]
    reasons = [_why(item["text"], fields, delimiter) for item in bad]
    rejected = pd.DataFrame({"line": pd.Series([number(item["__row"]) for item in bad], dtype="int64"),
                             "reason": pd.Series(reasons, dtype=object)})
    if fields:
        frame = frame.where(F.col(CORRUPT).isNull()).drop(CORRUPT)
    groups = _groups(spark, frame, query, None)
    for column in ROW_COLUMNS:
        groups[column] = [number(p) for p in groups[column]]
    groups["examples"] = [";".join(str(number(int(p))) for p in str(v).split(";")) if isinstance(v, str) and v else v
                          for v in groups["examples"]]
    return groups, rejected.sort_values("line", kind="stable").reset_index(drop=True)


def _why(record: Any, fields: int, delimiter: str) -> str:
    found = len(split_line(str(record), delimiter)) if record is not None else 0
    side = "fewer" if found < fields else "more"
    return f"a ragged row: {side} fields than the header's {fields}"


def _groups(spark: Any, frame: Any, query: str, _: Any) -> pd.DataFrame:
    frame.createOrReplaceTempView("bill")
    try:
        result = spark.sql(transpile(query, "spark", pretty=False))
        return result.toPandas()
    except Exception as exc:  # Spark's own errors (analysis, execution) have no common base class here
        raise InputError(f"Spark could not run the bill query ({first_line(exc)})") from None


def _no_rejects() -> pd.DataFrame:
    return pd.DataFrame({"line": pd.Series([], dtype="int64"), "reason": pd.Series([], dtype=object)})
