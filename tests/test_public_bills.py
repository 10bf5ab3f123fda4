"""Public bill files other projects wrote, and the bill policies they exposed.

Each expected figure is worked out here from the file itself with the csv module (or by hand for
the small synthetic files written here), never taken from the reader.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from reporter.errors import InputFormatError
from reporter.records import ExclusionGroup
from reporter.sources import detect
from reporter.sources.base import InputFile
from tests.conftest import SHARED_SAMPLES, run_inputs
from tests.test_bill_readers import balanced, by_reason, read

PUBLIC = SHARED_SAMPLES / "public"
pytestmark = pytest.mark.skipif(not PUBLIC.is_dir(), reason="the shared public samples are not beside the project")


def rows_of(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", newline="", encoding="utf-8-sig") as handle:  # type: ignore[operator]
        return list(csv.DictReader(handle))


def detected(path: Path) -> str:
    return detect(InputFile.open(path)).name


# ----------------------------------------------------------------------------------------------
# FOCUS dates written 4/1/25


def test_focus_month_first_two_digit_year_dates_are_read_as_2025() -> None:
    path = PUBLIC / "focus" / "focus-spec_saas-spend-agreements-b2.csv"
    rows = rows_of(path)
    result = read(path, "focus")
    balanced(result)
    usage = [
        (number, row) for number, row in enumerate(rows, start=2)
        if row["ChargeCategory"] == "Usage" and row["ConsumedQuantity"]
    ]
    expected = sorted(datetime.strptime(row["ChargePeriodStart"], "%m/%d/%y") for _, row in usage)
    assert expected[0] == datetime(2025, 4, 1)
    readings = result.readings.sort_values("start_time")
    assert [t.to_pydatetime() for t in readings["start_time"]] == expected
    ends = sorted(datetime.strptime(row["ChargePeriodEnd"], "%m/%d/%y") for _, row in usage)
    assert [t.to_pydatetime() for t in readings["end_time"]] == ends
    assert math.isclose(readings["consumed_quantity"].sum(), sum(float(r["ConsumedQuantity"]) for _, r in usage))
    note = next(n for n in result.notes if "slashes" in n)
    assert "month/day/year" in note and "two-digit years" in note and "no value decides it" in note


def test_focus_month_first_dates_are_counted_in_a_2025_period() -> None:
    path = PUBLIC / "focus" / "focus-spec_saas-spend-agreements-b2.csv"
    ledger = run_inputs([str(path)], period="2025").ledgers[0]
    assert ledger.rows_used == 3  # the three usage rows with a quantity, April to June 2025
    assert not ledger.exclusions  # none is outside the period any more


@pytest.mark.parametrize(
    ("dates", "order", "why", "starts"),
    [
        (["13/04/2025", "01/05/2025"], "day/month/year", "row 2 has '13/04/2025'", [(4, 13), (5, 1)]),
        (["04/13/2025", "05/01/2025"], "month/day/year", "row 2 has '04/13/2025'", [(4, 13), (5, 1)]),
        (["04/01/2025", "05/01/2025"], "month/day/year", "no value decides it", [(4, 1), (5, 1)]),
    ],
)
def test_slashed_date_order_comes_from_the_file(
    tmp_path: Path, dates: list[str], order: str, why: str, starts: list[tuple[int, int]]
) -> None:
    path = tmp_path / "azure.csv"
    lines = ["Date,MeterCategory,MeterName,Quantity,UnitOfMeasure"]
    lines += [f"{d},Storage,meter {i},1,1 GB/Month" for i, d in enumerate(dates)]
    path.write_text("\n".join(lines) + "\n")
    result = read(path, "azure_cost")
    note = next(n for n in result.notes if "slashes" in n)
    assert order in note and why in note
    found = sorted(t.to_pydatetime() for t in result.readings["start_time"])
    assert found == [datetime(2025, month, day) for month, day in starts]


def test_both_date_orders_in_one_file_is_an_error_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "azure.csv"
    path.write_text("Date,MeterCategory,Quantity,UnitOfMeasure\n13/04/2025,Storage,1,1 GB\n04/14/2025,Storage,1,1 GB\n")
    with pytest.raises(InputFormatError) as caught:
        read(path, "azure_cost")
    assert (caught.value.row, caught.value.column) == (3, "Date")
    assert "'04/14/2025' is written month/day but row 2 ('13/04/2025') day/month" in str(caught.value)


def test_a_later_date_against_the_order_learnt_is_an_error_naming_it(tmp_path: Path, monkeypatch) -> None:
    from reporter.sources.bills import layout

    monkeypatch.setattr(layout, "SAMPLE_ROWS", 2)  # the order is learnt from the first two rows
    path = tmp_path / "azure.csv"
    path.write_text(
        "Date,MeterCategory,Quantity,UnitOfMeasure\n04/13/2025,Storage,1,1 GB\n04/14/2025,Storage,1,1 GB\n"
        "13/04/2025,Storage,1,1 GB\n"
    )
    with pytest.raises(InputFormatError) as caught:
        read(path, "azure_cost")
    assert (caught.value.row, caught.value.column) == (4, "Date")
    assert "'13/04/2025' is not a date or time" in str(caught.value) and "month/day/year" in str(caught.value)


# ----------------------------------------------------------------------------------------------
# Azure pay-as-you-go and localised headers


def test_azure_pay_as_you_go_usage_details_are_detected_and_read() -> None:
    path = PUBLIC / "azure" / "koku_azure_costreport_payg.csv"
    assert detected(path) == "azure_cost"
    rows = rows_of(path)
    result = read(path, "azure_cost")
    balanced(result)
    assert result.rows_read == len(rows) == 3
    readings = result.readings
    assert math.isclose(readings["consumed_quantity"].sum(), sum(float(r["UsageQuantity"]) for r in rows))
    assert math.isclose(readings["billed_cost"].sum(), sum(float(r["PreTaxCost"]) for r in rows))
    assert set(readings["cloud_region"]) == {"eastus2"}  # "US East 2", the older name
    assert set(readings["sub_account_id"]) == {r["SubscriptionGuid"] for r in rows}


def test_azure_pay_as_you_go_in_a_folder_is_not_skipped(tmp_path: Path) -> None:
    source = PUBLIC / "azure" / "koku_azure_costreport_payg.csv"
    (tmp_path / source.name).write_bytes(source.read_bytes())
    result = run_inputs([str(tmp_path)], period="2019")
    assert [ledger.format for ledger in result.ledgers] == ["azure_cost"] and not result.skipped


def test_azure_german_headers_are_read_by_their_english_names() -> None:
    path = PUBLIC / "azure" / "opencost_azure_German_headers.csv"
    assert detected(path) == "azure_cost"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header, row = list(csv.reader(handle))[:2]
    english = [cell.rsplit("(", 1)[-1].rstrip(")") for cell in header]
    values = dict(zip(english, row, strict=True))
    reading = read(path, "azure_cost").readings.iloc[0]
    assert reading["consumed_quantity"] == float(values["UsageQuantity"]) == 3
    assert reading["consumed_unit"] == values["UnitOfMeasure"] == "100 Hours"
    assert reading["billed_cost"] == float(values["PreTaxCost"])
    assert reading["service_name"] == values["MeterCategory"]
    assert reading["cloud_region"] == "eastus"  # "US East"
    assert str(reading["start_time"].date()) == values["UsageDateTime"]


def test_a_missing_column_of_a_localised_file_is_named_as_written(tmp_path: Path) -> None:
    path = tmp_path / "azure.csv"
    path.write_text("Kategorie der Verbrauchseinheit (MeterCategory),UsageQuantity (UsageQuantity)\nStorage,1\n")
    with pytest.raises(InputFormatError) as caught:
        read(path, "azure_cost")
    assert caught.value.column == "Date"


# ----------------------------------------------------------------------------------------------
# AWS regions from product/location and the usage type


NISE = PUBLIC / "aws_cur" / "koku-local-1_nise.csv.gz"
LOCATIONS = {
    "US East (N. Virginia)": "us-east-1", "US West (N. California)": "us-west-1", "US West (Oregon)": "us-west-2"
}
PREFIXES = {"USE1": "us-east-1", "USW1": "us-west-1", "USW2": "us-west-2"}


def test_legacy_cur_without_product_region_gets_its_region_from_the_location() -> None:
    rows = rows_of(NISE)
    assert "product/region" not in rows[0]
    no_zone = [r for r in rows if not r["lineItem/AvailabilityZone"]]
    assert len(no_zone) == 2680
    for row in no_zone:  # the usage type's prefix agrees with the location
        prefix = row["lineItem/UsageType"].split("-")[0]
        assert LOCATIONS[row["product/location"]] == PREFIXES[prefix]
    result = read(NISE, "aws_cur")
    readings = result.readings
    assert readings["cloud_region"].notna().all()
    derived = readings[readings["flags"].str.contains("region_derived")]
    assert int(derived["row_count"].sum()) == len(no_zone)
    assert any(note.startswith(f"{len(no_zone)} usage row(s) name no region") for note in result.notes)
    per_region: Counter[str] = Counter(LOCATIONS[r["product/location"]] for r in no_zone)
    assert dict(derived.groupby("cloud_region")["row_count"].sum()) == dict(per_region)


def test_legacy_cur_energy_no_longer_falls_back_to_the_world_factor() -> None:
    items = run_inputs([str(NISE)], period="2018").items
    fallback = items["flags"].str.contains("location_fallback")
    assert items["energy_kwh"].sum() > 0
    assert items.loc[fallback, "energy_kwh"].sum() == 0  # was 97 % before regions were derived
    regions = {LOCATIONS[r["product/location"]] for r in rows_of(NISE)}
    assert set(items["cloud_region"]) == regions


def test_usage_type_prefix_gives_the_region_when_the_location_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "cur.csv"
    path.write_text(
        "lineItem/LineItemType,lineItem/UsageType,lineItem/UsageAmount,lineItem/UsageStartDate,product/location\n"
        "Usage,EU-EBS:VolumeUsage,10,2025-01-01T00:00:00Z,\n"
        "Usage,APS3-EBS:VolumeUsage,20,2025-01-01T00:00:00Z,Somewhere\n"
        "Usage,EBS:VolumeUsage,30,2025-01-01T00:00:00Z,EU (Frankfurt)\n"
        "Usage,EBS:VolumeUsage,40,2025-01-01T00:00:00Z,\n"
    )
    readings = read(path, "aws_cur").readings.set_index("consumed_quantity")
    assert readings.loc[10.0, "cloud_region"] == "eu-west-1"
    assert readings.loc[20.0, "cloud_region"] == "ap-south-1"
    assert readings.loc[30.0, "cloud_region"] == "eu-central-1"
    assert readings.loc[40.0, "cloud_region"] is None and "region_derived" not in readings.loc[40.0, "flags"]


# ----------------------------------------------------------------------------------------------
# A CUR whose header names one column more than its rows fill


@pytest.mark.parametrize("name", ["koku_test_cur.csv", "koku_test_cur.csv.gz"])
def test_cur_with_a_header_longer_than_its_rows_is_read(name: str) -> None:
    path = PUBLIC / "aws_cur" / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", newline="") as handle:  # type: ignore[operator]
        records = list(csv.reader(handle))
    header, body = records[0], records[1:]
    assert {len(r) for r in body} == {len(header) - 1} == {130}
    rows = [dict(zip(header, r, strict=False)) for r in body]
    result = read(path, "aws_cur")
    balanced(result)
    assert result.rows_read == len(rows) == 19
    usage = [r for r in rows if r["lineItem/LineItemType"] in ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")]
    assert int(result.readings["row_count"].sum()) == len(usage)
    total = sum(float(r["lineItem/UsageAmount"]) for r in usage)
    assert math.isclose(result.readings["consumed_quantity"].sum(), total)
    assert any("the last 1 header column(s) (costCategory/CostCenter)" in note for note in result.notes)


# ----------------------------------------------------------------------------------------------
# GCP file export; GCP rows ending before they start


def test_gcp_file_export_is_detected_and_read() -> None:
    path = PUBLIC / "gcp" / "koku_gcp_evidence-2019-06-03_legacy-file-export.csv"
    assert detected(path) == "gcp_billing"
    rows = rows_of(path)
    result = read(path, "gcp_billing")
    balanced(result)
    assert result.rows_read == len(rows) == 26
    expected: dict[str, float] = defaultdict(float)
    for row in rows:
        expected[row["Measurement1 Units"]] += float(row["Measurement1 Total Consumption"])
    sums = result.readings.groupby("consumed_unit")["consumed_quantity"].sum()
    assert dict(sums) == pytest.approx(dict(expected))
    assert set(result.readings["service_name"]) == {"Compute Engine", "Cloud Logging"}
    core = result.readings[result.readings["usage_type"] == "N1 Predefined Instance Core running in Americas"]
    assert core["consumed_quantity"].tolist() == [44057.0] and core["consumed_unit"].tolist() == ["seconds"]
    assert str(core["start_time"].iloc[0]) == "2019-09-16 07:00:00"  # midnight at -07:00


def test_gcp_rows_ending_before_they_start_are_left_out() -> None:
    path = PUBLIC / "gcp" / "koku_gcp_tmp_example.csv"
    rows = rows_of(path)
    backwards = [
        number for number, row in enumerate(rows, start=2)
        if datetime.fromisoformat(row["usage_end_time"]) < datetime.fromisoformat(row["usage_start_time"])
    ]
    assert len(backwards) == 9
    result = read(path, "gcp_billing")
    balanced(result)
    group = by_reason(result)
    assert group == {"usage_end_time is before usage_start_time": 9}
    assert result.exclusion_groups[0].example_rows == tuple(backwards[:5])


# ----------------------------------------------------------------------------------------------
# Corrections, repeats and malformed quantities in a synthetic legacy CUR

CUR_COLUMNS = [
    "identity/LineItemId", "identity/TimeInterval", "lineItem/LineItemType", "lineItem/UsageAccountId",
    "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/UsageType", "lineItem/UsageAmount",
    "pricing/unit", "product/region",
]
JAN = ("2025-01-05T00:00:00Z", "2025-01-05T01:00:00Z")
SPAN = "2025-01-05T00:00:00Z/2025-01-05T01:00:00Z"


def write_cur(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CUR_COLUMNS)
    writer.writerows(rows)
    path.write_text(buffer.getvalue())
    return path


def line(item: str, account: str, amount: str, usage: str = "USE1-EBS:VolumeUsage.gp2", kind: str = "Usage",
         times: tuple[str, str] = JAN, span: str = SPAN) -> list[str]:
    return [item, span, kind, account, *times, usage, amount, "GB-Mo", "us-east-1"]


def test_a_refund_nets_against_its_usage_and_a_lone_refund_is_left_out(tmp_path: Path) -> None:
    path = write_cur(tmp_path / "cur.csv", [
        line("a1", "111", "100"),  # row 2: usage
        line("a2", "111", "-30"),  # row 3: a refund of part of it, same account, usage type and month
        line("b1", "222", "-5"),  # row 4: a refund with no usage to offset
    ])
    result = read(path, "aws_cur")
    balanced(result)
    assert result.readings["consumed_quantity"].tolist() == [70.0]  # 100 - 30
    assert result.readings["row_count"].tolist() == [2]
    reason = (
        "a correction with no usage to offset: lineItem/UsageAmount sums below zero for its account, "
        "service, region, usage type, instance type, unit and month"
    )
    assert result.exclusion_groups == [ExclusionGroup(reason, 1, (4,))]
    pipeline = run_inputs([str(path)], period="2025-01")
    assert pipeline.items["energy_kwh"].min() >= 0 and pipeline.items["energy_kwh"].sum() > 0
    assert pipeline.ledgers[0].rows_used == 2 and pipeline.ledgers[0].rows_excluded == 1


def test_a_repeated_line_item_id_is_counted_once(tmp_path: Path) -> None:
    path = write_cur(tmp_path / "cur.csv", [
        line("a1", "111", "10"),  # row 2
        line("a1", "111", "10"),  # row 3: the same line item again
        line("a1", "111", "10", span="2025-01-05T01:00:00Z/2025-01-05T02:00:00Z",
             times=("2025-01-05T01:00:00Z", "2025-01-05T02:00:00Z")),  # row 4: same id, next hour: kept
        line("a2", "111", "10"),  # row 5
        line("a1", "111", "10"),  # row 6: again
    ])
    result = read(path, "aws_cur")
    balanced(result)
    assert result.readings["consumed_quantity"].sum() == 30.0  # rows 2, 4 and 5
    reason = "repeated line item id (identity/LineItemId and identity/TimeInterval; counted once)"
    assert result.exclusion_groups == [ExclusionGroup(reason, 2, (3, 6))]


def test_bad_quantities_and_backward_times_are_left_out_by_the_files_column(tmp_path: Path) -> None:
    path = write_cur(tmp_path / "cur.csv", [
        line("a1", "111", "10"),  # row 2
        line("a2", "111", "NaN"),  # row 3
        line("a3", "111", "Infinity"),  # row 4
        line("a4", "111", "ten"),  # row 5
        line("a5", "111", "10", times=(JAN[1], JAN[0])),  # row 6: ends before it starts
        line("a6", "111", "-inf", kind="Tax"),  # row 7: a tax row keeps its own reason
    ])
    result = read(path, "aws_cur")
    balanced(result)
    assert by_reason(result) == {
        "lineItem/UsageAmount is not a number (text, NaN or infinite)": 3,
        "lineItem/UsageEndDate is before lineItem/UsageStartDate": 1,
        "line item type 'Tax': a tax, not usage": 1,
    }
    groups = {g.reason: g.example_rows for g in result.exclusion_groups}
    assert groups["lineItem/UsageAmount is not a number (text, NaN or infinite)"] == (3, 4, 5)
    assert groups["lineItem/UsageEndDate is before lineItem/UsageStartDate"] == (6,)
    assert not any("energy_reported_kwh" in reason for reason in groups)
