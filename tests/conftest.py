"""Shared fixtures. Every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from PROGRAMHUB_TEST_POSTGRES_URL (a server where we may create
databases); each test run (and each xdist worker) gets a fresh database, dropped at the
end. Without the variable the PostgreSQL half is skipped with a reason, except under
CI=true, where it must run and an unreachable server fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from programhub.app import create_app
from programhub.core.tables import metadata
from programhub.settings import Settings
from programhub.store import Store, open_store
from programhub.store.engine import normalise_url
from programhub.store.migrate import upgrade
from tests.support import CREDENTIAL_KEY_SECRET, Tenants, make_tenants

BACKENDS = ("sqlite", "postgresql")
POSTGRES_ENV = "PROGRAMHUB_TEST_POSTGRES_URL"
PUBLIC_URL = "http://programhub.test"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long tests (marked `slow`) first, in their order: under xdist they then run beside
    the short ones instead of after them (a 3-minute test picked up last kept one worker
    busy for minutes after the other was done)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if in_ci():
            pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: the PostgreSQL half must run in CI")
        pytest.skip(f"PostgreSQL half skipped: set {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    return url


@pytest.fixture(scope="session")
def postgres_database_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database for this run (and worker), migrated once, dropped at the end."""
    name = f"programhub_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(postgres_server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(postgres_server_url)).set(database=name).render_as_string(hide_password=False)
    store = open_store(url)
    upgrade(store)
    store.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_store(postgres_database_url: str) -> Iterator[Store]:
    store = open_store(postgres_database_url)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    store = open_store(f"sqlite:///{path}")
    upgrade(store)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


def _truncate(store: Store) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with store.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database for this test."""
    if backend == "sqlite":
        path = tmp_path / "programhub.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database_url")
    _truncate(request.getfixturevalue("postgres_store"))
    return url


@pytest.fixture
def store(backend: str, database_url: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    if backend == "postgresql":
        yield request.getfixturevalue("postgres_store")
        return
    sqlite_store = open_store(database_url)
    yield sqlite_store
    sqlite_store.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, public_url=PUBLIC_URL, credential_key_secret=CREDENTIAL_KEY_SECRET)


@pytest.fixture
def app(settings: Settings, store: Store) -> FastAPI:
    return create_app(settings, store=store)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tenants(store: Store) -> Tenants:
    """Two organisations, each with a test and a live key."""
    return make_tenants(store)
