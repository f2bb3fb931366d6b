"""Record issuance API: /api/external/issuance."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Row, Select, select

from programhub.core.errors import NotFound
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by
from programhub.dialects.record.errors import ERRORS
from programhub.web.auth import Authenticated
from programhub.web.deps import StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.formats import iso_millis
from programhub.web.responses import JSONResponse

PREFIX = "/api/external/issuance"
router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Record"])

_PROGRAM_COLUMNS = (
    listings.c.public_id,
    listings.c.name,
    listings.c.description,
    listings.c.mode,
    listings.c.created_at,
    listings.c.updated_at,
)


def program_json(row: Row[Any], tenant: Tenant) -> dict[str, Any]:
    return {
        "programId": row.public_id,
        "name": row.name,
        "description": row.description or "",
        "orgId": tenant.org_public_id,
        "mode": row.mode,
        "createdAt": iso_millis(row.created_at),
        "updatedAt": iso_millis(row.updated_at),
    }


def _programs_query(tenant: Tenant) -> Select[Any]:
    return select(*_PROGRAM_COLUMNS).where(
        owned_by(listings, tenant),
        listings.c.kind == "program",
        listings.c.deleted_at.is_(None),
        listings.c.status != "retired",
    )


@router.get("/programs")
def list_programs(store: StoreDep, principal: Authenticated) -> JSONResponse:
    tenant = principal.tenant
    with store.read() as conn:
        rows = conn.execute(
            _programs_query(tenant).order_by(listings.c.created_at.desc(), listings.c.id.desc())
        ).all()
    return JSONResponse(
        {"success": True, "message": "Programs fetched successfully", "data": [program_json(r, tenant) for r in rows]}
    )


@router.get("/programs/{program_id}")
def get_program(program_id: str, store: StoreDep, principal: Authenticated) -> JSONResponse:
    tenant = principal.tenant
    with store.read() as conn:
        row = conn.execute(_programs_query(tenant).where(listings.c.public_id == program_id)).one_or_none()
    if row is None:
        raise NotFound("Program", program_id)
    return JSONResponse({"success": True, "message": "Program fetched successfully", "data": program_json(row, tenant)})
