"""/programs and /courses: the same six routes for each kind of listing."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core import versions
from programhub.core.clock import utcnow
from programhub.core.listings import service as listings
from programhub.core.listings import tree
from programhub.core.listings.shown import ShownListings
from programhub.core.tenancy import Tenant
from programhub.dialects.catalog import docs, queries
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.paging import paged
from programhub.dialects.catalog.requests import (
    LISTING_REQUESTS,
    WIRE_NAMES,
    ArchiveRequest,
    Body,
    ListingQuery,
    documented,
    listing_request,
    path_id,
)
from programhub.dialects.catalog.responses import COURSE, PREFIX, PROGRAM, envelope, single
from programhub.web.auth import Authenticated
from programhub.web.cache import CacheDep, Fresh
from programhub.web.deps import SettingsDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.query import FromQuery
from programhub.web.requests import parse, request_body, wire_names
from programhub.web.responses import JSONResponse

router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Canvas Catalog"])

JSON = "application/json"
FORMS = "A URL-encoded form with Rails names (`{kind}[title]=...&{kind}[tag_names][]=...`) is accepted too."


def no_content() -> Response:
    """Catalog documents `{}` for its 204s; HTTP (and Rack, which Catalog runs on) sends
    a 204 without a body, so that is what goes on the wire."""
    return Response(status_code=204)


def _write_requirements(conn: Connection, tenant: Tenant, program_id: int, requirement_ids: list[int] | None) -> None:
    """Replace the program's requirements when the request names them (its trees then
    checked whole: depth and size)."""
    if requirement_ids is None:
        return
    listings.set_requirements(conn, tenant, program_id, requirement_ids)
    tree.check_shape(conn, tenant, program_id)


def add_routes(kind: str) -> None:
    plural = f"{kind}s"
    one_model, list_model = docs.KIND_MODELS[kind]
    new_model, change_model = LISTING_REQUESTS[kind]

    @router.get(
        f"/{plural}",
        name=f"list_{plural}",
        summary=f"List {plural}",
        description=f"Live {plural} (not archived unless `archived=true`), ordered by list_order then id, each with its whole requirement tree.",
        responses={200: {"model": list_model, "headers": docs.LINK}, **docs.errors(422)},
    )
    async def list_listings(
        request: Request,
        params: FromQuery[ListingQuery],
        store: StoreDep,
        cache: CacheDep,
        settings: SettingsDep,
        principal: Authenticated,
    ) -> Response:
        tenant, filters, chosen = principal.tenant, params.filters(), params.chosen()

        def build(conn: Connection) -> Fresh[tuple[bytes, int]]:
            now = utcnow()
            trees, ids, total = queries.page_of(conn, tenant, kind, filters, chosen, now)
            items = queries.rendered(conn, trees, ids, settings.public_url)
            enrollable_until = (
                queries.next_enrollment_change(conn, tenant, kind, now) if filters.is_enrollable is not None else None
            )
            body = envelope(plural, items)
            # A default list shows its trees and its order alone; a filtered one also
            # depends on listings it does not show (one edited to match its filter).
            shown = ShownListings(tenant, tuple(trees.rows), kind) if filters.is_default() else None
            return Fresh((body, total), len(body), enrollable_until, shown)

        key = ("catalog.list", kind, filters, chosen, settings.public_url)
        body, total = await cache.value(principal, key, store, build, python_bound=True)
        return paged(Response(body, media_type=JSON), request, chosen, total)

    @router.post(
        f"/{plural}",
        name=f"create_{kind}",
        summary=f"Create a {kind}",
        status_code=201,
        openapi_extra=documented(new_model, (kind,), description=FORMS.format(kind=kind)),
        responses={201: {"model": one_model, "description": f"The new {kind}."}, **docs.errors(400, 413, 415, 422)},
    )
    def create_listing(store: StoreDep, settings: SettingsDep, principal: Authenticated, body: Body) -> Response:
        tenant = principal.tenant
        wanted = listing_request(kind, body, new=True)
        with versions.writing(store, tenant) as conn:
            wanted.check_against(conn, tenant, {})
            with wire_names(WIRE_NAMES):
                new_id = listings.create(conn, tenant, kind, wanted.core_fields())
            _write_requirements(conn, tenant, new_id, wanted.requirement_ids or None)  # none yet to clear
            (item,) = queries.rendered(conn, queries.one(conn, tenant, kind, new_id), [new_id], settings.public_url)
        return Response(single(kind, item), 201, media_type=JSON)

    @router.post(
        f"/{plural}/archived",
        name=f"archive_{plural}",
        summary=f"Archive or reactivate {plural}",
        description="`product_action` archive or reactivate, `product_ids` the ids. Ids that are not "
        f"{plural} of this key fail; the others are processed all the same.",
        openapi_extra=request_body(ArchiveRequest),
        responses={
            200: {
                "description": f"All {plural} were processed.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            **docs.errors(400, 413, 415, 422),
            422: {
                "model": docs.CatalogArchiveFailure,
                "description": "The body is not valid, or some ids failed (`failed_product_ids`).",
            },
        },
    )
    def archive_listings(store: StoreDep, principal: Authenticated, body: Body) -> Response:
        action = parse(ArchiveRequest, body)
        with versions.writing(store, principal.tenant) as conn:
            failed = listings.set_status(conn, principal.tenant, kind, action.product_ids, action.status())
        if not failed:
            return JSONResponse({})
        return JSONResponse(
            {
                "errors": [
                    {"message": f"{kind} {failed_id} does not exist and was not processed", "field": "product_ids"}
                    for failed_id in failed
                ],
                "failed_product_ids": failed,
            },
            422,
        )

    @router.get(
        f"/{plural}/{{id:int}}",
        name=f"get_{kind}",
        summary=f"Get a {kind}",
        description=f"The {kind} with its whole requirement tree; archived {plural} too.",
        responses={200: {"model": one_model}, **docs.errors(404, 422)},
    )
    async def get_listing(
        id: int, store: StoreDep, cache: CacheDep, settings: SettingsDep, principal: Authenticated
    ) -> Response:
        wanted = path_id(kind, id)

        def build(conn: Connection) -> Fresh[bytes]:
            trees = queries.one(conn, principal.tenant, kind, wanted)
            (item,) = queries.rendered(conn, trees, [wanted], settings.public_url)
            body = single(kind, item)
            return Fresh(body, len(body), depends_on=ShownListings(principal.tenant, tuple(trees.rows)))

        key = ("catalog.get", kind, wanted, settings.public_url)
        return await cache.read(principal, key, store, build, python_bound=True)

    @router.put(
        f"/{plural}/{{id:int}}",
        name=f"update_{kind}",
        summary=f"Update a {kind}",
        description="Changes only the fields named (an empty body changes nothing); `requirement_ids` replaces the ordered list.",
        status_code=204,
        openapi_extra=documented(change_model, (kind,), required=False, description=FORMS.format(kind=kind)),
        responses={204: {"description": "Updated (no body)."}, **docs.errors(400, 404, 413, 415, 422)},
    )
    def update_listing(id: int, store: StoreDep, principal: Authenticated, body: Body) -> Response:
        tenant = principal.tenant
        listing_id = path_id(kind, id)
        with versions.writing(store, tenant) as conn:
            current = listings.get(conn, tenant, listing_id, kind=kind)  # 404 before the fields are judged
            wanted = listing_request(kind, body, new=False)
            wanted.check_against(conn, tenant, dict(current._mapping))
            changes = wanted.core_fields()
            if changes:
                with wire_names(WIRE_NAMES):
                    listings.update(conn, tenant, listing_id, changes, kind=kind, current=current)
            _write_requirements(conn, tenant, listing_id, wanted.requirement_ids)
        return no_content()

    @router.delete(
        f"/{plural}/{{id:int}}",
        name=f"delete_{kind}",
        summary=f"Delete a {kind}",
        status_code=204,
        responses={204: {"description": "Deleted (no body)."}, **docs.errors(404, 409, 422)},
    )
    def delete_listing(id: int, store: StoreDep, principal: Authenticated) -> Response:
        listing_id = path_id(kind, id)
        with versions.writing(store, principal.tenant) as conn:
            listings.delete_listing(conn, principal.tenant, listing_id, kind=kind)
        return no_content()


for _kind in (PROGRAM, COURSE):
    add_routes(_kind)
