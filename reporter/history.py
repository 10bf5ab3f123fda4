"""The history store: every closed month, its versions and restatements (SQLite by default).

One row per (month, version). Closing a month stores its totals, breakdowns, lineage (input
sha256s, factor data version, code version, configuration digest) and the report files' hashes.
A restatement stores a new version, marks the old one superseded and keeps both, with the reason.
Any SQLAlchemy URL works (`sqlite:///reporter.db`, `postgresql+psycopg://…`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
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
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

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


# At most one current version per month, where the database has partial unique indexes.
PARTIAL_INDEX_DIALECTS = ("sqlite", "postgresql")
ONE_CURRENT_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_closed_months_one_current ON closed_months (month) "
    "WHERE status = 'current'"
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
            raise HistoryError(f"history store '{_safe(url)}' cannot be opened ({_brief(exc)})") from None

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
            raise HistoryError(f"history store '{_safe(url)}' cannot be read ({_brief(exc)})") from None
        return store

    def create(self) -> None:
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:  # another close may have created it at the same moment
            if not self._has_table():
                raise HistoryError(f"history store '{_safe(self.url)}' cannot be created ({_brief(exc)})") from None
        if self.engine.dialect.name in PARTIAL_INDEX_DIALECTS:
            try:  # a store made by an older version gets the index too
                with self.engine.begin() as connection:
                    connection.exec_driver_sql(ONE_CURRENT_INDEX)
            except SQLAlchemyError:
                pass  # a store that already holds two current versions of a month keeps working

    def _has_table(self) -> bool:
        try:
            with self.engine.connect() as connection:
                return bool(self.engine.dialect.has_table(connection, "closed_months"))
        except SQLAlchemyError:
            return False

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

    def store(self, record: ClosedMonth) -> ClosedMonth:
        """Insert a new version of a month and return it as stored (its version numbered here).

        One transaction checks that the month's current version is still the one the close saw
        (none for a first close, `restates_version` for a restatement), supersedes it and inserts
        the new version. Two closes of the same month at once cannot both succeed: the unique
        (month, version) and one-current-version-per-month indexes stop the second, which is
        refused with a HistoryError."""
        try:
            with self.engine.connect() as connection:
                if self.engine.dialect.name == "sqlite":  # writers queue here instead of deadlocking
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                stored = self._insert(connection, record)
                connection.commit()
        except IntegrityError:
            raise _conflict(record, self.current(record.month)) from None
        except SQLAlchemyError as exc:
            where = f"history store '{_safe(self.url)}'"
            raise HistoryError(f"{where} cannot store {record.month} ({_brief(exc)})") from None
        return stored

    def _insert(self, connection: Connection, record: ClosedMonth) -> ClosedMonth:
        month = closed_months.c.month == record.month
        rows = connection.execute(select(closed_months.c.version, closed_months.c.status).where(month)).all()
        current = max((r.version for r in rows if r.status == CURRENT), default=None)
        if current != record.restates_version:
            raise _conflict(record, self.current(record.month) if current is not None else None)
        if current is not None:
            connection.execute(
                update(closed_months).where(month).where(closed_months.c.version == current).values(status=SUPERSEDED)
            )
        stored = replace(record, version=max((r.version for r in rows), default=0) + 1, status=CURRENT)
        connection.execute(
            closed_months.insert().values(
                month=stored.month,
                version=stored.version,
                status=stored.status,
                lineage_digest=stored.lineage_digest,
                energy_kwh=stored.energy_kwh,
                location_based_tco2e=stored.location_based_tco2e,
                document=json.dumps(stored.document, sort_keys=True),
                files=json.dumps(stored.files, sort_keys=True),
                reason=stored.reason,
                restates_version=stored.restates_version,
                closed_at=stored.closed_at,
            )
        )
        return stored


def _conflict(record: ClosedMonth, current: ClosedMonth | None) -> HistoryError:
    """The month changed while this close ran (another close of it finished first)."""
    if record.restates_version is None:
        version = f" (version {current.version})" if current is not None else ""
        return HistoryError(
            f"{record.month} is already closed{version}: another close of it finished first; "
            'to store a new version run again with --restate --reason "…"'
        )
    now_current = f"version {current.version}" if current is not None else "no current version"
    return HistoryError(
        f"{record.month} changed while this restatement ran (it restated version {record.restates_version}, "
        f"the store now has {now_current}); run it again"
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


def _brief(exc: Exception) -> str:
    """A database error in one line (the driver's first line, without the statement)."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _safe(url: str) -> str:
    """A URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url
