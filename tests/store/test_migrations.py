from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from programhub.core.tables import metadata
from programhub.store import Store, open_store
from programhub.store.engine import SQLITE_CACHE_KIB
from programhub.store.migrate import is_current, upgrade


def test_migrations_match_the_models(store: Store) -> None:
    """The schema the migrations build is exactly the one the code declares."""
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []
    assert is_current(store)


def test_upgrade_twice_is_harmless(store: Store) -> None:
    upgrade(store)
    assert is_current(store)
    assert set(inspect(store.engine).get_table_names()) >= set(metadata.tables)


def test_sqlite_file_is_created_on_first_start_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "hub.db"
    store = open_store(f"sqlite:///{path}")
    try:
        assert not is_current(store)
        upgrade(store)
        assert path.exists()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB
    finally:
        store.dispose()


def test_sqlite_reads_reuse_the_connection_used_last(tmp_path: Path) -> None:
    """Reads on the event loop come one after another: handed the connection used last,
    they keep its page cache warm instead of warming each of the pool's in turn."""
    store = open_store(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        with store.read() as first, store.read() as second:
            first_id, second_id = id(first.connection.dbapi_connection), id(second.connection.dbapi_connection)
        for _ in range(3):
            with store.read() as again:
                assert id(again.connection.dbapi_connection) == first_id  # checked in last
        assert first_id != second_id
    finally:
        store.dispose()


def test_the_migrations_have_one_head() -> None:
    """Every new migration names the one head as its parent; two heads mean two lines that
    a later revision must join (as 0009_join does)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from programhub.store.migrate import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_a_sqlite_database_analyzed_before_a_migration_is_analyzed_after_it(
    store: Store, backend: str, tenants: object
) -> None:
    """A new index without statistics beside indexes with them wins SQLite's plans it should
    not: after a migration, an analyzed database gets statistics for its new indexes too."""
    import pytest
    import sqlalchemy as sa
    from alembic import command

    from programhub.core.listings import service as listings_service
    from programhub.store.migrate import alembic_config

    if backend != "sqlite":
        pytest.skip("PostgreSQL analyzes by itself")
    with store.write() as conn:
        for n in range(3):
            listings_service.create(conn, tenants.a_test.tenant, "program", {"name": f"P{n}"})  # type: ignore[attr-defined]
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    command.downgrade(alembic_config(store), "0015_nomination_order")  # drops the date indexes
    upgrade(store)
    with store.read() as conn:
        analyzed = set(conn.execute(sa.text("SELECT idx FROM sqlite_stat1")).scalars())
    assert {"ix_listings_tenant_kind_nomination_end", "ix_listings_tenant_kind_submission_end"} <= analyzed
