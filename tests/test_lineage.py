"""The lineage file beside every report, and the JSON that refers to it instead of embedding the line items."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.config import build_config
from reporter.pipeline import run
from reporter.render import write_outputs
from reporter.render.json_report import JSON_EXCLUSIONS
from reporter.render.line_items import line_item_records
from reporter.report import Report, bounds, build_report
from reporter.report.bounds import OTHER_GROUPS, OTHER_KEYS
from reporter.report.exclusions import ExcludedRows
from reporter.report.line_items import LINE_ITEM_FIELDS
from tests.conftest import SHARED_SAMPLES
from tests.test_bill_readers import uncorrected_rows

DATA = Path(__file__).parent / "data" / "excel"
BILLS = DATA / "bills"
FOCUS = BILLS / "focus-1.0-sample-slice.csv"
AZURE = SHARED_SAMPLES / "azure" / "ea-cost-details-anonymized.csv"
INPUTS = [
    {"path": str(DATA / "codecarbon" / "emissions.csv")},
    {"path": str(DATA / "eco2ai" / "emission.csv")},
    {"path": str(DATA / "injection" / "emissions.csv")},
    {"path": str(FOCUS)},
    {"path": str(AZURE)},
]
PERIOD = {"start": "2023-09-01", "end": "2026-11-30"}
STEM = "acme-ai-2023-09_2026-11"


def _context(**output: Any) -> Report:
    data = {"base_dir": str(DATA), "period": PERIOD, "output": output}
    return build_report(run(build_config(data, {"inputs": INPUTS, "org": "Acme AI"}, origin="test")))


@pytest.fixture(scope="module")
def context() -> Report:
    return _context()


@pytest.fixture(scope="module")
def written(context: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("outputs")
    paths = write_outputs(context, folder, ["json", "xlsx"])
    assert [p.name for p in paths] == [
        f"{STEM}.lineage.parquet", f"{STEM}.datapoints.csv", f"{STEM}.json", f"{STEM}.xlsx"
    ]
    return folder


@pytest.fixture(scope="module")
def lineage(written: Path) -> pa.Table:
    return pq.read_table(written / f"{STEM}.lineage.parquet")


@pytest.fixture(scope="module")
def document(written: Path) -> dict[str, Any]:
    return json.loads((written / f"{STEM}.json").read_text(encoding="utf-8"))


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def test_row_counts_add_up_to_the_rows_used_of_each_input(lineage: pa.Table, document: dict[str, Any]) -> None:
    counts: dict[str, int] = {}
    for path, rows in zip(lineage["source_file"].to_pylist(), lineage["row_count"].to_pylist(), strict=True):
        counts[path] = counts.get(path, 0) + rows
    assert counts == {ledger["path"]: ledger["rows_used"] for ledger in document["inputs"] if ledger["rows_used"]}
    # worked out from the bills themselves: the FOCUS slice has 176 Usage rows (of 179), 8 of them
    # corrections with no usage to offset (left out), the Azure sample 27 Usage rows, all inside the period
    rows = _csv_rows(FOCUS)
    lone = uncorrected_rows(rows, ("team", "project", "model"))
    focus = [row for n, row in enumerate(rows, start=2) if row["ChargeCategory"] == "Usage" and n not in lone]
    assert counts["bills/focus-1.0-sample-slice.csv"] == len(focus) == 176 - 8
    azure = next(path for path in counts if path.endswith("ea-cost-details-anonymized.csv"))
    assert counts[azure] == len(_csv_rows(AZURE)) == 27
    # and the billed cost of those rows, at full precision
    costs = lineage.filter(pa.compute.equal(lineage["source_file"], "bills/focus-1.0-sample-slice.csv"))
    expected = math.fsum(float(row["BilledCost"]) for row in focus)
    assert math.isclose(math.fsum(costs["billed_cost"].to_pylist()), expected, rel_tol=1e-12)


def test_totals_from_the_lineage_equal_the_report_totals(lineage: pa.Table, document: dict[str, Any]) -> None:
    shares = lineage["in_period_share"].to_pylist()
    energy = math.fsum(e * s for e, s in zip(lineage["energy_kwh"].to_pylist(), shares, strict=True))
    kg = math.fsum(c * s for c, s in zip(lineage["location_based_co2e_kg"].to_pylist(), shares, strict=True))
    embodied = math.fsum(c * s for c, s in zip(lineage["embodied_co2e_kg"].to_pylist(), shares, strict=True) if c)
    totals = document["totals"]
    assert totals["energy_kwh"] > 0 and totals["embodied_tco2e"] > 0
    # summed per (item, month) in the report, per item here: equal up to the summation order
    assert math.isclose(energy, totals["energy_kwh"], rel_tol=1e-12)
    assert math.isclose(kg / 1000, totals["location_based_tco2e"], rel_tol=1e-12)
    assert math.isclose(embodied / 1000, totals["embodied_tco2e"], rel_tol=1e-12)
    assert lineage.num_rows == totals["line_items"] == document["lineage"]["rows"]


def test_lineage_columns_types_and_full_precision(lineage: pa.Table, context: Report) -> None:
    names = lineage.column_names
    assert names[: len(LINE_ITEM_FIELDS)] == LINE_ITEM_FIELDS
    assert names[len(LINE_ITEM_FIELDS) :] == ["tag:team", "tag:project", "tag:model"]
    schema = lineage.schema
    assert schema.field("start_time").type == pa.timestamp("us")
    assert schema.field("source_row").type == schema.field("row_count").type == pa.int64()
    for name in ("energy_kwh", "in_period_share", "location_based_co2e_kg", "billed_cost", "energy_kwh_in_period"):
        assert schema.field(name).type == pa.float64(), name
    assert schema.field("sub_account_id").type == pa.string()
    # every value exactly as the report's line items (floats bit for bit, times to the microsecond)
    read = lineage.to_pylist()
    for row, item in zip(read, line_item_records(context.line_items), strict=True):
        for key, value in item.items():
            if key in ("start_time", "end_time"):
                assert (row[key].isoformat() if row[key] else None) == value, key
            else:
                assert row[key] == value, key
    assert any(row["tag:project"] for row in read)


def test_json_names_the_lineage_file_instead_of_embedding_line_items(
    written: Path, document: dict[str, Any], lineage: pa.Table
) -> None:
    assert "line_items" not in document
    assert document["schema_version"] == "7"
    section = document["lineage"]
    data = (written / section["file"]).read_bytes()
    assert section["file"] == f"{STEM}.lineage.parquet"
    assert section["sha256"] == hashlib.sha256(data).hexdigest()
    assert section["rows"] == lineage.num_rows
    assert section["columns"] == [{"name": f.name, "type": str(f.type)} for f in lineage.schema]
    assert document["totals"]["line_items"] == lineage.num_rows


def test_json_embeds_the_line_items_when_asked(tmp_path: Path) -> None:
    context = _context(json_line_items=True)
    (path,) = [p for p in write_outputs(context, tmp_path, ["json"]) if p.suffix == ".json"]
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["line_items"] == line_item_records(context.line_items)
    assert document["lineage"]["rows"] == len(document["line_items"])


def test_outputs_are_byte_identical_across_runs(written: Path, tmp_path: Path) -> None:
    again = write_outputs(_context(), tmp_path, ["json", "xlsx"])
    for path in again:
        assert path.read_bytes() == (written / path.name).read_bytes(), path.name


def test_parquet_records_no_time(lineage: pa.Table, written: Path) -> None:
    metadata = pq.ParquetFile(written / f"{STEM}.lineage.parquet").metadata
    assert metadata.created_by.startswith("parquet-cpp-arrow version")
    keys = {key.decode() for key in (metadata.metadata or {})}
    assert {"reporter:tool", "reporter:organization", "reporter:period"} <= keys


def test_breakdowns_and_unclassified_groups_are_cut_with_an_other_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounds, "BREAKDOWN_KEYS", 2)
    monkeypatch.setattr(bounds, "UNCLASSIFIED_GROUPS", 1)
    cut = _context()
    region = cut.breakdowns["region"]
    assert [row.key for row in region][-1] == OTHER_KEYS and len(region) == 3
    limits = cut.limits.breakdowns_cut["region"]
    assert limits.shown == 2 and limits.in_other_row == limits.total - 2 > 0
    for name, rows in cut.breakdowns.items():  # every breakdown still adds up to the totals
        assert math.isclose(sum(r.energy_kwh for r in rows), cut.totals.energy_kwh, rel_tol=1e-12), name
        assert math.isclose(sum(r.emissions_share for r in rows), 1.0, rel_tol=1e-12), name
    groups = cut.unclassified.groups
    assert len(groups) == 2 and groups[-1].estimate_status == OTHER_GROUPS
    assert sum(g.rows for g in groups) == cut.unclassified.rows
    assert groups[-1].cost is None and groups[-1].quantity is None
    unclassified_cut = cut.limits.unclassified_cut
    assert unclassified_cut is not None and unclassified_cut.in_other_row == unclassified_cut.total - 1


def test_json_lists_at_most_a_bounded_number_of_exclusion_groups(context: Report, tmp_path: Path) -> None:
    many = tuple(ExcludedRows("row_problem", f"synthetic {i}", 1, (2 + i,), ("",)) for i in range(JSON_EXCLUSIONS + 5))
    inputs = (dataclasses.replace(context.inputs[0], exclusions=many), *context.inputs[1:])
    paths = write_outputs(dataclasses.replace(context, inputs=inputs), tmp_path, ["json"])
    document = json.loads(paths[-1].read_text(encoding="utf-8"))
    first = document["inputs"][0]
    assert first["exclusions"] == [
        {"kind": "row_problem", "reason": e.reason, "rows": 1, "example_rows": [e.example_rows[0]],
         "example_details": [""]}
        for e in many[:JSON_EXCLUSIONS]
    ]
    assert first["exclusions_not_listed"] == 5
    assert document["inputs"][1]["exclusions_not_listed"] == 0
    assert document["limits"]["exclusions_per_input"] == JSON_EXCLUSIONS


def test_command_line_writes_the_lineage_with_any_output(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["report", str(FOCUS), "--org", "Acme AI", "--period", "2024-09"]
    result = runner.invoke(main, [*base, "--out", str(tmp_path / "a"), "--only", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["acme-ai-2024-09.datapoints.csv", "acme-ai-2024-09.json", "acme-ai-2024-09.lineage.parquet"]
    assert "lineage.parquet" in result.output
    result = runner.invoke(main, [*base, "--out", str(tmp_path / "b"), "--only", "lineage"], catch_exceptions=False)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["acme-ai-2024-09.lineage.parquet"]
    args = [*base, "--out", str(tmp_path / "c"), "--only", "json", "--json-line-items"]
    assert runner.invoke(main, args, catch_exceptions=False).exit_code == 0
    document = json.loads((tmp_path / "c" / "acme-ai-2024-09.json").read_text(encoding="utf-8"))
    assert len(document["line_items"]) == document["totals"]["line_items"] == document["lineage"]["rows"]
