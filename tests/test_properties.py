"""Invariants of the core, checked on generated runs (hypothesis)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from reporter.config import parse_period
from reporter.core import aggregate
from reporter.core.energy import apply_pue
from reporter.core.period import month_parts, month_shares
from reporter.core.reconcile import deduplicate_runs

BASE = datetime(2026, 1, 1)

runs = st.lists(
    st.tuples(
        st.integers(0, 400 * 24 * 60),  # end, minutes after 2026-01-01
        st.floats(0, 90 * 24 * 3600, allow_nan=False),  # duration_s
        st.floats(0, 1e4, allow_nan=False),  # energy kWh
        st.floats(1.0, 2.0, allow_nan=False),  # tracker PUE
        st.sampled_from(["a", "b", "c"]),  # team
    ),
    min_size=1,
    max_size=30,
)
periods = st.sampled_from(["2026-01", "2026-02..2026-06", "2026", "2025-12..2027-01", "2026-03-15..2026-04-10"])


def frame(rows: list[tuple[int, float, float, float, str]]) -> pd.DataFrame:
    ends = [BASE + timedelta(minutes=m) for m, *_ in rows]
    data = pd.DataFrame(
        {
            "source_format": "codecarbon",
            "source_file": "f.csv",
            "source_row": range(2, len(rows) + 2),
            "run_id": [f"r{i}" for i in range(len(rows))],
            "method": "measured",
            "end_time": ends,
            "start_time": [e - timedelta(seconds=d) for e, (_, d, *__) in zip(ends, rows, strict=True)],
            "duration_s": [r[1] for r in rows],
            "energy_reported_kwh": [r[2] for r in rows],
            "tracker_pue": [r[3] for r in rows],
            "team": [r[4] for r in rows],
            "flags": "",
        }
    )
    items = apply_pue(data, None)
    items["energy_kwh_low"] = items["energy_kwh"] * 0.9
    items["energy_kwh_high"] = items["energy_kwh"] * 1.2
    for suffix in ("", "_low", "_high"):
        items[f"location_based_co2e_kg{suffix}"] = items[f"energy_kwh{suffix or ''}"] * 0.4
    items["embodied_co2e_kg"] = items["energy_kwh"] * 0.01
    return items


@settings(max_examples=150, deadline=None)
@given(runs, periods)
def test_conservation_months_breakdowns_and_totals(rows, period_text) -> None:
    items = frame(rows)
    period = parse_period(period_text)
    shares = month_shares(items, period)
    allocated = aggregate.allocate(items, shares)
    total = aggregate.totals(allocated)["energy_kwh"]
    monthly = aggregate.by_month(allocated, period.months())["energy_kwh"].sum()
    by_team = aggregate.by_dimension(allocated, "team")["energy_kwh"].sum()
    expected = (items["energy_kwh"] * aggregate.in_period_share(items, shares)).sum()
    for value in (monthly, by_team):
        assert math.isclose(value, total, rel_tol=1e-9, abs_tol=1e-9)
    sums = aggregate.totals(allocated)
    assert sums["energy_kwh_low"] <= total + 1e-9 and total <= sums["energy_kwh_high"] + 1e-9
    assert math.isclose(total, expected, rel_tol=1e-9, abs_tol=1e-9)
    assert set(shares["month"]) <= set(period.months())


@settings(max_examples=150, deadline=None)
@given(runs, periods)
def test_shares_are_fractions_and_whole_runs_inside_count_fully(rows, period_text) -> None:
    items = frame(rows)
    period = parse_period(period_text)
    share = aggregate.in_period_share(items, month_shares(items, period))
    assert ((share >= 0) & (share <= 1 + 1e-12)).all()
    inside = (items["start_time"] >= period.start_time) & (items["end_time"] < period.end_time)
    assert (share[inside] > 1 - 1e-9).all()
    before = items["end_time"] < period.start_time
    assert (share[before] == 0).all()


@settings(max_examples=150, deadline=None)
@given(runs, periods, st.lists(st.integers(0, 29), max_size=5))
def test_column_wise_month_shares_equal_the_run_by_run_specification(rows, period_text, no_start) -> None:
    items = frame(rows).set_axis([f"r{i}" for i in range(len(rows))])
    items.loc[[f"r{i}" for i in no_start if i < len(rows)], "start_time"] = pd.NaT
    period = parse_period(period_text)
    shares = month_shares(items, period)
    expected = [
        (record, month, share)
        for record, start, end in zip(items.index, items["start_time"], items["end_time"], strict=True)
        for month, share in month_parts(start, end, period)
    ]
    assert list(zip(shares["record"], shares["month"], strict=True)) == [(r, m) for r, m, _ in expected]
    assert all(
        math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15)
        for got, (_, _, want) in zip(shares["share"], expected, strict=True)
    )


@settings(max_examples=100, deadline=None)
@given(runs)
def test_pue_policy_round_trips_and_is_never_applied_twice(rows) -> None:
    items = frame(rows)
    assert all(
        math.isclose(it * pue, rep, rel_tol=1e-12, abs_tol=1e-12)
        for it, pue, rep in zip(items["energy_it_kwh"], items["tracker_pue"], items["energy_reported_kwh"], strict=True)
    )
    facility = apply_pue(items[["energy_reported_kwh", "tracker_pue"]], 1.3)
    assert all(
        math.isclose(f, it * 1.3, rel_tol=1e-12, abs_tol=1e-12)
        for f, it in zip(facility["energy_kwh"], items["energy_it_kwh"], strict=True)
    )


@settings(max_examples=100, deadline=None)
@given(runs, st.randoms(use_true_random=False))
def test_dedup_is_idempotent_and_order_free(rows, rng) -> None:
    items = frame(rows)
    doubled = pd.concat([items, items.assign(source_file="copy.csv")], ignore_index=True)
    once, _ = deduplicate_runs(items)
    twice, excluded = deduplicate_runs(doubled)
    assert len(twice) == len(once) == len(items)
    assert sum(len(v) for v in excluded.values()) == len(items)
    shuffled = doubled.sample(frac=1.0, random_state=rng.randint(0, 10_000))
    again, _ = deduplicate_runs(shuffled)
    assert math.isclose(again["energy_kwh"].sum(), once["energy_kwh"].sum(), rel_tol=1e-12, abs_tol=1e-12)
