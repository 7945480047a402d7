"""A backup of the whole database, taken while Goodwill runs, and putting one back.

SQLite: SQLite's online backup API copies the database page by page into a new file, a
consistent snapshot even while others write (they wait only for the pages being copied).
The copy is an ordinary SQLite file: ``GOODWILL_DATABASE_URL=sqlite:///copy.db`` opens it.

PostgreSQL: the server's own tool does it (``pg_dump --format=custom``), run with the
configured URL when it is installed; the web app offers SQLite's download only and names
the command for PostgreSQL.

Restoring (:func:`restore`) checks the file first (SQLite: it opens, passes
``quick_check`` and holds a Goodwill schema this version knows; PostgreSQL: it is
``pg_dump``'s custom format), then backs the current database up beside it (nothing is
lost: the copy is named in the result), then copies the file in: SQLite through the same
backup API, into the live file, so that its write-ahead log and every open connection stay
consistent (copying the file over ``goodwill.db`` by hand would not be, with a ``-wal``
file beside it); PostgreSQL with ``pg_restore --clean`` in one transaction, so a failure
leaves the database as it was. A backup from an older version is then migrated to the
current schema.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine, make_url

from goodwill.errors import Invalid

PAGES_PER_STEP = 4096  # 16 MB of 4 KB pages, then writers get a turn

PG_RESTORE_MISSING = "pg_restore is not installed here (Debian: postgresql-client)"


def backup_command_for_postgres() -> str:
    """What an admin runs to back up a PostgreSQL database."""
    return 'pg_dump --format=custom --file goodwill.dump "$GOODWILL_DATABASE_URL"'


def backup(engine: Engine, destination: Path) -> int:
    """Copy the database into ``destination`` (a new file); its size in bytes."""
    if destination.exists():
        raise Invalid(f"{destination}: the file exists; choose a new name for the backup")
    if engine.dialect.name == "sqlite":
        return _sqlite(engine, destination)
    if engine.dialect.name == "postgresql":
        return _postgres(engine, destination)
    raise Invalid(f"cannot back up a {engine.dialect.name} database")


def _sqlite(engine: Engine, destination: Path) -> int:
    database = engine.url.database
    if not database or database == ":memory:" or not Path(database).is_file():
        # Connecting would make an empty database, and the backup would be of nothing.
        raise Invalid(f"no database at {database}: nothing to back up (goodwill init makes one)")
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        target = sqlite3.connect(destination)
        try:
            source.backup(target, pages=PAGES_PER_STEP)
            # One self-contained file: no write-ahead log beside it when it is opened.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    finally:
        raw.close()
    return destination.stat().st_size


def _postgres(engine: Engine, destination: Path) -> int:
    done = _pg(
        "pg_dump",
        ["--format=custom", "--file", str(destination), _libpq_url(engine)],
        missing=f"pg_dump is not installed here; run: {backup_command_for_postgres()}",
    )
    if done.returncode != 0:
        destination.unlink(missing_ok=True)
        raise Invalid(f"pg_dump failed: {_last_line(done)}")
    return destination.stat().st_size


def _libpq_url(engine: Engine) -> str:
    """The engine's database URL as PostgreSQL's own tools take it (password included)."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg(tool: str, arguments: list[str], *, missing: str) -> subprocess.CompletedProcess[str]:
    """Run one of PostgreSQL's tools (pg_dump, pg_restore); Invalid(``missing``) when it is
    not installed. The caller reads the return code."""
    found = shutil.which(tool)
    if found is None:
        raise Invalid(missing)
    return subprocess.run([found, *arguments], capture_output=True, text=True, check=False)


def _last_line(done: subprocess.CompletedProcess[str]) -> str:
    """The tool's last word on what went wrong."""
    return (done.stderr.strip().splitlines() or ["no message"])[-1]


@dataclass(frozen=True)
class Restored:
    """What :func:`restore` did."""

    file: Path
    safety_copy: Path | None
    """The database as it was before, backed up first (None: there was none)."""
    revision_restored: str
    """The backup's schema revision, before it was migrated to the current one."""


def restore(engine: Engine, source: Path, *, safety_folder: Path, actor: str = "cli") -> Restored:
    """Replace the whole database with the backup in ``source``.

    The current database is first backed up into ``safety_folder``. Refuses, changing
    nothing, a file that is not a backup of this engine that this version can read. The
    restored database's audit log records the restore (by ``actor``).
    """
    if not source.is_file():
        raise Invalid(f"{source}: no such file")
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and Path(database).exists() and source.resolve() == Path(database).resolve():
            raise Invalid(f"{source}: this is the database itself, not a backup of it")
        revision = _sqlite_revision(source)
    elif engine.dialect.name == "postgresql":
        revision = _postgres_revision(source)
    else:
        raise Invalid(f"cannot restore a {engine.dialect.name} database")
    safety = _safety_copy(engine, safety_folder)
    if engine.dialect.name == "sqlite":
        _sqlite_restore(engine, source)
    else:
        _postgres_restore(engine, source)
    from goodwill.schema import upgrade

    upgrade(engine)
    done = Restored(file=source, safety_copy=safety, revision_restored=revision)
    _audit(engine, done, actor)
    return done


def _audit(engine: Engine, done: Restored, actor: str) -> None:
    from sqlalchemy.orm import Session

    from goodwill.models import AuditEvent

    with Session(engine) as session:
        session.add(
            AuditEvent(
                actor=actor,
                action="restore",
                table_name="database",
                after={
                    "file": str(done.file),
                    "schema_restored": done.revision_restored,
                    "safety_copy": str(done.safety_copy) if done.safety_copy else None,
                },
            )
        )
        session.commit()


def _sqlite_revision(source: Path) -> str:
    """The Goodwill schema revision of a SQLite backup; Invalid when it is not one."""
    try:
        db = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise Invalid(f"{source}: cannot be opened as a SQLite database ({error})") from error
    try:
        check = db.execute("PRAGMA quick_check").fetchone()
        if check != ("ok",):
            raise Invalid(f"{source}: the database is damaged (quick_check: {check[0]})")
        found = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if found is None:
            raise Invalid(f"{source}: not a Goodwill database (it has no schema version)")
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise Invalid(f"{source}: not a SQLite database ({error})") from error
    finally:
        db.close()
    if row is None:
        raise Invalid(f"{source}: not a Goodwill database (its schema version is empty)")
    return _known(source, str(row[0]))


def _known(source: Path, revision: str) -> str:
    """``revision`` when this version's migrations know it; Invalid otherwise."""
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from goodwill.schema import alembic_config

    try:
        known = ScriptDirectory.from_config(alembic_config()).get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise Invalid(
            f"{source}: its schema ({revision}) is newer than this Goodwill knows; "
            "restore it with the version that made it"
        )
    return revision


def _postgres_revision(source: Path) -> str:
    """The Goodwill schema revision in a ``pg_dump`` custom-format file, read by
    ``pg_restore`` from the file alone (the database is not touched)."""
    with source.open("rb") as f:
        if f.read(5) != b"PGDMP":
            raise Invalid(
                f"{source}: not a PostgreSQL backup (pg_dump --format=custom); "
                "a SQLite backup restores into SQLite only"
            )
    done = _pg(
        "pg_restore",
        ["--data-only", "--table=alembic_version", "--file=-", str(source)],
        missing=PG_RESTORE_MISSING,
    )
    if done.returncode != 0:
        raise Invalid(f"{source}: pg_restore cannot read it: {_last_line(done)}")
    lines = done.stdout.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("COPY ")]
    if not starts or starts[0] + 1 >= len(lines) or lines[starts[0] + 1] == "\\.":
        raise Invalid(f"{source}: not a Goodwill database (it has no schema version)")
    return _known(source, lines[starts[0] + 1].strip())


def _safety_copy(engine: Engine, folder: Path) -> Path | None:
    """The current database backed up before it is replaced (None: nothing to keep)."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or not Path(database).is_file():
            return None
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = ".db" if engine.dialect.name == "sqlite" else ".dump"
    target = folder / f"before-restore-{stamp}{suffix}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"before-restore-{stamp}-{n}{suffix}"
    backup(engine, target)
    return target


def _sqlite_restore(engine: Engine, source: Path) -> None:
    engine.dispose()  # this process's pooled connections see the new file afresh
    raw = engine.raw_connection()
    try:
        target = raw.driver_connection
        assert isinstance(target, sqlite3.Connection)
        backup_file = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            backup_file.backup(target, pages=PAGES_PER_STEP)
        finally:
            backup_file.close()
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()
    engine.dispose()


def _postgres_restore(engine: Engine, source: Path) -> None:
    url = _libpq_url(engine)
    engine.dispose()  # pg_restore --clean drops tables: no idle connection of ours holds them
    done = _pg(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            url,
            str(source),
        ],
        missing=PG_RESTORE_MISSING,
    )
    if done.returncode != 0:
        raise Invalid(f"pg_restore failed, nothing was changed: {_last_line(done)}")
