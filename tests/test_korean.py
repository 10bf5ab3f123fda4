"""Korean reports (`--lang ko`, `[output] lang = "ko"`): the catalog, Korean dates, the PDF (its text
and its fonts) and the workbook's labels; English stays the default."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner
from pypdf import PdfReader

from reporter.cli import main
from reporter.errors import ConfigError
from reporter.i18n import language
from reporter.render import write_outputs
from reporter.report import build_report
from tests.conftest import ROOT, make_config, run_inputs
from tests.test_models_energy import SECTIONS, _inputs

LOCALE = ROOT / "reporter" / "data" / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
KOREAN_HEADINGS = ["요약", "목표와 진척도", "탄소 크레딧", "모델 에너지", "전력사용효율(PUE)", "산정 방법론",
                   "배출계수", "데이터 품질", "입력 원장", "제외된 행"]


def test_korean_dates_and_english_default() -> None:
    ko, en = language("ko"), language("en")
    assert ko.month_long("2026-11") == "2026년 11월"
    assert ko.day(date(2026, 11, 30)) == "2026년 11월 30일"
    assert ko.period_label(date(2026, 11, 1), date(2026, 11, 30)) == "2026년 11월"
    assert ko.period_label(date(2026, 1, 1), date(2026, 12, 31)) == "2026년 1월 ~ 12월"
    assert ko.period_label(date(2025, 7, 1), date(2026, 6, 30)) == "2025년 7월 ~ 2026년 6월"
    assert ko.period_label(date(2026, 1, 15), date(2026, 3, 10)) == "2026년 1월 15일 ~ 2026년 3월 10일"
    assert ko.month_short("2026-03") == "3월"
    assert en.period_label(date(2026, 1, 1), date(2026, 12, 31)) == "January – December 2026"
    assert en.gettext("Summary") == "Summary" and ko.gettext("Summary") == "요약"
    assert ko.ngettext("%(num)s run", "%(num)s runs", 3) == "실행 %(num)s회"
    assert ko.gettext("a message no catalog has") == "a message no catalog has"  # shown in English


def _extracted() -> set[str]:
    """Every message marked in the templates and the code, as Babel extracts them (babel.cfg)."""
    method_map = [("reporter/**.py", "python"), ("templates/**.j2", "jinja2")]
    options = {"templates/**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_message_has_a_korean_translation_with_its_placeholders() -> None:
    extracted = _extracted()
    with (LOCALE / "reporter.pot").open("rb") as handle:
        template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(handle) if m.id}
    assert extracted == template, "reporter.pot is out of date: run pybabel extract (see reporter/i18n.py)"
    with (LOCALE / "ko.po").open("rb") as handle:
        korean = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in read_po(handle, locale="ko") if m.id}
    for message in sorted(extracted):
        entry = korean.get(message)
        assert entry is not None and not entry.fuzzy, f"no Korean for {message!r}"
        text = entry.string[0] if isinstance(entry.string, tuple) else entry.string
        assert text and re.search("[가-힣]", text) or message == "SHA-256" or message.endswith("."), message
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(message)), message


@pytest.fixture(scope="module")
def korean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A Korean and an English report of the same inputs (the model-energy test's, worked by hand)."""
    folder = tmp_path_factory.mktemp("korean")
    paths = {}
    for lang in ("ko", "en"):
        sections = {**SECTIONS, "output": {"lang": lang}}
        report = build_report(run_inputs(_inputs(folder), **sections))
        written = write_outputs(report, folder / lang, ["pdf", "xlsx"])
        paths.update({f"{lang}.{p.suffix[1:]}": p for p in written})
    return paths


def test_korean_pdf_has_korean_headings_dates_and_a_hangul_font(korean: dict[str, Path]) -> None:
    reader = PdfReader(str(korean["ko.pdf"]))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in KOREAN_HEADINGS:
        assert heading in text, heading
    assert "2026년 11월" in text and "보고 기간 2026년 11월 1일 ~ 2026년 11월 30일" in text
    assert "AI 에너지 및 온실가스 배출량 보고서" in text and f"1 / {len(reader.pages)}쪽" in text
    assert "위치 기반" in text and "시장 기반" in text and "스코프 2" in text
    # the model section's hand-worked figures: 0.1 MWh training, 0.02 MWh fine-tuning, 10 g per 1,000 inferences
    models = text[text.index("모델 에너지", text.index("목표와 진척도")):]
    assert "학습" in models and "미세조정" in models and "추론" in models and "10.0 gCO2e / 추론 1,000회" in models
    assert not re.search(r"\b(Summary|Methodology|Inputs ledger)\b", text)
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    assert any("Nanum" in name or "NotoSansCJK" in name for name in fonts), fonts
    english = "\n".join(page.extract_text() for page in PdfReader(str(korean["en.pdf"])).pages)
    assert "Summary" in english and "요약" not in english


def test_korean_workbook_labels_with_the_same_values(korean: dict[str, Path]) -> None:
    ko = openpyxl.load_workbook(korean["ko.xlsx"], read_only=True)
    en = openpyxl.load_workbook(korean["en.xlsx"], read_only=True)
    assert ko.sheetnames == en.sheetnames  # sheet names and column keys stay as in the JSON
    ko_rows = list(ko["Summary"].iter_rows(values_only=True))
    en_rows = list(en["Summary"].iter_rows(values_only=True))
    assert [row[1] for row in ko_rows] == [row[1] for row in en_rows]  # the values, unchanged
    labels = {row[0]: row[1] for row in ko_rows}
    assert labels["에너지 (kWh)"] == pytest.approx(132.0)  # 100 + 20 + 5 + 7 kWh
    assert labels["위치 기반 배출량"] == pytest.approx(0.0528)  # 132 kWh x 400 g
    assert "조직" in labels and "기간" in labels
    sheet = list(ko["Model energy"].iter_rows(values_only=True))
    assert tuple(v for v in next(r for r in sheet if r[0] == "가속기별 컴퓨팅 시간") if v) == ("가속기별 컴퓨팅 시간",)
    phases = {row[1]: row for row in sheet[1:4]}
    assert phases["training"][2] == pytest.approx(100.0) and phases["fine_tuning"][2] == pytest.approx(20.0)
    assert ko.properties.title.startswith("AI 에너지 및 온실가스 배출량 보고서")


def test_lang_from_the_command_line_and_the_configuration(tmp_path: Path) -> None:
    inputs = _inputs(tmp_path)
    result = CliRunner().invoke(
        main, ["report", inputs[0]["path"], "--org", "한빛 AI", "--period", "2026-11", "--lang", "ko",
               "--out", str(tmp_path / "out"), "--only", "pdf", "-q"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    text = PdfReader(str(next((tmp_path / "out").glob("*.pdf")))).pages[0].extract_text()
    assert "한빛 AI" in text and "2026년 11월" in text
    assert make_config([], output={"lang": "ko"}).output.lang == "ko"
    with pytest.raises(ConfigError, match="lang"):
        make_config([], output={"lang": "fr"})


def test_texts_from_the_model_are_translated_but_never_percent_formatted() -> None:
    from reporter.render.pdf import _environment

    env = _environment(None, language("ko"))
    template = env.from_string("{{ tr(a) }}|{{ tr(b) }}|{{ _('Summary') }}|{{ tr(c) }}")
    rendered = template.render(a="By tag: 4.2% of o", b="Net zero", c="100% of %(x)s")
    assert rendered == "태그별: 4.2% of o|넷제로|요약|100% of %(x)s"  # a matched value is kept as it is


def test_texts_made_in_code_are_translated_by_the_catalogs_patterns() -> None:
    ko = language("ko")
    assert ko.translate("19.8% above the base year") == "기준연도 대비 19.8% 증가"
    assert ko.translate("42% below the base year") == "기준연도 대비 42% 감축"
    # a matched value is translated in turn when the catalog has it
    assert ko.translate("line item type 'Tax': a tax, not usage") == "라인 항목 유형 'Tax': 세금이며 사용량 아님"
    assert ko.translate("line item type 'Odd': a new reason") == "라인 항목 유형 'Odd': a new reason"
    # only messages the catalog marks as patterns match: a message with a placeholder is not a pattern
    assert ko.translate("a share is 5%") == "a share is 5%"
    assert ko.translate("2,520 s of gaps between samples were not bridged (readings flagged power_log_gap)") == (
        "샘플 사이의 공백 2,520초는 메우지 않음(측정값에 power_log_gap 플래그)"
    )
    assert language("en").translate("19.8% above the base year") == "19.8% above the base year"


def test_the_overlap_host_and_provider_version_texts_made_in_code_are_translated() -> None:
    ko = language("ko")
    assert ko.translate(
        "47 reading(s) (18109.8 kWh reported) name no host (the file gives none: set the input's `host` option): "
        "they are not checked for overlap with the other measurements"
    ) == ("측정값 47개(보고된 에너지 18109.8 kWh)에 호스트가 없음(파일에 호스트가 없으므로 입력의 `host` 옵션을 "
          "지정하십시오): 다른 측정값과의 중복을 확인하지 않음")
    assert ko.translate(
        "overlap: the same host and hours are measured by a source kept first (power_log gpu.csv row 4); this "
        "tracker-measured reading's 1.5 kWh is set aside so it counts once (host node-1, run r7)"
    ) == ("중복: 같은 호스트와 시간을 먼저 채택된 출처(power_log gpu.csv row 4)가 측정함. 이 측정값(트래커 측정)의 "
          "1.5 kWh는 한 번만 계산되도록 제외함(호스트 node-1, 실행 r7)")
    assert ko.translate(
        "overlap: row 12 (run r7, host node-1): 0.5 kWh of 2 kWh set aside (900 s of 3,600 s also measured by "
        "power_log gpu.csv row 4); flagged overlap_set_aside"
    ) == ("중복: 12행(실행 r7, 호스트 node-1): 2 kWh 중 0.5 kWh 제외(3,600초 중 900초를 power_log gpu.csv 4행도 "
          "측정함), overlap_set_aside 플래그")
    assert ko.translate("aws v3.0.0: 2026-01 to 2026-10 (this report)") == "aws v3.0.0: 2026-01 ~ 2026-10 (이 보고서)"
    assert ko.translate("aws model not named: 2026-03 (closed (version 2))") == (
        "aws 모델 이름 없음: 2026-03 (마감, 버전 2)"
    )
    assert ko.translate("supplier rate") == "공급자 배출계수"
