"""Receiving uploads: a multipart body streamed to disk part by part, with a size limit, and each
file's kind told from its content (never from its name).

Kinds taken: text (CSV, logs), gzip-compressed text, Parquet, Excel workbooks (.xlsx). Anything
else is refused with a message saying what it is; the bytes received are removed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.exceptions import ParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from reporter.web.workspace import Upload, Workspace, WorkspaceError

SNIFF_BYTES = 64 * 1024
TEXT_CONTROL = set(range(0, 9)) | {11, 12} | set(range(14, 32))
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class TooLarge(WorkspaceError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than the limit of {limit // (1 << 20)} MB (--max-upload-mb)", 413)


@dataclass
class _Part:
    filename: str | None = None
    field_name: str = ""
    path: Path | None = None
    handle: IO[bytes] | None = None
    digest: Any = field(default_factory=hashlib.sha256)


@dataclass
class Receiver:
    """Writes each file part of one multipart body to its own partial file in the workspace."""

    workspace: Workspace
    received: int = 0
    complete: bool = False  # the closing boundary was read
    parts: list[_Part] = field(default_factory=list)
    _headers: dict[bytes, bytes] = field(default_factory=dict)
    _field: bytes = b""
    _value: bytes = b""

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin,
            "on_part_data": self._data,
            "on_part_end": self._end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_end": self._finished,
        }

    def _finished(self) -> None:
        self.complete = True

    def _begin(self) -> None:
        self.parts.append(_Part())
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field, self._value = b"", b""

    def _headers_finished(self) -> None:
        part = self.parts[-1]
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        part.field_name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in options:
            part.filename = options[b"filename"].decode("utf-8", "replace")
            part.path = self.workspace.partial()
            part.handle = part.path.open("wb")

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self.parts[-1]
        if part.handle is not None:
            chunk = data[start:end]
            part.handle.write(chunk)
            part.digest.update(chunk)

    def _end(self) -> None:
        part = self.parts[-1]
        if part.handle is not None:
            part.handle.close()
            part.handle = None

    def discard(self) -> None:
        for part in self.parts:
            if part.handle is not None:
                part.handle.close()
            if part.path is not None:
                part.path.unlink(missing_ok=True)


async def receive(
    workspace: Workspace, content_type: str, length: str | None, body: AsyncIterator[bytes], limit: int
) -> list[Upload]:
    """Every file in a multipart/form-data body, stored and checked; nothing is kept if any is refused."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise WorkspaceError("send the files as multipart/form-data (field name 'files')", 415)
    if length is not None and length.isdigit() and int(length) > limit:
        raise TooLarge(limit)
    receiver = Receiver(workspace)
    parser = MultipartParser(options[b"boundary"], receiver.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in body:
            receiver.received += len(chunk)
            if receiver.received > limit:
                raise TooLarge(limit)
            parser.write(chunk)
        parser.finalize()
        if not receiver.complete:
            raise WorkspaceError("the upload ended before its last part did (no closing boundary)", 400)
        files = [p for p in receiver.parts if p.path is not None and p.filename is not None]
        if not files:
            raise WorkspaceError("the request holds no file (send them in the field 'files')", 400)
        kinds = [(part, kind_of(part.path, part.filename or "")) for part in files if part.path]
    except ParseError as exc:
        receiver.discard()
        raise WorkspaceError(f"the upload is not a well-formed multipart/form-data body ({exc})", 400) from None
    except BaseException:
        receiver.discard()
        raise
    return [workspace.keep(part.path, part.filename or "", kind, part.digest.hexdigest()) for part, kind in kinds
            if part.path is not None]


def kind_of(path: Path, name: str) -> str:
    """csv, csv.gz, parquet or xlsx, from the file's bytes; a WorkspaceError (415) for anything else."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    shown = name.replace("\\", "/").rsplit("/", 1)[-1][:80] or "the file"
    if not head:
        raise WorkspaceError(f"{shown}: the file is empty", 415)
    if head.startswith(b"PAR1"):
        return _parquet(path, shown)
    if head.startswith(b"\x1f\x8b"):
        return _gzip(path, shown)
    if head.startswith(b"PK\x03\x04"):
        return _workbook(path, shown)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise WorkspaceError(
            f"{shown}: an Excel 97-2003 workbook or a password-protected Office file; save it as .xlsx or CSV", 415
        )
    if _is_text(head):
        return "csv"
    raise WorkspaceError(f"{shown}: not a CSV, log, gzip, Parquet or Excel file (its content is binary)", 415)


def _is_text(head: bytes) -> bool:
    if head.startswith(UTF16_BOMS):
        return True
    return not any(byte in TEXT_CONTROL for byte in head)


def _parquet(path: Path, shown: str) -> str:
    tail = b""
    if path.stat().st_size >= 8:
        with path.open("rb") as handle:
            handle.seek(-4, os.SEEK_END)
            tail = handle.read(4)
    if tail != b"PAR1":
        raise WorkspaceError(f"{shown}: starts like a Parquet file but is cut short (no Parquet footer)", 415)
    return "parquet"


def _gzip(path: Path, shown: str) -> str:
    try:
        with gzip.open(path, "rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise WorkspaceError(f"{shown}: a gzip file that cannot be decompressed ({exc})", 415) from None
    if not head or not _is_text(head):
        raise WorkspaceError(f"{shown}: a gzip file that does not hold CSV text", 415)
    return "csv.gz"


def _workbook(path: Path, shown: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile) as exc:
        raise WorkspaceError(f"{shown}: a damaged zip or Excel file ({exc})", 415) from None
    if "xl/vbaProject.bin" in names:
        raise WorkspaceError(f"{shown}: a workbook with macros (.xlsm) is refused; save it as .xlsx without them", 415)
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise WorkspaceError(f"{shown}: a zip archive, not an Excel workbook; unzip it and upload the files inside", 415)
