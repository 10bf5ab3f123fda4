"""Command line: `reporter report`, `reporter validate`, `reporter formats`.

Thin: it resolves options into one ReportConfig, runs the pipeline and calls the renderers.
Any ReporterError becomes one line on stderr and exit status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from reporter import __version__
from reporter.config import OUTPUT_FORMATS, ReportConfig, build_config, load_config
from reporter.errors import ReporterError

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
    """Turn ML energy-tracker logs into AI energy and emissions disclosures.

    Reads CodeCarbon, carbontracker and eco2ai outputs, converts them to one canonical
    usage record, applies one PUE policy and dated, sourced grid factors, and writes a PDF
    report, an Excel workbook and a JSON document for the period you choose.
    """


def _config(
    config_path: Path | None,
    inputs: tuple[str, ...],
    org: str | None,
    period: str | None,
    out: str | None,
    fmt: str | None,
) -> ReportConfig:
    overrides: dict[str, Any] = {"org": org, "period": period, "out": out}
    if inputs:
        overrides["inputs"] = [{"path": str(Path(p).resolve()), "format": fmt} for p in inputs]
    if config_path is not None:
        return load_config(config_path, overrides)
    data: dict[str, Any] = {"base_dir": str(Path.cwd())}
    if not inputs:
        raise click.UsageError("give input files or --config")
    if org is None or period is None:
        raise click.UsageError("without --config, --org and --period are required")
    return build_config(data, overrides, origin="command line")


def _inputs_options(func: F) -> F:
    """The options every command that reads inputs shares."""
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
    help="Write only these outputs (repeatable). Default: pdf, xlsx and json.",
)
@_friendly
def report(
    inputs: tuple[str, ...],
    config_path: Path | None,
    fmt: str | None,
    org: str | None,
    period: str | None,
    out: str | None,
    only: tuple[str, ...],
) -> None:
    """Write the PDF, Excel and JSON report for INPUTS (files, folders or globs)."""
    from reporter.pipeline import run
    from reporter.render import formatting, write_outputs
    from reporter.render.context import build_context

    config = _config(config_path, inputs, org, period, out, fmt)
    context = build_context(run(config))
    out_dir = Path(config.output.dir)
    if not out_dir.is_absolute() and config_path is not None and not out:
        out_dir = (config.base_path / out_dir).resolve()
    formats = list(only) or list(config.output.formats)
    for path in write_outputs(context, out_dir, formats):
        click.echo(f"wrote {_shown(path)}")
    totals = context.totals
    click.echo(
        f"{context.organization['name']} {context.period['label']}: "
        f"{formatting.energy_mwh(totals['energy_kwh'])} MWh, "
        f"{formatting.tco2e(totals['location_based_tco2e'])} tCO2e "
        f"(location-based), {context.data_quality['rows_used']} of "
        f"{context.data_quality['rows_read']} input rows used"
    )


@main.command()
@_inputs_options
@click.option("--period", help="Also check which rows fall outside this period.")
@_friendly
def validate(inputs: tuple[str, ...], config_path: Path | None, fmt: str | None, period: str | None) -> None:
    """Check INPUTS without writing a report: format, rows read / used / excluded, problems."""
    from reporter.pipeline import run

    config = _config(config_path, inputs, "validation", period or "1900..2999", None, fmt)
    result = run(config)
    for ledger in result.ledgers:
        click.echo(
            f"{ledger.path}: {ledger.format}; {ledger.rows_read} rows read, "
            f"{ledger.rows_used} usable, {ledger.rows_excluded} excluded"
        )
        for exclusion in ledger.exclusions:
            click.echo(f"  row {exclusion.row}: excluded, {exclusion.reason}")
        for note in ledger.notes:
            click.echo(f"  note: {note}")
    for path, reason in result.skipped:
        click.echo(f"{path}: skipped, {reason}")
    flagged = result.items[result.items["flags"] != ""]
    for row in flagged.itertuples():
        click.echo(f"{row.source_file} row {row.source_row}: flagged {str(row.flags).replace(';', ', ')}")


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
