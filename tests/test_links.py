"""Tracker runs linked to the bill lines of the machines they ran on: measured replaces estimated."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from reporter.errors import ConfigError
from reporter.report import build_report
from tests.conftest import run_inputs

CUR_HEADER = [
    "line_item_line_item_type",
    "line_item_usage_account_id",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_usage_type",
    "line_item_usage_amount",
    "pricing_unit",
    "line_item_unblended_cost",
    "product_region_code",
    "resource_tags_user_project",
]
TRACKER_HEADER = "timestamp,project_name,run_id,experiment_id,duration,emissions,energy_consumed,country_iso_code,pue\n"


def _inputs(tmp_path: Path) -> list[str]:
    bill = tmp_path / "cur.csv"
    with bill.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CUR_HEADER)
        start, end = "2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z"
        # 100 instance-hours of m5.large for the llm project, 50 for another project.
        writer.writerow(["Usage", "111", start, end, "USE1-BoxUsage:m5.large", "100", "Hrs", "9.6", "us-east-1", "llm"])
        writer.writerow(["Usage", "111", start, end, "USE1-BoxUsage:m5.large", "50", "Hrs", "4.8", "us-east-1", "web"])
    runs = tmp_path / "emissions.csv"
    # Two runs of 10 hours each on the llm machines: 20 run-hours, 1.5 kWh of IT energy measured.
    runs.write_text(
        TRACKER_HEADER
        + "2026-11-10T10:00:00,llm,r1,e,36000,0,1.0,USA,1.0\n"
        + "2026-11-12T10:00:00,llm,r2,e,36000,0,0.5,USA,1.0\n"
    )
    return [str(bill), str(runs)]


def test_measured_runs_replace_the_estimate_of_their_machines(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    apart = run_inputs(inputs)
    linked = run_inputs(inputs, links=[{"tracker_project": "llm", "tag": "project=llm"}])
    bill = apart.items[apart.items["method"] == "estimated"]
    llm_line = bill[bill["tags"].str.contains('"llm"')].iloc[0]
    web_line = bill[bill["tags"].str.contains('"web"')].iloc[0]
    provider_pue = llm_line["energy_kwh"] / llm_line["energy_it_kwh"]
    # 20 run-hours of 100 billed hours: the runs replace 20 % of the llm line's estimate; their
    # 1.5 kWh of IT energy takes the provider's PUE. The web line is untouched.
    expected = llm_line["energy_kwh"] * 0.8 + 1.5 * provider_pue + web_line["energy_kwh"]
    assert linked.allocated["energy_kwh"].sum() == pytest.approx(expected, rel=1e-12)
    assert apart.allocated["energy_kwh"].sum() == pytest.approx(llm_line["energy_kwh"] + web_line["energy_kwh"] + 1.5)
    (use,) = linked.links
    assert (use.month, use.tracker_runs, use.bill_lines) == ("2026-11", 2, 1)
    assert (use.run_hours, use.billed_hours, use.covered_share) == (20.0, 100.0, 0.2)
    assert use.measured_kwh == pytest.approx(1.5 * provider_pue)
    assert use.estimated_kwh_replaced == pytest.approx(llm_line["energy_kwh"] * 0.2)
    runs = linked.items[linked.items["method"] == "measured"]
    assert set(runs["scope"]) == {"scope3_cat1"} and set(runs["cloud_region"]) == {"us-east-1"}
    assert all("linked_to_bill" in flags for flags in runs["flags"])
    report = build_report(linked)
    assert report.links == linked.links


def test_runs_covering_more_than_the_billed_hours_replace_it_all(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    linked = run_inputs(inputs, links=[{"tracker_project": "llm", "account": "111", "instance_type": "m5.large"}])
    (use,) = linked.links
    # The account-and-type link matches both lines: 150 billed hours, 20 run-hours.
    assert use.billed_hours == 150.0 and use.covered_share == pytest.approx(20 / 150)


def test_links_need_a_kept_tag_key(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    with pytest.raises(ConfigError, match="not in \\[cloud\\] tag_keys"):
        run_inputs(inputs, links=[{"tracker_project": "llm", "tag": "owner=me"}])


def _power_log(path: Path) -> str:
    # Two GPUs of one machine at a steady 360 W, a sample every 10 s from 10:00 to 11:00:
    # 360 W x 3,600 s = 1,296,000 J = 0.36 kWh each, 0.72 kWh in all, over one machine-hour.
    lines = ["index, name, timestamp, power.draw [W]"]
    for gpu in (0, 1):
        for step in range(361):
            minute, second = divmod(step * 10, 60)
            hour, minute = divmod(minute, 60)
            lines.append(f"{gpu}, NVIDIA L4, 2026/11/05 {10 + hour:02d}:{minute:02d}:{second:02d}.000, 360.00 W")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_a_host_link_replaces_the_estimate_with_the_power_log_of_that_machine(tmp_path: Path) -> None:
    bill, _ = _inputs(tmp_path)
    log = {"path": _power_log(tmp_path / "gpu-power.csv"), "host": "llm-node-1"}
    apart = run_inputs([bill, log])
    linked = run_inputs([bill, log], links=[{"host": "llm-node-1", "tag": "project=llm"}])
    bill_items = apart.items[apart.items["method"] == "estimated"]
    llm_line = bill_items[bill_items["tags"].str.contains('"llm"')].iloc[0]
    web_line = bill_items[bill_items["tags"].str.contains('"web"')].iloc[0]
    provider_pue = llm_line["energy_kwh"] / llm_line["energy_it_kwh"]
    (use,) = linked.links
    # Both GPUs' logs cover the same wall-clock hour: 1 machine-hour of 100 billed hours (1 %), not 2.
    assert (use.tracker_project, use.run_hours, use.billed_hours) == ("host llm-node-1", 1.0, 100.0)
    assert use.covered_share == pytest.approx(0.01)
    assert use.measured_kwh == pytest.approx(0.72 * provider_pue, rel=1e-12)
    expected = llm_line["energy_kwh"] * 0.99 + 0.72 * provider_pue + web_line["energy_kwh"]
    assert linked.allocated["energy_kwh"].sum() == pytest.approx(expected, rel=1e-12)
    metered = linked.items[linked.items["method"] == "metered"]
    assert len(metered) == 2 and all("linked_to_bill" in flags for flags in metered["flags"])


def test_a_link_names_a_project_or_a_host(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tracker_project, host, or both"):
        run_inputs(_inputs(tmp_path), links=[{"tag": "project=llm"}])
