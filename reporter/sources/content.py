"""What an input file holds, looked at before any reader sees it.

* Its kind, from the first bytes: Parquet, gzip and .xlsx workbooks are read (reporter.workbook);
  an .xls, a workbook with macros or a password, a zip or another archive is refused with a
  message saying what the file is.
* Its text encoding. Readers read UTF-8. A file that is not UTF-8 (checked over its first
  `TEXT_PREFIX` bytes before reading; the rest of a bigger file is checked in the background
  with its hash, and a bad byte there is an error once the file is read) is transcoded once
  into a temporary UTF-8 copy, from the encoding the `encoding` input option names, or from a
  byte-order mark (UTF-16, UTF-32), or else from a guess between cp949 (Korean) and cp1252
  (Western European); the ledger notes which. A file that is mostly UTF-8 with a few bad bytes
  is an error rather than a guess.
* For a gzip file: a stream that ends early is an error, and so is one that expands more than
  `MAX_RATIO` times (a gzip bomb) or whose first decompressed bytes are not text.
"""

from __future__ import annotations

import atexit
import codecs
import gzip
import hashlib
import itertools
import re
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reporter.errors import InputError
from reporter.sources.encodings import NON_ASCII, guess_legacy

CHUNK = 1 << 20
PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
# A gzip stream may expand at most this many times; the ratio is checked as the stream is read,
# once RATIO_FLOOR compressed bytes are in (CSV bills expand 5-30 times; a stream of one repeated
# line about 700 times, one of zeros about 1000 times).
MAX_RATIO = 500
RATIO_FLOOR = 64 * 1024
# The first decompressed bytes looked at synchronously (the rest is checked with the hash).
GZIP_PREFIX = 64 * 1024 * 1024
# The first bytes of a plain file whose encoding is checked before reading (the rest: with the hash).
TEXT_PREFIX = 64 * 1024 * 1024
HEAD_KEPT = 64 * 1024
UTF8_NAMES = ("utf-8", "utf-8-sig")
# A file with at least this many valid non-ASCII UTF-8 characters per byte that is not UTF-8 is
# damaged UTF-8, not another encoding (in cp949 or cp1252 text, valid UTF-8 pairs are rare accidents).
MOSTLY_UTF8 = 2
# Kinds no reader reads, by their first bytes.
_RECOMPRESS = "decompress it, or compress it with gzip instead"
REFUSED = (
    (re.compile(rb"PK\x03\x04"), "zip"),
    (re.compile(rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), "ole"),
    (re.compile(rb"BZh[1-9](1AY&SY|\x17rE8P\x90)"), f"this is a bzip2-compressed file; {_RECOMPRESS}"),
    (re.compile(rb"\xfd7zXZ\x00"), f"this is an xz-compressed file; {_RECOMPRESS}"),
    (re.compile(rb"\(\xb5/\xfd"), f"this is a zstd-compressed file; {_RECOMPRESS}"),
    (re.compile(rb"7z\xbc\xaf\x27\x1c"), "this is a 7-Zip archive; extract it and give the files inside"),
    (re.compile(rb"%PDF-"), "this is a PDF document, not a CSV, log or Parquet file"),
)
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def refused_kind(path: Path, head: bytes) -> str | None:
    """What the file is, if it is a kind no reader reads (an .xls, a workbook with macros or a
    password, an archive, a PDF); None for anything else, an .xlsx workbook included."""
    for magic, message in REFUSED:
        if magic.match(head):
            if message == "zip":
                return _zip_kind(path)
            return _ole_kind(path) if message == "ole" else message
    return None


def is_xlsx(path: Path, head: bytes) -> bool:
    """Whether the file is an Excel workbook that is read (.xlsx: no macros, no password)."""
    return head.startswith(b"PK\x03\x04") and refused_kind(path, head) is None and bool(_zip_names(path))


def _zip_names(path: Path) -> list[str]:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return []


# An Office file encrypted with a password is a compound file holding these streams (MS-OFFCRYPTO).
_ENCRYPTED = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))


def _ole_kind(path: Path) -> str:
    """An Office compound file: a password-protected workbook, or an Excel 97-2003 (.xls) or other file."""
    try:
        with path.open("rb") as handle:
            data = handle.read(8 * CHUNK)
            if len(data) >= 0x34:  # and the directory's first sectors, wherever the header puts them
                size = 1 << int.from_bytes(data[0x1E:0x20], "little")
                handle.seek((int.from_bytes(data[0x30:0x34], "little") + 1) * size)
                data += handle.read(8 * size)
    except (OSError, ValueError, OverflowError):
        data = b""
    if all(marker in data for marker in _ENCRYPTED):
        return (
            "this workbook is protected with a password, so it cannot be read; remove the password "
            "(File > Info > Protect Workbook) and save it again as .xlsx"
        )
    return "this is an Excel 97-2003 workbook (.xls) or another Office file; save it as .xlsx or CSV"


def _zip_kind(path: Path) -> str | None:
    names = _zip_names(path)
    if "xl/vbaProject.bin" in names or any(name.startswith("xl/macrosheets/") for name in names):
        return (
            "this workbook contains macros (.xlsm), which are refused; save it as an Excel Workbook "
            "(.xlsx) without macros, or as CSV"
        )
    if "xl/workbook.xml" in names:
        return None
    if any(name.startswith("xl/") for name in names):
        return "this is an Excel workbook whose workbook part is missing (a damaged .xlsx)"
    if any(name.startswith(("word/", "ppt/")) for name in names) or "content.xml" in names:
        return "this is an office document, not a CSV, log or Parquet file"
    return "this is a zip archive; unzip it and give the files inside"


def unrecognised_kind(path: Path, head: bytes) -> str | None:
    """Why a Parquet or gzip file that no reader recognised is not read, if that can be told."""
    if head.startswith(PARQUET_MAGIC):
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(path).names
        except Exception as exc:  # any failure of the Parquet library is the file's problem
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"Parquet file that cannot be read: {reason}"
        shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
        return f"a Parquet file whose columns ({shown}) match no known format"
    if head.startswith(GZIP_MAGIC):
        return "a gzip-compressed file whose content matches no known format"
    if head.startswith(b"PK\x03\x04"):
        return (
            "an Excel workbook whose sheet matches no known format (if the data is on another sheet, "
            'name it with sheet = "…" in the input\'s entry)'
        )
    return None


@dataclass(frozen=True)
class Text:
    """How a file is read as text: as it is, or through a UTF-8 copy at `path`."""

    path: Path | None = None
    note: str | None = None
    rest_unchecked: bool = False  # a big plain file whose encoding was checked over its first bytes only


def decode_plan(path: Path, head: bytes, declared: str | None) -> Text:
    """Whether `path` can be read as it is (UTF-8) or through a transcoded copy; errors name why not."""
    gzipped = head.startswith(GZIP_MAGIC)
    if head.startswith(PARQUET_MAGIC) or refused_kind(path, head):
        return Text()
    if gzipped:
        head = check_gzip_prefix(path)
    if declared is not None:
        encoding = codecs.lookup(declared).name
        if encoding in UTF8_NAMES:
            problem = _utf8_problem(path, gzipped)
            if problem:
                raise InputError(f"{problem[0]} (the configured encoding is {declared})", path=path)
            return Text()
        return _transcoded(path, gzipped, encoding, f"read as {declared}, as configured")
    for bom, encoding in BOMS:
        if head.startswith(bom):
            try:
                note = f"read as {encoding.upper()} (the file starts with its byte-order mark)"
                return _transcoded(path, gzipped, encoding, note)
            except InputError:
                return Text()  # not text after all: detection says what it is
    if b"\x00" in head and gzipped:
        raise InputError("a gzip-compressed file whose content is binary, not text", path=path)
    if b"\x00" in head:
        return Text()  # binary: detection says it is not recognised
    if gzipped and _utf8_head(head):
        return Text()  # the rest of the stream is checked with the hash (see `scan`)
    if not gzipped and _utf8_prefix(path):
        return Text(rest_unchecked=True)  # a big file: the rest is checked with the hash (see `scan`)
    problem = _utf8_problem(path, gzipped)
    if problem is None:
        return Text()
    message, damaged = problem
    if damaged:  # a guess at another encoding would garble the UTF-8 text around the bad bytes
        advice = 'fix the file, or name its encoding with encoding = "…" in its [[inputs]] entry'
        raise InputError(f"{message}; {advice}", path=path)
    guess = guess_legacy(_chunks(path, gzipped))
    return _transcoded(path, gzipped, guess, f"read as {guess}: the file is not UTF-8")


def _utf8_head(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        return False
    return True


def _utf8_prefix(path: Path) -> bool:
    """Whether a plain file is longer than TEXT_PREFIX and its first TEXT_PREFIX bytes are UTF-8
    (a character cut at the end of the prefix is fine)."""
    if path.stat().st_size <= TEXT_PREFIX:
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    read = 0
    with path.open("rb") as handle:
        while read < TEXT_PREFIX:
            chunk = handle.read(min(CHUNK, TEXT_PREFIX - read))
            if not chunk:
                break
            read += len(chunk)
            if chunk.isascii() and not decoder.getstate()[0]:
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    return True


def _chunks(path: Path, gzipped: bool) -> Iterator[bytes]:
    """The file's bytes (decompressed), a chunk at a time; a damaged gzip stream is an InputError."""
    if not gzipped:
        with path.open("rb") as handle:
            yield from iter(lambda: handle.read(CHUNK), b"")
        return
    try:
        with gzip.open(path, "rb") as handle:
            yield from iter(lambda: handle.read(CHUNK), b"")
    except EOFError:
        raise InputError("the gzip stream is truncated (the file ends before the compressed data does)", path) from None
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(f"the gzip stream is damaged ({exc})", path) from None


def _utf8_problem(path: Path, gzipped: bool) -> tuple[str, bool] | None:
    """None if the whole file is UTF-8; else where it is not, and whether it is mostly UTF-8 (damaged)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    for chunk in itertools.chain(_chunks(path, gzipped), [b""]):
        pending = decoder.getstate()[0]
        if chunk and not pending and chunk.isascii():
            offset, lines = offset + len(chunk), lines + chunk.count(b"\n")
            continue
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            start = max(exc.start - len(pending), 0)
            line = lines + chunk[:start].count(b"\n") + 1
            return _describe_invalid(path, gzipped, offset + start, line)
        offset, lines = offset + len(chunk), lines + chunk.count(b"\n")
    return None


def _describe_invalid(path: Path, gzipped: bool, where: int, line: int) -> tuple[str, bool]:
    valid, invalid = _utf8_shares(path, gzipped)
    if valid >= MOSTLY_UTF8 * invalid:
        message = (
            f"not valid UTF-8: {invalid} invalid byte sequence(s) among {valid} UTF-8 characters, "
            f"the first at byte {where} (line {line})"
        )
        return message, True
    return f"not UTF-8 text (byte {where}, line {line})", False


def _utf8_shares(path: Path, gzipped: bool) -> tuple[int, int]:
    """(non-ASCII characters that are valid UTF-8, runs of bytes that are not) over the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    valid = invalid = 0
    for chunk in itertools.chain(_chunks(path, gzipped), [b""]):
        if chunk and chunk.isascii() and not decoder.getstate()[0]:
            continue
        text = decoder.decode(chunk, final=not chunk)
        bad = text.count("\ufffd")
        invalid += bad
        valid += len(NON_ASCII.findall(text)) - bad
    return valid, invalid


_TEMP: list[Path] = []


def temp_folder() -> Path:
    """A new temporary folder, removed when the program ends."""
    return _temp_folder()


def _temp_folder() -> Path:
    if not _TEMP:
        folder = Path(tempfile.mkdtemp(prefix="reporter-text-"))
        atexit.register(shutil.rmtree, folder, True)
        _TEMP.append(folder)
    return Path(tempfile.mkdtemp(dir=_TEMP[0]))


def _transcoded(path: Path, gzipped: bool, encoding: str, note: str) -> Text:
    """Write `path` (decompressed) as UTF-8 into a temporary copy with the same name, a chunk at a time."""
    copy = _temp_folder() / (path.name.removesuffix(".gz") if gzipped else path.name)
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    try:
        with copy.open("w", encoding="utf-8", newline="") as out:
            for chunk in itertools.chain(_chunks(path, gzipped), [b""]):
                out.write(decoder.decode(chunk, final=not chunk))
                offset += len(chunk)
    except UnicodeDecodeError as exc:
        copy.unlink(missing_ok=True)
        raise InputError(f"not valid {encoding} text (byte {offset + exc.start})", path=path) from None
    return Text(copy, note)


# --------------------------------------------------------------------------------------------
# gzip


def check_gzip_prefix(path: Path) -> bytes:
    """The first decompressed bytes; an error if the first GZIP_PREFIX decompressed bytes (or the
    whole stream, if shorter) are truncated or expand too much."""
    scanner = _GzipScan(keep=HEAD_KEPT)
    with path.open("rb") as handle:
        while scanner.expanded < GZIP_PREFIX:
            chunk = handle.read(CHUNK)
            problem = scanner.feed(chunk)
            if problem:
                raise InputError(problem, path=path)
            if not chunk:
                break
    return bytes(scanner.head)


class _GzipScan:
    """Feeds a gzip file's bytes through a decompressor: counts, and tells what is wrong."""

    def __init__(self, text: bool = False, keep: int = 0) -> None:
        self.inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        self.text = codecs.getincrementaldecoder("utf-8")() if text else None
        self.compressed = 0
        self.expanded = 0
        self.keep = keep
        self.head = bytearray()  # the first `keep` decompressed bytes

    def feed(self, chunk: bytes) -> str | None:
        """Decompress one chunk (b"" at the end of the file); a message if the stream is bad."""
        if not chunk:
            if not (self.inflater.eof or self.compressed == 0):
                return "the gzip stream is truncated (the file ends before the compressed data does)"
            return self._not_text(b"", final=True)
        self.compressed += len(chunk)
        data = chunk
        while data:
            try:
                piece = self.inflater.decompress(data, CHUNK)
            except zlib.error as exc:
                return f"the gzip stream is damaged ({exc})"
            problem = self._not_text(piece)
            if problem:
                return problem
            self.expanded += len(piece)
            if len(self.head) < self.keep:
                self.head += piece[: self.keep - len(self.head)]
            if self.expanded > MAX_RATIO * max(self.compressed, RATIO_FLOOR):
                return (
                    f"refused: the gzip stream expands more than {MAX_RATIO} times "
                    "(a gzip bomb, or not a bill)"
                )
            data = self.inflater.unconsumed_tail
            if self.inflater.eof:
                data = self.inflater.unused_data
                if data.strip(b"\x00"):
                    self.inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # the next member
                else:
                    data = b""
        return None

    def _not_text(self, piece: bytes, final: bool = False) -> str | None:
        if self.text is None or (piece.isascii() and not final and not self.text.getstate()[0]):
            return None
        try:
            self.text.decode(piece, final=final)
        except UnicodeDecodeError as exc:
            self.text = None
            return (
                f"not UTF-8 text from byte {self.expanded + exc.start} of its decompressed content; "
                'name its encoding with encoding = "…" in its [[inputs]] entry'
            )
        return None


class _PlainScan:
    """Feeds a plain file's bytes through a UTF-8 decoder: tells where it stops being UTF-8."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.text = codecs.getincrementaldecoder("utf-8")()
        self.offset = 0

    def feed(self, chunk: bytes) -> str | None:
        final = not chunk
        pending = self.text.getstate()[0]
        try:
            if final or not chunk.isascii() or pending:
                self.text.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            where = self.offset + max(exc.start - len(pending), 0)
            return (
                f"not UTF-8 text (byte {where}, line {_line_at(self.path, where)}); "
                'name its encoding with encoding = "…" in its [[inputs]] entry'
            )
        self.offset += len(chunk)
        return None


def _line_at(path: Path, offset: int) -> int:
    """The line number of a byte offset in a plain file."""
    lines = 1
    with path.open("rb") as handle:
        while offset > 0:
            chunk = handle.read(min(CHUNK, offset))
            if not chunk:
                break
            lines += chunk.count(b"\n")
            offset -= len(chunk)
    return lines


@dataclass(frozen=True)
class Scan:
    """The whole file read once, in the background: its sha256 and, for gzip, what is wrong."""

    sha256: str
    problem: str | None = None


def scan(path: Path, gzipped: bool, text: bool) -> Scan:
    """sha256 of the file and a whole-file check: for a gzip file, truncated or a bomb, and if it
    is read as it is (`text`), not UTF-8; for a plain file whose rest is unchecked (`text`), not UTF-8."""
    digest = hashlib.sha256()
    checker: _GzipScan | _PlainScan | None = _GzipScan(text) if gzipped else _PlainScan(path) if text else None
    problem: str | None = None
    try:
        with path.open("rb") as handle:
            for chunk in itertools.chain(iter(lambda: handle.read(CHUNK), b""), [b""]):
                digest.update(chunk)
                if checker is not None and problem is None:
                    problem = checker.feed(chunk)
    except OSError as exc:
        return Scan("", f"cannot read file ({exc.strerror or exc})")
    return Scan(digest.hexdigest(), problem)
