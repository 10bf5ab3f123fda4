"""Input formats: a registry of readers and detection by content."""

from __future__ import annotations

from reporter.errors import AmbiguousFormatError, InputFormatError, UnknownFormatError
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

READERS: dict[str, Reader] = {
    reader.name: reader
    for reader in (
        CodeCarbonReader(),
        CarbonTrackerReader(),
        Eco2aiReader(),
        NvidiaSmiReader(),
        FocusReader(),
        AwsCurReader(),
        GcpBillingReader(),
        AzureCostReader(),
        AwsCarbonReader(),
        GcpCarbonReader(),
        AzureCarbonReader(),
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
    """The one reader whose sniff scores highest; none or a tie is an error naming candidates."""
    if not source.head.strip():
        raise InputFormatError("file is empty", path=source.path)
    scores = sorted(((reader.sniff(source), name) for name, reader in READERS.items()), reverse=True)
    best_score, best_name = scores[0]
    if best_score < MIN_SCORE:
        raise UnknownFormatError(
            "format not recognised; it could be one of: "
            f"{', '.join(sorted(READERS))} (name it with --format)",
            path=source.path,
        )
    tied = [name for score, name in scores if score == best_score]
    if len(tied) > 1:
        raise AmbiguousFormatError(
            f"format is ambiguous: it could be {' or '.join(sorted(tied))} (name it with --format)",
            path=source.path,
        )
    return READERS[best_name]


__all__ = ["READERS", "InputFile", "ReadResult", "Reader", "detect", "reader_for"]
