"""The corpus of bad and hostile inputs: every case gives its expected outcome, never a traceback.

Each folder under `tests/bad_inputs/` holds input files and an `expected.toml` with one `[[case]]`
per file: `reporter validate [args] FILE` is run in that folder. A case with `status = 2` must print
exactly its `stderr` line (or one line starting with `stderr_startswith`, when the end of the message
comes from a library); a case with `status = 0` must print every line in `stdout` (each an exact line
of the output) and may name `stdout_absent` lines that must not appear.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reporter.cli import main

BAD = Path(__file__).resolve().parent / "bad_inputs"
KEYS = {"file", "args", "status", "stderr", "stderr_startswith", "stdout", "stdout_absent", "why"}


def _cases() -> list[tuple[Path, dict[str, Any]]]:
    cases = []
    for expected in sorted(BAD.glob("*/expected.toml")):
        for case in tomllib.loads(expected.read_text(encoding="utf-8"))["case"]:
            cases.append((expected.parent, case))
    return cases


CASES = _cases()


def _run(folder: Path, case: dict[str, Any]) -> Any:
    old = Path.cwd()
    os.chdir(folder)
    try:
        args = ["validate", "--quiet", *case.get("args", []), case["file"]]
        return CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.mark.parametrize(
    ("folder", "case"), CASES, ids=[f"{folder.name}/{case['file']}" for folder, case in CASES]
)
def test_case_gives_its_expected_outcome(folder: Path, case: dict[str, Any]) -> None:
    assert set(case) <= KEYS, f"unknown keys in the case: {set(case) - KEYS}"
    result = _run(folder, case)
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == case["status"], result.output + result.stderr
    if case["status"] == 2 and "stderr_startswith" in case:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.strip().startswith(case["stderr_startswith"])
    elif case["status"] == 2:
        assert result.stderr.strip() == case["stderr"]
    lines = result.stdout.splitlines()
    for line in case.get("stdout", []):
        assert line in lines, f"missing line {line!r} in:\n{result.stdout}"
    for line in case.get("stdout_absent", []):
        assert line not in lines


def test_every_corpus_file_has_a_case() -> None:
    for folder in sorted(p for p in BAD.iterdir() if p.is_dir()):
        named = {case["file"] for f, case in CASES if f == folder}
        present = {p.name for p in folder.iterdir() if p.name != "expected.toml"}
        assert present <= named, f"{folder.name}: files without a case: {present - named}"
