"""CodeCarbon emissions.csv: the real 3.3.2 file and the real 3.3.0 shifted-row file."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from reporter.errors import InputFormatError
from reporter.sources import InputFile, detect
from tests.conftest import TRACKERS, run_inputs

CC = TRACKERS / "codecarbon" / "emissions.csv"
SHIFTED = TRACKERS / "codecarbon-3.3.0-append-bug" / "emissions.csv"

# energy_consumed (kWh) per data row of the real 3.3.2 file, copied from the file itself.
ENERGY_BY_ROW = {
    2: 0.00013024109644325384,  # llm-finetune-a, KOR
    3: 0.00014368576849161695,  # llm-finetune-b, KOR
    4: 0.00017579317416132343,  # inference-svc, KOR, pue 1.2
    5: 0.0001239376577397493,  # fra-baseline, FRA
    6: 9.598245488870311e-05,  # process-mode, KOR
    7: 5.9733330700933725e-05,  # flush-demo first flush (cumulative, superseded)
    8: 0.00011995377361197072,  # flush-demo final row
}
KOR, FRA = 415.65, 44.18  # Ember 2024, gCO2e/kWh


def read(path: Path):
    source = InputFile.open(path)
    reader = detect(source)
    return reader, reader.read(source)


def test_detected_and_every_row_read() -> None:
    reader, result = read(CC)
    assert reader.name == "codecarbon"
    assert result.rows_read == 7
    assert list(result.readings["source_row"]) == list(ENERGY_BY_ROW)
    assert list(result.readings["energy_reported_kwh"]) == list(ENERGY_BY_ROW.values())


def test_pue_and_timestamps_from_named_columns() -> None:
    _, result = read(CC)
    row = result.readings.set_index("source_row").loc[4]
    assert row["tracker_pue"] == 1.2
    assert row["project"] == "inference-svc"
    assert str(row["end_time"]) == "2026-11-22 06:23:07"
    assert math.isclose((row["end_time"] - row["start_time"]).total_seconds(), 20.003145560999997, abs_tol=1e-6)


def test_flushed_run_counted_once_with_its_longest_row() -> None:
    result = run_inputs([CC])
    ledger = result.ledgers[0]
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (7, 6, 1)
    assert ledger.exclusions[0].row == 7
    assert "superseded" in ledger.exclusions[0].reason and "row 8" in ledger.exclusions[0].reason
    expected = sum(v for r, v in ENERGY_BY_ROW.items() if r != 7)
    assert math.isclose(result.allocated["energy_kwh"].sum(), expected, rel_tol=1e-12)
    assert math.isclose(expected, 0.000790, abs_tol=5e-7)  # the research note's hand total


def test_location_based_emissions_recomputed_from_kwh() -> None:
    result = run_inputs([CC])
    fra = ENERGY_BY_ROW[5]
    kor = sum(v for r, v in ENERGY_BY_ROW.items() if r not in (5, 7))
    expected_kg = (kor * KOR + fra * FRA) / 1000
    assert math.isclose(result.allocated["location_based_co2e_kg"].sum(), expected_kg, rel_tol=1e-12)


def test_facility_pue_replaces_the_trackers() -> None:
    result = run_inputs([CC], facility={"pue": 1.5})
    items = result.items.set_index("source_row")
    assert math.isclose(items.loc[4, "energy_it_kwh"], ENERGY_BY_ROW[4] / 1.2, rel_tol=1e-12)
    assert math.isclose(items.loc[4, "energy_kwh"], ENERGY_BY_ROW[4] / 1.2 * 1.5, rel_tol=1e-12)
    assert math.isclose(items.loc[2, "energy_kwh"], ENERGY_BY_ROW[2] * 1.5, rel_tol=1e-12)
    assert set(items["pue_basis"]) == {"facility (configuration)"}


def test_shifted_rows_keep_energy_and_are_flagged() -> None:
    _, result = read(SHIFTED)
    frame = result.readings.set_index("source_row")
    assert result.rows_read == 3
    assert frame.loc[2, "flags"] == ""
    assert frame.loc[3, "flags"] == "shifted_fields" and frame.loc[4, "flags"] == "shifted_fields"
    assert frame.loc[3, "energy_reported_kwh"] == 3.6566395505403014e-05
    assert frame.loc[4, "energy_reported_kwh"] == 3.599124290004566e-05
    assert frame.loc[4, "country_code"] == "FRA"
    assert frame.loc[3, "tracker_pue"] == 1.0  # recovered from the right-aligned tail
    assert frame.loc[3, "region"] is None and frame.loc[3, "tool_version"] is None
    assert any("fewer fields than the header" in note for note in result.notes)


def test_old_v1_header_uses_experiment_id_as_run(tmp_path: Path) -> None:
    path = tmp_path / "emissions.csv"
    path.write_text(
        "timestamp,experiment_id,project_name,duration,emissions,energy_consumed,country_name,"
        "country_iso_code,region,on_cloud,cloud_provider,cloud_region\n"
        "2021-03-01T10:00:00,aaa,proj,3600,0.5,1.0,Germany,DEU,,N,,\n"
        "2021-03-01T11:00:00,aaa,proj,7200,1.0,2.0,Germany,DEU,,N,,\n"
        "2021-03-01T12:00:00,bbb,proj,60,0.1,0.25,Germany,DEU,,N,,\n"
    )
    result = run_inputs([path], period="2021-03")
    assert result.ledgers[0].rows_excluded == 1
    assert math.isclose(result.allocated["energy_kwh"].sum(), 2.25)


def test_columns_found_by_name_in_any_order(tmp_path: Path) -> None:
    path = tmp_path / "emissions.csv"
    path.write_text(
        "energy_consumed,run_id,duration,timestamp,emissions,project_name,country_iso_code,pue\n"
        "2.0,r1,3600,2026-11-02T10:00:00,0.8,p,KOR,1.25\n"
    )
    item = run_inputs([path]).items.iloc[0]
    assert item["energy_it_kwh"] == 2.0 / 1.25 and item["country_iso3"] == "KOR"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("2026-11-02T10:00:00,r1,p,3600,0.1,abc,KOR\n", "column 'energy_consumed': 'abc' is not a number"),
        ("2026-11-02T10:00:00,r1,p,3600,0.1,,KOR\n", "column 'energy_consumed': value is empty; a number is required"),
        ("yesterday,r1,p,3600,0.1,1.0,KOR\n", "column 'timestamp': 'yesterday' is not a timestamp"),
        ("2026-11-02T10:00:00,r1,p,3600,0.1,-1,KOR\n", "column 'energy_consumed': '-1' is negative"),
    ],
)
def test_bad_cells_exclude_the_row_naming_column_and_value(tmp_path: Path, body: str, reason: str) -> None:
    path = tmp_path / "emissions.csv"
    path.write_text(
        "timestamp,run_id,project_name,duration,emissions,energy_consumed,country_iso_code\n"
        + body
        + "2026-11-02T11:00:00,r2,p,3600,0.1,1.0,KOR\n"
    )
    _, result = read(path)
    assert result.rows_read == 2 and len(result.readings) == 1
    assert [(e.row, e.reason) for e in result.exclusions] == [(2, reason)]
    assert list(result.readings["run_id"]) == ["r2"]


def test_missing_required_column_still_fails_the_file(tmp_path: Path) -> None:
    path = tmp_path / "emissions.csv"
    path.write_text(
        "timestamp,run_id,project_name,duration,emissions,country_iso_code\n2026-11-02T10:00:00,r1,p,1,0.1,KOR\n"
    )
    source = InputFile.open(path)
    with pytest.raises(InputFormatError) as info:
        detect(source).read(source)
    assert str(info.value) == (
        f"{path}, row 1, column 'energy_consumed': required column 'energy_consumed' is missing from the header"
    )


CORPUS = Path(__file__).resolve().parent / "bad_inputs" / "trackers"
HOST_1_GPU = "above the plausible bound of 52 kW (50 kW for one host + 2 kW × 1 GPU(s)"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("codecarbon_non_numeric_energy.csv", "column 'energy_consumed': 'abc' is not a number"),
        ("codecarbon_nan_energy.csv", "column 'energy_consumed': 'NaN' is not a number (NaN)"),
        ("codecarbon_inf_energy.csv", "column 'energy_consumed': 'inf' is not a finite number"),
        ("codecarbon_negative_energy.csv", "column 'energy_consumed': '-0.5' is negative"),
        (
            "codecarbon_end_before_start.csv",
            "column 'duration': '-3600' is negative: the run would end before it starts",
        ),
        ("codecarbon_bad_timestamp.csv", "column 'timestamp': '02/11/2026 11:00' is not a timestamp"),
        ("codecarbon_huge_energy.csv", f"energy 1e+308 kWh over 3,600 s is {HOST_1_GPU}"),
        (
            "codecarbon_zero_duration.csv",
            f"energy 0.5 kWh over a duration of 0 s: the mean power is unbounded, {HOST_1_GPU})",
        ),
        (
            "codecarbon_before_year_1.csv",
            "column 'duration': 3600 s before 0001-01-01 00:00:00 is outside the years 1 to 9999",
        ),
        ("codecarbon_empty_fields_row.csv", "every field of the row is empty (8 fields)"),
    ],
)
def test_corpus_row_is_excluded_with_its_reason(name: str, reason: str) -> None:
    _, result = read(CORPUS / name)
    assert [e.row for e in result.exclusions] == [3]
    assert result.exclusions[0].reason.startswith(reason)
    assert result.rows_read == len(result.readings) + 1


def test_corpus_offsets_keep_the_stated_wall_clock_time() -> None:
    _, result = read(CORPUS / "codecarbon_utc_offset.csv")
    ends = {row.run_id: str(row.end_time) for row in result.readings.itertuples()}
    assert ends == {"good": "2026-11-02 10:00:00", "offset": "2026-11-02 11:00:00", "zulu": "2026-11-02 12:00:00"}
    assert result.exclusions == []


def test_corpus_years_1970_and_9999_are_read() -> None:
    _, result = read(CORPUS / "codecarbon_1970_and_9999.csv")
    starts = {row.run_id: str(row.start_time) for row in result.readings.itertuples()}
    assert starts["epoch"] == "1970-01-01 00:00:00" and starts["far"] == "9999-12-31 22:00:00"


def test_corpus_gpu_allowance() -> None:
    _, result = read(CORPUS / "codecarbon_implausible_power.csv")
    assert [e.row for e in result.exclusions] == [3]  # 60 kW > 50 + 2 × 4; row 4's 57 kW is not
    assert result.exclusions[0].reason.startswith(
        "mean power 60 kW over 3,600 s is above the plausible bound of 58 kW (50 kW for one host + 2 kW × 4 GPU(s)"
    )


def test_corpus_nul_byte_is_shown_escaped() -> None:
    _, result = read(CORPUS / "codecarbon_nul_in_energy.csv")
    assert [(e.row, e.reason) for e in result.exclusions] == [
        (3, "column 'energy_consumed': '1.0\\x00' is not a number")
    ]


@pytest.mark.parametrize("name", ["emissions.csv", "emission.csv"])
def test_a_field_over_the_csv_size_limit_is_one_error(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    header = (
        "timestamp,run_id,project_name,duration,emissions,energy_consumed\n"
        if name == "emissions.csv"
        else "id,project_name,start_time,duration(s),power_consumption(kWh),region/country\n"
    )
    path.write_text(header + 'a,"' + "x" * 200_000 + '",3,4,5,6\n')
    source = InputFile.open(path)
    with pytest.raises(InputFormatError) as info:
        detect(source).read(source)
    assert str(info.value) == f"{path}, row 2: cannot be read as CSV (field larger than field limit (131072))"


def test_a_row_with_more_fields_than_the_header_is_left_out_with_its_reason(tmp_path: Path) -> None:
    header = "timestamp,run_id,project_name,duration,emissions,energy_consumed,country_iso_code\n"
    path = tmp_path / "emissions.csv"
    path.write_text(
        header + "2026-11-02T10:00:00,r1,p,3600,0.1,1.0,KOR,extra,fields\n2026-11-02T11:00:00,r2,p,3600,0.1,2.0,KOR\n"
    )
    result = run_inputs([str(path)])
    (ledger,) = result.ledgers
    assert [(e.row, e.reason) for e in ledger.exclusions] == [(2, "row has 9 fields but the header has 7")]
    assert result.items["energy_reported_kwh"].sum() == 2.0
