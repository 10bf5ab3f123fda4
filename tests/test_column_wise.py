"""Column-wise conversions give exactly what the record-by-record ones gave (values and types)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from reporter.cloud.classify import classify
from reporter.cloud.model import Line
from reporter.cloud.units import as_float, as_text, to_timestamp
from reporter.render.line_items import clean, line_item_records
from reporter.report.line_items import LINE_ITEM_COLUMNS, MARKET_LINE_ITEM_FIELDS, TIME_COLUMNS, line_item_frame
from reporter.units import KG_PER_T


def strictly_equal(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (1 and 1.0 differ), keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(strictly_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(strictly_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def record_wise(items: pd.DataFrame) -> list[dict[str, Any]]:
    """The specification: every row through DataFrame.to_dict(orient="records"), then `_clean`."""
    frame = items.reindex(columns=LINE_ITEM_COLUMNS).copy()
    for column in TIME_COLUMNS:
        frame[column] = frame[column].map(lambda t: t.isoformat() if pd.notna(t) else None)
    frame["location_based_tco2e"] = frame["location_based_co2e_kg"] / KG_PER_T
    frame["energy_kwh_in_period"] = frame["energy_kwh"] * frame["in_period_share"]
    frame["location_based_tco2e_in_period"] = frame["location_based_tco2e"] * frame["in_period_share"]
    frame["emissions_method"] = "estimate"  # no provider figure replaces an estimate here
    frame["reported_location_based_tco2e_in_period"] = frame["location_based_tco2e_in_period"]
    for name in MARKET_LINE_ITEM_FIELDS:  # empty: these items have no market stage
        frame[name] = items.get(name, math.nan)
    return [clean(row) for row in frame.to_dict(orient="records")]


def mixed_items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_format": pd.Series(["aws_cur", None, "codecarbon"], dtype="str"),
            "source_row": [2, 3, 4],
            "method": pd.Series(["estimated", "measured", None], dtype=object),
            "start_time": pd.to_datetime(["2026-10-01 00:00:00", None, "2026-10-31 23:59:59.25"], format="ISO8601"),
            "end_time": pd.to_datetime(["2026-10-02 00:00", "2026-10-03 06:00", "2026-11-01 00:00"]),
            "duration_s": np.array([1.5, np.nan, 3.0], dtype="float32"),
            "energy_kwh": [0.1, math.nan, 2.0],
            "in_period_share": [1.0, 0.5, 1 / 3],
            "location_based_co2e_kg": [0.03, 0.2, math.nan],
            "row_count": pd.array([3, None, 1], dtype="Int64"),
            "billed_cost": pd.Series([np.float32(0.1), np.float64(2.5), None], dtype=object),
            "consumed_quantity": pd.Series([np.int64(7), math.nan, pd.NaT], dtype=object),
            "flags": ["", "a;b", "location_fallback"],
            "tags": ['{"team": "ü"}', None, ""],
            "tracker_pue": [1.0, 1.2, 1.58],
        }
    ).set_axis([10, 11, 15])


def test_line_items_equal_the_record_wise_cleaning() -> None:
    items = mixed_items()
    assert strictly_equal(line_item_records(line_item_frame(items)), record_wise(items))
    assert strictly_equal(line_item_records(line_item_frame(items.iloc[:0])), [])


def test_classify_returns_a_copy_the_caller_may_change() -> None:
    first = classify("oracle", "Compute", "VM.Standard", "Hours", "", "default")
    first.flags.append("changed")
    first.reason = "changed"
    again = classify("oracle", "Compute", "VM.Standard", "Hours", "", "default")
    assert again.flags == ["provider_unsupported"] and again.reason == "provider 'oracle' not modelled"


def line_from_record(record: dict[str, Any]) -> Line:
    """The specification: one row of DataFrame.to_dict("records") read field by field."""
    quantity = as_float(record.get("consumed_quantity"))
    lookup = record.get("ccf_lookup")
    return Line(
        provider=as_text(record.get("cloud_provider")).lower(),
        region=as_text(record.get("cloud_region")).lower(),
        service=as_text(record.get("service_name")),
        usage_type=as_text(record.get("usage_type")),
        instance_type=as_text(record.get("instance_type")),
        quantity=quantity if quantity is not None else 0.0,
        unit=as_text(record.get("consumed_unit")),
        vcpus=as_float(record.get("vcpus")),
        gpus=as_float(record.get("gpus")),
        memory_gb=as_float(record.get("memory_gb")),
        start=to_timestamp(record.get("start_time")),
        end=to_timestamp(record.get("end_time")),
        cost=as_float(record.get("billed_cost")),
        ccf_lookup=lookup if isinstance(lookup, bool) else (
            lookup.strip().lower() in ("1", "true", "yes") if isinstance(lookup, str) else bool(as_float(lookup))
        ),
    )


def bill_lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cloud_provider": pd.Series([" AWS", "gcp", None, "azure"], dtype="str"),
            "cloud_region": pd.Series(["US-East-1 ", math.nan, "westeurope", pd.NA], dtype=object),
            "service_name": ["AmazonEC2", "Compute Engine", "", "Virtual Machines"],
            "usage_type": pd.Series(["BoxUsage:m5.large", np.str_("N2 Core"), None, "D2 v3"], dtype=object),
            "consumed_quantity": pd.Series([np.float32(1.1), "12", math.inf, -3], dtype=object),
            "consumed_unit": ["Hrs", "seconds", None, "10 Hours"],
            "vcpus": [2.0, math.nan, math.inf, 4.0],
            "gpus": pd.array([1, None, 0, 2], dtype="Int64"),
            "start_time": pd.to_datetime(["2026-10-01", None, "2026-10-03", "2026-10-04"]),
            "end_time": pd.Series(["2026-10-02", None, math.nan, "not a time"], dtype=object),
            "billed_cost": [0.5, math.nan, 1.0, -0.25],
            "ccf_lookup": pd.Series([True, "yes", np.bool_(False), None], dtype=object),
        }
    ).set_axis([7, 3, 9, 1])


def test_lines_from_frame_equal_the_record_wise_reading() -> None:
    frame = bill_lines()
    expected = [line_from_record(record) for record in frame.to_dict("records")]
    assert Line.from_frame(frame) == expected
    without = frame.drop(columns=["vcpus", "ccf_lookup", "end_time"])
    assert Line.from_frame(without) == [line_from_record(record) for record in without.to_dict("records")]
