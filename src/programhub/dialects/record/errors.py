"""Record's error body: `{"success": false, "code": "<CODE>", "message": "<sentence>"}`."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.core.errors import DomainError, Invalid, NotFound
from programhub.core.idempotency.service import KeyReused
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

# Every code a Record route can answer with (documented in the OpenAPI error schema).
ALL_CODES = (
    *sorted({code for _status, code in CODES.values()}),
    "MISSING_PROGRAM_ID",
    "MISSING_BATCH_NAME",
    "MISSING_RECIPIENTS",
    "IDEMPOTENCY_CONFLICT",
)


class Missing(Invalid):
    """A required field of an issue request is absent (or null, blank, an empty array):
    Record answers with a code of its own, `MISSING_<FIELD>`."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(field, message)
        self.code = code


def sentence(message: str) -> str:
    """Record's messages are sentences: end them with a full stop."""
    message = message.strip()
    return message if message.endswith((".", "!", "?")) else f"{message}."


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "code": code, "message": sentence(message)}, status)


def not_found_message(exc: NotFound) -> str:
    return f"{str(exc.kind).capitalize()} {exc.identifier} not found"


class RecordErrors(DialectErrors):
    def render(self, request: Request, problem: Problem) -> Response:
        status, code = CODES[problem.kind]
        return error_response(status, code, problem.message)

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, Missing):
            return error_response(400, exc.code, exc.message)
        if isinstance(exc, KeyReused):
            return error_response(409, "IDEMPOTENCY_CONFLICT", exc.message)
        if isinstance(exc, NotFound):
            return error_response(404, "NOT_FOUND", not_found_message(exc))
        return super().domain_error(request, exc)


ERRORS = RecordErrors()
