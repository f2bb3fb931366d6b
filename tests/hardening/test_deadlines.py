"""End-to-end deadlines (issue 18, finding 4), on SQLite and on PostgreSQL: every request
has a deadline that includes the time it waits for a worker thread, a pooled connection or
the database's write lock; past it the answer is 503 in the dialect's envelope, and a write
that was still waiting is never committed after that answer. (A whole hanging PostgreSQL
server under 80 clients is test_outage.py's.)"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.exc import TimeoutError as PoolTimeout

from programhub.app import create_app
from programhub.core.listings.models import listings
from programhub.core.versions import tenant_versions
from programhub.settings import Settings
from programhub.store import Store, liveness, open_store
from tests.conftest import PUBLIC_URL
from tests.support import TenantKey, Tenants

UNAVAILABLE = "The service is temporarily unavailable; try again shortly."
DEADLINE = 1.0
SLACK = 1.5  # thread hand-offs on a busy 2-core machine


@contextmanager
def tenant_write_locked(backend: str, database_url: str, store: Store, key: TenantKey) -> Iterator[None]:
    """Another client holds the lock a write of `key`'s tenant must take first: SQLite's one
    writer slot, or the tenant's data-version row on PostgreSQL."""
    if backend == "sqlite":
        other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    with store.engine.connect() as conn, conn.begin():
        conn.execute(
            sa.select(tenant_versions.c.version)
            .where(tenant_versions.c.org_id == key.tenant.org_id, tenant_versions.c.mode == key.tenant.mode.value)
            .with_for_update()
        )
        yield


def programs_named(store: Store, name: str) -> int:
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(listings).where(listings.c.name == name)).scalar_one())


def test_a_request_past_its_deadline_is_503_in_its_envelope_and_its_write_never_lands(
    backend: str, database_url: str, store: Store, tenants: Tenants
) -> None:
    app = create_app(Settings(database_url=database_url, public_url=PUBLIC_URL, request_timeout=DEADLINE), store=store)
    key = tenants.a_test
    with TestClient(app, raise_server_exceptions=False) as client:
        with tenant_write_locked(backend, database_url, store, key):
            started = time.monotonic()
            response = client.post("/api/external/issuance/programs", json={"name": "Too late"}, headers=key.bearer)
            took = time.monotonic() - started
            assert (response.status_code, response.json()) == (
                503, {"success": False, "code": "SERVICE_UNAVAILABLE", "message": UNAVAILABLE})
            assert response.headers["retry-after"] == "1"
            assert took < DEADLINE + SLACK, f"answered after {took:.1f} s"
            catalog = client.post("/api/v1/programs", json={"program": {"title": "Too late"}}, headers=key.token)
            assert (catalog.status_code, catalog.json()) == (503, {"errors": [{"message": UNAVAILABLE}]})
        time.sleep(DEADLINE + 0.5)  # the abandoned writes got the lock meanwhile: they must have rolled back
        assert programs_named(store, "Too late") == 0
        assert client.post("/api/external/issuance/programs", json={"name": "In time"}, headers=key.bearer).status_code == 201


def test_the_wait_for_a_pooled_connection_ends_with_the_deadline(backend: str, database_url: str) -> None:
    small = open_store(database_url, pool_size=1, max_overflow=0)
    try:
        with small.read():  # the only connection, taken
            errors: list[BaseException] = []

            def wait_for_one() -> None:
                with liveness.deadline(0.5):
                    started = time.monotonic()
                    try:
                        with small.read():
                            pass
                    except PoolTimeout as exc:
                        errors.append(exc)
                    assert time.monotonic() - started < 0.5 + SLACK

            waiter = threading.Thread(target=wait_for_one)
            waiter.start()
            waiter.join(timeout=15)
            assert len(errors) == 1
        assert small.engine.pool.timeout() == (10 if backend == "postgresql" else 30)  # outside a deadline, as configured
    finally:
        small.dispose()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_waits_for_its_writer_slot_until_the_deadline_only(database_url: str, store: Store, tenants: Tenants) -> None:
    with tenant_write_locked("sqlite", database_url, store, tenants.a_test), liveness.deadline(0.5):
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError, match="locked"), store.write():
            pass
        assert time.monotonic() - started < 0.5 + SLACK


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_writers_of_one_process_queue_for_the_slot_without_a_connection(store: Store) -> None:
    """A write waits for another of this process on a lock of the process, before it takes
    a connection (not in SQLite's busy handler, which sleeps up to 100 ms between polls):
    until its deadline, or until the other commits, then it writes."""
    holding, release = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def hold() -> None:
        with store.write():
            holding.set()
            release.wait(15)

    def write_within(seconds: float | None) -> None:
        with liveness.deadline(seconds):
            try:
                with store.write() as conn:
                    conn.execute(sa.text("SELECT 1"))
                outcomes.append("wrote")
            except liveness.DeadlinePassed:
                outcomes.append("deadline")

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(15)
    checked_out = store.engine.pool.checkedout()  # type: ignore[attr-defined]
    late = threading.Thread(target=write_within, args=(0.3,))
    late.start()
    late.join(15)
    patient = threading.Thread(target=write_within, args=(None,))
    patient.start()
    time.sleep(0.2)
    assert store.engine.pool.checkedout() == checked_out  # type: ignore[attr-defined]  # it waits holding none
    assert outcomes == ["deadline"]
    release.set()
    holder.join(15)
    patient.join(15)
    assert outcomes == ["deadline", "wrote"]
