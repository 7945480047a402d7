"""A page that only reads does not queue for SQLite's write lock (WAL readers run side by side)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy.engine import Engine, make_url

from goodwill import db
from goodwill.config import get_settings
from goodwill.db import reset_engine
from tests.web.conftest import Client, Person, csrf_of


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


def test_more_requests_at_once_than_database_connections_all_finish(
    live_server: str, team: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sixty requests at once against a pool of two connections: none may hang.

    Database work in an async dependency once ran on the event loop; when every pooled
    connection was held by a request waiting for the loop, the server stopped for good.
    Later, with more requests at once than the thread pool's 40 threads, the threads all
    waited for a connection while the requests holding the connections waited for a thread,
    until the pool's timeout failed them (goodwill.web.middleware now lets only a few in).
    """
    import asyncio

    import httpx2

    # A plain-http client keeps no Secure cookie (browsers make an exception for localhost).
    monkeypatch.setenv("GOODWILL_COOKIE_SECURE", "false")
    get_settings.cache_clear()
    # Two connections in the pool make the old hang certain, not a matter of timing.
    make_engine = db.make_engine

    def small_pool(url: str | None = None, **kwargs: Any) -> Engine:
        return make_engine(url, pool_size=2, max_overflow=0, pool_timeout=10, **kwargs)

    monkeypatch.setattr(db, "make_engine", small_pool)
    reset_engine()

    async def run() -> list[int]:
        async with httpx2.AsyncClient(base_url=live_server, timeout=60, follow_redirects=True) as c:
            form = await c.get("/signin")
            signed = await c.post(
                "/signin",
                data={
                    "email": team["member"].email,
                    "password": team["member"].password,
                    "csrf_token": csrf_of(form.text),
                },
            )
            assert signed.status_code == 200
            assert "Mia Member" in signed.text
            answers = await asyncio.gather(*(c.get("/today") for _ in range(60)))
            return [a.status_code for a in answers]

    # Its own thread: in a test process where Playwright runs, this thread's loop is taken.
    with ThreadPoolExecutor(max_workers=1) as pool:
        answers = pool.submit(lambda: asyncio.run(run())).result(timeout=300)
    assert answers == [200] * 60
