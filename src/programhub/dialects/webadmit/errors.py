"""WebAdMIT's errors: 401/403 with an empty body; `{"errors": {"schema": [...]}}` for a
resource named in the request that is missing (404) or invalid (422); the legacy
`{"message": "Not Found"}` for an unknown path. Calls no route answers (unknown paths,
wrong methods) are counted against the key's rate limit like every other call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from programhub.core.admissions.answers import AnswerInvalid
from programhub.core.errors import Conflict, DomainError, Invalid, NotFound
from programhub.dialects.webadmit.ratelimit import count_if_authenticated, with_quota_headers
from programhub.web.dialect import DialectErrors
from programhub.web.problems import Problem, ProblemKind
from programhub.web.responses import JSONResponse

_LEGACY_MESSAGES = {
    ProblemKind.NOT_FOUND: "Not Found",
    ProblemKind.METHOD_NOT_ALLOWED: "Method Not Allowed",
    ProblemKind.PAYLOAD_TOO_LARGE: "Payload Too Large",
    ProblemKind.UNSUPPORTED_MEDIA_TYPE: "Unsupported Media Type",
    ProblemKind.UNAVAILABLE: "Service Unavailable",
    ProblemKind.INTERNAL: "Internal Server Error",
}


def schema_errors(status: int, *messages: str) -> JSONResponse:
    return JSONResponse({"errors": {"schema": list(messages)}}, status)


class FieldError(DomainError):
    """A refusal WebAdMIT reports under the field's own key, as its models do (422
    `{"errors": {"decision_id": ["..."]}}`), rather than under `schema`."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@contextmanager
def field_errors() -> Iterator[None]:
    """The core's refusals of a field (invalid, or already taken) as WebAdMIT's per-field
    errors."""
    try:
        yield
    except (Invalid, Conflict) as exc:
        if exc.field is None:
            raise
        raise FieldError(exc.field, exc.message) from None


class WebAdmitErrors(DialectErrors):
    async def before_unrouted(self, request: Request) -> None:
        """Count an unknown path or a wrong method when its key is valid, so that guessing
        paths is rate-limited too (past the limit the 429 is answered instead)."""
        await run_in_threadpool(count_if_authenticated, request)

    def http_error(self, request: Request, exc: HTTPException) -> Response:
        """Routing's 404 and 405, and the 429, carry the quota of a counted call."""
        return with_quota_headers(request, super().http_error(request, exc))

    def render(self, request: Request, problem: Problem) -> Response:
        if problem.kind in (ProblemKind.UNAUTHORIZED, ProblemKind.FORBIDDEN):
            return Response(status_code=problem.status)
        if problem.kind in _LEGACY_MESSAGES:
            return JSONResponse({"message": _LEGACY_MESSAGES[problem.kind]}, problem.status)
        return schema_errors(problem.status, problem.message)

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotFound):
            return schema_errors(404, f"{exc.kind} '{exc.identifier}' not found.")
        if isinstance(exc, FieldError | AnswerInvalid):
            return JSONResponse({"errors": {exc.key: [exc.message]}}, 422)
        return super().domain_error(request, exc)


ERRORS = WebAdmitErrors()
