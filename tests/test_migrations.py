"""The schema exists only through migrations, and they match the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy.exc import IntegrityError

from campaign.extensions import db


def test_migrations_match_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app: Flask, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite settings")
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_database_refuses_a_petition_in_an_unknown_state(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        connection.exec_driver_sql("INSERT INTO organisations (name, created_at) VALUES ('Org', CURRENT_TIMESTAMP)")
        insert = sa.text(
            "INSERT INTO petitions (organisation_id, slug, title, summary, body_markdown, body_html, target, state,"
            " signature_count, created_at, updated_at) VALUES ((SELECT id FROM organisations), 's', 't', 's', 'b',"
            " 'b', 10, :state, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        for bad_state in ("published", "hidden"):  # hidden needs a reason and a previous state
            try:
                with connection.begin_nested():
                    connection.execute(insert, {"state": bad_state})
            except IntegrityError:
                continue
            raise AssertionError(f"state {bad_state!r} was accepted")


def test_check_constraints_in_the_database_match_the_models(app: Flask) -> None:
    """Alembic's comparison ignores CHECK constraints; the rules they hold must not drift."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        for table in db.metadata.sorted_tables:
            expected = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
            actual = {c["name"] for c in inspector.get_check_constraints(table.name)}
            assert actual == expected, table.name
