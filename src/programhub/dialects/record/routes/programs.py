"""Programmes: every programme of the key's organisation and mode, whichever API made it."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core.errors import NotFound
from programhub.core.listings import service as listings
from programhub.dialects.record import docs, queries
from programhub.dialects.record.requests import ProgramRequest
from programhub.dialects.record.responses import envelope, ok
from programhub.dialects.record.routes.api import READ_ERRORS, ROUTER_OPTIONS, WRITE_ERRORS, JsonBody, parse
from programhub.web.auth import Authenticated
from programhub.web.cache import CacheDep
from programhub.web.deps import StoreDep
from programhub.web.idempotency import IdempotencyKey, write_once
from programhub.web.ids import possible_id
from programhub.web.requests import request_body

router = APIRouter(**ROUTER_OPTIONS)


@router.get(
    "/programs",
    summary="List programmes",
    description="Every programme of the key's organisation and mode, newest first (retired ones left out).",
    responses={200: {"model": docs.RecordProgramsResponse}, **READ_ERRORS},
)
async def list_programs(principal: Authenticated, store: StoreDep, cache: CacheDep) -> Response:
    def build(conn: Connection) -> bytes:
        return orjson.dumps(envelope("Programs fetched successfully", queries.program_list(conn, principal.tenant)))

    return await cache.read(principal, "record.programs", store, build)


@router.get(
    "/programs/{programId}",
    summary="Get a programme",
    description="One programme by id, retired ones included.",
    responses={200: {"model": docs.RecordProgramResponse}, **READ_ERRORS, **docs.error_responses(404)},
)
def get_program(programId: str, principal: Authenticated, store: StoreDep) -> Response:  # noqa: N803 - wire name
    possible_id("program", programId)
    with store.read() as conn:
        program = queries.program(conn, principal.tenant, public_id=programId)
    if program is None:
        raise NotFound("program", programId)
    return ok("Program fetched successfully", program)


@router.post(
    "/programs",
    status_code=201,
    summary="Create a programme (programhub extension)",
    description="Record creates programmes in its web app; programhub also takes `{name, description}` here.",
    responses={201: {"model": docs.RecordProgramResponse}, **WRITE_ERRORS},
    openapi_extra=request_body(ProgramRequest),
)
def create_program(principal: Authenticated, body: JsonBody, key: IdempotencyKey, store: StoreDep) -> Response:
    tenant = principal.tenant
    fields = parse(ProgramRequest, body).fields()

    def work(conn: Connection) -> tuple[int, dict[str, object]]:
        listing_id = listings.create(conn, tenant, "program", fields)
        return 201, envelope("Program created successfully", queries.program(conn, tenant, listing_id=listing_id))

    return write_once(store, tenant, "record.programs", key, fields, work)
