"""What the issuance API's routes share: their router settings and the request reader."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from programhub.dialects.record import docs
from programhub.dialects.record.errors import ERRORS
from programhub.dialects.record.responses import PREFIX
from programhub.web.body import WhenEmpty, read_body
from programhub.web.dialect import dialect_route_class
from programhub.web.requests import parse

ROUTER_OPTIONS: dict[str, Any] = {"prefix": PREFIX, "route_class": dialect_route_class(ERRORS), "tags": ["Record"]}
READ_ERRORS = docs.error_responses(401, 403, 503)
WRITE_ERRORS = docs.error_responses(400, 401, 403, 404, 409, 413, 503)


async def _body(request: Request) -> Any:
    return await read_body(request)  # JSON whatever the Content-Type; empty is refused


async def _any_body(request: Request) -> Any:
    return await read_body(request, object_only=False)  # an array too (bulk revoke)


async def _optional_body(request: Request) -> Any:
    return await read_body(request, when_empty=WhenEmpty.EMPTY_OBJECT)  # no body: no fields


JsonBody = Annotated[Any, Depends(_body)]
AnyJsonBody = Annotated[Any, Depends(_any_body)]
OptionalJsonBody = Annotated[Any, Depends(_optional_body)]

__all__ = ["READ_ERRORS", "ROUTER_OPTIONS", "WRITE_ERRORS", "AnyJsonBody", "JsonBody", "OptionalJsonBody", "parse"]
