"""Record issuance API under /api/external/issuance: programmes and credential batches."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from sqlalchemy import Connection, Select, select
from starlette.responses import Response

from programhub.core.credentials import service as credentials
from programhub.core.errors import NotFound
from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by
from programhub.dialects.record import schemas
from programhub.dialects.record.wire import (
    PREFIX,
    IdempotencyKey,
    JsonBody,
    RecordRoute,
    envelope,
    ok,
    possible_id,
    write_once,
)
from programhub.store import sqljson as sj
from programhub.web.auth import Authenticated
from programhub.web.cache import CacheDep, Fresh
from programhub.web.deps import SettingsDep, StoreDep

router = APIRouter(prefix=PREFIX, route_class=RecordRoute, tags=["Record"])

_READ_ERRORS = schemas.error_responses(401, 403, 503)
_WRITE_ERRORS = schemas.error_responses(400, 401, 403, 404, 409, 413, 503)


def _programs(tenant: Tenant) -> Select[Any]:
    """This tenant's programs as JSON, whichever API created them; deleted ones never show."""
    return select(schemas.program_json(tenant).label("program")).where(
        owned_by(listings, tenant), listings.c.kind == "program", listings.c.deleted_at.is_(None)
    )


def _program(conn: Connection, query: Select[Any]) -> orjson.Fragment | None:
    found = conn.execute(select(sj.as_text(query.subquery().c.program))).scalar_one_or_none()
    return None if found is None else orjson.Fragment(found)


@router.get(
    "/programs",
    summary="List programmes",
    description="Every programme of the key's organisation and mode, newest first (retired ones left out).",
    responses={200: {"model": schemas.RecordProgramsResponse}, **_READ_ERRORS},
)
async def list_programs(principal: Authenticated, store: StoreDep, cache: CacheDep) -> Response:
    tenant = principal.tenant

    def render() -> Fresh[bytes]:
        order = (listings.c.created_at.desc(), listings.c.id.desc())
        with store.read() as conn:
            data = conn.execute(
                sj.array(_programs(tenant).where(listings.c.status != "retired").order_by(*order), *order)
            )
            body = orjson.dumps(envelope("Programs fetched successfully", orjson.Fragment(data.scalar_one())))
        return Fresh(body, len(body))

    return Response(await cache.answer(principal, "record.programs", render), media_type="application/json")


@router.get(
    "/programs/{programId}",
    summary="Get a programme",
    description="One programme by id, retired ones included.",
    responses={200: {"model": schemas.RecordProgramResponse}, **_READ_ERRORS, **schemas.error_responses(404)},
)
def get_program(programId: str, principal: Authenticated, store: StoreDep) -> Response:  # noqa: N803 - wire name
    tenant = principal.tenant
    possible_id("program", programId)
    with store.read() as conn:
        program = _program(conn, _programs(tenant).where(listings.c.public_id == programId))
    if program is None:
        raise NotFound("program", programId)
    return ok("Program fetched successfully", program)


@router.post(
    "/programs",
    status_code=201,
    summary="Create a programme (programhub extension)",
    description="Record creates programmes in its web app; programhub also takes `{name, description}` here.",
    responses={201: {"model": schemas.RecordProgramResponse}, **_WRITE_ERRORS},
    openapi_extra=schemas.json_request_body(schemas.PROGRAM_BODY),
)
def create_program(principal: Authenticated, body: JsonBody, key: IdempotencyKey, store: StoreDep) -> Response:
    tenant = principal.tenant
    fields = schemas.program_request(body)

    def work(conn: Connection) -> tuple[int, dict[str, Any]]:
        listing_id = listings_service.create(conn, tenant, "program", fields)
        return 201, envelope(
            "Program created successfully", _program(conn, _programs(tenant).where(listings.c.id == listing_id))
        )

    return write_once(store, tenant, "record.programs", key, fields, work)


@router.post(
    "/credentials",
    status_code=201,
    summary="Issue credentials",
    description=(
        "Issue one credential per recipient of a programme, all or nothing. "
        f"At most {credentials.MAX_RECIPIENTS} recipients per batch, each with a different email."
    ),
    responses={201: {"model": schemas.RecordBatchResponse}, **_WRITE_ERRORS},
    openapi_extra=schemas.json_request_body(schemas.ISSUE_BODY),
)
def issue_credentials(
    principal: Authenticated, body: JsonBody, key: IdempotencyKey, store: StoreDep, settings: SettingsDep
) -> Response:
    tenant = principal.tenant
    request = schemas.issue_request(body)

    def work(conn: Connection) -> tuple[int, dict[str, Any]]:
        possible_id("program", request.program_id)
        batch = credentials.issue(conn, tenant, request.program_id, request.batch_name, request.recipients)
        return 201, envelope("Credentials issued successfully", schemas.batch_json(batch, tenant, settings.public_url))

    return write_once(store, tenant, "record.credentials", key, request.meaning(), work)


@router.get(
    "/credentials",
    summary="List credential batches",
    description="Every batch of the key's organisation and mode, newest first, with its recipient count.",
    responses={200: {"model": schemas.RecordBatchesResponse}, **_READ_ERRORS},
)
async def list_batches(principal: Authenticated, store: StoreDep, cache: CacheDep) -> Response:
    tenant = principal.tenant

    def render() -> Fresh[bytes]:
        with store.read() as conn:
            rows = credentials.list_batches(conn, tenant)
        body = orjson.dumps(
            envelope(
                "Credential batches fetched successfully", [schemas.batch_summary_json(row, tenant) for row in rows]
            )
        )
        return Fresh(body, len(body))

    return Response(await cache.answer(principal, "record.batches", render), media_type="application/json")


@router.get(
    "/credentials/{batchId}",
    summary="Get a credential batch",
    description="One batch with its recipients in the order they were issued.",
    responses={200: {"model": schemas.RecordBatchResponse}, **_READ_ERRORS, **schemas.error_responses(404)},
)
def get_batch(batchId: str, principal: Authenticated, store: StoreDep, settings: SettingsDep) -> Response:  # noqa: N803
    tenant = principal.tenant
    possible_id("batch", batchId)
    with store.read() as conn:
        batch = credentials.get_batch(conn, tenant, batchId)
    return ok("Credential batch fetched successfully", schemas.batch_json(batch, tenant, settings.public_url))
