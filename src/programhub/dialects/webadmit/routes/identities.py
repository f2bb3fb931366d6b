"""User identities: the identities of the key's organisation and mode."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core.identities import service as identities
from programhub.dialects.webadmit import docs
from programhub.dialects.webadmit.ratelimit import Caller
from programhub.dialects.webadmit.responses import PREFIX, identity_json
from programhub.dialects.webadmit.routes.api import ROUTER_OPTIONS
from programhub.web.cache import CacheDep
from programhub.web.deps import StoreDep

router = APIRouter(**ROUTER_OPTIONS)


@router.get(
    "", summary="User Identity List", responses=docs.answers(docs.WebAdmitUserIdentityList, names_identity=False)
)
async def list_user_identities(store: StoreDep, cache: CacheDep, caller: Caller) -> Response:
    """The user identities of the key's organisation and mode, oldest first."""
    tenant = caller.tenant

    def build(conn: Connection) -> bytes:
        found = identities.list_for_tenant(conn, tenant)
        return orjson.dumps({"href": PREFIX, "user_identities": [identity_json(i, tenant) for i in found]})

    return await cache.read(caller, "webadmit.identities", store, build)
