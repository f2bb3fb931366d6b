"""/users (and the legacy /user_registrations/{id}): Catalog's users."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import Connection
from starlette.responses import Response

from programhub.core import versions
from programhub.core.catalogs import service as catalogs
from programhub.core.learners import service as learners
from programhub.core.tenancy import Tenant
from programhub.dialects.catalog import docs
from programhub.dialects.catalog.errors import ERRORS
from programhub.dialects.catalog.learners import docs as learner_docs
from programhub.dialects.catalog.learners import queries
from programhub.dialects.catalog.learners.requests import (
    USER_ROOTS,
    USER_WIRE_NAMES,
    NewUserRequest,
    UserDeletion,
    UserQuery,
    UserRequest,
    user_request,
)
from programhub.dialects.catalog.learners.responses import user_json
from programhub.dialects.catalog.paging import paged
from programhub.dialects.catalog.requests import Body, documented, path_id
from programhub.dialects.catalog.responses import PREFIX
from programhub.web.auth import Authenticated
from programhub.web.deps import StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.idempotency import IdempotencyKey, write_once
from programhub.web.query import FromQuery
from programhub.web.requests import parse, wire_names
from programhub.web.responses import JSONResponse

router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Canvas Catalog"])


def _shown(conn: Connection, tenant: Tenant, user_id: int) -> dict[str, Any]:
    return user_json(queries.user(conn, tenant, user_id), catalogs.default_id(conn, tenant))


@router.get(
    "/users",
    summary="List users",
    description="The key's users (not deleted) in id order.",
    responses={200: {"model": learner_docs.CatalogUserList, "headers": docs.LINK}, **docs.errors(422)},
)
def list_users(request: Request, params: FromQuery[UserQuery], store: StoreDep, principal: Authenticated) -> Response:
    tenant, chosen = principal.tenant, params.chosen()
    with store.read() as conn:
        rows, total = queries.users_page(
            conn, tenant, chosen, canvas_user_id=params.canvas_user_id, moments=params.moments()
        )
        root = catalogs.default_id(conn, tenant)
    return paged(JSONResponse({"users": [user_json(row, root) for row in rows]}), request, chosen, total)


@router.post(
    "/users",
    summary="Register a user",
    description="`email_address` is required and unique per organisation and mode, ignoring case. "
    "An `Idempotency-Key` makes a retry answer the first response.",
    status_code=201,
    openapi_extra=documented(NewUserRequest, USER_ROOTS),
    responses={201: {"model": learner_docs.CatalogUserBody}, **docs.errors(400, 409, 413, 415, 422)},
)
def create_user(store: StoreDep, principal: Authenticated, body: Body, key: IdempotencyKey) -> Response:
    tenant = principal.tenant
    wanted = user_request(body, new=True)
    fields = wanted.core_fields()

    def work(conn: Connection) -> tuple[int, Any]:
        with wire_names(USER_WIRE_NAMES):
            user_id = learners.create_user(conn, tenant, fields)
        return 201, {"user": _shown(conn, tenant, user_id)}

    return write_once(store, tenant, "catalog.users", key, fields, work)


def _get(store: StoreDep, tenant: Tenant, id: int, root: str) -> Response:
    user_id = path_id("user", id)
    with store.read() as conn:
        return JSONResponse({root: _shown(conn, tenant, user_id)})


@router.get(
    "/users/{id:int}",
    summary="Get a user",
    responses={200: {"model": learner_docs.CatalogUserBody}, **docs.errors(404)},
)
def get_user(id: int, store: StoreDep, principal: Authenticated) -> Response:
    return _get(store, principal.tenant, id, "user")


@router.get(
    "/user_registrations/{id:int}",
    summary="Get a user (legacy)",
    description="Catalog's legacy form of `GET /users/{id}`: the same user under `user_registration`.",
    responses={200: {"model": learner_docs.CatalogUserRegistrationBody}, **docs.errors(404)},
)
def get_user_registration(id: int, store: StoreDep, principal: Authenticated) -> Response:
    return _get(store, principal.tenant, id, "user_registration")


@router.put(
    "/users/{id:int}",
    summary="Update a user",
    description="Changes only the fields named; `custom_fields` merge into the stored ones (a null value "
    "deletes its key); `clear_merged_into_user_id=true` clears `merged_into_user_id`.",
    openapi_extra=documented(UserRequest, USER_ROOTS, required=False),
    responses={200: {"model": learner_docs.CatalogUserBody}, **docs.errors(400, 404, 409, 413, 415, 422)},
)
def update_user(id: int, store: StoreDep, principal: Authenticated, body: Body) -> Response:
    tenant = principal.tenant
    user_id = path_id("user", id)
    with versions.writing(store, tenant) as conn:
        learners.get_user(conn, tenant, user_id)  # 404 before the fields are judged
        changes = user_request(body, new=False).core_fields()
        if changes:
            with wire_names(USER_WIRE_NAMES):
                learners.update_user(conn, tenant, user_id, changes)
        return JSONResponse({"user": _shown(conn, tenant, user_id)})


@router.delete(
    "/users/{id:int}",
    summary="Delete a user",
    description="Drops the user's enrollments (their seats go to the waitlists) and waitlist places, and "
    "deletes the user; with `only_orders_and_enrollments=true` the user stays.",
    responses={200: {"model": learner_docs.CatalogEmpty}, **docs.errors(400, 404, 413, 415, 422)},
)
def delete_user(
    id: int,
    params: FromQuery[UserDeletion],
    request: Request,
    store: StoreDep,
    principal: Authenticated,
    body: Body,
) -> Response:
    """`only_orders_and_enrollments` comes as a query parameter (documented) or, as
    Catalog's documentation sends it, in a form or JSON body."""
    tenant = principal.tenant
    user_id = path_id("user", id)
    wanted = parse(UserDeletion, {**request.query_params, **body}) if body else params
    with versions.writing(store, tenant) as conn:
        learners.delete_user(conn, tenant, user_id, keep_user=bool(wanted.only_orders_and_enrollments))
    return JSONResponse({})
