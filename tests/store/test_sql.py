"""The engine differences behind store/sql.py's names."""

from __future__ import annotations

import sqlalchemy as sa

from programhub.core.listings import service as listings
from programhub.core.listings.models import listings as listings_table
from programhub.store import Store
from programhub.store.sql import one_of, refresh_statistics
from tests.support import Tenants


def test_one_of_finds_the_listed_rows_with_one_statement_text_whatever_the_length(store: Store, tenants: Tenants) -> None:
    """On PostgreSQL a list is one array parameter, so a statement's text (what psycopg
    parses and the server prepares) does not change with the list's length; on SQLite an
    IN list is expanded. The rows found are the same."""
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
    if name == "postgresql":
        assert len(texts) == 1
    else:
        assert len(texts) == 4  # an IN list of each length (an empty one too)


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
