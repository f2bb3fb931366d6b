"""/catalogs: the key's catalogs (Catalog's "accounts"), and creating one (an extension)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from programhub.core import versions
from programhub.core.catalogs import service as catalogs
from programhub.dialects.catalog import docs
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.paging import paged
from programhub.dialects.catalog.requests import (
    CATALOG_ROOTS,
    Body,
    CatalogRequest,
    PageQuery,
    catalog_request,
    documented,
    path_id,
)
from programhub.dialects.catalog.responses import PREFIX, account_json
from programhub.web.auth import Authenticated
from programhub.web.deps import SettingsDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.query import FromQuery
from programhub.web.responses import JSONResponse

router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Canvas Catalog"])


@router.get(
    "/catalogs",
    summary="List catalogs",
    description="The key's catalogs in id order; the organisation's default catalog comes first.",
    responses={200: {"model": docs.CatalogAccountList, "headers": docs.LINK}, **docs.errors(422)},
)
def list_catalogs(
    request: Request,
    params: FromQuery[PageQuery],
    store: StoreDep,
    settings: SettingsDep,
    principal: Authenticated,
) -> Response:
    chosen = params.chosen()
    with store.read() as conn:
        total = catalogs.count(conn, principal.tenant)
        rows = catalogs.page(conn, principal.tenant, limit=chosen.size, offset=chosen.offset)
    body = {"catalogs": [account_json(row, settings.public_url) for row in rows]}
    return paged(JSONResponse(body), request, chosen, total)


@router.post(
    "/catalogs",
    summary="Create a catalog",
    description='An extension (Catalog has no such route): body `{"account": {name, url, canvas_domain, canvas_id, settings}}`.',
    status_code=201,
    openapi_extra=documented(CatalogRequest, CATALOG_ROOTS),
    responses={201: {"model": docs.CatalogAccountBody}, **docs.errors(400, 413, 415, 422)},
)
def create_catalog(store: StoreDep, settings: SettingsDep, principal: Authenticated, body: Body) -> Response:
    fields = catalog_request(body).core_fields()
    with versions.writing(store, principal.tenant) as conn:
        catalog_id = catalogs.create(conn, principal.tenant, fields)
        row = catalogs.get(conn, principal.tenant, catalog_id)
    return JSONResponse({"account": account_json(row, settings.public_url)}, 201)


@router.get(
    "/catalogs/{id:int}",
    summary="Get a catalog",
    responses={200: {"model": docs.CatalogAccountBody}, **docs.errors(404, 422)},
)
def get_catalog(id: int, store: StoreDep, settings: SettingsDep, principal: Authenticated) -> Response:
    wanted = path_id("catalog", id)
    with store.read() as conn:
        row = catalogs.get(conn, principal.tenant, wanted)
    return JSONResponse({"account": account_json(row, settings.public_url)})
