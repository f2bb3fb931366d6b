"""WebAdMIT API: /api/v1/user_identities, and the programs and organizations each
identity sees. Every call is counted against the key's hourly rate limit."""

from __future__ import annotations

import re
from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from programhub.core.auth import AuthFailure, Principal
from programhub.core.errors import Invalid, NotFound
from programhub.core.identities import service as identities
from programhub.core.validation import INT32
from programhub.dialects.webadmit.ratelimit import Caller, WebAdmitRoute, count_against
from programhub.dialects.webadmit.schemas import (
    WebAdmitOrganizationList,
    WebAdmitProgramList,
    WebAdmitUserIdentityList,
    identity_json,
    organization_json,
    programs_json,
    responses,
)
from programhub.web.auth import principal_of
from programhub.web.cache import CacheDep, Fresh
from programhub.web.deps import SettingsDep, StoreDep
from programhub.web.dialect import MethodNotAllowed, allowed_methods
from programhub.web.responses import JSONResponse

JSON = "application/json"

PREFIX = "/api/v1/user_identities"
router = APIRouter(prefix=PREFIX, route_class=WebAdmitRoute, tags=["WebAdMIT"])

_INTEGER = re.compile(r"-?[0-9]+")

# Declared an integer for clients; read as text so that a malformed id gets WebAdMIT's own
# wording and an id too large for any row is a plain 404, never a database error.
IdentityIdText = Annotated[
    str,
    Path(description="Id of one of the key's user identities.", json_schema_extra={"type": "integer"}),
]


def parse_identity_id(raw: str) -> int:
    """The identity id named in the path: 422 when not an integer, 404 when out of range."""
    if not _INTEGER.fullmatch(raw):
        raise Invalid(
            "user_identity_id",
            "The property '#/user_identity_id' of type String did not match the following type: integer",
        )
    if len(raw.lstrip("-")) > 10 or not 1 <= int(raw) <= INT32[1]:
        raise NotFound("User identity", raw)
    return int(raw)


@router.get(
    "",
    summary="User Identity List",
    responses=responses(WebAdmitUserIdentityList, with_id=False),
)
async def list_user_identities(store: StoreDep, cache: CacheDep, caller: Caller) -> Response:
    """The user identities of the key's organisation and mode, oldest first."""
    tenant = caller.tenant

    def render() -> Fresh[bytes]:
        with store.read() as conn:
            found = identities.list_for_tenant(conn, tenant)
        body = orjson.dumps({"href": PREFIX, "user_identities": [identity_json(i, tenant) for i in found]})
        return Fresh(body, len(body))

    return Response(await cache.answer(caller, "webadmit.identities", render), media_type=JSON)


@router.get(
    "/{user_identity_id}/programs",
    summary="Program List",
    responses=responses(WebAdmitProgramList, with_id=True),
)
async def list_programs(user_identity_id: IdentityIdText, store: StoreDep, cache: CacheDep, caller: Caller) -> Response:
    """The programs this identity sees: every live program of its organisation, or only
    those granted to it when it is limited. Retired and deleted programs leave the list."""
    identity_id = parse_identity_id(user_identity_id)
    tenant = caller.tenant

    def render() -> Fresh[bytes]:
        with store.read() as conn:
            identity = identities.get(conn, tenant, identity_id)
            programs = conn.execute(
                programs_json(identity.limited, conn.dialect.name),
                {**identities.parameters(tenant, identity.id), "organization_name": identity.organization_name(tenant)},
            ).scalar_one()
        body = orjson.dumps({"href": f"{PREFIX}/{identity_id}/programs", "programs": orjson.Fragment(programs)})
        return Fresh(body, len(body))

    return Response(await cache.answer(caller, ("webadmit.programs", identity_id), render), media_type=JSON)


@router.get(
    "/{user_identity_id}/organizations",
    summary="Organization List",
    responses=responses(WebAdmitOrganizationList, with_id=True),
)
def list_organizations(user_identity_id: IdentityIdText, store: StoreDep, caller: Caller) -> JSONResponse:
    """The organization this identity acts for, in its cycle (always exactly one)."""
    identity_id = parse_identity_id(user_identity_id)
    tenant = caller.tenant
    with store.read() as conn:
        identity = identities.get(conn, tenant, identity_id)
    return JSONResponse(
        {
            "href": f"{PREFIX}/{identity_id}/organizations",
            "organizations": [organization_json(identity, tenant)],
        }
    )


def unrouted(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    """Any other path or method under the prefix: the legacy 404, or 405 naming the
    methods the path has. With a valid key the call is counted like every other (and
    carries the rate-limit headers); without one it is answered all the same, since an
    unknown path reveals nothing."""
    try:
        principal: Principal | None = principal_of(request)
    except AuthFailure:
        principal = None  # answered all the same, and not counted: no valid key to count against
    if principal is not None:
        count_against(request, principal, store, settings)  # 429 past the limit
    routed = [route for route in router.routes if getattr(route, "endpoint", None) is not unrouted]
    allowed = allowed_methods(request, routed)
    if allowed:
        raise MethodNotAllowed(allowed)
    raise HTTPException(404)


for _path in ("", "/{rest:path}"):  # last, so that every real route matches first
    router.add_api_route(
        _path, unrouted, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], include_in_schema=False
    )
