"""Pure ASGI middleware (no per-request task overhead): body-size limit and access log."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from programhub.web.dialect import Dialect
from programhub.web.errors import errors_for_path
from programhub.web.problems import BodyTooLarge, Problem, ProblemKind

access_log = logging.getLogger("programhub.access")


class BodyLimitMiddleware:
    """Refuse bodies over `max_bytes` with 413 before anything parses them: at once when
    Content-Length says so, otherwise as soon as the streamed body passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, dialects: Sequence[Dialect]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.dialects = dialects

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited_receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        errors = errors_for_path(self.dialects, request.url.path)
        response = errors.render(request, Problem(ProblemKind.PAYLOAD_TOO_LARGE, "The request body is too large."))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class AccessLogMiddleware:
    """One JSON line per request: method, path, status, duration, organisation.
    Never headers, query strings or bodies, so a key cannot end up in the log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                state = scope.get("state") or {}
                line = {
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "org": state.get("org"),
                }
                access_log.info(orjson.dumps(line).decode())
