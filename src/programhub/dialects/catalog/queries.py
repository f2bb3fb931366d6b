"""Reading programs and courses for Catalog: one listing, or a filtered page of them,
each with its whole requirement tree. A page costs three queries (count, page, trees
with their stored renderings) and one listing one on PostgreSQL, one more each on SQLite
(the renderings apart), whatever the page size or the depth of the trees."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, CompoundSelect, Connection, Select

from programhub.core.certificates.models import certificate_awards
from programhub.core.credentials.models import credential_recipients, signed_credentials
from programhub.core.errors import NotFound
from programhub.core.learners.models import enrollments
from programhub.core.listings import tree
from programhub.core.listings.enrollment import enrollable
from programhub.core.listings.models import listing_counts, listings
from programhub.core.tenancy import Tenant, bound_values, owned_by, owned_by_bound
from programhub.core.text import contains
from programhub.dialects.catalog.paging import Page
from programhub.dialects.catalog.responses import (
    LISTING_SOURCE,
    LIVE_PIECE_COLUMNS,
    PIECE_COLUMNS,
    STORED_PIECES,
    STORED_SIZE,
    STORED_SOURCE,
    TREE_COLUMNS,
    Renderer,
    pieces_length,
    rendered_size,
)
from programhub.store.prepared import prepared

RETIRED = "retired"  # the core status Catalog calls "archived"


@dataclass(frozen=True, slots=True)
class Filters:
    description: str | None = None
    listing_path: str | None = None
    is_enrollable: bool | None = None
    query: str | None = None
    archived: bool = False

    def is_default(self) -> bool:
        """Whether these are a default list's (archived or not): no filter but the status."""
        return self == Filters(archived=self.archived)


def next_enrollment_change(conn: Connection, tenant: Tenant, kind: str, now: datetime) -> datetime | None:
    """The next moment an `is_enrollable` answer can change without a write: the earliest
    enrollment window edge of this tenant's listings of this kind still ahead of `now`."""
    edges = [
        sa.select(sa.func.min(column))
        .where(owned_by(listings, tenant), listings.c.kind == kind, column > now)
        .scalar_subquery()
        for column in (listings.c.enrollment_open_from, listings.c.enrollment_open_to)
    ]
    found = [moment for moment in conn.execute(sa.select(*edges)).one() if moment is not None]
    return min(found) if found else None


# Inline, not a bind parameter: the partial index `ix_listings_catalog_list` is declared
# for exactly this condition, and only a literal lets both planners see that it applies.
NOT_RETIRED = listings.c.status != sa.literal_column("'retired'")


def _conditions(kind: str, filters: Filters, now: datetime) -> list[ColumnElement[bool]]:
    where = [listings.c.kind == kind, listings.c.status == RETIRED if filters.archived else NOT_RETIRED]
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
    conn: Connection, tenant: Tenant, kind: str, filters: Filters, page: Page, now: datetime
) -> tuple[tree.Trees, list[int], int]:
    """The trees of one page, the page's ids in order, and the total of matching listings
    (three queries: count, the page's ids, the trees with their stored renderings).

    The order is list_order (listings without one last), then id. Listings with a
    list_order and those without are two ranges of one index, each in order, so the page
    is read as up to two index ranges (sizes from the count) instead of sorting them all.
    The unfiltered list, what clients page through, runs statements built once
    (`_unfiltered`): building them and their cache keys cost a tenth of its CPU."""
    unfiltered = filters.is_default()
    if unfiltered:
        total, ordered = _kept_counts(conn, tenant, kind, filters.archived)
    else:
        where = _conditions(kind, filters, now)
        total, ordered = _counted(conn, tenant, where)
    first = min(page.size, max(0, ordered - page.offset))
    ranges = (first > 0, first < page.size)
    values = {
        **bound_values(tenant),
        "ordered_limit": first,
        "ordered_offset": page.offset,
        "unordered_limit": page.size - first,
        "unordered_offset": max(0, page.offset - ordered),
    }
    ids: list[int] = []
    if any(ranges):
        if unfiltered:  # a statement built once: compiled once, run on the driver's cursor
            ids = [row["id"] for row in prepared(_unfiltered(kind, filters.archived, ranges)).mappings(conn, values)]
        else:
            statement = _page_ids((owned_by_bound(listings), listings.c.deleted_at.is_(None), *where), ranges)
            ids = list(conn.execute(statement, values).scalars())
    return _trees(conn, tenant, ids), ids, total


def _page_ids(where: Sequence[ColumnElement[bool]], ranges: tuple[bool, bool]) -> Select[Any] | CompoundSelect[Any]:
    """The page's ids: the range of listings with a list_order, that without, or both
    (`ranges`), their limits and offsets bound (`page_of`'s values)."""
    segments = []
    if ranges[0]:
        segments.append(
            _segment(where)
            .where(listings.c.list_order.is_not(None))
            .order_by(listings.c.list_order, listings.c.id)
            .limit(sa.bindparam("ordered_limit", type_=sa.Integer()))
            .offset(sa.bindparam("ordered_offset", type_=sa.Integer()))
        )
    if ranges[1]:
        segments.append(
            _segment(where)
            .where(listings.c.list_order.is_(None))
            .order_by(listings.c.id)
            .limit(sa.bindparam("unordered_limit", type_=sa.Integer()))
            .offset(sa.bindparam("unordered_offset", type_=sa.Integer()))
        )
    parts = [sa.select(segment.subquery()) for segment in segments]
    return parts[0] if len(parts) == 1 else sa.union_all(*parts)


@lru_cache(maxsize=16)
def _unfiltered(kind: str, archived: bool, ranges: tuple[bool, bool]) -> Select[Any] | CompoundSelect[Any]:
    where = _conditions(kind, Filters(archived=archived), _NO_TIME)
    return _page_ids((owned_by_bound(listings), listings.c.deleted_at.is_(None), *where), ranges)


def _kept_counts(conn: Connection, tenant: Tenant, kind: str, archived: bool) -> tuple[int, int]:
    """How many listings the unfiltered list holds, and how many of them have a
    list_order: the live ones from the counts the database keeps (`listing_counts`)."""
    if archived:
        return _counted(conn, tenant, _conditions(kind, Filters(archived=True), _NO_TIME))
    kept = prepared(_KEPT_COUNTS).first(conn, {**bound_values(tenant), "kind": kind})
    return (kept[0], kept[1]) if kept else (0, 0)


_KEPT_COUNTS = sa.select(listing_counts.c.listed, listing_counts.c.listed_with_order).where(
    owned_by_bound(listing_counts), listing_counts.c.kind == sa.bindparam("kind", type_=sa.String())
)
# The unfiltered conditions do not depend on the time (only `is_enrollable` does).
_NO_TIME = datetime.min


def _counted(conn: Connection, tenant: Tenant, where: Sequence[ColumnElement[bool]]) -> tuple[int, int]:
    """How many listings match `where`, and how many of them have a list_order."""
    counted = conn.execute(
        sa.select(sa.func.count(), sa.func.count(listings.c.list_order))
        .select_from(listings)
        .where(owned_by(listings, tenant), listings.c.deleted_at.is_(None), *where)
    ).one()
    return counted[0], counted[1]


def _segment(where: Iterable[ColumnElement[bool]]) -> Select[Any]:
    return sa.select(listings.c.id).where(*where)


def one(conn: Connection, tenant: Tenant, kind: str, listing_id: int) -> tree.Trees:
    """A listing of this kind (archived ones too) with its tree, or NotFound (one query)."""
    trees = _trees(conn, tenant, [listing_id])
    root = trees.rows.get(listing_id)
    if root is None or root["kind"] != kind:
        raise NotFound(kind, listing_id)
    return trees


def _trees(conn: Connection, tenant: Tenant, root_ids: Sequence[int]) -> tree.Trees:
    """The trees of `root_ids` as `rendered` takes them (with their stored pieces where
    the engine reads them in the same statement)."""
    return tree.load(
        conn, tenant, root_ids, TREE_COLUMNS, source=STORED_SOURCE, texts=STORED_PIECES, texts_length=STORED_SIZE
    )


def rendered(conn: Connection, trees: tree.Trees, root_ids: Sequence[int], public_url: str) -> list[str]:
    """The listings `root_ids` of `trees` (read by `page_of` or `one`) as JSON texts,
    nested: refused (`TooLarge`) when the answer would be over the budget, before any
    stored text is read that the trees' rows did not bring. One query for the stored
    pieces on SQLite, none on PostgreSQL (they came with the rows); one more when some
    listing has no stored rendering, which renders those on the spot."""
    unrendered = [listing_id for listing_id, row in trees.rows.items() if row["size"] is None]
    live = tree.pieces(conn, unrendered, LIVE_PIECE_COLUMNS, LISTING_SOURCE)

    def size(row: tree.Row) -> int:
        length = row["size"] if row["size"] is not None else pieces_length(live[row["id"]])
        return rendered_size(int(length))

    trees.check_budget(root_ids, size)
    # Within the budget a tree's rows carry their pieces on PostgreSQL (`tree.load`'s
    # `texts`); on SQLite they are read here, once the answer is known to fit.
    unread = [
        listing_id
        for listing_id, row in trees.rows.items()
        if listing_id not in live and (not trees.with_texts or row["body"] is None)
    ]
    pieces = {**trees.rows, **tree.pieces(conn, unread, PIECE_COLUMNS, STORED_SOURCE), **live}
    renderer = Renderer(trees, pieces, public_url)
    return [renderer.listing(listing_id) for listing_id in root_ids]


# --- a user's completions (GET /completed_certificates) --------------------------------------


def _completions(tenant: Tenant, user_id: int, with_certificates_only: bool) -> Select[Any]:
    """A user's completed enrollments (programs and courses), each with its award's
    credential when one stands (an award revoked is no certificate)."""
    awarded = sa.and_(
        certificate_awards.c.enrollment_id == enrollments.c.id,
        signed_credentials.c.revoked_at.is_(None),
    )
    query = (
        sa.select(
            enrollments.c.id,
            listings.c.canvas_course_id,
            listings.c.name,
            listings.c.status,
            listings.c.deleted_at,
            enrollments.c.requirements_completed_at,
            credential_recipients.c.public_id.label("recipient_public_id"),
        )
        .select_from(enrollments)
        .join(listings, listings.c.id == enrollments.c.listing_id)
        .outerjoin(
            certificate_awards.join(
                credential_recipients, credential_recipients.c.id == certificate_awards.c.recipient_id
            ).join(signed_credentials, signed_credentials.c.recipient_id == credential_recipients.c.id),
            awarded,
        )
        .where(
            owned_by(enrollments, tenant),
            enrollments.c.user_id == user_id,
            enrollments.c.requirements_completed_at.is_not(None),
        )
    )
    if with_certificates_only:
        query = query.where(credential_recipients.c.public_id.is_not(None))
    return query


def completions_page(
    conn: Connection, tenant: Tenant, user_id: int, page: Page, *, with_certificates_only: bool
) -> tuple[int, list[Any]]:
    """The total and one page of a user's completions, oldest completion first: two queries."""
    query = _completions(tenant, user_id, with_certificates_only)
    total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(
        query.order_by(enrollments.c.requirements_completed_at, enrollments.c.id).limit(page.size).offset(page.offset)
    ).all()
    return total, list(rows)
