"""/certificates: a listing's certificate (one per listing), revoking users' awards of it, and a
user's completions with their certificates, as Catalog documents them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from programhub.core import versions
from programhub.core.certificates import awards
from programhub.core.certificates import service as certificates
from programhub.core.learners import service as learners
from programhub.core.listings import service as listings_service
from programhub.dialects.catalog import docs, queries
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.paging import paged
from programhub.dialects.catalog.requests import (
    CERTIFICATE_ROOTS,
    Body,
    CertificateRequest,
    CompletedCertificatesQuery,
    RevokeCertificateRequest,
    certificate_listing,
    certificate_request,
    documented,
    revoke_certificate_request,
)
from programhub.dialects.catalog.responses import (
    PREFIX,
    certificate_json,
    completed_certificate_json,
    revoked_certificate_json,
)
from programhub.web.auth import Authenticated
from programhub.web.deps import SettingsDep, SigningDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.query import FromQuery
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


@router.put(
    "/certificates/revoke_users_certificate",
    summary="Revoke users' certificates of a listing",
    description="Revokes the credentials awarded for the listing to the users with these Canvas ids (users "
    "without an award are left out of the answer). Record shows them revoked, and their status list says so.",
    openapi_extra=documented(RevokeCertificateRequest, CERTIFICATE_ROOTS),
    responses={200: {"model": docs.CatalogRevokedCertificates}, **docs.errors(400, 404, 413, 415, 422)},
)
def revoke_users_certificate(store: StoreDep, signing: SigningDep, principal: Authenticated, body: Body) -> Response:
    sent = revoke_certificate_request(body)
    tenant = principal.tenant
    with versions.writing(store, tenant) as conn:
        listing = listings_service.get(conn, tenant, sent.listing_id)
        users = learners.users_for_canvas_ids(conn, tenant, sent.canvas_user_ids)
        revoked = awards.revoke_users(conn, tenant, sent.listing_id, list(users), signing_with=signing)
    return JSONResponse(
        {
            "revoked_certificates": [
                revoked_certificate_json(users[item.user_id], listing.canvas_course_id, item.listing_id)
                for item in revoked
            ]
        }
    )


@router.get(
    "/completed_certificates",
    summary="List a user's completions with their certificates",
    description="The user's completed programs and courses, oldest completion first, each with its "
    "certificate's page when one was awarded and stands.",
    responses={200: {"model": docs.CatalogCompletedCertificates, "headers": docs.LINK}, **docs.errors(404, 422)},
)
def completed_certificates(
    request: Request,
    params: FromQuery[CompletedCertificatesQuery],
    store: StoreDep,
    settings: SettingsDep,
    principal: Authenticated,
) -> Response:
    chosen = params.chosen()
    tenant = principal.tenant
    with store.read() as conn:
        user_id = learners.user_for_canvas_id(conn, tenant, params.user_id, field="user_id")
        total, rows = queries.completions_page(
            conn, tenant, user_id, chosen, with_certificates_only=not params.include_without_certificates
        )
    body = {"completed_certificates": [completed_certificate_json(row, settings.public_url) for row in rows]}
    return paged(JSONResponse(body), request, chosen, total)
