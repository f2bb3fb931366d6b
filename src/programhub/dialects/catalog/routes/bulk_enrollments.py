"""/bulk_enrollments and /progresses: many enrollments at once, in the background."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core.jobs import service as jobs
from programhub.core.learners import bulk
from programhub.dialects.catalog import docs
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.learners import docs as learner_docs
from programhub.dialects.catalog.learners.requests import (
    BULK_ROOTS,
    CSV_TYPES,
    BulkEnrollmentRequest,
    bulk_request,
)
from programhub.dialects.catalog.learners.responses import bulk_enrollment_json, progress_json
from programhub.dialects.catalog.paging import paged
from programhub.dialects.catalog.requests import PageQuery, documented, path_id
from programhub.dialects.catalog.responses import PREFIX
from programhub.web.auth import Authenticated
from programhub.web.body import WhenEmpty, read_body
from programhub.web.deps import StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.idempotency import IdempotencyKey, write_once
from programhub.web.query import FromQuery
from programhub.web.responses import JSONResponse

router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Canvas Catalog"])
KINDS = (bulk.KIND,)


async def _bulk_body(request: Request) -> dict[str, Any]:
    """JSON (`{"bulk_enrollment": {...}}`), or a CSV file (`text/csv`) of rows, its catalog
    in `?account_id=`. Over the body limit: 413, before any of it is read here."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type in CSV_TYPES:
        fields: dict[str, Any] = {"rows": bulk.csv_rows(await request.body())}
        if "account_id" in request.query_params:
            fields["account_id"] = request.query_params["account_id"]
        return fields
    body = await read_body(request, object_only=True, when_empty=WhenEmpty.REFUSE)
    return dict(body)


BulkBody = Annotated[dict[str, Any], Depends(_bulk_body)]


@router.post(
    "/bulk_enrollments",
    summary="Start a bulk enrollment",
    description="Enrolls many users at once, in the background: JSON rows, or a CSV file (`Content-Type: "
    "text/csv`, a header line naming `listing_id` and `user_id` or `email_address` (`first_name`, "
    "`last_name`), the catalog in `?account_id=`). Users named by email are found ignoring case or registered. "
    "Each row follows the rules of `POST /enrollments`; a row's problem is reported in `row_errors` and the "
    "others go on. One bulk enrollment runs at a time per catalog: another is 409 naming it. Follow it with "
    "`GET /progresses/{progress_id}`. An `Idempotency-Key` makes a retry answer the first response.",
    status_code=201,
    openapi_extra=documented(BulkEnrollmentRequest, BULK_ROOTS),
    responses={
        201: {"model": learner_docs.CatalogBulkEnrollmentBody},
        **docs.errors(400, 413, 415, 422),
        409: {"model": docs.CatalogErrors, "description": "A bulk enrollment of this catalog is still running."},
    },
)
def create_bulk_enrollment(
    request: Request,
    store: StoreDep,
    principal: Authenticated,
    body: BulkBody,
    key: IdempotencyKey,
    account_id: Annotated[
        int | None,
        Query(
            ge=1, le=2**31 - 1, description="With a CSV body: the catalog (default: the organisation's default one)."
        ),
    ] = None,
) -> Response:
    tenant = principal.tenant
    wanted = bulk_request(body)

    def work(conn: Connection) -> tuple[int, Any]:
        job_id = bulk.start(conn, tenant, wanted.rows, catalog_id=wanted.account_id)
        return 201, {"bulk_enrollment": bulk_enrollment_json(jobs.get(conn, tenant, job_id))}

    response = write_once(store, tenant, "catalog.bulk_enrollments", key, wanted.model_dump(), work)
    request.app.state.jobs.wake()  # committed: run it now rather than at the next poll
    return response


@router.get(
    "/bulk_enrollments",
    summary="List bulk enrollments",
    description="Newest first.",
    responses={200: {"model": learner_docs.CatalogBulkEnrollmentList, "headers": docs.LINK}, **docs.errors(422)},
)
def list_bulk_enrollments(
    request: Request, params: FromQuery[PageQuery], store: StoreDep, principal: Authenticated
) -> Response:
    chosen = params.chosen()
    with store.read() as conn:
        total, found = jobs.page(conn, principal.tenant, KINDS, limit=chosen.size, offset=chosen.offset)
    body = {"bulk_enrollments": [bulk_enrollment_json(job) for job in found]}
    return paged(JSONResponse(body), request, chosen, total)


@router.get(
    "/bulk_enrollments/{id:int}",
    summary="Get a bulk enrollment",
    responses={200: {"model": learner_docs.CatalogBulkEnrollmentBody}, **docs.errors(404)},
)
def get_bulk_enrollment(id: int, store: StoreDep, principal: Authenticated) -> Response:
    job_id = path_id("bulk_enrollment", id)
    with store.read() as conn:
        job = jobs.get(conn, principal.tenant, job_id, kinds=KINDS)
    return JSONResponse({"bulk_enrollment": bulk_enrollment_json(job)})


@router.get(
    "/progresses/{id:int}",
    summary="Get a progress",
    description="How far a bulk enrollment got: `completion_percent` and `workflow_state` (queued, running, "
    "completed, failed).",
    responses={200: {"model": learner_docs.CatalogProgressBody}, **docs.errors(404)},
)
def get_progress(id: int, store: StoreDep, principal: Authenticated) -> Response:
    job_id = path_id("progress", id)
    with store.read() as conn:
        job = jobs.get(conn, principal.tenant, job_id, kinds=KINDS)
    return JSONResponse({"progress": progress_json(job)})
