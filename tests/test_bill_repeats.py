"""Repeated line item ids: a CSV bill's ids are checked in the read that sums it (the file is parsed
once: its rows are kept for the check, or, for a big file, its id hashes sent aside), a Parquet
bill's by reading their columns; a file whose ids repeat is read again comparing the
ids row by row, each repeat set apart. A repeated hash of different ids (a collision, forced here)
sets nothing apart."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from reporter.records import ExclusionGroup
from reporter.sources.bills import engine as bills
from reporter.sources.bills import id_sink, pieces, query
from tests.test_bill_pieces import count_whole_reads
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


def test_a_csv_too_big_to_keep_its_rows_sends_its_id_hashes_aside(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Past CHECK_IN_READ_BYTES the rows kept for the check would spill to disk: the read sends each
    row's id hash aside instead (reporter.sources.bills.id_sink) and the file is not parsed for a
    check of its own; the repeats are the same as those found when the rows are kept."""
    path = write(tmp_path / "cur.csv", [
        cur_line("a1", "10"),  # row 2
        cur_line("a2", "5"),  # row 3
        cur_line("a1", "10"),  # row 4: a1 again
    ])
    monkeypatch.setattr(bills, "CHECK_IN_READ_BYTES", path.stat().st_size - 1)
    counts = count_reads(monkeypatch)
    result = read(path, "aws_cur")
    assert counts == {"reads": 2, "checks": 0}  # the read that found the repeat, the read comparing ids
    balanced(result)
    assert result.readings["consumed_quantity"].sum() == 15.0  # rows 2 and 3
    assert result.exclusion_groups == [ExclusionGroup(REASON, 1, (4,))]
    clean = write(tmp_path / "clean.csv", [cur_line("a1", "10"), cur_line("a2", "5"), cur_line("a1", "7", hour=1)])
    monkeypatch.setattr(bills, "CHECK_IN_READ_BYTES", 0)
    counts.update(reads=0, checks=0)
    assert read(clean, "aws_cur").exclusion_groups == [] and counts == {"reads": 1, "checks": 0}


def test_sent_hashes_survive_batches_and_a_collision_sets_nothing_apart(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Hashes written in several batches still meet their repeat; a repeated hash of different ids
    (every id hashed alike) reads the file again and sets nothing apart."""
    lines = [cur_line(f"id{index}", "1") for index in range(5000)] + [cur_line("id7", "1")]  # row 5002 repeats row 9
    path = write(tmp_path / "cur.csv", lines)
    monkeypatch.setattr(bills, "CHECK_IN_READ_BYTES", 0)
    monkeypatch.setattr(id_sink, "BATCH_ROWS", 1000)  # DuckDB sends 2,048 rows at a time: three batches
    batches = count_batches(monkeypatch)
    result = read(path, "aws_cur")
    assert batches["written"] >= 3
    balanced(result)
    assert result.readings["consumed_quantity"].sum() == 5000.0
    assert result.exclusion_groups == [ExclusionGroup(REASON, 1, (5002,))]
    clean = write(tmp_path / "clean.csv", lines[:5000])
    monkeypatch.setattr(query, "_id_hash", lambda mapping: "CASE WHEN TRUE THEN 1 END")
    counts = count_reads(monkeypatch)
    collided = read(clean, "aws_cur")
    assert counts == {"reads": 2, "checks": 0}
    assert collided.readings["consumed_quantity"].sum() == 5000.0 and collided.exclusion_groups == []


def count_batches(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """From now on, each batch of hashes written aside is counted."""
    counts = {"written": 0, "restarts": 0}
    flush, restart = id_sink.IdHashes._flush, id_sink.IdHashes.restart

    def counted(self: id_sink.IdHashes) -> None:
        counts["written"] += bool(self._held)
        flush(self)

    def restarted(self: id_sink.IdHashes) -> None:
        counts["restarts"] += 1
        restart(self)

    monkeypatch.setattr(id_sink.IdHashes, "_flush", counted)
    monkeypatch.setattr(id_sink.IdHashes, "restart", restarted)
    return counts


def noted(lines: list[str], long_at: int | None = None) -> list[str]:
    """The lines with a note column; the note of line `long_at` is long and spans two lines."""
    return [line + (',"' + "x" * 4000 + "\n" + "y" * 10 + '"' if index == long_at else ",short")
            for index, line in enumerate(lines)]


def test_hashes_sent_by_pieces_and_by_a_whole_read_after_a_failed_cut(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A big CSV read in pieces sends the hashes of both pieces (a repeat across them is found); when
    a cut falls inside a quoted line break and the file is read whole, the pieces' hashes are
    forgotten first, so a clean file is not read again."""
    monkeypatch.setattr(bills, "CHECK_IN_READ_BYTES", 0)
    monkeypatch.setattr(pieces, "SPLIT_MIN_BYTES", 0)
    lines = [cur_line(f"id{index}", "1") for index in range(40)]
    across = tmp_path / "across.csv"
    across.write_text("\n".join([HEADER + ",note", *noted([*lines, lines[3]])]) + "\n")  # row 42 repeats row 5
    counts, whole = count_reads(monkeypatch), count_whole_reads(monkeypatch)
    result = read(across, "aws_cur")
    assert counts == {"reads": 2, "checks": 0} and whole == []  # read in pieces (the second read too)
    assert result.exclusion_groups == [ExclusionGroup(REASON, 1, (42,))]
    assert result.readings["consumed_quantity"].sum() == 40.0
    many = [cur_line(f"id{index}", "1", hour=index % 23) for index in range(5000)]  # pieces of several vectors
    cut_inside = tmp_path / "cut.csv"
    for long_at in range(2400, 2600):  # the line whose long note holds the file's middle byte
        cut_inside.write_text("\n".join([HEADER + ",note", *noted(many, long_at=long_at)]) + "\n")
        cut = pieces.split_points(cut_inside, bills.PIECES)[1]
        if cut_inside.read_bytes()[:cut].count(b'"') % 2 == 1:
            break
    assert cut_inside.read_bytes()[:cut].count(b'"') % 2 == 1  # the cut is inside the long note
    sent = count_batches(monkeypatch)
    counts.update(reads=0, checks=0)
    clean = read(cut_inside, "aws_cur")
    assert sent["restarts"] == 2  # before the pieces, and before the whole file
    assert counts == {"reads": 1, "checks": 0} and clean.exclusion_groups == []
    assert clean.readings["consumed_quantity"].sum() == 5000.0


def test_a_big_gzip_csv_and_a_ragged_row_with_hashes_sent_aside(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A gzip CSV is read whole on one stream, its hashes sent aside as a plain CSV's; a record that
    cannot be split is set aside by its line before it reaches the check, so it repeats nothing."""
    import gzip

    lines = [
        cur_line("a1", "10"),  # row 2
        cur_line("a2", "5"),  # row 3
        cur_line("a1", "10") + ",extra",  # row 4: ragged, left out by its line (not a repeat)
        cur_line("a3", "2"),  # row 5
        cur_line("a2", "5"),  # row 6: a2 again
    ]
    path = tmp_path / "cur.csv.gz"
    path.write_bytes(gzip.compress(("\n".join([HEADER, *lines]) + "\n").encode()))
    monkeypatch.setattr(bills, "CHECK_IN_READ_BYTES", 0)
    sent = count_batches(monkeypatch)
    counts = count_reads(monkeypatch)
    result = read(path, "aws_cur")
    assert sent["restarts"] == 1 and counts == {"reads": 2, "checks": 0}
    balanced(result)
    assert result.readings["consumed_quantity"].sum() == 17.0  # rows 2, 3 and 5
    by_reason = {group.reason: (group.rows, group.example_rows) for group in result.exclusion_groups}
    assert by_reason[REASON] == (1, (6,))
    assert [value for reason, value in by_reason.items() if reason.startswith("a ragged row")] == [(1, (4,))]


def test_a_failed_check_of_the_sent_hashes_is_one_error_naming_the_bill(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = write(tmp_path / "cur.csv", [cur_line("a1", "10"), cur_line("a2", "5")])
    monkeypatch.setattr(bills, "CHECK_IN_READ_BYTES", 0)

    def failing(self: id_sink.IdHashes, con: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(id_sink.IdHashes, "repeats", failing)
    with pytest.raises(bills.InputError) as raised:
        read(path, "aws_cur")
    assert str(raised.value) == (
        f"{path}: its line item ids could not be checked for repeats ([Errno 28] No space left on device)"
    )
