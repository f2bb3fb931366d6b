"""Record's error body: `{"success": false, "code": "<CODE>", "message": "<sentence>"}`."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.web.dialect import DialectErrors
from programhub.web.problems import Problem, ProblemKind
from programhub.web.responses import JSONResponse

CODES: dict[ProblemKind, tuple[int, str]] = {
    ProblemKind.UNAUTHORIZED: (401, "UNAUTHORIZED"),
    ProblemKind.FORBIDDEN: (403, "FORBIDDEN"),
    ProblemKind.NOT_FOUND: (404, "NOT_FOUND"),
    ProblemKind.METHOD_NOT_ALLOWED: (405, "METHOD_NOT_ALLOWED"),
    ProblemKind.MALFORMED_BODY: (400, "VALIDATION_ERROR"),
    ProblemKind.INVALID: (400, "VALIDATION_ERROR"),
    ProblemKind.CONFLICT: (409, "CONFLICT"),
    ProblemKind.PAYLOAD_TOO_LARGE: (413, "PAYLOAD_TOO_LARGE"),
    ProblemKind.UNSUPPORTED_MEDIA_TYPE: (415, "UNSUPPORTED_MEDIA_TYPE"),
    ProblemKind.RATE_LIMITED: (429, "RATE_LIMITED"),
    ProblemKind.UNAVAILABLE: (503, "SERVICE_UNAVAILABLE"),
    ProblemKind.INTERNAL: (500, "INTERNAL_ERROR"),
}


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "code": code, "message": message}, status)


class RecordErrors(DialectErrors):
    def render(self, request: Request, problem: Problem) -> Response:
        status, code = CODES[problem.kind]
        return error_response(status, code, problem.message)


ERRORS = RecordErrors()
