"""The engine differences behind store/sql.py's names."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from programhub.core.clock import utcnow
from programhub.core.listings import service as listings
from programhub.core.listings.models import listings as listings_table
from programhub.core.listings.search import Page, ProgramFilter
from programhub.core.nominations import service as nominations_service
from programhub.core.nominations.models import nominations as nominations_table
from programhub.core.nominations.queries import (
    NominationFilter,
    Nominee,
    nomination_conditions,
    nomination_page,
    not_nominated_by,
)
from programhub.store import Store
from programhub.store.sql import one_of, planned_for_values, refresh_statistics
from tests.support import Tenants


def test_one_of_finds_the_listed_rows_with_one_statement_text_whatever_the_length(store: Store, tenants: Tenants) -> None:
    """A list is one parameter (an array on PostgreSQL, JSON text on SQLite), so a
    statement's text (what psycopg parses and the server prepares, what SQLAlchemy would
    otherwise rewrite per execution) does not change with the list's length. The rows found
    are those listed, an empty list finding none."""
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        made = [listings.create(conn, tenant, "course", {"name": f"C{n}"}) for n in range(12)]
    texts: set[str] = set()

    @sa.event.listens_for(store.engine, "before_cursor_execute")
    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.startswith("SELECT"):
            texts.add(statement)

    try:
        with store.read() as conn:
            name = conn.dialect.name
            query = sa.select(listings_table.c.id).where(one_of(listings_table.c.id, "wanted", name))
            found = [set(conn.execute(query, {"wanted": made[:count]}).scalars()) for count in (0, 1, 5, 12)]
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", note)
    assert found == [set(), set(made[:1]), set(made[:5]), set(made)]
    assert len(texts) == 1


def test_refresh_statistics_lets_postgresql_see_the_table_as_it_is(store: Store, tenants: Tenants) -> None:
    """On PostgreSQL the table is analyzed (its row estimate becomes its count); SQLite
    keeps no plans across statements and runs nothing."""
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        for n in range(5):
            listings.create(conn, tenant, "course", {"name": f"C{n}"})
    ran: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        ran.append(statement)

    with store.write() as conn:
        conn.exec_driver_sql("SELECT 1")  # the transaction has begun before the listener
        sa.event.listen(store.engine, "before_cursor_execute", note)
        try:
            refresh_statistics(conn, listings_table)
        finally:
            sa.event.remove(store.engine, "before_cursor_execute", note)
    with store.read() as conn:
        if conn.dialect.name == "sqlite":
            assert ran == []
            return
        count = conn.execute(sa.select(sa.func.count()).select_from(listings_table)).scalar_one()
        estimate = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE relname = 'listings'").scalar_one()
    assert ran == ['ANALYZE "listings"'] and estimate == count > 0


def _nominated_programs(store: Store, tenants: Tenants) -> dict[str, int]:
    """Four programs: nominated by organisation o-1 with u-1 as REVIEWER, by o-1 with u-2
    as REVIEWER, by o-2 with u-1 as CONTRIBUTOR, and by nobody."""
    tenant = tenants.a_test.tenant
    made: dict[str, int] = {}
    with store.write() as conn:
        for name, nomination in (
            ("o1-u1", {"organisation_id": "o-1", "rolemapping": {"REVIEWER": ["u-1"]}}),
            ("o1-u2", {"organisation_id": "o-1", "rolemapping": {"REVIEWER": ["u-2"]}}),
            ("o2-u1", {"organisation_id": "o-2", "rolemapping": {"CONTRIBUTOR": ["u-1"]}}),
            ("none", None),
        ):
            made[name] = listings.create(conn, tenant, "program", {"name": name})
            if nomination is not None:
                nominations_service.add(conn, tenant, made[name], {"status": "Approved", **nomination})
    return made


def _plan(conn: sa.Connection, query: sa.Select[Any]) -> str:
    compiled = query.compile(conn, compile_kwargs={"render_postcompile": True})
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), tuple(compiled.params.values()))
        return "\n".join(str(row[-1]) for row in rows)
    rows = conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + str(compiled), compiled.params)
    return "\n".join(str(row[0]) for row in rows)


def test_checked_per_row_finds_what_a_join_finds_and_is_checked_row_by_row(store: Store, tenants: Tenants) -> None:
    """The role holder's nominations (Sunbird form C) and the programs an organisation did
    not nominate (forms A and D) are the same rows a join finds; the plan checks each row
    the page walks (a subplan on PostgreSQL, a correlated subquery on SQLite) and joins
    nothing to the matches of the subquery, so a page costs what its length costs."""
    tenant = tenants.a_test.tenant
    made = _nominated_programs(store, tenants)
    holder = NominationFilter(organisation_ids=("o-1",), role_holder="u-1", roles=("REVIEWER", "CONTRIBUTOR"))
    held = sa.select(nominations_table.c.program_id).where(*nomination_conditions(tenant, holder))
    not_by_o1 = sa.select(listings_table.c.id).where(
        listings_table.c.kind == "program", not_nominated_by(tenant, Nominee(organisation_id="o-1"))
    )
    with store.read() as conn:
        assert set(conn.execute(held).scalars()) == {made["o1-u1"]}
        assert set(conn.execute(not_by_o1).scalars()) == {made["o2-u1"], made["none"]}
        for query in (held, not_by_o1):
            plan = _plan(conn, query)
            if conn.dialect.name == "postgresql":
                assert "SubPlan" in plan and "Join" not in plan, plan
            else:
                assert "CORRELATED" in plan, plan


def test_a_page_in_the_nominations_order_checks_each_ones_program_and_joins_none(
    store: Store, tenants: Tenants
) -> None:
    """Forms B, C and E walk nominations in their own order; when the only conditions on
    the program are that it is this tenant's and live, each nomination's program is checked
    as the page walks (a subplan on PostgreSQL, a correlated subquery on SQLite), so the
    walk stops when the page is full. It still leaves out the nominations of retired and
    deleted programs; a page with a condition on the programs that may be rare joins them."""
    tenant = tenants.a_test.tenant
    made = _nominated_programs(store, tenants)
    with store.write() as conn:
        retired = listings.create(conn, tenant, "program", {"name": "retired"})
        deleted = listings.create(conn, tenant, "program", {"name": "deleted"})
        for program_id in (retired, deleted):
            nominations_service.add(conn, tenant, program_id, {"status": "Approved", "organisation_id": "o-1"})
        listings.set_status(conn, tenant, "program", [retired], "retired")
        listings.delete_listing(conn, tenant, deleted)
    by_o1 = NominationFilter(organisation_ids=("o-1",))

    def page(programs: ProgramFilter) -> sa.Select[Any]:
        _total, keys = nomination_page(tenant, by_o1, programs, None, Page(300, 0), now=utcnow())
        return sa.select(nominations_table.c.program_id).join(keys, keys.c.nomination_id == nominations_table.c.id)

    with store.read() as conn:
        assert set(conn.execute(page(ProgramFilter())).scalars()) == {made["o1-u1"], made["o1-u2"]}
        assert set(conn.execute(page(ProgramFilter(statuses=("retired",)))).scalars()) == {retired}
        checked, joined = _plan(conn, page(ProgramFilter())), _plan(conn, page(ProgramFilter(statuses=("retired",))))
    if store.is_sqlite:
        assert "CORRELATED" in checked and "CORRELATED" not in joined, (checked, joined)
    else:
        # The outer join reads the page's rows back; the page itself joins nothing.
        assert checked.count("Join") == 0 and checked.count("SubPlan") == 2, checked
        assert "SubPlan" not in joined, joined


def test_planned_for_values_is_never_prepared(store: Store, tenants: Tenants) -> None:
    """psycopg prepares a statement on its fifth execution (and PostgreSQL may then keep a
    plan made for an average value); one marked `planned_for_values` is sent unprepared
    every time, and finds the same rows. SQLite runs it as any other."""
    made = _nominated_programs(store, tenants)
    query = sa.select(listings_table.c.id).where(listings_table.c.id == sa.bindparam("wanted"))
    kept = sa.select(listings_table.c.id.label("kept")).where(listings_table.c.id == sa.bindparam("wanted"))
    planned = planned_for_values(
        sa.select(listings_table.c.id.label("planned")).where(listings_table.c.id == sa.bindparam("wanted"))
    )
    with store.read() as conn:
        for _ in range(8):
            assert conn.execute(kept, {"wanted": made["none"]}).scalar_one() == made["none"]
            assert conn.execute(planned, {"wanted": made["none"]}).scalar_one() == made["none"]
        assert conn.execute(query, {"wanted": made["none"]}).scalar_one() == made["none"]
        if conn.dialect.name == "sqlite":
            return
        prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
    assert any("listings.id AS kept" in text for text in prepared), prepared
    assert not any("listings.id AS planned" in text for text in prepared), prepared
