"""Applicants by CAS ID: an applicant's designation to a program (its decision and local
status), its custom field answers, and programhub's extension route that creates
applicants (in WebAdMIT they come from the application service)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Connection

from programhub.core import versions
from programhub.core.admissions import answers
from programhub.core.admissions import service as admissions
from programhub.core.admissions.service import Designation
from programhub.core.errors import Invalid
from programhub.core.identities import service as identities
from programhub.core.identities.service import Identity
from programhub.core.tenancy import Tenant
from programhub.dialects.webadmit import docs
from programhub.dialects.webadmit.errors import FieldError, field_errors
from programhub.dialects.webadmit.ratelimit import Caller
from programhub.dialects.webadmit.requests import (
    AnswerPut,
    ApplicantCasId,
    ApplicantPatch,
    CustomFieldId,
    DesignationPatch,
    NewApplicant,
    ProgramId,
    UserIdentityId,
    envelope,
    optional_id,
)
from programhub.dialects.webadmit.responses import (
    answer_json,
    applicant_href,
    applicant_json,
    designation_json,
)
from programhub.dialects.webadmit.routes.api import ROUTER_OPTIONS, JsonBody
from programhub.web.deps import StoreDep
from programhub.web.requests import parse, request_body
from programhub.web.responses import JSONResponse

router = APIRouter(**ROUTER_OPTIONS)

APPLICANT = "/{user_identity_id}/programs/{program_id}/applicants_by_cas_id/{cas_id}"


def find(
    conn: Connection, tenant: Tenant, identity_id: int, program_id: int, cas_id: str
) -> tuple[Identity, Designation]:
    """The identity, then the program it sees, then the applicant's designation to it:
    three queries, each refusal in WebAdMIT's words for the first thing missing."""
    identity = identities.get(conn, tenant, identity_id)
    admissions.program(conn, tenant, identity, program_id)
    return identity, admissions.designation(conn, tenant, identity, program_id, cas_id)


def _decide(
    conn: Connection, tenant: Tenant, identity: Identity, current: Designation, decision_id: int | None
) -> Designation:
    try:
        return admissions.set_decision(conn, tenant, identity.cycle, current, decision_id)
    except Invalid as exc:
        if exc.message != admissions.LOCAL_STATUS_SET:
            raise
        raise FieldError("decision_id", exc.message) from None


@router.get(
    APPLICANT, summary="Applicant Show", responses=docs.answers(docs.WebAdmitApplicantShow, names_identity=True)
)
def show_applicant(
    user_identity_id: UserIdentityId, program_id: ProgramId, cas_id: ApplicantCasId, store: StoreDep, caller: Caller
) -> JSONResponse:
    """The applicant with this CAS ID in the program: its decision and local status."""
    with store.read() as conn:
        _identity, found = find(conn, caller.tenant, user_identity_id, program_id, cas_id)
    return JSONResponse({"applicant": applicant_json(user_identity_id, program_id, found)})


@router.patch(
    APPLICANT,
    summary="Applicant Update",
    responses=docs.answers(docs.WebAdmitApplicantShow, names_identity=True, body=True),
    openapi_extra=request_body(ApplicantPatch, required=False),
)
def update_applicant(
    user_identity_id: UserIdentityId,
    program_id: ProgramId,
    cas_id: ApplicantCasId,
    store: StoreDep,
    caller: Caller,
    body: JsonBody,
) -> JSONResponse:
    """Set the applicant's decision in the program; only while its local status is null."""
    tenant = caller.tenant
    values = envelope(body, "applicant") or {}
    given, decision_id = optional_id(values, "decision_id", "#/applicant", nullable=True)
    with versions.writing(store, tenant) as conn:
        identity, found = find(conn, tenant, user_identity_id, program_id, cas_id)
        if given:
            found = _decide(conn, tenant, identity, found, decision_id)
    return JSONResponse({"applicant": applicant_json(user_identity_id, program_id, found)})


@router.get(
    APPLICANT + "/designation",
    summary="Designation Show",
    responses=docs.answers(docs.WebAdmitDesignationShow, names_identity=True),
)
def show_designation(
    user_identity_id: UserIdentityId, program_id: ProgramId, cas_id: ApplicantCasId, store: StoreDep, caller: Caller
) -> JSONResponse:
    """The applicant's designation to the program."""
    with store.read() as conn:
        _identity, found = find(conn, caller.tenant, user_identity_id, program_id, cas_id)
    return JSONResponse({"designation": designation_json(user_identity_id, program_id, found)})


@router.patch(
    APPLICANT + "/designation",
    summary="Designation Update",
    responses=docs.answers(docs.WebAdmitDesignation, names_identity=True, body=True),
    openapi_extra=request_body(DesignationPatch, required=False),
)
def update_designation(
    user_identity_id: UserIdentityId,
    program_id: ProgramId,
    cas_id: ApplicantCasId,
    store: StoreDep,
    caller: Caller,
    body: JsonBody,
) -> JSONResponse:
    """Set (or clear, with null) the designation's decision, only while it has no local
    status; programhub's extension `local_status_id` sets or clears the local status, after
    the decision. The answer is the designation without an envelope, as WebAdMIT documents."""
    tenant = caller.tenant
    values = envelope(body, "designation") or {}
    decision_given, decision_id = optional_id(values, "decision_id", "#/designation", nullable=True)
    status_given, status_id = optional_id(values, "local_status_id", "#/designation", nullable=True)
    with versions.writing(store, tenant) as conn:
        identity, found = find(conn, tenant, user_identity_id, program_id, cas_id)
        if decision_given:
            found = _decide(conn, tenant, identity, found, decision_id)
        if status_given:
            found = admissions.set_local_status(conn, tenant, identity.cycle, found, status_id)
    return JSONResponse(designation_json(user_identity_id, program_id, found))


# --- custom field answers ------------------------------------------------------------------

ANSWER = APPLICANT + "/custom_field_answers/{custom_field_id}"


def _answer(
    conn: Connection, tenant: Tenant, identity_id: int, program_id: int, cas_id: str, field_id: int
) -> tuple[Designation, admissions.CustomField]:
    _identity, found = find(conn, tenant, identity_id, program_id, cas_id)
    return found, admissions.custom_field(conn, tenant, program_id, field_id)


@router.get(
    ANSWER, summary="Custom Field Answer Show", responses=docs.answers(docs.WebAdmitAnswerShow, names_identity=True)
)
def show_answer(
    user_identity_id: UserIdentityId,
    program_id: ProgramId,
    cas_id: ApplicantCasId,
    custom_field_id: CustomFieldId,
    store: StoreDep,
    caller: Caller,
) -> JSONResponse:
    """The applicant's answer to a custom field of the program (null when none is stored)."""
    tenant = caller.tenant
    with store.read() as conn:
        found, field = _answer(conn, tenant, user_identity_id, program_id, cas_id, custom_field_id)
        value = admissions.answer(conn, tenant, found.id, field.id)
    return JSONResponse({"custom_field_answer": answer_json(user_identity_id, program_id, found.cas_id, field, value)})


def _store(
    store: StoreDep, tenant: Tenant, identity_id: int, program_id: int, cas_id: str, field_id: int, body: Any
) -> JSONResponse:
    with versions.writing(store, tenant) as conn:
        found, field = _answer(conn, tenant, identity_id, program_id, cas_id, field_id)
        if body is None:
            value = None
        else:
            sent = envelope(body, "custom_field_answer", required=True) or {}
            for name in ("field_type", "value"):
                if name not in sent:
                    raise Invalid("schema", answers.missing("#/custom_field_answer", name))
            value = answers.check(field, sent["field_type"], sent["value"], at="#/custom_field_answer")
        admissions.store_answers(conn, tenant, [(found.id, field.id, value)])
    return JSONResponse({"custom_field_answer": answer_json(identity_id, program_id, found.cas_id, field, value)})


@router.put(
    ANSWER,
    summary="Custom Field Answer Store",
    responses=docs.answers(docs.WebAdmitAnswerShow, names_identity=True, body=True),
    openapi_extra=request_body(AnswerPut),
)
def store_answer(
    user_identity_id: UserIdentityId,
    program_id: ProgramId,
    cas_id: ApplicantCasId,
    custom_field_id: CustomFieldId,
    store: StoreDep,
    caller: Caller,
    body: JsonBody,
) -> JSONResponse:
    """Store the answer (creating or replacing it); its `field_type` must be the field's
    and its `value` of that type (null clears it)."""
    return _store(store, caller.tenant, user_identity_id, program_id, cas_id, custom_field_id, body)


@router.delete(
    ANSWER, summary="Custom Field Answer Destroy", responses=docs.answers(docs.WebAdmitAnswerShow, names_identity=True)
)
def clear_answer(
    user_identity_id: UserIdentityId,
    program_id: ProgramId,
    cas_id: ApplicantCasId,
    custom_field_id: CustomFieldId,
    store: StoreDep,
    caller: Caller,
) -> JSONResponse:
    """Clear the answer, as PUT with a null value does."""
    return _store(store, caller.tenant, user_identity_id, program_id, cas_id, custom_field_id, None)


# --- programhub's extension: creating applicants ----------------------------------------


@router.post(
    "/{user_identity_id}/applicants",
    summary="Applicant Create (programhub extension)",
    status_code=201,
    responses=docs.answers(docs.WebAdmitApplicantCreated, names_identity=True, status=201, body=True),
    openapi_extra=request_body(NewApplicant),
)
def create_applicant(user_identity_id: UserIdentityId, store: StoreDep, caller: Caller, body: JsonBody) -> JSONResponse:
    """An applicant of the identity's cycle, designated to programs the identity sees. A
    CAS ID already used in the cycle is refused (the CLI import updates instead)."""
    tenant = caller.tenant
    sent = parse(NewApplicant, body).applicant
    with field_errors():
        new = admissions.new_applicant(
            cas_id=sent.cas_id,
            email=sent.email,
            first_name=sent.first_name,
            last_name=sent.last_name,
            program_ids=sent.program_ids,
        )
    with versions.writing(store, tenant) as conn:
        identity = identities.get(conn, tenant, user_identity_id)
        with field_errors():
            admissions.import_applicants(conn, tenant, identity.cycle, [new], identity=identity, replace=False)
    applicant = {
        "cas_id": new.cas_id,
        "email": new.email,
        "first_name": new.first_name,
        "last_name": new.last_name,
        "designations": [
            {"program_id": pid, "href": applicant_href(user_identity_id, pid, new.cas_id) + "/designation"}
            for pid in new.program_ids
        ],
    }
    return JSONResponse({"applicant": applicant}, 201)
