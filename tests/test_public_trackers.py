"""Public tracker files other projects wrote: crashed and finished carbontracker runs, eco2ai
locations written as `CC/Region`, a CodeCarbon file with interleaved-write corruption, and rows
whose mean power is implausible. Expected figures come from the files' own text."""

from __future__ import annotations

import csv
import math
from datetime import datetime
from pathlib import Path

import pytest

from reporter.errors import ConfigError
from reporter.sources import InputFile, detect
from tests.conftest import SHARED_SAMPLES, make_config, run_inputs

PUBLIC = SHARED_SAMPLES / "public"
CT = PUBLIC / "carbontracker"
FINISHED = CT / "34014.419685_2026-05-27T174840Z_carbontracker_output.log"
CRASHED = CT / "33340.202176_2026-05-27T174628Z_carbontracker_output.log"
SILENT = CT / "33447.772679_2026-05-27T174711Z_carbontracker_output.log"
KP = PUBLIC / "eco2ai" / "kp-156_emission.csv"
SOPHIA = PUBLIC / "eco2ai" / "fed-sophia_emission.csv"
LIB = PUBLIC / "eco2ai" / "eco2ai-lib_emission.csv"
BIGSCIENCE = PUBLIC / "codecarbon" / "bigscience_emissions_v2.csv"

pytestmark = pytest.mark.skipif(not PUBLIC.is_dir(), reason="shared public samples not present")


def _ledger(result, path: Path):
    return next(ledger for ledger in result.ledgers if Path(ledger.path).name == path.name)


# carbontracker -----------------------------------------------------------------------------


def test_actual_block_without_epoch_count_is_read() -> None:
    # The output log: "2026-05-27 17:48:41 - CarbonTracker: " / "Actual consumption:" /
    # "Time: 0:00:00" / "Energy: 0.000000000000 kWh" / "CO2eq: 0.000000000000 g".
    result = run_inputs([FINISHED], period="2026-05")
    ledger = _ledger(result, FINISHED)
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (1, 1, 0)
    item = result.items.iloc[0]
    assert item["energy_reported_kwh"] == 0.0 and item["duration_s"] == 0.0
    assert item["tracker_co2e_kg"] == 0.0
    assert str(item["end_time"]) == "2026-05-27 17:48:41" == str(item["start_time"])
    # The standard log beside it: "PUE coefficient of 1.58", "carbontracker version 2.4.4",
    # "at detected location Copenhagen, Capital Region, DK: [143.30042]".
    assert item["tracker_pue"] == 1.58 and item["tool_version"] == "2.4.4"
    assert item["country_iso3"] == "DNK" and item["location_status"] == "country"
    assert "pue_assumed_default" not in item["flags"]


def test_crashed_runs_are_excluded_and_the_folder_is_read() -> None:
    result = run_inputs([CT], period="2026-05")
    assert len(result.ledgers) == 9  # three runs, three logs each
    crashed, silent = _ledger(result, CRASHED), _ledger(result, SILENT)
    assert (crashed.rows_read, crashed.rows_used, crashed.rows_excluded) == (1, 0, 1)
    assert (silent.rows_read, silent.rows_used, silent.rows_excluded) == (1, 0, 1)
    # The crashed output log's traceback starts on its line 2 and ends with the PermissionError.
    assert crashed.exclusions[0].row == 2
    assert crashed.exclusions[0].reason == (
        "run did not finish: no 'Actual consumption' block (the log ends with a traceback: "
        "PermissionError: [Errno 1] Operation not permitted: 'sudo')"
    )
    assert silent.exclusions[0].reason == "run did not finish: no 'Actual consumption' block"
    assert sum(ledger.rows_read for ledger in result.ledgers) == 3
    assert sum(ledger.rows_used for ledger in result.ledgers) == 1
    assert result.allocated["energy_kwh"].sum() == 0.0


def test_a_file_that_is_not_a_carbontracker_log_stays_an_error() -> None:
    from reporter.errors import InputFormatError
    from reporter.sources import reader_for

    source = InputFile.open(KP)
    with pytest.raises(InputFormatError, match="not a carbontracker log"):
        reader_for("carbontracker").read(source)


# eco2ai --------------------------------------------------------------------------------------


def test_eco2ai_country_slash_region_without_parentheses() -> None:
    result = run_inputs([KP], period="2023-11")
    item = result.items.iloc[0]  # region/country "IN/Delhi"
    assert item["country_iso3"] == "IND" and item["location_status"] == "country"
    assert "location_fallback" not in item["flags"] and "unknown_country" not in item["flags"]
    assert item["energy_reported_kwh"] == 0.001852887875604317


def test_eco2ai_us_location_uses_the_state() -> None:
    result = run_inputs([SOPHIA], period="2023-10")
    items = result.items  # region/country "US/Iowa" in all three rows
    assert set(items["country_iso3"]) == {"USA"} and set(items["location_key"]) == {"US-IA"}
    expected_kwh = 0.0138430122689666 + 0.2968423997156947 + 0.016650459388936778
    assert math.isclose(result.allocated["energy_kwh"].sum(), expected_kwh, rel_tol=1e-12)


def test_implausible_mean_power_is_excluded_with_its_reason() -> None:
    # 0.002 kWh in 0.007401227951049805 s (the file's own cells); no GPU ("CPU 0 device(s)").
    power_kw = 0.002 * 3600 / 0.007401227951049805
    assert 972 < power_kw < 973.5
    ledger = run_inputs([LIB], period="2026-10").ledgers[0]
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (1, 0, 1)
    assert ledger.exclusions[0].row == 2
    assert ledger.exclusions[0].reason == (
        "mean power 973 kW over 0.0074 s is above the plausible bound of 50 kW "
        "(50 kW for one host; set [limits] max_host_kw / max_gpu_kw to change it)"
    )


def test_limits_section_raises_the_bound_and_the_location_is_read() -> None:
    result = run_inputs([LIB], period="2026-10", limits={"max_host_kw": 1000})
    assert result.ledgers[0].rows_used == 1
    item = result.items.iloc[0]  # region/country "CH/Ticino"
    assert item["country_iso3"] == "CHE" and item["region"] == "Ticino"
    assert item["energy_reported_kwh"] == 0.002
    assert item["hardware"] == "CPU/1 device(s), TDP:45 method:tdp"  # GPU_name "CPU 0 device(s)": no GPU


def test_an_inputs_own_limit_wins_over_the_limits_section() -> None:
    config = make_config([{"path": str(LIB), "max_host_kw": 10}], limits={"max_host_kw": 1000, "max_gpu_kw": 3})
    assert (config.inputs[0].max_host_kw, config.inputs[0].max_gpu_kw) == (10, 3)


@pytest.mark.parametrize("key", ["max_host_kw", "max_gpu_kw"])
def test_limits_must_not_be_negative(key: str) -> None:
    with pytest.raises(ConfigError, match=rf"'limits.{key}': Input should be greater than or equal to 0"):
        make_config([str(LIB)], limits={key: -1})


def test_gpu_allowance_counts_the_rows_gpus(tmp_path: Path) -> None:
    path = tmp_path / "emissions.csv"
    path.write_text(
        "timestamp,run_id,project_name,duration,emissions,energy_consumed,country_iso_code,gpu_count\n"
        "2026-11-02T10:00:00,eight,p,3600,1,65.9,KOR,8\n"  # 65.9 kW < 50 + 2 × 8 = 66 kW
        "2026-11-02T10:00:00,none,p,3600,1,50.1,KOR,\n"  # 50.1 kW > 50 kW, GPU count unknown
    )
    ledger = run_inputs([path]).ledgers[0]
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (2, 1, 1)
    assert ledger.exclusions[0].row == 3
    assert ledger.exclusions[0].reason.startswith(
        "mean power 50.1 kW over 3,600 s is above the plausible bound of 50 kW"
    )
    raised = run_inputs([path], limits={"max_gpu_kw": 1}).ledgers[0]  # 50 + 1 × 8 = 58 kW
    assert [e.row for e in raised.exclusions] == [2, 3]
    assert "(50 kW for one host + 1 kW × 8 GPU(s);" in raised.exclusions[0].reason


# CodeCarbon with corrupted rows ---------------------------------------------------------------


def _parses(cells: list[str], header: list[str]) -> bool:
    """An independent check: the row's timestamp, duration and energy are all readable."""
    values = dict(zip(header, cells, strict=False))
    try:
        datetime.strptime(values["timestamp"], "%Y-%m-%dT%H:%M:%S")
        numbers = [float(values["duration"]), float(values["energy_consumed"]), float(values["emissions"])]
    except (KeyError, ValueError):
        return False
    return all(math.isfinite(n) and n >= 0 for n in numbers)


def test_corrupted_codecarbon_rows_are_excluded_and_the_rest_read() -> None:
    with BIGSCIENCE.open(newline="", encoding="utf-8") as handle:
        records = [cells for cells in csv.reader(handle) if cells]
    header, body = records[0], records[1:]
    good = [dict(zip(header, cells, strict=True)) for cells in body if _parses(cells, header)]
    assert (len(body), len(good)) == (3666, 3020)  # 3,020 good rows, as the file's source notes say
    longest: dict[str, dict[str, str]] = {}
    for row in good:
        if row["run_id"] not in longest or float(row["duration"]) > float(longest[row["run_id"]]["duration"]):
            longest[row["run_id"]] = row
    expected_kwh = sum(float(row["energy_consumed"]) for row in longest.values())
    assert len(longest) == 4

    result = run_inputs([BIGSCIENCE], period="2022-05")
    ledger = result.ledgers[0]
    assert ledger.rows_read == 3666 == ledger.rows_used + ledger.rows_excluded
    assert ledger.rows_used == 4  # one row per run: the other 3,016 good rows are superseded flushes
    unreadable = [e for e in ledger.exclusions if not e.reason.startswith("superseded")]
    assert len(unreadable) == 3666 - 3020
    by_row = {e.row: e.reason for e in unreadable}
    assert by_row[84] == "column 'timestamp': 'ne' is not a timestamp"  # line 84 is "ne,N,,,…"
    assert math.isclose(result.allocated["energy_kwh"].sum(), expected_kwh, rel_tol=1e-12)


def test_codecarbon_corrupted_file_is_detected() -> None:
    assert detect(InputFile.open(BIGSCIENCE)).name == "codecarbon"
