"""What anyone may read of a catalog without a key: its listed programs and courses, found
by text, tag and "open for enrollment", and each one's page with its whole requirement
tree. A page of the catalog costs five queries, a listing's page three, whatever the size or
depth (the catalog, the page's ids and their count, the trees in one recursive query, the
waitlists' lengths).

Public means: the catalog's organisation is active, the catalog is in live mode (test mode
only when the caller previews it), and the listing is not deleted and has the core status
`live` (Catalog's *archived*, Sunbird's drafts and closed programs stay private). Lists show
only `listed` listings; an `unlisted` one is reachable by its link, as in Canvas Catalog.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, RowMapping

from programhub.core.catalogs.models import catalogs
from programhub.core.errors import NotFound
from programhub.core.learners import roster
from programhub.core.listings import tree
from programhub.core.listings.enrollment import STATE_COLUMNS, enrollable
from programhub.core.listings.models import listings
from programhub.core.orgs.models import organisations
from programhub.core.tenancy import Mode, Tenant, owned_by
from programhub.core.text import SEPARATOR, contains, fold
from programhub.core.versions import tenant_versions

KINDS = ("program", "course")
PUBLIC_STATUS = "live"
LISTED = "listed"
MAX_PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class PublicCatalog:
    id: int
    name: str
    url: str | None  # the catalog's own site, when it has one
    tenant: Tenant
    version: int | None = None  # its tenant's data version (core/versions), read with it

    @property
    def is_test(self) -> bool:
        return self.tenant.mode is Mode.TEST


# What a page shows of each listing (and of each listing in a tree).
COLUMNS: tuple[ColumnElement[Any], ...] = (
    listings.c.id,
    listings.c.kind,
    listings.c.name,
    listings.c.description,
    listings.c.short_description,
    listings.c.listing_path,
    listings.c.catalog_id,
    listings.c.status,
    listings.c.visibility,
    listings.c.credits,
    listings.c.measurement,
    listings.c.start_date,
    listings.c.end_date,
    listings.c.enrollment_fee_cents,
    listings.c.currency,
    listings.c.show_free_banner,
    listings.c.tag_names,
    listings.c.image,
    listings.c.image_alt_text,
    listings.c.days_to_complete,
    listings.c.sequential,
    listings.c.deleted_at,
    *STATE_COLUMNS,
)
_CATALOG = (
    catalogs.c.id,
    catalogs.c.name,
    catalogs.c.url,
    catalogs.c.mode,
    catalogs.c.org_id,
    organisations.c.public_id.label("org_public_id"),
    organisations.c.name.label("org_name"),
    tenant_versions.c.version,
)


def _catalog_of(row: RowMapping, previewing: bool) -> PublicCatalog:
    mode = Mode(row["mode"])
    if mode is Mode.TEST and not previewing:
        raise NotFound("catalog", row["id"])
    tenant = Tenant(row["org_id"], mode, row["org_public_id"], row["org_name"])
    return PublicCatalog(row["id"], row["name"], row["url"], tenant, row["version"])


def _catalog_query() -> sa.Select[Any]:
    return (
        sa.select(*_CATALOG)
        .join(organisations, organisations.c.id == catalogs.c.org_id)
        .outerjoin(
            tenant_versions,
            sa.and_(tenant_versions.c.org_id == catalogs.c.org_id, tenant_versions.c.mode == catalogs.c.mode),
        )
        .where(catalogs.c.id == sa.bindparam("catalog_id"), organisations.c.state == "active")
    )


@cache
def _catalog_only() -> sa.Select[Any]:
    return _catalog_query()


@cache
def _catalog_and_listing() -> sa.Select[Any]:
    """The catalog, with the id of its listing of this kind and path (or NULL), in one query."""
    found = (
        sa.select(listings.c.id)
        .where(
            listings.c.catalog_id == catalogs.c.id,
            listings.c.org_id == catalogs.c.org_id,
            listings.c.mode == catalogs.c.mode,
            listings.c.kind == sa.bindparam("kind"),
            listings.c.listing_path == sa.bindparam("path"),
            listings.c.deleted_at.is_(None),
            listings.c.status == PUBLIC_STATUS,
        )
        .limit(1)
        .scalar_subquery()
    )
    return _catalog_query().add_columns(found.label("listing_id"))


def find(conn: Connection, catalog_id: int, *, previewing: bool = False) -> PublicCatalog:
    """A catalog anyone may read (one query), or NotFound."""
    row = conn.execute(_catalog_only(), {"catalog_id": catalog_id}).mappings().one_or_none()
    if row is None:
        raise NotFound("catalog", catalog_id)
    return _catalog_of(row, previewing)


@dataclass(frozen=True, slots=True)
class Search:
    text: str | None = None
    tag: str | None = None
    kind: str | None = None  # program, course, or both
    open_now: bool = False
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True, slots=True)
class Found:
    catalog: PublicCatalog
    total: int
    ids: list[int]
    trees: tree.Trees
    waiting: dict[int, int]  # listing id -> how many wait on its waitlist


def _listed(catalog: PublicCatalog, wanted: Search, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        owned_by(listings, catalog.tenant),
        listings.c.catalog_id == catalog.id,
        listings.c.deleted_at.is_(None),
        listings.c.status == PUBLIC_STATUS,
        listings.c.visibility == LISTED,
    ]
    if wanted.kind is not None:
        where.append(listings.c.kind == wanted.kind)
    if wanted.text:
        where.append(contains(listings.c.search_text, wanted.text))
    if wanted.tag:
        # search_text is the folded name, description and tags joined by SEPARATOR, tags
        # last: a tag is a whole field after a separator.
        tag = fold(wanted.tag).replace(SEPARATOR, "")
        escaped = tag.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(
            sa.or_(
                listings.c.search_text.like(f"%{SEPARATOR}{escaped}", escape="\\"),
                listings.c.search_text.like(f"%{SEPARATOR}{escaped}{SEPARATOR}%", escape="\\"),
            )
        )
    if wanted.open_now:
        where.append(enrollable(now))
    return where


def search(conn: Connection, catalog: PublicCatalog, wanted: Search, now: datetime) -> Found:
    """One page of the catalog's listed programs and courses (in list order, then by name),
    with their trees, how many match, and how many wait for each (four queries)."""
    where = _listed(catalog, wanted, now)
    total = int(conn.execute(sa.select(sa.func.count()).select_from(listings).where(*where)).scalar_one())
    ids = list(
        conn.execute(
            sa.select(listings.c.id)
            .where(*where)
            .order_by(listings.c.list_order.asc().nulls_last(), listings.c.name_folded, listings.c.id)
            .limit(wanted.per_page)
            .offset((wanted.page - 1) * wanted.per_page)
        ).scalars()
    )
    trees = tree.load(conn, catalog.tenant, ids, COLUMNS)
    return Found(catalog, total, ids, trees, roster.waiting_counts(conn, catalog.tenant, list(trees.rows)))


@dataclass(frozen=True, slots=True)
class Shown:
    catalog: PublicCatalog
    listing_id: int
    trees: tree.Trees
    waiting: dict[int, int]

    @property
    def listing(self) -> tree.Row:
        return self.trees.rows[self.listing_id]


def locate(
    conn: Connection, catalog_id: int, kind: str, path: str, *, previewing: bool = False
) -> tuple[PublicCatalog, int]:
    """The catalog and the id of its live listing of this kind and path (one query), or NotFound."""
    row = (
        conn.execute(_catalog_and_listing(), {"catalog_id": catalog_id, "kind": kind, "path": path})
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound("catalog", catalog_id)
    catalog = _catalog_of(row, previewing)
    if row["listing_id"] is None:
        raise NotFound(kind, path)
    return catalog, row["listing_id"]


def with_tree(conn: Connection, catalog: PublicCatalog, listing_id: int) -> Shown:
    """A listing `locate` found, with its whole tree and its waitlists' lengths (two queries)."""
    trees = tree.load(conn, catalog.tenant, [listing_id], COLUMNS)
    if listing_id not in trees.rows:  # deleted between the two reads
        raise NotFound("listing", listing_id)
    return Shown(catalog, listing_id, trees, roster.waiting_counts(conn, catalog.tenant, list(trees.rows)))


def listing(conn: Connection, catalog_id: int, kind: str, path: str, *, previewing: bool = False) -> Shown:
    """A live listing of the catalog by its kind and path, with its whole tree (three
    queries), or NotFound."""
    catalog, listing_id = locate(conn, catalog_id, kind, path, previewing=previewing)
    return with_tree(conn, catalog, listing_id)


def is_public(row: Mapping[str, Any]) -> bool:
    """Whether a listing met inside a tree has a page of its own."""
    return row["deleted_at"] is None and row["status"] == PUBLIC_STATUS
