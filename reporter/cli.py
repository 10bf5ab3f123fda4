"""Command line: `reporter report`, `reporter validate`, `reporter formats`.

Thin: it resolves options into one ReportConfig, runs the pipeline and calls the renderers.
Any ReporterError becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from reporter import __version__
from reporter.config import OUTPUT_FORMATS, ReportConfig, build_config, load_config, parse_period
from reporter.engines.cli import engine_inputs, engine_options, engine_selected
from reporter.engines.cli import query as query_command
from reporter.errors import ConfigError, ReporterError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INPUT = 2


def _friendly(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReporterError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reporter")
def main() -> None:
    """Turn ML energy-tracker logs and cloud bills into AI energy and emissions disclosures.

    Reads CodeCarbon, carbontracker and eco2ai outputs and cloud bills (FOCUS, AWS CUR, GCP
    billing export, Azure cost details), converts them to one canonical usage record (measured
    energy from trackers, estimated energy from bills), applies dated, sourced grid factors, and
    writes a PDF report, an Excel workbook and a JSON document for the period you choose.
    """


def _config(
    config_path: Path | None,
    inputs: tuple[str, ...],
    org: str | None,
    period: str | None,
    out: str | None,
    fmt: str | None,
    db: str | None = None,
    json_line_items: bool = False,
    templates: str | None = None,
    lang: str | None = None,
) -> ReportConfig:
    overrides: dict[str, Any] = {
        "org": org, "period": period, "out": out, "db": db, "json_line_items": json_line_items, "templates": templates,
        "lang": lang,
    }
    if inputs:
        overrides["inputs"] = [{"path": os.path.abspath(p), "format": fmt} for p in inputs]
    if config_path is not None:
        return load_config(config_path, overrides)
    data: dict[str, Any] = {"base_dir": str(Path.cwd())}
    if not inputs:
        raise click.UsageError("give input files or --config")
    if org is None or period is None:  # a manual-entry workbook's Organisation sheet may give them
        from reporter.workbook.settings import identity_of

        org, period = identity_of([Path(p) for p in inputs], org, period)
        overrides.update(org=org, period=period)
    if org is None or period is None:
        raise click.UsageError("without --config, --org and --period are required")
    return build_config(data, overrides, origin="command line")


def _db_option(func: F) -> F:
    return click.option(
        "--db",
        default=None,
        help="History store URL (default: reporter.db beside the config file, or here; "
        "any SQLAlchemy URL such as postgresql+psycopg://…).",
    )(func)


def _json_line_items_option(func: F) -> F:
    func = click.option(
        "--templates",
        type=click.Path(path_type=str, file_okay=False),
        default=None,
        help="A folder of your own report templates (report.html.j2, macros.html.j2, report.css); "
        "what it lacks comes from the shipped ones.",
    )(func)
    return click.option(
        "--json-line-items",
        is_flag=True,
        help="Also embed every line item in the JSON (they are always in the .lineage.parquet file).",
    )(func)


def _strict_option(func: F) -> F:
    return click.option(
        "--strict",
        is_flag=True,
        help="Stop with an error when a row is left out for a problem (it cannot be read or is "
        "implausible); rows left out for accounting (superseded, outside the period, not usage) "
        "are still counted as excluded.",
    )(func)


def _show_progress(ctx: click.Context, param: click.Parameter, quiet: bool) -> None:
    from reporter import progress

    progress.configure(not quiet)


def _inputs_options(func: F) -> F:
    """The options every command that reads inputs shares."""
    func = click.option(
        "--quiet",
        "-q",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_show_progress,
        help="No progress bars (they are shown on stderr only when it is a terminal).",
    )(func)
    func = click.option(
        "--format",
        "fmt",
        default=None,
        help="Read every INPUT as this format instead of detecting it (see `reporter formats`).",
    )(func)
    func = click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="TOML report configuration; command-line values override it.",
    )(func)
    return click.argument("inputs", nargs=-1, type=click.Path(path_type=str))(func)


@main.command()
@_inputs_options
@click.option("--org", help="Organisation name shown in the report.")
@click.option("--period", help="Reporting period: 2026-10, 2026-01..2026-12, or 2026.")
@click.option("--out", help="Output folder (default: out/).")
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice(OUTPUT_FORMATS),
    help="Write only these outputs (repeatable). Default: pdf, xlsx and json. The lineage file "
    "(every line item) is written with any of them.",
)
@click.option(
    "--xbrl",
    is_flag=True,
    help="Also write inline XBRL (XHTML) of the filing datapoints; needs [organization] lei.",
)
@click.option(
    "--framework",
    "frameworks",
    multiple=True,
    type=click.Choice(["esrs", "vsme"]),
    help="With --xbrl: ESRS E1 (esrs, the default) or VSME B3/C3 (vsme); repeatable.",
)
@_json_line_items_option
@click.option(
    "--lang",
    type=click.Choice(["en", "ko"]),
    default=None,
    help="Language of the PDF and the workbook's labels: en (default) or ko (Korean); see [output] lang.",
)
@_db_option
@_strict_option
@engine_options
@_friendly
def report(
    inputs: tuple[str, ...],
    config_path: Path | None,
    fmt: str | None,
    org: str | None,
    period: str | None,
    out: str | None,
    only: tuple[str, ...],
    xbrl: bool,
    frameworks: tuple[str, ...],
    json_line_items: bool,
    templates: str | None,
    lang: str | None,
    db: str | None,
    strict: bool,
    engine: str,
    spark_master: str | None,
    table: str | None,
    readings: tuple[str, ...],
) -> None:
    """Write the PDF, Excel and JSON report for INPUTS (files, folders or globs).

    Every line item, with its input file and rows, goes to <stem>.lineage.parquet beside them.
    Closed months in the history store (if it exists) feed the year-to-date view.
    """
    from reporter.render import write_outputs

    with engine_selected(engine, spark_master):
        inputs = engine_inputs(engine, spark_master, table, readings, inputs, fmt, config_path, period, out)
        if table:
            fmt = None  # --format named the table's format; the readings file made from it is detected
        config = _config(config_path, inputs, org, period, out, fmt, db, json_line_items, templates, lang)
        formats = list(only) or list(config.output.formats)
        if frameworks and not xbrl:
            raise click.UsageError("--framework chooses the inline XBRL document: give it with --xbrl")
        if xbrl:
            if config.organization.lei is None:
                raise ConfigError("--xbrl needs the entity's LEI: give [organization] lei in the configuration")
            formats += ["xbrl-vsme" if name == "vsme" else "xbrl" for name in dict.fromkeys(frameworks or ("esrs",))]
        report = _report(config, config_path, strict)
    for path in write_outputs(report, _out_dir(config, config_path, out), formats):
        click.echo(f"wrote {_shown(path)}")
    _summary(report)


def _report(config: ReportConfig, config_path: Path | None, strict: bool = False) -> Any:
    from reporter.closing import history_view
    from reporter.history import HistoryStore
    from reporter.pipeline import run
    from reporter.report import build_report

    result = run(config)
    if strict:
        _check_strict(result)
    store = HistoryStore.existing(_store_url(config, config_path))
    return build_report(result, history_view(store, result.period, result.config.baseline))


def _store_url(config: ReportConfig, config_path: Path | None) -> str:
    from reporter.history import default_url

    return config.history.url or default_url(config_path.parent if config_path else None)


def _out_dir(config: ReportConfig, config_path: Path | None, out: str | None) -> Path:
    out_dir = Path(config.output.dir)
    if not out_dir.is_absolute() and config_path is not None and not out:
        out_dir = (config.base_path / out_dir).resolve()
    return out_dir


def _summary(report: Any) -> None:
    from reporter.render import formatting

    totals, quality = report.totals, report.data_quality
    click.echo(
        f"{report.organization.name} {report.period.label}: "
        f"{formatting.energy_mwh(totals.energy_kwh)} MWh, "
        f"{formatting.tco2e(totals.location_based_tco2e)} tCO2e "
        f"(location-based), {quality.rows_used} of {quality.rows_read} input rows used"
    )


@main.command()
@_inputs_options
@click.option("--period", help="Also check which rows fall outside this period.")
@_strict_option
@_friendly
def validate(
    inputs: tuple[str, ...], config_path: Path | None, fmt: str | None, period: str | None, strict: bool
) -> None:
    """Check INPUTS without writing a report: format, rows read / used / excluded, problems."""
    from reporter.pipeline import run
    from reporter.records import EXAMPLE_ROWS, row_ref
    from reporter.report.exclusions import group_exclusions

    config = _config(config_path, inputs, "validation", period or "1900..2999", None, fmt)
    result = run(config)
    for ledger in result.ledgers:
        click.echo(
            f"{ledger.path}: {ledger.format}; {ledger.rows_read} rows read, "
            f"{ledger.rows_used} usable, {ledger.rows_excluded} excluded"
        )
        for group in group_exclusions(ledger.exclusions, ledger.exclusion_groups):
            click.echo(f"  {_excluded_line(group)}")
        for note in ledger.notes:
            click.echo(f"  note: {note}")
    for path, reason in result.skipped:
        click.echo(f"{path}: skipped, {reason}")
    flagged: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for row in result.items[result.items["flags"] != ""].itertuples():
        sheet = row.source_sheet if isinstance(row.source_sheet, str) else ""  # a workbook's rows name their sheet
        for flag in str(row.flags).split(";"):
            flagged.setdefault((str(row.source_file), flag), []).append((sheet, int(row.source_row)))
    for (path, flag), numbers in sorted(flagged.items()):
        more = ", …" if len(numbers) > EXAMPLE_ROWS else ""
        shown = ", ".join(str(row_ref(r, sheet)) for sheet, r in sorted(numbers)[:EXAMPLE_ROWS]) + more
        click.echo(f"{path}: {len(numbers)} line item(s) flagged {flag} (rows {shown})")
    if strict:
        _check_strict(result)


def _excluded_line(group: Any) -> str:
    """One group of excluded rows: how many, the first row numbers, the reason and the first row's detail."""
    from reporter.report.exclusions import examples_text

    examples = f" (e.g. {examples_text(group)})" if group.example_rows else ""
    detail = group.example_details[0] if group.example_details else ""
    shown = f"; row {group.example_rows[0]}: {detail}" if detail else ""
    return f"{group.rows} row(s) excluded{examples}: {group.reason}{shown}"


def _check_strict(result: Any) -> None:
    """--strict: the first row left out for a problem (not for accounting) is an error."""
    from reporter.report.exclusions import strict_problem

    problem = strict_problem((ledger.path, ledger.exclusions, ledger.exclusion_groups) for ledger in result.ledgers)
    if problem is not None:
        raise problem


@main.command()
@click.argument("month")
@_inputs_options
@click.option("--org", help="Organisation name shown in the report.")
@click.option("--out", help="Output folder for the month's report files (default: out/).")
@click.option("--restate", is_flag=True, help="Store a new version of an already closed month.")
@click.option("--reason", help="Why the figures are restated (required with --restate).")
@_json_line_items_option
@_db_option
@_strict_option
@_friendly
def close(
    month: str,
    inputs: tuple[str, ...],
    config_path: Path | None,
    fmt: str | None,
    org: str | None,
    out: str | None,
    restate: bool,
    reason: str | None,
    json_line_items: bool,
    templates: str | None,
    db: str | None,
    strict: bool,
) -> None:
    """Compute MONTH (YYYY-MM) from INPUTS, write its report and store it in the history.

    Closing a month again with the same inputs and factors changes nothing. With different
    ones it is refused unless --restate --reason "…" is given: a new version is stored and the
    old one kept, with the old figure, the new figure, the difference and the reason.
    """
    import re

    from reporter.closing import close_month
    from reporter.history import HistoryStore
    from reporter.render import formatting

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise click.BadParameter(f"'{month}' is not a month like 2026-10", param_hint="MONTH")
    _require_ended(month)
    config = _config(config_path, inputs, org, month, out, fmt, db, json_line_items, templates)
    report = _report(config, config_path, strict)
    store = HistoryStore(_store_url(config, config_path))
    outcome = close_month(
        report, store, _out_dir(config, config_path, out), list(config.output.formats), restate=restate, reason=reason
    )
    record = outcome.record
    if outcome.action == "unchanged":
        click.echo(
            f"{month} is already closed (version {record.version}) with the same inputs and factors; nothing changed"
        )
        return
    for path in outcome.files:
        click.echo(f"wrote {_shown(path)}")
    figure = f"{formatting.tco2e(record.location_based_tco2e)} tCO2e"
    if outcome.previous is None:
        click.echo(
            f"closed {month} (version {record.version}): {formatting.energy_mwh(record.energy_kwh)} MWh, {figure}"
        )
    else:
        old = outcome.previous.location_based_tco2e
        click.echo(
            f"restated {month}: version {record.version} replaces version {outcome.previous.version}; "
            f"old {formatting.tco2e(old)} tCO2e, new {figure}, "
            f"difference {record.location_based_tco2e - old:+.6g} tCO2e; reason: {record.reason}"
        )


@main.command()
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML configuration whose [history] store to read (default: reporter.db here).",
)
@_db_option
@_friendly
def history(config_path: Path | None, db: str | None) -> None:
    """List the closed months and every version, with restatement reasons."""
    from reporter.history import HistoryStore, default_url
    from reporter.render import formatting

    url = db or (_store_url(_history_config(config_path), config_path) if config_path else default_url(None))
    store = HistoryStore.existing(url)
    if store is None:
        click.echo("no months closed yet")
        return
    click.echo(f"{'month':8} {'ver':>3} {'status':10} {'energy MWh':>12} {'tCO2e':>12}  closed (UTC)         reason")
    for record in store.versions():
        click.echo(
            f"{record.month:8} {record.version:>3} {record.status:10} "
            f"{formatting.energy_mwh(record.energy_kwh):>12} {formatting.tco2e(record.location_based_tco2e):>12}  "
            f"{record.closed_at:%Y-%m-%d %H:%M:%S}  {record.reason or ''}"
        )


def _history_config(config_path: Path) -> ReportConfig:
    """The configuration, for its [history] store only: listing needs no organisation or period."""
    return load_config(config_path, {"org": "history", "period": "1900..2999"})


def _require_ended(month: str) -> None:
    """A month can be closed only once it is over."""
    from datetime import date

    from reporter.history import HistoryError

    last_day = parse_period(month).end
    if last_day >= date.today():
        raise HistoryError(f"{month} has not ended yet (it ends {last_day}); close it once it is over")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@main.command()
def formats() -> None:
    """List the input formats this version reads."""
    from reporter.sources import READERS

    for name, reader in sorted(READERS.items()):
        click.echo(f"{name:15} {reader.label}")


main.add_command(query_command, name="query")


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["en", "ko"]), default="en", show_default=True,
              help="Language of the instructions, help texts and column names (sheet names and header keys "
                   "stay English); a Korean workbook is read as an English one.")
@_friendly
def template(out: Path, lang: str) -> None:
    """Write the manual-entry workbook (OUT.xlsx) to fill in and give as an input."""
    from reporter.workbook.template import write_template

    write_template(out, lang)
    click.echo(f"wrote {out}")


def _add_serve() -> None:
    from reporter.web.command import serve

    main.add_command(serve)


_add_serve()
