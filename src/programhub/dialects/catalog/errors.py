"""Canvas Catalog's error body, the Canvas family's `{"errors": [{"message": "..."}]}`,
with `field` (the request's own field name) on the item when one field is at fault.

A conflict about one field (a listing path already taken) is a validation failure in
Catalog, 422; a listing other programs require answers 409 naming them, and so does an
Idempotency-Key used before with another request."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.core.errors import Conflict, DomainError
from programhub.core.idempotency.service import KeyReused
from programhub.core.listings.tree import TooLarge
from programhub.web.dialect import DialectErrors
from programhub.web.problems import Problem, ProblemKind
from programhub.web.responses import JSONResponse

NOT_FOUND = "The specified resource does not exist."


class CatalogErrors(DialectErrors):
    def render(self, request: Request, problem: Problem) -> Response:
        message = NOT_FOUND if problem.kind is ProblemKind.NOT_FOUND else problem.message
        item: dict[str, str] = {"message": message}
        if problem.field:
            item["field"] = problem.field
        return JSONResponse({"errors": [item]}, problem.status)

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, TooLarge):
            advice = (
                f"ask for fewer per page: per_page={exc.fitting} fits"
                if exc.fitting
                else "this tree is too large to answer whole"
            )
            return self.render(request, Problem(ProblemKind.INVALID, f"{exc.message}; {advice}", "per_page"))
        if isinstance(exc, KeyReused):  # a clash with an earlier request, not a bad value: 409
            return self.render(request, Problem(ProblemKind.CONFLICT, exc.message, exc.field))
        if isinstance(exc, Conflict) and exc.field is not None:
            return self.render(request, Problem(ProblemKind.INVALID, exc.message, exc.field))
        return super().domain_error(request, exc)


ERRORS = CatalogErrors()
