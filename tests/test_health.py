"""/healthz and /readyz, and the 503 page for a request that needs a database it cannot reach."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from campaign import create_app
from campaign.extensions import db
from tests.conftest import base_config
from tests.helpers import assert_well_formed, text_of
from tests.servers import Browserless, running_server, server_environment

# Nothing listens on port 1: connecting is refused at once, as with a database that is down.
UNREACHABLE = "postgresql+psycopg://campaign:hunter2-not-shown@127.0.0.1:1/campaign"


@pytest.fixture
def unreachable(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({**base_config(tmp_path, UNREACHABLE), "PROPAGATE_EXCEPTIONS": False})
    yield app
    with app.app_context():
        db.engine.dispose()


def assert_uncached_and_sessionless(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in headers
    assert "Cookie" not in headers.get("Vary", "")


def test_healthz_answers_without_the_database(unreachable: Flask) -> None:
    client = unreachable.test_client()
    client.set_cookie("campaign_session", "anything")  # a visitor with a session gets no new one
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert_uncached_and_sessionless(response)


def test_readyz_says_which_check_failed_and_nothing_more(unreachable: Flask) -> None:
    response = unreachable.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "unreachable",
                                                                      "migrations": "unchecked"}}  # fmt: skip
    body = response.get_data(as_text=True)
    for secret in ("hunter2", "campaign:", "127.0.0.1", "psycopg"):
        assert secret not in body
    assert_uncached_and_sessionless(response)


def test_a_page_that_needs_the_unreachable_database_is_a_503_page(unreachable: Flask) -> None:
    client = unreachable.test_client()
    for url in ("/", "/petitions/the-ban"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.mimetype == "text/html"
        assert response.headers["Retry-After"] == "30"
        assert response.headers["Cache-Control"] == "no-store"
        page = response.get_data(as_text=True)
        assert_well_formed(page)
        assert "The service is temporarily unavailable" in text_of(response)
        assert "Please try again in a few minutes." in text_of(response)
        assert "Traceback" not in page and "hunter2" not in page and "OperationalError" not in page
    api = client.get("/api/v1/petitions")
    # Flask-Limiter may push Retry-After later, to when the API's rate-limit window ends; never sooner.
    assert api.status_code == 503 and int(api.headers["Retry-After"]) >= 30
    assert api.get_json() == {"error": {"status": 503, "title": "The service is temporarily unavailable",
                                        "message": "Please try again in a few minutes."}}  # fmt: skip


def test_readyz_is_ready_on_a_migrated_database(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}
    assert_uncached_and_sessionless(response)


def _set_revision(app: Flask, revision: str | None) -> None:
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM alembic_version"))
        if revision is not None:
            connection.execute(sa.text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revision})


def test_readyz_is_not_ready_until_the_migrations_are_current(app: Flask, client: FlaskClient) -> None:
    with app.app_context(), db.engine.connect() as connection:
        current = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    try:
        for revision, state in (("0001_foundation", "behind"), (None, "behind"), ("9999_from_the_future", "unknown")):
            _set_revision(app, revision)
            response = client.get("/readyz")
            assert response.status_code == 503, revision
            assert response.get_json()["checks"] == {"database": "ok", "migrations": state}, revision
    finally:
        _set_revision(app, current)
    assert client.get("/readyz").status_code == 200


def test_health_checks_are_never_rate_limited(sqlite_template: Path, tmp_path: Path) -> None:
    """In a server of its own: Flask-Limiter's default limits, once set, stay for the whole process."""
    database = tmp_path / "campaign.db"
    shutil.copyfile(sqlite_template, database)
    env = server_environment(tmp_path / "instance", f"sqlite:///{database}", RATELIMIT_DEFAULT="2 per minute")
    with running_server(env) as server:
        assert [Browserless().request(f"{server.url}/")[0] for _ in range(3)] == [200, 200, 429]
        for path in ("/healthz", "/readyz"):
            assert {Browserless().request(server.url + path)[0] for _ in range(5)} == {200}, path


def test_only_errors_that_may_pass_are_answered_with_a_503(app: Flask) -> None:
    """A database that is busy or away is a 503; a broken query is still a 500 (and logged as one)."""

    @app.get("/locked")
    def locked() -> str:
        raise sa.exc.OperationalError("UPDATE petitions", {}, sqlite3.OperationalError("database is locked"))

    @app.get("/broken")
    def broken() -> str:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELEC 1"))
        return "unreachable"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    assert client.get("/locked").status_code == 503
    broken_page = client.get("/broken")
    assert broken_page.status_code == 500
    assert "Sorry, something went wrong" in text_of(broken_page)
