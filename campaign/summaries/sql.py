"""SQL expressions the summaries group by, written once for SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class utc_hour(FunctionElement[str]):  # lower case: it reads like the SQL function it stands for
    """``2026-11-21 14`` for a time column: the UTC hour it falls in, as text."""

    type = String()
    inherit_cache = True
    name = "utc_hour"


@compiles(utc_hour, "sqlite")
def _utc_hour_sqlite(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    # Times are stored as naive UTC text, "YYYY-MM-DD HH:MM:SS.ffffff": the hour is its first 13 characters.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 13)"


@compiles(utc_hour, "postgresql")
def _utc_hour_postgresql(element: utc_hour, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"


class postcode_sector(FunctionElement[str]):
    """``YO1 7`` for ``YO1 7HH``: postcodes are stored normalised, with a three-character inward part."""

    type = String()
    inherit_cache = True
    name = "postcode_sector"


@compiles(postcode_sector)
def _postcode_sector(element: postcode_sector, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"substr({column}, 1, length({column}) - 2)"


def within(column: QueryableAttribute[Any], start: datetime | None, end: datetime | None) -> ColumnElement[bool]:
    """``start <= column < end``, either end left open when None."""
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return and_(true(), *conditions)
