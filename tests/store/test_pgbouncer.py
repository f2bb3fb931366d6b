"""The PostgreSQL connection budget, and programhub behind PgBouncer in transaction mode
(issue 20): a server process holds at most its budget however many requests it serves at
once, and every kind of request works through a pooler that hands each transaction any
server connection (no prepared statements, no per-connection settings)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from programhub.app import create_app
from programhub.settings import Settings
from programhub.store import Store, open_settings_store, open_store
from programhub.store.migrate import upgrade
from programhub.store.engine import normalise_url
from tests.conftest import PUBLIC_URL, in_ci
from tests.support import at_once, make_tenants, serve_in_thread

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def pgbouncer(postgres_database_url: str) -> Iterator[str]:
    """PgBouncer in transaction mode in front of the test database; yields its URL. Its
    files sit in a folder of their own that its user (postgres, when we are root) can read:
    pytest's own temporary folders are private to us."""
    if not Path(PGBOUNCER).exists():
        if in_ci():
            pytest.fail("CI=true but pgbouncer is not installed (.ci/run installs it)")
        pytest.skip("pgbouncer is not installed (apt-get install pgbouncer)")
    url = make_url(normalise_url(postgres_database_url))
    port = _free_port()
    tmp_path = Path(tempfile.mkdtemp(prefix="programhub-pgbouncer-"))
    tmp_path.chmod(0o777)
    config = tmp_path / "pgbouncer.ini"
    config.write_text(
        f"""[databases]
{url.database} = host={url.host or "127.0.0.1"} port={url.port or 5432} dbname={url.database}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {tmp_path / "users.txt"}
pool_mode = transaction
default_pool_size = 10
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = {tmp_path / "pgbouncer.log"}
pidfile = {tmp_path / "pgbouncer.pid"}
"""
    )
    (tmp_path / "users.txt").write_text(f'"{url.username or "postgres"}" ""\n')
    for path in tmp_path.iterdir():
        path.chmod(0o666)
    command = [PGBOUNCER, str(config)]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]  # PgBouncer will not run as root
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                log = (tmp_path / "pgbouncer.log").read_text() if (tmp_path / "pgbouncer.log").exists() else ""
                raise RuntimeError(f"pgbouncer did not start: {log[-2000:]}")
            time.sleep(0.05)
        yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(tmp_path, ignore_errors=True)


def _server_connections(store: Store, database: str) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND pid != pg_backend_pid()"),
                {"name": database},
            ).scalar_one()
        )


def _exercise(base_url: str, tenants_key: str) -> None:
    """Every kind of work a client does: writes with idempotency keys, lists through the
    cache, trees, nominations, and writes racing one another."""
    token = {"Authorization": f'Token token="{tenants_key}"'}
    bearer = {"Authorization": f"Bearer {tenants_key}"}
    with httpx2.Client(base_url=base_url, timeout=60) as http:
        course = http.post("/api/v1/courses", json={"course": {"title": "C"}}, headers=token).json()["course"]["id"]
        program = http.post(
            "/api/v1/programs", json={"program": {"title": "P", "requirement_ids": [course]}}, headers=token
        )
        assert program.status_code == 201, program.text
        keyed = {**bearer, "Idempotency-Key": "pgbouncer"}
        made = http.post("/api/external/issuance/programs", json={"name": "R"}, headers=keyed)
        assert (
            made.status_code == 201
            and http.post("/api/external/issuance/programs", json={"name": "R"}, headers=keyed).json() == made.json()
        )
        sunbird = http.post("/program/v1/create", json={"request": {"name": "S", "type": "public"}}, headers=bearer)
        program_id = sunbird.json()["result"]["program_id"]
        added = http.post(
            "/program/v1/nomination/add",
            json={"request": {"program_id": program_id, "organisation_id": "O", "user_id": "u", "status": "Pending"}},
            headers=bearer,
        )
        assert added.status_code == 200, added.text
        for _ in range(3):  # the same reads again and again: each may run on another server connection
            assert http.get("/api/v1/programs", headers=token).json()["programs"][0]["requirements"][0]["id"] == course
            listed = http.post("/program/v1/list", json={"request": {"filters": {}}}, headers=bearer).json()
            assert listed["result"]["count"] >= 1
    answers = at_once(
        12,
        lambda n, http: http.put(f"/api/v1/courses/{course}", json={"course": {"title": f"C{n}"}}, headers=token),
        base_url,
    )
    assert {answer.status_code for answer in answers} == {204}


@pytest.fixture
def own_database(postgres_server_url: str) -> Iterator[str]:
    """A database no other store of the test run connects to, migrated."""
    name = f"programhub_budget_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(normalise_url(postgres_server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(postgres_server_url)).set(database=name).render_as_string(hide_password=False)
    try:
        migrating = open_store(url)
        upgrade(migrating)
        migrating.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.slow
def test_a_process_holds_at_most_its_connection_budget(own_database: str) -> None:
    settings = Settings(database_url=own_database, public_url=PUBLIC_URL, database_connections=6)
    store = open_settings_store(settings)
    observer = open_settings_store(Settings(database_url=own_database, database_connections=4))
    try:
        tenants = make_tenants(store)
        app = create_app(settings, store=store)
        with serve_in_thread(app) as base_url:
            _exercise(base_url, tenants.a_test.key)
            # The budget, and the observer's own connection.
            assert _server_connections(observer, make_url(own_database).database or "") <= 6 + 1
    finally:
        store.dispose()
        observer.dispose()


def test_every_kind_of_request_works_behind_pgbouncer_in_transaction_mode(pgbouncer: str) -> None:
    settings = Settings(database_url=pgbouncer, public_url=PUBLIC_URL, database_pooler="transaction")
    store = open_settings_store(settings)
    try:
        tenants = make_tenants(store)
        app = create_app(settings, store=store)
        with serve_in_thread(app) as base_url:
            _exercise(base_url, tenants.a_test.key)
    finally:
        store.dispose()
