"""Canvas Catalog's error body, the Canvas family's `{"errors": [{"message": "..."}]}`,
with `field` (the request's own field name) on the item when one field is at fault.

A conflict about one field (a listing path already taken) is a validation failure in
Catalog, 422; a listing other programs require answers 409 naming them."""

from __future__ import annotations

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from programhub.core.errors import Conflict, DomainError
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

    def http_error(self, request: Request, exc: HTTPException) -> Response:
        response = super().http_error(request, exc)
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    def domain_error(self, request: Request, exc: DomainError) -> Response:
        if isinstance(exc, Conflict) and exc.field is not None:
            return self.render(request, Problem(ProblemKind.INVALID, exc.message, exc.field))
        return super().domain_error(request, exc)


def allowed_methods(request: Request) -> list[str]:
    """Every method a Catalog route answers on this path (RFC 9110 wants them in the
    `Allow` header of a 405; Starlette names none)."""
    from programhub.dialects.catalog import catalog_routes, listing_routes  # they import this module
    from programhub.dialects.catalog.routes import PREFIX

    path = request.url.path.removeprefix(PREFIX)
    methods: set[str] = set()
    for route in (*listing_routes.router.routes, *catalog_routes.router.routes):
        if isinstance(route, Route) and route.methods and route.path_regex.match(path):
            methods |= route.methods
    return sorted(methods)


ERRORS = CatalogErrors()
