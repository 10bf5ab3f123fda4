"""Input formats: a registry of readers and detection by content."""

from __future__ import annotations

import math

from reporter.engines.readings import BillReadingsReader
from reporter.errors import AmbiguousFormatError, InputFormatError, UnknownFormatError, UnsupportedFileError
from reporter.sources import content
from reporter.sources.base import InputFile, Reader, ReadResult
from reporter.sources.bills.aws_cur import AwsCurReader
from reporter.sources.bills.azure_cost import AzureCostReader
from reporter.sources.bills.focus import FocusReader
from reporter.sources.bills.gcp_billing import GcpBillingReader
from reporter.sources.provider.aws_carbon import AwsCarbonReader
from reporter.sources.provider.azure_carbon import AzureCarbonReader
from reporter.sources.provider.gcp_carbon import GcpCarbonReader
from reporter.sources.trackers.carbontracker import CarbonTrackerReader
from reporter.sources.trackers.codecarbon import CodeCarbonReader
from reporter.sources.trackers.eco2ai import Eco2aiReader
from reporter.sources.trackers.nvidia_smi import NvidiaSmiReader
from reporter.sources.trackers.prometheus_energy import PrometheusEnergyReader
from reporter.sources.trackers.zeus import ZeusReader
from reporter.workbook.reader import WorkbookReader

READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (
        CodeCarbonReader(),
        CarbonTrackerReader(),
        Eco2aiReader(),
        NvidiaSmiReader(),
        PrometheusEnergyReader(),
        ZeusReader(),
        FocusReader(),
        AwsCurReader(),
        GcpBillingReader(),
        AzureCostReader(),
        BillReadingsReader(),
        AwsCarbonReader(),
        GcpCarbonReader(),
        AzureCarbonReader(),
        WorkbookReader(),
    )
}

MIN_SCORE = 0.5


def reader_for(name: str) -> Reader:
    """The reader registered under `name`; an unknown name lists the valid ones."""
    try:
        return READERS[name]
    except KeyError:
        raise UnknownFormatError(
            f"unknown format '{name}' (known formats: {', '.join(sorted(READERS))})"
        ) from None


def detect(source: InputFile) -> Reader:
    """The one reader whose sniff scores highest; none or a tie is an error naming candidates.

    A sniff that fails means "not this format". A file of a kind no reader reads (a spreadsheet,
    an archive) and a Parquet or gzip file no reader recognises get a message saying what they are.
    """
    refuse_unsupported(source)
    if not source.head.strip():
        raise InputFormatError("file is empty", path=source.given)
    scores = sorted(((_score(reader, source), name) for name, reader in READERS.items()), reverse=True)
    best_score, best_name = scores[0]
    if best_score < MIN_SCORE:
        what = content.unrecognised_kind(source.given, source.magic)
        if what:
            raise UnknownFormatError(what, path=source.given)
        raise UnknownFormatError(
            "format not recognised; it could be one of: "
            f"{', '.join(sorted(READERS))} (name it with --format)",
            path=source.given,
        )
    tied = [name for score, name in scores if score == best_score]
    if len(tied) > 1:
        raise AmbiguousFormatError(
            f"format is ambiguous: it could be {' or '.join(sorted(tied))} (name it with --format)",
            path=source.given,
        )
    return READERS[best_name]


def refuse_unsupported(source: InputFile) -> None:
    """An UnsupportedFileError if the file is a kind no reader reads (a spreadsheet, an archive)."""
    refused = content.refused_kind(source.given, source.magic)
    if refused:
        raise UnsupportedFileError(refused, path=source.given)


def _score(reader: Reader, source: InputFile) -> float:
    """The reader's sniff score; any failure of the sniff, or a score that is not a number, is 0."""
    try:
        score = float(reader.sniff(source))
    except Exception:  # a sniff that cannot make sense of the file says "not this format"
        return 0.0
    return score if math.isfinite(score) else 0.0


__all__ = ["READERS", "InputFile", "ReadResult", "Reader", "detect", "reader_for", "refuse_unsupported"]
