"""Pure ASGI middleware (no per-request task overhead): lenient routing and the body-size
limit (the access log, request ids and metrics are in observability.py)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from programhub.web.dialect import Dialect
from programhub.web.errors import errors_for_path
from programhub.web.problems import BodyTooLarge, Problem, ProblemKind


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
