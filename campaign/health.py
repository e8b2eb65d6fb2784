"""Is the database there, and does its schema match this code?"""

from __future__ import annotations

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from campaign.extensions import db


def schema_revisions() -> tuple[set[str], set[str]]:
    """(revisions the database is at, revisions this code expects)."""
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, set(script.get_heads())


def schema_is_current() -> bool:
    current, expected = schema_revisions()
    return current == expected
