"""Catalog's writes, in core terms: create, update, delete, archive and reactivate
listings. Each runs inside the caller's write transaction, so a refused request leaves
nothing behind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from programhub.core.catalogs import service as catalogs_service
from programhub.core.clock import utcnow
from programhub.core.errors import Invalid
from programhub.core.listings import service as listings_service
from programhub.core.listings import tree
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by
from programhub.dialects.catalog import values as v
from programhub.dialects.catalog.body import wrapped
from programhub.dialects.catalog.schemas import ListingInput, check_windows, listing_input, wire_names

# Catalog's product actions and the core status each sets.
ACTIONS = {"archive": "retired", "reactivate": "live"}


def create(conn: Connection, tenant: Tenant, kind: str, body: Mapping[str, Any]) -> int:
    data = listing_input(kind, wrapped(dict(body), kind))
    if "name" not in data.fields:
        raise Invalid("title", "title is required")
    _check_catalogs(conn, tenant, data.fields)
    check_windows(data.fields, data.fields)
    with wire_names():
        listing_id = listings_service.create(conn, tenant, kind, data.fields)
    if data.requirement_ids:
        _set_requirements(conn, tenant, listing_id, data)
    return listing_id


def update(conn: Connection, tenant: Tenant, kind: str, listing_id: int, body: Mapping[str, Any]) -> None:
    """Change only the fields the body names; `requirement_ids` replaces the list."""
    current = listings_service.get(conn, tenant, listing_id, kind=kind)
    data = listing_input(kind, wrapped(dict(body), kind))
    _check_catalogs(conn, tenant, data.fields)
    check_windows({**current._mapping, **data.fields}, data.fields)
    if data.fields:
        with wire_names():
            listings_service.update(conn, tenant, listing_id, data.fields, kind=kind)
    _set_requirements(conn, tenant, listing_id, data)


def delete(conn: Connection, tenant: Tenant, kind: str, listing_id: int) -> None:
    listings_service.delete_listing(conn, tenant, listing_id, kind=kind)


@dataclass(frozen=True, slots=True)
class ActionResult:
    failed: list[int]


def act(conn: Connection, tenant: Tenant, kind: str, body: Mapping[str, Any]) -> ActionResult:
    """Archive or reactivate every listed id that is a listing of this kind; report the
    ids that are not (the others are processed all the same)."""
    action = body.get("product_action")
    if not isinstance(action, str) or action not in ACTIONS:
        raise Invalid("product_action", f"product_action must be one of: {', '.join(ACTIONS)}")
    if "product_ids" not in body:
        raise Invalid("product_ids", "product_ids is required")
    ids = list(dict.fromkeys(v.id_list("product_ids", body["product_ids"])))
    if not ids:
        raise Invalid("product_ids", "product_ids must list at least one id")
    mine = (owned_by(listings, tenant), listings.c.kind == kind, listings.c.deleted_at.is_(None))
    found = set(conn.execute(sa.select(listings.c.id).where(*mine, listings.c.id.in_(ids))).scalars())
    status = ACTIONS[action]
    if found:
        conn.execute(
            sa.update(listings)
            .where(*mine, listings.c.id.in_(found), listings.c.status != status)
            .values(status=status, updated_at=utcnow())
        )
    return ActionResult([i for i in ids if i not in found])


def _check_catalogs(conn: Connection, tenant: Tenant, fields: Mapping[str, Any]) -> None:
    """Catalog ids in a body must be this tenant's catalogs (422 otherwise, like any
    other bad value: a foreign id is indistinguishable from one that does not exist)."""
    if "catalog_id" in fields and catalogs_service.missing(conn, tenant, [fields["catalog_id"]]):
        raise Invalid("account_id", f"account_id: no catalog with id {fields['catalog_id']}")
    missing = catalogs_service.missing(conn, tenant, fields.get("associated_account_ids") or [])
    if missing:
        raise Invalid("associated_account_ids", f"associated_account_ids: no catalog with id {missing[0]}")


def _set_requirements(conn: Connection, tenant: Tenant, program_id: int, data: ListingInput) -> None:
    if data.requirement_ids is None:
        return
    listings_service.set_requirements(conn, tenant, program_id, data.requirement_ids)
    tree.check_shape(conn, tenant, program_id)
