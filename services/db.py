"""Database plumbing shared by every domain: metadata, engine and session factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way out on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, *, statement_timeout_ms: int = 0, **kwargs: Any) -> Engine:
    """An engine for ``url``; on PostgreSQL, ``statement_timeout_ms`` (if not 0) bounds
    every statement of its connections (SQLite has no such bound)."""
    # Errors name the statement but not its values: those may be personal data, and
    # error messages end up in logs and in Temporal failures.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", _sqlite_durable_again)
        return engine
    if statement_timeout_ms:
        # Set as the connection opens: no extra round trip per request.
        options = f"-c statement_timeout={statement_timeout_ms}"
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "options": options}
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while the worker writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Every commit is on disk before it returns (SQLite's default, said out loud), except
    # in a transaction that asked for less (lazy_commit).
    cursor.execute("PRAGMA synchronous=FULL")
    # What is deleted or overwritten is zeroed, not left in the file's free space: an
    # erased case's keyed hashes and search terms, a released intake hold.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def lazy_commit(session: Session) -> None:
    """Let the transaction ``session`` is about to begin commit without waiting for the
    disk. Call it first, before the transaction writes anything.

    Only for rows whose loss in a crash of the database server or its machine is
    acceptable (the access log, intake holds): such a crash may lose the latest of these
    commits, never a commit of any other transaction, and leaves the database consistent;
    a crash of the application loses nothing. PostgreSQL: ``synchronous_commit = off`` for this
    transaction; what may be lost is at most about three times ``wal_writer_delay`` (0.6 s
    by default). SQLite (WAL): ``synchronous = NORMAL`` on this connection until it goes
    back to the pool; what may be lost is what such transactions committed since the last
    commit that did wait for the disk (any other transaction's, on any connection) or the
    last checkpoint.
    """
    connection = session.connection()
    match connection.dialect.name:
        case "postgresql":
            connection.execute(text("SET LOCAL synchronous_commit = off"))
        case "sqlite":
            # SQLite refuses to change this inside a transaction; pysqlite opens one only
            # at the first write, so this must come before it.
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            connection.info["lazy_commit"] = True


def _sqlite_durable_again(dbapi_connection: Any, record: Any) -> None:
    # Back in the pool (its transaction ended): the next user gets durable commits.
    if dbapi_connection is not None and record.info.pop("lazy_commit", False):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session, session.begin():
        yield session
