"""One big CSV read as several pieces at once, each piece numbering its own records.

DuckDB numbers rows as they arrive (`row_number() OVER ()`) on one thread only, so a CSV read
with exact row numbers would use one core. Cut into pieces at line breaks, each piece is read by
its own thread and numbers its own records; a record's row number in the file is then the header
plus the records of the pieces before its piece plus its number within the piece.

Each piece reaches DuckDB through a named pipe that a feeder thread fills from the file (the
kernel copies; nothing is written to disk). A cut can land inside a quoted value that spans
lines: the piece before it then ends inside quotes, which the strict CSV parser rejects, and the
caller reads the file whole instead. A piece that parses cleanly starts and ends on record
boundaries, because the first piece starts at the file's start.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

SPLIT_MIN_BYTES = 64 << 20  # smaller files are read whole
CHUNK_BYTES = 1 << 20
PIPE_BYTES = 1 << 20
F_SETPIPE_SZ = 1031  # Linux fcntl: grow a pipe's buffer


def can_split(path: Path) -> bool:
    """Whether a plain CSV file is big enough to cut (SPLIT_MIN_BYTES), on a system with named pipes."""
    return hasattr(os, "mkfifo") and path.stat().st_size >= SPLIT_MIN_BYTES


def split_points(path: Path, pieces: int) -> list[int]:
    """Byte offsets [0, cut 1, ..., size]: each cut just after the first line break at or after
    an equal share of the file. Cuts that would leave a piece empty are dropped."""
    size = path.stat().st_size
    bounds = [0]
    with path.open("rb") as handle:
        for index in range(1, pieces):
            handle.seek(max(size * index // pieces - 1, 0))
            handle.readline()
            cut = handle.tell()
            if bounds[-1] < cut < size:
                bounds.append(cut)
    bounds.append(size)
    return bounds


@dataclass
class Feed:
    """The named pipes of a file's pieces, and which pieces were delivered whole."""

    pipes: list[str] = field(default_factory=list)
    delivered: list[bool] = field(default_factory=list)

    def complete(self) -> bool:
        """Whether every piece reached its reader whole (read after the reader has finished)."""
        return all(self.delivered)


@contextmanager
def piped(path: Path, bounds: list[int]) -> Iterator[Feed]:
    """Named pipes, one per piece [bounds[i], bounds[i + 1]) of the file, being filled.

    A result read from the pipes counts only if `complete()` holds afterwards: a feeder that could
    not read its piece to the end (the file shrank, an I/O error) leaves the reader a short piece.
    On leaving, feeders still writing (the reader stopped early, e.g. on an error) are released
    and the pipes removed.
    """
    folder = tempfile.mkdtemp(prefix="reporter-pieces-")
    stop = threading.Event()
    feed = Feed()
    feeders: list[threading.Thread] = []
    try:
        for index, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
            pipe = os.path.join(folder, f"piece-{index}.csv")
            os.mkfifo(pipe)
            feed.pipes.append(pipe)
            feed.delivered.append(False)
            feeder = threading.Thread(
                target=_feed, args=(path, start, end, stop, feed, index),
                name=f"reporter-piece-{index}", daemon=True,
            )
            feeder.start()
            feeders.append(feeder)
        yield feed
    finally:
        stop.set()
        for pipe, feeder in zip(feed.pipes, feeders, strict=False):
            _release(pipe, feeder)
        shutil.rmtree(folder, ignore_errors=True)


def _feed(path: Path, start: int, end: int, stop: threading.Event, feed: Feed, index: int) -> None:
    """Copy piece `index` into its pipe; mark it delivered (before closing: before the reader's end)."""
    with suppress(OSError), path.open("rb") as source:
        target = os.open(feed.pipes[index], os.O_WRONLY)  # waits for the reader
        try:
            with suppress(OSError):
                import fcntl

                fcntl.fcntl(target, F_SETPIPE_SZ, PIPE_BYTES)
            offset = start
            while offset < end and not stop.is_set():
                sent = _send(target, source.fileno(), offset, min(end - offset, CHUNK_BYTES))
                if sent == 0:
                    break
                offset += sent
            feed.delivered[index] = offset == end
        finally:
            os.close(target)


def _send(target: int, source: int, offset: int, count: int) -> int:
    """Copy up to `count` bytes at `offset` of the source into the pipe; the bytes copied."""
    if hasattr(os, "sendfile"):
        try:
            return os.sendfile(target, source, offset, count)
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSOCK, errno.EOPNOTSUPP):
                raise
    data = os.pread(source, count, offset)
    view = memoryview(data)
    while view:
        view = view[os.write(target, view) :]
    return len(data)


def _release(pipe: str, feeder: threading.Thread) -> None:
    """Let a feeder finish: open the pipe for reading (a feeder waiting for a reader goes on) and
    drain it (a feeder blocked on a full pipe goes on and sees the stop)."""
    while feeder.is_alive():
        try:
            reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            feeder.join(0.05)
            continue
        try:
            with suppress(OSError):
                while os.read(reader, CHUNK_BYTES):
                    pass
            feeder.join(0.05)
        finally:
            os.close(reader)
