"""Pure ASGI middleware (no per-request task overhead): lenient routing, body-size limit and
access log."""

from __future__ import annotations

import logging
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from programhub.core.clock import utcnow
from programhub.web.dialect import Dialect
from programhub.web.errors import errors_for_path
from programhub.web.formats import iso_millis
from programhub.web.problems import BodyTooLarge, Problem, ProblemKind

access_log = logging.getLogger("programhub.access")


class HttpMiddleware(ABC):
    """Middleware for HTTP requests; other scopes (lifespan) pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request."""


class LenientRoutingMiddleware(HttpMiddleware):
    """What clients of Rails and Express services count on, since those frameworks do it:
    a trailing slash is ignored (`/api/v1/programs/` is `/api/v1/programs`, never a
    redirect), and HEAD is answered as GET is, without the body."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if len(path) > 1 and path.endswith("/"):
            scope = {**scope, "path": path.rstrip("/") or "/"}
            if scope.get("raw_path"):
                scope["raw_path"] = scope["raw_path"].rstrip(b"/") or b"/"
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET"}
            send = _without_body(send)
        await self.app(scope, receive, send)


def _without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_headers_only


class BodyLimitMiddleware(HttpMiddleware):
    """Refuse bodies over `max_bytes` with 413 before anything parses them: at once when
    Content-Length says so, otherwise as soon as the streamed body passes the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int, dialects: Sequence[Dialect]) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes
        self.dialects = dialects

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
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


# A key pasted into a URL path by mistake must not reach the log either.
_SECRET_IN_PATH = re.compile(r"(sk_(?:test|live)_)[A-Za-z0-9]+")


class AccessLogMiddleware(HttpMiddleware):
    """One JSON line per request: time, method, path, status, duration, organisation.
    Never headers, query strings or bodies, and key-shaped path segments are masked, so a
    key cannot end up in the log."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started_at = iso_millis(utcnow())
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
                    "time": started_at,
                    "method": scope["method"],
                    "path": _SECRET_IN_PATH.sub(r"\1…", scope["path"]),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "org": state.get("org"),
                }
                access_log.info(orjson.dumps(line).decode())
