"""The hashes of a big CSV bill's line item ids, sent aside by the read that sums the bill.

A repeated line item id must be found before the bill's rows are summed (a repeat is counted once),
and finding one means looking at every id. A Parquet bill's id columns are cheap to read apart; a
CSV's are not: the whole file must be parsed again (14 of 40 s for a 10M-row, 5.2 GB bill). A CSV
that fits keeps its rows in memory for the check (reporter.sources.bills.query, `check_repeats`);
a bigger one has its ids checked here instead: the main read passes each row's 64-bit id hash to a
function of this module (a DuckDB function with a side effect, called once per vector of rows),
which writes them to a Parquet file in batches, so memory holds one batch whatever the file's size.
The file, 8 bytes a row before compression, is then grouped on the hash in DuckDB, which spills to
disk beyond its memory limit. A repeated hash means the bill is read again comparing the ids
themselves, as for the other checks.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from duckdb.func import FunctionNullHandling, PythonUDFType

FUNCTION = "reporter_send_id_hash"
BATCH_ROWS = 1 << 20  # hashes held before they are written (8 MB)


class IdHashes:
    """Receives the id hashes of one read (`register` on its connection, `restart` before each
    query), and says afterwards whether any repeats (`repeats`)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "line-item-id-hashes.parquet"
        self._lock = threading.Lock()
        self._held: list[np.ndarray] = []
        self._count = 0
        self._writer: pq.ParquetWriter | None = None

    def register(self, con: duckdb.DuckDBPyConnection) -> None:
        """Make `reporter_send_id_hash(hash)` callable in `con`: it keeps the hash (NULL: no id) and is TRUE."""
        con.create_function(
            FUNCTION, self._take, [duckdb.sqltype("UBIGINT")], duckdb.sqltype("BOOLEAN"),
            type=PythonUDFType.ARROW, null_handling=FunctionNullHandling.SPECIAL, side_effects=True,
        )

    def restart(self) -> None:
        """Forget the hashes sent so far (a read that is started again sends them again)."""
        with self._lock:
            self._close()
            self.path.unlink(missing_ok=True)
            self._held, self._count = [], 0

    def repeats(self, con: duckdb.DuckDBPyConnection) -> bool:
        """Whether a hash was sent twice (grouped in `con`, which may spill to disk)."""
        with self._lock:
            self._flush()
            written = self._writer is not None
            self._close()
        if not written:
            return False
        found = con.execute(
            "SELECT count(*) FROM (SELECT h FROM read_parquet(?) GROUP BY h HAVING count(*) > 1)", [str(self.path)]
        ).fetchone()
        return bool(found and found[0])

    def _take(self, hashes: pa.Array) -> pa.Array:
        present = hashes.drop_null() if hashes.null_count else hashes
        values = present.to_numpy(zero_copy_only=False)
        with self._lock:
            self._held.append(values.copy())
            self._count += len(values)
            if self._count >= BATCH_ROWS:
                self._flush()
        return pa.array(np.ones(len(hashes), dtype=bool))

    def _flush(self) -> None:
        if not self._held:
            return
        batch = pa.table({"h": pa.array(np.concatenate(self._held), type=pa.uint64())})
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, batch.schema, compression="none")
        self._writer.write_table(batch)
        self._held, self._count = [], 0

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
