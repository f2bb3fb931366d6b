"""Decisions of an identity's cycle (each mapped to an outcome by programhub's extension),
and programhub's extension routes that create decisions and local statuses."""

from __future__ import annotations

from fastapi import APIRouter

from programhub.core import versions
from programhub.core.admissions import service as admissions
from programhub.core.identities import service as identities
from programhub.dialects.webadmit import docs
from programhub.dialects.webadmit.errors import field_errors
from programhub.dialects.webadmit.ratelimit import Caller
from programhub.dialects.webadmit.requests import NewDecision, NewLocalStatus, UserIdentityId
from programhub.dialects.webadmit.responses import decision_json, identity_href, local_status_json
from programhub.dialects.webadmit.routes.api import ROUTER_OPTIONS, JsonBody
from programhub.web.deps import StoreDep
from programhub.web.requests import parse, request_body
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)


@router.get(
    "/{user_identity_id}/decisions",
    summary="Decision List",
    responses=docs.answers(docs.WebAdmitDecisionList, names_identity=True),
)
def list_decisions(user_identity_id: UserIdentityId, store: StoreDep, caller: Caller) -> JSONResponse:
    """The valid decisions of the identity's cycle, oldest first."""
    tenant = caller.tenant
    with store.read() as conn:
        identity = identities.get(conn, tenant, user_identity_id)
        found = admissions.list_decisions(conn, tenant, identity.cycle)
    return JSONResponse(
        {"href": identity_href(user_identity_id, "decisions"), "decisions": [decision_json(d) for d in found]}
    )


@router.post(
    "/{user_identity_id}/decisions",
    summary="Decision Create (programhub extension)",
    status_code=201,
    responses=docs.answers(docs.WebAdmitDecisionCreated, names_identity=True, status=201, body=True),
    openapi_extra=request_body(NewDecision),
)
def create_decision(user_identity_id: UserIdentityId, store: StoreDep, caller: Caller, body: JsonBody) -> JSONResponse:
    """A decision of the identity's cycle with its outcome: `admit` enrolls the applicant,
    `deny` and `withdraw` undo an admission, `none` does nothing beyond the designation."""
    tenant = caller.tenant
    sent = parse(NewDecision, body).decision
    with versions.writing(store, tenant) as conn:
        identity = identities.get(conn, tenant, user_identity_id)
        with field_errors():
            made = admissions.create_decision(conn, tenant, identity.cycle, name=sent.name, outcome=sent.outcome)
    return JSONResponse({"decision": {**(decision_json(made) or {}), "outcome": made.outcome}}, 201)


@router.post(
    "/{user_identity_id}/local_statuses",
    summary="Local Status Create (programhub extension)",
    status_code=201,
    responses=docs.answers(docs.WebAdmitLocalStatusCreated, names_identity=True, status=201, body=True),
    openapi_extra=request_body(NewLocalStatus),
)
def create_local_status(
    user_identity_id: UserIdentityId, store: StoreDep, caller: Caller, body: JsonBody
) -> JSONResponse:
    """A local status of the identity's cycle, to set on designations (`local_status_id`)."""
    tenant = caller.tenant
    sent = parse(NewLocalStatus, body).local_status
    with versions.writing(store, tenant) as conn:
        identity = identities.get(conn, tenant, user_identity_id)
        with field_errors():
            made = admissions.create_local_status(conn, tenant, identity.cycle, title=sent.title)
    return JSONResponse({"local_status": local_status_json(made)}, 201)
