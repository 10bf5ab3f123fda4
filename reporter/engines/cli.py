"""The command-line side of the engines: `reporter report --engine/--spark-master/--table/--readings`
and `reporter query FORMAT --dialect D`."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from reporter import engines
from reporter.engines.dialects import DIALECTS

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_TAG_KEYS = ["team", "project", "model"]


def engine_options(func: F) -> F:
    """`--engine`, `--spark-master`, `--table` and `--readings` for `reporter report`."""
    func = click.option(
        "--readings", "readings", multiple=True, type=click.Path(path_type=str, dir_okay=False),
        help="A saved result of `reporter query` (CSV or Parquet) to report from, as the bill's readings (repeatable).",
    )(func)
    func = click.option(
        "--table", default=None,
        help="With --engine spark: aggregate this table of Spark's catalog (e.g. catalog.db.cur) instead of "
        "files; --format names its bill format.",
    )(func)
    func = click.option("--spark-master", default=None, help="Spark master URL (default: local mode, local[2]).")(func)
    return click.option(
        "--engine", type=click.Choice(engines.ENGINES), default="duckdb", show_default=True,
        help="Where the bill aggregation runs: embedded DuckDB, or Apache Spark (PySpark).",
    )(func)


@contextmanager
def engine_selected(engine: str, master: str | None) -> Iterator[None]:
    """The bill readers use `engine` within the block (embedded DuckDB again after it)."""
    engines.select(engines.Engine(engine, master))
    try:
        yield
    finally:
        engines.select(None)


def engine_inputs(engine: str, master: str | None, table: str | None, readings: tuple[str, ...],
                  inputs: tuple[str, ...], fmt: str | None, config_path: Path | None, period: str | None,
                  out: str | None) -> tuple[str, ...]:
    """The inputs plus readings files (a table's, made first)."""
    extra = [os.path.abspath(path) for path in readings]
    if table:
        if engine != "spark":
            raise click.UsageError("--table needs --engine spark")
        if not fmt:
            raise click.UsageError("--table needs --format (the bill format of the table)")
        extra.append(str(table_readings(table, fmt, master, config_path, period, out)))
    return (*inputs, *extra)


def table_readings(table: str, fmt: str, master: str | None, config_path: Path | None, period: str | None,
                   out: str | None) -> Path:
    """Run the bill query on Spark over `table` and save its result as a readings file in the output folder."""
    from reporter.engines import spark
    from reporter.engines.portable import Meta, portable_sql
    from reporter.engines.warehouse import builder

    tag_keys, day_months, out_dir, resource_ids = _settings(config_path, period, out)
    build = builder(fmt)
    lineage = f"row numbers: positions in Spark's scan of table {table}, stable while its files do not change"

    def query_for(columns: Any) -> str:
        mapping = build(columns, tag_keys)
        meta = Meta.of(fmt, mapping, tag_keys, lineage, resource_ids)
        return portable_sql(mapping, meta, day_months)

    groups, _ = spark.run_table(table, query_for, master)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', table)}.readings.parquet"
    groups.to_parquet(path, index=False)
    click.echo(f"wrote {path} (the bill query's result over {table})")
    return path


def _settings(config_path: Path | None, period: str | None, out: str | None
              ) -> tuple[list[str], list[str], Path, list[str]]:
    """Tag keys, the months summed per day, the output folder and the resource ids to keep (the
    links'; a table is read before the trackers, so their hosts are not known), from the config
    file or the options."""
    from reporter.config import load_config, parse_period

    if config_path is not None:
        config = load_config(config_path, {"period": period, "out": out})
        out_dir = Path(config.output.dir)
        if not out_dir.is_absolute() and not out:
            out_dir = config.base_path / out_dir
        ids = [link.resource_id for link in config.links if link.resource_id]
        return list(config.cloud.tag_keys), config.period.resolve().cut_months(), out_dir, ids
    if period is None:
        raise click.UsageError("without --config, --period is required")
    return list(DEFAULT_TAG_KEYS), parse_period(period).cut_months(), Path(out or "out"), []


@click.command()
@click.argument("format_name", metavar="FORMAT", type=click.Choice(["aws_cur", "focus", "gcp_billing", "azure_cost"]))
@click.option("--dialect", type=click.Choice(list(DIALECTS)), required=True, help="The SQL dialect to write.")
@click.option("--table", default="cur", show_default=True, help="The table that holds the bill.")
@click.option("--columns", "columns_from", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A bill file (or a CSV of just the header) with the table's columns; default: the format's "
              "usual table columns.")
@click.option("--tag-key", "tag_keys", multiple=True,
              help="A tag key to keep (repeatable; default: team, project, model).")
@click.option("--period", help="Reporting period; months it cuts are summed per day.")
@click.option("--resource-id", "resource_ids", multiple=True,
              help="A resource id to keep (repeatable): a [[links]] resource_id, or a tracker's host for "
              "automatic linking. Other lines are summed without their id.")
def query(format_name: str, dialect: str, table: str, columns_from: Path | None, tag_keys: tuple[str, ...],
          period: str | None, resource_ids: tuple[str, ...]) -> None:
    """Print the bill aggregation query for FORMAT in a warehouse's SQL dialect.

    Run it where the bill lives, save the result as CSV or Parquet, and report from it with
    `reporter report --readings FILE`. The resource ids to keep are written into the query.
    """
    from reporter.config import parse_period
    from reporter.engines.warehouse import warehouse_query

    day_months = parse_period(period).cut_months() if period else []
    keys = list(dict.fromkeys(tag_keys)) if tag_keys else list(DEFAULT_TAG_KEYS)
    click.echo(warehouse_query(format_name, dialect, table, keys, day_months, columns_from, list(resource_ids)))
