"""The codes every report shows (flags, methods, scopes, statuses) and their one label registry."""

from __future__ import annotations

import pytest

from reporter import glossary
from reporter.config import load_config
from reporter.pipeline import run
from reporter.records import EstimateStatus, Flag, Method, Scope
from tests.conftest import SAMPLES, SHARED_SAMPLES, run_inputs

PUBLIC = SHARED_SAMPLES / "public"


def test_every_flag_has_a_meaning_and_every_meaning_a_flag() -> None:
    assert set(glossary.FLAG_MEANINGS) == {flag.value for flag in Flag}
    assert all(text.strip() for text in glossary.FLAG_MEANINGS.values())


def test_every_method_scope_and_status_has_a_label() -> None:
    assert set(glossary.METHOD_LABELS) == {m.value for m in Method}
    assert set(glossary.METHOD_MEANINGS) == {m.value for m in Method}
    assert set(glossary.SCOPE_LABELS) == {s.value for s in Scope}
    assert set(glossary.STATUS_LABELS) == {s.value for s in EstimateStatus} - {EstimateStatus.ESTIMATED.value}


@pytest.mark.parametrize(
    "inputs",
    [
        [str(PUBLIC / "aws_cur"), str(PUBLIC / "cur2"), str(PUBLIC / "gcp")],
        [str(PUBLIC / "azure"), str(PUBLIC / "focus")],
        [str(PUBLIC / "codecarbon"), str(PUBLIC / "eco2ai"), str(PUBLIC / "carbontracker")],
    ],
    ids=["aws-gcp", "azure-focus", "trackers"],
)
def test_every_flag_the_samples_raise_is_a_registered_flag(inputs: list[str]) -> None:
    result = run_inputs(inputs, period="2000..2030")
    seen = {flag for text in result.items["flags"] for flag in str(text).split(";") if flag}
    assert seen <= {flag.value for flag in Flag}, seen - {flag.value for flag in Flag}
    assert set(result.items["scope"]) <= {s.value for s in Scope}
    assert set(result.items["method"]) <= {m.value for m in Method}


def test_the_demo_raises_only_registered_flags() -> None:
    result = run(load_config(SAMPLES / "report.toml"))
    seen = {flag for text in result.items["flags"] for flag in str(text).split(";") if flag}
    assert seen and seen <= {flag.value for flag in Flag}
