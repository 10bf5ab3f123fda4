"""Hostile inputs and faults at the output end: grouped exclusions, --strict, text from inputs in
the workbook, the PDF and file names, huge and non-finite numbers, huge tag values, atomic
writes and a missing PDF library (concurrent closes of one month: tests/test_history.py)."""

from __future__ import annotations

import csv
import dataclasses
import errno
import json
import math
import os
import shutil
import sys
import types
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reporter.cli import main
from reporter.errors import RenderError
from reporter.records import EXAMPLE_ROWS, Exclusion, ExclusionGroup, ExclusionKind
from reporter.render import formatting, write_outputs
from reporter.render.pdf import render_html, render_pdf
from reporter.render.pdf_text import WORD_CHARS
from reporter.report import Report
from reporter.report.exclusions import LABELS_PER_KIND, exclusion_kind, group_exclusions
from reporter.report.model import BreakdownRow, MonthTotals
from tests.conftest import DATA, TRACKERS, context_for

CODECARBON = TRACKERS / "codecarbon" / "emissions.csv"
SLICE = DATA / "pdf" / "bills" / "focus-1.0-sample-slice.csv"
HOSTILE = ['=HYPERLINK("http://x","y")', "<script>alert(1)</script>", "../../x", "+1", "@SUM(A1)", "-2"]


def invoke(folder: Path, *args: str) -> Any:
    old = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="module")
def context() -> Report:
    return context_for([str(CODECARBON)], period="2026-11")


# --- 1. exclusions grouped by the kind of their reason --------------------------------------------


def test_single_row_exclusions_group_by_reason_without_their_row_detail() -> None:
    superseded = [
        Exclusion(row, f"superseded: run r{row} has a longer cumulative row (row {row + 1}) that is used; "
                       "summing both would double-count")
        for row in range(2, 3019)
    ]
    outside = [
        Exclusion(
            5000 + i,
            f"outside the reporting period 2026-11-01..2026-11-30 (run 2026-10-0{i} 00:00..2026-10-0{i} 01:00)",
        )
        for i in range(1, 4)
    ]
    bad = [Exclusion(9000 + i, f"column 'energy_consumed': '{text}' is not a number") for i, text in enumerate("abc")]
    tax = ExclusionGroup("ChargeType 'Tax': not usage", 7, (3, 4))
    groups = group_exclusions([*reversed(bad), *outside, *superseded], [tax])
    by_kind = {g.kind: g for g in groups}
    assert len(groups) == 4
    assert by_kind["superseded"].rows == 3017
    assert by_kind["superseded"].example_rows == tuple(range(2, 2 + EXAMPLE_ROWS))
    assert by_kind["superseded"].example_details[0] == "run r2; used: row 3"
    assert by_kind["outside_period"].reason == "outside the reporting period 2026-11-01..2026-11-30"
    assert by_kind["outside_period"].rows == 3
    assert by_kind["outside_period"].example_details[0] == "run 2026-10-01 00:00..2026-10-01 01:00"
    problem = by_kind["row_problem"]
    assert (problem.rows, problem.example_rows) == (3, (9000, 9001, 9002))
    assert problem.reason == "column 'energy_consumed': … is not a number"
    assert problem.example_details == ("'a'", "'b'", "'c'")
    assert (by_kind["not_usage"].rows, by_kind["not_usage"].example_rows) == (7, (3, 4))
    assert sum(g.rows for g in groups) == 3017 + 3 + 3 + 7


def test_reasons_whose_detail_is_not_found_still_give_a_bounded_number_of_groups() -> None:
    odd = [Exclusion(row, f"sensor{row}x gave no reading") for row in range(2, 502)]  # no detail to split off
    groups = group_exclusions(odd, [])
    assert len(groups) == LABELS_PER_KIND + 1
    other = groups[-1]
    assert other.rows == 500 - LABELS_PER_KIND
    assert other.example_rows[0] == 2 + LABELS_PER_KIND
    assert other.example_details[0] == f"sensor{2 + LABELS_PER_KIND}x gave no reading"
    assert sum(g.rows for g in groups) == 500


def test_a_quoted_value_at_the_start_is_row_detail() -> None:
    groups = group_exclusions([Exclusion(2, "'abc' is not a number"), Exclusion(3, "'x1' is not a number")], [])
    assert [(g.reason, g.rows, g.example_details) for g in groups] == [("… is not a number", 2, ("'abc'", "'x1'"))]


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("superseded: run x has a longer cumulative row (row 3) that is used", "superseded"),
        ("outside the reporting period 2026-01-01..2026-01-31", "outside_period"),
        ("line item type 'Tax': a tax, not usage", "not_usage"),
        ("ChargeCategory 'Purchase': not a usage charge, no resource consumed", "not_usage"),
        ("cost_type 'tax': a tax, not usage", "not_usage"),
        ("no 'Actual consumption' block (the run did not finish); predicted figures are never used", "unfinished"),
        ("usage row without a quantity (ConsumedQuantity is empty)", "row_problem"),
        ("column 'energy_consumed': 'abc' is not a number", "row_problem"),
        ("anything a reader writes that is not known", "row_problem"),
    ],
)
def test_each_reason_text_has_a_kind(reason: str, kind: str) -> None:
    assert exclusion_kind(reason) == kind


def test_a_kind_given_by_the_reader_wins_over_the_text() -> None:
    assert exclusion_kind("column 'x': 'abc' is not a number", ExclusionKind.NOT_USAGE) == "not_usage"


def test_validate_prints_one_line_per_reason_kind(tmp_path: Path) -> None:
    lines = CODECARBON.read_text(encoding="utf-8").splitlines()
    (tmp_path / "emissions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke(tmp_path, "validate", "--period", "2030-01", "emissions.csv")
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    rows = len(lines) - 1
    assert out[0] == f"emissions.csv: codecarbon; {rows} rows read, 0 usable, {rows} excluded"
    excluded = [line for line in out if " row(s) excluded" in line]
    # every run is outside 2030-01 except the superseded flush row, which is superseded first
    assert [line.split(":")[0] for line in excluded] == [
        f"  {rows - 1} row(s) excluded (e.g. rows 2, 3, 4, 5, 6, …)", "  1 row(s) excluded (e.g. row 7)"
    ]


# --- 10. --strict ---------------------------------------------------------------------------------


def _with_problems(monkeypatch: pytest.MonkeyPatch, problems: list[Exclusion]) -> None:
    """Make the pipeline's first ledger carry `problems` as a reader would (rows it left out)."""
    import reporter.pipeline

    real = reporter.pipeline.run

    def run(config: Any, factors: Any = None) -> Any:
        result = real(config, factors)
        ledger = result.ledgers[0]
        ledger.exclusions.extend(problems)
        ledger.rows_read += len(problems)
        return result

    monkeypatch.setattr(reporter.pipeline, "run", run)


@pytest.mark.parametrize(
    "command", [["validate"], ["report", "--org", "Acme", "--period", "2026-11"], ["close", "2026-11", "--org", "Acme"]]
)
def test_strict_turns_the_first_row_problem_into_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    shutil.copy(CODECARBON, tmp_path / "emissions.csv")
    _with_problems(
        monkeypatch,
        [
            Exclusion(12, "column 'energy_consumed': 'x' is not a number"),
            Exclusion(9, "column 'duration': '-1' is negative"),
        ],
    )
    out = [] if command[0] == "validate" else ["--out", "loose", "--db", f"sqlite:///{tmp_path / 'loose.db'}"]
    loose = invoke(tmp_path, *command, *out, "emissions.csv")
    assert loose.exit_code == 0, loose.output
    strict = invoke(tmp_path, *command, "--strict", "emissions.csv")
    assert strict.exit_code == 2
    assert strict.stderr.splitlines() == [
        "error: emissions.csv, row 9: column 'duration': '-1' is negative "
        "(--strict: 2 rows left out for a problem in all)"
    ]
    assert not (tmp_path / "out").exists() and not (tmp_path / "reporter.db").exists()


def test_strict_accepts_accounting_exclusions(tmp_path: Path) -> None:
    shutil.copy(CODECARBON, tmp_path / "emissions.csv")
    result = invoke(tmp_path, "validate", "--strict", "--period", "2030-01", "emissions.csv")
    assert result.exit_code == 0, result.output  # superseded and outside the period: accounting


# --- 2. listing the history needs no organisation --------------------------------------------------


def test_history_lists_with_a_config_that_has_no_organization(tmp_path: Path) -> None:
    shutil.copytree(TRACKERS / "codecarbon", tmp_path / "data")
    (tmp_path / "c.toml").write_text('[[inputs]]\npath = "data"\n[output]\nformats = ["json"]\n', encoding="utf-8")
    closed = invoke(tmp_path, "close", "2026-11", "--config", "c.toml", "--org", "Acme")
    assert closed.exit_code == 0, closed.output
    listing = invoke(tmp_path, "history", "--config", "c.toml")
    assert listing.exit_code == 0, listing.output
    assert listing.output.splitlines()[1].startswith("2026-11    1 current")


# --- 3. the PDF library missing -------------------------------------------------------------------


class _NoPango(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")


def test_a_missing_pango_library_is_named_with_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(CODECARBON, tmp_path / "emissions.csv")
    monkeypatch.setitem(sys.modules, "weasyprint", _NoPango("weasyprint"))
    result = invoke(tmp_path, "report", "--org", "Acme", "--period", "2026-11", "emissions.csv")
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: cannot write out/acme-2026-11.pdf: the PDF needs the Pango library (libpango-1.0-0 ")
    assert "`make setup` installs it" in line and "--only json --only xlsx" in line
    assert not (tmp_path / "out" / "acme-2026-11.pdf").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # nothing half written


# --- 4. text from inputs: never a formula, always escaped, never a file name ----------------------


def _hostile_report(context: Report) -> Report:
    rows = tuple(BreakdownRow(key, 1.0, 0.001, 1 / len(HOSTILE), 1 / len(HOSTILE)) for key in HOSTILE)
    breakdowns = {**context.breakdowns, "team": rows, "project": rows}
    items = context.line_items.copy()
    items["team"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(items))]
    return dataclasses.replace(context, breakdowns=breakdowns, line_items=items)


def test_text_from_inputs_is_text_in_the_workbook(context: Report, tmp_path: Path) -> None:
    (path,) = [p for p in write_outputs(_hostile_report(context), tmp_path, ["xlsx"]) if p.suffix == ".xlsx"]
    book = openpyxl.load_workbook(path)
    seen: set[str] = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in HOSTILE:
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    assert seen == set(HOSTILE)
    formulas = [c for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []


def test_text_from_inputs_is_escaped_in_the_pdf(context: Report, tmp_path: Path) -> None:
    organization = dataclasses.replace(context.organization, name="<b>Acme</b>")
    report = _hostile_report(dataclasses.replace(context, organization=organization))
    html = render_html(report)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Acme</b>" not in html and "&lt;b&gt;Acme&lt;/b&gt;" in html
    text = "".join(page.extract_text() for page in PdfReader(render_pdf(report, tmp_path / "r.pdf")).pages)
    squashed = "".join(text.split())
    assert "<script>alert(1)</script>" in squashed and '=HYPERLINK("http://x","y")' in squashed


# --- 5. file names: inside --out, always ----------------------------------------------------------


@pytest.mark.parametrize("slug", ["../../x", "/tmp/abs", "a/b", ".hidden", "x\ny"])
def test_a_bad_explicit_slug_is_refused(tmp_path: Path, slug: str) -> None:
    shutil.copy(CODECARBON, tmp_path / "emissions.csv")
    (tmp_path / "c.toml").write_text(
        f'[organization]\nname = "Acme"\nslug = {json.dumps(slug)}\n[period]\nmonth = "2026-11"\n'
        '[[inputs]]\npath = "emissions.csv"\n[output]\nformats = ["json"]\n',
        encoding="utf-8",
    )
    result = invoke(tmp_path, "report", "--config", "c.toml")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: 'organization.slug': {slug!r} cannot name the report files; use letters, digits, '-', '_' "
        "and '.' only (no '/', '..' or leading dot), at most 100 characters"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "emissions.csv"]


@pytest.mark.parametrize(("name", "stem"), [("../../evil", "evil"), ("a/b\nc", "a-b-c"), ("/", "organization")])
def test_an_organization_name_becomes_a_safe_slug(tmp_path: Path, name: str, stem: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(CODECARBON, work / "emissions.csv")
    result = invoke(work, "report", "--org", name, "--period", "2026-11", "--only", "json", "emissions.csv")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (work / "out").iterdir())
    assert written == [f"{stem}-2026-11.datapoints.csv", f"{stem}-2026-11.json", f"{stem}-2026-11.lineage.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


# --- 6. numbers: huge, tiny, NaN, infinite ---------------------------------------------------------

FORMATTERS = [
    formatting.energy_mwh, formatting.tco2e, formatting.percent, formatting.factor, formatting.pue,
    formatting.integer, formatting.percentage, formatting.commitment, formatting.change_from_base,
    formatting.achieved, formatting.gap_to_pathway, formatting.tco2e_change, formatting.quantity,
    formatting.money, lambda v: formatting.tick(v, 1.0), lambda v: formatting.number(v),
]


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_every_number_formatter_gives_short_text_for_any_float(value: float) -> None:
    for fmt in FORMATTERS:
        text = fmt(value)
        assert isinstance(text, str) and text
        digits = sum(c in "0123456789" for c in text)
        assert digits <= 2 * formatting.MAX_DIGITS and len(text) <= 80, (value, text)  # never hundreds of digits
        assert "inf" not in text.lower() and "nan" not in text.lower()
        if math.isnan(value):
            assert formatting.MISSING in text
        elif math.isinf(value) and fmt is not formatting.achieved:  # achieved(−∞) is "none: …"
            assert formatting.INFINITE in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1e308, "1.00 × 10³⁰⁸"), (float("inf"), "∞"), (-float("inf"), "−∞"), (5e-324, "4.94 × 10⁻³²⁴"),
     (float("nan"), "—"), (2.5e15, "2.50 × 10¹⁵"), (123456.0, "123,456.0")],
)
def test_extreme_emissions_read_as_expected(value: float, expected: str) -> None:
    assert formatting.tco2e(value) == expected.replace(" × ", formatting.TIMES)


def test_infinite_and_huge_figures_render_everywhere(context: Report, tmp_path: Path) -> None:
    inf = float("inf")
    totals = dataclasses.replace(context.totals, energy_kwh=inf, location_based_tco2e=1e308, energy_kwh_high=inf)
    by_month = tuple(MonthTotals(m.month, inf, 1e308) for m in context.by_month)
    report = dataclasses.replace(context, totals=totals, by_month=by_month)
    paths = write_outputs(report, tmp_path, ["json", "xlsx", "pdf"])
    document = json.loads(
        (tmp_path / paths[2].name).read_text(encoding="utf-8"),  # after the lineage and datapoint files
        parse_constant=lambda name: pytest.fail(f"JSON holds {name}"),
    )
    assert document["totals"]["energy_kwh"] is None and document["totals"]["location_based_tco2e"] == 1e308
    assert "totals.energy_kwh" in document["non_finite_values"]["paths"]
    book = openpyxl.load_workbook(paths[3])
    summary = [cell.value for row in book["Summary"].iter_rows() for cell in row]
    assert "∞" in summary and 1e308 in summary  # the infinite total said in text, the huge one kept
    text = "".join(page.extract_text() for page in PdfReader(paths[4]).pages)
    assert "∞" in text and "10³⁰⁸" in text


# --- 7. a huge tag value: bounded layout -----------------------------------------------------------


def test_a_huge_nested_tag_value_is_cut_in_the_pdf(context: Report, tmp_path: Path) -> None:
    nested = '{"a":' * 1000 + "1" + "}" * 1000
    long = "x" * (1 << 20)
    rows = tuple(BreakdownRow(key, 1.0, 0.001, 0.5, 0.5) for key in (nested, long))
    report = dataclasses.replace(context, breakdowns={**context.breakdowns, "team": rows})
    text = "".join(page.extract_text() for page in PdfReader(render_pdf(report, tmp_path / "r.pdf")).pages)
    squashed = "".join(text.split())
    assert '{"a":' * (WORD_CHARS // 5) + "…(cut;thefulltextisintheworkbookandthelineagefile)" in squashed
    assert "x" * WORD_CHARS + "…(cut;" in squashed
    assert "x" * (WORD_CHARS + 1) not in squashed


def test_a_bill_with_a_huge_nested_tag_gives_a_pdf_with_the_tag_cut(tmp_path: Path) -> None:
    """End to end: a FOCUS bill whose Tags hold a team nested 1,000 levels deep and a 1 MiB
    project; the PDF is written and shows both cut."""
    with SLICE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    tags, unit = header.index("Tags"), header.index("ConsumedUnit")
    nested = '{"a":' * 1000 + "1" + "}" * 1000
    huge = '{"team": ' + nested + ', "project": "' + "p" * (1 << 20) + '"}'  # too deep for json.dumps
    for row in [row for row in body if row[unit] == "Hours"][:2]:  # compute hours: energy, so a table row
        row[tags] = huge
    with (tmp_path / "bill.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *body])
    result = invoke(tmp_path, "report", "--org", "Acme", "--period", "2026-11", "--only", "pdf", "bill.csv")
    assert result.exit_code == 0, result.output
    reader = PdfReader(tmp_path / "out" / "acme-2026-11.pdf")
    squashed = "".join("".join(page.extract_text() for page in reader.pages).split())
    note = "…(cut;thefulltextisintheworkbookandthelineagefile)"
    assert "p" * WORD_CHARS + note in squashed
    assert '"a":' in squashed and "p" * (WORD_CHARS + 1) not in squashed


# --- 8. atomic outputs -----------------------------------------------------------------------------


def _folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_a_renderer_failing_midway_leaves_the_previous_files(context: Report, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    write_outputs(context, tmp_path, ["json", "xlsx"])
    before = _folder(tmp_path)
    import reporter.render.excel

    def broken(report: Report, path: Path) -> Path:
        path.write_bytes(b"PK half a workbook")
        raise RuntimeError("killed")

    monkeypatch.setattr(reporter.render.excel, "render_xlsx", broken)
    changed = dataclasses.replace(context, organization=dataclasses.replace(context.organization, name="Other"))
    with pytest.raises(RuntimeError):
        write_outputs(changed, tmp_path, ["json", "xlsx"])
    assert _folder(tmp_path) == before  # the new JSON was written but never put in place


def test_a_full_disk_is_one_line_and_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(CODECARBON, tmp_path / "emissions.csv")
    args = ["report", "--org", "Acme", "--period", "2026-11", "--only", "json", "emissions.csv"]
    assert invoke(tmp_path, *args).exit_code == 0
    before = _folder(tmp_path / "out")
    import reporter.render.json_report

    def full(report: Report, path: Path) -> Path:
        with path.open("w", encoding="utf-8") as handle:
            handle.write('{"schema_version": ')
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(reporter.render.json_report, "render_json", full)
    result = invoke(tmp_path, *args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: cannot write out/acme-2026-11.json ({os.strerror(errno.ENOSPC)}); "
        "the previous report files are unchanged"
    ]
    assert _folder(tmp_path / "out") == before


def test_output_names_must_be_plain_file_names(context: Report, tmp_path: Path) -> None:
    bad = dataclasses.replace(context, organization=dataclasses.replace(context.organization, slug="../x"))
    with pytest.raises(RenderError, match="not a plain file name"):
        write_outputs(bad, tmp_path / "out", ["json"])
    assert not (tmp_path / "x.json").exists()
