"""Tracker runs linked to the bill lines of one machine by its resource id: configured or automatic.

The bill (a CUR 2.0 CSV written here) bills one account's m5.large instances in November 2026:
i-aaa for 60 + 40 = 100 hours (two rows), i-bbb for 30 hours and i-ccc for 20 hours, 150 hours in
all. The bill keeps a line's resource id only when a link or a tracker's host names it, so linking
i-aaa gives two readings (i-aaa's 100 hours; i-bbb and i-ccc summed without an id, 50 hours) where
the bill alone gives one. The estimate of a line is proportional to its hours (one instance type,
one region, one month): i-aaa's is 100/150 of the bill's estimate, the rest 50/150.

Two tracker runs of 10 hours each measured 1.0 + 0.5 = 1.5 kWh of IT energy on i-aaa: 20 of its 100
billed hours (20 %). Linked, the total is
    1.5 kWh x the provider's PUE  +  i-aaa's estimate x 0.8  +  the other instances' estimate.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from reporter import engines
from reporter.errors import ConfigError
from reporter.pipeline import PipelineResult
from tests.conftest import run_inputs

HEADER = [
    "line_item_line_item_type", "line_item_usage_account_id", "line_item_usage_start_date",
    "line_item_usage_end_date", "line_item_usage_type", "line_item_usage_amount", "pricing_unit",
    "line_item_unblended_cost", "product_region_code", "line_item_resource_id",
]
START, END = "2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z"
TRACKER = (
    "timestamp,project_name,run_id,experiment_id,duration,emissions,energy_consumed,country_iso_code,pue\n"
    "2026-11-10T10:00:00,llm,r1,e,36000,0,1.0,USA,1.0\n"
    "2026-11-12T10:00:00,llm,r2,e,36000,0,0.5,USA,1.0\n"
)


ROWS = [("i-aaa", "60", "5.76"), ("i-aaa", "40", "3.84"), ("i-bbb", "30", "2.88"), ("i-ccc", "20", "1.92")]


def _bill(path: Path, resource_column: bool = True, rows: list[tuple[str, str, str]] = ROWS) -> str:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER if resource_column else HEADER[:-1])
        for resource, hours, cost in rows:
            row = ["Usage", "111", START, END, "USE1-BoxUsage:m5.large", hours, "Hrs", cost, "us-east-1", resource]
            writer.writerow(row if resource_column else row[:-1])
    return str(path)


def _inputs(tmp_path: Path, host: str | None = None) -> list:
    runs = tmp_path / "emissions.csv"
    runs.write_text(TRACKER)
    return [_bill(tmp_path / "cur.csv"), {"path": str(runs), **({"host": host} if host else {})}]


def _bill_energy(result: PipelineResult) -> tuple[float, float]:
    """The bill's estimate (kWh) and the provider's PUE, from a report of the bill alone."""
    lines = result.items[result.items["method"] == "estimated"]
    assert len(lines) == 1  # no id wanted: the three instances are one reading
    assert lines["consumed_quantity"].iloc[0] == 150.0 and lines["resource_id"].isna().all()
    return float(lines["energy_kwh"].sum()), float(lines["energy_kwh"].sum() / lines["energy_it_kwh"].sum())


def _expected(estimate: float, pue: float) -> float:
    return 1.5 * pue + estimate * 100 / 150 * 0.8 + estimate * 50 / 150


def test_a_run_linked_by_resource_id_replaces_that_instance_only(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    estimate, pue = _bill_energy(run_inputs(inputs[:1]))
    linked = run_inputs(inputs, links=[{"tracker_project": "llm", "resource_id": "i-aaa"}])
    lines = linked.items[linked.items["method"] == "estimated"].sort_values("consumed_quantity")
    assert lines["consumed_quantity"].tolist() == [50.0, 100.0]
    assert [None if pd_na(v) else v for v in lines["resource_id"]] == [None, "i-aaa"]
    assert linked.allocated["energy_kwh"].sum() == pytest.approx(_expected(estimate, pue), rel=1e-12)
    (use,) = linked.links
    assert (use.resource, use.month, use.tracker_runs, use.bill_lines) == ("resource id i-aaa", "2026-11", 2, 1)
    assert (use.run_hours, use.billed_hours, use.covered_share) == (20.0, 100.0, 0.2)
    assert use.measured_kwh == pytest.approx(1.5 * pue, rel=1e-12)
    assert use.estimated_kwh_replaced == pytest.approx(estimate * 100 / 150 * 0.2, rel=1e-12)
    assert not use.automatic and use.method == "configured: [[links]] by resource_id"
    (bill,) = [ledger for ledger in linked.ledgers if ledger.format == "aws_cur"]
    assert any("1 reading(s) keep their resource id" in note and "i-aaa" in note for note in bill.notes)


def pd_na(value: object) -> bool:
    return value is None or value != value


def test_the_portable_query_links_the_same(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    estimate, pue = _bill_energy(run_inputs(inputs[:1]))
    engines.select(engines.Engine("duckdb-portable"))
    try:
        linked = run_inputs(inputs, links=[{"tracker_project": "llm", "resource_id": "I-AAA"}])
    finally:
        engines.select(None)
    assert linked.allocated["energy_kwh"].sum() == pytest.approx(_expected(estimate, pue), rel=1e-12)
    (use,) = linked.links
    assert (use.resource, use.covered_share) == ("resource id I-AAA", 0.2)  # ids compare without case


def test_a_host_that_is_a_resource_id_links_without_configuration(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path, host="i-aaa")
    estimate, pue = _bill_energy(run_inputs(inputs[:1]))
    linked = run_inputs(inputs)
    assert linked.allocated["energy_kwh"].sum() == pytest.approx(_expected(estimate, pue), rel=1e-12)
    (use,) = linked.links
    assert use.automatic and use.method.startswith("automatic")
    assert (use.tracker_project, use.resource, use.covered_share) == ("host i-aaa", "resource id i-aaa", 0.2)
    # a host that no bill line names keeps runs and bill apart: 1.5 kWh at the tracker's PUE of 1.0
    apart = run_inputs(_inputs(tmp_path, host="some-laptop"))
    assert apart.links == ()
    assert apart.allocated["energy_kwh"].sum() == pytest.approx(estimate + 1.5, rel=1e-12)


def test_a_configured_link_of_the_same_runs_leaves_no_automatic_one(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path, host="i-aaa")
    estimate, pue = _bill_energy(run_inputs(inputs[:1]))
    # The configured link names every instance (account and type: 150 hours): the runs cover 20/150.
    linked = run_inputs(inputs, links=[{"tracker_project": "llm", "account": "111", "instance_type": "m5.large"}])
    (use,) = linked.links
    assert not use.automatic and use.billed_hours == 150.0
    expected = 1.5 * pue + estimate * (1 - 20 / 150)
    assert linked.allocated["energy_kwh"].sum() == pytest.approx(expected, rel=1e-12)


def test_an_id_that_matches_no_bill_line_is_reported(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    estimate, _ = _bill_energy(run_inputs(inputs[:1]))
    result = run_inputs(inputs, links=[
        {"tracker_project": "llm", "resource_id": "i-zzz"},
        {"tracker_project": "nobody", "resource_id": "i-aaa"},
    ])
    missed, idle = result.links
    assert (missed.resource, missed.month, missed.bill_lines, missed.covered_share) == ("resource id i-zzz",
                                                                                        "2026-11", 0, 0.0)
    assert missed.note == "no billed instance-hours matched this month"
    assert (idle.month, idle.tracker_runs, idle.bill_lines) == ("2026-11", 0, 1)
    assert idle.note == "no tracker runs this month"
    # nothing replaced: the bill's estimate and the runs' 1.5 kWh at their own PUE of 1.0
    assert result.allocated["energy_kwh"].sum() == pytest.approx(estimate + 1.5, rel=1e-12)
    nothing = run_inputs(inputs, links=[{"tracker_project": "nobody", "resource_id": "i-zzz"}])
    (use,) = nothing.links
    assert (use.month, use.note) == ("", "matches no tracker run and no bill line in the inputs")


def test_a_bill_without_a_resource_id_column_says_so(tmp_path: Path) -> None:
    runs = tmp_path / "emissions.csv"
    runs.write_text(TRACKER)
    bill = _bill(tmp_path / "cur.csv", resource_column=False)
    result = run_inputs([bill, str(runs)], links=[{"tracker_project": "llm", "resource_id": "i-aaa"}])
    (ledger,) = [ledger for ledger in result.ledgers if ledger.format == "aws_cur"]
    assert any(note.startswith("the file has no resource id column (lineItem/ResourceId, line_item_resource_id)")
               for note in ledger.notes)
    (use,) = result.links
    assert use.bill_lines == 0 and use.note == "no billed instance-hours matched this month"
    # no id wanted: no note
    alone = run_inputs([bill])
    assert not any("resource id" in note for note in alone.ledgers[0].notes)


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ({"tracker_project": "llm", "resource_id": "i-aaa", "tag": "project=llm"}, "give one of"),
        ({"resource_id": "i-aaa"}, "tracker_project, host, or both"),
        ({"tracker_project": "llm", "resource_id": "i-aaa", "account": "111"}, "account and instance_type go"),
        ({"tracker_project": "llm", "resource_id": " "}, "resource_id is empty"),
    ],
)
def test_a_resource_id_link_is_one_way_of_matching(tmp_path: Path, link: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        run_inputs(_inputs(tmp_path), links=[link])


def test_a_line_two_hosts_match_is_replaced_once(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path, host="I-AAA")
    other = tmp_path / "other.csv"
    other.write_text(TRACKER.replace(",r1,", ",r3,").replace(",r2,", ",r4,"))
    estimate, pue = _bill_energy(run_inputs(inputs[:1]))
    result = run_inputs([*inputs, {"path": str(other), "host": "i-aaa"}])
    first, second = result.links
    assert (first.tracker_project, first.covered_share) == ("host I-AAA", 0.2)
    assert (second.tracker_project, second.bill_lines, second.covered_share) == ("host i-aaa", 0, 0.0)
    # the second host's 1.5 kWh stay at the tracker's own PUE of 1.0, beside the first link's result
    assert result.allocated["energy_kwh"].sum() == pytest.approx(_expected(estimate, pue) + 1.5, rel=1e-12)


# Two VMs named vm-1 in two resource groups (Azure-style paths), billed 100 and 50 hours, where the
# bill above has i-aaa (100 hours) and i-bbb and i-ccc (50 hours): the same estimate per hour.
TWINS = [("rg-a/virtualMachines/vm-1", "60", "5.76"), ("rg-a/virtualMachines/vm-1", "40", "3.84"),
         ("rg-b/virtualMachines/vm-1", "30", "2.88"), ("rg-b/virtualMachines/vm-1", "20", "1.92")]


def _twins(tmp_path: Path, host: str | None = None) -> list:
    runs = tmp_path / "emissions.csv"
    runs.write_text(TRACKER)
    return [_bill(tmp_path / "cur.csv", rows=TWINS), {"path": str(runs), **({"host": host} if host else {})}]


def test_an_id_ending_two_resources_links_neither(tmp_path: Path) -> None:
    inputs = _twins(tmp_path)
    estimate, _ = _bill_energy(run_inputs(inputs[:1]))
    result = run_inputs(inputs, links=[{"tracker_project": "llm", "resource_id": "vm-1"}])
    (use,) = result.links
    assert (use.month, use.bill_lines, use.covered_share, use.estimated_kwh_replaced) == ("", 0, 0.0, 0.0)
    assert use.note == (
        "not linked: vm-1 is the last part of 2 resource ids in the bills "
        "(rg-a/virtualmachines/vm-1, rg-b/virtualmachines/vm-1); link by the full resource id"
    )
    # nothing replaced: the bill's estimate and the runs' 1.5 kWh at their own PUE of 1.0
    assert result.allocated["energy_kwh"].sum() == pytest.approx(estimate + 1.5, rel=1e-12)


def test_the_full_id_of_one_of_two_alike_resources_links_it(tmp_path: Path) -> None:
    inputs = _twins(tmp_path)
    estimate, pue = _bill_energy(run_inputs(inputs[:1]))
    result = run_inputs(inputs, links=[{"tracker_project": "llm", "resource_id": "RG-A/virtualMachines/vm-1"}])
    (use,) = result.links
    assert (use.bill_lines, use.billed_hours, use.covered_share) == (1, 100.0, 0.2)
    # rg-a's 100 hours are i-aaa's 100 hours of the first bill: the same hand-worked total
    assert result.allocated["energy_kwh"].sum() == pytest.approx(_expected(estimate, pue), rel=1e-12)


def test_a_host_ending_two_resources_is_not_linked_automatically(tmp_path: Path) -> None:
    inputs = _twins(tmp_path, host="vm-1")
    estimate, _ = _bill_energy(run_inputs(inputs[:1]))
    result = run_inputs(inputs)
    (use,) = result.links
    assert use.automatic and use.bill_lines == 0 and use.note.startswith("not linked: vm-1 is the last part of 2")
    assert result.allocated["energy_kwh"].sum() == pytest.approx(estimate + 1.5, rel=1e-12)
