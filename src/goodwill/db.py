"""Engine, sessions and the declarative base.

SQLite runs in WAL mode with foreign keys on, and every transaction begins IMMEDIATE:
pysqlite's implicit deferred BEGIN lets two writers read the same row and both write,
losing one update, so we take the write lock at BEGIN instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from goodwill.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table; constraint names follow one convention so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, mmap_mib: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level so that SQLAlchemy's "begin" event below
        # decides how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # Reads through the memory map take no read() call and no copy into SQLite's own
        # (per-connection) page cache: 1.2 ms less per Account page of a 100,000-account
        # database (docs/benchmarks.md, Web). Writes still go through the WAL file.
        cursor.execute(f"PRAGMA mmap_size={int(mmap_mib) * 1024 * 1024}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A reading transaction (a web GET) begins deferred, so readers run side by side in
        # WAL mode; everything else takes the write lock at once (see the module docstring).
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for the given URL (default: the configured one), set up for safe writes."""
    settings = get_settings()
    url = url or settings.resolved_database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms, settings.sqlite_mmap_mib)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, **kwargs)


_engine: Engine | None = None
_session_factory: sessionmaker[Session] | None = None


def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    global _engine, _session_factory
    if _engine is None:
        _engine = make_engine()
        _session_factory = sessionmaker(_engine, expire_on_commit=False)
    return _engine


def reset_engine() -> None:
    """Forget the process-wide engine (after the settings changed, e.g. in tests)."""
    global _engine, _session_factory
    if _engine is not None:
        _engine.dispose()
    _engine = None
    _session_factory = None


READ_ONLY = "goodwill_read_only"


@contextmanager
def session_scope(
    actor: str = "system", engine: Engine | None = None, *, read_only: bool = False
) -> Iterator[Session]:
    """One transaction: commit if the block succeeds, roll back if it raises.

    ``actor`` names who acts, for the audit log. ``read_only`` transactions (a web GET)
    begin deferred on SQLite, so they do not queue behind each other for the write lock;
    they may still write a little (SQLite then takes the lock), but whatever a GET must
    write in bulk (the day's plans) is written first in a transaction of its own.
    """
    if read_only:
        bound = (engine or get_engine()).execution_options(**{READ_ONLY: True})
        session = Session(bound, expire_on_commit=False)
    elif engine is None:
        get_engine()
        assert _session_factory is not None
        session = _session_factory()
    else:
        session = Session(engine, expire_on_commit=False)
    session.info["actor"] = actor
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def serialized(session: Session, what: str) -> None:
    """Let one transaction at a time past this point for ``what`` (until it ends).

    SQLite needs nothing: every writing transaction begins IMMEDIATE, so writers already go
    one at a time. PostgreSQL takes a transaction-level advisory lock on the name, so a
    second transaction waits here and then sees what the first committed.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:what))"), {"what": what})
