"""Sunbird failures: the envelope with `params.status` "failed", an `err` code specific to
the route and the failure, and a sentence naming the field. Never SQL, never a trace."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.core.errors import Conflict, DomainError, NotFound
from programhub.dialects.sunbird.requests import note_msgid
from programhub.dialects.sunbird.responses import api_id, envelope, msgid_of
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

# A bad request names the route's data, as the reference service's codes do.
REQUEST_ERRORS: dict[str, str] = {
    "api.program.create": "ERR_CREATE_PROGRAM_DATA",
    "api.program.read": "ERR_GET_PROGRAM_DATA",
    "api.program.update": "ERR_UPDATE_PROGRAM_DATA",
    "api.program.publish": "ERR_PUBLISH_PROGRAM_DATA",
    "api.program.unlist": "ERR_UNLIST_PROGRAM_DATA",
    "api.program.delete": "ERR_DELETE_PROGRAM_DATA",
    "api.program.list": "ERR_LIST_PROGRAM_DATA",
    "api.nomination.add": "ERR_CREATE_NOMINATION_DATA",
    "api.nomination.update": "ERR_UPDATE_NOMINATION_DATA",
    "api.nomination.remove": "ERR_REMOVE_NOMINATION_DATA",
    "api.nomination.list": "ERR_GET_NOMINATION_LIST",
    "api.program.list.download": "ERR_GENERATE_PROGRAM_DETAILS",
    "api.nomination.list.download": "ERR_DOWNLOAD_NOMINATION_LIST",
    "api.program.tenant.list": "ERR_PROGRAMCOUNTS_BYORG",
    "api.configuration.search": "ERR_CONFIGURATION_SEARCH",
    "api.preference.create": "ERR_SET_USER_PREFERENCE",
    "api.preference.update": "ERR_SET_USER_PREFERENCE",
    "api.preference.read": "ERR_GET_USER_PREFERENCE",
}
NOT_FOUND_ERRORS = {"program": "ERR_PROGRAM_NOT_FOUND", "nomination": "ERR_NOMINATION_NOT_FOUND"}
# Conflicts, by the field they are about.
CONFLICT_ERRORS = {
    "organisation_id": "ERR_NOMINATION_EXISTS",
    "user_id": "ERR_NOMINATION_EXISTS",
    "program_id": "ERR_PROGRAM_RETIRED",
}


class SunbirdErrors(DialectErrors):
    async def before_unrouted(self, request: Request) -> None:
        if msgid_of(request) is None:
            await note_msgid(request)  # echoed on 404 and 405 as on every answer

    def render(self, request: Request, problem: Problem, err: str | None = None) -> Response:
        status, response_code, default_err = CODES[problem.kind]
        api = api_id(request.url.path)
        if err is None and problem.kind in (ProblemKind.INVALID, ProblemKind.MALFORMED_BODY):
            err = REQUEST_ERRORS.get(api)
        body = envelope(
            api,
            {},
            msgid=msgid_of(request),
            err=err or default_err,
            errmsg=problem.message,
            response_code=response_code,
        )
        return JSONResponse(body, status)

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotFound):
            problem = Problem(ProblemKind.NOT_FOUND, f"{exc.kind.capitalize()} {exc.identifier} not found.")
            return self.render(request, problem, NOT_FOUND_ERRORS.get(exc.kind))
        if isinstance(exc, Conflict):
            err = CONFLICT_ERRORS.get(exc.field or "", "ERR_CONFLICT")
            return self.render(request, Problem(ProblemKind.CONFLICT, exc.message, exc.field), err)
        return super().domain_error(request, exc)


ERRORS = SunbirdErrors()
