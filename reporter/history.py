"""The history store: every closed month, its versions and restatements (SQLite by default).

One row per (month, version). Closing a month stores its totals, breakdowns, lineage (input
sha256s, factor data version, code version, configuration digest) and the report files' hashes.
A restatement stores a new version, marks the old one superseded and keeps both, with the reason.
Any SQLAlchemy URL works (`sqlite:///reporter.db`, `postgresql+psycopg://…`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from reporter.errors import ReporterError

CURRENT = "current"
SUPERSEDED = "superseded"

metadata = MetaData()
closed_months = Table(
    "closed_months",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("month", String(7), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("lineage_digest", String(64), nullable=False),
    Column("energy_kwh", Float, nullable=False),
    Column("location_based_tco2e", Float, nullable=False),
    Column("document", Text, nullable=False),
    Column("files", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("restates_version", Integer, nullable=True),
    Column("closed_at", DateTime, nullable=False),
    UniqueConstraint("month", "version", name="uq_month_version"),
)


class HistoryError(ReporterError):
    """The history store cannot be used, or a close was refused."""


@dataclass(frozen=True)
class ClosedMonth:
    month: str
    version: int
    status: str
    lineage_digest: str
    energy_kwh: float
    location_based_tco2e: float
    document: dict[str, Any]
    files: dict[str, str]
    reason: str | None
    restates_version: int | None
    closed_at: datetime


def default_url(config_dir: Path | None) -> str:
    folder = config_dir if config_dir is not None else Path.cwd()
    return f"sqlite:///{(folder / 'reporter.db').as_posix()}"


class HistoryStore:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise HistoryError(f"history store '{_safe(url)}' cannot be opened ({exc})") from None

    @classmethod
    def existing(cls, url: str) -> HistoryStore | None:
        """The store if it already exists (a report never creates one); None otherwise."""
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            return None
        store = cls(url)
        try:
            with store.engine.connect() as connection:
                if not store.engine.dialect.has_table(connection, "closed_months"):
                    return None
        except SQLAlchemyError as exc:
            raise HistoryError(f"history store '{_safe(url)}' cannot be read ({exc})") from None
        return store

    def create(self) -> None:
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise HistoryError(f"history store '{_safe(self.url)}' cannot be created ({exc})") from None

    def versions(self, month: str | None = None) -> list[ClosedMonth]:
        query = select(closed_months).order_by(closed_months.c.month, closed_months.c.version)
        if month is not None:
            query = query.where(closed_months.c.month == month)
        with self.engine.connect() as connection:
            return [_row(r) for r in connection.execute(query).mappings()]

    def current(self, month: str) -> ClosedMonth | None:
        latest = [v for v in self.versions(month) if v.status == CURRENT]
        return latest[-1] if latest else None

    def current_months(self) -> dict[str, ClosedMonth]:
        return {v.month: v for v in self.versions() if v.status == CURRENT}

    def store(self, record: ClosedMonth) -> None:
        """Insert a version; a restatement supersedes the month's current version in one transaction."""
        with self.engine.begin() as connection:
            if record.restates_version is not None:
                connection.execute(
                    update(closed_months)
                    .where(closed_months.c.month == record.month)
                    .where(closed_months.c.status == CURRENT)
                    .values(status=SUPERSEDED)
                )
            connection.execute(
                closed_months.insert().values(
                    month=record.month,
                    version=record.version,
                    status=record.status,
                    lineage_digest=record.lineage_digest,
                    energy_kwh=record.energy_kwh,
                    location_based_tco2e=record.location_based_tco2e,
                    document=json.dumps(record.document, sort_keys=True),
                    files=json.dumps(record.files, sort_keys=True),
                    reason=record.reason,
                    restates_version=record.restates_version,
                    closed_at=record.closed_at,
                )
            )


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _row(row: Any) -> ClosedMonth:
    return ClosedMonth(
        month=row["month"],
        version=row["version"],
        status=row["status"],
        lineage_digest=row["lineage_digest"],
        energy_kwh=row["energy_kwh"],
        location_based_tco2e=row["location_based_tco2e"],
        document=json.loads(row["document"]),
        files=json.loads(row["files"]),
        reason=row["reason"],
        restates_version=row["restates_version"],
        closed_at=row["closed_at"],
    )


def _safe(url: str) -> str:
    """A URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url
