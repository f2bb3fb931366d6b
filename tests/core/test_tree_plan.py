"""Reads on SQLite stay index lookups also in a database someone analyzed. A tree's walk
matched to the tenant by a condition on the listings alone made SQLite, with statistics,
build a Bloom filter of every listing of the table for each walk (4.1 ms against 0.04 for
a five-level tree among 5,000 programs); each dialect's busiest reads are explained on a
database whose statistics say it is large."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from programhub.core.listings import service as listings
from programhub.core.listings import tree
from programhub.dialects.catalog.responses import STORED_SOURCE, TREE_COLUMNS
from programhub.store import Store
from tests.support import Tenants


def test_the_walk_builds_no_bloom_filter_once_the_database_is_analyzed(
    store: Store, backend: str, tenants: Tenants
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL walks by LATERAL lookups (tree._roots_and_below)")
    tenant = tenants.a_test.tenant
    with store.write() as conn:
        course = listings.create(conn, tenant, "course", {"name": "C"})
        program = listings.create(conn, tenant, "program", {"name": "P"})
        listings.set_requirements(conn, tenant, program, [course])
    # Statistics as a database of 50,000 listings has them.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'listings'")
        conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('listings', NULL, '50000')")
    found: list[tree.Trees] = []

    def walk() -> None:
        with store.read() as conn:
            found.append(tree.load(conn, tenant, [program], TREE_COLUMNS, source=STORED_SOURCE))

    walks = _recorded(store, walk, lambda statement: "RECURSIVE" in statement)
    assert found[0].requirements(program) == [course]
    ((_statement, plan),) = _plans(store, walks)
    assert "BLOOM" not in plan, plan
    assert "SEARCH listings USING INTEGER PRIMARY KEY" in plan, plan


def _analyzed_as_large(store: Store) -> None:
    """Statistics as a database of 50,000 listings and their nominations has them."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        for table, rows in (("listings", 50_000), ("requirements", 100_000), ("renderings", 300_000),
                            ("nominations", 200_000), ("nomination_roles", 200_000)):
            conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = ? AND idx IS NULL", (table,))
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, NULL, ?)", (table, str(rows)))


def _recorded(store: Store, action: Callable[[], None], wanted: Callable[[str], bool]) -> list[tuple[str, Any]]:
    """The statements (with their parameters) `action` runs that `wanted` picks."""
    statements: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if wanted(statement):
            statements.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", note)
    return statements


def _plans(store: Store, statements: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Each statement with its query plan, explained on a fresh connection (which loads the
    statistics anew)."""
    fresh = sqlite3.connect(store.engine.url.database or "")
    try:
        return [
            (statement, "\n".join(str(row[-1]) for row in fresh.execute("EXPLAIN QUERY PLAN " + statement, parameters)))
            for statement, parameters in statements
        ]
    finally:
        fresh.close()


def _assert_no_table_built_per_read(store: Store, reads: Callable[[], None]) -> None:
    """Every SELECT `reads` runs: none scans a table to build a Bloom filter or an
    automatic index."""
    statements = _recorded(store, reads, lambda statement: statement.lstrip().upper().startswith(("SELECT", "WITH")))
    assert statements
    for statement, plan in _plans(store, statements):
        assert "BLOOM" not in plan and "AUTOMATIC" not in plan, (statement, plan)


def test_catalog_reads_plan_no_bloom_filter_or_automatic_index_once_analyzed(
    store: Store, backend: str, tenants: Tenants, client: Any
) -> None:
    """Catalog's pages, filtered pages and trees (fails on the walk matched to the bound tenant)."""
    if backend != "sqlite":
        pytest.skip("SQLite's planner")
    from tests.dialects.catalog.support import API, create

    key = tenants.a_test
    course = create(client, key, "course", title="C", credits=2)["id"]
    middle = create(client, key, "program", title="M", requirement_ids=[course])["id"]
    top = create(client, key, "program", title="T", requirement_ids=[middle, course], list_order=1)["id"]
    _analyzed_as_large(store)
    paths = (
        f"{API}/programs?per_page=2",
        f"{API}/programs?per_page=2&page=2",
        f"{API}/programs/{top}",
        f"{API}/courses/{course}",
        f"{API}/programs?archived=true",
        f"{API}/programs?q=T",
        f"{API}/programs?is_enrollable=true",
    )

    def reads() -> None:
        for path in paths:
            assert client.get(path, headers=key.token).status_code == 200, path

    _assert_no_table_built_per_read(store, reads)


def test_sunbird_lists_plan_no_bloom_filter_or_automatic_index_once_analyzed(
    store: Store, backend: str, tenants: Tenants, client: Any
) -> None:
    """Sunbird's /list in the forms real clients send (A: open programs not nominated by an
    organisation; C and E: a user's nominations), and a program read."""
    if backend != "sqlite":
        pytest.skip("SQLite's planner")
    from tests.dialects.sunbird.support import create, list_programs, post, read

    key = tenants.a_test
    future = "2099-01-01T00:00:00.000Z"
    programs = [create(client, key, name=name, nomination_enddate=future) for name in ("One", "Two")]
    request = {"program_id": programs[0], "organisation_id": "O1", "user_id": "u-1", "status": "Approved",
               "rolemapping": {"REVIEWER": ["u-1"]}}
    assert post(client, "/nomination/add", request, key).status_code == 200
    _analyzed_as_large(store)
    forms = (
        {"nomination": {"organisation_id": {"ne": "O1"}}, "nomination_enddate": "open"},
        {"nomination": {"user_id": {"eq": "u-1"}, "organisation_id": {"eq": "O1"}, "status": ["Approved"],
                        "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}},
        {"nomination": {"user_id": {"eq": "u-1"}}},
        {"status": ["Live", "Draft"]},
    )

    def reads() -> None:
        for filters in forms:
            list_programs(client, key, filters, limit=300)
        read(client, key, programs[1])

    _assert_no_table_built_per_read(store, reads)
