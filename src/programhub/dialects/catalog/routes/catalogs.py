"""/catalogs: the key's catalogs (Catalog's "accounts"), and creating one (an extension)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from programhub.core import versions
from programhub.core.catalogs import service as catalogs_service
from programhub.dialects.catalog.accounts import account_json, catalog_input
from programhub.dialects.catalog.body import Body
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.listing_routes import listing_id
from programhub.dialects.catalog.openapi import CATALOG_REQUEST, LINK, CatalogAccountBody, CatalogAccountList, errors
from programhub.dialects.catalog.paging import Page, PageParam, PerPageParam, paged
from programhub.web.auth import Authenticated
from programhub.web.deps import SettingsDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.responses import JSONResponse

router = APIRouter(route_class=dialect_route_class(ERRORS))


@router.get(
    "/catalogs",
    summary="List catalogs",
    description="The key's catalogs in id order; the organisation's default catalog comes first.",
    responses={200: {"model": CatalogAccountList, "headers": LINK}, **errors(422)},
)
def list_catalogs(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: Authenticated,
    page: PageParam = None,
    per_page: PerPageParam = None,
) -> Response:
    chosen = Page.of(page, per_page)
    with store.read() as conn:
        total = catalogs_service.count(conn, principal.tenant)
        rows = catalogs_service.page(conn, principal.tenant, limit=chosen.size, offset=chosen.offset)
    return paged(
        JSONResponse({"catalogs": [account_json(row, settings.public_url) for row in rows]}), request, chosen, total
    )


@router.post(
    "/catalogs",
    summary="Create a catalog",
    description='An extension (Catalog has no such route): body `{"account": {name, url, canvas_domain, canvas_id, settings}}`.',
    status_code=201,
    openapi_extra=CATALOG_REQUEST,
    responses={201: {"model": CatalogAccountBody}, **errors(400, 413, 415, 422)},
)
def create_catalog(store: StoreDep, settings: SettingsDep, principal: Authenticated, body: Body) -> Response:
    fields = catalog_input(body)
    with versions.writing(store, principal.tenant) as conn:
        catalog_id = catalogs_service.create(conn, principal.tenant, fields)
        row = catalogs_service.get(conn, principal.tenant, catalog_id)
    return JSONResponse({"account": account_json(row, settings.public_url)}, 201)


@router.get(
    "/catalogs/{id:int}",
    summary="Get a catalog",
    responses={200: {"model": CatalogAccountBody}, **errors(404, 422)},
)
def get_catalog(id: int, store: StoreDep, settings: SettingsDep, principal: Authenticated) -> Response:
    wanted = listing_id("catalog", id)
    with store.read() as conn:
        row = catalogs_service.get(conn, principal.tenant, wanted)
    return JSONResponse({"account": account_json(row, settings.public_url)})
