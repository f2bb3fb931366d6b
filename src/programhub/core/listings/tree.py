"""Listings with their whole requirement trees, read in a constant number of queries.

A caller selects its page of listings with `select_listings` (one query, its own filters
and order); `load` then fetches every listing below them, to any depth, in one more: a
recursive walk down `requirements`, joined to the rows it reaches. Derived credits (a
program without credits of its own counts the sum of its requirements') are computed
here from those rows, never with a query per node.

`check_shape` keeps trees renderable: a requirement graph is a DAG, and a tree that
shares sub-programs expands when nested, so depth and expanded size are bounded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, RowMapping, Select

from programhub.core.catalogs.models import catalogs
from programhub.core.errors import Invalid
from programhub.core.listings.models import listings, requirements
from programhub.core.listings.service import descendant_edges
from programhub.core.tenancy import Tenant, owned_by
from programhub.store.sql import fenced_recursion

# A tree deeper than this (requirement levels below its root) or expanding to more
# listings than this is refused when requirements are set.
MAX_DEPTH = 25
MAX_LISTINGS = 1000

_PARENT = "requirement_of"
_POSITION = "requirement_position"

Columns = Sequence[ColumnElement[Any]]


def select_listings(tenant: Tenant, columns: Columns) -> Select[Any]:
    """Live (not deleted) listings of `tenant`; `columns` may include `catalogs` columns."""
    return (
        sa.select(*columns)
        .select_from(listings.outerjoin(catalogs, catalogs.c.id == listings.c.catalog_id))
        .where(owned_by(listings, tenant), listings.c.deleted_at.is_(None))
    )


class Trees:
    """The rows of some listings and of everything they require, with the ordered
    requirement ids of each program among them."""

    def __init__(self, rows: dict[int, RowMapping], children: dict[int, list[int]]) -> None:
        self.rows: Mapping[int, RowMapping] = rows
        self.children: Mapping[int, list[int]] = children
        self._credits: dict[int, float | None] = {}

    def requirements(self, listing_id: int) -> list[int]:
        return self.children.get(listing_id, [])

    def credits(self, listing_id: int) -> float | None:
        """The listing's own credits, or else the sum of its requirements' (derived the
        same way); None when neither it nor anything below it has credits."""
        if listing_id in self._credits:
            return self._credits[listing_id]
        own = self.rows[listing_id]["credits"]
        if own is not None:
            total: float | None = float(own)
        else:
            parts = [c for c in (self.credits(child) for child in self.requirements(listing_id)) if c is not None]
            total = round(sum(parts), 2) if parts else None
        self._credits[listing_id] = total
        return total


def load(
    conn: Connection,
    tenant: Tenant,
    roots: Sequence[RowMapping],
    columns: Columns,
    params: Mapping[str, Any] | None = None,
) -> Trees:
    """`roots` (rows selected with `columns`, which must include `listings.c.id` and
    `listings.c.credits`) and every listing below them, in one query at most. `params`
    binds any parameters the columns leave open. `columns` should be one tuple built
    once: the query is built once per tuple and engine kind, and only bound after."""
    rows: dict[int, RowMapping] = {row["id"]: row for row in roots}
    children: dict[int, list[int]] = {}
    if not rows:
        return Trees(rows, children)
    query = _below(fenced_recursion(conn), tuple(columns))
    bound = {**(params or {}), "tree_org_id": tenant.org_id, "tree_mode": tenant.mode.value, "tree_roots": list(rows)}
    edges: dict[int, list[tuple[int, int]]] = {}
    for row in conn.execute(query, bound).mappings():
        child = row["id"]
        rows.setdefault(child, row)
        edges.setdefault(row[_PARENT], []).append((row[_POSITION], child))
    for parent, positioned in edges.items():
        children[parent] = [child for _position, child in sorted(positioned)]
    return Trees(rows, children)


class _BoundMode:
    value = sa.bindparam("tree_mode", type_=sa.String())


class _BoundTenant:
    """The tenant of a statement built once: organisation and mode are bound when it runs."""

    org_id = sa.bindparam("tree_org_id", type_=sa.Integer())
    mode = _BoundMode


_TENANT = cast(Tenant, _BoundTenant)


@lru_cache(maxsize=32)
def _below(lateral: bool, columns: tuple[ColumnElement[Any], ...]) -> Select[Any]:
    """Every requirement edge below the roots (`tree_roots`), each with the columns of the
    listing it reaches. A recursive query's size is unknown to the planner, which then
    likes to hash whole tables; on PostgreSQL each step is therefore a LATERAL subquery
    behind an OFFSET/LIMIT fence, so that it stays an index lookup per edge. SQLite plans
    nested index lookups by itself (and has no LATERAL)."""
    edge = (requirements.c.program_id, requirements.c.position, requirements.c.requirement_id)
    roots: sa.BindParameter[Any] = sa.bindparam("tree_roots", expanding=True)
    reach = (
        sa.select(*edge)
        .where(owned_by(requirements, _TENANT), requirements.c.program_id.in_(roots))
        .cte("reach", recursive=True)
    )
    listing = sa.select(*columns).select_from(listings.outerjoin(catalogs, catalogs.c.id == listings.c.catalog_id))
    if lateral:
        step = sa.select(*edge).where(requirements.c.program_id == reach.c.requirement_id).offset(0).lateral("step")
        reach = reach.union(sa.select(step).select_from(reach.join(step, sa.true())))
        node = (
            listing.where(owned_by(listings, _TENANT), listings.c.id == reach.c.requirement_id).limit(1).lateral("node")
        )
        return sa.select(reach.c.program_id.label(_PARENT), reach.c.position.label(_POSITION), node).select_from(
            reach.join(node, sa.true())
        )
    reach = reach.union(sa.select(*edge).join(reach, requirements.c.program_id == reach.c.requirement_id))
    return (
        listing.add_columns(reach.c.program_id.label(_PARENT), reach.c.position.label(_POSITION))
        .join(reach, listings.c.id == reach.c.requirement_id)
        .where(owned_by(listings, _TENANT))
    )


def check_shape(conn: Connection, tenant: Tenant, program_id: int) -> None:
    """Refuse, as Invalid("requirement_ids"), a requirement graph in which a tree that
    contains `program_id` is deeper than MAX_DEPTH or expands to more than MAX_LISTINGS
    listings. Run it after changing the program's requirements, in the same transaction."""
    tops = _ancestors(conn, tenant, program_id)
    below: dict[int, list[int]] = {}
    for parent, _position, child in descendant_edges(conn, tenant, tops):
        below.setdefault(parent, []).append(child)
    depth: dict[int, int] = {}
    size: dict[int, int] = {}

    def measure(node: int) -> None:
        if node in depth:
            return
        kids = below.get(node, [])
        for kid in kids:
            measure(kid)
        depth[node] = 1 + max((depth[kid] for kid in kids), default=-1)
        size[node] = 1 + sum(size[kid] for kid in kids)

    for top in sorted(tops):
        measure(top)
        if depth[top] > MAX_DEPTH:
            raise Invalid(
                "requirement_ids",
                f"requirement_ids would make the requirement tree of program {top} {depth[top]} levels deep; "
                f"at most {MAX_DEPTH} are allowed",
            )
        if size[top] > MAX_LISTINGS:
            raise Invalid(
                "requirement_ids",
                f"requirement_ids would make the requirement tree of program {top} hold {size[top]} listings; "
                f"at most {MAX_LISTINGS} are allowed",
            )


def _ancestors(conn: Connection, tenant: Tenant, program_id: int) -> list[int]:
    """`program_id` and every program that requires it, directly or not, in one query."""
    up = (
        sa.select(requirements.c.program_id)
        .where(owned_by(requirements, tenant), requirements.c.requirement_id == program_id)
        .cte("up", recursive=True)
    )
    up = up.union(sa.select(requirements.c.program_id).join(up, requirements.c.requirement_id == up.c.program_id))
    found = set(conn.execute(sa.select(up.c.program_id)).scalars())
    return [program_id, *sorted(found - {program_id})]
