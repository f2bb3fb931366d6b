"""Canvas Catalog's error body: `{"errors": [{"message": "..."}]}`, plus `field` on field errors."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from programhub.web.dialect import DialectErrors
from programhub.web.problems import Problem
from programhub.web.responses import JSONResponse


class CatalogErrors(DialectErrors):
    def render(self, request: Request, problem: Problem) -> Response:
        item: dict[str, str] = {"message": problem.message}
        if problem.field:
            item["field"] = problem.field
        return JSONResponse({"errors": [item]}, problem.status)


ERRORS = CatalogErrors()
