"""The bill query on every engine: embedded DuckDB, the portable query on DuckDB and on Spark (local
mode), warehouse dialects, and reports made from a saved query result (`--readings`).

Spark needs Java: without it the Spark tests are skipped, saying so. One Spark session serves the
whole test run (session-scoped fixture, two shuffle partitions).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
import sqlglot
from click.testing import CliRunner

from reporter import engines
from reporter.cli import main
from reporter.engines.dialects import DIALECTS
from reporter.engines.warehouse import BUILDERS, warehouse_query
from reporter.sources import detect
from reporter.sources.base import InputFile, ReadResult
from tests.conftest import SAMPLES, SHARED_SAMPLES

PUBLIC = SHARED_SAMPLES / "public"
BILLS = sorted(
    [p for folder in ("aws_cur", "cur2", "focus", "gcp", "azure") for p in (PUBLIC / folder).glob("*") if p.is_file()]
    + list((SAMPLES / "synthetic-acme" / "cloud-bills").glob("*"))
)
TAG_KEYS = ["team", "project"]


def read(path: Path, engine: engines.Engine | None, tag_keys: list[str] = TAG_KEYS,
         resource_ids: list[str] | None = None) -> ReadResult:
    source = InputFile.open(path, {"tag_keys": tag_keys, "day_months": [], "resource_ids": resource_ids or []})
    reader = detect(source)
    engines.select(engine)
    try:
        return reader.read(source)
    finally:
        engines.select(None)


def assert_same(expected: ReadResult, got: ReadResult) -> None:
    """Same rows read, same exclusion groups (reason, rows, example rows), same readings: text and
    row numbers equal, numbers equal to 1e-9 relative."""
    assert got.rows_read == expected.rows_read
    assert [(g.reason, g.rows, g.example_rows) for g in got.exclusion_groups] == [
        (g.reason, g.rows, g.example_rows) for g in expected.exclusion_groups
    ]
    a, b = expected.readings.reset_index(drop=True), got.readings.reset_index(drop=True)
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for column in a.columns:
        if column == "source_file" or a[column].dtype.kind not in "fc":
            assert a[column].astype(str).tolist() == b[column].astype(str).tolist(), column
        else:
            assert (a[column].isna() == b[column].isna()).all(), column
            np.testing.assert_allclose(a[column].fillna(0), b[column].fillna(0), rtol=1e-9, atol=0, err_msg=column)


def test_the_samples_are_there() -> None:
    if not PUBLIC.is_dir():
        pytest.skip("the shared public samples are not beside the project")
    assert len(BILLS) >= 18


@pytest.mark.parametrize("path", BILLS, ids=lambda p: p.name)
def test_portable_query_on_duckdb_gives_the_embedded_readings(path: Path) -> None:
    assert_same(read(path, None), read(path, engines.Engine("duckdb-portable")))


# Public samples with resource ids, and ids they name (an ARN's or an Azure id's last segment, any case).
RESOURCE_CASES = {
    "aws_cur/koku_test_cur.csv": (["i-16847552", "I-83276392", "i-none"], 2),
    "cur2/koku_2022-07-01_alt-columns_snake-case.csv": (["i-055386473d0b3fc65"], 1),
    "gcp/koku_gcp_2022-08-01_5.csv": (["instance-1"], 3),
    "azure/koku_azure_costreport_payg.csv": (["test-vm-1"], 1),
    "focus/focus-spec_cdf-100pct-2-resources.csv": (["<my-medium-vm-id>"], 1),
}


def read_with_ids(name: str, engine: engines.Engine | None) -> ReadResult:
    ids, kept = RESOURCE_CASES[name]
    result = read(PUBLIC / name, engine, resource_ids=ids)
    assert result.readings["resource_id"].notna().sum() == kept  # readings that keep an id
    return result


@pytest.mark.parametrize("name", RESOURCE_CASES)
def test_resource_ids_are_kept_alike_by_the_portable_query(name: str) -> None:
    if not PUBLIC.is_dir():
        pytest.skip("the shared public samples are not beside the project")
    assert_same(read_with_ids(name, None), read_with_ids(name, engines.Engine("duckdb-portable")))


@pytest.mark.parametrize("dialect", list(DIALECTS))
@pytest.mark.parametrize("format_name", list(BUILDERS))
def test_each_dialect_query_parses_in_that_dialect(format_name: str, dialect: str) -> None:
    text = warehouse_query(format_name, dialect, "billing.cur", ["team"], ["2026-03"], resource_ids=["i-0ABC"])
    tree = sqlglot.parse_one(text, read=DIALECTS[dialect])
    assert tree.find(sqlglot.exp.Group) is not None
    assert "billing" in text and "__row" in text and "IN ('i-0abc')" in text
    if dialect != "duckdb":  # DuckDB's own functions were rewritten for the warehouse
        for name in ("isfinite", "regexp_full_match", "try_strptime", "list_position", "json_valid"):
            assert name not in text.lower(), name


# --------------------------------------------------------------------------------------------
# A small CUR worked by hand


CUR = """\
identity/LineItemId,identity/TimeInterval,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,\
lineItem/UsageAccountId,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/UnblendedCost,\
product/region,pricing/unit,resourceTags/user:team
a,2026-03-01/2026-03-02,Usage,2026-03-01T00:00:00Z,2026-03-01T01:00:00Z,111,AmazonEC2,USE1-BoxUsage:m5.large,1.5,0.1,us-east-1,Hrs,ml
b,2026-03-01/2026-03-02,Usage,2026-03-01T01:00:00Z,2026-03-01T02:00:00Z,111,AmazonEC2,USE1-BoxUsage:m5.large,2.5,0.2,us-east-1,Hrs,ml
c,2026-03-01/2026-03-02,Tax,2026-03-01T00:00:00Z,2026-03-02T00:00:00Z,111,AmazonEC2,,0,1.0,,,
d,2026-03-01/2026-03-02,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,111,AmazonEC2,USE1-BoxUsage:m5.large,4,0.3,us-east-1,Hrs,ml
e,2026-03-01/2026-03-02,Usage,2026-03-02T00:00:00Z,2026-03-02T01:00:00Z,111,AmazonEC2,USE1-BoxUsage:m5.large,lots,0.3,us-east-1,Hrs,ml
b,2026-03-01/2026-03-02,Usage,2026-03-01T01:00:00Z,2026-03-01T02:00:00Z,111,AmazonEC2,USE1-BoxUsage:m5.large,2.5,0.2,us-east-1,Hrs,ml
f,2026-03-01/2026-03-02,Usage,2026-03-05T00:00:00Z,2026-03-05T01:00:00Z,111,AmazonEC2,USE1-BoxUsage:m5.large,3
"""


def check_hand_worked(result: ReadResult) -> None:
    # Rows 2, 3 and 5 (file rows; the header is row 1) are one reading: 1.5 + 2.5 + 4 = 8 hours,
    # 0.1 + 0.2 + 0.3 = 0.6 USD, first row 2. Row 4 is tax, row 6 a quantity that is no number,
    # row 7 repeats line item b, row 8 has 10 of the header's 13 fields.
    readings = result.readings
    assert len(readings) == 1
    assert readings["consumed_quantity"].iloc[0] == pytest.approx(8.0, rel=1e-12)
    assert readings["billed_cost"].iloc[0] == pytest.approx(0.6, rel=1e-12)
    assert int(readings["source_row"].iloc[0]) == 2 and int(readings["row_count"].iloc[0]) == 3
    assert json.loads(readings["tags"].iloc[0]) == {"team": "ml"}
    groups = {g.reason.split(":")[0]: (g.rows, g.example_rows) for g in result.exclusion_groups}
    assert groups["line item type 'Tax'"] == (1, (4,))
    assert groups["lineItem/UsageAmount is not a number (text, NaN or infinite)"] == (1, (6,))
    assert groups["repeated line item id (identity/LineItemId and identity/TimeInterval; counted once)"] == (1, (7,))
    assert groups["a ragged row"] == (1, (8,))
    assert result.rows_read == 7 == 3 + 4


def test_a_small_cur_worked_by_hand_on_duckdb(tmp_path: Path) -> None:
    path = tmp_path / "cur.csv"
    path.write_text(CUR)
    check_hand_worked(read(path, None, ["team"]))
    check_hand_worked(read(path, engines.Engine("duckdb-portable"), ["team"]))


# --------------------------------------------------------------------------------------------
# The DuckDB dialect query, executed; and the report from its saved result


def saved_result(bill: Path, folder: Path, tag_keys: list[str]) -> Path:
    """The DuckDB-dialect warehouse query run over the bill file, saved as Parquet."""
    scan = f"read_parquet('{bill}')" if bill.suffix == ".parquet" else f"read_csv('{bill}', all_varchar = true)"
    text = warehouse_query(
        detect(InputFile.open(bill)).name, "duckdb", scan, tag_keys, [], columns_from=bill
    )
    out = folder / "readings.parquet"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"COPY ({text}) TO '{out}' (FORMAT parquet)")
    return out


def report_json(folder: Path, *args: str) -> dict:
    result = CliRunner().invoke(
        main, ["report", "--org", "Acme", "--period", "2026", "--only", "json", "--out", str(folder), "-q", *args]
    )
    assert result.exit_code == 0, result.output
    return json.loads(next(folder.glob("*.json")).read_text())


def figures(document: dict) -> tuple:
    totals, quality = document["totals"], document["data_quality"]
    return (
        round(totals["energy_kwh"], 6), round(totals["location_based_tco2e"], 9),
        quality["rows_read"], quality["rows_used"],
    )


@pytest.mark.parametrize("name", ["aws-cur2-2026.parquet", "gcp-billing-export-2026.csv"])
def test_report_from_the_saved_query_result_is_the_report_from_the_bill(tmp_path: Path, name: str) -> None:
    bill = SAMPLES / "synthetic-acme" / "cloud-bills" / name
    readings = saved_result(bill, tmp_path, ["team", "project", "model"])
    from_bill = report_json(tmp_path / "a", str(bill))
    from_readings = report_json(tmp_path / "b", "--readings", str(readings))
    assert figures(from_readings) == figures(from_bill)
    assert from_bill["totals"]["energy_kwh"] > 0


# --------------------------------------------------------------------------------------------
# Spark


@pytest.fixture(scope="session")
def spark_engine() -> engines.Engine:
    from reporter.engines import spark

    problem = spark.java_missing()
    if problem:
        pytest.skip(f"Spark tests skipped: {problem}")
    spark.session(None, partitions=2)
    return engines.Engine("spark")


def test_a_small_cur_worked_by_hand_on_spark(tmp_path: Path, spark_engine: engines.Engine) -> None:
    path = tmp_path / "cur.csv"
    path.write_text(CUR)
    check_hand_worked(read(path, spark_engine, ["team"]))


@pytest.mark.parametrize("path", BILLS, ids=lambda p: p.name)
def test_spark_gives_the_embedded_readings(path: Path, spark_engine: engines.Engine) -> None:
    assert_same(read(path, None), read(path, spark_engine))


@pytest.mark.parametrize("name", RESOURCE_CASES)
def test_spark_keeps_the_resource_ids_alike(name: str, spark_engine: engines.Engine) -> None:
    assert_same(read_with_ids(name, None), read_with_ids(name, spark_engine))


def test_spark_over_a_table(tmp_path: Path, spark_engine: engines.Engine) -> None:
    from reporter.engines import spark
    from reporter.engines.portable import Meta, portable_sql
    from reporter.engines.run import normalise

    bill = SAMPLES / "synthetic-acme" / "cloud-bills" / "aws-cur2-2026.parquet"
    spark.session(None).read.parquet(str(bill)).createOrReplaceTempView("acme_cur")
    metas = []

    def query_for(columns):
        mapping = BUILDERS["aws_cur"](columns, TAG_KEYS)
        metas.append(Meta.of("aws_cur", mapping, TAG_KEYS))
        return portable_sql(mapping, metas[-1])

    groups, _ = spark.run_table("acme_cur", query_for, None)
    usage = normalise(groups, metas[0])
    usage = usage[usage["reason"].isna()]
    expected = read(bill, None)
    assert int(usage["rows"].sum()) == int(expected.readings["row_count"].sum())
    assert usage["quantity"].sum() == pytest.approx(expected.readings["consumed_quantity"].sum(), rel=1e-9)
    # a table's rows are numbered in Spark's scan order, which for one Parquet file is its row order
    assert sorted(usage["first_row"]) == sorted(expected.readings["source_row"])


def test_report_on_spark_from_the_command_line(tmp_path: Path, spark_engine: engines.Engine) -> None:
    bill = SAMPLES / "synthetic-acme" / "cloud-bills" / "aws-cur2-2026.parquet"
    on_duckdb = report_json(tmp_path / "a", str(bill))
    on_spark = report_json(tmp_path / "b", "--engine", "spark", str(bill))
    assert figures(on_spark) == figures(on_duckdb)


def test_report_on_spark_from_a_table(tmp_path: Path, spark_engine: engines.Engine) -> None:
    from reporter.engines import spark

    bill = SAMPLES / "synthetic-acme" / "cloud-bills" / "aws-cur2-2026.parquet"
    spark.session(None).read.parquet(str(bill)).createOrReplaceTempView("acme_cur_table")
    on_duckdb = report_json(tmp_path / "a", str(bill))
    on_table = report_json(tmp_path / "b", "--engine", "spark", "--table", "acme_cur_table", "--format", "aws_cur")
    assert figures(on_table) == figures(on_duckdb)
    assert (tmp_path / "b" / "acme_cur_table.readings.parquet").is_file()
