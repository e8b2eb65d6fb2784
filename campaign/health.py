"""Is the process alive, is the database there, and does its schema match this code?

``/healthz`` answers as long as the process can serve requests (it touches nothing), for a
supervisor deciding whether to restart it. ``/readyz`` also asks the database, on a connection of
its own with a short timeout, for a load balancer deciding whether to send it traffic. Neither
opens a session, is rate limited or may be cached, and neither says more than which check failed.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from campaign.db import database_unavailable
from campaign.extensions import db, limiter
from campaign.security import public

bp = Blueprint("health", __name__)

# Seconds the readiness check may take to connect, and its query to run.
READINESS_TIMEOUT_SECONDS = 2

_engine_lock = threading.Lock()


def _script() -> ScriptDirectory:
    migrate = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))


def _expected_heads(app: Flask) -> frozenset[str]:
    """The revisions this code expects (read from the migration files once per process)."""
    heads = app.extensions.get("campaign.schema_heads")
    if heads is None:
        heads = app.extensions["campaign.schema_heads"] = frozenset(_script().get_heads())
    return frozenset(heads)


def _current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def schema_revisions() -> tuple[set[str], set[str]]:
    """(revisions the database is at, revisions this code expects)."""
    with db.engine.connect() as connection:
        current = _current_heads(connection)
    return current, set(_script().get_heads())


def schema_is_current() -> bool:
    current, expected = schema_revisions()
    return current == expected


def _readiness_engine(app: Flask) -> Engine:
    """An engine for the check alone: no pool to wait on when the app's own pool is busy, and a
    connect timeout short enough for a load balancer's probe."""
    with _engine_lock:
        engine = app.extensions.get("campaign.readiness_engine")
        if engine is None:
            url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
            connect_args: dict[str, object] = {}
            if url.get_backend_name() == "postgresql":
                # tcp_user_timeout: a server that vanished without closing the connection fails fast too.
                connect_args = {"connect_timeout": READINESS_TIMEOUT_SECONDS,
                                "tcp_user_timeout": READINESS_TIMEOUT_SECONDS * 1000}  # fmt: skip
            engine = sa.create_engine(url, poolclass=NullPool, connect_args=connect_args)
            app.extensions["campaign.readiness_engine"] = engine
        assert isinstance(engine, Engine)
        return engine


def _migration_state(current: set[str], expected: frozenset[str]) -> str:
    if current == expected:
        return "ok"
    try:
        for revision in current:
            _script().get_revision(revision)
    except CommandError:
        return "unknown"  # the database is at a revision this code has never heard of (newer code migrated it)
    return "behind"  # `campaign db upgrade` has not been run for this code


def _database_revisions(connection: Connection) -> set[str]:
    # Read directly rather than through Alembic, which logs each time it looks (on every probe).
    try:
        return set(connection.scalars(sa.text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError as error:
        if database_unavailable(error):
            raise
        return set()  # no alembic_version table: the database was never migrated


def readiness() -> dict[str, str]:
    """Each check's state: ``database`` is ok or unreachable; ``migrations`` ok, behind, unknown or unchecked."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = _readiness_engine(app)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {READINESS_TIMEOUT_SECONDS * 1000}")
            current = _database_revisions(connection)
    except SQLAlchemyError:
        return {"database": "unreachable", "migrations": "unchecked"}
    return {"database": "ok", "migrations": _migration_state(current, _expected_heads(app))}


def _uncached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@public
@limiter.exempt
def healthz() -> Response:
    """The process is up and serving requests."""
    return _uncached(jsonify(status="ok"))


@bp.get("/readyz")
@public
@limiter.exempt
def readyz() -> Response:
    """Ready for traffic: the database answers and its schema is the one this code expects."""
    checks = readiness()
    ready = all(state == "ok" for state in checks.values())
    response = _uncached(jsonify(status="ok" if ready else "unavailable", checks=checks))
    response.status_code = 200 if ready else 503
    return response
