"""`/list`: programs, programs not nominated by someone (forms A, D), or nominations with
their programs (forms B, C, E), through the response cache."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection

from programhub.core.clock import utcnow
from programhub.core.errors import Invalid
from programhub.core.listings.search import next_date_change
from programhub.dialects.sunbird import docs, queries
from programhub.dialects.sunbird.listquery import ListQuery
from programhub.dialects.sunbird.requests import Body, ListRequest, SunbirdBody, parse_list, request_body
from programhub.dialects.sunbird.responses import ok
from programhub.dialects.sunbird.routes.api import ROUTER_OPTIONS
from programhub.web.auth import Authenticated, read_nomination_versions
from programhub.web.body import BodyFault
from programhub.web.cache import CacheDep, Fresh
from programhub.web.deps import StoreDep
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)


@dataclass(frozen=True, slots=True)
class ListBody:
    """The body, and the query it asks for when it is a valid one."""

    body: SunbirdBody
    query: ListQuery | None

    def list_query(self) -> ListQuery:
        """The query, or the error naming what is wrong with the body."""
        return self.query if self.query is not None else parse_list(self.body.request())


async def read_list_body(request: Request, body: Body, cache: CacheDep) -> ListBody:
    """The body read and parsed before the key is looked up, so that the lookup also reads
    the versions a list of some users' nominations is cached under (one trip to the
    database, and on PostgreSQL to a thread, instead of two). A body that is not valid is
    refused only after the key is checked, as every route does."""
    try:
        query = parse_list(body.request())
    except (BodyFault, Invalid):
        return ListBody(body, None)
    if cache.keeps_answers:
        read_nomination_versions(request, query.nominations_of)
    return ListBody(body, query)


@router.post(
    "/list",
    responses=docs.responses(docs.ListResult, statuses=(400, 401, 403, 405, 413, 500, 503)),
    openapi_extra=request_body(ListRequest),
)
async def list_programs(
    request: Request,
    body: Annotated[ListBody, Depends(read_list_body)],
    principal: Authenticated,
    store: StoreDep,
    cache: CacheDep,
) -> JSONResponse:
    """Programs, programs not nominated by someone (forms A, D), or nominations with their
    programs (forms B, C, E); `count` is the number of items on the page, as the reference."""
    query = body.list_query()
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
