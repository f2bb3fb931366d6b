"""Programs: those a user identity sees."""

from __future__ import annotations

import orjson
from fastapi import APIRouter
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core.identities import service as identities
from programhub.dialects.webadmit import docs, queries
from programhub.dialects.webadmit.ratelimit import Caller
from programhub.dialects.webadmit.requests import UserIdentityId
from programhub.dialects.webadmit.responses import identity_href
from programhub.dialects.webadmit.routes.api import ROUTER_OPTIONS
from programhub.web.cache import CacheDep
from programhub.web.deps import StoreDep

router = APIRouter(**ROUTER_OPTIONS)


@router.get(
    "/{user_identity_id}/programs",
    summary="Program List",
    responses=docs.answers(docs.WebAdmitProgramList, names_identity=True),
)
async def list_programs(user_identity_id: UserIdentityId, store: StoreDep, cache: CacheDep, caller: Caller) -> Response:
    """The programs this identity sees: every live program of its organisation, or only
    those granted to it when it is limited. Retired and deleted programs leave the list."""
    tenant = caller.tenant

    def build(conn: Connection) -> bytes:
        identity = identities.get(conn, tenant, user_identity_id)
        programs = queries.program_list(conn, tenant, identity)
        return orjson.dumps({"href": identity_href(identity.id, "programs"), "programs": programs})

    return await cache.read(caller, ("webadmit.programs", user_identity_id), store, build)
