"""The engine differences behind store/sql.py's names."""

from __future__ import annotations

import sqlalchemy as sa

from programhub.core.listings import service as listings
from programhub.core.listings.models import listings as listings_table
from programhub.store import Store
from programhub.store.sql import one_of
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
