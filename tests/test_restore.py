"""Restoring a backup: the database becomes the backup's, the one it replaced is kept first,
and a file that is not a backup this version can read is refused with nothing changed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from goodwill import schema
from goodwill.backup import backup, restore
from goodwill.db import make_engine
from goodwill.errors import Invalid
from goodwill.models import Account, AuditEvent

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _add(engine: Engine, name: str) -> None:
    with Session(engine) as s:
        s.info["actor"] = "test"
        s.add(Account(name=name))
        s.commit()


def _names(engine: Engine) -> set[str]:
    with Session(engine) as s:
        return set(s.scalars(select(Account.name)))


def test_a_restore_puts_the_backup_back_and_keeps_what_it_replaced(
    engine: Engine, tmp_path: Path
) -> None:
    _add(engine, "Before Ltd")
    saved = tmp_path / "saved.backup"
    backup(engine, saved)
    _add(engine, "After Ltd")

    done = restore(engine, saved, safety_folder=tmp_path / "kept")

    assert _names(engine) == {"Before Ltd"}
    assert schema.is_current(engine)
    head = ScriptDirectory.from_config(schema.alembic_config()).get_current_head()
    assert done.revision_restored == head
    assert done.safety_copy is not None
    assert done.safety_copy.parent == tmp_path / "kept"
    with Session(engine) as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "restore")).one()
    assert event.table_name == "database"
    assert event.after == {
        "file": str(saved),
        "schema_restored": head,
        "safety_copy": str(done.safety_copy),
    }
    # What the restore replaced is in the safety copy: restoring that brings it back.
    restore(engine, done.safety_copy, safety_folder=tmp_path / "kept")
    assert _names(engine) == {"Before Ltd", "After Ltd"}
    assert len(list((tmp_path / "kept").iterdir())) == 2


@SQLITE_ONLY
def test_another_process_reading_the_database_sees_the_restored_one(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    """Another worker's connections, open all along, read the restored database (its
    write-ahead log stays the database's own), and SQLite finds the file sound."""
    _add(engine, "Before Ltd")
    saved = tmp_path / "saved.db"
    backup(engine, saved)
    with sqlite3.connect(saved) as db:  # one self-contained file, no log beside it
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    _add(engine, "After Ltd")
    other = make_engine(db_url)
    try:
        assert _names(other) == {"Before Ltd", "After Ltd"}
        restore(engine, saved, safety_folder=tmp_path / "kept")
        assert _names(other) == {"Before Ltd"}
        _add(other, "Written after")
    finally:
        other.dispose()
    assert _names(engine) == {"Before Ltd", "Written after"}
    engine.dispose()
    database = str(engine.url.database)
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def _refused(engine: Engine, source: Path, tmp_path: Path, reason: str) -> None:
    before = _names(engine)
    with pytest.raises(Invalid, match=reason) as refused:
        restore(engine, source, safety_folder=tmp_path / "kept")
    assert str(source) in str(refused.value) or "pg_restore" in str(refused.value)
    assert _names(engine) == before
    assert not (tmp_path / "kept").exists()  # refused before anything was done


def test_files_that_are_not_backups_change_nothing(engine: Engine, tmp_path: Path) -> None:
    _add(engine, "Kept Ltd")
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database at all\n" * 200)
    reason = "not a SQLite database" if engine.dialect.name == "sqlite" else "not a PostgreSQL"
    _refused(engine, junk, tmp_path, reason)
    _refused(engine, tmp_path / "missing.db", tmp_path, "no such file")
    stranger = tmp_path / "stranger.db"
    with sqlite3.connect(stranger) as db:
        db.execute("CREATE TABLE recipe (name TEXT)")
    if engine.dialect.name == "sqlite":
        _refused(engine, stranger, tmp_path, "not a Goodwill database")
        _refused(engine, Path(str(engine.url.database)), tmp_path, "the database itself")
    else:
        _refused(engine, stranger, tmp_path, "SQLite backup restores into SQLite only")


@SQLITE_ONLY
def test_a_backup_from_a_newer_version_is_refused(engine: Engine, tmp_path: Path) -> None:
    saved = tmp_path / "future.db"
    backup(engine, saved)
    with sqlite3.connect(saved) as db:
        db.execute("UPDATE alembic_version SET version_num = '0999'")
    _refused(engine, saved, tmp_path, r"its schema \(0999\) is newer")


@SQLITE_ONLY
def test_a_backup_from_an_older_version_is_brought_up_to_date(
    engine: Engine, tmp_path: Path
) -> None:
    old = tmp_path / "old.db"
    older = make_engine(f"sqlite:///{old}")
    try:
        config = schema.alembic_config()
        with older.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0009")
        _add(older, "Old Times Ltd")
    finally:
        older.dispose()
    done = restore(engine, old, safety_folder=tmp_path / "kept")
    assert done.revision_restored == "0009"
    assert schema.is_current(engine)
    assert _names(engine) == {"Old Times Ltd"}


def test_goodwill_restore_asks_first(configured: str, engine: Engine, tmp_path: Path) -> None:
    _add(engine, "Before Ltd")
    saved = tmp_path / "saved.backup"
    backup(engine, saved)
    _add(engine, "After Ltd")

    def run(*args: str, answer: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "goodwill", "restore", str(saved), *args],
            input=answer,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    declined = run(answer="n\n")
    assert declined.returncode == 1
    assert "Nothing was changed" in declined.stderr
    assert _names(engine) == {"Before Ltd", "After Ltd"}

    done = run("--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert '"ok": true' in done.stdout
    assert "before-restore-" in done.stdout
    assert _names(engine) == {"Before Ltd"}
