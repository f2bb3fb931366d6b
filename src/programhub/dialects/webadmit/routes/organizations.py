"""Organizations: the one a user identity acts for, in its cycle."""

from __future__ import annotations

from fastapi import APIRouter

from programhub.core.identities import service as identities
from programhub.dialects.webadmit import docs
from programhub.dialects.webadmit.ratelimit import Caller
from programhub.dialects.webadmit.requests import UserIdentityId
from programhub.dialects.webadmit.responses import identity_href, organization_json
from programhub.dialects.webadmit.routes.api import ROUTER_OPTIONS
from programhub.web.deps import StoreDep
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)


@router.get(
    "/{user_identity_id}/organizations",
    summary="Organization List",
    responses=docs.answers(docs.WebAdmitOrganizationList, names_identity=True),
)
def list_organizations(user_identity_id: UserIdentityId, store: StoreDep, caller: Caller) -> JSONResponse:
    """The organization this identity acts for, in its cycle (always exactly one)."""
    tenant = caller.tenant
    with store.read() as conn:
        identity = identities.get(conn, tenant, user_identity_id)
    return JSONResponse(
        {"href": identity_href(identity.id, "organizations"), "organizations": [organization_json(identity, tenant)]}
    )
