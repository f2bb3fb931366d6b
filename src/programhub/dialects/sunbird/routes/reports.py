"""Reports: program counts per root organisation, and the two downloads, from what
programhub holds (no user registry, no content service: see docs/dialects/sunbird.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from programhub.core.clock import utcnow
from programhub.dialects.sunbird import docs, queries
from programhub.dialects.sunbird.requests import (
    Body,
    NominationDownloadRequest,
    ProgramDownloadRequest,
    TenantListRequest,
    request_body,
)
from programhub.dialects.sunbird.responses import nomination_stat_json, ok
from programhub.dialects.sunbird.routes.api import ROUTER_OPTIONS
from programhub.web.auth import Authenticated
from programhub.web.deps import StoreDep
from programhub.web.requests import parse
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)
ERRORS = (400, 401, 403, 405, 413, 500, 503)


@router.post(
    "/tenant/list",
    responses=docs.responses(docs.Tenants, statuses=ERRORS),
    openapi_extra=request_body(TenantListRequest),
)
def list_tenants(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Per root organisation (`rootorg_id`), how many programs match `filters` (the
    reference adds the organisation's details from its user service; programhub has none)."""
    wanted = parse(TenantListRequest, body.request()).wanted()
    with store.read() as conn:
        content = queries.program_counts_by_root_org(conn, principal.tenant, wanted, utcnow())
    return ok(request, {"count": len(content), "content": content})


@router.post(
    "/list/download",
    responses=docs.responses(docs.ProgramReports, statuses=ERRORS),
    openapi_extra=request_body(ProgramDownloadRequest),
)
def download_programs(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """The report of the programs named: one entry per program this key can see, whose
    per-collection `values` are empty (programhub holds no collections)."""
    wanted = parse(ProgramDownloadRequest, body.request()).filters.program_id
    with store.read() as conn:
        found = queries.program_uuids(conn, principal.tenant, wanted)
    return ok(request, {"tableData": [{"program_id": program_id, "values": []} for program_id in found]})


@router.post(
    "/nomination/list/download",
    responses=docs.responses(docs.NominationStats, statuses=ERRORS),
    openapi_extra=request_body(NominationDownloadRequest),
)
def download_nominations(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """A program's nominations in the statuses asked, as the reference's report rows."""
    filters = parse(NominationDownloadRequest, body.request()).filters
    with store.read() as conn:
        rows = queries.nomination_report(conn, principal.tenant, filters.program_id, filters.status)
    return ok(request, {"stats": [nomination_stat_json(row, filters.program_name) for row in rows]})
