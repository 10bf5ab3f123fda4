"""The demo report's headline figures, recomputed independently from the raw files.

Plain csv/regex reading and hand-typed published factors (Ember 2024 country averages, EPA
eGRID2023 Virginia, Google's 2024 europe-west1 figure), none of the package's code or data.
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from reporter.config import load_config
from reporter.pipeline import run
from tests.conftest import SAMPLES

ACME = SAMPLES / "synthetic-acme"
TRACKERS = SAMPLES / "trackers"
G_PER_KWH = {
    "KOR": 415.65,  # Ember 2024
    "FRA": 44.18,  # Ember 2024
    "DEU": 342.06,  # Ember 2024
    "IRL": 279.79,  # Ember 2024
    "US-VA": 539.599 * 0.45359237,  # eGRID2023 Virginia, lb/MWh -> g/kWh
    "gcp:europe-west1": 103.37,  # Google 2024
    "WORLD": 472.94,  # Ember 2024 world
}


def codecarbon_energy(*paths: Path) -> float:
    """Sum of energy_consumed, one row per run_id (the longest), across the given files."""
    best: dict[str, tuple[float, float]] = {}
    for path in paths:
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                duration, energy = float(row["duration"]), float(row["energy_consumed"])
                if row["run_id"] not in best or duration > best[row["run_id"]][0]:
                    best[row["run_id"]] = (duration, energy)
    return sum(energy for _, energy in best.values())


def eco2ai_energy(path: Path) -> float:
    with path.open(newline="") as handle:
        return sum(float(row["power_consumption(kWh)"]) for row in csv.DictReader(handle))


def carbontracker_energy(folder: Path) -> float:
    total = 0.0
    for log in folder.glob("*_carbontracker_output.log"):
        actual = log.read_text().split("Actual consumption")[1]
        total += float(re.search(r"Energy:\s*([0-9.]+) kWh", actual).group(1))  # type: ignore[union-attr]
    return total


def expected_by_location() -> dict[str, float]:
    seoul = ACME / "research" / "seoul-h100"
    kwh = {
        "KOR": codecarbon_energy(seoul / "emissions.csv", seoul / "emissions.csv.bak"),
        "US-VA": codecarbon_energy(ACME / "research" / "virginia-a100" / "emissions.csv")
        + codecarbon_energy(ACME / "platform" / "aws-us-east-1" / "emissions.csv"),
        "IRL": codecarbon_energy(ACME / "platform" / "dublin-onprem" / "emissions.csv"),
        "gcp:europe-west1": codecarbon_energy(ACME / "platform" / "gcp-europe-west1" / "emissions.csv"),
        "FRA": eco2ai_energy(ACME / "applied" / "paris-eco2ai" / "emission.csv")
        + carbontracker_energy(ACME / "applied" / "paris-carbontracker"),
        "DEU": eco2ai_energy(ACME / "applied" / "munich-eco2ai" / "emission.csv"),
    }
    # The real sample logs: KOR/FRA runs of CodeCarbon and eco2ai, carbontracker with no location.
    real_kor_fra = {"KOR": 0.0, "FRA": 0.0}
    for path in (TRACKERS / "codecarbon" / "emissions.csv", TRACKERS / "codecarbon-3.3.0-append-bug" / "emissions.csv"):
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        for country in real_kor_fra:
            real_kor_fra[country] += codecarbon_energy_rows([r for r in rows if r["country_iso_code"] == country])
    for name in ("emission.csv", "emission-truncated-by-crash.csv"):
        with (TRACKERS / "eco2ai" / name).open(newline="") as handle:
            for row in csv.DictReader(handle):
                real_kor_fra["KOR" if row["region/country"] == "KR" else "FRA"] += float(row["power_consumption(kWh)"])
    kwh["KOR"] += real_kor_fra["KOR"]
    kwh["FRA"] += real_kor_fra["FRA"]
    kwh["FRA"] -= paris_node_set_aside_kwh()
    kwh["WORLD"] = carbontracker_energy(TRACKERS / "carbontracker")
    return kwh


def dcgm_window() -> tuple[datetime, datetime, float]:
    """The Paris node's DCGM counter: first and last sample in Paris time, and its energy in kWh."""
    response = json.loads((ACME / "gpu-counters" / "paris-ft-node-01-dcgm.json").read_text())
    (series,) = response["data"]["result"]
    values = [(float(t), float(v)) for t, v in series["values"]]
    assert all(b[1] >= a[1] for a, b in zip(values, values[1:], strict=False))  # no reset: last - first
    paris = ZoneInfo("Europe/Paris")
    start, end = (datetime.fromtimestamp(values[i][0], tz=paris).replace(tzinfo=None) for i in (0, -1))
    return start, end, (values[-1][1] - values[0][1]) / 3.6e9  # mJ -> kWh


def paris_node_set_aside_kwh() -> float:
    """The carbontracker run of 2026-10-07 on the Paris node: the share of its hours the node's DCGM
    counter (metered, kept first) also covers, times its energy (evenly spread over its hours)."""
    log = next((ACME / "applied" / "paris-carbontracker").glob("ft-support-bot_*2026-10-07*_output.log")).read_text()
    times = [
        datetime.strptime(t, "%Y-%m-%d %H:%M:%S") for t in re.findall(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", log, re.M)
    ]
    run_start, run_end = times[0], times[-1]
    energy = float(re.search(r"Energy:\s*([0-9.]+) kWh", log.split("Actual consumption")[1]).group(1))  # type: ignore[union-attr]
    counter_start, counter_end, _ = dcgm_window()
    overlap_s = (min(run_end, counter_end) - max(run_start, counter_start)).total_seconds()
    return energy * overlap_s / (run_end - run_start).total_seconds()


def test_demo_dcgm_counter_is_kept_and_the_tracker_overlap_set_aside() -> None:
    result = run(load_config(SAMPLES / "report.toml"))
    items = result.items
    dcgm = items[items["source_format"] == "prometheus_energy"]
    start, end, kwh = dcgm_window()
    # 18:00 to 24:00 Paris time (16:00 to 22:00 UTC); the run: 16:55:40 to 21:52:00 Paris time, so
    # 13,920 s of its 17,780 s are the counter's: 3.505495 kWh x 13,920 / 17,780 = 2.74446 kWh set aside.
    assert (str(start), str(end)) == ("2026-10-07 18:00:00", "2026-10-08 00:00:00")
    assert math.isclose(dcgm["energy_kwh"].sum(), kwh, rel_tol=1e-12)
    assert set(dcgm["host"]) == {"paris-ft-node-01"} and set(dcgm["method"]) == {"metered"}
    assert math.isclose(paris_node_set_aside_kwh(), 3.505495 * 13_920 / 17_780, rel_tol=1e-12)
    run_row = items[items["run_id"].str.startswith("ft-support-bot_19457")].iloc[0]
    assert math.isclose(run_row["energy_reported_kwh"], 3.505495 - paris_node_set_aside_kwh(), rel_tol=1e-9)
    assert "overlap_set_aside" in run_row["flags"]
    hostless = [note for ledger in result.ledgers for note in ledger.notes if "name no host" in note]
    assert len(hostless) == 1 and " files, this one and " in hostless[0]


def codecarbon_energy_rows(rows: list[dict[str, str]]) -> float:
    best: dict[str, tuple[float, float]] = {}
    for row in rows:
        duration, energy = float(row["duration"]), float(row["energy_consumed"])
        if row["run_id"] not in best or duration > best[row["run_id"]][0]:
            best[row["run_id"]] = (duration, energy)
    return sum(e for _, e in best.values())


def test_demo_tracker_totals_match_an_independent_recomputation() -> None:
    result = run(load_config(SAMPLES / "report.toml"))
    kwh = expected_by_location()
    expected_kwh = sum(kwh.values())
    expected_t = sum(kwh[k] * G_PER_KWH[k] for k in kwh) / 1e6
    actual = result.allocated[result.allocated["method"] == "measured"]
    assert math.isclose(actual["energy_kwh"].sum(), expected_kwh, rel_tol=1e-9)
    assert math.isclose(actual["location_based_co2e_kg"].sum() / 1000, expected_t, rel_tol=1e-9)
    by_location = actual.groupby("location_key")["energy_kwh"].sum().to_dict()
    for key, value in kwh.items():
        assert math.isclose(by_location[key], value, rel_tol=1e-9), key


def test_demo_ledger_balances_for_every_input() -> None:
    result = run(load_config(SAMPLES / "report.toml"))
    for ledger in result.ledgers:
        assert ledger.rows_read == ledger.rows_used + ledger.rows_excluded
        assert all(e.reason for e in ledger.exclusions)
    # Usage rows become line items; a provider's carbon export is used as control totals.
    provided = 0 if result.provider_emissions is None else len(result.provider_emissions)
    assert sum(ledger.rows_used for ledger in result.ledgers) == int(result.items["row_count"].sum()) + provided
    assert provided == 30  # the synthetic AWS export: 3 accounts x 10 months, all inside 2026


def test_demo_bill_p5_hours_at_the_hand_worked_rate() -> None:
    """The synthetic CUR's p5.48xlarge hours, summed with pyarrow, times the hand-worked hourly figure.

    p5.48xlarge, default model, 1 h: 192 vCPU Sapphire Rapids at 50 % (231.64 W) + 8 x H100 SXM at
    50 % between 60 and 700 W (8 x 380 = 3,040 W) + memory above the per-chip baseline (695.30 W)
    = 3,966.94 W -> 3.96694 kWh IT; x AWS us-east-1 PUE 1.15 = 4.56198 kWh.
    """
    import pyarrow.parquet as pq

    table = pq.read_table(ACME / "cloud-bills" / "aws-cur2-2026.parquet").to_pylist()
    hours = sum(
        r["line_item_usage_amount"]
        for r in table
        if r["line_item_usage_type"] == "USE1-BoxUsage:p5.48xlarge"
        and r["line_item_line_item_type"] in ("Usage", "SavingsPlanCoveredUsage", "DiscountedUsage")
    )
    result = run(load_config(SAMPLES / "report.toml"))
    p5 = result.allocated[result.allocated["instance_type"] == "p5.48xlarge"]
    assert hours > 0
    assert math.isclose(p5["energy_kwh"].sum(), hours * 3.96694 * 1.15, rel_tol=1e-4)
    assert set(p5["scope"]) == {"scope3_cat1"} and set(p5["team"]) == {"research"}
