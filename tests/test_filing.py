"""Filing outputs: the datapoint mapping, the datapoint file, the workbook's filing sheets, the sum
rules and the statements for datapoints that do not apply.

Expected values are worked out from the report's JSON (its totals, scopes and months, summed
here) and the organisation figures given in the configuration, never from the filing code.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import build_config
from reporter.errors import ConfigError
from reporter.filing import datapoint_rows
from reporter.filing.datapoints import load_mapping
from reporter.pipeline import run
from reporter.render import write_outputs
from reporter.report import Report, build_report
from tests.conftest import DATA, ROOT, SAMPLES

ACME = SAMPLES / "synthetic-acme"
LEI = "9999TESTORGSYNTH0070"  # synthetic: valid ISO 17442 check digits
SCOPE1, CAT1_OTHER, CAT6, REVENUE = 3.5, 10.0, 4.25, 2_500_000.0
ESRS_TSV = DATA / "excel" / "esrs_e1_xbrl_elements.tsv"
DISCLOSURE = ROOT.parent / "shared" / "reference-data" / "disclosure"
SECTIONS: dict[str, Any] = {
    "organization_figures": {
        "scope1_tco2e": SCOPE1, "scope3_tco2e": {"1": CAT1_OTHER, "6": CAT6}, "net_revenue_eur": REVENUE,
    },
    "factors": {"supplier": {"KOR": 390.0}},
    "instruments": [
        {"type": "REC", "mwh": 1.0, "region": "KOR", "vintage": 2026, "certificate_id": "T-1"},
        {"type": "GO", "mwh": 0.5, "region": "KOR", "vintage": 2026, "certificate_id": "T-2", "bundled": True},
    ],
    "baseline": {"year": 2023, "location_based_tco2e": 45.0},
    "targets": [{"name": "-42% by 2030", "kind": "absolute_reduction", "target_year": 2030, "reduction_pct": 42.0}],
    "credits": [
        {"year": 2026, "tco2e": 5.0, "type": "removal"},
        {"year": 2026, "tco2e": 20.0, "type": "avoidance"},
        {"year": 2026, "tco2e": 7.0, "type": "avoidance", "retired": False},
    ],
}


def filing_config(lei: str | None = LEI, **changes: Any) -> Any:
    data: dict[str, Any] = {
        "organization": {"name": "Test Org", **({"lei": lei} if lei else {})},
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
        "inputs": [
            {"path": str(ACME / "power-logs"), "country": "KOR"},
            {"path": str(ACME / "cloud-bills")},
        ],
        "base_dir": str(ROOT),
        **SECTIONS,
        **changes,
    }
    return build_config(data, {}, origin="test")


@pytest.fixture(scope="module")
def report(filing_report: Report) -> Report:
    return filing_report  # built once per session (tests/filing/fixtures.py)


@pytest.fixture(scope="module")
def written(filing_written: dict[str, Path]) -> dict[str, Path]:
    return filing_written


@pytest.fixture(scope="module")
def expected(written: dict[str, Path]) -> dict[tuple[str, str], float]:
    """Each reported datapoint's value, worked out from the JSON and the configured figures."""
    doc = json.loads(written["json"].read_text(encoding="utf-8"))
    scopes = {row["scope"]: row for row in doc["by_scope"]}
    own_mwh = doc["totals"]["own_operations_energy_kwh"] / 1000
    s2_lb, s2_mb = scopes["scope2"]["location_based_tco2e"], doc["totals"]["market_based_tco2e"]
    cloud = scopes["scope3_cat1"]["location_based_tco2e"]
    months_lb = sum(month["location_based_tco2e"] for month in doc["by_month"])
    months_mb = sum(month["market_based_tco2e"] for month in doc["by_month"])
    s3 = cloud + CAT1_OTHER + CAT6
    total_lb, total_mb = SCOPE1 + months_lb + CAT1_OTHER + CAT6, SCOPE1 + months_mb + CAT1_OTHER + CAT6
    applied = [row for row in doc["instruments"] if row["mwh_applied"] > 0]
    bundled = sum(row["mwh_applied"] for row in applied if row["bundled"]) / sum(r["mwh_applied"] for r in applied)
    same = {
        "energy": own_mwh, "s1": SCOPE1, "s2lb": s2_lb, "s2mb": s2_mb, "s3": s3, "cloud": cloud,
        "cat1": cloud + CAT1_OTHER, "tlb": total_lb, "tmb": total_mb,
    }
    values = {
        ("ESRS E1", "E1-5_01"): same["energy"], ("ESRS E1", "E1-6_01"): SCOPE1, ("ESRS E1", "E1-6_09"): s2_lb,
        ("ESRS E1", "E1-6_10"): s2_mb, ("ESRS E1", "E1-6_11"): s3, ("ESRS E1", "E1-6_11 cat 1"): same["cat1"],
        ("ESRS E1", "E1-6_11 cat 1.1"): cloud, ("ESRS E1", "E1-6_12"): total_lb, ("ESRS E1", "E1-6_13"): total_mb,
        ("ESRS E1", "E1-6_18"): doc["totals"]["instrument_coverage_share"],
        ("ESRS E1", "E1-6_21"): bundled, ("ESRS E1", "E1-6_22"): 1 - bundled,
        ("ESRS E1", "E1-6_30"): total_lb / REVENUE, ("ESRS E1", "E1-6_31"): total_mb / REVENUE,
        ("ESRS E1", "E1-6_34"): REVENUE,
        ("ESRS E1", "E1-4 baseline"): 45.0, ("ESRS E1", "E1-4 target"): 45.0 * 0.58,
        ("ESRS E1", "E1-4_03"): 45.0 * 0.42, ("ESRS E1", "E1-4_04"): 0.42,
        ("ESRS E1", "E1-7_10"): 25.0, ("ESRS E1", "E1-7_13"): 0.8, ("ESRS E1", "E1-7_14"): 0.2,
        ("VSME", "B3 §29 total"): own_mwh, ("VSME", "B3 §29 electricity"): own_mwh, ("VSME", "B3 §30(a)"): SCOPE1,
        ("VSME", "B3 §30(b)"): s2_lb, ("VSME", "B3 §30 market-based"): s2_mb,
        ("VSME", "B3 §30 S1+S2 LB"): SCOPE1 + s2_lb, ("VSME", "B3 §30 S1+S2 MB"): SCOPE1 + s2_mb,
        ("VSME", "B3 Scope 3"): s3, ("VSME", "B3 total LB"): total_lb, ("VSME", "B3 total MB"): total_mb,
        ("VSME", "B3 §31 S1+S2 LB"): (SCOPE1 + s2_lb) / REVENUE,
        ("VSME", "B3 §31 S1+S2 MB"): (SCOPE1 + s2_mb) / REVENUE,
        ("VSME", "C3 §54(a) base year"): 2023, ("VSME", "C3 §54 target year"): 2030,
        ("VSME", "C3 §54 baseline"): 45.0, ("VSME", "C3 §54 target"): 45.0 * 0.58,
        ("GRI", "302-1-c"): own_mwh, ("GRI", "302-1-e"): own_mwh * 3.6, ("GRI", "302-3-a"): own_mwh / REVENUE,
        ("GRI", "305-2-a"): s2_lb, ("GRI", "305-2-b"): s2_mb, ("GRI", "305-3-a"): s3,
        ("GRI", "305-3 cat 1 cloud"): cloud, ("GRI", "305-4-a"): total_lb / REVENUE,
        ("CDP", "7.6"): SCOPE1, ("CDP", "7.7 location-based"): s2_lb, ("CDP", "7.7 market-based"): s2_mb,
        ("CDP", "7.8 cat 1"): cloud + CAT1_OTHER, ("CDP", "7.30.1 total"): own_mwh,
        ("IFRS S2", "29(a)(i)(1)"): SCOPE1, ("IFRS S2", "29(a)(i)(2)"): s2_lb,
        ("IFRS S2", "29(a)(v) market-based"): s2_mb, ("IFRS S2", "29(a)(i)(3)"): s3,
        ("IFRS S2", "29(a)(vi) cat 1 cloud"): cloud,
    }
    return values


def _csv_rows(written: dict[str, Path]) -> list[dict[str, str]]:
    with written["datapoints.csv"].open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_report_has_both_scopes_and_applied_instruments(report: Report) -> None:
    """The fixture exercises every kind of figure: own hardware, cloud, market-based, instruments."""
    assert report.totals.own_operations_energy_kwh > 0 and report.totals.cloud_energy_kwh > 0
    assert any(row.mwh_applied > 0 for row in report.instruments)
    assert report.totals.market_based_tco2e is not None


def test_datapoint_file_values_equal_the_json(written: dict[str, Path], expected: dict[tuple[str, str], float]) -> None:
    rows = _csv_rows(written)
    reported = {(row["framework"], row["id"]): row for row in rows if row["status"] == "reported"}
    assert set(reported) == set(expected)
    for key, value in expected.items():
        row = reported[key]
        assert math.isclose(float(row["value"]), value, rel_tol=1e-12), key
        assert (row["period_start"], row["period_end"]) in {("2026-01-01", "2026-12-31"), ("2023-01-01",
                                                             "2023-12-31"), ("2030-01-01", "2030-12-31")}
        assert row["entity"] == f"Test Org (LEI {LEI})"
        assert row["boundary"] and row["source"], key
    assert list(rows[0]) == ["framework", "id", "element", "value", "unit", "period_start", "period_end", "entity",
                             "boundary", "method", "status", "dimensions", "source", "note"]


def test_json_datapoints_block_has_the_rows_of_the_datapoint_file(
    written: dict[str, Path], expected: dict[tuple[str, str], float]
) -> None:
    doc = json.loads(written["json"].read_text(encoding="utf-8"))
    assert doc["schema_version"] == "7"
    block = doc["datapoints"]
    rows = _csv_rows(written)
    assert block["columns"] == list(rows[0])
    assert len(block["rows"]) == len(rows) == len(load_mapping().datapoints)
    for from_json, from_csv in zip([dict(r) for r in block["rows"]], rows, strict=True):
        assert list(from_json) == list(from_csv)
        value = from_json.pop("value")
        assert from_csv.pop("value") == ("" if value is None else repr(float(value)) if isinstance(value, float)
                                         else str(value))
        assert {key: ("" if text is None else text) for key, text in from_json.items()} == from_csv
    reported = {(r["framework"], r["id"]): r["value"] for r in block["rows"] if r["status"] == "reported"}
    assert set(reported) == set(expected)
    for key, value in expected.items():
        assert math.isclose(reported[key], value, rel_tol=1e-12), key
    assert block["boundary_statement"].startswith("AI workloads of Test Org:")
    assert "scope1_tco2e" in block["boundary_statement"]


def test_pdf_has_the_boundary_statement_and_a_compact_datapoints_section(report: Report, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from reporter.render.pdf import render_pdf

    pdf = render_pdf(report, tmp_path / "filing.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    section = " ".join(text[text.index("Filing datapoints"):].split())
    assert "AI workloads of Test Org: energy measured by trackers" in section
    assert "scope1_tco2e" in section  # the organisation figures the configuration gives
    assert "ESRS E1 E1-6_01 Gross Scope 1 greenhouse gas emissions 3.50 tCO2e" in section  # SCOPE1 = 3.5
    assert "ESRS E1 E1-6_34 Net revenue used to calculate GHG intensity 2,500,000 EUR" in section
    assert "ESRS E1 E1-4_04 Percentage of total GHG emissions reduction" in section and "42.0%" in section
    assert "ESRS E1 E1-5 cloud Cloud computing energy (not own operations) not applicable" in section
    assert section.count("IFRS S2 ") == sum(1 for p in load_mapping().datapoints if p.framework == "IFRS S2")


def test_every_datapoint_is_reported_or_says_why_not(written: dict[str, Path]) -> None:
    rows = _csv_rows(written)
    assert {row["framework"] for row in rows} == {"ESRS E1", "VSME", "GRI", "CDP", "IFRS S2"}
    for row in rows:
        if row["status"] == "reported":
            assert row["value"] != ""
        else:
            assert row["status"] in ("not_applicable", "not_reported") and row["value"] == ""
            assert len(row["note"]) > 20, row["id"]
    by_id = {(row["framework"], row["id"]): row for row in rows}
    assert "outside the Scope 1 and 2 perimeter" in by_id[("ESRS E1", "E1-5 cloud")]["note"]
    assert "energy outside the organisation" in by_id[("GRI", "302-1 cloud")]["note"]
    assert "NACE J" in by_id[("ESRS E1", "E1-5_18")]["note"]
    # No energy split was configured: the E1-5 split and CDP's renewable figures say which key is missing.
    assert by_id[("ESRS E1", "E1-5_02")]["status"] == "not_reported"
    assert "energy_mix_mwh" in by_id[("CDP", "7.30.1 renewable")]["note"]


def test_cloud_energy_is_never_own_operations_energy(written: dict[str, Path], report: Report) -> None:
    rows = {(row["framework"], row["id"]): row for row in _csv_rows(written)}
    own = report.totals.own_operations_energy_kwh / 1000
    cloud = report.totals.cloud_energy_kwh / 1000
    for key in [("ESRS E1", "E1-5_01"), ("VSME", "B3 §29 total"), ("CDP", "7.30.1 total"), ("GRI", "302-1-c")]:
        assert float(rows[key]["value"]) == pytest.approx(own, rel=1e-12)
        assert not math.isclose(float(rows[key]["value"]), own + cloud)


def test_framework_sheets_and_datapoints_sheet_read_back(
    written: dict[str, Path], expected: dict[tuple[str, str], float]
) -> None:
    workbook = openpyxl.load_workbook(written["xlsx"])
    sheets = {"ESRS E1": "Filing ESRS E1", "VSME": "Filing VSME", "GRI": "Filing GRI", "CDP": "Filing CDP",
              "IFRS S2": "Filing IFRS S2"}
    seen: set[tuple[str, str]] = set()
    for framework, title in sheets.items():
        table = _table(workbook[title])
        for row in table:
            key = (framework, row["id"])
            if row["status"] != "reported":
                assert row["value"] is None and row["note"]
                continue
            seen.add(key)
            assert math.isclose(row["value"], expected[key], rel_tol=1e-12), key
            assert row["element"] and row["unit"] and row["boundary"] and row["source"]
            paste = row["paste_value"]
            assert re.fullmatch(r"\d+(\.\d+)?", paste), (key, paste)
            if framework == "CDP":
                assert re.fullmatch(r"\d+(\.\d{1,2})?", paste) and float(paste) == pytest.approx(
                    round(expected[key], 2), abs=1e-9)
            else:
                assert float(paste) == pytest.approx(expected[key], rel=1e-12)
    assert seen == set(expected)
    long = _table(workbook["Datapoints"])
    assert {(row["framework"], row["id"]) for row in long if row["status"] == "reported"} == set(expected)
    for row in long:
        if row["status"] == "reported":
            assert math.isclose(row["value"], expected[(row["framework"], row["id"])], rel_tol=1e-12)


def _table(ws: Any) -> list[dict[str, Any]]:
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    table = []
    for values in rows[1:]:
        if values[0] is None:
            break
        table.append(dict(zip(header, values, strict=True)))
    return table


def test_summary_sheet_has_native_charts_on_the_chart_data(written: dict[str, Path], report: Report) -> None:
    workbook = openpyxl.load_workbook(written["xlsx"])
    charts = workbook["Summary"]._charts
    assert [type(chart).__name__ for chart in charts] == ["LineChart", "PieChart"]
    references = [series.val.numRef.f for chart in charts for series in chart.series]
    months = len(report.by_month)
    assert references[:3] == [f"'Chart data'!${col}$2:${col}${months + 1}" for col in "BCD"]
    data = list(workbook["Chart data"].iter_rows(values_only=True))
    assert [row[1] for row in data[1:months + 1]] == [m.location_based_tco2e for m in report.by_month]
    target = report.targets[0]
    assert data[1][3] == pytest.approx(45.0 * (1 - 0.42 * 3 / 7) / months)  # linear pathway 2023 -> 2030, in 2026
    assert target.pathway_tco2e == pytest.approx(45.0 * (1 - 0.42 * 3 / 7))
    pie_rows = [row for row in data if row[0] and str(row[0]).startswith("Scope")]
    assert [row[1] for row in pie_rows] == [report.by_scope[0].location_based_tco2e,
                                            report.by_scope[1].location_based_tco2e]


def test_the_mapping_uses_official_element_names_units_and_members() -> None:
    with ESRS_TSV.open(encoding="utf-8") as handle:
        esrs = {row[0]: row for row in csv.reader(handle, delimiter="\t")}
    units = {"energy": "MWh", "ghgEmissions": "tCO2e", "percent": "pure", "monetary": "EUR",
             "ghgEmissionsPerMonetary": "tCO2e/EUR", "energyPerMonetary": "MWh/EUR"}
    sample = (DISCLOSURE / "efrag-sample-esrs-e1-report.xhtml")
    members_seen = sample.read_text(encoding="utf-8") if sample.exists() else None
    for point in load_mapping().datapoints:
        if point.element.startswith("esrs:"):
            row = esrs[point.element]  # an official element name
            assert units[row[1]] == point.unit, point.id
            if re.fullmatch(r"E1-\d_\d\d", point.id):
                assert point.id in row[3], (point.id, row[3])
            for axis, member in point.dimensions.items():
                if members_seen is not None and not member.startswith("{"):
                    assert axis in members_seen and member in members_seen
        if point.status:
            assert point.reason and point.figure is None


def test_vsme_elements_are_in_the_vsme_taxonomy_list() -> None:
    tsv = DISCLOSURE / "vsme_b3_c3_xbrl_elements.tsv"
    if not tsv.exists():
        pytest.skip("the shared VSME element list is not beside the project")
    with tsv.open(encoding="utf-8") as handle:
        vsme = {row[1]: row[2] for row in csv.reader(handle, delimiter="\t")}
    types = {"MWh": "dtr-types:energyItemType", "tCO2e": "dtr-types:ghgEmissionsItemType",
             "tCO2e/EUR": "dtr-types:ghgEmissionsPerMonetaryItemType", "year": "xbrli:gYearItemType"}
    for point in load_mapping().datapoints:
        if point.element.startswith("vsme:") and point.figure:
            assert vsme[point.element] == types[point.unit], point.id


def test_an_energy_split_that_does_not_add_up_is_an_error_naming_the_rule(report: Report) -> None:
    own = report.totals.own_operations_energy_kwh / 1000
    good = {"fossil": own * 0.5, "nuclear": own * 0.2, "renewable": own - own * 0.5 - own * 0.2}
    figures = {**SECTIONS["organization_figures"], "energy_mix_mwh": good}
    fine = build_report(run(filing_config(organization_figures=figures)))
    rows = {(row.framework, row.id): row for row in datapoint_rows(fine)}
    assert rows[("ESRS E1", "E1-5_06")].value == pytest.approx(own * 0.3)
    assert rows[("CDP", "7.30.1 non-renewable")].value == pytest.approx(own * 0.7)
    bad = {**good, "renewable": good["renewable"] + 1.0}
    broken = build_report(run(filing_config(organization_figures={**figures, "energy_mix_mwh": bad})))
    with pytest.raises(ConfigError, match="ESRS E1-5 total energy = fossil \\+ nuclear \\+ renewable"):
        datapoint_rows(broken)


def test_a_broken_sum_rule_stops_before_any_file_is_written(report: Report, tmp_path: Path) -> None:
    own = report.totals.own_operations_energy_kwh / 1000
    mix = {"fossil": own, "nuclear": 1.0, "renewable": 0.0}
    figures = {**SECTIONS["organization_figures"], "energy_mix_mwh": mix}
    broken = build_report(run(filing_config(organization_figures=figures)))
    with pytest.raises(ConfigError, match="sum rule"):
        write_outputs(broken, tmp_path, ["json"])
    assert list(tmp_path.iterdir()) == []


def test_without_organisation_figures_totals_are_not_reported_and_say_why() -> None:
    plain = build_report(run(filing_config(organization_figures={})))
    rows = {(row.framework, row.id): row for row in datapoint_rows(plain)}
    assert rows[("ESRS E1", "E1-6_12")].status == "not_reported"
    assert "scope1_tco2e" in rows[("ESRS E1", "E1-6_12")].note
    assert rows[("ESRS E1", "E1-6_11 cat 1.1")].status == "reported"
    assert rows[("ESRS E1", "E1-6_30")].status == "not_reported"


@pytest.mark.parametrize("lei", ["9999TESTORGSYNTH0071", "ABC", "9999TESTORGSYNTH007O"])
def test_a_lei_with_wrong_check_digits_or_form_is_refused(lei: str) -> None:
    with pytest.raises(ConfigError, match="lei"):
        filing_config(lei=lei)


def test_xbrl_without_a_lei_is_an_error_with_exit_status_2(tmp_path: Path) -> None:
    config = tmp_path / "report.toml"
    config.write_text(
        '[organization]\nname = "No LEI"\n[period]\nmonth = "2026-11"\n'
        f'[[inputs]]\npath = "{ACME / "cloud-bills"}"\n', encoding="utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["report", "--config", str(config), "--out", str(tmp_path / "o"), "--xbrl", "-q",
         "--db", f"sqlite:///{tmp_path / 'h.db'}"],
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    assert result.output.strip() == "error: --xbrl needs the entity's LEI: give [organization] lei in the configuration"
    assert not (tmp_path / "o").exists()
