"""Failures on the site's pages (the public catalog and the console), answered as pages:
never a JSON envelope, never a traceback."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.core.errors import DomainError, NotFound
from programhub.web.dialect import DialectErrors
from programhub.web.pages import page
from programhub.web.problems import STATUS, Problem, ProblemKind

NO_STORE = {"Cache-Control": "no-store"}
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

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotFound):  # never say which of its parts was missing
            return message_page(404, _TITLES[ProblemKind.NOT_FOUND], NOT_FOUND_TEXT)
        return super().domain_error(request, exc)


SITE_ERRORS = SiteErrors()
