"""Declarative base, time columns and the one transaction helper services use."""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

# Stable constraint names make Alembic migrations reviewable and portable between
# SQLite (batch mode) and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend.

    SQLite has no time zone type, so values are stored as naive UTC there and given
    their zone back on load; PostgreSQL stores ``timestamptz``. Naive values are
    refused so a local time can never be stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


# --- SQLite: WAL, foreign keys and write transactions that take the lock up front ---

_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=False)
_in_service_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar("in_service_transaction", default=False)

SQLITE_BUSY_TIMEOUT_MS = 15_000


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # We issue BEGIN ourselves (see _begin_sqlite_transaction); pysqlite's implicit
    # transaction handling would otherwise start deferred transactions that fail with
    # "database is locked" when they later need to write.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite_transaction(connection: Any) -> None:
    if connection.dialect.name != "sqlite":
        return
    # A write transaction takes the write lock when it starts, so concurrent writers
    # queue on busy_timeout instead of failing to upgrade a stale read snapshot.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


class _SqliteWriteLock:
    """Serialises SQLite write transactions across processes on an OS file lock.

    SQLite's own busy handler polls with sleeps of 1 ms and more, so two workers writing
    at once spend most of their time asleep; a blocking ``flock`` hands the lock over the
    moment it is released. A thread lock covers threads within one process (``flock``
    locks belong to the open file, which threads share). It is only ever held for one
    database transaction: no slow work (password hashing, network calls) happens inside one.
    """

    def __init__(self) -> None:
        self._thread_lock = threading.Lock()
        self._files: dict[str, int] = {}
        # A forked child must not share the parent's open lock files (flock locks belong to the
        # open file, so parent and child would not exclude each other) nor inherit a thread lock
        # another thread held at the fork.
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        for descriptor in self._files.values():
            with contextlib.suppress(OSError):
                os.close(descriptor)
        self._files = {}
        self._thread_lock = threading.Lock()

    @contextmanager
    def held(self, database_path: str) -> Iterator[None]:
        with self._thread_lock:
            descriptor = self._files.get(database_path)
            if descriptor is None:
                descriptor = os.open(f"{database_path}.write-lock", os.O_RDWR | os.O_CREAT, 0o666)
                self._files[database_path] = descriptor
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)


_sqlite_write_lock = _SqliteWriteLock()


def _sqlite_path(session: Session) -> str | None:
    bind = session.get_bind()
    url = bind.engine.url if isinstance(bind, Connection) else bind.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return os.path.abspath(url.database)


@contextmanager
def transaction() -> Iterator[Session]:
    """Run a service's changes as one transaction: commit at the end, roll back on error.

    Any read-only transaction the request had open is ended first so the write
    starts from a fresh snapshot. Nested calls join the outer transaction.
    """
    from campaign.extensions import db  # here, not at import: extensions needs Base from this module

    session: Session = db.session()
    if _in_service_transaction.get():
        yield session
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("changes were made outside a service transaction")
        session.commit()
    database_path = _sqlite_path(session)
    lock = _sqlite_write_lock.held(database_path) if database_path else nullcontext()
    write_token = _write_intent.set(True)
    service_token = _in_service_transaction.set(True)
    try:
        with lock:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        _in_service_transaction.reset(service_token)
        _write_intent.reset(write_token)


def lock_key(session: Session, key: str) -> None:
    """Take a transaction-scoped lock on ``key`` (say, one mailbox on one petition).

    Row locks cannot guard rows that do not exist yet; an advisory lock can. On SQLite every
    write transaction already runs alone, so there is nothing more to do.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})


def database_unavailable(error: BaseException) -> bool:
    """Whether an error means the database cannot be used just now (rather than a bug in a query).

    Unreachable or restarting servers, dropped connections, an exhausted pool and, on SQLite, a lock
    held past the busy timeout or an unreadable file: trying again in a while may well work, so
    requests answer 503 and background jobs wait, instead of reporting a crash.
    """
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    if isinstance(error.orig, sqlite3.Error):
        # SQLite reports a misspelt query as an OperationalError too: only these are temporary.
        return any(words in str(error.orig).lower() for words in _SQLITE_TEMPORARY)
    return True


_SQLITE_TEMPORARY = ("database is locked", "database table is locked", "unable to open", "disk i/o error")
