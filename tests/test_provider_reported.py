"""[cloud] emissions_source = "provider": the providers' figures as the reported cloud emissions,
allocated to our line items in proportion to our estimate; model versions and restatement flags."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from reporter.closing import close_month, history_view
from reporter.core.attribute import SCOPE3_CLOUD
from reporter.core.provider_source import ESTIMATE_COLUMN, UNALLOCATED, provider_reported
from reporter.history import HistoryStore
from reporter.report import build_report
from reporter.report.provider_reported import row_ranges
from reporter.sources.provider.columns import provider_frame
from tests.conftest import run_inputs
from tests.test_provider_exports import AWS_EXPORT, BILLS


def _ours(rows: list[tuple[str, str, str, str, str, float]]) -> pd.DataFrame:
    """Allocated cloud rows: (month, account, region, service, team, location-based kg)."""
    frame = pd.DataFrame(
        [
            {
                "record": number,
                "month": month,
                "scope": SCOPE3_CLOUD,
                "cloud_provider": "aws",
                "sub_account_id": account,
                "cloud_region": region,
                "service_name": service,
                "team": team,
                "energy_kwh": kg * 2.0,
                "embodied_co2e_kg": 0.0,
                "market_basis": "cloud_location_estimate",
            }
            for number, (month, account, region, service, team, kg) in enumerate(rows)
        ]
    )
    for suffix in ("", "_low", "_high"):
        frame[f"location_based_co2e_kg{suffix}"] = [row[5] for row in rows]
        frame[f"market_based_co2e_kg{suffix}"] = [row[5] for row in rows]
    return frame


def _theirs(rows: list[tuple[str, str, str, str, float, float | None]]) -> pd.DataFrame:
    """Provider figures: (month, account, region, service, location kg, market kg)."""
    return provider_frame(
        [
            {
                "source_file": "export.csv",
                "source_row": number + 2,
                "provider": "aws",
                "month": month,
                "account": account,
                "region": region,
                "service": service,
                "total_co2e_kg": location,
                "location_based_co2e_kg": location,
                "market_based_co2e_kg": math.nan if market is None else market,
                "basis": "location_based",
                "model_version": "v3.0.0",
            }
            for number, (month, account, region, service, location, market) in enumerate(rows)
        ]
    )


def test_provider_total_is_allocated_in_proportion_to_our_estimate_and_unmatched_is_kept() -> None:
    ours = _ours(
        [
            ("2026-01", "111", "us-east-1", "AmazonEC2", "research", 30.0),
            ("2026-01", "111", "us-east-1", "AmazonEC2", "platform", 10.0),
            ("2026-01", "111", "us-east-1", "AmazonS3", "platform", 4.0),  # no provider figure: stays
        ]
    )
    theirs = _theirs(
        [
            ("2026-01", "111", "us-east-1", "AmazonEC2", 2000.0, 500.0),  # 2.0 t location, 0.5 t market
            ("2026-01", "999", "us-east-1", "AmazonEC2", 700.0, None),  # no estimate of ours: unallocated
        ]
    )
    result = provider_reported(ours, theirs)
    frame = result.allocated
    # 2.0 t x 30 / (30 + 10) = 1.5 t and 2.0 t x 10 / 40 = 0.5 t; market 0.5 t -> 0.375 t and 0.125 t.
    assert frame.loc[0, "location_based_co2e_kg"] == pytest.approx(1500.0)
    assert frame.loc[1, "location_based_co2e_kg"] == pytest.approx(500.0)
    assert frame.loc[0, "market_based_co2e_kg"] == pytest.approx(375.0)
    assert frame.loc[1, "market_based_co2e_kg"] == pytest.approx(125.0)
    assert frame.loc[2, "location_based_co2e_kg"] == 4.0  # S3: our estimate, untouched
    assert list(frame["emissions_method"][:3]) == ["provider_reported", "provider_reported", "estimate"]
    assert list(frame[ESTIMATE_COLUMN][:3]) == [30.0, 10.0, 4.0]
    assert list(frame["energy_kwh"][:3]) == [60.0, 20.0, 8.0]  # energy stays our estimate
    # The unmatched 0.7 t is one row of its own, market-based = location-based (none given).
    extra = frame.iloc[3]
    assert (extra["team"], extra["location_based_co2e_kg"]) == (UNALLOCATED, 700.0)
    assert extra["market_based_co2e_kg"] == 700.0
    assert extra["energy_kwh"] == 0.0 and extra["record"] < 0
    # Totals: 1.5 + 0.5 + 0.004 + 0.7 t = the provider's 2.7 t in full plus the uncovered S3 estimate.
    assert frame["location_based_co2e_kg"].sum() == pytest.approx(2000.0 + 700.0 + 4.0)
    used = {use.account: use for use in result.uses}
    assert used["111"].allocated and used["111"].estimate_co2e_kg == 40.0 and used["111"].line_items == 2
    assert not used["999"].allocated and "no line item" in str(used["999"].unallocated_reason)


def test_a_zero_estimate_cannot_share_a_figure() -> None:
    ours = _ours([("2026-02", "111", "us-east-1", "AWSSupport", "platform", 0.0)])
    result = provider_reported(ours, _theirs([("2026-02", "111", "us-east-1", "AWSSupport", 50.0, 10.0)]))
    assert result.allocated.loc[0, "location_based_co2e_kg"] == 0.0
    assert result.allocated["location_based_co2e_kg"].sum() == 50.0
    assert "zero" in str(result.uses[0].unallocated_reason)


def test_keys_are_matched_without_case_and_months_apart() -> None:
    ours = _ours(
        [
            ("2026-01", "111", "US-EAST-1", "amazonec2", "research", 5.0),
            ("2026-02", "111", "us-east-1", "AmazonEC2", "research", 5.0),
        ]
    )
    result = provider_reported(ours, _theirs([("2026-01", "111", "us-east-1", "AmazonEC2", 80.0, None)]))
    assert list(result.allocated["location_based_co2e_kg"]) == [80.0, 5.0]


def test_a_focus_service_name_meets_the_exports_product_code() -> None:
    # A FOCUS bill names AWS services ('Amazon Elastic Compute Cloud'), the carbon export gives
    # product codes ('AmazonEC2'): 90 kg shared 2:1 between the two EC2 rows; S3 (a code on both
    # sides) takes its 6 kg whole; Amazon Bedrock has no figure and keeps our 1 kg.
    ours = _ours(
        [
            ("2026-01", "111", "us-east-1", "Amazon Elastic Compute Cloud", "research", 10.0),
            ("2026-01", "111", "us-east-1", "Amazon EC2", "platform", 5.0),
            ("2026-01", "111", "us-east-1", "Amazon Simple Storage Service", "platform", 2.0),
            ("2026-01", "111", "us-east-1", "Amazon Bedrock", "platform", 1.0),
        ]
    )
    theirs = _theirs(
        [
            ("2026-01", "111", "us-east-1", "AmazonEC2", 90.0, None),
            ("2026-01", "111", "us-east-1", "AmazonS3", 6.0, None),
        ]
    )
    result = provider_reported(ours, theirs)
    assert list(result.allocated["location_based_co2e_kg"]) == [60.0, 30.0, 6.0, 1.0]
    assert all(use.allocated for use in result.uses)


def test_without_provider_figures_the_frame_is_unchanged() -> None:
    ours = _ours([("2026-01", "111", "us-east-1", "AmazonEC2", "research", 5.0)])
    assert provider_reported(ours, None).allocated is ours


@pytest.fixture
def aws_export(tmp_path: Path) -> Path:
    path = tmp_path / "carbon-emissions.csv"
    path.write_text(AWS_EXPORT)
    return path


def test_report_with_provider_source_keeps_the_provider_total_in_full(aws_export: Path) -> None:
    estimate = run_inputs([str(BILLS), str(aws_export)], period="2026-01")
    provider = run_inputs([str(BILLS), str(aws_export)], period="2026-01", cloud={"emissions_source": "provider"})
    mine = estimate.allocated
    ec2 = mine[(mine["sub_account_id"] == "410000000002") & (mine["service_name"] == "AmazonEC2")]
    replaced_t = ec2["location_based_co2e_kg"].sum() / 1000
    before, after = build_report(estimate), build_report(provider)
    # The export (January): EC2 in 410000000002 us-east-1 0.050 t (the bill has it: allocated), S3 in
    # 410000000002 0.010 t and EC2 in 410000000009 us-west-2 0.020 t (the bill has neither: unallocated).
    assert after.totals.location_based_tco2e == pytest.approx(
        before.totals.location_based_tco2e - replaced_t + 0.050 + 0.010 + 0.020, rel=1e-12
    )
    assert after.totals.energy_kwh == pytest.approx(before.totals.energy_kwh, rel=1e-12)
    part = after.provider_reported
    assert part is not None and part.emissions_source == "provider" and part.method == "provider_reported"
    assert (part.allocated_tco2e, part.unallocated_tco2e) == (pytest.approx(0.050), pytest.approx(0.030))
    assert part.unallocated_market_tco2e == pytest.approx(0.002 + 0.004)
    assert part.replaced_estimate_tco2e == pytest.approx(replaced_t, rel=1e-12)
    assert "in proportion" not in part.allocation_key and "same provider, month" in part.allocation_key
    assert "no kWh" in part.energy_note
    # Line items carry the reported figure; with the unallocated figures they add up to the total.
    items = after.line_items
    assert items["reported_location_based_tco2e_in_period"].sum() + 0.030 == pytest.approx(
        after.totals.location_based_tco2e, rel=1e-12
    )
    replaced = items[items["emissions_method"] == "provider_reported"]
    assert len(replaced) == 2 and replaced["reported_location_based_tco2e_in_period"].sum() == pytest.approx(0.050)
    assert set(replaced["service_name"]) == {"AmazonEC2"} and set(replaced["sub_account_id"]) == {"410000000002"}
    team = {row.key: row for row in after.breakdowns["team"]}
    assert team[UNALLOCATED].location_based_tco2e == pytest.approx(0.030)
    assert team[UNALLOCATED].energy_kwh == 0.0
    # The comparison still sets the provider against our own estimate, not against itself.
    # (one row per service: EC2's row against our EC2 estimate alone, from the export's row 2)
    row = next(r for r in after.provider_comparison if r.account == "410000000002" and r.service == "AmazonEC2")
    ec2 = (mine["sub_account_id"] == "410000000002") & (mine["service_name"] == "AmazonEC2")
    assert row.estimate_tco2e == pytest.approx(mine.loc[ec2, "location_based_co2e_kg"].sum() / 1000, rel=1e-12)
    assert (row.source_file, row.source_rows) == (aws_export.name, "2")  # as the ledger shows it
    statuses = {(f.account, f.service): (f.status, f.source_rows) for f in part.figures}
    assert statuses == {
        ("410000000002", "AmazonEC2"): ("allocated", "2"),
        ("410000000002", "AmazonS3"): ("unallocated", "3"),
        ("410000000009", "AmazonEC2"): ("unallocated", "4"),
    }


def test_estimate_source_reports_our_estimate_and_records_model_versions(aws_export: Path) -> None:
    result = run_inputs([str(BILLS), str(aws_export)], period="2026-01")
    report = build_report(result)
    assert report.provider_reported is not None and report.provider_reported.figures == ()
    assert [(v.provider, v.month, v.model_version) for v in report.provider_reported.model_versions] == [
        ("aws", "2026-01", "v3.0.0")
    ]
    assert "emissions_method" not in result.allocated


def _export(tmp_path: Path, month: str, version: str) -> Path:
    """The test export's first row, moved to `month` and carbon model `version`."""
    header, first = AWS_EXPORT.splitlines()[:2]
    row = first.replace("v3.0.0", version).replace("2026-02-01", "2099-01-01").replace("2026-01-01", f"{month}-01")
    path = tmp_path / f"carbon-{month}.csv"
    path.write_text(f"{header}\n{row}\n")
    return path


def test_a_model_version_change_after_a_closed_month_is_a_reason_to_restate(tmp_path: Path) -> None:
    store = HistoryStore(f"sqlite:///{tmp_path / 'reporter.db'}")
    january = run_inputs([str(BILLS), str(_export(tmp_path, "2026-01", "v3.0.0"))], period="2026-01")
    close_month(build_report(january), store, tmp_path / "out", ["json"])
    assert store.current("2026-01").document["provider_model_versions"] == {"aws": "v3.0.0"}

    same = run_inputs([str(BILLS), str(_export(tmp_path, "2026-02", "v3.0.0"))], period="2026-02")
    unchanged = build_report(same, history_view(store, same.period, None)).provider_reported
    assert unchanged is not None and unchanged.restate == ()

    february = run_inputs([str(BILLS), str(_export(tmp_path, "2026-02", "v3.1.0"))], period="2026-02")
    part = build_report(february, history_view(store, february.period, None)).provider_reported
    assert part is not None
    assert [(v.month, v.model_version, v.source) for v in part.model_versions] == [
        ("2026-01", "v3.0.0", "closed (version 1)"),
        ("2026-02", "v3.1.0", "this report"),
    ]
    (change,) = part.restate
    assert (change.provider, change.month, change.closed_version) == ("aws", "2026-01", 1)
    assert (change.model_version, change.later_month, change.later_model_version) == ("v3.0.0", "2026-02", "v3.1.0")
    assert "restate 2026-01" in change.reason


def test_row_ranges() -> None:
    assert row_ranges([9, 2, 3, 4, 4]) == "2-4, 9"
    assert row_ranges([]) == ""


def test_comparison_rows_name_every_source_file_and_its_rows() -> None:
    from reporter.report.provider import comparison

    ours = _ours([("2026-01", "111", "us-east-1", "AmazonEC2", "research", 30.0)])
    first = _theirs([("2026-01", "111", "us-east-1", "AmazonEC2", 20.0, None)] * 3)
    second = _theirs([("2026-01", "111", "us-east-1", "AmazonEC2", 5.0, None)]).assign(source_file="later.csv")
    (row,) = comparison(ours, pd.concat([first, second], ignore_index=True))
    # Three rows (2, 3, 4) of export.csv and row 2 of later.csv: 3 x 20 + 5 = 65 kg against our 30 kg.
    assert (row.source_file, row.source_rows, row.provider_rows) == ("export.csv; later.csv", "2-4; 2", 4)
    assert row.provider_location_tco2e == pytest.approx(0.065)
    assert row.difference_pct == pytest.approx((30 - 65) / 65 * 100)
