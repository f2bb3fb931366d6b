"""A SELECT run on the driver's cursor (`store.prepared.PreparedSelect`) answers what
`Connection.execute` answers, converted the same way, and is seen and failed like any
other statement; the key lookup every request makes runs that way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from programhub.core import auth
from programhub.core.keys.models import api_keys
from programhub.core.keys.service import hash_secret
from programhub.store import Store
from programhub.store.prepared import PreparedSelect
from tests.support import Tenants, count_queries


def _both(store: Store, statement: sa.Select[Any], parameters: dict[str, Any]) -> tuple[Any, Any]:
    prepared = PreparedSelect(statement)
    with store.lookup() as conn:
        executed = conn.execute(statement, parameters).first()
        return (None if executed is None else tuple(executed)), prepared.first(conn, parameters)


def _note_execution_contexts(monkeypatch: pytest.MonkeyPatch, contexts: list[str]) -> None:
    """From now on, the statement of every execution context SQLAlchemy makes goes to `contexts`."""
    original = Connection._execute_context

    def counted(self: Connection, dialect: Any, constructor: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        contexts.append(str(statement))
        return original(self, dialect, constructor, statement, *args, **kwargs)

    monkeypatch.setattr(Connection, "_execute_context", counted)


def test_the_key_lookup_answers_as_execute_does_with_its_types_converted(store: Store, tenants: Tenants) -> None:
    with store.write() as conn:
        conn.execute(sa.update(api_keys).values(last_used_at=datetime(2026, 12, 7, 1, 2, 3, 456000, tzinfo=UTC)))
    for users in (0, 2):
        statement = auth._key_lookup(users).statement
        parameters = {"secret_hash": hash_secret(tenants.a_test.key), "user_0": "u-1", "user_1": "u-2"}
        executed, prepared = _both(store, statement, {name: parameters[name] for name in list(parameters)[: 1 + users]})
        assert executed is not None and prepared == executed
        last_used = prepared[4]
        assert last_used == datetime(2026, 12, 7, 1, 2, 3, 456000, tzinfo=UTC) and last_used.tzinfo is not None
    assert _both(store, auth._key_lookup(0).statement, {"secret_hash": "none"}) == (None, None)


def test_values_bound_in_the_statement_and_converted_parameters(store: Store, tenants: Tenants) -> None:
    """A literal of the statement is sent along; a parameter is converted by its type's bind
    processor (a datetime stored as text on SQLite)."""
    statement = sa.select(api_keys.c.public_id, sa.literal(7).label("seven")).where(
        api_keys.c.created_at < sa.bindparam("before", type_=api_keys.c.created_at.type),
        api_keys.c.public_id == tenants.a_test.key_id,
    )
    executed, prepared = _both(store, statement, {"before": datetime(2100, 1, 1, tzinfo=UTC)})
    assert prepared == executed == (tenants.a_test.key_id, 7)


def test_a_list_of_values_is_refused() -> None:
    with pytest.raises(ValueError, match="plain values"):
        PreparedSelect(sa.select(api_keys.c.id).where(api_keys.c.id.in_([1, 2])))._for(
            sa.create_engine("sqlite://").dialect
        )


def test_the_engines_events_see_the_statement_and_its_failure_is_sqlalchemys(store: Store) -> None:
    """The statement watch (liveness) and the tests' counts listen to the engine's events; a
    driver error reaches the error handlers as SQLAlchemy's (a 503 or a logged 500)."""
    with count_queries(store) as statements:
        with store.lookup() as conn:
            assert PreparedSelect(sa.select(api_keys.c.id).where(api_keys.c.id == -1)).first(conn, {}) is None
    assert len(statements) == 1 and statements[0].startswith("SELECT api_keys.id")
    missing = sa.table("no_such_table", sa.column("id"))
    with store.lookup() as conn, pytest.raises(sa.exc.DBAPIError):
        PreparedSelect(sa.select(missing.c.id)).first(conn, {})


def test_a_request_looks_its_key_up_without_an_execution_context(
    store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the lookup saves: SQLAlchemy's execution context and result, built for every
    statement `Connection.execute` runs (most of a lookup's CPU)."""
    contexts: list[str] = []
    _note_execution_contexts(monkeypatch, contexts)
    principal, _ = auth.look_up(store, tenants.a_test.key, ("u-1",))
    assert principal.tenant.org_id == tenants.a_test.tenant.org_id
    assert principal.nomination_versions == (("u-1", 0),)
    assert contexts == []


def test_mappings_answer_as_execute_mappings_do_with_numerics_and_times_converted(
    store: Store, tenants: Tenants
) -> None:
    """Every row, each a dict by column name equal to `Connection.execute(...).mappings()`'s
    row: a numeric column converted with the type the driver reports (psycopg's numeric),
    a datetime made aware, NULLs kept; no rows is an empty list."""
    from programhub.core.listings import service as listings
    from programhub.core.listings.models import listings as listings_table

    tenant = tenants.a_test.tenant
    with store.write() as conn:
        made = [
            listings.create(conn, tenant, "course", {"name": f"C{n}", **({"credits": 2.5} if n else {})})
            for n in range(3)
        ]
    statement = (
        sa.select(listings_table.c.id, listings_table.c.name, listings_table.c.credits, listings_table.c.created_at)
        .where(listings_table.c.id.in_(sa.select(sa.bindparam("first", type_=sa.Integer()))) | (listings_table.c.id > sa.bindparam("after", type_=sa.Integer())))
        .order_by(listings_table.c.id)
    )
    prepared = PreparedSelect(statement)
    for parameters in ({"first": made[0], "after": made[0]}, {"first": -1, "after": made[-1]}):
        with store.read() as conn:
            executed = [dict(row) for row in conn.execute(statement, parameters).mappings()]
            answered = prepared.mappings(conn, parameters)
        assert answered == executed
        assert [type(row["credits"]) for row in answered] == [type(row["credits"]) for row in executed]
    assert [row["credits"] for row in answered] == [] and len(executed) == 0
    with store.read() as conn:
        rows = prepared.mappings(conn, {"first": made[0], "after": made[0]})
    assert [row["id"] for row in rows] == made and rows[0]["credits"] is None
    assert rows[1]["created_at"].tzinfo is not None


def test_mappings_begin_the_connections_transaction_as_execute_would(store: Store) -> None:
    statement = sa.select(api_keys.c.id).where(api_keys.c.id == -1)
    with store.engine.connect() as conn:
        assert not conn.in_transaction()
        assert PreparedSelect(statement).mappings(conn, {}) == []
        assert conn.in_transaction()


def test_a_catalog_tree_and_page_are_read_without_an_execution_context(
    store: Store, tenants: Tenants, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tree's walk and its pieces, and an unfiltered page's counts and ids, run on the
    driver's cursor: none of their statements goes through `Connection.execute`."""
    from tests.dialects.catalog.support import API, create, get

    key = tenants.a_test
    course = create(client, key, "course", title="C", credits=2)["id"]
    top = create(client, key, "program", title="T", requirement_ids=[course])["id"]
    contexts: list[str] = []
    _note_execution_contexts(monkeypatch, contexts)
    with count_queries(store) as statements:
        assert [requirement["id"] for requirement in get(client, key, "program", top)["requirements"]] == [course]
        page = client.get(f"{API}/programs?per_page=1", headers=key.token)
    assert [program["id"] for program in page.json()["programs"]] == [top]
    assert any("requirement" in statement for statement in statements)
    assert any("listing_counts" in statement for statement in statements)
    assert not any("requirement" in statement or "listing" in statement for statement in contexts), contexts


def test_record_and_webadmit_lists_are_read_without_an_execution_context(
    store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Record's programme list and the programs a WebAdMIT identity sees, each one text the
    database builds, run on the driver's cursor and answer what `Connection.execute` of
    the same statement answers (an empty list too)."""
    import orjson

    from programhub.core.identities import service as identities
    from programhub.core.listings import service as listings
    from programhub.dialects.record import queries as record
    from programhub.dialects.webadmit import queries as webadmit
    from programhub.core.tenancy import bound_values

    tenant = tenants.a_test.tenant
    empty = tenants.b_test.tenant
    with store.write() as conn:
        for name in ("Nursing", "Law"):
            listings.create(conn, tenant, "program", {"name": name})
        identity_id = identities.create(conn, tenant, type="Admissions User", cycle="2026 - 2027", association=None,
                                        institution=None, organization=None, program_ids=None)
        empty_identity_id = identities.create(conn, empty, type="Admissions User", cycle="2026 - 2027",
                                              association=None, institution=None, organization=None, program_ids=None)
    contexts: list[str] = []
    with store.read() as conn:
        identity = identities.get(conn, tenant, identity_id)
        nobody = identities.get(conn, empty, empty_identity_id)
        expected_record = conn.execute(record._program_list(), bound_values(tenant)).scalar_one()
        webadmit_parameters = {
            **identities.parameters(tenant, identity_id),
            "organization_name": identity.organization_name(tenant),
        }
        expected_webadmit = conn.execute(webadmit._program_list(False), webadmit_parameters).scalar_one()
        _note_execution_contexts(monkeypatch, contexts)
        answers = [  # a Fragment's text, as orjson writes it into an answer
            orjson.dumps(record.program_list(conn, tenant)),
            orjson.dumps(webadmit.program_list(conn, tenant, identity)),
            orjson.dumps(record.program_list(conn, empty)),
            orjson.dumps(webadmit.program_list(conn, empty, nobody)),
        ]
    assert contexts == []
    assert answers[:2] == [expected_record.encode(), expected_webadmit.encode()]
    assert [len(orjson.loads(answer)) for answer in answers] == [2, 2, 0, 0]


def test_sqlite_begins_its_transactions_on_the_drivers_cursor(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's BEGIN (and a writer's BEGIN IMMEDIATE), which the store emits itself, goes
    through the engine's events like any statement, without an execution context."""
    if not store.is_sqlite:
        pytest.skip("PostgreSQL's driver begins its own transactions")
    from sqlalchemy.engine import Engine

    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    contexts: list[str] = []
    _note_execution_contexts(monkeypatch, contexts)
    sa.event.listen(Engine, "before_cursor_execute", note)
    try:
        with store.read():
            pass
        with store.write():
            pass
    finally:
        sa.event.remove(Engine, "before_cursor_execute", note)
    assert seen[:1] == ["BEGIN"] and "BEGIN IMMEDIATE" in seen
    assert not any(statement.startswith("BEGIN") for statement in contexts), contexts


def test_rows_become_dicts_as_zip_makes_them_whatever_their_names() -> None:
    from programhub.store.prepared import _dict_of

    names = ("id", "it's", 'say "x"', "back\\slash", "{page}", "id", "ü")
    row = (1, 2, 3, 4, 5, 6, 7)
    assert _dict_of(names)(row) == dict(zip(names, row, strict=True)) == {
        "id": 6, "it's": 2, 'say "x"': 3, "back\\slash": 4, "{page}": 5, "ü": 7,
    }
    assert _dict_of(())(()) == {}
