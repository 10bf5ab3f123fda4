"""Repeated line item ids: a CSV bill's ids are checked in the read that sums it (the file is parsed
once), a Parquet bill's by reading their columns; a file whose ids repeat is read again comparing the
ids row by row, each repeat set apart. A repeated hash of different ids (a collision, forced here)
sets nothing apart."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from reporter.records import ExclusionGroup
from reporter.sources.bills import engine as bills
from reporter.sources.bills import query
from tests.test_bill_readers import CUR_SAMPLE, balanced, read

HEADER = ("identity/LineItemId,identity/TimeInterval,lineItem/LineItemType,lineItem/UsageType,"
          "lineItem/UsageAmount,lineItem/UsageStartDate,pricing/unit,product/region")
REASON = "repeated line item id (identity/LineItemId and identity/TimeInterval; counted once)"


def cur_line(item: str, amount: str, hour: int = 0) -> str:
    span = f"2025-01-05T{hour:02d}:00:00Z/2025-01-05T{hour + 1:02d}:00:00Z"
    return f"{item},{span},Usage,USE1-EBS:VolumeUsage.gp2,{amount},2025-01-05T{hour:02d}:00:00Z,GB-Mo,us-east-1"


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def count_reads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """From now on, each aggregate read of a file and each separate repeat check is counted."""
    counts = {"reads": 0, "checks": 0}
    run, check = bills._run, bills._has_repeats

    def counted_run(*args: object) -> object:
        counts["reads"] += 1
        return run(*args)  # type: ignore[arg-type]

    def counted_check(*args: object) -> bool:
        counts["checks"] += 1
        return check(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(bills, "_run", counted_run)
    monkeypatch.setattr(bills, "_has_repeats", counted_check)
    return counts


def test_a_csv_without_repeats_is_read_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path / "cur.csv", [cur_line("a1", "10"), cur_line("a2", "5"), cur_line("a1", "7", hour=1)])
    counts = count_reads(monkeypatch)
    result = read(path, "aws_cur")
    assert counts == {"reads": 1, "checks": 0}
    balanced(result)
    assert result.readings["consumed_quantity"].sum() == 22.0  # 10 + 5 + 7: a1 at hour 1 is another line item
    assert result.exclusion_groups == []


def test_a_csv_with_repeats_is_read_again_comparing_the_ids(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path / "cur.csv", [
        cur_line("a1", "10"),  # row 2
        cur_line("a2", "5"),  # row 3
        cur_line("a1", "10"),  # row 4: a1 again
        cur_line("a3", "1"),  # row 5
        cur_line("a2", "5"),  # row 6: a2 again
    ])
    counts = count_reads(monkeypatch)
    result = read(path, "aws_cur")
    assert counts == {"reads": 2, "checks": 0}
    balanced(result)
    assert result.readings["consumed_quantity"].sum() == 16.0  # rows 2, 3 and 5
    assert result.exclusion_groups == [ExclusionGroup(REASON, 2, (4, 6))]


def test_a_repeated_hash_of_different_ids_sets_nothing_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every id given the same hash: the check finds 'repeats', the read comparing the ids finds none,
    and the result is the one read without the check."""
    plain = read(CUR_SAMPLE, "aws_cur")
    monkeypatch.setattr(query, "_id_hash", lambda mapping: "CASE WHEN TRUE THEN 1 END")
    counts = count_reads(monkeypatch)
    collided = read(CUR_SAMPLE, "aws_cur")
    assert counts == {"reads": 2, "checks": 0}
    pd.testing.assert_frame_equal(plain.readings, collided.readings)
    assert plain.exclusion_groups == collided.exclusion_groups
    assert not any(group.reason == REASON for group in collided.exclusion_groups)


def test_a_parquet_bill_checks_its_id_columns_apart(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    csv_path = write(tmp_path / "cur.csv", [cur_line("a1", "10"), cur_line("a1", "10"), cur_line("a2", "3")])
    path = tmp_path / "cur.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_csv('{csv_path}', all_varchar = true)) TO '{path}' (FORMAT parquet)"
    )
    counts = count_reads(monkeypatch)
    result = read(path, "aws_cur")
    assert counts == {"reads": 1, "checks": 1}
    balanced(result)
    assert result.readings["consumed_quantity"].sum() == 13.0  # rows 1 and 3 (Parquet rows count from 1)
    assert result.exclusion_groups == [ExclusionGroup(REASON, 1, (2,))]


def test_a_csv_too_big_to_keep_its_rows_has_its_ids_checked_apart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Past CHECK_IN_READ_BYTES the rows kept for the check would spill to disk: the id columns are
    read apart first, as for Parquet, and the repeats are the same as those found in the read."""
    path = write(tmp_path / "cur.csv", [
        cur_line("a1", "10"),  # row 2
        cur_line("a2", "5"),  # row 3
        cur_line("a1", "10"),  # row 4: a1 again
    ])
    monkeypatch.setattr(bills, "CHECK_IN_READ_BYTES", path.stat().st_size - 1)
    counts = count_reads(monkeypatch)
    result = read(path, "aws_cur")
    assert counts == {"reads": 1, "checks": 1}
    balanced(result)
    assert result.readings["consumed_quantity"].sum() == 15.0  # rows 2 and 3
    assert result.exclusion_groups == [ExclusionGroup(REASON, 1, (4,))]
    clean = write(tmp_path / "clean.csv", [cur_line("a1", "10"), cur_line("a2", "5")])
    monkeypatch.setattr(bills, "CHECK_IN_READ_BYTES", 0)
    counts.update(reads=0, checks=0)
    assert read(clean, "aws_cur").exclusion_groups == [] and counts == {"reads": 1, "checks": 1}
