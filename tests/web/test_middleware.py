"""The front door: a bounded number of requests inside the app at once, headers on every
response."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import httpx2
from starlette.types import Receive, Scope, Send

from goodwill.web.middleware import FrontDoor

T = TypeVar("T")


def run_apart(main: Callable[[], Coroutine[object, object, T]]) -> T:
    """Run on a loop of its own thread: in a test process where Playwright runs, the test
    thread's loop is taken."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(main())).result(timeout=60)


def test_only_the_limit_of_requests_is_inside_at_once_and_none_is_lost() -> None:
    inside = 0
    most = 0

    async def slow_app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)  # a page being made
        inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    door = FrontDoor(slow_app, limit=3, headers={"X-Frame-Options": "DENY"}, static_prefix="/s/")

    async def run() -> list[httpx2.Response]:
        transport = httpx2.ASGITransport(app=door)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            return await asyncio.gather(*(client.get(f"/p{i}") for i in range(20)))

    answers = run_apart(run)
    assert [a.status_code for a in answers] == [200] * 20
    assert most == 3  # the other 17 waited at the door, and every one got in
    assert all(a.headers["x-frame-options"] == "DENY" for a in answers)
    assert all(a.headers["cache-control"] == "no-store" for a in answers)


def test_a_response_keeps_its_own_headers_and_static_files_are_cached() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"x-frame-options", b"SAMEORIGIN")] if scope["path"] == "/own" else []
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    door = FrontDoor(app, limit=1, headers={"X-Frame-Options": "DENY"}, static_prefix="/s/")

    async def run() -> tuple[httpx2.Response, httpx2.Response]:
        transport = httpx2.ASGITransport(app=door)
        async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/own"), await client.get("/s/app.css")

    own, static = run_apart(run)
    assert own.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert static.headers["cache-control"] == "public, max-age=86400"
    assert static.headers["x-frame-options"] == "DENY"
