"""Aggregation invariants, end to end: synthetic CodeCarbon logs are written to files and run
through input planning, the readers, the pipeline and the report model (hypothesis).

The expected totals are the sums of the energy values written into the files.
"""

from __future__ import annotations

import math
import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporter.factors import load_factor_table
from reporter.pipeline import PipelineResult, run
from reporter.report import build_report
from tests.conftest import make_config

HEADER = "timestamp,project_name,run_id,experiment_id,duration,emissions,energy_consumed,country_iso_code,pue\n"
PROJECTS = ("alpha", "beta", "gamma")
COUNTRIES = ("KOR", "FRA", "USA")

# One run: (day of November 2026, hour, duration in seconds, energy in kWh, project, country).
# Mean power stays under 40 kW, inside the readers' plausibility bound (50 kW per host).
MAX_KW = 40


def _run(duration_s: int) -> st.SearchStrategy[tuple]:
    most_kwh = Decimal(MAX_KW * duration_s) / 3600
    return st.tuples(
        st.integers(2, 27),
        st.integers(0, 23),
        st.just(duration_s),
        st.decimals(min_value=0, max_value=most_kwh, places=6, allow_nan=False, allow_infinity=False),
        st.sampled_from(PROJECTS),
        st.sampled_from(COUNTRIES),
    )


runs = st.lists(st.integers(1, 6 * 3600).flatmap(_run), min_size=1, max_size=25)
FAST = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FACTORS = load_factor_table()


def run_inputs(inputs: list[Path]) -> PipelineResult:
    return run(make_config([str(path) for path in inputs]), FACTORS)


def lines(rows: list[tuple], first_id: int = 0) -> list[str]:
    return [
        f"2026-11-{day:02d}T{hour:02d}:00:00,{project},run-{first_id + i},exp,{duration},0,{energy},{country},1.0\n"
        for i, (day, hour, duration, energy, project, country) in enumerate(rows)
    ]


@contextmanager
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="agg-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def write(path: Path, body: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(body), encoding="utf-8")
    return path


def written_total(rows: list[tuple]) -> float:
    return float(sum(energy for _, _, _, energy, _, _ in rows))


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def by_project(result: PipelineResult) -> dict[str, float]:
    return {str(key): float(value) for key, value in result.allocated.groupby("project")["energy_kwh"].sum().items()}


@FAST
@given(runs)
def test_group_totals_add_up_to_the_written_total(rows: list[tuple]) -> None:
    with folder() as tmp:
        result = run_inputs([write(tmp / "emissions.csv", lines(rows))])
        report = build_report(result)
    expected = written_total(rows)
    assert close(report.totals.energy_kwh, expected)
    for dimension, entries in report.to_dict()["breakdowns"].items():
        assert close(sum(entry["energy_kwh"] for entry in entries), expected), dimension
    for project in PROJECTS:
        wanted = float(sum(r[3] for r in rows if r[4] == project))
        assert close(by_project(result).get(project, 0.0), wanted)
    ledger = result.ledgers[0]
    assert ledger.rows_read == len(rows) == ledger.rows_used + ledger.rows_excluded


@FAST
@given(runs, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows: list[tuple], shuffle: random.Random) -> None:
    body = lines(rows)
    shuffled = list(body)
    shuffle.shuffle(shuffled)
    with folder() as tmp:
        first = run_inputs([write(tmp / "a" / "emissions.csv", body)])
        second = run_inputs([write(tmp / "b" / "emissions.csv", shuffled)])
    assert close(first.allocated["energy_kwh"].sum(), second.allocated["energy_kwh"].sum())
    assert by_project(first).keys() == by_project(second).keys()
    for project, energy in by_project(first).items():
        assert close(energy, by_project(second)[project])


@FAST
@given(runs, st.integers(0, 25))
def test_splitting_an_input_into_two_files_gives_the_same_totals(rows: list[tuple], cut: int) -> None:
    body = lines(rows)
    cut = min(cut, len(body))
    with folder() as tmp:
        whole = run_inputs([write(tmp / "whole" / "emissions.csv", body)])
        write(tmp / "split" / "part-1.csv", body[:cut])
        write(tmp / "split" / "part-2.csv", body[cut:])
        parts = run_inputs([tmp / "split"])
    assert close(parts.allocated["energy_kwh"].sum(), written_total(rows))
    assert close(parts.allocated["energy_kwh"].sum(), whole.allocated["energy_kwh"].sum())
    assert sum(ledger.rows_read for ledger in parts.ledgers) == len(rows)


@FAST
@given(runs, st.sampled_from(["copy.csv", "other/emissions.csv", "z/backup-run.csv"]))
def test_the_same_file_twice_is_read_once(rows: list[tuple], copy_name: str) -> None:
    with folder() as tmp:
        original = write(tmp / "data" / "emissions.csv", lines(rows))
        copy = tmp / "data" / copy_name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(original, copy)
        alone = run_inputs([original])
        both = run_inputs([tmp / "data"])
    assert close(both.allocated["energy_kwh"].sum(), alone.allocated["energy_kwh"].sum())
    assert close(both.allocated["energy_kwh"].sum(), written_total(rows))
    assert len(both.ledgers) == 1
    assert [reason.split(" (sha256")[0] for _, reason in both.skipped] == [f"same content as {both.ledgers[0].path}"]
