"""The command line: help, the bad-input corpus, config files and their overrides."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reporter.cli import main
from tests.conftest import SHARED_SAMPLES, TRACKERS


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, args: list[str], cwd: Path):
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.mark.parametrize("command", [[], ["report"], ["validate"], ["formats"]])
def test_every_command_has_help(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 4


def test_validate_lists_rows_and_exclusions(runner: CliRunner) -> None:
    result = invoke(runner, ["validate", "codecarbon/emissions.csv"], TRACKERS)
    assert result.exit_code == 0
    assert "codecarbon/emissions.csv: codecarbon; 7 rows read, 6 usable, 1 excluded" in result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("  1 row(s) excluded")]
    assert line.startswith("  1 row(s) excluded (e.g. row 7): superseded: the run has a longer cumulative row")
    assert line.endswith("used: row 8")  # the run's last cumulative row is the one used


def test_format_override_and_unknown_format(runner: CliRunner) -> None:
    ok = invoke(runner, ["validate", "--format", "eco2ai", "eco2ai/emission.csv"], TRACKERS)
    assert ok.exit_code == 0
    bad = invoke(runner, ["validate", "--format", "nope", "eco2ai/emission.csv"], TRACKERS)
    assert bad.exit_code == 2
    assert bad.stderr.strip() == (
        "error: unknown format 'nope' (known formats: aws_carbon, aws_cur, azure_carbon, azure_cost, "
        "bill_readings, carbontracker, codecarbon, eco2ai, focus, gcp_billing, gcp_carbon, nvidia_smi, "
        "prometheus_energy, workbook, zeus)"
    )


def write_config(folder: Path, body: str) -> Path:
    path = folder / "report.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_config_unknown_key_is_named(runner: CliRunner, tmp_path: Path) -> None:
    config = write_config(
        tmp_path, '[organization]\nname = "A"\n[period]\nmonth = "2026-11"\n[facilty]\npue = 1.2\n'
    )
    result = invoke(runner, ["report", "--config", str(config)], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {config}: unknown key 'facilty'"


def test_config_bad_value_is_named(runner: CliRunner, tmp_path: Path) -> None:
    config = write_config(
        tmp_path, '[organization]\nname = "A"\n[period]\nmonth = "2026-11"\n[facility]\npue = 0.5\n'
    )
    result = invoke(runner, ["report", "--config", str(config)], tmp_path)
    assert result.exit_code == 2
    assert "'facility.pue'" in result.stderr and "greater than or equal to 1" in result.stderr


def test_config_and_command_line_combine(runner: CliRunner, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "emissions.csv").write_bytes((TRACKERS / "codecarbon" / "emissions.csv").read_bytes())
    (tmp_path / "other.csv").write_bytes((TRACKERS / "eco2ai" / "emission.csv").read_bytes())
    config = write_config(
        tmp_path,
        '[organization]\nname = "Base Org"\n[period]\nstart = "2026-01-01"\nend = "2026-12-31"\n'
        '[[inputs]]\npath = "data/*.csv"\nteam = "research"\n[output]\ndir = "reports"\n',
    )
    first = invoke(runner, ["report", "--config", str(config), "--only", "json"], tmp_path)
    assert first.exit_code == 0, first.output
    document = json.loads((tmp_path / "reports" / "base-org-2026-01_2026-12.json").read_text())
    assert [i["path"] for i in document["inputs"]] == ["data/emissions.csv"]
    assert document["breakdowns"]["team"][0]["key"] == "research"
    second = invoke(
        runner,
        [
            "report",
            "--config",
            str(config),
            "other.csv",
            "--period",
            "2026-11",
            "--org",
            "New Org",
            "--out",
            str(tmp_path / "o"),
            "--only",
            "json",
        ],
        tmp_path,
    )
    assert second.exit_code == 0, second.output
    document = json.loads((tmp_path / "o" / "new-org-2026-11.json").read_text())
    assert [i["path"] for i in document["inputs"]] == ["other.csv"]
    assert document["period"] == {
        "start": "2026-11-01",
        "end": "2026-11-30",
        "label": "2026-11",
        "months": ["2026-11"],
    }


def test_report_without_config_needs_org_and_period(runner: CliRunner) -> None:
    result = invoke(runner, ["report", "codecarbon/emissions.csv"], TRACKERS)
    assert result.exit_code == 2
    assert "--org and --period are required" in result.output


def test_validate_shows_grouped_bill_exclusions(runner: CliRunner) -> None:
    result = invoke(runner, ["validate", "aws_cur/legacy-cur-anonymized.csv"], SHARED_SAMPLES)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "aws_cur/legacy-cur-anonymized.csv: aws_cur; 1281 rows read, 1269 usable, 12 excluded"
    assert any(line.startswith("  12 row(s) excluded (e.g. rows ") and "Tax" in line for line in lines)


def test_validate_summarises_flags_per_file(runner: CliRunner) -> None:
    result = invoke(runner, ["validate", "codecarbon-3.3.0-append-bug/emissions.csv"], TRACKERS)
    assert result.exit_code == 0
    assert (
        "codecarbon-3.3.0-append-bug/emissions.csv: 2 line item(s) flagged shifted_fields (rows 3, 4)"
        in result.output.splitlines()
    )
