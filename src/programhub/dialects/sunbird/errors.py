"""Sunbird failures: the envelope with `params.status` "failed", an `err` code and a sentence."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.dialects.sunbird.envelope import api_id, envelope
from programhub.web.dialect import DialectErrors
from programhub.web.problems import Problem, ProblemKind
from programhub.web.responses import JSONResponse

# kind -> (HTTP status, responseCode, err)
CODES: dict[ProblemKind, tuple[int, str, str]] = {
    ProblemKind.UNAUTHORIZED: (401, "UNAUTHORIZED", "ERR_UNAUTHORIZED"),
    ProblemKind.FORBIDDEN: (403, "UNAUTHORIZED", "ERR_FORBIDDEN"),
    ProblemKind.NOT_FOUND: (404, "RESOURCE_NOT_FOUND", "ERR_NOT_FOUND"),
    ProblemKind.METHOD_NOT_ALLOWED: (405, "CLIENT_ERROR", "ERR_METHOD_NOT_ALLOWED"),
    ProblemKind.MALFORMED_BODY: (400, "CLIENT_ERROR", "ERR_INVALID_REQUEST"),
    ProblemKind.INVALID: (400, "CLIENT_ERROR", "ERR_INVALID_REQUEST"),
    ProblemKind.CONFLICT: (409, "CLIENT_ERROR", "ERR_CONFLICT"),
    ProblemKind.PAYLOAD_TOO_LARGE: (413, "CLIENT_ERROR", "ERR_PAYLOAD_TOO_LARGE"),
    ProblemKind.UNSUPPORTED_MEDIA_TYPE: (415, "CLIENT_ERROR", "ERR_UNSUPPORTED_MEDIA_TYPE"),
    ProblemKind.RATE_LIMITED: (429, "CLIENT_ERROR", "ERR_RATE_LIMITED"),
    ProblemKind.UNAVAILABLE: (503, "SERVER_ERROR", "ERR_SERVICE_UNAVAILABLE"),
    ProblemKind.INTERNAL: (500, "SERVER_ERROR", "ERR_INTERNAL"),
}


class SunbirdErrors(DialectErrors):
    def render(self, request: Request, problem: Problem) -> Response:
        status, response_code, err = CODES[problem.kind]
        msgid = getattr(request.state, "msgid", None)
        body = envelope(
            api_id(request.url.path), {}, msgid=msgid, err=err, errmsg=problem.message, response_code=response_code
        )
        return JSONResponse(body, status)


ERRORS = SunbirdErrors()
