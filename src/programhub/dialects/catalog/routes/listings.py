"""/programs and /courses: the same six routes for each kind of listing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from programhub.core import validation as check
from programhub.core import versions
from programhub.core.clock import utcnow
from programhub.core.errors import NotFound
from programhub.dialects.catalog import commands, queries
from programhub.dialects.catalog.body import Body
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.openapi import (
    ARCHIVE_REQUEST,
    KIND_MODELS,
    LINK,
    NO_NUL,
    CatalogArchiveFailure,
    errors,
    listing_request,
)
from programhub.dialects.catalog.paging import Page, PageParam, PerPageParam, paged
from programhub.dialects.catalog.schemas import COURSE, PROGRAM, Renderer, envelope, single
from programhub.web.auth import Authenticated
from programhub.web.cache import CacheDep, Fresh
from programhub.web.deps import SettingsDep, StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.responses import JSONResponse

router = APIRouter(route_class=dialect_route_class(ERRORS))

MAX_ID = 2**31 - 1
TEXT = {"pattern": NO_NUL, "maxLength": check.SHORT_TEXT}
JSON = "application/json"


def listing_id(kind: str, raw: int) -> int:
    """A path id (routes match digits only, so other paths are unknown: 404); one out of
    range cannot be ours either."""
    if 0 < raw <= MAX_ID:
        return raw
    raise NotFound(kind, raw)


def no_content() -> Response:
    """Catalog documents `{}` for its 204s; HTTP (and Rack, which Catalog runs on) sends
    a 204 without a body, so that is what goes on the wire."""
    return Response(status_code=204)


def _filter_text(name: str, value: str | None) -> str | None:
    return None if value is None else check.text(name, value, max_length=check.SHORT_TEXT)


def add_routes(kind: str) -> None:
    plural = f"{kind}s"
    one_model, list_model = KIND_MODELS[kind]

    @router.get(
        f"/{plural}",
        name=f"list_{plural}",
        summary=f"List {plural}",
        description=f"Live {plural} (not archived unless `archived=true`), ordered by list_order then id, each with its whole requirement tree.",
        responses={200: {"model": list_model, "headers": LINK}, **errors(422)},
    )
    async def list_listings(
        request: Request,
        store: StoreDep,
        cache: CacheDep,
        settings: SettingsDep,
        principal: Authenticated,
        page: PageParam = None,
        per_page: PerPageParam = None,
        description: Annotated[
            str | None, Query(description="Exactly this description.", json_schema_extra=TEXT)
        ] = None,
        listing_path: Annotated[
            str | None, Query(description="Exactly this listing path.", json_schema_extra=TEXT)
        ] = None,
        is_enrollable: Annotated[
            bool | None, Query(description="Open for enrollment now (open, inside its window, not full), or not.")
        ] = None,
        query: Annotated[
            str | None,
            Query(description="Case-insensitive text in the title, description or tags.", json_schema_extra=TEXT),
        ] = None,
        archived: Annotated[bool, Query(description="true: only archived listings (an extension).")] = False,
    ) -> Response:
        filters = queries.Filters(
            description=_filter_text("description", description),
            listing_path=_filter_text("listing_path", listing_path),
            is_enrollable=is_enrollable,
            query=_filter_text("query", query),
            archived=archived,
        )
        chosen = Page.of(page, per_page)

        def render() -> Fresh[tuple[bytes, int]]:
            now = utcnow()
            with store.read() as conn:
                trees, ids, total = queries.page_of(
                    conn, principal.tenant, kind, filters, chosen, now, settings.public_url
                )
                until = (
                    queries.next_enrollment_change(conn, principal.tenant, kind, now)
                    if filters.is_enrollable is not None
                    else None
                )
            renderer = Renderer(trees)
            body = envelope(plural, [renderer.listing(i) for i in ids])
            return Fresh((body, total), len(body), until)

        body, total = await cache.answer(
            principal, ("catalog.list", kind, filters, chosen, settings.public_url), render
        )
        return paged(Response(body, media_type=JSON), request, chosen, total)

    @router.post(
        f"/{plural}",
        name=f"create_{kind}",
        summary=f"Create a {kind}",
        status_code=201,
        openapi_extra=listing_request(kind, create=True),
        responses={201: {"model": one_model, "description": f"The new {kind}."}, **errors(400, 413, 415, 422)},
    )
    def create_listing(store: StoreDep, settings: SettingsDep, principal: Authenticated, body: Body) -> Response:
        tenant = principal.tenant
        with versions.writing(store, tenant) as conn:
            new_id = commands.create(conn, tenant, kind, body)
            trees = queries.one(conn, tenant, kind, new_id, settings.public_url)
        return Response(single(kind, Renderer(trees).listing(new_id)), 201, media_type=JSON)

    @router.post(
        f"/{plural}/archived",
        name=f"archive_{plural}",
        summary=f"Archive or reactivate {plural}",
        description="`product_action` archive or reactivate, `product_ids` the ids. Ids that are not "
        f"{plural} of this key fail; the others are processed all the same.",
        openapi_extra=ARCHIVE_REQUEST,
        responses={
            200: {
                "description": f"All {plural} were processed.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            **errors(400, 413, 415, 422),
            422: {
                "model": CatalogArchiveFailure,
                "description": "The body is not valid, or some ids failed (`failed_product_ids`).",
            },
        },
    )
    def archive_listings(store: StoreDep, principal: Authenticated, body: Body) -> Response:
        with versions.writing(store, principal.tenant) as conn:
            result = commands.act(conn, principal.tenant, kind, body)
        if not result.failed:
            return JSONResponse({})
        return JSONResponse(
            {
                "errors": [
                    {"message": f"{kind} {failed} does not exist and was not processed", "field": "product_ids"}
                    for failed in result.failed
                ],
                "failed_product_ids": result.failed,
            },
            422,
        )

    @router.get(
        f"/{plural}/{{id:int}}",
        name=f"get_{kind}",
        summary=f"Get a {kind}",
        description=f"The {kind} with its whole requirement tree; archived {plural} too.",
        responses={200: {"model": one_model}, **errors(404, 422)},
    )
    async def get_listing(
        id: int, store: StoreDep, cache: CacheDep, settings: SettingsDep, principal: Authenticated
    ) -> Response:
        wanted = listing_id(kind, id)

        def render() -> Fresh[bytes]:
            with store.read() as conn:
                trees = queries.one(conn, principal.tenant, kind, wanted, settings.public_url)
            body = single(kind, Renderer(trees).listing(wanted))
            return Fresh(body, len(body))

        body = await cache.answer(principal, ("catalog.get", kind, wanted, settings.public_url), render)
        return Response(body, media_type=JSON)

    @router.put(
        f"/{plural}/{{id:int}}",
        name=f"update_{kind}",
        summary=f"Update a {kind}",
        description="Changes only the fields named; `requirement_ids` replaces the ordered list.",
        status_code=204,
        openapi_extra=listing_request(kind, create=False),
        responses={204: {"description": "Updated (no body)."}, **errors(400, 404, 413, 415, 422)},
    )
    def update_listing(id: int, store: StoreDep, principal: Authenticated, body: Body) -> Response:
        wanted = listing_id(kind, id)
        with versions.writing(store, principal.tenant) as conn:
            commands.update(conn, principal.tenant, kind, wanted, body)
        return no_content()

    @router.delete(
        f"/{plural}/{{id:int}}",
        name=f"delete_{kind}",
        summary=f"Delete a {kind}",
        status_code=204,
        responses={204: {"description": "Deleted (no body)."}, **errors(404, 409, 422)},
    )
    def delete_listing(id: int, store: StoreDep, principal: Authenticated) -> Response:
        wanted = listing_id(kind, id)
        with versions.writing(store, principal.tenant) as conn:
            commands.delete(conn, principal.tenant, kind, wanted)
        return no_content()


for _kind in (PROGRAM, COURSE):
    add_routes(_kind)
