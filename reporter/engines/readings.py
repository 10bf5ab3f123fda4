"""A result of the bill query saved from another engine (CSV or Parquet) read as the bill's readings.

`reporter query FORMAT --dialect D` prints the query; the user runs it where the bill lives and
saves its result; `reporter report --readings FILE` reads that file with this reader. The rows are
the query's groups (readings and reasons rows were left out, with their counts), so the ledger
comes from the same query: rows read = rows in readings + rows left out, per reason. The result's
`bill_meta` names the format, the tag keys, the columns and how the rows were numbered; each
reading's provenance is this file (path, sha256) and the first row the query kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from reporter.errors import InputFormatError
from reporter.sources.base import InputFile, ReadResult
from reporter.sources.bills.dates import DateFormats
from reporter.sources.bills.finish import finish
from reporter.sources.bills.scan import file_kind, first_line, header_names
from reporter.sources.bills.sql import BillMapping, Column, ident

SIGNATURE = {"bill_meta", "group_hash", "reason", "first_row", "rows", "quantity"}
TEXT_COLUMNS = ("reason", "examples", "bill_meta", "group_hash", "bad_c_value", "bad_s_value", "bad_e_value")


class BillReadingsReader:
    name: ClassVar[str] = "bill_readings"
    label: ClassVar[str] = "Readings of the bill query run elsewhere (result of `reporter query`, CSV or Parquet)"

    def sniff(self, source: InputFile) -> float:
        return 1.0 if header_names(source) >= SIGNATURE else 0.0

    def read(self, source: InputFile) -> ReadResult:
        from reporter.engines.portable import Meta
        from reporter.engines.run import normalise

        frame = load(source.path)
        metas = frame["bill_meta"].dropna().unique()
        if len(metas) != 1:
            raise InputFormatError("the readings file has no rows" if not len(metas) else
                                   "the readings file mixes results of different bill queries", source.path)
        meta = Meta.from_json(str(metas[0]))
        mapping = _mapping(meta)
        where = meta.lineage or "row numbers as the engine that ran the query numbered the rows"
        notes = [f"readings of the {meta.format_name} bill query run elsewhere and saved to this file ({where})"]
        groups = normalise(frame, meta)
        empty = pd.DataFrame({"line": pd.Series([], dtype="int64"), "reason": pd.Series([], dtype=object)})
        return finish(groups, empty, source, meta.format_name, mapping, notes, [], renumber=False)


def load(path: Path) -> pd.DataFrame:
    """The saved result: Parquet as typed, CSV with every value as text (empty = missing)."""
    try:
        if file_kind(path) == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                           compression="gzip" if file_kind(path) == "gzip" else None)
    except Exception as exc:  # pandas and pyarrow raise many kinds for a damaged file
        raise InputFormatError(f"cannot read the readings file ({first_line(exc)})", path) from None


def _mapping(meta: Any) -> BillMapping:
    def column(name: str | None) -> Column | None:
        return Column(name, ident(name)) if name else None

    quantity, start = column(meta.quantity), column(meta.start)
    assert quantity is not None and start is not None
    return BillMapping(
        reason="NULL", quantity=quantity, start=start, end=column(meta.end), cost=column(meta.cost),
        notes=list(meta.notes), flag_notes=dict(meta.flag_notes), dates=DateFormats((), meta.dates_note),
    )
