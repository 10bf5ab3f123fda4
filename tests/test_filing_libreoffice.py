"""LibreOffice round trip: Calc opens the workbook without repair and the values survive.

Headless LibreOffice converts the workbook to a new .xlsx (it refuses files it cannot open, and
writes what it read); the filing sheets and the Datapoints sheet are read back from its file and
compared with the original. `make test` installs LibreOffice Calc when it is missing
(scripts/test_system_packages.sh); the test is skipped, saying so,
only where no `soffice` can be found.
"""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.test_filing import report as report  # noqa: F401 (fixtures)
from tests.test_filing import written as written  # noqa: F401

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SHEETS = ("Datapoints", "Filing ESRS E1", "Filing VSME", "Filing GRI", "Filing CDP", "Filing IFRS S2", "Summary",
          "Chart data")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: install libreoffice-calc")
def test_libreoffice_opens_the_workbook_and_the_values_survive(
    written: dict[str, Path], tmp_path: Path  # noqa: F811
) -> None:
    assert SOFFICE is not None
    source = written["xlsx"]
    out = tmp_path / "converted"
    result = subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    converted = out / source.name
    assert converted.exists(), result.stdout + result.stderr
    before = openpyxl.load_workbook(source)
    after = openpyxl.load_workbook(converted)
    assert after.sheetnames == before.sheetnames
    compared = 0
    for title in SHEETS:
        old_rows = list(before[title].iter_rows(values_only=True))
        new_rows = list(after[title].iter_rows(values_only=True))
        for old, new in zip(old_rows, new_rows, strict=False):
            for a, b in zip(old, new, strict=False):
                if isinstance(a, float):
                    assert isinstance(b, int | float), (title, a, b)
                    assert math.isclose(a, b, rel_tol=1e-14, abs_tol=1e-300), (title, a, b)
                    compared += 1
                elif a is not None and not hasattr(a, "year"):
                    assert b == a, (title, a, b)
    assert compared > 50
    assert len(after["Summary"]._charts) == 2
