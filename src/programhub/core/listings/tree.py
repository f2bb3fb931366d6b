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

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, CompoundSelect, Connection, FromClause

from programhub.core.catalogs.models import catalogs
from programhub.core.errors import DomainError, Invalid
from programhub.core.listings.models import listings, requirements
from programhub.core.listings.service import descendant_edges
from programhub.core.tenancy import Tenant, bound_values, owned_by, owned_by_bound
from programhub.store.prepared import prepared
from programhub.store.sql import fenced_recursion, one_of, statements_are_round_trips

# A tree deeper than this (requirement levels below its root) or expanding to more
# listings than this is refused when requirements are set.
MAX_DEPTH = 25
MAX_LISTINGS = 1000
# What one answer may hold: listings as they appear nested (a sub-program two programs
# require counts twice), and the bytes of their renderings. A page of trees over either is
# refused, telling the client how many per page fit: never half an answer, never a
# process that holds gigabytes for one request.
MAX_ANSWER_LISTINGS = 10_000
MAX_ANSWER_BYTES = 32 * 1024 * 1024

_PARENT = "requirement_of"
_POSITION = "requirement_position"

Columns = Sequence[ColumnElement[Any]]
# A listing's row as `load` and `pieces` read it: its columns by name.
Row = Mapping[str, Any]


def listings_with_catalogs() -> FromClause:
    """Listings with their catalogs (what a listing's shape may show of its catalog)."""
    return listings.outerjoin(catalogs, catalogs.c.id == listings.c.catalog_id)


class TooLarge(DomainError):
    """An answer of trees over the budget: `fitting` of its first trees would fit."""

    def __init__(self, listings_count: int, size: int, fitting: int) -> None:
        self.listings_count, self.size, self.fitting = listings_count, size, fitting
        super().__init__(
            f"this answer would hold {listings_count:,} listings with their requirement trees "
            f"({size / 1_048_576:.1f} MB); one answer holds at most {MAX_ANSWER_LISTINGS:,} listings "
            f"and {MAX_ANSWER_BYTES // 1_048_576} MB"
        )


class Trees:
    """The rows of some listings and of everything they require, with the ordered
    requirement ids of each program among them."""

    def __init__(self, rows: dict[int, Row], children: dict[int, list[int]], *, with_texts: bool = False) -> None:
        self.rows: Mapping[int, Row] = rows
        self.children: Mapping[int, list[int]] = children
        # Whether the rows carry `load`'s `texts` (NULL in them when over the budget).
        self.with_texts = with_texts
        self._credits: dict[int, float | None] = {}
        self._expanded: dict[int, tuple[int, int]] = {}

    def requirements(self, listing_id: int) -> list[int]:
        return self.children.get(listing_id, [])

    def expanded(self, listing_id: int, weight: Callable[[Row], int]) -> tuple[int, int]:
        """(listings, bytes) of the listing's tree as an answer nests it, each shared
        sub-tree counted wherever it appears, without building anything."""
        memo = self._expanded
        found = memo.get(listing_id)
        if found is None:
            count, size = 1, weight(self.rows[listing_id])
            for child in self.requirements(listing_id):
                child_count, child_size = self.expanded(child, weight)
                count, size = count + child_count, size + child_size
            found = memo[listing_id] = (count, size)
        return found

    def check_budget(self, root_ids: Sequence[int], weight: Callable[[Row], int]) -> None:
        """Refuse (`TooLarge`) an answer of these trees over MAX_ANSWER_LISTINGS or
        MAX_ANSWER_BYTES, saying how many of the first roots would fit."""
        listings_total = bytes_total = 0
        fitting = 0
        for root in root_ids:
            count, size = self.expanded(root, weight)
            listings_total, bytes_total = listings_total + count, bytes_total + size
            if listings_total <= MAX_ANSWER_LISTINGS and bytes_total <= MAX_ANSWER_BYTES:
                fitting += 1
        if listings_total > MAX_ANSWER_LISTINGS or bytes_total > MAX_ANSWER_BYTES:
            raise TooLarge(listings_total, bytes_total, fitting)

    def credits(self, listing_id: int) -> float | None:
        """The listing's own credits, or else the sum of its requirements' (derived the
        same way); None when neither it nor anything below it has credits."""
        memo = self._credits
        if listing_id in memo:
            return memo[listing_id]
        own = self.rows[listing_id]["credits"]
        if own is not None:
            total: float | None = float(own)
        else:
            total = None
            for child in self.children.get(listing_id, ()):
                part = self.credits(child)
                if part is not None:
                    total = part if total is None else total + part
            if total is not None:
                total = round(total, 2)
        memo[listing_id] = total
        return total


def load(
    conn: Connection,
    tenant: Tenant,
    root_ids: Sequence[int],
    columns: Columns,
    params: Mapping[str, Any] | None = None,
    source: FromClause | None = None,
    texts: Columns = (),
    texts_length: ColumnElement[Any] | None = None,
) -> Trees:
    """The live listings `root_ids` of `tenant` and every listing below them, to any depth,
    in one query: rows of `columns` (which must include `listings.c.id` and
    `listings.c.credits`) selected from `source` (listings with their catalogs by default;
    any join that keeps `listings`). `params` binds what the columns leave open.
    `columns` and `source` should be built once: the statement is built once for them
    and the engine kind, and only bound after.

    `texts` (columns of text, which a caller would otherwise read with `pieces` once the
    answer is known to fit) come in the same rows where a statement is a round trip to
    the server (PostgreSQL), and only when the rows' texts together are within the answer
    budget (MAX_ANSWER_BYTES, MAX_ANSWER_LISTINGS rows), all NULL otherwise: the database
    sums them (`texts_length`, the column of `columns` that holds a row's texts' length)
    before it sends any, and an answer whose rows alone are over the budget
    nests at least as much, so it is refused (`check_budget`) without them ever reaching
    the process. On SQLite they are not read here (rows without them): the sums cost
    more there than the second statement they save."""
    rows: dict[int, Row] = {}
    children: dict[int, list[int]] = {}
    if not root_ids:
        return Trees(rows, children)
    lateral, engine_name = fenced_recursion(conn), conn.dialect.name
    with_texts = bool(texts) and statements_are_round_trips(conn)
    if with_texts:
        if texts_length is None:
            raise ValueError("texts are read with the column of their length (texts_length)")
        query: sa.Select[Any] | CompoundSelect[Any] = _roots_and_below_with_texts(
            lateral, engine_name, tuple(columns), tuple(texts), texts_length, source
        )
    else:
        query = _roots_and_below(lateral, engine_name, tuple(columns), source)
    bound = {
        **(params or {}),
        **bound_values(tenant),
        "tree_roots": list(dict.fromkeys(root_ids)),
    }
    edges: dict[int, list[tuple[int, int]]] = {}
    for row in prepared(query).mappings(conn, bound):
        listing_id = row["id"]
        rows.setdefault(listing_id, row)
        parent = row[_PARENT]
        if parent is not None:
            edges.setdefault(parent, []).append((row[_POSITION], listing_id))
    for parent, positioned in edges.items():
        positioned.sort()
        children[parent] = [child for _position, child in positioned]
    return Trees(rows, children, with_texts=with_texts)


def pieces(
    conn: Connection, listing_ids: Sequence[int], columns: Columns, source: FromClause | None = None
) -> dict[int, Row]:
    """`columns` (with `listings.c.id`) of each of `listing_ids`, by id, in one query: what
    a caller reads only once it knows the answer fits (a tree's own query carries the
    sizes, not the texts)."""
    if not listing_ids:
        return {}
    query = _by_ids(conn.dialect.name, tuple(columns), source)
    return {row["id"]: row for row in prepared(query).mappings(conn, {"listing_ids": list(listing_ids)})}


@lru_cache(maxsize=32)
def _by_ids(engine_name: str, columns: tuple[ColumnElement[Any], ...], source: FromClause | None) -> sa.Select[Any]:
    return (
        sa.select(*columns)
        .select_from(listings_with_catalogs() if source is None else source)
        .where(one_of(listings.c.id, "listing_ids", engine_name))
    )


@lru_cache(maxsize=32)
def _roots_and_below(
    lateral: bool, engine_name: str, columns: tuple[ColumnElement[Any], ...], source: FromClause | None
) -> CompoundSelect[Any]:
    """The roots (`tree_roots`: live listings of the tenant, without a parent) and every
    requirement edge below them, each row with the columns of the listing it reaches. A recursive query's size is unknown to the planner, which then
    likes to hash whole tables; on PostgreSQL each step is therefore a LATERAL subquery
    behind an OFFSET/LIMIT fence, so that it stays an index lookup per edge. SQLite plans
    nested index lookups by itself (and has no LATERAL); there the walk carries its rows'
    tenant and each listing below is matched to it, not to the bound tenant: a condition on
    the listings alone, in a database someone analyzed, makes SQLite build a Bloom filter
    of every listing for each walk (4.1 ms against 0.04 for a five-level tree of 5,000
    programs). The walk stays in the tenant: its first edges are the tenant's, and an edge's
    tenant is its program's (`requirements`' same-tenant keys)."""
    edge: tuple[ColumnElement[Any], ...] = (
        requirements.c.program_id,
        requirements.c.position,
        requirements.c.requirement_id,
    )
    if not lateral:
        edge = (*edge, requirements.c.org_id, requirements.c.mode)
    reach = (
        sa.select(*edge)
        .where(owned_by_bound(requirements), one_of(requirements.c.program_id, "tree_roots", engine_name))
        .cte("reach", recursive=True)
    )
    listing = sa.select(*columns).select_from(listings_with_catalogs() if source is None else source)
    top = listing.add_columns(sa.null().label(_PARENT), sa.null().label(_POSITION)).where(
        owned_by_bound(listings), one_of(listings.c.id, "tree_roots", engine_name), listings.c.deleted_at.is_(None)
    )
    if lateral:
        step = sa.select(*edge).where(requirements.c.program_id == reach.c.requirement_id).offset(0).lateral("step")
        reach = reach.union(sa.select(step).select_from(reach.join(step, sa.true())))
        node = listing.where(owned_by_bound(listings), listings.c.id == reach.c.requirement_id).limit(1).lateral("node")
        below = sa.select(*node.c, reach.c.program_id.label(_PARENT), reach.c.position.label(_POSITION)).select_from(
            reach.join(node, sa.true())
        )
        return sa.union_all(top, below)
    reach = reach.union(sa.select(*edge).join(reach, requirements.c.program_id == reach.c.requirement_id))
    below = (
        listing.add_columns(reach.c.program_id.label(_PARENT), reach.c.position.label(_POSITION))
        .join(reach, listings.c.id == reach.c.requirement_id)
        .where(listings.c.org_id == reach.c.org_id, listings.c.mode == reach.c.mode)
    )
    return sa.union_all(top, below)


@lru_cache(maxsize=32)
def _roots_and_below_with_texts(
    lateral: bool,
    engine_name: str,
    columns: tuple[ColumnElement[Any], ...],
    texts: tuple[ColumnElement[Any], ...],
    texts_length: ColumnElement[Any],
    source: FromClause | None,
) -> sa.Select[Any]:
    """`_roots_and_below` with `texts` too, each NULL in every row unless all the rows'
    texts fit the answer budget (window sums over the whole walk, computed before any
    row is sent). The statement stays under psycopg's 4 KB: a longer one is parsed
    again on every execution (the sums are over `texts_length`, not each text's)."""
    walk = _roots_and_below(lateral, engine_name, columns + texts, source).subquery("walk")
    fits = sa.and_(
        sa.func.sum(walk.c[texts_length.name]).over() <= MAX_ANSWER_BYTES,
        sa.func.count().over() <= MAX_ANSWER_LISTINGS,
    )
    return sa.select(
        *(walk.c[column.name] for column in columns),
        walk.c[_PARENT],
        walk.c[_POSITION],
        *(sa.case((fits, walk.c[text.name])).label(text.name) for text in texts),
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
