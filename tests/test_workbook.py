"""The manual-entry workbook: written, filled with openpyxl, read back through the pipeline.

Expected figures are worked out by hand in the comments, from the template's cells and the cloud
model's published coefficients (reporter/data/cloud/gpu_power.csv, pue.csv).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import load_config
from reporter.errors import ConfigError, InputError
from reporter.pipeline import run
from reporter.report import build_report
from reporter.workbook import schema
from reporter.workbook.template import write_template
from tests.conftest import run_inputs

ELECTRICITY = [
    # site, region, month, start, end, kWh, meter, hosting, PUE, source
    ["Berlin GPU room", "DE", "2026-10", None, None, 1000, "M-1", "own", 1.5, "invoice 1"],
    ["Colo Ashburn", "US-VA", None, datetime(2026, 10, 1), datetime(2026, 10, 15), "300", "M-2", "colocated",
     None, "invoice 2"],
]
COMPUTE = [
    # provider, region, month, start, end, unit, hours, type, team, project, model, source
    ["gcp", "us-central1", "2026-10", None, None, "GPU-hours", 100, "H100", "research", "llm", "acme-7b", "inv 9"],
    ["aws", "us-east-1", datetime(2026, 10, 1), None, None, "instance-hours", 10, "p4d.24xlarge", None, None, None,
     "inv 10"],
    ["coreweave", "us-east", "2026-10", None, None, "GPU-hours", 50, "H100", None, None, None, "inv 11"],
]
SETTINGS: dict[str, list[list[Any]]] = {
    "Instruments": [["PPA", 250.5, "US-VA", 2026, "PPA-7", datetime(2026, 1, 1), datetime(2026, 12, 31), "Wind Co",
                     "yes"]],
    "Supplier rates": [["US-VA", 310]],
    "Residual mix": [["DE", "690.5"]],
    "Credits": [[2026, 12.5, "avoidance", "GS-1", "Gold Standard", "Cookstoves", "no"]],
    "Targets": [["Net zero", "net_zero", 2040, 90, "market_based"]],
    "Baseline": [[2024, 150, 140]],
    "Organisation": [["Acme AI GmbH", "acme", "2026-10"]],
}


def fill(path: Path, sheets: dict[str, list[list[Any]]], keep_examples: tuple[str, ...] = ()) -> Path:
    """The template with each sheet's example row replaced by `rows` (or kept, for `keep_examples`)."""
    write_template(path)
    book = openpyxl.load_workbook(path)
    for name in book.sheetnames[1:]:
        if name not in keep_examples:
            book[name].delete_rows(2)
    for name, rows in sheets.items():
        for row in rows:
            book[name].append(row)
    book.save(path)
    return path


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    return fill(tmp_path / "filled.xlsx", {"Electricity": ELECTRICITY, "Compute usage": COMPUTE, **SETTINGS},
                keep_examples=("Electricity",))


def test_the_template_has_every_sheet_with_its_columns_validation_and_example(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx") or tmp_path / "t.xlsx")
    assert book.sheetnames == ["Instructions", "Electricity", "Compute usage", "Instruments", "Supplier rates",
                               "Residual mix", "Credits", "Targets", "Baseline", "Organisation"]
    assert book.properties.title == "reporter manual-entry workbook"
    electricity = book["Electricity"]
    assert [c.value for c in electricity[1]] == ["Site", "Country or grid region", "Month", "Start", "End", "kWh",
                                                  "Meter id", "Own or colocated", "PUE (IT-only meter)",
                                                  "Source document"]
    assert electricity["F2"].value == 12000 and electricity["H2"].value == "own"
    rules = {str(v.sqref): v for v in electricity.data_validations.dataValidation}
    assert rules["H2:H1001"].type == "list" and rules["H2:H1001"].formula1 == '"own,colocated"'
    assert rules["F2:F1001"].type == "decimal" and rules["F2:F1001"].operator == "greaterThanOrEqual"
    assert rules["D2:D1001"].type == "date"
    instruments = {str(v.sqref): v for v in book["Instruments"].data_validations.dataValidation}
    assert instruments["A2:A1001"].formula1 == '"GO,REC,I-REC,PPA,green_tariff"'
    # The configuration sheets name the configuration's keys.
    assert [c.value for c in book["Credits"][1]] == ["year", "tco2e", "type", "registry_id", "registry", "project",
                                                     "retired"]
    assert [c.value for c in book["Baseline"][1]] == ["year", "location_based_tco2e", "market_based_tco2e"]


def test_a_filled_workbook_round_trips_every_sheet(filled: Path) -> None:
    result = run_inputs([str(filled)], period="2026-10")
    [ledger] = result.ledgers
    assert ledger.format == "workbook"
    # 2 Electricity + 3 Compute usage rows, and the Electricity example row left as it is.
    assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (6, 5, 1)
    assert [(e.row, e.reason) for e in ledger.exclusions] == [
        (2, "the template's example row on 'Electricity', left as it is")
    ]
    items = result.items.set_index(["method", "source_row"], drop=False)
    # Berlin: 1000 kWh of IT equipment × PUE 1.5 = 1500 kWh; Ashburn: a whole-site meter, 300 kWh as read.
    berlin, ashburn = items.loc[("metered", 3)], items.loc[("metered", 4)]
    assert berlin["energy_it_kwh"] == pytest.approx(1000.0) and berlin["energy_kwh"] == pytest.approx(1500.0)
    assert ashburn["energy_kwh"] == pytest.approx(300.0) and ashburn["scope"] == "scope2"
    assert (ashburn["country_code"], ashburn["region"]) == ("US", "VA")
    assert str(ashburn["end_time"]) == "2026-10-16 00:00:00"  # End is inclusive
    # gcp H100: 100 GPU-h × ((60 W idle + 50 % × (700 − 60) W) + the host's share per GPU 142.285299 W, worked
    # out in test_workbook_compute.py) = 52.2285299 kWh IT; × PUE 1.11 (us-central1).
    gpu = items.loc[("estimated", 2)]
    assert gpu["energy_it_kwh"] == pytest.approx(52.2285299) and gpu["energy_kwh"] == pytest.approx(52.2285299 * 1.11)
    assert (gpu["team"], gpu["project"], gpu["model"]) == ("research", "llm", "acme-7b")
    assert gpu["hardware"] == "100 GPU-hours of H100; inv 9"  # the source document stays with the line item
    assert berlin["hardware"] == "Berlin GPU room (own), meter M-1; invoice 1"
    assert items.loc[("estimated", 3)]["estimate_status"] == "estimated"
    # coreweave H100: (380 + 115.8675) W per GPU-h (test_workbook_compute.py) × 50 h; × the colocation default 1.56.
    other = items.loc[("estimated", 4)]
    assert other["estimate_status"] == "estimated" and other["energy_kwh"] == pytest.approx(24.793375 * 1.56)
    assert "pue_colocation_default" in other["flags"]
    config = result.config
    [instrument] = config.instruments
    assert instrument.model_dump() == {
        "type": "PPA", "mwh": 250.5, "region": "US-VA", "vintage": 2026, "certificate_id": "PPA-7",
        "start": date(2026, 1, 1), "end": date(2026, 12, 31), "supplier": "Wind Co", "bundled": True,
    }
    assert config.factors.supplier == {"US-VA": 310.0} and config.factors.residual_mix == {"DE": 690.5}
    assert [c.model_dump() for c in config.credits] == [{
        "year": 2026, "tco2e": 12.5, "type": "avoidance", "registry_id": "GS-1", "registry": "Gold Standard",
        "project": "Cookstoves", "retired": False,
    }]
    assert [t.model_dump() for t in config.targets] == [{
        "name": "Net zero", "kind": "net_zero", "target_year": 2040, "reduction_pct": 90.0,
        "scope2_method": "market_based",
    }]
    assert config.baseline is not None
    assert config.baseline.model_dump() == {"year": 2024, "location_based_tco2e": 150.0, "market_based_tco2e": 140.0}


def test_the_workbooks_instruments_reach_the_report(filled: Path) -> None:
    report = build_report(run_inputs([str(filled)], period="2026-10"))
    # The PPA (US-VA, 2026) covers the Ashburn meter's 300 kWh; nothing else is in US-VA.
    assert report.totals.instrument_covered_kwh == pytest.approx(300.0)


def write_config(folder: Path, body: str) -> Path:
    path = folder / "report.toml"
    path.write_text('[organization]\nname = "Acme AI GmbH"\n[period]\nmonth = "2026-10"\n'
                    '[[inputs]]\npath = "filled.xlsx"\n' + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[instruments]]\ntype = "GO"\nmwh = 1\nregion = "DE"\nvintage = 2026\ncertificate_id = "PPA-7"\n',
         "instrument certificate_id 'PPA-7' is given both in {cfg} [[instruments]] 1 and in filled.xlsx "
         "Instruments row 2"),
        ("[baseline]\nyear = 2023\nlocation_based_tco2e = 1\n",
         "[baseline] is given both in {cfg} and in filled.xlsx Baseline row 2"),
        ("[factors.supplier]\nUSA-VA = 1\nDEU = 2\n[factors.residual_mix]\nDEU = 700\n",
         "factors.residual_mix for 'DE' is given both in {cfg} [factors.residual_mix] DEU and in filled.xlsx "
         "'Residual mix'!A2"),
        ("[facility]\npue = 1.2\n",
         "filled.xlsx Electricity!I4: a whole-site meter (no PUE given) holds the facility's overhead already, "
         "but {cfg} sets [facility] pue = 1.2, which would be applied on top; give the meter's PUE if it "
         "measures IT equipment only, or remove [facility] pue"),
    ],
)
def test_a_value_in_both_places_is_an_error_naming_both(filled: Path, body: str, message: str) -> None:
    config_path = write_config(filled.parent, body)
    with pytest.raises(ConfigError) as error:
        run(load_config(config_path))
    assert str(error.value) == message.format(cfg=config_path)


def test_the_organisation_and_period_must_agree_with_the_configuration_file(tmp_path: Path) -> None:
    sheets = {**SETTINGS, "Organisation": [["Other Org", "acme", "2026-10"]]}
    fill(tmp_path / "filled.xlsx", sheets)
    config_path = write_config(tmp_path, "")
    with pytest.raises(ConfigError) as error:
        run(load_config(config_path))
    assert str(error.value) == (
        f"organization.name is given both in {config_path} (Acme AI GmbH) and in filled.xlsx Organisation row 2 "
        "(Other Org), differently"
    )
    fill(tmp_path / "filled.xlsx", SETTINGS)  # the same name, slug and month: agreed
    assert run(load_config(config_path)).config.baseline is not None


def test_validate_names_the_bad_cell_in_one_line(tmp_path: Path) -> None:
    bad = [*ELECTRICITY[0][:5], "twelve", *ELECTRICITY[0][6:]]
    fill(tmp_path / "bad.xlsx", {"Electricity": [ELECTRICITY[1], bad]})
    result = CliRunner().invoke(main, ["validate", "--quiet", str(tmp_path / "bad.xlsx")])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: bad.xlsx: Electricity!F3: 'twelve' is not a number"


def test_the_template_command_writes_the_workbook(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["template", str(tmp_path / "new.xlsx")])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(tmp_path / "new.xlsx").sheetnames[1:] == [s.name for s in schema.SHEETS]
    blocked = CliRunner().invoke(main, ["template", str(tmp_path / "missing" / "new.xlsx")])
    assert blocked.exit_code == 2 and "cannot write the workbook" in blocked.stderr


def test_an_empty_template_is_an_input_with_only_its_example_rows(tmp_path: Path) -> None:
    write_template(tmp_path / "empty.xlsx")
    [ledger] = run_inputs([str(tmp_path / "empty.xlsx")], period="2026-10").ledgers
    # The Electricity and Compute usage example rows, left as they are, are the only rows.
    assert (ledger.rows_read, ledger.rows_used) == (2, 0)


def test_a_bad_cell_on_a_sheet_whose_name_has_a_space_is_named_as_excel_does(tmp_path: Path) -> None:
    fill(tmp_path / "f.xlsx", {"Compute usage": [[*COMPUTE[0][:6], "lots", *COMPUTE[0][7:]]]})
    with pytest.raises(InputError) as error:
        run_inputs([str(tmp_path / "f.xlsx")], period="2026-10")
    assert str(error.value).endswith("f.xlsx: 'Compute usage'!G2: 'lots' is not a number")


def test_a_run_without_a_configuration_takes_the_organisation_sheet(tmp_path: Path, monkeypatch: Any) -> None:
    sheets = {"Electricity": ELECTRICITY[:1], "Organisation": [["Beta Labs", None, "2026-10"]]}
    fill(tmp_path / "beta.xlsx", sheets)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["report", "beta.xlsx", "--out", "out", "--quiet"])
    assert result.exit_code == 0, result.output
    # The one Electricity row: 1000 kWh of IT equipment × PUE 1.5.
    assert "Beta Labs 2026-10: 1.50 MWh" in result.output
    assert (tmp_path / "out" / "beta-labs-2026-10.json").is_file()
    # What the command line gives wins.
    named = CliRunner().invoke(main, ["report", "beta.xlsx", "--out", "out", "--org", "Gamma", "--quiet"])
    assert "Gamma 2026-10: 1.50 MWh" in named.output


def test_a_workbook_of_meter_readings_is_not_called_estimated_from_cloud_bills(filled: Path) -> None:
    import re

    from reporter.render.pdf import render_html

    html = render_html(build_report(run_inputs([str(filled)], period="2026-10")))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    # The workbook's meter readings are metered energy and its Compute usage rows estimates: not all of it is
    # estimated from bills, and the methodology gives the shares of each method instead.
    assert "all the energy in this report is estimated from cloud bills" not in text
    assert "No tracker file was read. Of the period's energy," in text
    assert "is metered" in text
