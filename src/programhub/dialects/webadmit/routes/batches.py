"""Batches (API v2): many designation decisions, or many custom field answers, of one
program, applied in the background; polled until they have finished. A retry with the
same `Idempotency-Key` gets the first batch back instead of a second one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from programhub.core.admissions import batches
from programhub.core.admissions import service as admissions
from programhub.core.identities import service as identities
from programhub.dialects.webadmit import docs
from programhub.dialects.webadmit.ratelimit import Caller
from programhub.dialects.webadmit.requests import (
    BatchAnswersPost,
    BatchDesignationsPost,
    BatchId,
    ProgramId,
    UserIdentityId,
    batch_rows,
)
from programhub.dialects.webadmit.responses import V2_PREFIX, batch_json
from programhub.dialects.webadmit.routes.api import JsonBody, router_options
from programhub.web.deps import JobsDep, StoreDep
from programhub.web.idempotency import IdempotencyKey, write_once
from programhub.web.requests import request_body
from programhub.web.responses import JSONResponse

router = APIRouter(**router_options(V2_PREFIX))

PROGRAM = "/{user_identity_id}/programs/{program_id}"
# Per resource: the job kind, the body's root and each row's fields with their JSON types.
RESOURCES: dict[str, tuple[str, str, dict[str, str]]] = {
    "batch_designations": (
        batches.DESIGNATIONS,
        "designations",
        {"applicant_cas_id": "string", "decision_id": "integer"},
    ),
    "batch_custom_field_answers": (
        batches.ANSWERS,
        "custom_field_answers",
        {"applicant_cas_id": "string", "custom_field_id": "integer", "field_type": "field_type", "value": "any"},
    ),
}


def _create(
    resource: str,
    identity_id: int,
    program_id: int,
    body: Any,
    store: StoreDep,
    caller: Caller,
    jobs: JobsDep,
    key: str | None,
) -> Response:
    kind, root, fields = RESOURCES[resource]
    tenant = caller.tenant
    rows = batch_rows(body, root, fields)

    def work(conn: Any) -> tuple[int, Any]:
        identity = identities.get(conn, tenant, identity_id)
        admissions.program(conn, tenant, identity, program_id)
        batch_id = batches.queue(conn, tenant, kind, identity_id, program_id, rows)
        return 201, batch_json(
            identity_id, program_id, resource, batches.get(conn, tenant, kind, identity_id, program_id, batch_id)
        )

    response = write_once(store, tenant, f"webadmit.{resource}.{identity_id}.{program_id}", key, rows, work)
    jobs.wake()
    return response


def _show(
    resource: str, identity_id: int, program_id: int, batch_id: int, store: StoreDep, caller: Caller
) -> JSONResponse:
    kind = RESOURCES[resource][0]
    tenant = caller.tenant
    with store.read() as conn:
        identity = identities.get(conn, tenant, identity_id)
        admissions.program(conn, tenant, identity, program_id)
        job = batches.get(conn, tenant, kind, identity_id, program_id, batch_id)
    return JSONResponse(batch_json(identity_id, program_id, resource, job))


@router.post(
    PROGRAM + "/batch_designations",
    summary="Batch Designations Create",
    status_code=201,
    responses=docs.answers(docs.WebAdmitBatch, names_identity=True, status=201, body=True, conflict=True),
    openapi_extra=request_body(BatchDesignationsPost),
)
def create_batch_designations(
    user_identity_id: UserIdentityId,
    program_id: ProgramId,
    store: StoreDep,
    caller: Caller,
    body: JsonBody,
    jobs: JobsDep,
    key: IdempotencyKey,
) -> Response:
    """Schedule decisions for many applicants of the program."""
    return _create("batch_designations", user_identity_id, program_id, body, store, caller, jobs, key)


@router.get(
    PROGRAM + "/batch_designations/{id}",
    summary="Batch Designations Show",
    responses=docs.answers(docs.WebAdmitBatch, names_identity=True),
)
def show_batch_designations(
    user_identity_id: UserIdentityId, program_id: ProgramId, id: BatchId, store: StoreDep, caller: Caller
) -> JSONResponse:
    """The batch's status, and once it has finished, one result per row."""
    return _show("batch_designations", user_identity_id, program_id, id, store, caller)


@router.post(
    PROGRAM + "/batch_custom_field_answers",
    summary="Batch Custom Field Answers Create",
    status_code=201,
    responses=docs.answers(docs.WebAdmitBatch, names_identity=True, status=201, body=True, conflict=True),
    openapi_extra=request_body(BatchAnswersPost),
)
def create_batch_answers(
    user_identity_id: UserIdentityId,
    program_id: ProgramId,
    store: StoreDep,
    caller: Caller,
    body: JsonBody,
    jobs: JobsDep,
    key: IdempotencyKey,
) -> Response:
    """Schedule custom field answers for many applicants of the program."""
    return _create("batch_custom_field_answers", user_identity_id, program_id, body, store, caller, jobs, key)


@router.get(
    PROGRAM + "/batch_custom_field_answers/{id}",
    summary="Batch Custom Field Answers Show",
    responses=docs.answers(docs.WebAdmitBatch, names_identity=True),
)
def show_batch_answers(
    user_identity_id: UserIdentityId, program_id: ProgramId, id: BatchId, store: StoreDep, caller: Caller
) -> JSONResponse:
    """The batch's status, and once it has finished, one result per row."""
    return _show("batch_custom_field_answers", user_identity_id, program_id, id, store, caller)
