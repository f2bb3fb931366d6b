"""WebAdMIT's errors: 401/403 with an empty body; `{"errors": {"schema": [...]}}` for a
resource named in the request that is missing (404) or invalid (422); the legacy
`{"message": "Not Found"}` for an unknown path."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.core.errors import DomainError, NotFound
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


class WebAdmitErrors(DialectErrors):
    def render(self, request: Request, problem: Problem) -> Response:
        if problem.kind in (ProblemKind.UNAUTHORIZED, ProblemKind.FORBIDDEN):
            return Response(status_code=problem.status)
        if problem.kind in _LEGACY_MESSAGES:
            return JSONResponse({"message": _LEGACY_MESSAGES[problem.kind]}, problem.status)
        return schema_errors(problem.status, problem.message)

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotFound):
            return schema_errors(404, f"{exc.kind} '{exc.identifier}' not found.")
        return super().domain_error(request, exc)


ERRORS = WebAdmitErrors()
