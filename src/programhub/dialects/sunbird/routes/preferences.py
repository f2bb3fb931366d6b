"""Users' preferences for a program: what they want to contribute or source."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from programhub.core.listings import service as listings_service
from programhub.core.nominations import preferences
from programhub.dialects.sunbird import docs
from programhub.dialects.sunbird.requests import Body, PreferenceReadRequest, PreferenceSetRequest, request_body
from programhub.dialects.sunbird.responses import ok, preferences_json
from programhub.dialects.sunbird.routes.api import ROUTER_OPTIONS, writing_to
from programhub.web.auth import Authenticated
from programhub.web.deps import StoreDep
from programhub.web.requests import parse
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)
ERRORS = (400, 401, 403, 404, 405, 413, 500, 503)
SET: dict[str, Any] = {
    "responses": docs.responses(docs.PreferencesSet, statuses=ERRORS),
    "openapi_extra": request_body(PreferenceSetRequest),
}


@router.post("/preference/create", **SET)
@router.post("/preference/update", **SET)
def set_preference(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Set the user's contributor or sourcing preference for the program (the other kept)."""
    wanted = parse(PreferenceSetRequest, body.request())
    with writing_to(store, principal.tenant, wanted.program_id) as (conn, listing_id):
        stored = preferences.set_preference(
            conn, principal.tenant, listing_id, wanted.user_id, wanted.kind, wanted.preference
        )
    echo = {"program_id": wanted.program_id, "user_id": wanted.user_id}
    if wanted.type is not None:
        echo["type"] = wanted.type
    return ok(request, {**echo, **preferences_json(stored)})


@router.post(
    "/preference/read",
    responses=docs.responses(docs.Preferences, statuses=ERRORS),
    openapi_extra=request_body(PreferenceReadRequest),
)
def read_preference(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """The user's preferences for the program (empty ones when none were set)."""
    wanted = parse(PreferenceReadRequest, body.request())
    with store.read() as conn:
        listing_id = listings_service.id_for(conn, principal.tenant, uuid=wanted.program_id)
        stored = preferences.read(conn, principal.tenant, listing_id, wanted.user_id)
    return ok(request, {**preferences_json(stored), "synced": True})
