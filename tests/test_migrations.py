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


def test_upgrading_sqlite_with_data_keeps_every_reference(tmp_path: object) -> None:
    """SQLite rebuilds a table to change its constraints; rows referring to it must survive that."""
    from pathlib import Path

    from flask_migrate import upgrade

    from campaign import create_app
    from tests.conftest import base_config

    folder = Path(str(tmp_path))
    app = create_app(base_config(folder / "instance", f"sqlite:///{folder / 'old.db'}"))
    with app.app_context():
        upgrade(revision="0005_embeds")
        with db.engine.begin() as connection:
            run = connection.exec_driver_sql
            run("INSERT INTO organisations (id, name, area_note, created_at) VALUES (1, 'Group', '', '2026-01-01')")
            run("INSERT INTO organisers (id, organisation_id, email, name, role, password_hash, disabled, created_at) "
                "VALUES (1, 1, 'o@example.org', 'O', 'organiser', 'x', 0, '2026-01-01')")  # fmt: skip
            run("INSERT INTO organiser_sessions (id, organiser_id, secret_hash, created_at, expires_at) "
                "VALUES (1, 1, 'h', '2026-01-01', '2026-01-02')")  # fmt: skip
            petition_columns = [row[1] for row in run("PRAGMA table_info(petitions)")]
            required = {row[1]: row for row in run("PRAGMA table_info(petitions)") if row[3] and row[4] is None}
            assert "created_by_id" in petition_columns
            values = {"id": 1, "organisation_id": 1, "created_by_id": 1, "slug": "p", "title": "T", "summary": "S",
                      "state": "open", "target": 10, "signature_count": 1, "created_at": "2026-01-01",
                      "opened_at": "2026-01-01"}  # fmt: skip
            for name, column in required.items():
                kind = str(column[2]).upper()
                values.setdefault(
                    name, "2026-01-01" if "DATE" in kind else "" if "CHAR" in kind or "TEXT" in kind else 0
                )
            names = ", ".join(values)
            run(f"INSERT INTO petitions ({names}) VALUES ({', '.join('?' for _ in values)})", tuple(values.values()))
            run("INSERT INTO signatures (id, petition_id, state, name, name_key, email, canonical_email, household_slot,"
                " postcode, notify_progress, share_name, confirmation_nonce, emails_sent, created_at, confirmed_at) "
                "VALUES (1, 1, 'confirmed', 'Jo', 'jo', 'jo@example.org', 'jo@example.org', 1, 'YO1 7HH', 0, 0, 'n',"
                " 1, '2026-01-01', '2026-01-01')")  # fmt: skip
            run("INSERT INTO outbox (id, message_id, kind, context, to_address, signature_id, status, attempts, "
                "next_attempt_at, created_at, sent_at) VALUES (1, 'm', 'confirm_signature', '{}', 'jo@example.org', 1, 'sent', 1,"
                " '2026-01-01', '2026-01-01', '2026-01-01')")  # fmt: skip
        upgrade()
        with db.engine.connect() as connection:
            run = connection.exec_driver_sql
            assert run("SELECT signature_id FROM outbox").scalar() == 1
            assert run("SELECT created_by_id FROM petitions").scalar() == 1
            assert run("SELECT count(*) FROM organiser_sessions").scalar() == 1
            assert run("SELECT state, household_slot FROM signatures").one() == ("confirmed", 1)
            assert run("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
