"""A page that only reads does not queue for SQLite's write lock (WAL readers run side by side)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy.engine import make_url

from goodwill.config import get_settings
from goodwill.db import reset_engine
from tests.web.conftest import Client


def test_pages_read_while_another_writer_holds_the_lock(
    client_as: Callable[[str], Client], configured: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not configured.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's: PostgreSQL readers never wait for writers")
    member = client_as("member")
    member.get("/today")  # the day's plans are made: the next look only reads
    # Anyone who asked for the write lock now would give up after a tenth of a second.
    monkeypatch.setenv("GOODWILL_SQLITE_BUSY_TIMEOUT_MS", "100")
    get_settings.cache_clear()
    reset_engine()
    writer = sqlite3.connect(str(make_url(configured).database), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
        assert member.get("/today").status_code == 200
        assert member.get("/accounts?q=a").status_code == 200
        # A change does need the lock: it waits, then fails cleanly (and changes nothing).
        refused = member.form_post("/signout", follow_redirects=False)
        assert refused.status_code == 503
        assert "try again" in refused.text
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert member.get("/today").status_code == 200
