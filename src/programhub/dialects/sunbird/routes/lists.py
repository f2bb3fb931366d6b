"""`/list`: programs, programs not nominated by someone (forms A, D), or nominations with
their programs (forms B, C, E), through the response cache."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection

from programhub.core.auth import Principal
from programhub.core.clock import utcnow
from programhub.core.errors import Invalid
from programhub.core.listings.search import next_date_change
from programhub.dialects.sunbird import docs, queries
from programhub.dialects.sunbird.listquery import ListQuery
from programhub.dialects.sunbird.requests import ListRequest, SunbirdBody, parse_list, read_sunbird_body, request_body
from programhub.dialects.sunbird.responses import ok
from programhub.dialects.sunbird.routes.api import ROUTER_OPTIONS
from programhub.web.auth import KEY_SCHEMES, authenticate, secured_by
from programhub.web.body import BodyFault
from programhub.web.cache import Fresh, cache_of
from programhub.web.deps import store_of
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)


@dataclass(frozen=True, slots=True)
class AuthenticatedList:
    """The request's key, its body, and the query it asks for when it is a valid one."""

    principal: Principal
    body: SunbirdBody
    query: ListQuery | None

    def list_query(self) -> ListQuery:
        """The query, or the error naming what is wrong with the body."""
        return self.query if self.query is not None else parse_list(self.body.request())


@secured_by(*KEY_SCHEMES)
async def authenticated_list(request: Request) -> AuthenticatedList:
    """The body read and parsed, then the key looked up, also reading the versions a list of
    some users' nominations is cached under (one trip to the database, and on PostgreSQL to
    a thread, instead of two). A body that is not valid is refused only after the key is
    checked, as every route does. One dependency where FastAPI would solve five (the body,
    the cache, the key, the store, the cache again), each at a cost: the route serves most
    requests of the Sunbird API from the cache, and solving them was a third of a hit."""
    body = await read_sunbird_body(request)
    try:
        query: ListQuery | None = parse_list(body.request())
    except (BodyFault, Invalid):
        query = None
    # The versions are read only where an answer is kept under them.
    users = query.nominations_of if query is not None and cache_of(request).keeps_answers else None
    return AuthenticatedList(await authenticate(request, nomination_users=users), body, query)


@router.post(
    "/list",
    responses=docs.responses(docs.ListResult, statuses=(400, 401, 403, 405, 413, 500, 503)),
    openapi_extra=request_body(ListRequest),
)
async def list_programs(
    request: Request, listed: Annotated[AuthenticatedList, Depends(authenticated_list)]
) -> JSONResponse:
    """Programs, programs not nominated by someone (forms A, D), or nominations with their
    programs (forms B, C, E); `count` is the number of items on the page, as the reference."""
    query = listed.list_query()
    principal = listed.principal
    tenant = principal.tenant

    def build(conn: Connection) -> Fresh[bytes]:
        now = utcnow()
        total, items = queries.list_items(conn, tenant, query, now)
        result = orjson.dumps({"count": total, "programs": items})
        return Fresh(result, len(result), next_date_change(conn, tenant, query.programs, now))

    result = await cache_of(request).read(
        principal, ("sunbird.list", repr(query)), store_of(request), build, nominations_of=query.nominations_of
    )
    return ok(request, orjson.Fragment(result.body))
