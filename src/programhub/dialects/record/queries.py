"""Record's reads: programmes as the database renders them, whichever API created them."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, Select, select

from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by
from programhub.dialects.record.responses import program_json
from programhub.store import sqljson as sj

_NEWEST_FIRST = (listings.c.created_at.desc(), listings.c.id.desc())


def programs(tenant: Tenant) -> Select[Any]:
    """This tenant's programmes as JSON; deleted ones never show."""
    return select(program_json(tenant).label("program")).where(
        owned_by(listings, tenant), listings.c.kind == "program", listings.c.deleted_at.is_(None)
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
    found = conn.execute(select(sj.as_text(query.subquery().c.program))).scalar_one_or_none()
    return None if found is None else orjson.Fragment(found)


def program_list(conn: Connection, tenant: Tenant) -> orjson.Fragment:
    """Every programme but the retired ones, newest first, as one JSON array."""
    listed = programs(tenant).where(listings.c.status != "retired").order_by(*_NEWEST_FIRST)
    return orjson.Fragment(conn.execute(sj.array(listed, *_NEWEST_FIRST)).scalar_one())
