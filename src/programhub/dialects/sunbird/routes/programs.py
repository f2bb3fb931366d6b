"""Programs: create, read, update, and the status changes (publish, unlist, delete)."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Request

from programhub.core import versions
from programhub.core.errors import NotFound
from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant
from programhub.dialects.sunbird import docs, queries
from programhub.dialects.sunbird.requests import (
    CORE_NAMES,
    NOT_BLANK,
    Body,
    CreateRequest,
    StatusChangeRequest,
    UpdateRequest,
    program_key,
    request_body,
    status_fields,
)
from programhub.dialects.sunbird.responses import ok
from programhub.dialects.sunbird.routes.api import ROUTER_OPTIONS, writing_to
from programhub.store import Store
from programhub.web.auth import Authenticated
from programhub.web.deps import StoreDep
from programhub.web.requests import parse, wire_names
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)


@router.post("/create", responses=docs.responses(docs.ProgramRef), openapi_extra=request_body(CreateRequest))
def create_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Create a program; it starts as Draft."""
    fields = parse(CreateRequest, body.request()).fields()
    with versions.writing(store, principal.tenant) as conn, wire_names(CORE_NAMES):
        listing_id = listings_service.create(conn, principal.tenant, "program", fields)
        program_id = conn.execute(sa.select(listings.c.uuid).where(listings.c.id == listing_id)).scalar_one()
    return ok(request, {"program_id": program_id})


@router.get("/read/{program_id}", responses=docs.responses(docs.Program, statuses=(400, 401, 403, 404, 500, 503)))
def read_program(
    request: Request,
    program_id: Annotated[str, Path(json_schema_extra={"maxLength": 255, "pattern": NOT_BLANK})],
    principal: Authenticated,
    store: StoreDep,
) -> JSONResponse:
    """A program, by its program_id; retired programs stay readable."""
    program_id = program_key("program_id", program_id)
    with store.read() as conn:
        program = queries.program(conn, principal.tenant, program_id)
    if program is None:
        raise NotFound("program", program_id)
    return ok(request, program)


@router.post("/update", responses=docs.responses(docs.ProgramRef), openapi_extra=request_body(UpdateRequest))
def update_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Change the fields given (config is replaced as a whole)."""
    update = parse(UpdateRequest, body.request())
    with writing_to(store, principal.tenant, update.program_id) as (conn, listing_id), wire_names(CORE_NAMES):
        listings_service.update(conn, principal.tenant, listing_id, update.fields(), kind="program")
    return ok(request, {"program_id": update.program_id})


def _change_status(request: Request, body: Body, tenant: Tenant, store: Store, status: str) -> JSONResponse:
    program_id = parse(StatusChangeRequest, body.request()).program_id
    with writing_to(store, tenant, program_id) as (conn, listing_id):
        listings_service.update(conn, tenant, listing_id, status_fields(status), kind="program")
    return ok(request, {"program_id": program_id})


STATUS_CHANGE: dict[str, Any] = {
    "responses": docs.responses(docs.ProgramRef),
    "openapi_extra": request_body(StatusChangeRequest),
}


@router.post("/publish", **STATUS_CHANGE)
def publish_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Status Live."""
    return _change_status(request, body, principal.tenant, store, "live")


@router.post("/unlist", **STATUS_CHANGE)
@router.post("/unlist/publish", **STATUS_CHANGE)
def unlist_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Status Unlisted (`/unlist/publish` is the reference's name for it, which the portal
    calls to publish a private program)."""
    return _change_status(request, body, principal.tenant, store, "unlisted")


@router.post("/delete", **STATUS_CHANGE)
def delete_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Status Retired: the program leaves default lists but stays readable."""
    return _change_status(request, body, principal.tenant, store, "retired")
