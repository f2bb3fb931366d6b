"""Record's reads: programmes as the database renders them, whichever API created them."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Select, select

from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, bound_values, owned_by, owned_by_bound
from programhub.dialects.record.responses import PROGRAM_JSON, PROGRAM_SOURCE
from programhub.store import sqljson as sj
from programhub.store.prepared import prepared

_NEWEST_FIRST = (listings.c.created_at.desc(), listings.c.id.desc())


def programs(tenant: Tenant) -> Select[Any]:
    """This tenant's programmes as stored JSON text; deleted ones never show."""
    return _programs(owned_by(listings, tenant))


def _programs(owned: ColumnElement[bool]) -> Select[Any]:
    """The programmes of the tenant `owned` selects (`owned_by`, or `owned_by_bound`)."""
    return (
        select(PROGRAM_JSON.label("program"))
        .select_from(PROGRAM_SOURCE)
        .where(owned, listings.c.kind == "program", listings.c.deleted_at.is_(None))
    )


def program(
    conn: Connection, tenant: Tenant, *, public_id: str | None = None, listing_id: int | None = None
) -> orjson.Fragment | None:
    """One programme (retired ones too) by its public id or its listing id."""
    query = programs(tenant)
    query = (
        query.where(listings.c.public_id == public_id)
        if public_id is not None
        else query.where(listings.c.id == listing_id)
    )
    found = conn.execute(query).scalar_one_or_none()
    return None if found is None else orjson.Fragment(found)


def program_list(conn: Connection, tenant: Tenant) -> orjson.Fragment:
    """Every programme but the retired ones, newest first, as one JSON array of the stored
    texts (nothing is parsed or rebuilt), by a statement built once, run on the driver's
    cursor."""
    (texts,) = prepared(_program_list()).one(conn, bound_values(tenant))
    return orjson.Fragment(texts)


@lru_cache(maxsize=1)
def _program_list() -> Select[Any]:
    listed = _programs(owned_by_bound(listings)).where(listings.c.status != "retired")
    return sj.text_array(listed, *_NEWEST_FIRST)
