"""Catalogs. Every tenant (organisation and mode) has a default catalog, created with the
organisation, so a listing always has somewhere to live; more can be created."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, func, insert, select

from programhub.core import validation as check
from programhub.core.catalogs.models import catalogs
from programhub.core.clock import utcnow
from programhub.core.db import AnyRow
from programhub.core.errors import Invalid, NotFound
from programhub.core.tenancy import Mode, Tenant, owned_by

COLUMNS = (
    catalogs.c.id,
    catalogs.c.name,
    catalogs.c.url,
    catalogs.c.is_default,
    catalogs.c.canvas_domain,
    catalogs.c.canvas_id,
    catalogs.c.settings,
    catalogs.c.created_at,
    catalogs.c.updated_at,
)


def create_defaults(conn: Connection, org_id: int, org_name: str) -> None:
    now = utcnow()
    conn.execute(
        insert(catalogs),
        [
            {
                "org_id": org_id,
                "mode": mode.value,
                "name": org_name,
                "is_default": True,
                "created_at": now,
                "updated_at": now,
            }
            for mode in Mode
        ],
    )


def site_url(field: str, value: Any) -> str:
    """An absolute http(s) URL without query or fragment, trailing slashes removed: listing
    URLs are built by appending `/programs/<path>` to it."""
    value = check.text(field, value, allow_empty=False, max_length=500).strip()
    problem = Invalid(field, f"{field} must be an absolute http or https URL without query or fragment")
    try:  # urlsplit and .port raise ValueError on a broken IPv6 host or a port out of range
        parts = urlsplit(value)
        parts.port  # noqa: B018 - read only to validate it
    except ValueError:
        raise problem from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment or " " in value:
        raise problem
    return value.rstrip("/")


def _settings(field: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid(field, f"{field} must be an object")
    return dict(check.json_document(field, value))


FIELDS: dict[str, Callable[[str, Any], Any]] = {
    "name": lambda f, v: check.text(f, v, allow_empty=False, max_length=255),
    "url": lambda f, v: None if v is None else site_url(f, v),
    "canvas_domain": lambda f, v: None if v is None else check.text(f, v, max_length=255),
    "canvas_id": lambda f, v: None if v is None else check.integer(f, v, minimum=1),
    "settings": lambda f, v: None if v is None else _settings(f, v),
}


def create(conn: Connection, tenant: Tenant, fields: Mapping[str, Any]) -> int:
    """A further (non-default) catalog of this tenant; returns its id."""
    unknown = set(fields) - FIELDS.keys()
    if unknown:
        raise KeyError(f"not catalog fields: {sorted(unknown)}")
    values: dict[str, Any] = {name: FIELDS[name](name, value) for name, value in fields.items()}
    if "name" not in values:
        raise Invalid("name", "name is required")
    now = utcnow()
    values.update(org_id=tenant.org_id, mode=tenant.mode.value, is_default=False, created_at=now, updated_at=now)
    return conn.execute(insert(catalogs).values(values).returning(catalogs.c.id)).scalar_one()


def get(conn: Connection, tenant: Tenant, catalog_id: int) -> AnyRow:
    row = conn.execute(select(*COLUMNS).where(owned_by(catalogs, tenant), catalogs.c.id == catalog_id)).one_or_none()
    if row is None:
        raise NotFound("catalog", catalog_id)
    return row


def count(conn: Connection, tenant: Tenant) -> int:
    return conn.execute(select(func.count()).select_from(catalogs).where(owned_by(catalogs, tenant))).scalar_one()


def page(conn: Connection, tenant: Tenant, *, limit: int, offset: int) -> list[AnyRow]:
    """The tenant's catalogs in id order (the default one first: it is created with the organisation)."""
    return list(
        conn.execute(
            select(*COLUMNS).where(owned_by(catalogs, tenant)).order_by(catalogs.c.id).limit(limit).offset(offset)
        )
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


def missing(conn: Connection, tenant: Tenant, catalog_ids: Iterable[int]) -> list[int]:
    """Those of `catalog_ids` that are not catalogs of this tenant, in the order given."""
    wanted = list(dict.fromkeys(catalog_ids))
    if not wanted:
        return []
    found = set(
        conn.execute(select(catalogs.c.id).where(owned_by(catalogs, tenant), catalogs.c.id.in_(wanted))).scalars()
    )
    return [catalog_id for catalog_id in wanted if catalog_id not in found]
