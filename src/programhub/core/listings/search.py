"""Finding programs: the filters, orderings and pages that program lists are made of.

Core vocabulary only (the `listings` columns and the `program_facets` facets); a dialect
translates its wire names into a `ProgramFilter` and an `Ordering`. Every value reaches
SQL as a bind parameter. "Any of" filters on facets and the relevance ordering are
lookups in `program_facets` (indexed by tenant, facet and folded value on both engines).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, FromClause, Select, Subquery

from programhub.core.db import AnyRow
from programhub.core.listings.models import FACETS, listings, program_facets
from programhub.core.tenancy import Tenant, bound_values, owned_by, owned_by_bound
from programhub.core.text import contains, fold
from programhub.store.prepared import prepared
from programhub.store.sql import filter_only

# Columns a list may be ordered by; NULLs sort last in both directions on both engines.
SORTABLE = (
    "name",
    "created_at",
    "updated_at",
    "start_date",
    "end_date",
    "nomination_enddate",
    "shortlisting_enddate",
    "content_submission_enddate",
    "program_type",
    "status",
)
# Columns a filter may match exactly ("any of").
EXACT = ("rootorg_id", "createdby", "channel", "target_type")
DEFAULT_ORDER: tuple[tuple[str, bool], ...] = (("updated_at", True),)


@dataclass(frozen=True, slots=True)
class ProgramFilter:
    """What a program must satisfy. `None` means "no condition"; an empty tuple matches nothing."""

    statuses: tuple[str, ...] | None = None  # None: every status except retired
    program_types: tuple[str, ...] | None = None
    uuids: tuple[str, ...] | None = None
    name_contains: str | None = None
    nomination_open: bool | None = None  # True: nomination_enddate >= now; False: < now
    submission_open: bool | None = None  # the same for content_submission_enddate
    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # facet -> any of these values
    exact: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # EXACT column -> any of these

    @property
    def any_live(self) -> bool:
        """No condition beyond the tenant's live programs: one that nearly every program
        meets. (Fields may hold bound parameters, which `==` would turn into SQL.)"""
        conditions = (
            self.statuses,
            self.program_types,
            self.uuids,
            self.name_contains,
            self.nomination_open,
            self.submission_open,
        )
        return all(value is None for value in conditions) and not self.facets and not self.exact


@dataclass(frozen=True, slots=True)
class Ordering:
    """Either column keys, or relevance: how many of the given facet values a program has
    (most first), then the newest first."""

    keys: tuple[tuple[str, bool], ...] = DEFAULT_ORDER  # (SORTABLE column, descending)
    relevance: Mapping[str, tuple[str, ...]] | None = None  # facet -> values


@dataclass(frozen=True, slots=True)
class Page:
    limit: int
    offset: int = 0


def program_conditions(tenant: Tenant, wanted: ProgramFilter, now: datetime) -> list[ColumnElement[bool]]:
    """The WHERE clause of a program list: this tenant's live (not deleted) programs that
    satisfy `wanted`."""
    c = listings.c
    conditions: list[ColumnElement[bool]] = [owned_by(listings, tenant), c.kind == "program", c.deleted_at.is_(None)]
    if wanted.statuses is None:
        conditions.append(c.status != "retired")
    else:
        conditions.append(c.status.in_(wanted.statuses))
    if wanted.program_types is not None:
        conditions.append(c.program_type.in_(wanted.program_types))
    if wanted.uuids is not None:
        conditions.append(c.uuid.in_(wanted.uuids))
    if wanted.name_contains is not None:
        conditions.append(contains(c.name_folded, wanted.name_contains))
    for column, is_open in (
        (c.nomination_enddate, wanted.nomination_open),
        (c.content_submission_enddate, wanted.submission_open),
    ):
        if is_open is not None:
            # The date indexes serve `next_date_change`; a page's programs come from its order's.
            unindexed = filter_only(column)
            conditions.append(unindexed >= now if is_open else unindexed < now)
    for name, values in wanted.exact.items():
        if name not in EXACT:
            raise KeyError(f"not an exact-match column: {name}")
        conditions.append(c[name].in_(values))
    for facet, values in wanted.facets.items():
        conditions.append(c.id.in_(_facet_matches(tenant, facet, values)))
    return conditions


def next_date_change(conn: Connection, tenant: Tenant, wanted: ProgramFilter, now: datetime) -> datetime | None:
    """The next moment the "open"/"closed" filters of `wanted` can change their answer
    without a write: the earliest such date of this tenant's programs still ahead of now."""
    statement = _next_dates(wanted.nomination_open is not None, wanted.submission_open is not None)
    if statement is None:
        return None
    found = [
        moment for moment in prepared(statement).one(conn, {**bound_values(tenant), "now": now}) if moment is not None
    ]
    return min(found) if found else None


@lru_cache(maxsize=4)
def _next_dates(nomination: bool, submission: bool) -> Select[Any] | None:
    """`next_date_change`'s statement for the filters asked, built once (the tenant and
    `now` bound): built per request, it and its cache key were a sixth of the CPU of a
    Sunbird list that filters on them (form A)."""
    c = listings.c
    columns = [
        column
        for column, asked in ((c.nomination_enddate, nomination), (c.content_submission_enddate, submission))
        if asked
    ]
    if not columns:
        return None
    now = sa.bindparam("now", type_=c.nomination_enddate.type)
    return sa.select(
        *(
            sa.select(sa.func.min(column))
            .where(owned_by_bound(listings), c.kind == "program", column >= now)
            .scalar_subquery()
            .label(column.name)
            for column in columns
        )
    )


def _facet_matches(tenant: Tenant, facet: str, values: Sequence[str]) -> Select[Any]:
    if facet not in FACETS:
        raise KeyError(f"not a facet: {facet}")
    return sa.select(program_facets.c.listing_id).where(
        owned_by(program_facets, tenant),
        program_facets.c.facet == facet,
        program_facets.c.value.in_(sorted({fold(v) for v in values})),
    )


def ordered(query: Select[Any], tenant: Tenant, ordering: Ordering, *tiebreak: ColumnElement[Any]) -> Select[Any]:
    """`query` (which selects from `listings`) ordered as asked, then by `tiebreak`, then
    by listing id: a total order, so pages never overlap or skip."""
    query, clauses = order_clauses(query, tenant, ordering, *tiebreak)
    return query.order_by(*clauses)


def order_clauses(
    query: Select[Any], tenant: Tenant, ordering: Ordering, *tiebreak: ColumnElement[Any]
) -> tuple[Select[Any], list[ColumnElement[Any]]]:
    """What `ordered` orders by, without applying it (a page numbers its rows by the same
    clauses): `query` with the relevance scores joined if needed, and the ORDER BY clauses."""
    c = listings.c
    if ordering.relevance is not None:
        score = relevance_scores(tenant, ordering.relevance)
        query = query.outerjoin(score, score.c.listing_id == c.id)
        return query, [sa.func.coalesce(score.c.score, 0).desc(), c.created_at.desc(), *tiebreak, c.id.desc()]
    clauses: list[ColumnElement[Any]] = []
    for name, descending in ordering.keys:
        if name not in SORTABLE:
            raise KeyError(f"not a sortable column: {name}")
        column = c.name_folded if name == "name" else c[name]
        clause = column.desc() if descending else column.asc()
        clauses.append(clause.nulls_last() if column.nullable else clause)
    last_descending = ordering.keys[-1][1] if ordering.keys else True
    return query, [*clauses, *tiebreak, c.id.desc() if last_descending else c.id.asc()]


def relevance_scores(tenant: Tenant, wanted: Mapping[str, tuple[str, ...]]) -> FromClause:
    """Per program (`listing_id`), how many of the wanted (facet, value) pairs it has
    (`score`); programs with none are absent."""
    if any(facet not in FACETS for facet in wanted):
        raise KeyError(f"not facets: {sorted(set(wanted) - set(FACETS))}")
    pairs = [
        sa.and_(program_facets.c.facet == facet, program_facets.c.value.in_(sorted({fold(v) for v in values})))
        for facet, values in wanted.items()
        if values
    ]
    return (
        sa.select(program_facets.c.listing_id, sa.func.count().label("score"))
        .where(owned_by(program_facets, tenant), sa.or_(sa.false(), *pairs))
        .group_by(program_facets.c.listing_id)
        .subquery("relevance")
    )


def count_and_page(
    conn: Connection,
    source: FromClause,
    conditions: Sequence[ColumnElement[bool]],
    columns: Sequence[ColumnElement[Any]],
    order: Any,
    page: Page,
) -> tuple[int, list[AnyRow]]:
    """Two queries whatever the page size: the total number of matches, and one page of
    `columns` ordered by `order` (a function that adds ORDER BY to a select)."""
    total = count_matches(conn, source, conditions)
    query = order(sa.select(*columns).select_from(source).where(*conditions))
    rows = list(conn.execute(query.limit(page.limit).offset(page.offset)).all())
    return total, rows


def count_matches(conn: Connection, source: FromClause, conditions: Sequence[ColumnElement[bool]]) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(source).where(*conditions)).scalar_one())


def page_keys(
    source: FromClause,
    conditions: Sequence[ColumnElement[bool]],
    keys: Sequence[ColumnElement[Any]],
    order: Callable[[Select[Any]], tuple[Select[Any], list[ColumnElement[Any]]]],
    page: Page,
    *,
    numbered: bool = True,
) -> Subquery:
    """One page of the matches' `keys` and their `position` (1, 2, ... from the first match,
    in order), as a subquery: a caller joins it back to read the rows of that page only,
    instead of computing its columns for every match a sort has to see. Not `numbered`,
    every position is 0: for a reader that takes the rows in the order the subquery yields
    them (SQLite's `sj.counted_text_items(in_order=True)`), where the window numbering them
    cost a seventh of form C's statement."""
    query, clauses = order(sa.select(*keys).select_from(source).where(*conditions))
    position = (sa.func.row_number().over(order_by=clauses) if numbered else sa.literal_column("0")).label("position")
    return query.add_columns(position).order_by(*clauses).limit(page.limit).offset(page.offset).subquery("page")


def search_programs(
    conn: Connection,
    tenant: Tenant,
    wanted: ProgramFilter,
    ordering: Ordering,
    page: Page,
    columns: Sequence[ColumnElement[Any]],
    *,
    now: datetime,
    extra: Sequence[ColumnElement[bool]] = (),
) -> tuple[int, list[AnyRow]]:
    """The total number of programs matching `wanted` (and `extra` conditions on
    `listings`), and one page of their `columns`."""
    conditions = [*program_conditions(tenant, wanted, now), *extra]
    return count_and_page(conn, listings, conditions, columns, lambda query: ordered(query, tenant, ordering), page)


def program_page(
    tenant: Tenant,
    wanted: ProgramFilter,
    ordering: Ordering,
    page: Page,
    *,
    now: datetime,
    extra: Sequence[ColumnElement[bool]] = (),
    numbered: bool = True,
) -> tuple[Select[Any], Subquery]:
    """What `search_programs` finds, as queries to run: the count of matches, and one page
    of their `listing_id`s with their `position` (see `page_keys` for `numbered`)."""
    conditions = [*program_conditions(tenant, wanted, now), *extra]
    total = sa.select(sa.func.count()).select_from(listings).where(*conditions)
    keys = page_keys(
        listings,
        conditions,
        [listings.c.id.label("listing_id")],
        lambda query: order_clauses(query, tenant, ordering),
        page,
        numbered=numbered,
    )
    return total, keys
