"""Sunbird program service: /program/v1. Thin endpoints over the core's listings and
nominations; every answer is the Sunbird envelope (envelope.py, errors.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from fastapi import APIRouter, Path, Request
from sqlalchemy import Connection

from programhub.core import validation as check
from programhub.core import versions
from programhub.core.clock import utcnow
from programhub.core.errors import Invalid, NotFound
from programhub.core.listings import service as listings_service
from programhub.core.listings.models import listings
from programhub.core.listings.search import next_date_change, program_page, search_programs
from programhub.core.nominations import service as nominations_service
from programhub.core.nominations.models import NOMINATION_STATUSES, nominations
from programhub.core.nominations.queries import (
    NominationFilter,
    Nominee,
    list_nominations,
    nomination_page,
    not_nominated_by,
)
from programhub.core.tenancy import Tenant, owned_by
from programhub.dialects.sunbird import openapi as doc
from programhub.dialects.sunbird.body import Body
from programhub.dialects.sunbird.envelope import PREFIX, ok
from programhub.dialects.sunbird.errors import ERRORS
from programhub.dialects.sunbird.listquery import ListQuery, parse_list, parse_page
from programhub.dialects.sunbird.schemas import (
    NOMINATION_COLUMNS,
    NOMINATION_FIELDS,
    PROGRAM_COLUMNS,
    install_sqlite_functions,
    nomination_item_sql,
    nomination_json,
    program_fields,
    program_item_sql,
    program_json,
    selected_program_json,
    wire_names,
)
from programhub.dialects.sunbird.values import choices, known_keys, obj, one_or_many, whole
from programhub.store import Store
from programhub.store import sqljson as sj
from programhub.web.auth import Authenticated
from programhub.web.cache import CacheDep, Fresh
from programhub.web.deps import StoreDep
from programhub.web.dialect import dialect_route_class
from programhub.web.responses import JSONResponse

router = APIRouter(prefix=PREFIX, route_class=dialect_route_class(ERRORS), tags=["Sunbird"])


def _program_key(value: Any, field: str = "program_id") -> str:
    if value is None:
        raise Invalid(field, f"{field} is required")
    return check.text(field, value, allow_empty=False, max_length=255)


@contextmanager
def _writing_to(store: Store, tenant: Tenant, program_id: str) -> Iterator[tuple[Connection, int]]:
    """A write transaction on the program known by `program_id`. If it disappears while the
    request runs (deleted by another), the caller is told by its program_id, not the core's id."""
    try:
        with versions.writing(store, tenant) as conn:
            yield conn, listings_service.id_for(conn, tenant, uuid=program_id)
    except NotFound as exc:
        if exc.kind in ("program", "listing"):
            raise NotFound("program", program_id) from None
        raise


# --- programs ---------------------------------------------------------------------------


@router.post("/create", responses=doc.responses(doc.ProgramRef), openapi_extra=doc.request_body(doc.CREATE))
def create_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Create a program; it starts as Draft."""
    fields_in = {key: value for key, value in body.request().items() if not (key == "status" and value is None)}
    for required in ("name", "type"):
        if fields_in.get(required) is None:
            raise Invalid(required, f"{required} is required")
    if fields_in.get("status") not in (None, "Draft"):
        raise Invalid("status", "a new program's status is Draft; publish or unlist it afterwards")
    fields = program_fields(fields_in)
    fields["status"] = "draft"
    if fields.get("config") is None:
        fields["config"] = {}
    with versions.writing(store, principal.tenant) as conn, wire_names():
        listing_id = listings_service.create(conn, principal.tenant, "program", fields)
        program_id = conn.execute(sa.select(listings.c.uuid).where(listings.c.id == listing_id)).scalar_one()
    return ok(request, {"program_id": program_id})


@router.get("/read/{program_id}", responses=doc.responses(doc.Program, statuses=(400, 401, 403, 404, 500, 503)))
def read_program(
    request: Request,
    program_id: Annotated[str, Path(json_schema_extra={"maxLength": 255, "pattern": doc.NOT_BLANK})],
    principal: Authenticated,
    store: StoreDep,
) -> JSONResponse:
    """A program, by its program_id; retired programs stay readable."""
    program_id = _program_key(program_id)
    with store.read() as conn:
        row = conn.execute(
            sa.select(*PROGRAM_COLUMNS).where(
                owned_by(listings, principal.tenant),
                listings.c.kind == "program",
                listings.c.deleted_at.is_(None),
                listings.c.uuid == program_id,
            )
        ).one_or_none()
    if row is None:
        raise NotFound("program", program_id)
    return ok(request, program_json(row._mapping))


@router.post("/update", responses=doc.responses(doc.ProgramRef), openapi_extra=doc.request_body(doc.UPDATE))
def update_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Change the fields given (config is replaced as a whole)."""
    fields_in = body.request()
    program_id = _program_key(fields_in.get("program_id"))
    fields = program_fields(fields_in, ignore=("program_id",))
    with _writing_to(store, principal.tenant, program_id) as (conn, listing_id), wire_names():
        listings_service.update(conn, principal.tenant, listing_id, fields, kind="program")
    return ok(request, {"program_id": program_id})


def _change_status(request: Request, body: Body, tenant: Tenant, store: Store, status: str) -> JSONResponse:
    fields_in = body.request()
    known_keys("", fields_in, ("program_id", "channel"))
    program_id = _program_key(fields_in.get("program_id"))
    if fields_in.get("channel") is not None:
        check.text("channel", fields_in["channel"])
    with _writing_to(store, tenant, program_id) as (conn, listing_id):
        listings_service.update(conn, tenant, listing_id, {"status": status}, kind="program")
    return ok(request, {"program_id": program_id})


@router.post("/publish", responses=doc.responses(doc.ProgramRef), openapi_extra=doc.request_body(doc.STATUS_CHANGE))
def publish_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Status Live."""
    return _change_status(request, body, principal.tenant, store, "live")


@router.post("/unlist", responses=doc.responses(doc.ProgramRef), openapi_extra=doc.request_body(doc.STATUS_CHANGE))
def unlist_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Status Unlisted."""
    return _change_status(request, body, principal.tenant, store, "unlisted")


@router.post("/delete", responses=doc.responses(doc.ProgramRef), openapi_extra=doc.request_body(doc.STATUS_CHANGE))
def delete_program(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Status Retired: the program leaves default lists but stays readable."""
    return _change_status(request, body, principal.tenant, store, "retired")


@router.post(
    "/list",
    responses=doc.responses(doc.ListResult, statuses=(400, 401, 403, 405, 413, 500, 503)),
    openapi_extra=doc.request_body(doc.LIST),
)
async def list_programs(
    request: Request, body: Body, principal: Authenticated, store: StoreDep, cache: CacheDep
) -> JSONResponse:
    """Programs, programs not nominated by someone (forms A, D), or nominations with their
    programs (forms B, C, E); `count` is the total number of matches."""
    query = parse_list(body.request())
    tenant = principal.tenant

    def render() -> Fresh[bytes]:
        now = utcnow()
        items: orjson.Fragment | list[dict[str, Any]]
        with store.read() as conn:
            if query.fields is None:
                total, items = _list_items_json(conn, tenant, query, now)
            else:
                total, items = _selected_items(conn, tenant, query, now)
            until = next_date_change(conn, tenant, query.programs, now)
        result = orjson.dumps({"count": total, "programs": items})
        return Fresh(result, len(result), until)

    result = await cache.answer(principal, ("sunbird.list", repr(query)), render)
    return ok(request, orjson.Fragment(result))


def _list_items_json(conn: Connection, tenant: Tenant, query: ListQuery, now: datetime) -> tuple[int, orjson.Fragment]:
    """The total and the page's items, built by the database as one JSON array (two
    queries): nominations with their programs (forms B, C, E) or programs."""
    if query.nominations is not None:
        count, keys = nomination_page(tenant, query.nominations, query.programs, query.ordering, query.page, now=now)
        source = keys.join(nominations, nominations.c.id == keys.c.nomination_id).join(
            listings, listings.c.id == nominations.c.program_id
        )
        item = nomination_item_sql()
    else:
        extra = [not_nominated_by(tenant, nominee) for nominee in query.not_nominated_by]
        count, keys = program_page(tenant, query.programs, query.ordering, query.page, now=now, extra=extra)
        source = keys.join(listings, listings.c.id == keys.c.listing_id)
        item = program_item_sql()
    install_sqlite_functions(conn)
    total = conn.execute(count).scalar_one()
    items = sa.select(item.label("item"), keys.c.position).select_from(source)
    return total, orjson.Fragment(conn.execute(sj.compact_array(items)).scalar_one())


def _selected_items(
    conn: Connection, tenant: Tenant, query: ListQuery, now: datetime
) -> tuple[int, list[dict[str, Any]]]:
    """Program items with only the keys `fields` names (forms A, D and plain lists)."""
    assert query.fields is not None
    total, rows = search_programs(
        conn,
        tenant,
        query.programs,
        query.ordering,
        query.page,
        PROGRAM_COLUMNS,
        now=now,
        extra=[not_nominated_by(tenant, nominee) for nominee in query.not_nominated_by],
    )
    return total, [selected_program_json(row._mapping, query.fields) for row in rows]


# --- nominations ------------------------------------------------------------------------

NOMINEE_KEYS = ("program_id", "user_id", "organisation_id", "id")


def _nominee(fields_in: dict[str, Any]) -> tuple[str, Nominee, dict[str, Any]]:
    """The program, the nominee a change applies to, and what the answer echoes."""
    program_id = _program_key(fields_in.get("program_id"))
    ids = {
        key: check.text(key, fields_in[key], allow_empty=False)
        for key in ("user_id", "organisation_id")
        if fields_in.get(key) is not None
    }
    if not ids:
        raise Invalid("user_id", "user_id or organisation_id is required")
    nomination_id = fields_in.get("id")
    if nomination_id is not None:
        nomination_id = whole("id", nomination_id, minimum=1)
    return program_id, Nominee(nomination_id=nomination_id, **ids), {"program_id": program_id, **ids}


@router.post(
    "/nomination/add",
    responses=doc.responses(doc.NominationAdded, statuses=(400, 401, 403, 404, 405, 409, 413, 500, 503)),
    openapi_extra=doc.request_body(doc.NOMINATION_ADD),
)
def add_nomination(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Nominate an organisation or a user to a program; once per nominee."""
    fields_in = body.request()
    known_keys("", fields_in, ("program_id", *NOMINATION_FIELDS))
    program_id = _program_key(fields_in.get("program_id"))
    fields = {key: fields_in[key] for key in NOMINATION_FIELDS if key in fields_in}
    with _writing_to(store, principal.tenant, program_id) as (conn, listing_id):
        nomination_id = nominations_service.add(conn, principal.tenant, listing_id, fields)
    return ok(request, {"program_id": program_id, "user_id": fields.get("user_id"), "id": nomination_id})


@router.post(
    "/nomination/update",
    responses=doc.responses(doc.NominationRef),
    openapi_extra=doc.request_body(doc.NOMINATION_CHANGE),
)
def update_nomination(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Change the nominations of a program by a user or an organisation."""
    fields_in = body.request()
    known_keys("", fields_in, (*NOMINEE_KEYS, *nominations_service.CHANGEABLE))
    program_id, nominee, echo = _nominee(fields_in)
    changes = {key: fields_in[key] for key in nominations_service.CHANGEABLE if key in fields_in}
    with _writing_to(store, principal.tenant, program_id) as (conn, listing_id):
        nominations_service.update(conn, principal.tenant, listing_id, nominee, changes)
    return ok(request, echo)


@router.post(
    "/nomination/remove", responses=doc.responses(doc.NominationRef), openapi_extra=doc.request_body(doc.NOMINEE)
)
def remove_nomination(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Withdraw the nominations of a program by a user or an organisation."""
    fields_in = body.request()
    known_keys("", fields_in, NOMINEE_KEYS)
    program_id, nominee, echo = _nominee(fields_in)
    with _writing_to(store, principal.tenant, program_id) as (conn, listing_id):
        nominations_service.remove(conn, principal.tenant, listing_id, nominee)
    return ok(request, echo)


@router.post(
    "/nomination/list",
    responses=doc.responses(list[doc.Nomination], statuses=(400, 401, 403, 405, 413, 500, 503)),
    openapi_extra=doc.request_body(doc.NOMINATION_LIST),
)
def list_nominations_route(request: Request, body: Body, principal: Authenticated, store: StoreDep) -> JSONResponse:
    """Nominations, most recently changed first; `result` is the list itself."""
    fields_in = body.request()
    known_keys("", fields_in, ("filters", "limit", "offset"))
    filters = {} if fields_in.get("filters") is None else obj("filters", fields_in["filters"])
    known_keys("filters", filters, ("program_id", "user_id", "organisation_id", "status"))

    def given(key: str) -> tuple[str, ...] | None:
        value = filters.get(key)
        if value is None:
            return None
        if key == "status":
            return choices("filters.status", value, {s: s for s in NOMINATION_STATUSES})
        return one_or_many(f"filters.{key}", value)

    wanted = NominationFilter(
        program_uuids=given("program_id"),
        user_ids=given("user_id"),
        organisation_ids=given("organisation_id"),
        statuses=given("status"),
    )
    with store.read() as conn:
        rows = list_nominations(conn, principal.tenant, wanted, parse_page(fields_in), NOMINATION_COLUMNS)
    return ok(request, [nomination_json(row._mapping) for row in rows])
