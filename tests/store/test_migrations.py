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


def test_stored_renderings_keep_their_texts_across_the_key_migration(
    store: Store, backend: str, tenants: object
) -> None:
    """Migration 0018 re-keys `renderings` by one integer (the face's code times 2**40 plus
    the object's id, SQLite's rowid): every stored form keeps its texts under the key the
    code computes, a face this release does not know is left out, and down again the rows
    are back under (source, face, source_id)."""
    import sqlalchemy as sa
    from alembic import command

    from programhub.core.listings import service as listings_service
    from programhub.core.nominations import service as nominations_service
    from programhub.core.renderings import service as renderings
    from programhub.core.renderings.models import renderings as renderings_table
    from programhub.store.migrate import alembic_config

    tenant = tenants.a_test.tenant  # type: ignore[attr-defined]
    with store.write() as conn:
        for n in range(3):
            program = listings_service.create(conn, tenant, "program", {"name": f"P{n}"})
            nominations_service.add(conn, tenant, program, {"user_id": f"u-{n}", "status": "Pending"})
    columns = ("source", "face", "source_id", "org_id", "mode", "version", "body", "middle", "tail")

    def rows(*names: str) -> set[tuple[object, ...]]:
        with store.read() as conn:
            return {tuple(row) for row in conn.execute(sa.text(f"SELECT {', '.join(names)} FROM renderings"))}

    before = rows("key", *columns)
    faces = {face.name: face for face in renderings.faces()}
    assert {face for _key, _source, face, *_rest in before} == {
        "catalog.listing", "record.program", "sunbird.program_item", "sunbird.nomination_item"
    }
    assert all(key == faces[face].key_of(source_id) for key, _source, face, source_id, *_rest in before)
    command.downgrade(alembic_config(store), "0017_program_walk")
    assert rows(*columns) == {row[1:] for row in before}
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO renderings (source, face, source_id, org_id, mode, version, body) "
                "VALUES ('listings', 'gone.face', 1, :org_id, 'test', 'v', '{}')"
            ),
            {"org_id": tenant.org_id},
        )
    upgrade(store)
    assert rows("key", *columns) == before
    with store.read() as conn:
        assert renderings.stale(conn) == []
        if backend == "sqlite":  # the key is the rowid: one B-tree per look-up
            assert conn.execute(sa.select(sa.func.count()).where(sa.text("rowid != key")).select_from(
                renderings_table)).scalar_one() == 0
