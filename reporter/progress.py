"""Progress bars on stderr for the long steps: reading a big bill, and writing the outputs.

Off unless the command line turns them on (`configure`), which it does only when stderr is a
terminal and `--quiet` is not given; library use and tests never see a bar. A caller that shows
progress some other way (the upload page) gets the same events in its own thread with `listening`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
POLL_S = 0.2
MIN_INTERVAL_S = 0.1  # at most ten redraws a second
_enabled = False
Listener = Callable[[str, float], None]  # (label, fraction done 0..1)
_local = threading.local()


class Pollable(Protocol):
    def query_progress(self) -> float: ...


def configure(enabled: bool) -> None:
    """Show bars from now on (only if stderr is a terminal)."""
    global _enabled
    _enabled = enabled and sys.stderr.isatty()


def enabled() -> bool:
    return _enabled


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send this thread's progress events to `listener` while the block runs (bars or not)."""
    previous = getattr(_local, "listener", None)
    _local.listener = listener
    try:
        yield
    finally:
        _local.listener = previous


def _listener() -> Listener | None:
    return getattr(_local, "listener", None)


def _bar(label: str, total: float, unit: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True,
                mininterval=MIN_INTERVAL_S,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}]")


@contextmanager
def query(connection: Pollable, label: str) -> Iterator[None]:
    """A bar that follows a DuckDB query running on `connection` in this thread (percent done)."""
    listener = _listener()
    if not _enabled and listener is None:
        yield
        return
    bar = _bar(label, 100.0, "%") if _enabled else None
    done = threading.Event()

    def follow() -> None:
        while not done.wait(POLL_S):
            percent = connection.query_progress()
            if percent >= 0 and bar is not None:
                bar.n = round(min(percent, 100.0), 1)
                bar.refresh()
            if percent >= 0 and listener is not None:
                listener(label, min(percent, 100.0) / 100.0)

    watcher = threading.Thread(target=follow, name="reporter-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        if bar is not None:
            bar.close()


def steps(items: Sequence[T], label: str) -> Iterator[T]:
    """`items`, with a bar counting them when bars are on."""
    listener = _listener()
    if listener is not None:
        for number, item in enumerate(items):
            listener(label, number / len(items))
            yield item
        listener(label, 1.0)
        return
    if not _enabled:
        yield from items
        return
    bar = _bar(label, len(items), "steps")
    try:
        for item in items:
            yield item
            bar.update(1)
    finally:
        bar.close()
