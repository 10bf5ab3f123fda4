"""Input planning: folders, globs, CodeCarbon backups, detection ties."""

from __future__ import annotations

import math
from pathlib import Path
from typing import ClassVar

import pytest

from reporter import sources
from reporter.errors import AmbiguousFormatError, InputError
from reporter.sources.base import InputFile, ReadResult
from tests.conftest import TRACKERS, run_inputs

HEADER_V2 = "timestamp,project_name,run_id,duration,emissions,energy_consumed,country_iso_code\n"
HEADER_V3 = "timestamp,project_name,run_id,experiment_id,duration,emissions,energy_consumed,country_iso_code,pue\n"


def test_backups_beside_a_named_emissions_csv_are_read_and_deduplicated(tmp_path: Path) -> None:
    (tmp_path / "emissions.csv").write_text(HEADER_V3 + "2026-11-05T10:00:00,p,r2,e,3600,0,3.0,KOR,1.0\n")
    (tmp_path / "emissions.csv.bak").write_text(
        HEADER_V2 + "2026-11-01T10:00:00,p,r1,3600,0,1.0,KOR\n2026-11-01T09:00:00,p,r9,600,0,0.5,KOR\n"
    )
    # r1 was also flushed into the newer file later, with a longer duration.
    (tmp_path / "emissions.csv_0.bak").write_text(HEADER_V2 + "2026-11-01T09:30:00,p,r1,1800,0,0.5,KOR\n")
    result = run_inputs([tmp_path / "emissions.csv"])
    origins = {Path(ledger.path).name: ledger.origin for ledger in result.ledgers}
    assert origins == {
        "emissions.csv": "named",
        "emissions.csv.bak": "backup of emissions.csv",
        "emissions.csv_0.bak": "backup of emissions.csv",
    }
    assert math.isclose(result.allocated["energy_kwh"].sum(), 3.0 + 1.0 + 0.5)
    excluded = {Path(ledger.path).name: ledger.rows_excluded for ledger in result.ledgers}
    assert excluded == {"emissions.csv": 0, "emissions.csv.bak": 0, "emissions.csv_0.bak": 1}


def test_folder_skips_documentation_and_unrecognised_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# notes\n")
    (tmp_path / "prices.csv").write_text("a,b\n1,2\n")
    (tmp_path / "emissions.csv").write_bytes((TRACKERS / "codecarbon" / "emissions.csv").read_bytes())
    result = run_inputs([tmp_path])
    assert [ledger.path for ledger in result.ledgers] == ["emissions.csv"]
    assert sorted(result.skipped) == [
        ("README.md", "not an input file (documentation or configuration)"),
        ("prices.csv", "format not recognised"),
    ]


def test_glob_with_no_match_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no file matches this pattern"):
        run_inputs([str(tmp_path / "*.csv")])


def test_tie_between_formats_names_both(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class Twin:
        name: ClassVar[str] = "twin"
        label: ClassVar[str] = "a reader that claims CodeCarbon files too"

        def sniff(self, source: InputFile) -> float:
            return 1.0

        def read(self, source: InputFile) -> ReadResult:  # pragma: no cover - never reached
            raise AssertionError

    monkeypatch.setitem(sources.READERS, "twin", Twin())
    path = tmp_path / "emissions.csv"
    path.write_bytes((TRACKERS / "codecarbon" / "emissions.csv").read_bytes())
    with pytest.raises(AmbiguousFormatError, match="it could be codecarbon or twin"):
        run_inputs([path])
