"""`/list`: programs, programs not nominated by someone (forms A, D), or nominations with
their programs (forms B, C, E), through the response cache."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import Connection

from programhub.core.clock import utcnow
from programhub.core.listings.search import next_date_change
from programhub.dialects.sunbird import docs, queries
from programhub.dialects.sunbird.requests import Body, ListRequest, parse_list, request_body
from programhub.dialects.sunbird.responses import ok
from programhub.dialects.sunbird.routes.api import ROUTER_OPTIONS
from programhub.web.auth import Authenticated
from programhub.web.cache import CacheDep, Fresh
from programhub.web.deps import StoreDep
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)


@router.post(
    "/list",
    responses=docs.responses(docs.ListResult, statuses=(400, 401, 403, 405, 413, 500, 503)),
    openapi_extra=request_body(ListRequest),
)
async def list_programs(
    request: Request, body: Body, principal: Authenticated, store: StoreDep, cache: CacheDep
) -> JSONResponse:
    """Programs, programs not nominated by someone (forms A, D), or nominations with their
    programs (forms B, C, E); `count` is the number of items on the page, as the reference."""
    query = parse_list(body.request())
    tenant = principal.tenant

    def build(conn: Connection) -> Fresh[bytes]:
        now = utcnow()
        total, items = queries.list_items(conn, tenant, query, now)
        result = orjson.dumps({"count": total, "programs": items})
        return Fresh(result, len(result), next_date_change(conn, tenant, query.programs, now))

    result = await cache.read(
        principal, ("sunbird.list", repr(query)), store, build, nominations_of=query.nominations_of
    )
    return ok(request, orjson.Fragment(result.body))
