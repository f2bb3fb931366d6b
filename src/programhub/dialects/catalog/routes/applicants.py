"""/applicants: waitlist applicants (Catalog's "Waitlist Applicants")."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from programhub.core import versions
from programhub.core.learners import service as learners
from programhub.dialects.catalog import docs
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.learners import docs as learner_docs
from programhub.dialects.catalog.learners import queries
from programhub.dialects.catalog.learners.requests import ApplicantQuery, ApplicantsDeletion
from programhub.dialects.catalog.learners.responses import applicant_json
from programhub.dialects.catalog.paging import paged
from programhub.dialects.catalog.requests import Body, path_id
from programhub.dialects.catalog.responses import PREFIX
from programhub.web.auth import Authenticated
from programhub.web.deps import StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.query import FromQuery
from programhub.web.requests import parse, request_body
from programhub.web.responses import JSONResponse

router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Canvas Catalog"])


@router.get(
    "/applicants",
    summary="List waitlist applicants",
    description="In id order (first come first); filters `listing_id` and `status` (waitlist, accepted, "
    "declined, expired).",
    responses={200: {"model": learner_docs.CatalogApplicantList, "headers": docs.LINK}, **docs.errors(422)},
)
def list_applicants(
    request: Request, params: FromQuery[ApplicantQuery], store: StoreDep, principal: Authenticated
) -> Response:
    chosen = params.chosen()
    with store.read() as conn:
        rows, total = queries.applicants_page(
            conn, principal.tenant, chosen, listing_id=params.listing_id, status=params.status
        )
    return paged(JSONResponse({"applicants": [applicant_json(row) for row in rows]}), request, chosen, total)


@router.get(
    "/applicants/{id:int}",
    summary="Get a waitlist applicant",
    responses={200: {"model": learner_docs.CatalogApplicantBody}, **docs.errors(404)},
)
def get_applicant(id: int, store: StoreDep, principal: Authenticated) -> Response:
    applicant_id = path_id("applicant", id)
    with store.read() as conn:
        return JSONResponse({"applicant": applicant_json(queries.applicant(conn, principal.tenant, applicant_id))})


@router.delete(
    "/applicants",
    summary="Delete waitlist applicants",
    description="Removes the applicant records of `listing_id` (form, JSON or query parameters), only those "
    "of the users with `canvas_user_id` when it is given. A listing that is not the key's is 422.",
    openapi_extra=request_body(
        ApplicantsDeletion, media_types=("application/x-www-form-urlencoded", "application/json")
    ),
    responses={200: {"model": learner_docs.CatalogEmpty}, **docs.errors(400, 413, 415, 422)},
)
def delete_applicants(request: Request, store: StoreDep, principal: Authenticated, body: Body) -> Response:
    tenant = principal.tenant
    wanted = parse(ApplicantsDeletion, {**request.query_params, **body})
    with versions.writing(store, tenant) as conn:
        learners.delete_applicants(conn, tenant, wanted.listing_id, canvas_user_id=wanted.canvas_user_id)
    return JSONResponse({})
