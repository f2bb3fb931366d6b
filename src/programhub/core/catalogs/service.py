"""Catalogs. Every tenant (organisation and mode) has a default catalog, created with the
organisation, so a listing always has somewhere to live."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select

from programhub.core.catalogs.models import catalogs
from programhub.core.clock import utcnow
from programhub.core.errors import NotFound
from programhub.core.tenancy import Mode, Tenant, owned_by


def create_defaults(conn: Connection, org_id: int, org_name: str) -> None:
    now = utcnow()
    conn.execute(
        insert(catalogs),
        [
            {"org_id": org_id, "mode": mode.value, "name": org_name, "is_default": True,
             "created_at": now, "updated_at": now}
            for mode in Mode
        ],
    )


def default_id(conn: Connection, tenant: Tenant) -> int:
    catalog_id = conn.execute(
        select(catalogs.c.id).where(owned_by(catalogs, tenant), catalogs.c.is_default)
    ).scalar_one_or_none()
    if catalog_id is None:
        raise NotFound("catalog", "default")
    return catalog_id


def ensure_owned(conn: Connection, tenant: Tenant, catalog_id: int) -> int:
    found = conn.execute(
        select(catalogs.c.id).where(owned_by(catalogs, tenant), catalogs.c.id == catalog_id)
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("catalog", catalog_id)
    return found
