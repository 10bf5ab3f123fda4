"""carbontracker log trios and eco2ai CSVs: the real files, and hand-made variants."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from reporter.sources import InputFile, detect
from tests.conftest import TRACKERS, run_inputs

CT = TRACKERS / "carbontracker"
RUN_A = CT / "train-a_19099.403342_2026-11-22T062542Z_carbontracker_output.log"
RUN_B = CT / "train-b-earlystop_19330.816560_2026-11-22T062604Z_carbontracker_output.log"
ECO = TRACKERS / "eco2ai" / "emission.csv"
WORLD = 472.94  # Ember 2024 world average, gCO2e/kWh


def test_carbontracker_actual_block_not_predicted() -> None:
    result = run_inputs([RUN_A])
    item = result.items.iloc[0]
    assert item["energy_reported_kwh"] == 0.000329  # the Actual block's Energy line
    assert item["tracker_pue"] == 1.58  # read from the standard log beside it
    assert math.isclose(item["energy_it_kwh"], 0.000329 / 1.58, rel_tol=1e-12)
    assert math.isclose(item["tracker_co2e_kg"], 0.146501 / 1000, rel_tol=1e-12)  # grams in the log
    assert item["duration_s"] == 15.0
    assert str(item["end_time"]) == "2026-11-22 06:25:57"


def test_carbontracker_unknown_location_uses_reported_fallback() -> None:
    item = run_inputs([RUN_A]).items.iloc[0]
    assert item["location_status"] == "fallback" and item["location_key"] == "WORLD"
    assert "location_fallback" in item["flags"]
    assert math.isclose(item["location_based_co2e_kg"], 0.000329 * WORLD / 1000, rel_tol=1e-12)


def test_carbontracker_location_from_input_option() -> None:
    item = run_inputs([{"path": str(RUN_A), "country": "DK"}]).items.iloc[0]
    assert item["country_iso3"] == "DNK" and item["location_status"] == "country"
    assert "location_from_config" in item["flags"]


def test_carbontracker_interrupted_run_trusts_time_not_epoch_count() -> None:
    item = run_inputs([RUN_B]).items.iloc[0]
    assert item["duration_s"] == 8.0 and item["energy_reported_kwh"] == 0.000176
    assert "interrupted" in item["flags"]


def test_carbontracker_companion_logs_count_zero_rows() -> None:
    result = run_inputs([CT])
    by_name = {Path(ledger.path).name: ledger for ledger in result.ledgers}
    assert len(by_name) == 6
    assert by_name[RUN_A.name].rows_read == 1
    companions = [ledger for name, ledger in by_name.items() if not name.endswith("_output.log")]
    assert all(ledger.rows_read == 0 and ledger.notes for ledger in companions)
    assert math.isclose(result.allocated["energy_kwh"].sum(), 0.000329 + 0.000176, rel_tol=1e-12)


def test_carbontracker_unfinished_run_excluded_with_reason(tmp_path: Path) -> None:
    log = tmp_path / "x_1.2_2026-11-02T100000Z_carbontracker_output.log"
    log.write_text(
        "2026-11-02 10:00:00 - CarbonTracker: The following components were found: GPU.\n"
        "2026-11-02 10:05:00 - CarbonTracker: \nPredicted consumption for 3 epoch(s):\n"
        "\tTime:\t0:15:00\n\tEnergy:\t0.5 kWh\n\tCO2eq:\t100.0 g\n"
    )
    result = run_inputs([log])
    ledger = result.ledgers[0]
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (1, 0, 1)
    assert "predicted figures are never used" in ledger.exclusions[0].reason
    assert result.allocated.empty


def test_eco2ai_real_file() -> None:
    source = InputFile.open(ECO)
    assert detect(source).name == "eco2ai"
    result = run_inputs([ECO])
    items = result.items.set_index("source_row")
    assert list(items["country_iso3"]) == ["KOR", "KOR", "FRA"]
    expected_kwh = 0.0001199181015482 + 0.0001199055419848 + 0.00012109243172645908
    assert math.isclose(result.allocated["energy_kwh"].sum(), expected_kwh, rel_tol=1e-12)
    assert items.loc[2, "flags"] == "pue_assumed_default"
    assert math.isclose(items.loc[4, "tracker_co2e_kg"], 8.177371914487781e-06, rel_tol=1e-12)
    assert str(items.loc[2, "start_time"]) == "2026-11-22 06:27:43"


def test_eco2ai_declared_tracker_pue_is_undone() -> None:
    item = run_inputs([{"path": str(ECO), "tracker_pue": 1.25}]).items.iloc[0]
    assert math.isclose(item["energy_it_kwh"], 0.0001199181015482 / 1.25, rel_tol=1e-12)
    assert item["flags"] == ""


def test_eco2ai_old_kwth_header_and_na_cells(tmp_path: Path) -> None:
    path = tmp_path / "emission.csv"
    path.write_text(
        "project_name,experiment_description(model type etc.),start_time,duration(s),"
        "power_consumption(kWTh),CO2_emissions(kg),CPU_name,GPU_name,OS,region/country\n"
        "p,bert,2026-11-03 09:00:00,3600,1.5,N/A,cpu,gpu,Linux,DE\n"
    )
    item = run_inputs([path]).items.iloc[0]
    assert item["energy_kwh"] == 1.5 and item["country_iso3"] == "DEU"
    assert math.isnan(item["tracker_co2e_kg"])


def test_eco2ai_non_numeric_energy_excludes_the_row(tmp_path: Path) -> None:
    path = tmp_path / "emission.csv"
    path.write_text(
        "id,project_name,start_time,duration(s),power_consumption(kWh),region/country\n"
        "a,p,2026-11-03 09:00:00,3600,lots,DE\n"
        "b,p,2026-11-03 10:00:00,3600,0.5,DE\n"
    )
    ledger = run_inputs([path]).ledgers[0]
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (2, 1, 1)
    assert [(e.row, e.reason) for e in ledger.exclusions] == [
        (2, "column 'power_consumption(kWh)': 'lots' is not a number")
    ]


CORPUS = Path(__file__).resolve().parent / "bad_inputs" / "trackers"
ONE_HOST = "above the plausible bound of 50 kW (50 kW for one host"


def _read(name: str):
    source = InputFile.open(CORPUS / name)
    return detect(source).read(source)


@pytest.mark.parametrize(
    ("name", "row", "reason"),
    [
        ("eco2ai_non_numeric_energy.csv", 3, "column 'power_consumption(kWh)': 'abc' is not a number"),
        ("eco2ai_nan_energy.csv", 3, "column 'power_consumption(kWh)': 'nan' is not a number (NaN)"),
        ("eco2ai_inf_energy.csv", 3, "column 'power_consumption(kWh)': 'Infinity' is not a finite number"),
        ("eco2ai_negative_energy.csv", 3, "column 'power_consumption(kWh)': '-0.5' is negative"),
        (
            "eco2ai_end_before_start.csv",
            3,
            "column 'duration(s)': '-3600' is negative: the run would end before it starts",
        ),
        ("eco2ai_bad_timestamp.csv", 3, "column 'start_time': '2026-02-30 11:00:00' is not a timestamp"),
        ("eco2ai_huge_energy.csv", 3, f"energy 1e+308 kWh over 3,600 s is {ONE_HOST}"),
        (
            "eco2ai_zero_duration.csv",
            3,
            f"energy 0.002 kWh over a duration of 0 s: the mean power is unbounded, {ONE_HOST}",
        ),
        ("eco2ai_implausible_power.csv", 3, f"mean power 973 kW over 0.0074 s is {ONE_HOST}"),
        (
            "eco2ai_9999.csv",
            3,
            "column 'duration(s)': 3600 s after 9999-12-31 23:59:00 is outside the years 1 to 9999",
        ),
        ("ct_non_numeric_energy_carbontracker_output.log", 3, "column 'Energy': 'Actual consumption' block has no"),
        ("ct_nan_energy_carbontracker_output.log", 3, "column 'Energy': 'Actual consumption' block has no"),
        ("ct_negative_energy_carbontracker_output.log", 5, "column 'Energy': '-0.5' is negative"),
        ("ct_bad_timestamp_carbontracker_output.log", 3, "'2026-13-45 10:00:00' is not a timestamp"),
        ("ct_huge_energy_carbontracker_output.log", 3, f"energy 1e+308 kWh over 3,600 s is {ONE_HOST}"),
        ("ct_zero_duration_carbontracker_output.log", 3, "energy 0.002 kWh over a duration of 0 s"),
        ("ct_implausible_power_carbontracker_output.log", 3, f"mean power 60 kW over 3,600 s is {ONE_HOST}"),
        (
            "ct_before_year_1_carbontracker_output.log",
            3,
            "column 'Time': 3600 s before 0001-01-01 00:30:00 is outside the years 1 to 9999",
        ),
        ("ct_crashed_carbontracker_output.log", 2, "run did not finish: no 'Actual consumption' block (the log"),
    ],
)
def test_corpus_row_is_excluded_with_its_reason(name: str, row: int, reason: str) -> None:
    result = _read(name)
    assert [(e.row, e.reason[: len(reason)]) for e in result.exclusions] == [(row, reason)]
    assert result.rows_read == len(result.readings) + 1


def test_corpus_eco2ai_offset_and_1970_are_read() -> None:
    starts = {r.run_id: str(r.start_time) for r in _read("eco2ai_utc_offset.csv").readings.itertuples()}
    assert starts["offset"] == "2026-11-02 11:00:00"  # "2026-11-02 11:00:00+05:30": the stated wall clock
    starts = {r.run_id: str(r.start_time) for r in _read("eco2ai_9999.csv").readings.itertuples()}
    assert starts["epoch"] == "1970-01-01 00:00:00"


def test_corpus_carbontracker_zero_energy_run_and_block_without_epochs() -> None:
    zero = _read("ct_zero_energy_zero_duration_carbontracker_output.log").readings.iloc[0]
    assert zero["energy_reported_kwh"] == 0.0 and zero["duration_s"] == 0.0
    plain = _read("ct_actual_without_epochs_carbontracker_output.log").readings.iloc[0]
    assert plain["energy_reported_kwh"] == 0.5 and plain["duration_s"] == 3600.0
    assert str(plain["end_time"]) == "2026-11-02 10:00:00"
