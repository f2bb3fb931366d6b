"""What bounds each request's cost in time and concurrency (docs/security.md, "Bounds"):

- at most `max_in_flight` requests are served at once per process; past it a request is
  answered 503 at once, in the envelope of the dialect that owns its path (health checks
  and metrics excepted: they cost nothing, and must tell the truth under load);
- every request has a deadline, `request_timeout` seconds from when its head was read, that
  covers all of it: time queued for a worker thread, for a database connection or SQLite's
  write lock (store/liveness.py bounds those waits by what is left of it), and the work
  itself. Past it the answer is 503 in the dialect's envelope (a write still waiting to
  commit is rolled back, store/engine.py); a thread still running is left to finish, its
  answer dropped;
- while the database is known to be down (`Circuit`), a request that needs it is answered
  503 at once instead of queuing behind requests that wait for it.

Connections themselves (head size, header and keep-alive timeouts, connection cap) are
bounded in `web/server.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from programhub.store import Store, liveness
from programhub.web.dialect import Dialect
from programhub.web.errors import errors_for_path
from programhub.web.middleware import HttpMiddleware
from programhub.web.problems import Problem, ProblemKind

UNAVAILABLE = "The service is temporarily unavailable; try again shortly."
# Paths answered without the database, or with a bounded look at it (/readyz says itself
# that it is down): never refused because it is down or the process is busy, so that health
# checks tell the truth under load.
WITHOUT_DATABASE = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect"})


class RequestBoundsMiddleware(HttpMiddleware):
    def __init__(
        self, app: ASGIApp, *, timeout: float, max_in_flight: int, store: Store, dialects: Sequence[Dialect]
    ) -> None:
        super().__init__(app)
        self.timeout = timeout
        self.max_in_flight = max_in_flight
        self.store = store
        self.dialects = dialects
        self.in_flight = 0

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        needs_database = (scope["path"].rstrip("/") or "/") not in WITHOUT_DATABASE
        if needs_database and self.in_flight >= self.max_in_flight:
            await self._unavailable(scope, receive, send, retry_after=1)
            return
        if needs_database and self.store.circuit.known_down():
            await self._unavailable(scope, receive, send, retry_after=liveness.COOL_DOWN, read_first=True)
            return
        self.in_flight += 1
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        timer = asyncio.timeout(self.timeout)
        try:
            with liveness.deadline(self.timeout):
                async with timer:
                    await self.app(scope, receive, send_noting_start)
        except TimeoutError:
            if not timer.expired() or started:
                raise  # not ours, or half an answer went out: the server closes the connection
            await self._unavailable(scope, receive, send, retry_after=1)
        finally:
            self.in_flight -= 1

    async def _unavailable(
        self, scope: Scope, receive: Receive, send: Send, *, retry_after: float, read_first: bool = False
    ) -> None:
        request = Request(scope, receive)
        errors = errors_for_path(self.dialects, request.url.path)
        if read_first:  # what the envelope echoes from the body (Sunbird's msgid), within the deadline
            # The answer is 503 whatever the hook meets: WebAdMIT's counts the call, which
            # needs the database this answer says is away.
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.timeout):
                    await errors.before_unrouted(request)
        response = errors.render(request, Problem(ProblemKind.UNAVAILABLE, UNAVAILABLE))
        response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        await response(scope, receive, send)
