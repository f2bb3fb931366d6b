"""`Store.read` is one snapshot on both engines, and only reads are run that way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from programhub.core import auth, versions
from programhub.core.keys import service as keys
from programhub.store import Store
from tests.support import Tenants


def _version(conn: sa.Connection, tenants: Tenants) -> int:
    tenant = tenants.a_test.tenant
    query = sa.select(versions.tenant_versions.c.version).where(
        versions.tenant_versions.c.org_id == tenant.org_id, versions.tenant_versions.c.mode == tenant.mode.value
    )
    return int(conn.execute(query).scalar_one())


def test_a_read_sees_the_data_as_it_began_whatever_commits_meanwhile(store: Store, tenants: Tenants) -> None:
    """A page read in several statements must not mix two states of the data (PostgreSQL's
    default, READ COMMITTED, gives each statement a snapshot of its own)."""
    with store.read() as conn:
        before = _version(conn, tenants)
        with versions.writing(store, tenants.a_test.tenant):
            pass
        assert _version(conn, tenants) == before
    with store.read() as conn:
        assert _version(conn, tenants) == before + 1


def test_reads_are_repeatable_and_read_only_and_writes_are_not_on_postgresql(store: Store) -> None:
    """The settings are the transaction's alone: a write on a connection a read used
    before runs at READ COMMITTED, as the write paths' locking assumes."""
    if store.is_sqlite:
        pytest.skip("SQLite's read transactions are snapshots, its writes serialised")
    settings = sa.text("SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')")
    for _ in range(3):  # the pool hands the same connections back and forth
        with store.read() as conn:
            assert tuple(conn.execute(settings).one()) == ("repeatable read", "on")
        with store.write() as conn:
            assert tuple(conn.execute(settings).one()) == ("read committed", "off")


def test_a_key_lookup_is_one_statement_that_sees_what_was_committed_before_it(store: Store, tenants: Tenants) -> None:
    """Key lookups run in autocommit on both engines (on SQLite, an engine of their own for
    a file): no BEGIN or COMMIT around the one statement, and no snapshot older than it: a
    key revoked a moment ago is refused by the next request."""
    issued = tenants.a_test
    sent: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement.split(None, 1)[0].upper())

    for engine in store.engines:
        sa.event.listen(engine, "before_cursor_execute", record)
    try:
        principal, _ = auth.look_up(store, issued.key)
    finally:
        for engine in store.engines:
            sa.event.remove(engine, "before_cursor_execute", record)
    assert sent == ["SELECT"]
    assert principal.tenant == issued.tenant
    with store.write() as conn:
        keys.revoke(conn, issued.key_id)
    with pytest.raises(auth.AuthFailure) as refused:
        auth.look_up(store, issued.key)
    assert refused.value.reason is auth.AuthFailureReason.REVOKED
