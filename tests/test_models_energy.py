"""Model energy (AI Act Annex XI §1(2)(e)): per model, phases, method split, emissions, compute
hours, FLOPs and the SCI-style intensity, worked out by hand from small synthetic inputs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from reporter.errors import ConfigError
from reporter.render import write_outputs
from reporter.report import build_report
from reporter.report.models_energy import NO_PHASE, normalise_phase
from tests.conftest import make_config, run_inputs

HEADER = (
    "timestamp,project_name,run_id,experiment_id,duration,emissions,energy_consumed,country_iso_code,pue,gpu_model\n"
)
USA_G_PER_KWH = 400.0  # location-based override
USA_SUPPLIER_G_PER_KWH = 250.0  # market-based supplier rate


def _tracker(path: Path, *rows: str) -> str:
    path.write_text(HEADER + "".join(row + "\n" for row in rows))
    return str(path)


def _inputs(tmp_path: Path) -> list[dict[str, object]]:
    # Training: one 10-hour run on 4 A100s, 100 kWh. Fine-tuning: one 2-hour run on 1 A100, 20 kWh.
    # Serving: one 1-hour run, 5 kWh, hardware not recorded; its phase comes from [[models]].
    # Another project's run (7 kWh) names no model.
    a100 = "NVIDIA A100-SXM4-40GB"
    train = _tracker(tmp_path / "train.csv", f"2026-11-10T20:00:00,p,t1,e,36000,0,100,USA,1.0,4 x {a100}")
    tune = _tracker(tmp_path / "tune.csv", f"2026-11-11T12:00:00,p,f1,e,7200,0,20,USA,1.0,1 x {a100}")
    serve = _tracker(tmp_path / "serve.csv", "2026-11-12T12:00:00,p,s1,e,3600,0,5,USA,1.0,")
    other = _tracker(tmp_path / "other.csv", "2026-11-13T12:00:00,q,o1,e,3600,0,7,USA,1.0,")
    return [
        {"path": train, "model": "m1", "phase": "training"},
        {"path": tune, "model": "m1", "phase": "fine_tuning"},
        {"path": serve, "model": "m1"},
        {"path": other},
    ]


SECTIONS = {
    "factors": {"location_based": {"USA": USA_G_PER_KWH}, "supplier": {"USA": USA_SUPPLIER_G_PER_KWH}},
    "models": [{"name": "m1", "phase": "inference", "training_flops": 6.0e21, "inferences": 200000}],
}


def test_phases_methods_emissions_and_compute_of_a_model(tmp_path: Path) -> None:
    report = build_report(run_inputs(_inputs(tmp_path), **SECTIONS))
    (m1,) = report.models.models
    assert m1.name == "m1" and m1.line_items == 3
    assert m1.energy_kwh == pytest.approx(125.0)
    assert [p.phase for p in m1.phases] == ["training", "fine_tuning", "inference"]
    training, tuning, inference = m1.phases
    assert (training.energy_kwh, tuning.energy_kwh, inference.energy_kwh) == pytest.approx((100.0, 20.0, 5.0))
    # 100 kWh x 400 g = 40 kg; 20 kWh x 400 g = 8 kg; 5 kWh x 400 g = 2 kg (location-based)
    assert training.location_based_tco2e == pytest.approx(0.040)
    assert tuning.location_based_tco2e == pytest.approx(0.008)
    assert m1.location_based_tco2e == pytest.approx(0.050)
    # Own hardware is Scope 2: market-based at the supplier rate, 125 kWh x 250 g = 31.25 kg
    assert m1.market_based_tco2e == pytest.approx(0.03125)
    assert training.market_based_tco2e == pytest.approx(0.025)
    assert (m1.measured_share, m1.estimated_share) == (1.0, 0.0)
    assert training.measured_kwh == pytest.approx(100.0) and training.estimated_kwh == 0.0
    # A100: 10 h x 4 + 2 h x 1 = 42 device hours over 12 run hours; the serving run's hardware is unknown
    a100 = next(c for c in m1.compute if c.accelerator.startswith("A100"))
    assert (a100.hours, a100.device_hours, a100.hours_without_device_count) == pytest.approx((12.0, 42.0, 0.0))
    unknown = next(c for c in m1.compute if c.accelerator == "(not recorded)")
    assert unknown.hours == pytest.approx(1.0) and unknown.device_hours is None
    assert m1.training_flops == 6.0e21
    # 2 kg = 2,000 g over 200,000 inferences = 200 units of 1,000 inferences: 10 g per unit
    assert m1.intensity is not None
    assert m1.intensity.functional_unit == "1,000 inferences" and m1.intensity.functional_units == 200.0
    assert m1.intensity.operational_gco2e_per_unit == pytest.approx(10.0)
    assert m1.intensity.sci_gco2e_per_unit == pytest.approx(10.0)  # trackers carry no embodied emissions
    assert report.models.without_model_kwh == pytest.approx(7.0) and report.models.without_model_items == 1


def test_json_models_block_is_shaped_for_a_model_card(tmp_path: Path) -> None:
    report = build_report(run_inputs(_inputs(tmp_path), **SECTIONS))
    written = write_outputs(report, tmp_path / "out", ["json"])
    document = json.loads(next(p for p in written if p.suffix == ".json").read_text(encoding="utf-8"))
    block = document["models"]
    (entry,) = block["models"]
    assert entry["training_energy_mwh"] == pytest.approx(0.1)
    assert entry["fine_tuning_energy_mwh"] == pytest.approx(0.02)
    assert entry["inference_energy_mwh"] == pytest.approx(0.005)
    assert entry["phase_not_given_energy_mwh"] == 0.0
    assert entry["method"] == {"measured_share": 1.0, "estimated_share": 0.0}
    assert entry["intensity"]["sci_gco2e_per_unit"] == pytest.approx(10.0)
    card = entry["co2_eq_emissions"]  # Hugging Face model-card metadata: grams, training and fine-tuning
    assert card["emissions"] == pytest.approx(48000.0)
    assert card["training_type"] == "pre-training and fine-tuning"
    assert card["geographical_location"] == "USA"
    assert card["hardware_used"].startswith("A100")
    assert block["without_model_energy_mwh"] == pytest.approx(0.007)
    assert block["configured_not_seen"] == []


CUR_HEADER = [
    "line_item_line_item_type", "line_item_usage_account_id", "line_item_usage_start_date",
    "line_item_usage_end_date", "line_item_usage_type", "line_item_usage_amount", "pricing_unit",
    "line_item_unblended_cost", "product_region_code", "resource_tags_user_model", "resource_tags_user_phase",
]


def test_bill_phase_tags_and_instance_accelerators(tmp_path: Path) -> None:
    bill = tmp_path / "cur.csv"
    start, end = "2026-11-01T00:00:00Z", "2026-11-01T01:00:00Z"
    with bill.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CUR_HEADER)
        # 3 instance-hours of p5.48xlarge (8 H100 each) tagged "Fine-Tuning"; 100 hours of m5.large
        # (no accelerator) tagged "eval", which is no phase; 10 hours untagged, [[models]] says inference.
        line = ["Usage", "1", start, end]
        writer.writerow([*line, "USE1-BoxUsage:p5.48xlarge", "3", "Hrs", "1", "us-east-1", "b", "Fine-Tuning"])
        writer.writerow([*line, "USE1-BoxUsage:m5.large", "100", "Hrs", "1", "us-east-1", "b", "eval"])
        writer.writerow([*line, "USE1-BoxUsage:m5.large", "10", "Hrs", "1", "us-east-1", "b", ""])
    report = build_report(run_inputs([str(bill)], models=[{"name": "b", "phase": "inference"}, {"name": "gone"}]))
    (b,) = report.models.models
    assert [p.phase for p in b.phases] == ["fine_tuning", "inference", NO_PHASE]
    assert b.unrecognised_phases == ("eval",)
    assert (b.measured_share, b.estimated_share) == (0.0, 1.0)
    h100 = next(c for c in b.compute if c.accelerator == "H100-SXM")
    assert (h100.hours, h100.device_hours) == (3.0, 24.0)
    cpu = next(c for c in b.compute if c.accelerator == "(no accelerator)")
    assert (cpu.hours, cpu.device_hours) == (110.0, 0.0)
    assert b.phase("fine_tuning").embodied_tco2e > 0  # bill estimates carry embodied emissions
    assert report.models.configured_not_seen == ("gone",)


def test_phase_names_and_bad_configuration() -> None:
    assert [normalise_phase(v) for v in ("Fine-Tuning", "fine tuning", "finetuning", "Pre-training", "serving")] == [
        "fine_tuning", "fine_tuning", "fine_tuning", "training", None,
    ]
    with pytest.raises(ConfigError, match="twice"):
        make_config([], models=[{"name": "a"}, {"name": "a"}])
    with pytest.raises(ConfigError, match="not both"):
        make_config([], models=[{"name": "a", "inferences": 1, "tokens": 2}])
    with pytest.raises(ConfigError, match="phase"):
        make_config([{"path": "x.csv", "phase": "pretraining"}])


def test_model_energy_sheet_reads_back_the_hand_worked_figures(tmp_path: Path) -> None:
    import openpyxl

    report = build_report(run_inputs(_inputs(tmp_path), **SECTIONS))
    written = write_outputs(report, tmp_path / "out", ["xlsx"])
    sheet = openpyxl.load_workbook(next(p for p in written if p.suffix == ".xlsx"), read_only=True)["Model energy"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    phases = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:4]}
    assert phases["training"]["energy_mwh"] == pytest.approx(0.1)
    assert phases["fine_tuning"]["location_based_tco2e"] == pytest.approx(0.008)
    assert phases["inference"]["market_based_tco2e"] == pytest.approx(0.00125)  # 5 kWh x 250 g
    start = next(i for i, row in enumerate(rows) if row[0] == "Compute hours by accelerator")
    compute = [dict(zip(rows[start + 1], row, strict=True)) for row in rows[start + 2:start + 4]]
    a100 = next(c for c in compute if str(c["accelerator"]).startswith("A100"))
    assert (a100["hours"], a100["device_hours"]) == (pytest.approx(12.0), pytest.approx(42.0))
    start = next(i for i, row in enumerate(rows) if row[0] == "Model figures")
    figures = dict(zip(rows[start + 1], rows[start + 2], strict=True))
    assert figures["training_flops"] == 6.0e21 and figures["sci_gco2e_per_unit"] == pytest.approx(10.0)
    assert figures["functional_unit"] == "1,000 inferences" and figures["functional_units"] == 200.0
