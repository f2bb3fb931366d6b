"""Every statement of the busiest reads is keyed for SQLAlchemy's compiled cache: a
construct without a cache key makes SQLAlchemy compile the whole statement on every
request (Sunbird form A's page did, for its SQLite planner hint: bench/RESULTS.md run 11)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine.interfaces import CacheStats

from programhub.store import Store
from tests.dialects.catalog.support import create as create_listing
from tests.dialects.sunbird.support import create, post
from tests.support import Tenants


def test_the_busiest_reads_run_only_statements_with_a_cache_key(
    client: TestClient, store: Store, tenants: Tenants
) -> None:
    me = tenants.a_test
    for n in range(3):
        program_id = create(client, me, name=f"P{n}", nomination_enddate="2099-01-01")
        post(client, "/nomination/add", {"program_id": program_id, "organisation_id": f"O{n}", "user_id": "u-1",
                                         "status": "Approved", "rolemapping": {"REVIEWER": ["u-1"]}}, me)
    root = create_listing(client, me, "program", title="Root")
    keyless: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        compiled = context is not None and context.compiled is not None  # not BEGIN and other driver SQL
        if compiled and context.cache_hit is CacheStats.NO_CACHE_KEY:
            keyless.append(statement)

    forms = [
        {"nomination": {"organisation_id": {"ne": "O1"}}, "nomination_enddate": "open"},
        {"nomination": {"user_id": {"eq": "u-1"}, "organisation_id": {"eq": "O1"}, "status": ["Approved"],
                        "roles": {"or": ["REVIEWER", "CONTRIBUTOR"]}}},
        {"nomination": {"user_id": {"eq": "u-1"}}},
        {},
    ]
    for engine in store.engines:
        sa.event.listen(engine, "before_cursor_execute", note)
    try:
        for _ in range(2):
            for filters in forms:
                assert post(client, "/list", {"filters": filters, "limit": 300}, me).status_code == 200
            assert client.get("/api/v1/programs?per_page=20", headers=me.token).status_code == 200
            assert client.get(f"/api/v1/programs/{root['id']}", headers=me.token).status_code == 200
            assert client.get("/api/external/issuance/programs", headers=me.bearer).status_code == 200
    finally:
        for engine in store.engines:
            sa.event.remove(engine, "before_cursor_execute", note)
    assert keyless == []
