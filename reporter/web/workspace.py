"""The upload page's workspace: one folder holding the uploads, the configuration, the jobs and the history.

    DIR/uploads/<id><ext>     an uploaded input file, under a name the server made (16 hex digits)
    DIR/uploads/<id>.json     what it is: the name the user gave (cleaned), size, kind, checks
    DIR/config.toml           the configuration (uploaded, or written from the form)
    DIR/jobs/<id>/            one report or close: status.json, inputs/ (hard links named as the
                              user named the files, so readers that pair files by name find them), out/
    DIR/reporter.db           the history store of closed months
    DIR/tmp/                  uploads being received, and folders of links for checks

Nothing a client sends becomes a path on disk: ids are checked against ID_PATTERN and names the
user gave are only ever used cleaned, inside a folder of links the server made.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ID_PATTERN = re.compile(r"[0-9a-f]{16}")
SAFE_PART = re.compile(r"[^A-Za-z0-9._+-]+")
MAX_NAME = 120
MAX_DEPTH = 6


class WorkspaceError(Exception):
    """A request names something the workspace does not hold, or cannot be stored (status for HTTP)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def new_id() -> str:
    return secrets.token_hex(8)


def checked_id(value: str, what: str) -> str:
    if not ID_PATTERN.fullmatch(value):
        raise WorkspaceError(f"no {what} '{value[:40]}'", 404)
    return value


def clean_name(given: str) -> str:
    """A relative path from a name the user gave: folders kept, each part reduced to safe characters.

    "../../etc/passwd" becomes "etc/passwd", "C:\\x\\bill.csv" becomes "C_/x/bill.csv"; never empty,
    never absolute, never with a part that starts with a dot.
    """
    parts = [p for p in re.split(r"[\\/]+", given) if p not in ("", ".", "..")]
    cleaned = [SAFE_PART.sub("_", part).lstrip(".")[:MAX_NAME] for part in parts[-MAX_DEPTH:]]
    cleaned = [part for part in cleaned if part.strip("_")]
    return "/".join(cleaned) or "upload"


@dataclass
class Upload:
    id: str
    name: str  # the cleaned relative path the user gave; the file's name in a job's inputs/ folder
    kind: str  # csv (any text), csv.gz, parquet, xlsx
    size: int
    sha256: str
    check: dict[str, Any] | None = None  # the last validation, see reporter.web.checks

    def public(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Workspace:
    root: Path
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        for folder in (self.uploads, self.jobs, self.tmp):
            folder.mkdir(parents=True, exist_ok=True)

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def jobs(self) -> Path:
        return self.root / "jobs"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def history_url(self) -> str:
        return f"sqlite:///{(self.root / 'reporter.db').as_posix()}"

    # uploads

    def partial(self) -> Path:
        """A new empty file in tmp/ for an upload being received."""
        handle, name = tempfile.mkstemp(dir=self.tmp, prefix="upload-", suffix=".partial")
        os.close(handle)
        return Path(name)

    def keep(self, partial: Path, name: str, kind: str, sha256: str) -> Upload:
        """Move a received and checked file into uploads/ under a new id."""
        upload_id = new_id()
        stored = self.uploads / f"{upload_id}.{kind}"
        os.replace(partial, stored)
        upload = Upload(upload_id, _with_suffix(clean_name(name), kind), kind, stored.stat().st_size, sha256)
        self.save(upload)
        return upload

    def save(self, upload: Upload) -> None:
        target = self.uploads / f"{upload.id}.json"
        temp = target.with_suffix(".json.partial")
        temp.write_text(json.dumps(upload.public(), indent=1), encoding="utf-8")
        os.replace(temp, target)

    def upload(self, upload_id: str) -> Upload:
        meta = self.uploads / f"{checked_id(upload_id, 'upload')}.json"
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise WorkspaceError(f"no upload '{upload_id}'", 404) from None
        return Upload(**data)

    def file_of(self, upload: Upload) -> Path:
        return self.uploads / f"{upload.id}.{upload.kind}"

    def all_uploads(self) -> list[Upload]:
        found = [self.upload(p.stem) for p in self.uploads.glob("*.json") if ID_PATTERN.fullmatch(p.stem)]
        return sorted(found, key=lambda u: (u.name, u.id))

    def remove(self, upload_id: str) -> None:
        upload = self.upload(upload_id)
        self.file_of(upload).unlink(missing_ok=True)
        (self.uploads / f"{upload.id}.json").unlink(missing_ok=True)

    @contextmanager
    def linked(self, uploads: list[Upload], folder: Path | None = None) -> Iterator[tuple[Path, dict[str, Path]]]:
        """A folder of links to `uploads`, each at its cleaned name (made unique); removed afterwards
        unless `folder` is given (a job keeps its inputs folder)."""
        base = folder or Path(tempfile.mkdtemp(dir=self.tmp, prefix="check-"))
        base.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        taken: set[str] = set()
        for upload in uploads:
            name = _unique(upload.name, taken)
            link = base / name
            link.parent.mkdir(parents=True, exist_ok=True)
            try:  # a hard link keeps a job's inputs even if the upload is removed meanwhile
                os.link(self.file_of(upload), link)
            except OSError:
                os.symlink(self.file_of(upload), link)
            paths[upload.id] = link
        try:
            yield base, paths
        finally:
            if folder is None:
                shutil.rmtree(base, ignore_errors=True)

    # jobs

    def job_folder(self, job_id: str) -> Path:
        return self.jobs / checked_id(job_id, "job")


def _with_suffix(name: str, kind: str) -> str:
    """The name ends as its content is: a gzip file in .gz, a Parquet file in .parquet, a workbook in .xlsx."""
    lower = name.lower()
    if kind == "csv.gz" and not lower.endswith(".gz"):
        return name + ".csv.gz"
    if kind in ("parquet", "xlsx") and not lower.endswith("." + kind):
        return f"{name}.{kind}"
    if kind == "csv" and lower.endswith((".gz", ".parquet", ".xlsx", ".xlsm", ".xls")):
        return name + ".csv"
    return name


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or the same file name in a numbered folder when another upload has it."""
    shown, number = name, 1
    while shown.lower() in taken:
        number += 1
        shown = f"copy-{number}/{name}"
    taken.add(shown.lower())
    return shown
