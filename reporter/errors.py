"""One exception tree for everything the tool reports to a user.

ReporterError
 ├─ InputError            (path, row?, column?)  bad or unreadable input file
 │   ├─ UnknownFormatError     no reader recognises the file
 │   │   └─ UnsupportedFileError   a kind of file no reader reads (a spreadsheet, an archive)
 │   ├─ AmbiguousFormatError   more than one reader recognises the file
 │   └─ InputFormatError       the file is of a known format but malformed
 ├─ ReferenceDataError    a factor or mapping the calculation needs is missing
 ├─ ConfigError           the configuration file or command-line options are wrong
 └─ RenderError           a report file could not be written

The command line turns any ReporterError into one line on stderr and exit status 2.
"""

from __future__ import annotations

from pathlib import Path


class ReporterError(Exception):
    """Base of every error the tool raises on purpose."""


class InputError(ReporterError):
    """A problem with one input file, located as precisely as known."""

    def __init__(
        self,
        message: str,
        path: Path | str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = " ".join(str(message).split())  # one line, whatever a library wrote
        self.path = Path(path) if path is not None else None
        self.row = row
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return (": ".join([", ".join(where), self.message])) if where else self.message


class UnknownFormatError(InputError):
    """No registered reader recognises the file."""


class UnsupportedFileError(UnknownFormatError):
    """The file is of a kind no reader reads (a spreadsheet, an archive, a PDF)."""


class AmbiguousFormatError(InputError):
    """Several readers recognise the file equally well."""


class InputFormatError(InputError):
    """The file is of a known format but cannot be read as such."""


class ReferenceDataError(ReporterError):
    """A factor, mapping or other reference datum is missing or malformed."""


class ConfigError(ReporterError):
    """The configuration or the command-line options are invalid."""


class RenderError(ReporterError):
    """A report file could not be produced."""
