"""The app's front door: how many requests a worker serves at once, and the headers every
response carries.

Both are plain ASGI middleware. Starlette's ``BaseHTTPMiddleware`` runs every request in an
extra task with its own streams, which cost more than serving the static favicon itself.

Why a limit: the pages run in a thread pool (40 threads) and each holds a database
connection from the pool (15) until its response is sent. Fifty requests at once could fill
the threads with requests waiting for a connection while the requests holding connections
waited for a thread: the worker stood still until the pool's 30 s timeout. Requests beyond
the limit now wait here, holding neither. Fewer requests at once in one process also means
less time lost switching the GIL between them (see docs/benchmarks.md, Web).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class FrontDoor:
    """At most ``limit`` HTTP requests inside the app at once (the rest queue, first come
    first served); ``headers`` set on every response that does not set them itself, and a
    cache policy: static files for a day, everything else never stored."""

    def __init__(
        self, app: ASGIApp, *, limit: int, headers: Mapping[str, str], static_prefix: str
    ) -> None:
        self.app = app
        self.limit = limit
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.static_prefix = static_prefix
        # One semaphore per event loop (tests start several loops in one process).
        self._doors: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._doors = weakref.WeakKeyDictionary()

    def _door(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        door = self._doors.get(loop)
        if door is None:
            door = self._doors[loop] = asyncio.Semaphore(self.limit)
        return door

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(self.static_prefix)
        cache = b"public, max-age=86400" if static else b"no-store"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.headers if h[0] not in present)
                if b"cache-control" not in present:
                    headers.append((b"cache-control", cache))
                message = {**message, "headers": headers}
            await send(message)

        async with self._door():
            await self.app(scope, receive, send_with_headers)
