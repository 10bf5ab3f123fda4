"""The shape of a CSV bill: its delimiter, its header names and a sample of its first records.

Exports are not always comma-separated: a `;` or a tab delimiter is taken when it splits the header
into more fields than a comma does. A localised header written as "Verbrauchte Menge
(ConsumedQuantity)" keeps its text as the column's name and is also found under the English name in
parentheses. The first records (SAMPLE_ROWS) are read with the csv module to learn how many fields
the rows really have (an export whose header names one column more than any row fills) and what
their dates look like (reporter.sources.bills.dates).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
SAMPLE_ROWS = 2000  # also the Parquet values looked at (dates.SAMPLE_VALUES)
# "Verbrauchte Menge (ConsumedQuantity)": the English column name in parentheses at the end
ALIAS = re.compile(r"^.*?\s*\((?P<english>[A-Za-z][A-Za-z0-9_/]*)\)$")


def delimiter_of(header_line: str) -> str:
    """The delimiter that splits the header line into the most fields (a comma on a tie)."""
    best, fields = ",", 0
    for delimiter in DELIMITERS:
        count = len(split_line(header_line, delimiter))
        if count > fields:
            best, fields = delimiter, count
    return best


def split_line(line: str, delimiter: str) -> list[str]:
    """The fields of one CSV line (quotes as in RFC 4180, '""' inside quotes for a quote). Written
    out here because the csv module refuses fields over its limit (128 KiB), which a header must not
    turn into a failure to recognise the file."""
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if quoted:
            if char == '"' and line[index + 1 : index + 2] == '"':
                current.append('"')
                index += 1
            elif char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"':
            quoted = True
        elif char == delimiter:
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    fields.append("".join(current))
    return fields


def alias_of(name: str) -> str | None:
    """The English name a localised header gives in parentheses, if any."""
    found = ALIAS.match(name)
    if not found or found.group("english") == name:
        return None
    return found.group("english")


@dataclass(frozen=True)
class Sample:
    """The first records of a CSV bill (header excluded) and the field count they share, if any."""

    records: tuple[tuple[str, ...], ...]
    row_fields: int | None

    def values(self, index: int) -> list[tuple[int, str]]:
        """(row number, text) of the non-empty values of column `index` (the header is row 1)."""
        found = []
        for number, record in enumerate(self.records, start=2):
            if index < len(record) and record[index].strip() not in ("", "NULL"):
                found.append((number, record[index].strip()))
        return found


def sample(path: Path, gzipped: bool, delimiter: str) -> Sample:
    """The first SAMPLE_ROWS records after the header. A damaged file, or a field too long for the
    csv module, ends the sample early: reading the whole file names the problem."""
    records: list[tuple[str, ...]] = []
    try:
        with _text(path, gzipped) as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader, None)
            for record in reader:
                if record:
                    records.append(tuple(record))
                if len(records) >= SAMPLE_ROWS:
                    break
    except (csv.Error, OSError, EOFError, zlib.error, UnicodeError):
        pass
    counts = {len(record) for record in records}
    return Sample(tuple(records), counts.pop() if len(counts) == 1 else None)


def _text(path: Path, gzipped: bool) -> io.TextIOWrapper:
    raw = gzip.open(path, "rb") if gzipped else path.open("rb")  # noqa: SIM115 (closed with the wrapper)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def short_header_note(names: list[str], row_fields: int) -> str:
    missing = names[row_fields:]
    shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
    return (
        f"the header names {len(names)} columns but the rows have {row_fields} fields: the last "
        f"{len(missing)} header column(s) ({shown}) have no values in the file and are read as empty; "
        "a row with another number of fields is left out"
    )


def renumber(rows: list[int], rejected: list[int]) -> Iterator[int]:
    """File row numbers of records numbered as they arrived when the `rejected` rows (file row
    numbers, ascending) did not arrive: the k-th arriving record is the k-th record not rejected."""
    shifted = [row - index for index, row in enumerate(rejected)]
    for row in rows:
        low, high = 0, len(shifted)
        while low < high:  # how many rejected rows come before this one
            middle = (low + high) // 2
            if shifted[middle] <= row:
                low = middle + 1
            else:
                high = middle
        yield row + low
