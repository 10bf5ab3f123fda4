"""Where the bill aggregation runs: embedded DuckDB (the default), Spark, or a warehouse.

`select` chooses the engine for the bill readers of this process (the command line sets it from
`reporter report --engine`); `selected` is what reporter.sources.bills.engine asks before reading.
The query itself is defined once (reporter.engines.portable), transpiled per engine
(reporter.engines.dialects) and run by reporter.engines.run (files) and reporter.engines.spark.
"""

from __future__ import annotations

from dataclasses import dataclass

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Engine:
    """An engine choice: `name` in ENGINES; `master` a Spark master URL (None: local mode)."""

    name: str = "duckdb"
    master: str | None = None


_SELECTED: list[Engine] = []


def select(engine: Engine | None) -> None:
    """Read bills with `engine` from now on (None or duckdb: the embedded engine)."""
    _SELECTED.clear()
    if engine is not None and engine.name != "duckdb":
        _SELECTED.append(engine)


def selected() -> Engine | None:
    """The engine other than embedded DuckDB chosen for bills, if any."""
    return _SELECTED[0] if _SELECTED else None
