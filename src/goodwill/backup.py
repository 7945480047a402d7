"""A backup of the whole database, taken while Goodwill runs.

SQLite: SQLite's online backup API copies the database page by page into a new file, a
consistent snapshot even while others write (they wait only for the pages being copied).
The copy is an ordinary SQLite file: ``GOODWILL_DATABASE_URL=sqlite:///copy.db`` opens it,
and putting it back as ``goodwill.db`` (with the app stopped) restores it.

PostgreSQL: the server's own tool does it (``pg_dump --format=custom``), run with the
configured URL when it is installed; the web app offers SQLite's download only and names
the command for PostgreSQL.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import Engine, make_url

from goodwill.errors import Invalid

PAGES_PER_STEP = 4096  # 16 MB of 4 KB pages, then writers get a turn


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
        finally:
            target.close()
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    finally:
        raw.close()
    return destination.stat().st_size


def _postgres(engine: Engine, destination: Path) -> int:
    tool = shutil.which("pg_dump")
    if tool is None:
        raise Invalid(f"pg_dump is not installed here; run: {backup_command_for_postgres()}")
    url = make_url(engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    done = subprocess.run(
        [tool, "--format=custom", "--file", str(destination), url.render_as_string(False)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        destination.unlink(missing_ok=True)
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise Invalid(f"pg_dump failed: {last}")
    return destination.stat().st_size
