"""Fast loading of many rows, inside the session's transaction.

The ORM and even SQLAlchemy Core ``executemany`` cost tens of microseconds a row; imports
of millions of orders go through the driver instead: ``executemany`` on SQLite (the C loop
of the sqlite3 module) and ``COPY FROM STDIN`` on PostgreSQL. Rows must hold plain values:
``str``, ``int``, ``None``, and dates or moments as ISO text made by :func:`day_text` and
:func:`moment_text`, which both engines read back as SQLAlchemy stores them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def dialect_name(session: Session) -> str:
    """``sqlite`` or ``postgresql``: the engine the session talks to."""
    return session.get_bind().dialect.name


def day_text(day: date) -> str:
    """A date as both engines store it."""
    return day.isoformat()


def moment_text(moment: datetime, dialect: str) -> str:
    """A timezone-aware moment as text the engine stores like :class:`UtcDateTime` does."""
    utc = moment.astimezone(UTC)
    if dialect == "sqlite":
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    return utc.isoformat()


def driver_connection(session: Session) -> Any:
    """The DB-API connection under the session, in the session's transaction."""
    return session.connection().connection.driver_connection


def insert_rows(
    session: Session,
    table: Table | str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Insert new rows as fast as the driver allows; returns how many were written."""
    name = table if isinstance(table, str) else table.name
    raw = driver_connection(session)
    column_list = ", ".join(columns)
    count = 0
    if dialect_name(session) == "sqlite":
        placeholders = ", ".join("?" for _ in columns)
        cursor = raw.cursor()
        try:
            cursor.executemany(f"INSERT INTO {name} ({column_list}) VALUES ({placeholders})", rows)
            count = cursor.rowcount
        finally:
            cursor.close()
        return int(count)
    with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({column_list}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
