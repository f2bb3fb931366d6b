"""/certificates: a listing's certificate (one per listing), as Catalog documents it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from programhub.core import versions
from programhub.core.certificates import service as certificates
from programhub.dialects.catalog import docs
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.requests import (
    CERTIFICATE_ROOTS,
    Body,
    CertificateRequest,
    certificate_listing,
    certificate_request,
    documented,
)
from programhub.dialects.catalog.responses import PREFIX, certificate_json
from programhub.web.auth import Authenticated
from programhub.web.deps import StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.responses import JSONResponse

router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Canvas Catalog"])

LISTING_PARAMETER = {
    "parameters": [
        {
            "name": "listing_id",
            "in": "query",
            "required": True,
            "description": "The listing (also read as `certificate[listing_id]`, as Instructure's own client "
            "sends it, and from the body of a DELETE).",
            "schema": {"type": "integer", "minimum": 1},
        }
    ]
}


@router.get(
    "/certificates",
    summary="Get a listing's certificate",
    openapi_extra=LISTING_PARAMETER,
    responses={200: {"model": docs.CatalogCertificateBody}, **docs.errors(404, 422)},
)
def get_certificate(request: Request, store: StoreDep, principal: Authenticated) -> Response:
    listing_id = certificate_listing(request.query_params)
    with store.read() as conn:
        row = certificates.get(conn, principal.tenant, listing_id)
    return JSONResponse({"certificate": certificate_json(row)})


@router.post(
    "/certificates",
    summary="Create a listing's certificate",
    description="A listing has one certificate; creating a second is 422 on `listing_id`. `days_to_expire` "
    "and `expires_at` may be sent beside `certificate` (as documented) or inside it; at most one of them.",
    status_code=201,
    openapi_extra=documented(CertificateRequest, CERTIFICATE_ROOTS),
    responses={201: {"model": docs.CatalogCertificateBody}, **docs.errors(400, 404, 413, 415, 422)},
)
def create_certificate(store: StoreDep, principal: Authenticated, body: Body) -> Response:
    sent = certificate_request(body)
    with versions.writing(store, principal.tenant) as conn:
        row = certificates.create(conn, principal.tenant, sent.listing_id, sent.core_fields())
    return JSONResponse({"certificate": certificate_json(row)}, 201)


@router.delete(
    "/certificates",
    summary="Delete a listing's certificate",
    description="The listing is named by `listing_id` in the body or the query. Awards already made stay valid.",
    status_code=204,
    openapi_extra=LISTING_PARAMETER,
    responses={204: {"description": "Deleted."}, **docs.errors(400, 404, 413, 415, 422)},
)
def delete_certificate(request: Request, store: StoreDep, principal: Authenticated, body: Body) -> Response:
    listing_id = certificate_listing({**request.query_params, **body})
    with versions.writing(store, principal.tenant) as conn:
        certificates.delete_for(conn, principal.tenant, listing_id)
    return Response(status_code=204)
