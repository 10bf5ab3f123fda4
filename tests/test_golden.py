"""Golden files: for each real sample input, the expected records, ledger and totals.

Regenerate after an intended change with `REGEN_GOLDEN=1 make test`, then review the diff;
the hand-worked figures in the other tests guard the numbers independently.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from reporter.render.line_items import line_item_records
from tests.conftest import TRACKERS, context_for

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = {
    "codecarbon-3.3.2": ["codecarbon/emissions.csv"],
    "codecarbon-3.3.0-append-bug": ["codecarbon-3.3.0-append-bug/emissions.csv"],
    "carbontracker-2.4.7": ["carbontracker"],
    "eco2ai-0.3.12": ["eco2ai/emission.csv"],
    "eco2ai-truncated-by-crash": ["eco2ai/emission-truncated-by-crash.csv"],
}
RECORD_FIELDS = [
    "source_file",
    "source_row",
    "run_id",
    "project",
    "start_time",
    "end_time",
    "duration_s",
    "country_iso3",
    "energy_reported_kwh",
    "tracker_pue",
    "energy_it_kwh",
    "pue",
    "energy_kwh",
    "location_key",
    "location_status",
    "factor_id",
    "factor_g_per_kwh",
    "location_based_co2e_kg",
    "tracker_co2e_kg",
    "flags",
]


def snapshot(case: str) -> dict[str, Any]:
    old = Path.cwd()
    os.chdir(TRACKERS)
    try:
        context = context_for([str(TRACKERS / p) for p in CASES[case]])
    finally:
        os.chdir(old)
    document = {**context.to_dict(), "line_items": line_item_records(context.line_items)}
    return {
        "records": [{k: item[k] for k in RECORD_FIELDS} for item in document["line_items"]],
        "inputs": [{k: v for k, v in i.items() if k != "sha256"} for i in document["inputs"]],
        "totals": document["totals"],
        "by_month": document["by_month"],
        "factors": [f["id"] for f in document["factors"]],
    }


def close(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) and isinstance(actual, float):
        return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-18)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(close(actual[k], expected[k]) for k in expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(
            close(a, e) for a, e in zip(actual, expected, strict=True)
        )
    return bool(actual == expected)


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    path = GOLDEN / f"{case}.json"
    actual = snapshot(case)
    if os.environ.get("REGEN_GOLDEN"):
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert close(actual, expected), f"{case} differs from {path.name}; regenerate and review if intended"


def test_every_sample_file_has_a_golden_case() -> None:
    covered = set()
    for paths in CASES.values():
        for p in paths:
            target = TRACKERS / p
            covered |= {target} if target.is_file() else set(target.iterdir())
    sample_files = {p for p in TRACKERS.rglob("*") if p.is_file() and p.suffix in (".csv", ".log")}
    assert sample_files <= covered
