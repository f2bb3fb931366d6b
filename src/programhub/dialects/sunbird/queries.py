"""Sunbird's reads: a program by its program_id, the /list pages (items built by the
database, or with `fields` picked in Python), and the nomination list."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import ColumnElement, Connection, FromClause, Select, Subquery

from programhub.core.listings.models import listings
from programhub.core.listings.search import (
    Page,
    program_conditions,
    program_page,
    relevance_scores,
)
from programhub.core.nominations.models import nominations
from programhub.core.nominations.queries import (
    LATEST_CHANGE_FIRST,
    NominationFilter,
    Nominee,
    list_nominations,
    nomination_conditions,
    nomination_page,
    not_nominated_by,
)
from programhub.core.tenancy import Tenant, owned_by
from programhub.dialects.sunbird.listquery import Filters, ListQuery, StatusFilter
from programhub.dialects.sunbird.responses import (
    NOMINATION_COLUMNS,
    PROGRAM_COLUMNS,
    nomination_item_sql,
    nomination_json,
    program_item_sql,
    program_json,
    selected_program_json,
    stored_item,
    stored_page_item,
)
from programhub.store import sqljson as sj
from programhub.store.sql import planned_for_values

log = logging.getLogger("programhub.sunbird")


def program(conn: Connection, tenant: Tenant, program_id: str) -> dict[str, Any] | None:
    """A program as /read shows it (retired ones too); None if this tenant has none by that id."""
    row = conn.execute(
        sa.select(*PROGRAM_COLUMNS).where(
            owned_by(listings, tenant),
            listings.c.kind == "program",
            listings.c.deleted_at.is_(None),
            listings.c.uuid == program_id,
        )
    ).one_or_none()
    return None if row is None else program_json(row._mapping)


def list_items(
    conn: Connection, tenant: Tenant, query: ListQuery, now: datetime
) -> tuple[int, orjson.Fragment | list[dict[str, Any]]]:
    """The number of items on the page (the reference's `count`) and the items: built by
    the database, or picked in Python when `fields` names the keys of program items.
    The statement that reads the page is planned for this request's values (the best plan
    for the hot organisation's 25,000 nominations is not an average one's), but for one
    user's nominations (form E), whose one plan serves every user: kept prepared, it is not
    planned again (a fifth of its cost on PostgreSQL, bench/RESULTS.md run 18)."""
    if not query.one_users_nominations:
        conn = planned_for_values(conn)
    if query.fields is None:
        return list_items_json(conn, tenant, query, now)
    return selected_items(conn, tenant, query, now, query.fields)


def _program_conditions(tenant: Tenant, query: ListQuery) -> list[ColumnElement[bool]]:
    """The conditions on programs beyond the core's filter: not nominated by someone
    (forms A, D), the user holding one of the roles in the program's rolemapping."""
    conditions = [not_nominated_by(tenant, nominee) for nominee in query.not_nominated_by]
    conditions += closed_conditions(query.status)
    holder = query.role_holder
    if holder is not None:
        conditions.append(
            sa.or_(
                sa.false(), *(sj.member_lists(listings.c.rolemapping, role, holder.user_id) for role in holder.roles)
            )
        )
    return conditions


def _page_keys(tenant: Tenant, query: ListQuery, now: Any, *, numbered: bool = True) -> Subquery:
    """The page's keys, with their positions (0 when not `numbered`): `nomination_id` and
    `program_id` (forms B, C, E), or `listing_id`."""
    extra = _program_conditions(tenant, query)
    if query.nominations is not None:
        ordering = None if query.sorted_by_nomination else query.ordering
        _count, keys = nomination_page(
            tenant, query.nominations, query.programs, ordering, query.page, now=now, extra=extra, numbered=numbered
        )
    else:
        _count, keys = program_page(
            tenant, query.programs, query.ordering, query.page, now=now, extra=extra, numbered=numbered
        )
    return keys


def _page_source(tenant: Tenant, query: ListQuery, now: Any) -> tuple[FromClause, Subquery]:
    """The page's keys joined to the rows they name, and the keys."""
    keys = _page_keys(tenant, query, now)
    if query.nominations is not None:
        source = keys.join(nominations, nominations.c.id == keys.c.nomination_id).join(
            listings, listings.c.id == nominations.c.program_id
        )
    else:
        source = keys.join(listings, listings.c.id == keys.c.listing_id)
    return source, keys


def _stored_items(
    engine_name: str, tenant: Tenant, query: ListQuery, now: Any, *, fallback: bool
) -> Select[Any, int, int]:
    """The page's stored items joined with commas (`sj.counted_text_items`), their number,
    and how many have no stored item: rendered on the spot with `fallback` (which reads the
    page's rows), else left NULL (read by the keys alone, in their order, numbered only
    where the engine reads the numbers)."""
    nominations_too = query.nominations is not None
    if fallback:
        source, keys = _page_source(tenant, query, now)
        stored, item = stored_item(source, nominations_too=nominations_too)
        return sj.counted_text_items(sa.select(item.label("item"), keys.c.position).select_from(stored))
    keys = _page_keys(tenant, query, now, numbered=sj.reads_positions_in_order(engine_name))
    stored, item = stored_page_item(keys, nominations_too=nominations_too)
    return sj.counted_text_items(sa.select(item.label("item"), keys.c.position).select_from(stored), in_order=True)


def list_items_json(conn: Connection, tenant: Tenant, query: ListQuery, now: datetime) -> tuple[int, orjson.Fragment]:
    """The page's items, built by the database as one JSON array, and their number (one
    query): nominations with their programs (forms B, C, E) or programs."""
    if query.ordering.relevance is None and not query.categories:
        # The usual shape: the stored items, concatenated (nothing is built or parsed),
        # by a statement built once per shape (`_prepared`). A row without its stored
        # item (a write that missed its refresh: a bug the tests look for) is read again
        # with the items rendered on the spot.
        prepared = _prepared(conn.dialect.name, tenant, query)
        if prepared is not None:
            statement, values = prepared
            page, count, missing = conn.execute(statement, {**values, _NOW: now}).one()
        else:
            page, count, missing = conn.execute(
                _stored_items(conn.dialect.name, tenant, query, now, fallback=False)
            ).one()
        if missing:
            log.warning("a /list page had %d items without a stored rendering", missing)
            page, count, missing = conn.execute(
                _stored_items(conn.dialect.name, tenant, query, now, fallback=True)
            ).one()
        return count, orjson.Fragment(sj.bracketed(page))
    source, keys = _page_source(tenant, query, now)
    match_count = None
    if query.ordering.relevance is not None:
        scores = relevance_scores(tenant, query.ordering.relevance)
        source = source.outerjoin(scores, scores.c.listing_id == listings.c.id)
        match_count = sa.func.coalesce(scores.c.score, 0)
    if query.nominations is not None:
        built = nomination_item_sql(query.categories, match_count)
    else:
        built = program_item_sql(query.categories, match_count)
    items = sa.select(built.label("item"), keys.c.position).select_from(source)
    page, count = conn.execute(sj.compact_array(items).add_columns(sa.func.count())).one()
    return count, orjson.Fragment(page)


# --- /list statements built once per shape -------------------------------------------------
#
# Building and keying the statement of a /list page cost 0.7-1.1 ms a request, as much as
# SQLite's running it (bench/RESULTS.md run 7). A shape is a query with its values taken
# out as named parameters: the statement is built for the first request of that shape and
# tenant and run with each request's values. Shapes whose values also decide the
# statement's text are built each time (`_with_parameters`).

# Statements kept per process: the shapes in use are few (forms A to E, their pages).
PREPARED_SHAPES = 64
_NOW = "list_now"


class _Parameters:
    """A query's values taken out as named parameters, in the order they are met."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def one(self, value: Any) -> Any:
        if value is None:
            return None
        name = f"list_{len(self.values)}"
        self.values[name] = value
        return sa.bindparam(name)

    def any_of(self, values: tuple[Any, ...] | None) -> Any:
        if values is None:
            return None
        name = f"list_{len(self.values)}"
        self.values[name] = list(values)
        return sa.bindparam(name, expanding=True)


def _with_parameters(query: ListQuery, parameters: _Parameters) -> ListQuery | None:
    """`query` with each value a named parameter (noted in `parameters`), or None for a
    shape whose values are also read in Python to build the statement: a name search
    (folded and escaped), facets and relevance (folded), framework categories and a role
    holder's roles (JSON keys), picked fields."""
    programs, wanted, status = query.programs, query.nominations, query.status
    if (
        programs.name_contains is not None
        or programs.facets
        or query.ordering.relevance is not None
        or query.categories
        or query.role_holder is not None
        or query.fields is not None
    ):
        return None
    return replace(
        query,
        programs=replace(
            programs,
            statuses=parameters.any_of(programs.statuses),
            program_types=parameters.any_of(programs.program_types),
            uuids=parameters.any_of(programs.uuids),
            exact={name: parameters.any_of(values) for name, values in programs.exact.items()},
        ),
        not_nominated_by=tuple(
            Nominee(
                parameters.one(nominee.user_id),
                parameters.one(nominee.organisation_id),
                parameters.one(nominee.nomination_id),
            )
            for nominee in query.not_nominated_by
        ),
        nominations=None
        if wanted is None
        else NominationFilter(
            program_uuids=parameters.any_of(wanted.program_uuids),
            user_ids=parameters.any_of(wanted.user_ids),
            organisation_ids=parameters.any_of(wanted.organisation_ids),
            statuses=parameters.any_of(wanted.statuses),
            role_holder=parameters.one(wanted.role_holder),
            roles=wanted.roles if wanted.role_holder is None else parameters.any_of(wanted.roles),
        ),
        status=status if status is None or not status.closed else StatusFilter(True, parameters.any_of(status.others)),
    )


_statements: OrderedDict[tuple[str, int, str, str], Select[Any, int, int]] = OrderedDict()
_statements_lock = threading.Lock()


def _prepared(
    engine_name: str, tenant: Tenant, query: ListQuery
) -> tuple[Select[Any, int, int], dict[str, Any]] | None:
    """The stored-items statement of `query`'s shape for this tenant (built on first use;
    the tenant is part of the key, never a parameter), and the values to run it with."""
    parameters = _Parameters()
    shape = _with_parameters(query, parameters)
    if shape is None:
        return None
    key = (engine_name, tenant.org_id, tenant.mode.value, repr(shape))
    with _statements_lock:
        statement = _statements.get(key)
        if statement is not None:
            _statements.move_to_end(key)
    if statement is None:
        statement = _stored_items(engine_name, tenant, shape, sa.bindparam(_NOW), fallback=False)
        with _statements_lock:
            _statements[key] = statement
            while len(_statements) > PREPARED_SHAPES:
                _statements.popitem(last=False)
    return statement, parameters.values


def selected_items(
    conn: Connection, tenant: Tenant, query: ListQuery, now: datetime, fields: tuple[str, ...]
) -> tuple[int, list[dict[str, Any]]]:
    """Program items with only the keys `fields` names (forms A, D and plain lists): the
    page's rows, in its order (one query)."""
    extra = _program_conditions(tenant, query)
    _count, keys = program_page(tenant, query.programs, query.ordering, query.page, now=now, extra=extra)
    rows = conn.execute(
        sa.select(*PROGRAM_COLUMNS)
        .select_from(keys.join(listings, listings.c.id == keys.c.listing_id))
        .order_by(keys.c.position)
    ).all()
    return len(rows), [selected_program_json(row._mapping, fields) for row in rows]


def nomination_list(conn: Connection, tenant: Tenant, wanted: NominationFilter, page: Page) -> list[dict[str, Any]]:
    """/nomination/list: nominations, most recently changed first."""
    return [nomination_json(row._mapping) for row in list_nominations(conn, tenant, wanted, page, NOMINATION_COLUMNS)]


def _nomination_column(name: str) -> ColumnElement[Any]:
    return listings.c.uuid if name == "program_id" else nominations.c[name]


def _matching_nominations(tenant: Tenant, wanted: NominationFilter) -> list[ColumnElement[bool]]:
    """Nominations as /nomination/list finds them: of programs that are not deleted."""
    return [*nomination_conditions(tenant, wanted), listings.c.kind == "program", listings.c.deleted_at.is_(None)]


def nomination_facets(
    conn: Connection, tenant: Tenant, wanted: NominationFilter, facets: tuple[str, ...]
) -> list[dict[str, Any]]:
    """/nomination/list with `facets`: one row per combination of the facets' values, with
    `count` the number of nominations whose first facet is not null (the reference's
    `count(facets[0])`), in the facets' order."""
    columns = [_nomination_column(name).label(name) for name in facets]
    query = (
        sa.select(*columns, sa.func.count(columns[0]).label("count"))
        .select_from(nominations.join(listings, listings.c.id == nominations.c.program_id))
        .where(*_matching_nominations(tenant, wanted))
        .group_by(*columns)
        .order_by(*(column.asc().nulls_first() for column in columns))
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def nomination_values(
    conn: Connection, tenant: Tenant, wanted: NominationFilter, fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The `fields` of every matching nomination (for the `limit: 0` aggregate)."""
    columns = [nominations.c.id, *(_nomination_column(name).label(name) for name in fields)]
    query = (
        sa.select(*columns)
        .select_from(nominations.join(listings, listings.c.id == nominations.c.program_id))
        .where(*_matching_nominations(tenant, wanted))
    )
    return [dict(row._mapping) for row in conn.execute(query)]


def closed_conditions(status: StatusFilter | None) -> list[ColumnElement[bool]]:
    """What a status filter says of closed programs: without Closed, none of them; with it,
    they and the programs of the other statuses asked that are not closed."""
    if status is None:
        return []
    not_closed = listings.c.closed_at.is_(None)
    if not status.closed:
        return [not_closed]
    return [sa.or_(listings.c.closed_at.is_not(None), sa.and_(not_closed, listings.c.status.in_(status.others)))]


def program_counts_by_root_org(
    conn: Connection, tenant: Tenant, wanted: Filters, now: datetime
) -> list[dict[str, Any]]:
    """/tenant/list: per root organisation (`rootorg_id`), how many programs match."""
    query = (
        sa.select(listings.c.rootorg_id, sa.func.count().label("program_count"))
        .where(
            *program_conditions(tenant, wanted.programs, now),
            *closed_conditions(wanted.status),
            listings.c.rootorg_id.is_not(None),
        )
        .group_by(listings.c.rootorg_id)
        .order_by(listings.c.rootorg_id)
    )
    return [{"id": row.rootorg_id, "program_count": row.program_count} for row in conn.execute(query)]


def program_uuids(conn: Connection, tenant: Tenant, uuids: tuple[str, ...]) -> list[str]:
    """Which of these program ids this tenant has (not deleted), in the order asked."""
    found = set(
        conn.execute(
            sa.select(listings.c.uuid).where(
                owned_by(listings, tenant),
                listings.c.kind == "program",
                listings.c.deleted_at.is_(None),
                listings.c.uuid.in_(sorted(set(uuids))),
            )
        ).scalars()
    )
    return [uuid for uuid in dict.fromkeys(uuids) if uuid in found]


NOMINATION_REPORT_LIMIT = 1000  # as the reference's download


def nomination_report(
    conn: Connection, tenant: Tenant, program_id: str, statuses: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The nominations of one program in these statuses, latest change first."""
    wanted = NominationFilter(program_uuids=(program_id,), statuses=statuses)
    query = (
        sa.select(
            nominations.c.user_id,
            nominations.c.organisation_id,
            nominations.c.collection_ids,
            nominations.c.status,
            nominations.c.createdon,
        )
        .select_from(nominations.join(listings, listings.c.id == nominations.c.program_id))
        .where(*_matching_nominations(tenant, wanted))
        .order_by(*LATEST_CHANGE_FIRST)
        .limit(NOMINATION_REPORT_LIMIT)
    )
    return [dict(row._mapping) for row in conn.execute(query)]
