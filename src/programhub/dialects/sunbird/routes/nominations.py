"""Nominations: add, update, remove, list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from programhub.core.nominations import service as nominations_service
from programhub.dialects.sunbird import docs, queries
from programhub.dialects.sunbird.requests import (
    Body,
    NominationAddRequest,
    NominationChangeRequest,
    NominationListRequest,
    NomineeRequest,
    request_body,
)
from programhub.dialects.sunbird.responses import nomination_aggregate_json, ok
from programhub.dialects.sunbird.routes.api import ROUTER_OPTIONS, writing_to
from programhub.web.auth import Authenticated
from programhub.web.deps import StoreDep
from programhub.web.requests import parse
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)


@router.post(
    "/nomination/add",
    responses=docs.responses(docs.NominationAdded, statuses=(400, 401, 403, 404, 405, 409, 413, 500, 503)),
    openapi_extra=request_body(NominationAddRequest),
)
def add_nomination(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Nominate an organisation or a user to a program; once per nominee."""
    nomination = parse(NominationAddRequest, body.request())
    fields = nomination.fields()
    with writing_to(store, principal.tenant, nomination.program_id) as (conn, listing_id):
        nomination_id = nominations_service.add(conn, principal.tenant, listing_id, fields)
    return ok(request, {"program_id": nomination.program_id, "user_id": fields.get("user_id"), "id": nomination_id})


@router.post(
    "/nomination/update",
    responses=docs.responses(docs.NominationRef),
    openapi_extra=request_body(NominationChangeRequest),
)
def update_nomination(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Change the nominations of a program by a user or an organisation."""
    change = parse(NominationChangeRequest, body.request())
    nominee = change.nominee()
    with writing_to(store, principal.tenant, change.program_id) as (conn, listing_id):
        nominations_service.update(conn, principal.tenant, listing_id, nominee, change.changes())
    return ok(request, change.echo())


@router.post(
    "/nomination/remove", responses=docs.responses(docs.NominationRef), openapi_extra=request_body(NomineeRequest)
)
def remove_nomination(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Withdraw the nominations of a program by a user or an organisation."""
    removal = parse(NomineeRequest, body.request())
    nominee = removal.nominee()
    with writing_to(store, principal.tenant, removal.program_id) as (conn, listing_id):
        nominations_service.remove(conn, principal.tenant, listing_id, nominee)
    return ok(request, removal.echo())


@router.post(
    "/nomination/list",
    responses=docs.responses(
        list[docs.Nomination] | list[dict[str, Any]] | docs.NominationAggregate,
        statuses=(400, 401, 403, 405, 413, 500, 503),
    ),
    openapi_extra=request_body(NominationListRequest),
)
def list_nominations(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Nominations, most recently changed first; `result` is the list itself. With `facets`,
    grouped counts instead; with `limit: 0`, counts of the matches and of their `fields`."""
    listing = parse(NominationListRequest, body.request())
    tenant = principal.tenant
    with store.read() as conn:
        if listing.facets is not None:
            return ok(request, queries.nomination_facets(conn, tenant, listing.wanted(), listing.facets))
        if listing.aggregate:
            fields = listing.fields or ()
            rows = queries.nomination_values(conn, tenant, listing.wanted(), fields)
            return ok(request, nomination_aggregate_json(rows, fields))
        nominations = queries.nomination_list(conn, tenant, listing.wanted(), listing.page())
    return ok(request, nominations)
