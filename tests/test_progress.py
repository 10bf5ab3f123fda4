"""Progress bars: off by default and when stderr is not a terminal; a query's bar follows DuckDB's progress."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator

import duckdb
import pytest

from reporter import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def bars_off_afterwards() -> Iterator[None]:
    yield
    progress.configure(False)


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """stderr as a terminal (set in the test itself: pytest's capture resets sys.stderr after fixtures)."""
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setattr(progress, "POLL_S", 0.01)
    monkeypatch.setattr(progress, "MIN_INTERVAL_S", 0.0)
    return screen


def slow_query(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SELECT count(DISTINCT hash(i * 7)) FROM range(8000000) t(i)").fetchall()


def test_no_bar_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    con = duckdb.connect()
    with progress.query(con, "reading bill.csv"):
        slow_query(con)
    assert list(progress.steps(["pdf", "xlsx"], "writing")) == ["pdf", "xlsx"]
    assert terminal.getvalue() == ""


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    progress.configure(True)
    assert not progress.enabled()


def test_a_query_bar_and_a_steps_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = on_terminal(monkeypatch)
    progress.configure(True)
    con = duckdb.connect(config={"threads": 2})
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    with progress.query(con, "reading bill.csv"):
        slow_query(con)
    assert list(progress.steps(["pdf", "xlsx"], "writing")) == ["pdf", "xlsx"]
    shown = terminal.getvalue()
    assert re.search(r"reading bill\.csv:\s+[1-9][0-9]*%", shown), shown  # DuckDB's progress, followed
    assert "writing" in shown and "1/2" in shown and "2/2" in shown
