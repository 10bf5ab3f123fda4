from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reporter.config import build_config
from reporter.pipeline import PipelineResult, run
from reporter.report import Report, build_report

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_inputs"
TRACKERS = SAMPLES / "trackers"
DATA = Path(__file__).resolve().parent / "data"
# Real input files other projects wrote: read from shared/ beside the project, never copied into it.
SHARED_SAMPLES = ROOT.parent / "shared" / "samples"
pytest_plugins = ["tests.filing.fixtures"]  # the filing tests' shared report


def make_config(inputs: list[dict[str, Any] | str], period: str = "2026-11", **sections: Any):
    data: dict[str, Any] = {
        "organization": {"name": "Test Org"},
        "period": {"month": period},
        "inputs": [{"path": str(i)} if not isinstance(i, dict) else i for i in inputs],
        "base_dir": str(ROOT),
    }
    data.update(sections)
    return build_config(data, {}, origin="test")


def run_inputs(
    inputs: list[dict[str, Any] | str], period: str = "2026-11", **sections: Any
) -> PipelineResult:
    return run(make_config(inputs, period, **sections))


def context_for(
    inputs: list[dict[str, Any] | str], period: str = "2026-11", **sections: Any
) -> Report:
    return build_report(run_inputs(inputs, period, **sections))


@pytest.fixture
def trackers() -> Path:
    return TRACKERS
