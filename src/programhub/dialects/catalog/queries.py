"""Reading programs and courses for Catalog: one listing, or a filtered page of them,
each with its whole requirement tree. A page costs three queries (count, page, trees)
and one listing two, whatever the page size or the depth of the trees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection

from programhub.core.errors import NotFound
from programhub.core.listings import tree
from programhub.core.listings.models import listings
from programhub.core.tenancy import Tenant, owned_by
from programhub.core.text import contains
from programhub.dialects.catalog.paging import Page
from programhub.dialects.catalog.schemas import listing_columns

RETIRED = "retired"  # the core status Catalog calls "archived"


@dataclass(frozen=True, slots=True)
class Filters:
    description: str | None = None
    listing_path: str | None = None
    is_enrollable: bool | None = None
    query: str | None = None
    archived: bool = False


def enrollable(now: datetime) -> ColumnElement[bool]:
    """Open for enrollment now: open, inside its window, and not full. Never NULL."""
    return sa.and_(
        listings.c.enrollment_open.is_(sa.true()),
        sa.or_(listings.c.enrollment_open_from.is_(None), listings.c.enrollment_open_from <= now),
        sa.or_(listings.c.enrollment_open_to.is_(None), listings.c.enrollment_open_to >= now),
        sa.or_(listings.c.enrollment_cap.is_(None), listings.c.enrollment_count < listings.c.enrollment_cap),
    )


def _conditions(kind: str, filters: Filters, now: datetime) -> list[ColumnElement[bool]]:
    where = [
        listings.c.kind == kind,
        listings.c.status == RETIRED if filters.archived else listings.c.status != RETIRED,
    ]
    if filters.description is not None:
        where.append(listings.c.description == filters.description)
    if filters.listing_path is not None:
        where.append(listings.c.listing_path == filters.listing_path)
    if filters.is_enrollable is not None:
        where.append(enrollable(now) if filters.is_enrollable else sa.not_(enrollable(now)))
    if filters.query:
        where.append(contains(listings.c.search_text, filters.query))
    return where


def page_of(
    conn: Connection, tenant: Tenant, kind: str, filters: Filters, page: Page, now: datetime, public_url: str
) -> tuple[tree.Trees, list[int], int]:
    """The trees of one page, the page's ids in order, and the total of matching listings."""
    columns = listing_columns(public_url)
    where = _conditions(kind, filters, now)
    total = conn.execute(
        sa.select(sa.func.count())
        .select_from(listings)
        .where(owned_by(listings, tenant), listings.c.deleted_at.is_(None), *where)
    ).scalar_one()
    rows = (
        conn.execute(
            tree.select_listings(tenant, columns)
            .where(*where)
            .order_by(listings.c.list_order.asc().nulls_last(), listings.c.id)
            .limit(page.size)
            .offset(page.offset)
        )
        .mappings()
        .all()
    )
    return tree.load(conn, tenant, rows, columns), [row["id"] for row in rows], total


def one(conn: Connection, tenant: Tenant, kind: str, listing_id: int, public_url: str) -> tree.Trees:
    """A listing of this kind (archived ones too) with its tree, or NotFound."""
    columns = listing_columns(public_url)
    row = (
        conn.execute(tree.select_listings(tenant, columns).where(listings.c.kind == kind, listings.c.id == listing_id))
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(kind, listing_id)
    return tree.load(conn, tenant, [row], columns)
