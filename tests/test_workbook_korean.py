"""The manual-entry workbook in Korean (`reporter template --lang ko`, `/api/template?lang=ko`).

Sheet names, header keys and list codes stay English; the instructions, help texts, validation
messages, sheet notes and descriptive examples are Korean, and a label row (row 2) names the columns
in Korean. The same rows filled into the Korean and the English template read alike: the figures
below are worked out by hand in tests/test_workbook.py from the cloud model's published coefficients.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from reporter.cli import main
from reporter.errors import InputError
from reporter.report import build_report
from reporter.workbook import schema
from reporter.workbook.template import write_template
from tests.conftest import ROOT, run_inputs
from tests.test_serve_api import client
from tests.test_workbook import ELECTRICITY, SETTINGS

HANGUL = re.compile("[가-힣]")
WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
# English a Korean template keeps: units, codes, formats and names of things (every other English word
# in its instructions, comments and messages is a key, a sheet name or a list's code: see _allowed).
KEPT = {"AI", "DD", "MM", "YYYY", "DE", "KR", "US", "VA", "EUR", "GPU", "ISO", "IT", "LEI", "MWh", "kWh", "gCO",
        "tCO", "PUE", "aws", "azure", "gcp", "coreweave", "Equinix", "FR", "east", "europe", "west", "westeurope",
        "us", "xlarge", "highgpu", "Standard_NC", "ads_A", "PCIe", "GB", "reporter", "report", "instruments",
        "credits", "targets", "baseline", "factors", "supplier", "residual_mix", "organization", "period",
        "organization_figures"}
# gcp H100, 100 GPU-h: 52.2285299 kWh IT × PUE 1.11 (us-central1); coreweave H100, 50 GPU-h: 24.793375 kWh IT ×
# the colocation default PUE 1.56 (tests/test_workbook.py works both out).
COMPUTE = [
    ["gcp", "us-central1", "2026-10", None, None, "GPU-hours", 100, "H100", "research", "llm", "acme-7b", "inv 9"],
    ["coreweave", "us-east", "2026-10", None, None, "GPU-hours", 50, "H100", None, None, None, "inv 11"],
]
GCP_KWH, COREWEAVE_KWH = 52.2285299 * 1.11, 24.793375 * 1.56
# Berlin: 1000 kWh of IT equipment × PUE 1.5; Ashburn: a whole-site meter, 300 kWh as read.
METERED_KWH = 1000 * 1.5 + 300


def fill(path: Path, lang: str, sheets: dict[str, list[list[Any]]]) -> Path:
    """The template in `lang` with each sheet's example row deleted and `sheets`' rows below (a Korean
    template's label row, row 2, kept as it is)."""
    write_template(path, lang)
    book = openpyxl.load_workbook(path)
    example_row = 3 if lang == "ko" else 2
    for name in book.sheetnames[1:]:
        book[name].delete_rows(example_row)
    for name, rows in sheets.items():
        for row in rows:
            book[name].append(row)
    book.save(path)
    return path


def _allowed() -> set[str]:
    words = set(KEPT)
    for sheet in schema.SHEETS:
        words.update(WORD.findall(sheet.name))
        for column in sheet.columns:
            words.update(WORD.findall(f"{column.header} {column.key} {' '.join(column.choices)}"))
    return words


def _english(texts: list[str]) -> set[str]:
    return {word for text in texts for word in WORD.findall(text)}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("templates")
    found = {}
    for lang in ("en", "ko"):
        write_template(folder / f"{lang}.xlsx", lang)
        found[lang] = openpyxl.load_workbook(folder / f"{lang}.xlsx")
    return found


def test_the_korean_template_keeps_the_sheets_and_headers_and_adds_a_korean_label_row(books: dict[str, Any]) -> None:
    ko, en = books["ko"], books["en"]
    assert ko.sheetnames == en.sheetnames == ["Instructions", *(s.name for s in schema.SHEETS)]
    for sheet in schema.SHEETS:
        assert [c.value for c in ko[sheet.name][1]] == [c.value for c in en[sheet.name][1]] == [
            c.header for c in sheet.columns
        ]
        labels = [c.value for c in ko[sheet.name][2]]
        assert len(labels) == len(sheet.columns) and all(HANGUL.search(str(text)) for text in labels), labels
    assert [c.value for c in ko["Electricity"][2]] == [
        "사업장 이름", "국가 또는 전력망 지역", "월", "시작일", "종료일", "전력량(kWh)", "계량기 번호",
        "자체 또는 코로케이션", "사업장 PUE(IT 전용 계량기)", "근거 문서",
    ]
    assert ko["Credits"]["C2"].value == "크레딧 유형" and ko["Instruments"]["A2"].value == "계약 수단 유형"
    assert ko["Organisation"]["J2"].value == "스코프 3 카테고리 3 배출량(tCO2e)"
    # The example is row 3: descriptive texts in Korean, codes and numbers as in English.
    assert [c.value for c in ko["Electricity"][3]] == [
        "프랑크푸르트 GPU 전산실", "DE", "2026-10", None, None, 12000, "M-0042", "own", 1.35,
        "전기요금 청구서 2026-10 제4711호",
    ]
    assert ko["Instruments"]["I3"].value == "no" and ko["Credits"]["G3"].value == "yes"
    assert ko["Targets"]["A3"].value == "2030년까지 AI 배출량 50% 감축"
    assert en["Electricity"]["A2"].value == "Frankfurt GPU room" and en["Electricity"]["A3"].value is None
    assert (ko.properties.title, en.properties.title) == ("reporter 수기 입력 워크북", "reporter manual-entry workbook")


def test_the_korean_templates_validations_and_help_are_korean(books: dict[str, Any]) -> None:
    electricity = books["ko"]["Electricity"]
    rules = {str(v.sqref): v for v in electricity.data_validations.dataValidation}
    # Validation covers the example and the 1000 data rows below the label row.
    assert rules["H3:H1002"].type == "list" and rules["H3:H1002"].formula1 == '"own,colocated"'
    assert rules["F3:F1002"].type == "decimal" and rules["F3:F1002"].operator == "greaterThanOrEqual"
    assert rules["D3:D1002"].type == "date"
    assert rules["F3:F1002"].promptTitle == "전력량(kWh)" and rules["F3:F1002"].prompt == "기간 중 계량된 전력량(kWh)"
    assert rules["F3:F1002"].error == "기간 중 계량된 전력량(kWh) (숫자 ≥ 0)"
    assert rules["I3:I1002"].error == (
        "계량기가 IT 장비만 계량하면 시설의 PUE. 사업장 전체를 계량하는 계량기이면 비워 둠 (숫자 ≥ 1, ≤ 5)"
    )
    assert rules["A3:A1002"].prompt == "사업장 또는 전산실의 이름"  # a text column: its help, any value
    assert electricity["F1"].comment.text == "전력량(kWh): 기간 중 계량된 전력량(kWh) (필수)"
    baseline = {str(v.sqref): v for v in books["ko"]["Baseline"].data_validations.dataValidation}
    assert baseline["A3"].type == "whole" and baseline["A3"].prompt == "기준연도"
    texts = []
    for sheet in schema.SHEETS:
        ws = books["ko"][sheet.name]
        texts += [c.comment.text for c in ws[1] if c.comment]
        for rule in ws.data_validations.dataValidation:
            texts += [t for t in (rule.promptTitle, rule.prompt, rule.errorTitle, rule.error) if t]
    assert len(texts) > 150 and all(HANGUL.search(text) for text in texts)
    assert _english(texts) <= _allowed(), _english(texts) - _allowed()


def test_the_korean_instructions_are_korean(books: dict[str, Any]) -> None:
    ws = books["ko"]["Instructions"]
    rows = [[v for v in row if v is not None] for row in ws.iter_rows(values_only=True)]
    assert rows[0] == ["수기 입력 워크북"]
    assert rows[2][0].startswith("각 시트의 1행은 헤더로, 워크북을 읽을 때 쓰는 영어 열 키입니다. 2행은")
    assert rows[9] == ["시트", "열", "항목명", "필수", "유형", "허용 값", "의미"]
    assert ["Electricity", "Site", "사업장 이름", "예", "텍스트", "사업장 또는 전산실의 이름"] in rows
    assert ["Credits", "type", "크레딧 유형", "예", "목록 중 하나", "removal, avoidance",
            "removal(제거) 또는 avoidance(회피)"] in rows
    assert ["Organisation", "scope3_tco2e.6", "스코프 3 카테고리 6 배출량(tCO2e)", "아니요", "숫자 ≥ 0",
            "스코프 3 카테고리 6(출장) 배출량(tCO2e)"] in rows
    assert ["Targets", "감축 목표(설정 파일의 [[targets]]와 같음. Baseline 시트가 필요함)."] in rows
    # Every text but the sheet, key and allowed-values columns is Korean, with keys, units and codes only.
    names = set(books["ko"].sheetnames)
    texts = [str(v) for row in rows if row and row[0] not in names for v in row]
    texts += [str(v) for row in rows if len(row) > 2 and row[0] in names for v in row[2:5] + row[6:]]
    texts += [str(row[-1]) for row in rows if len(row) == 2 and row[0] in names]  # the sheets' notes
    assert all(HANGUL.search(text) for text in texts), [t for t in texts if not HANGUL.search(t)]
    assert _english(texts) <= _allowed(), _english(texts) - _allowed()
    # The English template is as it was: no label column, English words.
    english = [[v for v in row if v is not None] for row in books["en"]["Instructions"].iter_rows(values_only=True)]
    assert english[8] == ["Sheet", "Column", "Required", "Type", "Allowed values", "Meaning"]
    assert ["Electricity", "Site", "yes", "text", "name of the site or room"] in english


def _reading(path: Path) -> tuple[Any, Any]:
    result = run_inputs([str(path)], period="2026-10")
    return result, build_report(result)


def test_a_filled_korean_template_reads_as_the_english_one(tmp_path: Path) -> None:
    sheets = {"Electricity": ELECTRICITY, "Compute usage": COMPUTE, **SETTINGS}
    en, en_report = _reading(fill(tmp_path / "en.xlsx", "en", sheets))
    ko, ko_report = _reading(fill(tmp_path / "ko.xlsx", "ko", sheets))
    for result, first_row in ((en, 2), (ko, 3)):  # the Korean rows start below the label row
        [ledger] = result.ledgers
        assert (ledger.rows_read, ledger.rows_used, ledger.rows_excluded) == (4, 4, 0)
        items = result.items.set_index(["method", "source_row"], drop=False)
        assert items.loc[("metered", first_row)]["energy_kwh"] == pytest.approx(1500.0)
        assert items.loc[("metered", first_row + 1)]["energy_kwh"] == pytest.approx(300.0)
        assert items.loc[("estimated", first_row)]["energy_kwh"] == pytest.approx(GCP_KWH)
        assert items.loc[("estimated", first_row + 1)]["energy_kwh"] == pytest.approx(COREWEAVE_KWH)
    for report in (en_report, ko_report):
        assert report.totals.energy_kwh == pytest.approx(METERED_KWH + GCP_KWH + COREWEAVE_KWH)  # 1896.6513 kWh
        assert report.totals.own_operations_energy_kwh == pytest.approx(METERED_KWH)
    assert ko_report.totals == en_report.totals
    assert ko.config.instruments == en.config.instruments and len(ko.config.instruments) == 1
    assert ko.config.instruments[0].mwh == 250.5 and ko.config.credits == en.config.credits
    assert ko.config.targets == en.config.targets and ko.config.targets[0].reduction_pct == 90.0
    assert ko.config.baseline == en.config.baseline and ko.config.baseline is not None
    assert ko.config.baseline.location_based_tco2e == 150.0
    assert ko.config.factors.supplier == en.config.factors.supplier == {"US-VA": 310.0}
    assert ko.config.factors.residual_mix == en.config.factors.residual_mix == {"DE": 690.5}


def test_an_empty_korean_template_is_an_input_with_only_its_example_rows(tmp_path: Path) -> None:
    write_template(tmp_path / "empty.xlsx", "ko")
    result = run_inputs([str(tmp_path / "empty.xlsx")], period="2026-10")
    [ledger] = result.ledgers
    # The configuration sheets' Korean examples (a target named in Korean, a supplier's 2025 disclosure) are
    # examples too: nothing is added to the configuration.
    assert (result.config.targets, result.config.instruments, result.config.credits) == ([], [], [])
    factors = result.config.factors
    assert (factors.supplier, factors.residual_mix, result.config.baseline) == ({}, {}, None)
    # The Electricity and Compute usage example rows (row 3, in Korean), left as they are; the label rows
    # are not rows read.
    assert (ledger.rows_read, ledger.rows_used) == (2, 0)
    assert [(e.row, e.reason) for e in ledger.exclusions] == [
        (3, "the template's example row on 'Electricity', left as it is"),
        (3, "the template's example row on 'Compute usage', left as it is"),
    ]


def test_a_korean_template_without_its_label_row_or_with_a_changed_label_reads_as_written(tmp_path: Path) -> None:
    path = tmp_path / "no-labels.xlsx"
    write_template(path, "ko")
    book = openpyxl.load_workbook(path)
    book["Electricity"].delete_rows(2)  # the label row gone: the Korean example is row 2, still not read
    book["Electricity"].append(["Berlin GPU room", "DE", "2026-10", None, None, 1000, "M-1", "own", 1.5, "inv"])
    book["Compute usage"]["G2"] = "시간 (h)"  # a label changed: the row is read, and its bad cell named
    book.save(path)
    with pytest.raises(InputError) as error:
        run_inputs([str(path)], period="2026-10")
    assert str(error.value).endswith(
        "no-labels.xlsx: 'Compute usage'!G2: '시간 (h)' in the label row of a translated template, where the "
        "column's name '시간' was: write it back or delete the row (it is not read)"
    )
    book["Compute usage"].delete_rows(2, 2)
    book.save(path)
    result = run_inputs([str(path)], period="2026-10")
    [ledger] = result.ledgers
    assert (ledger.rows_read, ledger.rows_used) == (2, 1)
    assert [(e.row, e.reason) for e in ledger.exclusions] == [
        (2, "the template's example row on 'Electricity', left as it is")
    ]
    assert result.items["energy_kwh"].sum() == pytest.approx(1500.0)  # 1000 kWh of IT equipment × PUE 1.5


def test_the_template_command_takes_a_language(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["template", str(tmp_path / "ko.xlsx"), "--lang", "ko"])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(tmp_path / "ko.xlsx")["Electricity"]["A2"].value == "사업장 이름"
    english = CliRunner().invoke(main, ["template", str(tmp_path / "en.xlsx")])
    assert english.exit_code == 0 and openpyxl.load_workbook(tmp_path / "en.xlsx")["Electricity"]["A2"].value == (
        "Frankfurt GPU room"
    )
    unknown = CliRunner().invoke(main, ["template", str(tmp_path / "fr.xlsx"), "--lang", "fr"])
    assert unknown.exit_code == 2 and "'fr' is not one of 'en', 'ko'" in unknown.output


def test_the_pages_template_download_takes_a_language(tmp_path: Path) -> None:
    import io

    api = client(tmp_path / "ws")
    korean = api.get("/api/template", params={"lang": "ko"})
    assert korean.status_code == 200
    assert 'filename="reporter-template-ko.xlsx"' in korean.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(korean.content))
    assert book["Instructions"]["A1"].value == "수기 입력 워크북" and book["Electricity"]["A1"].value == "Site"
    english = api.get("/api/template")
    assert openpyxl.load_workbook(io.BytesIO(english.content))["Instructions"]["A1"].value == "Manual-entry workbook"
    assert api.get("/api/template", params={"lang": "fr"}).status_code == 422
    page = api.get("/").text
    assert '<select id="template-lang">' in page and '<option value="ko" lang="ko">' in page


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) is not installed")
def test_the_korean_catalog_passes_msgfmt_check() -> None:
    checked = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(ROOT / "reporter/data/locale/ko.po")],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


def test_dates_of_the_filled_rows_are_unchanged_by_the_label_row(tmp_path: Path) -> None:
    """A Start and End given as dates on the Korean template: the period read is the English one's."""
    row = ["Colo Ashburn", "US-VA", None, datetime(2026, 10, 1), datetime(2026, 10, 15), 300, "M-2", "colocated",
           None, "invoice 2"]
    for lang in ("en", "ko"):
        result = run_inputs([str(fill(tmp_path / f"{lang}.xlsx", lang, {"Electricity": [row]}))], period="2026-10")
        [item] = result.items.to_dict("records")
        assert (str(item["start_time"]), str(item["end_time"])) == ("2026-10-01 00:00:00", "2026-10-16 00:00:00")
