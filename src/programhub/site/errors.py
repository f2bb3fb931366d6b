"""Failures on the site's pages (the public catalog and the console), answered as pages:
never a JSON envelope, never a traceback."""

from __future__ import annotations

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from programhub.core.errors import DomainError, NotFound
from programhub.web.dialect import DialectErrors
from programhub.web.pages import page
from programhub.web.problems import STATUS, Problem, ProblemKind

NO_STORE = {"Cache-Control": "no-store"}
CLEARED_COOKIE, CLEARED_PATH = "programhub_console", "/console"  # site/session.py
_TITLES = {
    ProblemKind.NOT_FOUND: "Page not found",
    ProblemKind.RATE_LIMITED: "Too many requests",
    ProblemKind.UNAVAILABLE: "Temporarily unavailable",
    ProblemKind.FORBIDDEN: "Not allowed",
    ProblemKind.INVALID: "That did not work",
    ProblemKind.METHOD_NOT_ALLOWED: "Not allowed",
}
NOT_FOUND_TEXT = "There is nothing at this address. Check that the link was copied completely."


def message_page(status: int, title: str, message: str) -> Response:
    return page("message.html", status=status, headers=NO_STORE, title=title, message=message)


class SiteErrors(DialectErrors):
    def render(self, request: Request, problem: Problem) -> Response:
        message = NOT_FOUND_TEXT if problem.kind is ProblemKind.NOT_FOUND else problem.message
        return message_page(STATUS[problem.kind], _TITLES.get(problem.kind, "Something went wrong"), message)

    def http_error(self, request: Request, exc: HTTPException) -> Response:
        """A redirect raised on the way (to the console's sign-in) is answered as one; the
        header `X-Console-Clear` asks to forget the console's session with it."""
        if 300 <= exc.status_code < 400:
            headers = dict(exc.headers or {})
            clear = headers.pop("X-Console-Clear", None)
            response = RedirectResponse(headers.pop("Location"), exc.status_code, headers={**NO_STORE, **headers})
            if clear:
                response.delete_cookie(CLEARED_COOKIE, path=CLEARED_PATH, httponly=True, samesite="strict")
            return response
        return super().http_error(request, exc)

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotFound):  # never say which of its parts was missing
            return message_page(404, _TITLES[ProblemKind.NOT_FOUND], NOT_FOUND_TEXT)
        return super().domain_error(request, exc)


SITE_ERRORS = SiteErrors()
