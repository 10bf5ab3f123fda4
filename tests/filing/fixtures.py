"""Fixtures shared by the filing tests (registered in tests/conftest.py): one report and its
files per test session, as building them takes a while."""

from __future__ import annotations

from pathlib import Path

import pytest

from reporter.pipeline import run
from reporter.render import write_outputs
from reporter.report import Report, build_report


@pytest.fixture(scope="session")
def filing_report() -> Report:
    from tests.test_filing import filing_config

    return build_report(run(filing_config()))


@pytest.fixture(scope="session")
def filing_written(filing_report: Report, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("filing")
    paths = write_outputs(filing_report, folder, ["json", "xlsx", "xbrl", "xbrl-vsme"])
    return {path.name.split(".", 1)[1]: path for path in paths}
