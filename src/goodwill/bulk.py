"""Fast loading of many rows, inside the session's transaction.

The ORM and even SQLAlchemy Core ``executemany`` cost tens of microseconds a row; imports
of millions of orders go through the driver instead: ``executemany`` on SQLite (the C loop
of the sqlite3 module) and ``COPY FROM STDIN`` on PostgreSQL. Rows must hold plain values:
``str``, ``int``, ``None``, and dates or moments as ISO text made by :func:`day_text` and
:func:`moment_text`, which both engines read back as SQLAlchemy stores them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from itertools import chain, islice
from typing import Any

from sqlalchemy import Table, text
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


SQLITE_CACHE_KIB = 262_144
"""SQLite's page cache while writing in bulk: the indexes of a million rows fit."""


@contextmanager
def large_cache(session: Session) -> Iterator[None]:
    """On SQLite, a page cache big enough for the indexes being written, for a while.

    With the default 2 MB, rows written at scattered places of a large index make SQLite
    spill and re-read pages many times over.
    """
    if dialect_name(session) != "sqlite":
        yield
        return
    before = session.execute(text("PRAGMA cache_size")).scalar_one()
    session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size = {int(before)}"))


SQLITE_VARIABLES = 32_000
"""Bound values per SQLite statement (SQLite allows 32,766 since 3.32)."""


def insert_rows(
    session: Session,
    table: Table | str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Insert new rows as fast as the driver allows; returns how many were written.

    SQLite gets many rows per INSERT statement: binding values costs far less than stepping
    one statement per row, which is what ``executemany`` does (about 5x in our imports).
    PostgreSQL gets COPY.
    """
    name = table if isinstance(table, str) else table.name
    raw = driver_connection(session)
    column_list = ", ".join(columns)
    count = 0
    if dialect_name(session) == "sqlite":
        width = len(columns)
        per_statement = max(1, SQLITE_VARIABLES // max(1, width))
        row = "(" + ", ".join("?" for _ in columns) + ")"
        full = f"INSERT INTO {name} ({column_list}) VALUES " + ", ".join([row] * per_statement)
        cursor = raw.cursor()
        try:
            iterator = iter(rows)
            while batch := list(islice(iterator, per_statement)):
                values = list(chain.from_iterable(batch))
                if len(batch) == per_statement:
                    cursor.execute(full, values)
                else:
                    part = ", ".join([row] * len(batch))
                    cursor.execute(f"INSERT INTO {name} ({column_list}) VALUES {part}", values)
                count += len(batch)
        finally:
            cursor.close()
        return count
    with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({column_list}) FROM STDIN") as copy:
        for row_values in rows:
            copy.write_row(row_values)
            count += 1
    return count


def refresh_statistics(session: Session, tables: Sequence[str] = ()) -> None:
    """Let the query planner know the tables' shapes again (after bulk changes): ``tables``
    on PostgreSQL (every table when none are named), the whole file on SQLite.

    Without statistics SQLite picks an index by its form alone: for "this account's open
    quotes, oldest first" it walked every open quote in date order through the
    (status, quoted_on) index instead of the account's few quotes (6 ms instead of 0.1 ms
    on a 100,000-account book, on every Today and Account page). ``analysis_limit`` keeps
    ANALYZE to a sample of each index (about half a second on a 1 GB file).

    PostgreSQL's autovacuum analyzes too, but a minute or more later: the morning's plans,
    made right after the week's scores were written, found no statistics for the new week
    and joined a million accounts by index lookups instead of merging them (reading them
    took 3.6 s instead of 2.0). ANALYZE inside the transaction counts its own new rows, and
    samples a bounded number of rows whatever the table's size.
    """
    dialect = dialect_name(session)
    if dialect == "postgresql":
        session.flush()
        names = ", ".join(f'"{t}"' for t in tables)
        session.execute(text(f"ANALYZE {names}"))
        return
    if dialect != "sqlite":
        return
    session.flush()
    connection = driver_connection(session)
    connection.execute("PRAGMA analysis_limit=1000")
    connection.execute("ANALYZE main")  # not the staging files goodwill.columnar attaches
