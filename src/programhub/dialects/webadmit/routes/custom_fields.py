"""Custom fields of a program, and programhub's extension route that creates them."""

from __future__ import annotations

from fastapi import APIRouter

from programhub.core import versions
from programhub.core.admissions import service as admissions
from programhub.core.identities import service as identities
from programhub.dialects.webadmit import docs
from programhub.dialects.webadmit.errors import field_errors
from programhub.dialects.webadmit.ratelimit import Caller
from programhub.dialects.webadmit.requests import NewCustomField, ProgramId, UserIdentityId
from programhub.dialects.webadmit.responses import custom_field_json, identity_href
from programhub.dialects.webadmit.routes.api import ROUTER_OPTIONS, JsonBody
from programhub.web.deps import StoreDep
from programhub.web.requests import parse, request_body
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)

FIELDS = "/{user_identity_id}/programs/{program_id}/custom_fields"


@router.get(
    FIELDS, summary="Custom Field List", responses=docs.answers(docs.WebAdmitCustomFieldList, names_identity=True)
)
def list_custom_fields(
    user_identity_id: UserIdentityId, program_id: ProgramId, store: StoreDep, caller: Caller
) -> JSONResponse:
    """The program's custom fields, oldest first."""
    tenant = caller.tenant
    with store.read() as conn:
        identity = identities.get(conn, tenant, user_identity_id)
        admissions.program(conn, tenant, identity, program_id)
        found = admissions.list_custom_fields(conn, tenant, program_id)
    return JSONResponse(
        {
            "href": identity_href(user_identity_id, f"programs/{program_id}/custom_fields"),
            "custom_fields": [custom_field_json(field) for field in found],
        }
    )


@router.post(
    FIELDS,
    summary="Custom Field Create (programhub extension)",
    status_code=201,
    responses=docs.answers(docs.WebAdmitCustomFieldCreated, names_identity=True, status=201, body=True),
    openapi_extra=request_body(NewCustomField),
)
def create_custom_field(
    user_identity_id: UserIdentityId, program_id: ProgramId, store: StoreDep, caller: Caller, body: JsonBody
) -> JSONResponse:
    """A custom field of the program: `options` (distinct, not blank) for a select field
    only."""
    tenant = caller.tenant
    sent = parse(NewCustomField, body).custom_field
    with versions.writing(store, tenant) as conn:
        identity = identities.get(conn, tenant, user_identity_id)
        admissions.program(conn, tenant, identity, program_id)
        with field_errors():
            made = admissions.create_custom_field(
                conn, tenant, program_id, label=sent.label, field_type=sent.field_type, options=sent.options
            )
    return JSONResponse({"custom_field": custom_field_json(made)}, 201)
