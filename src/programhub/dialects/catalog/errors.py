"""Canvas Catalog's error body, the Canvas family's `{"errors": [{"message": "..."}]}`,
with `field` (the request's own field name) on the item when one field is at fault.

A listing path already taken is a validation failure in Catalog (422, field `path`), not a
conflict; a listing other programs require answers 409 naming them."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.core.errors import Conflict, DomainError, Invalid
from programhub.dialects.catalog.schemas import WIRE_NAMES
from programhub.web.dialect import DialectErrors
from programhub.web.problems import Problem, ProblemKind
from programhub.web.responses import JSONResponse

NOT_FOUND = "The specified resource does not exist."


def wire_field(field: str | None) -> str | None:
    """The core's field name as the request called it (`listing_path` -> `path`)."""
    return None if field is None else WIRE_NAMES.get(field, field)


class CatalogErrors(DialectErrors):
    def render(self, request: Request, problem: Problem) -> Response:
        message = NOT_FOUND if problem.kind is ProblemKind.NOT_FOUND else problem.message
        item: dict[str, str] = {"message": message}
        if problem.field:
            item["field"] = problem.field
        return JSONResponse({"errors": [item]}, problem.status)

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, Invalid) or (isinstance(exc, Conflict) and exc.field is not None):
            field = wire_field(exc.field)
            message = exc.message
            if exc.field and field != exc.field:
                message = message.replace(exc.field, field or exc.field, 1)
            return self.render(request, Problem(ProblemKind.INVALID, message, field))
        return super().domain_error(request, exc)


ERRORS = CatalogErrors()
