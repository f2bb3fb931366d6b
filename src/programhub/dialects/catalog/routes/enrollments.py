"""/enrollments: enrolling (or joining the waitlist), dropping, and completing (an extension)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core import versions
from programhub.core.certificates import awards
from programhub.core.learners import service as learners
from programhub.core.tenancy import Tenant
from programhub.dialects.catalog import docs
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.learners import docs as learner_docs
from programhub.dialects.catalog.learners import queries
from programhub.dialects.catalog.learners.requests import (
    ENROLLMENT_ROOTS,
    CompletionRequest,
    EnrollmentQuery,
    EnrollmentRequest,
    completion_request,
    enrollment_request,
)
from programhub.dialects.catalog.learners.responses import applicant_json, enrollment_json
from programhub.dialects.catalog.paging import paged
from programhub.dialects.catalog.requests import Body, documented, path_id
from programhub.dialects.catalog.responses import PREFIX
from programhub.web.auth import Authenticated
from programhub.web.deps import SigningDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.idempotency import IdempotencyKey, write_once
from programhub.web.query import FromQuery
from programhub.web.responses import JSONResponse

router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Canvas Catalog"])

REFUSALS = (
    "422 (`field` listing_id or user_id) when the listing is closed, not open yet, ended, full "
    "(and its waitlist off or full), or the user is already enrolled or waiting"
)


def _shown(conn: Connection, tenant: Tenant, enrollment_id: int) -> dict[str, Any]:
    return {"enrollment": enrollment_json(queries.enrollment(conn, tenant, enrollment_id))}


@router.get(
    "/enrollments",
    summary="List enrollments",
    description="Enrollments in id order (a program's tree included: each requirement's enrollment names "
    "`root_program_id`); dropped ones only with `status=dropped`.",
    responses={200: {"model": learner_docs.CatalogEnrollmentList, "headers": docs.LINK}, **docs.errors(422)},
)
def list_enrollments(
    request: Request, params: FromQuery[EnrollmentQuery], store: StoreDep, principal: Authenticated
) -> Response:
    chosen = params.chosen()
    with store.read() as conn:
        rows, total = queries.enrollments_page(conn, principal.tenant, chosen, params.filters())
    return paged(JSONResponse({"enrollments": [enrollment_json(row) for row in rows]}), request, chosen, total)


@router.post(
    "/enrollments",
    summary="Enroll a user",
    description="Enrolls the user (`user_id`, or `canvas_user_id`) in the listing: 201 with the enrollment "
    "(a program's whole requirement tree is enrolled too), or, when the listing is full and has a waitlist "
    f"with room, 202 with the waitlist applicant. Refused: {REFUSALS}. "
    "An `Idempotency-Key` makes a retry answer the first response.",
    status_code=201,
    openapi_extra=documented(EnrollmentRequest, ENROLLMENT_ROOTS),
    responses={
        201: {"model": learner_docs.CatalogEnrollmentBody, "description": "Enrolled."},
        202: {"model": learner_docs.CatalogApplicantBody, "description": "On the waitlist."},
        **docs.errors(400, 409, 413, 415, 422),
    },
)
def create_enrollment(store: StoreDep, principal: Authenticated, body: Body, key: IdempotencyKey) -> Response:
    tenant = principal.tenant
    wanted = enrollment_request(body)

    def work(conn: Connection) -> tuple[int, Any]:
        user_id = wanted.user_id
        if user_id is None:
            assert wanted.canvas_user_id is not None
            user_id = learners.user_for_canvas_id(conn, tenant, wanted.canvas_user_id, field="canvas_user_id")
        outcome = learners.enroll(conn, tenant, user_id=user_id, listing_id=wanted.listing_id)
        if outcome.enrollment_id is not None:
            return 201, _shown(conn, tenant, outcome.enrollment_id)
        assert outcome.applicant_id is not None
        return 202, {"applicant": applicant_json(queries.applicant(conn, tenant, outcome.applicant_id))}

    return write_once(store, tenant, "catalog.enrollments", key, wanted.model_dump(), work)


@router.get(
    "/enrollments/{id:int}",
    summary="Get an enrollment",
    responses={200: {"model": learner_docs.CatalogEnrollmentBody}, **docs.errors(404)},
)
def get_enrollment(id: int, store: StoreDep, principal: Authenticated) -> Response:
    enrollment_id = path_id("enrollment", id)
    with store.read() as conn:
        return JSONResponse(_shown(conn, principal.tenant, enrollment_id))


@router.put(
    "/enrollments/{id:int}",
    summary="Complete a course enrollment (extension)",
    description="An extension (Catalog learns completions from Canvas): `completed_at` marks a course "
    "enrollment complete (null withdraws it). Its program's next requirement opens when the program is "
    "sequential, and a program is complete (`requirements_completed_at`) once its whole tree is; a withdrawn "
    "completion clears it again.",
    openapi_extra=documented(CompletionRequest, ENROLLMENT_ROOTS),
    responses={200: {"model": learner_docs.CatalogEnrollmentBody}, **docs.errors(400, 404, 413, 415, 422)},
)
def complete_enrollment(
    id: int, store: StoreDep, signing: SigningDep, principal: Authenticated, body: Body
) -> Response:
    tenant = principal.tenant
    enrollment_id = path_id("enrollment", id)
    with versions.writing(store, tenant) as conn:
        learners.get_enrollment(conn, tenant, enrollment_id)  # 404 before the body is judged
        wanted = completion_request(body)
        awards.complete(conn, tenant, enrollment_id, wanted.completed_at, signing_with=signing)
        return JSONResponse(_shown(conn, tenant, enrollment_id))


@router.delete(
    "/enrollments/{id:int}",
    summary="Drop an enrollment",
    description="Drops a user's enrollment and the requirement tree it brought (status `dropped`); its seat "
    "goes to the earliest waitlist applicant. An enrollment a program brought is dropped with the program "
    "(409 otherwise).",
    responses={
        200: {"model": learner_docs.CatalogEnrollmentBody},
        **docs.errors(404),
        409: {"model": docs.CatalogErrors, "description": "The enrollment is part of a program's enrollment."},
    },
)
def drop_enrollment(id: int, store: StoreDep, principal: Authenticated) -> Response:
    tenant = principal.tenant
    enrollment_id = path_id("enrollment", id)
    with versions.writing(store, tenant) as conn:
        learners.drop(conn, tenant, enrollment_id)
        return JSONResponse(_shown(conn, tenant, enrollment_id))
