"""Bounded fuzzing of every reader through the project's entry points (hypothesis).

Mutated heads of real sample files, and random bytes, are written to a file and planned, detected
and read as the pipeline does it (with the format detected, or forced to each reader in turn). Only
the project's own errors (ReporterError) may come out, and what is read keeps the ledger's rule:
rows read = rows in readings + rows excluded.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reporter.config import InputConfig
from reporter.errors import ReporterError
from reporter.inputs import plan_inputs
from reporter.pipeline import _read_all
from reporter.sources import READERS
from tests.conftest import SHARED_SAMPLES, TRACKERS

HEAD = 6000  # bytes of each sample kept as a seed
SEEDS = {
    "emissions.csv": TRACKERS / "codecarbon" / "emissions.csv",
    "append-bug_emissions.csv": TRACKERS / "codecarbon-3.3.0-append-bug" / "emissions.csv",
    "emission.csv": TRACKERS / "eco2ai" / "emission.csv",
    "run_1_2026-11-22T062542Z_carbontracker_output.log": next(
        (TRACKERS / "carbontracker").glob("train-a_*_carbontracker_output.log")
    ),
    "focus.csv": SHARED_SAMPLES / "focus" / "focus-1.0-sample.csv",
    "cur.csv": SHARED_SAMPLES / "aws_cur" / "legacy-cur-anonymized.csv",
    "azure.csv": SHARED_SAMPLES / "azure" / "ea-cost-details-anonymized.csv",
    "gcp.csv": SHARED_SAMPLES / "public" / "gcp" / "koku_gcp_2022-08-01_5.csv",
}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _seeds() -> dict[str, bytes]:
    heads = {}
    for name, path in SEEDS.items():
        if path.exists():
            heads[name] = path.read_bytes()[:HEAD]
    if "focus.csv" in heads:
        heads["focus.parquet"] = _parquet(heads["focus.csv"])
    return heads


def _parquet(csv_head: bytes) -> bytes:
    """A small Parquet bill: the whole rows of a FOCUS head, every column as text."""
    import io

    import pyarrow.csv as pv
    import pyarrow.parquet as pq

    whole_rows = csv_head[: csv_head.rindex(b"\n") + 1]
    table = pv.read_csv(io.BytesIO(whole_rows), convert_options=pv.ConvertOptions(strings_can_be_null=True))
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


SEED_BYTES = _seeds()


@contextmanager
def folder() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def read_as_the_pipeline_does(path: Path, fmt: str | None = None) -> None:
    """Plan and read one file; only ReporterError may escape; the ledger's rows must add up."""
    try:
        plan = plan_inputs([InputConfig(path=str(path), format=fmt)], path.parent)
        ledgers, readings, provided, _ends = _read_all(plan)
    except ReporterError as exc:
        assert str(exc).strip(), "an error must say something"
        assert "\n" not in str(exc), f"an error is one line: {exc!r}"
        return
    for ledger in ledgers:
        mine = readings[readings["source_file"] == ledger.path]
        in_readings = int(mine["row_count"].sum()) if "row_count" in mine else len(mine)
        if provided is not None:  # a provider's carbon export: its rows are control totals
            in_readings += int((provided["source_file"] == ledger.path).sum())
        assert ledger.rows_read == in_readings + ledger.rows_excluded, ledger


def mutate(data: bytes, edits: list[tuple[int, int, int, bytes]]) -> bytes:
    """Apply edits (kind, position, length, bytes): overwrite, insert, delete or cut the file short."""
    out = bytearray(data)
    for kind, position, length, chunk in edits:
        at = position % (len(out) + 1)
        if kind == 0:
            out[at : at + len(chunk)] = chunk
        elif kind == 1:
            out[at:at] = chunk
        elif kind == 2:
            del out[at : at + length]
        else:
            del out[at:]
    return bytes(out)


TRICKY = st.sampled_from(
    [b"\x00", b"\r", b"\n", b'"', b",", b"\xff\xfe", b"\xef\xbb\xbf", b"-1e309", b"NaN", b"\t", b";"]
)
edits = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, HEAD), st.integers(0, 400), st.one_of(TRICKY, st.binary(max_size=12))),
    min_size=1,
    max_size=6,
)


@pytest.mark.skipif(not SEED_BYTES, reason="no sample files")
@FUZZ
@given(name=st.sampled_from(sorted(SEED_BYTES)), changes=edits, compress=st.booleans())
def test_mutated_samples_give_a_report_or_one_clear_error(name: str, changes: list, compress: bool) -> None:
    data = mutate(SEED_BYTES[name], changes)
    with folder() as tmp:
        path = tmp / (name + (".gz" if compress else ""))
        path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
        read_as_the_pipeline_does(path)


@pytest.mark.skipif(not SEED_BYTES, reason="no sample files")
@FUZZ
@given(name=st.sampled_from(sorted(SEED_BYTES)), changes=edits, reader=st.sampled_from(sorted(READERS)))
def test_every_reader_forced_on_mutated_samples(name: str, changes: list, reader: str) -> None:
    data = mutate(SEED_BYTES[name], changes)
    with folder() as tmp:
        path = tmp / name
        path.write_bytes(data)
        read_as_the_pipeline_does(path, reader)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".log", ".parquet", ".csv.gz", ""]))
def test_random_bytes_give_one_clear_error(data: bytes, suffix: str) -> None:
    with folder() as tmp:
        path = tmp / f"input{suffix}"
        path.write_bytes(data)
        read_as_the_pipeline_does(path)
