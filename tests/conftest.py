"""Fixtures: real SQLite files and (when configured) real PostgreSQL, CSRF always on.

Every test that uses ``app`` runs once per database backend. SQLite tests copy a
database migrated once per session; PostgreSQL tests share one migrated database and
empty it after each test. Without TEST_DATABASE_URL the PostgreSQL variants skip with
a reason, except under CI=true, where they must run.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from campaign import create_app
from campaign.extensions import db
from tests.mailbox import SmtpServer

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
TEST_SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"

# Settings that must come from the test, never from the developer's shell.
_ISOLATED_ENVIRONMENT = ("DATABASE_URL", "SECRET_KEY", "BASE_URL", "MAIL_URL", "MAIL_FROM", "INSTANCE_PATH",
                         "SITE_NAME", "TIMEZONE", "PROXY_HOPS", "LOG_LEVEL", "LANGUAGE")  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    for name in list(os.environ):
        if name in _ISOLATED_ENVIRONMENT or name.startswith(("RATELIMIT_", "LOGIN_RATE_LIMIT")):
            del os.environ[name]
    if IN_CI and not TEST_DATABASE_URL:
        raise pytest.UsageError("CI=true but TEST_DATABASE_URL is not set: CI must run the suite against PostgreSQL")
    if IN_CI and not TEST_REDIS_URL:
        raise pytest.UsageError("CI=true but TEST_REDIS_URL is not set: CI must run the Redis tests")


def base_config(instance_path: Path, database_url: str) -> dict[str, object]:
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance_path),
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "BASE_URL": "http://localhost",
        "MAIL_URL": (instance_path / "mail").as_uri(),
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests look at pages straight after changing things; caching has tests of its own.
        "HOT_CACHE_SECONDS": 0,
    }


def _migrate(database_url: str, instance_path: Path) -> None:
    from flask_migrate import upgrade

    app = create_app(base_config(instance_path, database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "campaign.db"
    _migrate(f"sqlite:///{path}", folder / "instance")
    return path


def _reset_postgres_schema(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The migrated PostgreSQL test database (its public schema is rebuilt once per run)."""
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test")
    from campaign.config import normalise_database_url

    url = normalise_database_url(TEST_DATABASE_URL)
    try:
        _reset_postgres_schema(url)
    except sa.exc.OperationalError as error:
        message = f"PostgreSQL at TEST_DATABASE_URL is not reachable: {error.orig}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    _migrate(url, tmp_path_factory.mktemp("pg-migrate"))
    return url


@contextlib.contextmanager
def own_postgres_database(purpose: str) -> Iterator[str]:
    """A new, empty database on TEST_DATABASE_URL's server, dropped afterwards: for a server in its own process.

    The shared test database is emptied by the fixtures above after each test, so a long-lived separate process
    must not use it. Skips (fails under CI=true) like ``postgres_url`` when PostgreSQL is not there.
    """
    if not TEST_DATABASE_URL:
        pytest.skip("PostgreSQL variant: set TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test")
    import psycopg
    from psycopg import sql

    from campaign.config import normalise_database_url

    url = sa.engine.make_url(normalise_database_url(TEST_DATABASE_URL))
    server = url.set(drivername="postgresql").render_as_string(hide_password=False)  # libpq takes this form
    name = f"{url.database}_{purpose}_{secrets.token_hex(4)}"[-63:].lstrip("_")  # PostgreSQL's longest name
    try:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        message = f"PostgreSQL at TEST_DATABASE_URL is not reachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis for tests that need shared state between app instances."""
    if not TEST_REDIS_URL:
        pytest.skip("Redis test: set TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run it")
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis at TEST_REDIS_URL is not reachable: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return TEST_REDIS_URL


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "campaign.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        yield url
        _empty_postgres(url)


@pytest.fixture
def instance_path(tmp_path: Path) -> Path:
    path = tmp_path / "instance"
    path.mkdir()
    return path


@pytest.fixture
def config_overrides() -> dict[str, object]:
    """Settings a test module needs on top of the defaults (override this fixture there)."""
    return {}


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(database_url: str, instance_path: Path, config_overrides: dict[str, object]) -> Iterator[Flask]:
    application = create_app({**base_config(instance_path, database_url), **config_overrides})
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


from tests.briefing_helpers import briefing_parts  # noqa: E402, F401 - a fixture for every test module
from tests.browser import browser  # noqa: E402, F401 - Chromium, for the browser tests


@pytest.fixture(scope="session")
def pseudo_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pseudo-translation of every message, compiled once per run (see tests/pseudo_locale.py)."""
    from tests.pseudo_locale import build_catalogue

    return build_catalogue(tmp_path_factory.mktemp("pseudo"))
