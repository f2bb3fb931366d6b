"""App-level error routing: failures outside any route (unknown path, wrong method, body
too large) are answered in the envelope of the dialect that owns the path prefix."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from programhub.web.dialect import Dialect, DialectErrors, render_exception
from programhub.web.problems import Problem
from programhub.web.responses import JSONResponse


class NeutralErrors(DialectErrors):
    """For paths no dialect owns (health checks, unknown paths outside every prefix)."""

    def render(self, request: Request, problem: Problem) -> Response:
        return JSONResponse({"error": {"code": problem.kind.value, "message": problem.message}}, problem.status)


NEUTRAL = NeutralErrors()


def errors_for_path(dialects: Sequence[Dialect], path: str) -> DialectErrors:
    best: tuple[int, DialectErrors] = (-1, NEUTRAL)
    for dialect in dialects:
        for prefix, errors in dialect.error_prefixes():
            if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > best[0]:
                best = (len(prefix), errors)
    return best[1]


def install_error_handlers(app: FastAPI, dialects: Sequence[Dialect]) -> None:
    async def handle(request: Request, exc: Exception) -> Response:
        errors = errors_for_path(dialects, request.url.path)
        if isinstance(exc, HTTPException):  # raised by routing: no route read the request
            try:
                await errors.before_unrouted(request)
            except Exception as refused:  # noqa: BLE001 - the dialect's refusal is the answer
                exc = refused
        return render_exception(errors, request, exc)

    app.add_exception_handler(HTTPException, handle)
    app.add_exception_handler(RequestValidationError, handle)
    app.add_exception_handler(Exception, handle)
