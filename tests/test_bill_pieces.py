"""A big plain CSV bill is read in pieces at once (reporter.sources.bills.pieces); the result must be the
one reading the file whole gives: the same readings, exclusions and row numbers, and the same
errors with the same rows. The size threshold is lowered here so that small files are cut."""

from __future__ import annotations

import csv
import errno
import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporter.sources.base import ReadResult
from reporter.sources.bills import engine as bills
from reporter.sources.bills import pieces
from tests.test_bill_readers import CUR_SAMPLE, FOCUS_SAMPLE, _edit_cur, balanced, read


def count_whole_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, every read of a file as one stream adds an entry to the returned list."""
    calls: list[str] = []
    original = bills.Scan.whole

    def counted(scan: bills.Scan) -> str:
        calls.append("whole")
        return original(scan)

    monkeypatch.setattr(bills.Scan, "whole", counted)
    return calls


def read_both(monkeypatch: pytest.MonkeyPatch, path: Path, reader: str) -> tuple[ReadResult, ReadResult, int]:
    """The file read whole and read in pieces, and how often the pieced read fell back to whole."""
    whole = read(path, reader)
    monkeypatch.setattr(pieces, "SPLIT_MIN_BYTES", 0)
    calls = count_whole_reads(monkeypatch)
    cut = read(path, reader)
    return whole, cut, len(calls)


def same(a: ReadResult, b: ReadResult) -> None:
    pd.testing.assert_frame_equal(a.readings, b.readings)
    assert a.exclusion_groups == b.exclusion_groups
    assert a.rows_read == b.rows_read
    balanced(b)


@pytest.mark.parametrize(("path", "reader"), [(CUR_SAMPLE, "aws_cur"), (FOCUS_SAMPLE, "focus")])
def test_pieces_give_what_the_whole_file_gives(monkeypatch: pytest.MonkeyPatch, path: Path, reader: str) -> None:
    whole, cut, fallbacks = read_both(monkeypatch, path, reader)
    assert fallbacks == 0  # the pieces were read, not the whole file
    same(whole, cut)
    assert cut.readings["source_row"].max() > len(csv_lines(path)) / 2  # row numbers from the second piece


def csv_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_split_points_fall_after_line_breaks(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_bytes(b"h\n" + b"".join(b"%05d\n" % i for i in range(100)))
    bounds = pieces.split_points(path, 3)
    data = path.read_bytes()
    assert bounds[0] == 0 and bounds[-1] == len(data) and len(bounds) == 4
    assert all(data[cut - 1 : cut] == b"\n" for cut in bounds[1:-1])
    assert pieces.split_points(tmp_path.joinpath("lines.csv"), 1) == [0, len(data)]


def multiline_cur(path: Path) -> tuple[Path, int]:
    """A CUR whose middle row has a quoted note spanning two lines, long enough that the file's
    middle byte falls inside it; every other row is one line. Returns the path and that row's number."""
    header = ["line_item_line_item_type", "line_item_usage_account_id", "line_item_usage_start_date",
              "line_item_usage_end_date", "line_item_usage_type", "line_item_usage_amount", "pricing_unit",
              "line_item_unblended_cost", "product_region_code", "note"]
    rows = []
    for index in range(40):
        hour = index % 24
        rows.append(["Usage", f"acct-{index % 3}", f"2025-03-01T{hour:02d}:00:00Z", f"2025-03-01T{hour:02d}:59:59Z",
                     "USE1-BoxUsage:m5.large", str(index + 1), "Hrs", "0.1", "us-east-1", "short"])
    middle = 20
    rows[middle][-1] = "x" * 4000 + "\n" + "y" * 100
    rows[middle + 1][1] = "acct-after"  # the record after the long one, alone in its group
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path, middle + 2


def test_a_cut_inside_a_quoted_line_break_falls_back_to_the_whole_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, long_row = multiline_cur(tmp_path / "cur.csv")
    data = path.read_bytes()
    cut = pieces.split_points(path, 2)[1]
    assert data[:cut].count(b'"') % 2 == 1  # the cut is inside the quoted note
    whole, pieced, fallbacks = read_both(monkeypatch, path, "aws_cur")
    assert fallbacks == 1
    same(whole, pieced)
    # records, not lines, are counted: 40 records in rows 2..41 though the file has 42 lines
    assert pieced.rows_read == 40 and len(data.splitlines()) == 42
    after = pieced.readings[pieced.readings["sub_account_id"] == "acct-after"]
    assert list(after["source_row"]) == [long_row + 1] == [23]


def test_a_bad_quantity_in_the_second_piece_names_its_row_in_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rows = list(csv.DictReader(CUR_SAMPLE.open(newline="", encoding="utf-8")))
    line = 2 + max(i for i, r in enumerate(rows) if r["lineItem/LineItemType"] == "Usage")
    assert line > len(rows) / 2
    path = _edit_cur(tmp_path, {line: {"lineItem/UsageAmount": "n/a"}})
    monkeypatch.setattr(pieces, "SPLIT_MIN_BYTES", 0)
    group = next(g for g in read(path, "aws_cur").exclusion_groups if "not a number" in g.reason)
    assert (group.rows, group.example_rows) == (1, (line,))


def test_a_ragged_row_in_the_second_piece_is_left_out_by_its_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lines = ["Date,MeterCategory,Quantity,UnitOfMeasure,ChargeType"]
    lines += [f"2025-01-{1 + i % 28:02d},Storage,{i},1 GB/Month,Usage" for i in range(300)]
    lines[250] += ",extra"
    lines[251] = lines[251].replace("Storage", "Bandwidth")  # a reading of its own
    path = tmp_path / "azure.csv"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(pieces, "SPLIT_MIN_BYTES", 0)
    result = read(path, "azure_cost")
    assert [(g.rows, g.example_rows) for g in result.exclusion_groups] == [(1, (251,))]
    assert result.rows_read == 300 and int(result.readings["row_count"].sum()) == 299
    assert list(result.readings["source_row"]) == [2, 252]  # the row after it keeps its own number


cells = st.text(alphabet=st.sampled_from(list('ab ,"\n\r')), max_size=12)
bill_rows = st.lists(
    st.tuples(
        st.sampled_from(["Usage", "Tax", "DiscountedUsage", "Credit"]),
        cells,  # usage account: quotes, commas and line breaks included
        st.integers(0, 47),  # hour of the usage start
        st.decimals(0, 1000, places=3, allow_nan=False, allow_infinity=False),
        cells,  # a note the reader does not map
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(bill_rows, st.integers(2, 5))
def test_any_cut_gives_what_the_whole_file_gives(rows: list[tuple[str, str, int, object, str]], count: int) -> None:
    """Property: however many pieces, and wherever the cuts fall (inside quoted line breaks too),
    the readings, exclusions and row numbers are those of the whole file."""
    header = ["line_item_line_item_type", "line_item_usage_account_id", "line_item_usage_start_date",
              "line_item_usage_type", "line_item_usage_amount", "pricing_unit", "note"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cur.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for kind, account, hour, amount, note in rows:
                start = f"2025-03-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z"
                writer.writerow([kind, account, start, "USE1-BoxUsage:m5.large", str(amount), "Hrs", note])
        whole = read(path, "aws_cur")
        saved = (pieces.SPLIT_MIN_BYTES, bills.PIECES)
        pieces.SPLIT_MIN_BYTES, bills.PIECES = 0, count
        try:
            cut = read(path, "aws_cur")
        finally:
            pieces.SPLIT_MIN_BYTES, bills.PIECES = saved
    same(whole, cut)
    assert cut.rows_read == len(rows)


def test_without_named_pipes_the_file_is_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: str) -> None:
        raise PermissionError(1, "Operation not permitted", path)

    whole = read(CUR_SAMPLE, "aws_cur")
    monkeypatch.setattr(pieces, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(pieces.os, "mkfifo", refuse)
    same(whole, read(CUR_SAMPLE, "aws_cur"))


def test_each_pipe_carries_its_piece(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"".join(b"line %06d\n" % i for i in range(200_000)))  # 2.4 MB, more than a pipe holds
    data = path.read_bytes()
    bounds = pieces.split_points(path, 2)
    with pieces.piped(path, bounds) as feed:
        for index, pipe in enumerate(feed.pipes):
            with open(pipe, "rb") as reader:
                assert reader.read() == data[bounds[index] : bounds[index + 1]]
    assert feed.complete()


def test_leaving_early_releases_the_feeders(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"".join(b"line %06d\n" % i for i in range(200_000)))
    with pieces.piped(path, pieces.split_points(path, 3)) as feed, open(feed.pipes[2], "rb") as partial:
        partial.read(10)  # the other pipes are never opened, this one is left half read
    assert not feed.complete()
    assert not [t for t in threading.enumerate() if t.name.startswith("reporter-piece")]


def test_a_piece_cut_short_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A feeder that cannot deliver its whole piece (here: the copy stops early) makes the reader
    read the file whole instead of trusting a result built on a short piece."""
    whole = read(CUR_SAMPLE, "aws_cur")
    calls: list[int] = []
    original = pieces._send

    def short(target: int, source: int, offset: int, count: int) -> int:
        calls.append(offset)
        return original(target, source, offset, count) if len(calls) == 1 else 0

    monkeypatch.setattr(pieces, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(pieces, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(pieces, "_send", short)
    fallbacks = count_whole_reads(monkeypatch)
    same(whole, read(CUR_SAMPLE, "aws_cur"))
    # The aggregation falls back, and the check for repeated line item ids, made in the same read,
    # with it.
    assert fallbacks == ["whole"]


def test_pieces_without_sendfile_copy_by_read_and_write(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> int:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(pieces.os, "sendfile", refuse)
    whole, cut, fallbacks = read_both(monkeypatch, CUR_SAMPLE, "aws_cur")
    assert fallbacks == 0
    same(whole, cut)


def test_a_file_repeated_after_itself_counts_each_line_item_once_across_pieces(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The second half repeats the first (a CUR concatenated twice): the repeats fall in the other
    piece and are still found, each line item counted once."""
    header = "identity/LineItemId,identity/TimeInterval,lineItem/LineItemType,lineItem/UsageType," \
        "lineItem/UsageAmount,lineItem/UsageStartDate,pricing/unit,product/region"
    body = [
        f"id{i},2025-01-01T00:00:00Z/2025-01-01T01:00:00Z,Usage,USE1-EBS:VolumeUsage.gp2,{i},"
        f"2025-01-{1 + i % 28:02d}T00:00:00Z,GB-Mo,us-east-1"
        for i in range(200)
    ]
    path = tmp_path / "cur.csv"
    path.write_text("\n".join([header, *body, *body]) + "\n")
    monkeypatch.setattr(pieces, "SPLIT_MIN_BYTES", 0)
    calls = count_whole_reads(monkeypatch)
    result = read(path, "aws_cur")
    assert not calls  # read in pieces
    balanced(result)
    assert result.readings["consumed_quantity"].sum() == sum(range(200))
    (group,) = result.exclusion_groups
    assert group.reason.startswith("repeated line item id") and group.rows == 200
    assert group.example_rows == (202, 203, 204, 205, 206)  # the first repeats, in the second half


def test_a_bill_that_outgrows_the_first_memory_limit_is_read_again_with_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = read(CUR_SAMPLE, "aws_cur")
    tried: list[str] = []
    run_within = bills._run_within

    def within(scan: object, query: object, limit: str, sink: object) -> object:
        tried.append(limit)
        if len(tried) == 1:
            raise bills.duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return run_within(scan, query, limit, sink)  # type: ignore[arg-type]

    monkeypatch.setattr(bills, "memory_limits", lambda: ["1024MB", "4096MB"])
    monkeypatch.setattr(bills, "_run_within", within)
    same(whole, read(CUR_SAMPLE, "aws_cur"))
    assert tried == ["1024MB", "4096MB"]


def test_a_bill_that_outgrows_every_memory_limit_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def within(scan: object, query: object, limit: str, sink: object) -> object:
        raise bills.duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    monkeypatch.setattr(bills, "memory_limits", lambda: ["1024MB", "4096MB"])
    monkeypatch.setattr(bills, "_run_within", within)
    with pytest.raises(bills.InputError, match=r"needs more memory than DuckDB may use \(4096MB\)"):
        read(CUR_SAMPLE, "aws_cur")
