"""Record's error body, `{"success": false, "code": "<CODE>", "message": "<sentence>"}`, and
the credential page's errors: Record's JSON when JSON was asked for, else an HTML page."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.core.errors import DomainError, NotFound
from programhub.core.idempotency.service import KeyReused
from programhub.dialects.record.requests import MISSING
from programhub.web.dialect import DialectErrors
from programhub.web.negotiation import wants_json
from programhub.web.pages import page
from programhub.web.problems import Problem, ProblemKind
from programhub.web.requests import RequestInvalid
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
    *(code for code, _message in MISSING.values()),
    "IDEMPOTENCY_CONFLICT",
)


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
        if isinstance(exc, RequestInvalid) and exc.kind == "missing" and exc.field in MISSING:
            return error_response(400, *MISSING[exc.field])
        if isinstance(exc, KeyReused):
            return error_response(409, "IDEMPOTENCY_CONFLICT", exc.message)
        if isinstance(exc, NotFound):
            return error_response(404, "NOT_FOUND", not_found_message(exc))
        return super().domain_error(request, exc)


ERRORS = RecordErrors()

# The credential page: never cached by a browser or proxy for someone else; the URL is the
# permission, so it is kept out of Referer (pages.SECURITY_HEADERS).
PAGE_HEADERS = {"Vary": "Accept", "Cache-Control": "private, no-cache"}
_TITLES = {
    ProblemKind.NOT_FOUND: "Credential not found",
    ProblemKind.UNAVAILABLE: "Temporarily unavailable",
    ProblemKind.RATE_LIMITED: "Too many requests",
}
NOT_FOUND_TEXT = "There is no credential at this address. Check that the link was copied completely."


def message_page(status: int, title: str, message: str) -> Response:
    return page("message.html", status=status, headers=PAGE_HEADERS, title=title, message=message)


def with_page_headers(response: Response) -> Response:
    response.headers.update({**PAGE_HEADERS, "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"})
    return response


class PageErrors(DialectErrors):
    """Failures on the credential page."""

    def render(self, request: Request, problem: Problem) -> Response:
        if wants_json(request.headers.get("accept")):
            return with_page_headers(ERRORS.render(request, problem))
        status, _code = CODES[problem.kind]
        message = NOT_FOUND_TEXT if problem.kind is ProblemKind.NOT_FOUND else problem.message
        return message_page(status, _TITLES.get(problem.kind, "Something went wrong"), message)

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if wants_json(request.headers.get("accept")):
            return with_page_headers(ERRORS.domain_error(request, exc))
        if isinstance(exc, NotFound):
            return message_page(404, _TITLES[ProblemKind.NOT_FOUND], NOT_FOUND_TEXT)
        return super().domain_error(request, exc)


PAGE_ERRORS = PageErrors()
