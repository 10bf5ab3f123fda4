"""Hostile inputs: files that are not what they claim, folders with pipes and loops, other encodings,
damaged or oversized gzip streams, duplicate files, and broken configuration files.

Every case ends in a report with each problem listed, or in one error line naming the file (exit 2).
"""

from __future__ import annotations

import bz2
import gzip
import os
import socket
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from reporter import sources
from reporter.cli import main
from reporter.errors import InputError
from reporter.report import build_report
from reporter.sources import content
from reporter.sources.base import InputFile, ReadResult
from tests.conftest import SHARED_SAMPLES, TRACKERS, run_inputs

CODECARBON = TRACKERS / "codecarbon" / "emissions.csv"
FOCUS = SHARED_SAMPLES / "focus" / "focus-1.0-sample.csv"
# The CodeCarbon sample names these projects; the tests rename the first to non-ASCII text.
PROJECT = "llm-finetune-a"


def validate(cwd: Path, *args: str) -> Any:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["validate", "--quiet", *args], catch_exceptions=False)
    finally:
        os.chdir(old)


def error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def projects(result: Any) -> set[str]:
    return set(result.items["project"].dropna())


# --------------------------------------------------------------------------------------------
# Files that are not what their name says


def test_an_excel_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["timestamp", "energy_consumed"])
    book.save(tmp_path / "book.xlsx")
    (tmp_path / "book.xlsx").rename(tmp_path / "emissions.csv")
    assert error_line(validate(tmp_path, "emissions.csv")) == (
        "error: emissions.csv: an Excel workbook whose sheet matches no known format (if the data is on "
        'another sheet, name it with sheet = "…" in the input\'s entry)'
    )
    # Naming a format reads the sheet as that format: its missing column is named.
    forced = validate(tmp_path, "--format", "focus", "emissions.csv")
    assert error_line(forced) == (
        "error: emissions.csv, row 1, column 'ChargeCategory': required column 'ChargeCategory' is missing "
        "from the header"
    )


def test_archives_and_documents_are_named(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "bills.csv", "w") as archive:
        archive.writestr("bill.csv", "a,b\n1,2\n")
    (tmp_path / "report.csv").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    (tmp_path / "log.csv").write_bytes(bz2.compress(CODECARBON.read_bytes()))
    (tmp_path / "BZh.csv").write_text("BZh1,energy\n1,2\n")  # text that starts like bzip2 is not refused
    assert error_line(validate(tmp_path, "bills.csv")).endswith(
        "bills.csv: this is a zip archive; unzip it and give the files inside"
    )
    assert error_line(validate(tmp_path, "report.csv")).endswith(
        "report.csv: this is a PDF document, not a CSV, log or Parquet file"
    )
    assert error_line(validate(tmp_path, "log.csv")).endswith(
        "log.csv: this is a bzip2-compressed file; decompress it, or compress it with gzip instead"
    )
    assert error_line(validate(tmp_path, "BZh.csv")).startswith("error: BZh.csv: format not recognised")


def test_a_workbook_without_sheets_in_a_folder_is_listed_as_skipped(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "costs.xlsx", "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    (tmp_path / "emissions.csv").write_bytes(CODECARBON.read_bytes())
    result = run_inputs([tmp_path])
    assert [ledger.path for ledger in result.ledgers] == ["emissions.csv"]
    assert result.skipped == [("costs.xlsx", "the workbook has no sheets")]


def test_a_sniff_that_fails_means_not_this_format(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    class Fragile:
        name: ClassVar[str] = "fragile"
        label: ClassVar[str] = "a reader whose sniff fails on CodeCarbon files"

        def sniff(self, source: InputFile) -> float:
            raise ValueError("cannot parse this head")

        def read(self, source: InputFile) -> ReadResult:  # pragma: no cover - never chosen
            raise AssertionError

    monkeypatch.setitem(sources.READERS, "fragile", Fragile())
    path = tmp_path / "emissions.csv"
    path.write_bytes(CODECARBON.read_bytes())
    assert sources.detect(InputFile.open(path)).name == "codecarbon"


def test_a_reader_that_fails_unexpectedly_gives_one_line_naming_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reader = sources.READERS["codecarbon"]

    def broken(source: InputFile) -> ReadResult:
        raise KeyError("energy")

    monkeypatch.setattr(reader, "read", broken)
    (tmp_path / "emissions.csv").write_bytes(CODECARBON.read_bytes())
    assert error_line(validate(tmp_path, "emissions.csv")) == (
        "error: emissions.csv: cannot read the file: KeyError: 'energy'"
    )


def test_a_corrupt_parquet_file_says_so(tmp_path: Path) -> None:
    (tmp_path / "bill.parquet").write_bytes(b"PAR1" + b"\x15\x04" * 20 + b"PAR1")
    line = error_line(validate(tmp_path, "bill.parquet"))
    assert line.startswith("error: bill.parquet: Parquet file that cannot be read: ")
    assert len(line) > len("error: bill.parquet: Parquet file that cannot be read: ") + 5


def test_a_parquet_file_of_no_known_format_lists_its_columns(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"city": ["Seoul"], "population": [9_400_000]}), tmp_path / "cities.parquet")
    assert error_line(validate(tmp_path, "cities.parquet")) == (
        "error: cities.parquet: a Parquet file whose columns (city, population) match no known format"
    )


def test_messages_name_the_file_as_the_user_gave_it(tmp_path: Path) -> None:
    folder = tmp_path / "in" / "deep"
    folder.mkdir(parents=True)
    (folder / "bill.parquet").write_bytes(b"PAR1broken")
    line = error_line(validate(tmp_path, "in/deep/bill.parquet"))
    assert line.startswith("error: in/deep/bill.parquet: Parquet file that cannot be read")


def test_a_linked_file_is_named_by_the_link_the_user_gave(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "x91f.bin").write_bytes(CODECARBON.read_bytes())
    (tmp_path / "store" / "y.bin").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "emissions.csv").symlink_to("store/x91f.bin")
    (tmp_path / "doc.csv").symlink_to("store/y.bin")
    result = validate(tmp_path, "emissions.csv")
    assert result.output.splitlines()[0].startswith("emissions.csv: codecarbon; 7 rows read")
    assert error_line(validate(tmp_path, "doc.csv")).startswith("error: doc.csv: this is a PDF document")


# --------------------------------------------------------------------------------------------
# Folders: pipes, sockets, links, unreadable files


def test_symlink_loops_named_or_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "a.csv").symlink_to("b.csv")
    (tmp_path / "b.csv").symlink_to("a.csv")
    assert error_line(validate(tmp_path, "a.csv")) == (
        "error: a.csv: symbolic link loop (the link points back to itself)"
    )
    data = tmp_path / "data"
    data.mkdir()
    (data / "emissions.csv").write_bytes(CODECARBON.read_bytes())
    (data / "again").symlink_to("..")
    (data / "self.csv").symlink_to("self.csv")
    result = validate(tmp_path, "data")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "data/self.csv: skipped, symbolic link loop (the link points back to itself)" in lines
    assert lines[0].startswith("data/emissions.csv: codecarbon; 7 rows read")


def test_folder_lists_pipes_sockets_broken_links_and_unreadable_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "emissions.csv").write_bytes(CODECARBON.read_bytes())
    os.mkfifo(data / "pipe.csv")
    (data / "gone.csv").symlink_to("missing.csv")
    locked = data / "locked.csv"
    locked.write_bytes(CODECARBON.read_bytes().replace(b"llm", b"LLM"))
    locked.chmod(0)
    _deny_reading(monkeypatch, locked)
    server = socket.socket(socket.AF_UNIX)
    old = Path.cwd()
    os.chdir(data)  # a short socket path (the limit is about 100 bytes)
    try:
        server.bind("sock.csv")
    finally:
        os.chdir(old)
    try:
        result = run_inputs([data])
    finally:
        server.close()
        locked.chmod(0o644)
    assert [ledger.path for ledger in result.ledgers] == ["emissions.csv"]
    assert sorted(result.skipped) == [
        ("gone.csv", "broken symbolic link (it points to missing.csv, which does not exist)"),
        ("locked.csv", "cannot read file (Permission denied)"),
        ("pipe.csv", "not a regular file (a named pipe)"),
        ("sock.csv", "not a regular file (a socket)"),
    ]


def _deny_reading(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """chmod 000 does not stop root from reading: make opening `path` fail as it would for a user."""
    if os.geteuid() != 0:
        return
    real_open = Path.open

    def guarded(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.resolve() == path.resolve():
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: os.mkfifo(p), "not a regular file (a named pipe)"),
        (
            lambda p: p.symlink_to("nowhere.csv"),
            "broken symbolic link (it points to nowhere.csv, which does not exist)",
        ),
    ],
    ids=["fifo", "broken-link"],
)
def test_a_named_pipe_or_broken_link_given_explicitly_is_an_error(tmp_path: Path, make: Any, message: str) -> None:
    make(tmp_path / "in.csv")
    assert error_line(validate(tmp_path, "in.csv")) == f"error: in.csv: {message}"


def test_an_unreadable_file_given_explicitly_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "emissions.csv"
    path.write_bytes(CODECARBON.read_bytes())
    path.chmod(0)
    _deny_reading(monkeypatch, path)
    try:
        assert error_line(validate(tmp_path, "emissions.csv")) == (
            "error: emissions.csv: cannot read file (Permission denied)"
        )
    finally:
        path.chmod(0o644)


# --------------------------------------------------------------------------------------------
# Encodings


def _renamed(name: str) -> str:
    return CODECARBON.read_text(encoding="utf-8").replace(PROJECT, name)


@pytest.mark.parametrize(
    ("encoding", "name", "note"),
    [
        ("cp949", "한국어-모델", "read as cp949: the file is not UTF-8"),
        ("cp1252", "modèle-café “quoted”", "read as cp1252: the file is not UTF-8"),
        ("latin-1", "Zürich-modèle", "read as cp1252: the file is not UTF-8"),
        ("utf-16", "한국어-모델", "read as UTF-16 (the file starts with its byte-order mark)"),
        ("utf-8-sig", "한국어-모델", None),
    ],
)
def test_text_in_another_encoding_is_read_with_a_note(
    tmp_path: Path, encoding: str, name: str, note: str | None
) -> None:
    path = tmp_path / "emissions.csv"
    path.write_text(_renamed(name), encoding=encoding)
    result = run_inputs([path])
    assert name in projects(result)
    encoding_notes = [n for n in result.ledgers[0].notes if n.startswith("read as")]
    assert encoding_notes == ([note] if note else [])
    assert result.ledgers[0].sha256 == _sha256(path)  # lineage keeps the user's file, not the copy
    # Totals are those of the UTF-8 original.
    original = tmp_path / "utf8" / "emissions.csv"
    original.parent.mkdir()
    original.write_text(_renamed(name), encoding="utf-8")
    assert result.allocated["energy_kwh"].sum() == run_inputs([original]).allocated["energy_kwh"].sum()


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_file_that_leaves_utf8_after_its_head_is_still_caught(tmp_path: Path) -> None:
    text = _renamed(PROJECT)
    header, *rows = text.splitlines(keepends=True)
    padding = "".join(rows[:1]) * (2 * 8192 // len(rows[0]) + 1)  # more than the head that is sniffed
    path = tmp_path / "emissions.csv"
    path.write_bytes((header + padding).encode() + "".join(rows).replace(PROJECT, "한국어").encode("cp949"))
    result = run_inputs([path], period="2026")
    assert "한국어" in projects(result)
    assert result.ledgers[0].notes[0] == "read as cp949: the file is not UTF-8"


def test_a_mostly_utf8_file_with_a_bad_byte_is_an_error(tmp_path: Path) -> None:
    data = _renamed("한국어-모델").encode("utf-8")
    cut = data.index(b"\n", 500) + 1  # the bad byte starts line 3
    (tmp_path / "emissions.csv").write_bytes(data[:cut] + b"\xff" + data[cut:])
    line = error_line(validate(tmp_path, "emissions.csv"))
    assert line.startswith("error: emissions.csv: not valid UTF-8: 1 invalid byte sequence(s) among 5 UTF-8 characters")
    assert f"the first at byte {cut} (line 3)" in line


def test_the_configured_encoding_overrides_the_guess(tmp_path: Path) -> None:
    path = tmp_path / "emissions.csv"
    path.write_text(_renamed("Ölmühle"), encoding="latin-1")
    result = run_inputs([{"path": str(path), "encoding": "latin-1"}])
    assert "Ölmühle" in projects(result)
    assert result.ledgers[0].notes[0] == "read as latin-1, as configured"
    with pytest.raises(InputError, match=r"not UTF-8 text .*the configured encoding is utf-8"):
        run_inputs([{"path": str(path), "encoding": "utf-8"}])


def test_a_bill_in_cp1252_is_read_through_duckdb(tmp_path: Path) -> None:
    text = FOCUS.read_text(encoding="utf-8")
    path = tmp_path / "focus.csv"
    path.write_text(text.replace('"SunBird"', '"SunBïrd™"'), encoding="cp1252")
    result = run_inputs([path], period="2024-09")
    plain = run_inputs([FOCUS], period="2024-09")
    assert result.ledgers[0].notes[0] == "read as cp1252: the file is not UTF-8"
    assert result.ledgers[0].rows_read == plain.ledgers[0].rows_read
    assert result.allocated["energy_kwh"].sum() == pytest.approx(plain.allocated["energy_kwh"].sum())


# --------------------------------------------------------------------------------------------
# gzip


def test_a_truncated_gzip_file_is_an_error(tmp_path: Path) -> None:
    whole = gzip.compress(FOCUS.read_bytes())
    (tmp_path / "bill.csv.gz").write_bytes(whole[: len(whole) // 2])
    assert error_line(validate(tmp_path, "bill.csv.gz")) == (
        "error: bill.csv.gz: the gzip stream is truncated (the file ends before the compressed data does)"
    )


def test_damage_found_after_the_checked_prefix_is_reported_after_reading(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(content, "GZIP_PREFIX", 4096)  # only the first 4 KiB are checked before reading
    whole = gzip.compress(FOCUS.read_bytes())
    (tmp_path / "bill.csv.gz").write_bytes(whole[: len(whole) - 200])
    assert error_line(validate(tmp_path, "bill.csv.gz")) == (
        "error: bill.csv.gz: the gzip stream is truncated (the file ends before the compressed data does)"
    )


def test_a_gzip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # One repeated bill line expands about 700 times; the limit is lowered so the test stays small.
    monkeypatch.setattr(content, "MAX_RATIO", 50)
    monkeypatch.setattr(content, "RATIO_FLOOR", 1024)
    header, row = FOCUS.read_text(encoding="utf-8").splitlines(keepends=True)[:2]
    (tmp_path / "bill.csv.gz").write_bytes(gzip.compress((header + row * 20_000).encode(), 9))
    assert error_line(validate(tmp_path, "bill.csv.gz")) == (
        "error: bill.csv.gz: refused: the gzip stream expands more than 50 times (a gzip bomb, or not a bill)"
    )


def test_a_gzip_file_of_zeros_is_refused_at_the_real_limit(tmp_path: Path) -> None:
    header = FOCUS.read_text(encoding="utf-8").splitlines(keepends=True)[0]
    (tmp_path / "bill.csv.gz").write_bytes(gzip.compress(header.encode() + bytes(40 << 20), 9))
    assert error_line(validate(tmp_path, "bill.csv.gz")) == (
        f"error: bill.csv.gz: refused: the gzip stream expands more than {content.MAX_RATIO} times "
        "(a gzip bomb, or not a bill)"
    )


def test_a_gzip_file_whose_content_is_binary_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bill.csv.gz").write_bytes(gzip.compress(os.urandom(4000) + bytes(10)))
    assert error_line(validate(tmp_path, "bill.csv.gz")) == (
        "error: bill.csv.gz: a gzip-compressed file whose content is binary, not text"
    )


@pytest.mark.parametrize("encoding", ["cp949", "utf-16"])
def test_a_gzip_file_in_another_encoding_is_read_with_a_note(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "emissions.csv.gz"
    path.write_bytes(gzip.compress(_renamed("한국어-모델").encode(encoding)))
    result = run_inputs([path])
    assert "한국어-모델" in projects(result)
    assert result.ledgers[0].notes[0].startswith(f"read as {encoding if encoding == 'cp949' else 'UTF-16'}")


def test_a_truncated_gzip_file_in_another_encoding_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(content, "GZIP_PREFIX", 1024)  # the truncation is found while the encoding is checked
    whole = gzip.compress((_renamed("한국어-모델") * 200).encode("cp949"))
    (tmp_path / "emissions.csv.gz").write_bytes(whole[: len(whole) // 2])
    assert error_line(validate(tmp_path, "emissions.csv.gz")) == (
        "error: emissions.csv.gz: the gzip stream is truncated (the file ends before the compressed data does)"
    )


def test_a_gzip_bill_that_leaves_utf8_late_is_an_error_after_reading(tmp_path: Path) -> None:
    header, *rows = FOCUS.read_text(encoding="utf-8").splitlines(keepends=True)
    body = (header + "".join(rows[:200])).encode()  # more than the decompressed head that is checked first
    assert len(body) > content.HEAD_KEPT
    data = body + rows[200].replace('"SunBird"', '"SunBïrd"').encode("cp1252") + "".join(rows[201:]).encode()
    (tmp_path / "bill.csv.gz").write_bytes(gzip.compress(data))
    where = data.index("ï".encode("cp1252"))
    assert error_line(validate(tmp_path, "bill.csv.gz")) == (
        f"error: bill.csv.gz: not UTF-8 text from byte {where} of its decompressed content; "
        'name its encoding with encoding = "…" in its [[inputs]] entry'
    )


def test_a_big_plain_bill_that_leaves_utf8_late_is_an_error_after_reading(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(content, "TEXT_PREFIX", 4096)  # only the first 4 KiB are checked before reading
    header, *rows = FOCUS.read_text(encoding="utf-8").splitlines(keepends=True)
    body = (header + "".join(rows[:200])).encode()
    assert len(body) > 4096
    data = body + rows[200].replace('"SunBird"', '"SunBïrd"').encode("cp1252") + "".join(rows[201:]).encode()
    (tmp_path / "bill.csv").write_bytes(data)
    where = data.index("ï".encode("cp1252"))
    # byte and line counted by hand from the file written above: the header is line 1, rows[200] line 202
    assert error_line(validate(tmp_path, "bill.csv")) == (
        f"error: bill.csv: not UTF-8 text (byte {where}, line 202); "
        'name its encoding with encoding = "…" in its [[inputs]] entry'
    )


def test_a_whole_gzip_bill_is_read(tmp_path: Path) -> None:
    (tmp_path / "bill.csv.gz").write_bytes(gzip.compress(FOCUS.read_bytes()))
    result = run_inputs([tmp_path / "bill.csv.gz"], period="2024-09")
    assert result.ledgers[0].rows_read == run_inputs([FOCUS], period="2024-09").ledgers[0].rows_read


# --------------------------------------------------------------------------------------------
# The same content twice


def test_a_copy_under_another_name_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "emissions.csv").write_bytes(CODECARBON.read_bytes())
    (tmp_path / "b" / "copy-of-run.csv").write_bytes(CODECARBON.read_bytes())
    alone = run_inputs([tmp_path / "a" / "emissions.csv"])
    both = run_inputs([tmp_path / "a", tmp_path / "b"])
    assert both.allocated["energy_kwh"].sum() == alone.allocated["energy_kwh"].sum()
    assert len(both.items) == len(alone.items)
    assert [ledger.path for ledger in both.ledgers] == ["a/emissions.csv"]
    sha = _sha256(CODECARBON)
    expected = ("b/copy-of-run.csv", f"same content as a/emissions.csv (sha256 {sha[:12]}…), read once")
    assert both.skipped == [expected]
    report = build_report(both)
    assert [(s.path, s.reason) for s in report.skipped_files] == [expected]
    assert report.to_dict()["skipped_files"] == [{"path": expected[0], "reason": expected[1]}]


def test_the_same_file_reached_by_a_link_is_listed_once_read(tmp_path: Path) -> None:
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "emissions.csv").write_bytes(CODECARBON.read_bytes())
    (tmp_path / "latest.csv").symlink_to("runs/emissions.csv")
    result = validate(tmp_path, "runs", "latest.csv", "runs/emissions.csv")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum(line.endswith("codecarbon; 7 rows read, 6 usable, 1 excluded") for line in lines) == 1
    assert "latest.csv: skipped, the same file as runs/emissions.csv, read once" in lines


def test_files_of_the_same_size_but_other_content_are_both_read(tmp_path: Path) -> None:
    data = CODECARBON.read_bytes()
    (tmp_path / "one.csv").write_bytes(data)
    (tmp_path / "two.csv").write_bytes(data.replace(b"llm-finetune-a", b"llm-finetune-z"))
    result = run_inputs([tmp_path])
    assert [ledger.path for ledger in result.ledgers] == ["one.csv", "two.csv"]
    assert result.skipped == []


# --------------------------------------------------------------------------------------------
# Configuration files


def write_config(folder: Path, body: str) -> Path:
    path = folder / "report.toml"
    path.write_text('[organization]\nname = "A"\n' + body, encoding="utf-8")
    return path


def report_with(folder: Path, config: Path) -> Any:
    old = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(main, ["report", "--quiet", "--config", str(config)], catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[period]\nmonth = "2026-11"\n[[inputs]]\npath = "data"\n[[inputs]]\npath = "nothing.csv"\n',
            "'inputs[2].path': nothing.csv: file not found",
        ),
        (
            '[period]\nmonth = "2026-11"\n[[inputs]]\npath = "data/*.parquet"\n',
            "'inputs[1].path': data/*.parquet: no file matches this pattern",
        ),
        (
            '[period]\nstart = 2026-12-01\nend = 2026-01-31\n[[inputs]]\npath = "data"\n',
            "'period': period ends (2026-01-31) before it starts (2026-12-01)",
        ),
        (
            '[period]\nmonth = "2026-13"\n[[inputs]]\npath = "data"\n',
            "'period': period '2026-13' is not a date, month or year (use 2026-10, 2026-01..2026-12 or 2026)",
        ),
        (
            '[period]\nmonth = "2026-11"\n[[inputs]]\npath = "data"\nencoding = "klingon"\n',
            "'inputs[1].encoding': unknown encoding 'klingon' (for example utf-8, cp1252, cp949, utf-16)",
        ),
        (
            '[period]\nmonth = "2026-11"\n[[inputs]]\npath = "data"\nencoding = "base64"\n',
            "'inputs[1].encoding': 'base64' is not a text encoding",
        ),
        ('[period]\nmonth = "2026-11"\n[[inputs]]\npath = "data"\nteem = "x"\n', "unknown key 'inputs[1].teem'"),
        (
            '[period]\nmonth = "2026-11"\n[[inputs]]\npath = ["data"]\n',
            "'inputs[1].path': Input should be a valid string",
        ),
    ],
    ids=[
        "missing-path",
        "no-match",
        "reversed-period",
        "bad-month",
        "unknown-encoding",
        "not-text-encoding",
        "unknown-key",
        "wrong-type",
    ],
)
def test_config_errors_name_the_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "emissions.csv").write_bytes(CODECARBON.read_bytes())
    config = write_config(tmp_path, body)
    assert error_line(report_with(tmp_path, config)) == f"error: {config}: {message}"


@pytest.mark.parametrize("key", ["base_dir", "inputs_from"])
def test_internal_keys_cannot_be_set_in_the_file(tmp_path: Path, key: str) -> None:
    config = tmp_path / "report.toml"
    config.write_text(f'{key} = "/elsewhere"\n[organization]\nname = "A"\n[period]\nmonth = "2026-11"\n')
    assert error_line(report_with(tmp_path, config)) == f"error: {config}: unknown key '{key}'"


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "report.toml"
    config.write_bytes('[organization]\nname = "Société"\n'.encode("cp1252"))
    assert error_line(report_with(tmp_path, config)) == (
        f"error: {config}: the config file is not UTF-8 text (byte 27, line 2)"
    )


def test_a_config_that_is_a_pipe_is_refused_without_waiting(tmp_path: Path) -> None:
    config = tmp_path / "report.toml"
    os.mkfifo(config)
    assert error_line(report_with(tmp_path, config)) == f"error: {config}: the config file is not a regular file"


def test_inputs_outside_the_config_folder_are_allowed(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "emissions.csv").write_bytes(CODECARBON.read_bytes())
    project = tmp_path / "project"
    project.mkdir()
    config = write_config(
        project,
        '[period]\nmonth = "2026-11"\n[[inputs]]\npath = "../shared/emissions.csv"\n[output]\nformats = ["json"]\n',
    )
    result = report_with(project, config)
    assert result.exit_code == 0, result.output
    assert (project / "out").is_dir()


def test_a_bad_period_on_the_command_line_is_not_blamed_on_the_file(tmp_path: Path) -> None:
    config = write_config(tmp_path, '[period]\nmonth = "2026-11"\n')
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["report", "--config", str(config), "--period", "2026-14"])
    finally:
        os.chdir(old)
    assert error_line(result) == (
        "error: period '2026-14' is not a date, month or year (use 2026-10, 2026-01..2026-12 or 2026)"
    )
