"""JSON document layout: indented sections, one line per line item, the same parsed document."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from reporter.render.json_report import document_chunks
from tests.test_column_wise import strictly_equal

DOCUMENT: dict[str, Any] = {
    "schema_version": "1",
    "organization": {"name": "Société Ünïcode", "slug": "societe"},
    "totals": {"energy_kwh": 0.1 + 0.2, "market_based_tco2e": None, "line_items": 2},
    "empty": {},
    "line_items": [
        {"source_row": 2, "energy_kwh": 1e-17, "flags": "a;b", "tags": '{"team": "ü\\n"}', "estimate_basis": None},
        {"source_row": 3, "energy_kwh": 12345.678901234567, "flags": "", "tags": None, "estimate_basis": "x\ny"},
    ],
    "credits": [],
}


def render(document: dict[str, Any]) -> str:
    return "".join(document_chunks(document))


def test_document_parses_to_the_same_object_as_the_indented_dump() -> None:
    text = render(DOCUMENT)
    assert strictly_equal(json.loads(text), DOCUMENT)
    assert strictly_equal(json.loads(text), json.loads(json.dumps(DOCUMENT, indent=2, ensure_ascii=False)))
    assert "Société Ünïcode" in text and text.endswith("}\n")


def test_sections_stay_indented_and_line_items_take_one_line_each() -> None:
    lines = render(DOCUMENT).splitlines()
    assert lines[lines.index('  "totals": {') + 1] == '    "energy_kwh": 0.30000000000000004,'
    start = lines.index('  "line_items": [')
    rows = lines[start + 1 : start + 3]
    assert [json.loads(row.strip().rstrip(",")) for row in rows] == DOCUMENT["line_items"]
    assert lines[start + 3] == "  ],"


def test_small_documents_match_the_indented_dump_byte_for_byte() -> None:
    for document in ({}, {"a": 1}, {"line_items": []}, {"line_items": "not a list"}, {"a": {"b": [1, {"c": None}]}}):
        assert render(document) == json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_non_finite_numbers_are_refused(value: float) -> None:
    with pytest.raises(ValueError):
        render({"line_items": [{"energy_kwh": value}]})
    with pytest.raises(ValueError):
        render({"totals": {"energy_kwh": value}})
