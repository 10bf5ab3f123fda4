"""No English prose in a Korean report: every Latin word in the Korean demo PDF's text is a proper
name, a unit, an identifier or a value from the inputs (a team, a file, a factor's source).

`english_lines` is also the measure of what is left: run this module's `main` on a Korean PDF and
its JSON (`python -m tests.test_korean_prose report.pdf report.json`) to list the lines.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from reporter.config import load_config
from reporter.glossary import FLAG_MEANINGS
from reporter.pipeline import run
from reporter.render import write_outputs
from reporter.report import build_report
from tests.conftest import ROOT

# Latin words a Korean report may show: units, standards and their bodies, products and companies,
# the tool's own identifiers (flags, configuration keys and file names are shown as written).
ALLOWED_WORDS = """
    AI MWh kWh Wh GWh TWh tCO2e gCO2e kgCO2e CO2e CO2 GJ EUR USD KRW FLOP FLOPs MTCO2e GB TB vCPU CPU GPU GPUs
    RAM SSD HDD IT PUE SCI ESRS VSME GRI CDP IFRS KSSB ISO SBTi GHG EU NACE XBRL LEI AR UTC JSON PDF CSV SHA
    REC GO EAC EACs PPA NAT API RIFee SPECpower Ember eGRID EPA US CC BY SA MIT Apache AWS Amazon Google Cloud
    Azure Microsoft AmazonEC2 AmazonS3 AWSDataTransfer GCP EC2 CUR DiscountedUsage Puro Verra VCS CodeCarbon
    codecarbon carbontracker eco2ai nvidia smi nvidia_smi NVIDIA H100 A100 SXM Parquet Excel reporter Acme
    Hugging Face ft ID XI datapoints Filing phase country host DCGM Kepler
"""
# flags, a sheet name, a JSON block and configuration options are shown by name
ALLOWED = frozenset(re.findall(r"\S+", ALLOWED_WORDS)) | frozenset(FLAG_MEANINGS)
# Names of several words (products, standards) removed from a line before its words are checked.
PROPER_NAMES = (
    "AWS Cost and Usage Report", "Google Cloud billing export", "Azure cost details", "Cloud Carbon Footprint",
    "GHG Protocol", "Savings Plan",
)
LATIN = re.compile(r"[A-Za-z]+")
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]+")
IDENTIFIER = re.compile(r"[A-Za-z0-9\-]*[_/.:=@\d][A-Za-z0-9_/.:=@\-]*")
QUOTED = re.compile(r"'[^'\s]*'")  # a value quoted from an input (cost_type 'tax')  # ids, paths, element names, keys


def data_words(document: dict[str, Any]) -> set[str]:
    """Latin words that come from the inputs and the configuration, read from the report's JSON."""
    texts: list[str] = [document["organization"]["name"]]
    for block in document["breakdowns"].values():  # "(not recorded)" and "(other keys)" are labels, not values
        texts += [str(row["key"]) for row in block if row["key"] not in ("(not recorded)", "(other keys)")]
    texts += [entry[key] for entry in document["inputs"] for key in ("path", "format")]
    texts += [entry[key] or "" for entry in document["factors"]
              for key in ("id", "key", "name", "source", "source_detail", "licence")]
    texts += [str(value) for credit in document["credits"] for value in credit.values()]
    texts += [rate[key] or "" for rate in document["market_rates"] for key in ("origin", "source")]
    texts += [target["name"] for target in document["targets"]]
    texts += [str(entry.get(key) or "") for entry in document["instruments"] for key in ("certificate_id", "supplier")]
    texts += [row["provider"] for row in document["provider_comparison"]]
    texts += [model["name"] for model in document["models"]["models"]]
    texts += [name[4:] for name in document["breakdowns"] if name.startswith("tag:")]  # the bills' tag keys
    texts += [row["id"] for row in document.get("datapoints", {}).get("rows", [])]  # the frameworks' datapoint ids
    return {word for text in texts for word in LATIN.findall(text)}


def english_words(line: str, allowed: Iterable[str]) -> list[str]:
    """The Latin words of `line` that are neither allowed nor part of an identifier."""
    known = set(allowed)
    words = []
    for name in PROPER_NAMES:
        line = line.replace(name, " ")
    line = QUOTED.sub(" ", line)
    for token in re.split(r"[\s()]+", HANGUL.sub(" ", line)):
        token = token.strip("()[]{},.;:“”\"'‘’·%*…")
        if IDENTIFIER.fullmatch(token) and not token.isalpha():
            continue  # a number, an id, a path, an element name
        words += [word for word in LATIN.findall(token) if word not in known and len(word) > 1]
    return words


def english_lines(text: str, allowed: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    known = set(allowed)
    for line in text.splitlines():
        words = english_words(line, known)
        if words:
            yield line, words


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_the_measure_counts_english_words_not_names_units_or_ids() -> None:
    allowed = ALLOWED | {"research"}
    assert english_words("151.2 MWh (location-based) 53.9 tCO2e", allowed) == ["location", "based"]
    assert english_words("E1-6_11 esrs:GrossScope3 synthetic-acme/a.csv research 12", allowed) == []
    assert english_words("경로 이탈 yes", allowed) == ["yes"]
    lines = list(english_lines("요약\nthe run was interrupted\nAcme AI 53.9 tCO2e", ALLOWED))
    assert [line for line, _ in lines] == ["the run was interrupted"]


@pytest.fixture(scope="module")
def korean_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any], Path]:
    """The demo report in Korean: the PDF's text, the JSON document and the workbook."""
    folder = tmp_path_factory.mktemp("korean-demo")
    config = load_config(ROOT / "sample_inputs" / "report.toml", {"lang": "ko"})
    written = write_outputs(build_report(run(config)), folder, ["pdf", "json", "xlsx"])
    paths = {path.suffix: path for path in written}
    return pdf_text(paths[".pdf"]), json.loads(paths[".json"].read_text(encoding="utf-8")), paths[".xlsx"]


def test_the_korean_demo_pdf_has_no_english_prose(korean_demo: tuple[str, dict[str, Any], Path]) -> None:
    text, document, _ = korean_demo
    left = list(english_lines(text, ALLOWED | data_words(document)))
    assert not left, "English in the Korean PDF:\n" + "\n".join(f"{line}  <- {words}" for line, words in left)


def test_the_korean_workbooks_notes_meanings_and_datapoint_labels_are_korean(
    korean_demo: tuple[str, dict[str, Any], Path],
) -> None:
    book = openpyxl.load_workbook(korean_demo[2])
    notes = [(ws.title, cell.value) for ws in book.worksheets for row in ws.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.font.italic]
    assert len(notes) > 30
    assert [note for note in notes if not HANGUL.search(note[1])] == []
    meanings = [row[3] for row in book["Data quality"].iter_rows(min_row=2, values_only=True) if row[0] and row[3]]
    assert len(meanings) > 30 and [m for m in meanings if not HANGUL.search(m)] == []
    for title in ("Filing ESRS E1", "Filing VSME", "Filing GRI", "Filing CDP", "Filing IFRS S2"):
        rows = list(book[title].iter_rows(min_row=2, values_only=True))
        labels = [row[2] for row in rows if row[0] is not None and row[2]]
        assert labels and all(HANGUL.search(label) for label in labels), title


def main(argv: list[str]) -> int:
    pdf, document = Path(argv[0]), json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    text = pdf_text(pdf)
    left = list(english_lines(text, ALLOWED | data_words(document)))
    for line, words in left:
        print(f"{line}  <- {' '.join(words)}")
    print(f"{len(left)} of {len(text.splitlines())} text lines have English words")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
