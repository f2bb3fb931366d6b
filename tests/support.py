"""Helpers for tests: tenants with keys, query counting, auth headers, live servers (in a
thread or a process) and requests released together."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2
import uvicorn
from fastapi import FastAPI
from sqlalchemy import event

from programhub.core.jobs.runner import JOB_RUNNER_THREAD
from programhub.core.credentials import issuers
from programhub.core.credentials.issuers import Signing
from programhub.core.keys import service as keys
from programhub.core.orgs import service as orgs
from programhub.core.tenancy import Mode, Tenant
from programhub.store import Store


# The secret the `settings` fixture seals signing keys with, and the public URL it serves.
CREDENTIAL_KEY_SECRET = "tests-only-credential-key-secret-0123456789"
TEST_PUBLIC_URL = "http://programhub.test"


def signing(public_url: str = TEST_PUBLIC_URL) -> Signing:
    """How the app under test signs credentials (for tests that issue through the core)."""
    return issuers.configured(public_url, CREDENTIAL_KEY_SECRET, "unused")


@dataclass(frozen=True)
class TenantKey:
    """An organisation in one mode, with a key for it."""

    tenant: Tenant
    key: str
    key_id: str

    @property
    def org(self) -> str:
        return self.tenant.org_public_id

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def token(self) -> dict[str, str]:
        return {"Authorization": f'Token token="{self.key}"'}

    @property
    def x_api_key(self) -> dict[str, str]:
        return {"X-Api-Key": self.key}


@dataclass(frozen=True)
class Tenants:
    a_test: TenantKey
    a_live: TenantKey
    b_test: TenantKey
    b_live: TenantKey

    def all(self) -> list[TenantKey]:
        return [self.a_test, self.a_live, self.b_test, self.b_live]


def make_tenant_key(store: Store, org_public_id: str, mode: Mode) -> TenantKey:
    with store.write() as conn:
        org = orgs.get(conn, org_public_id)
        issued = keys.create(conn, org.public_id, mode, "tests")
    return TenantKey(Tenant(org.id, mode, org.public_id, org.name), issued.secret, issued.key.id)


def make_org(store: Store, name: str) -> str:
    with store.write() as conn:
        return orgs.create(conn, name).public_id


def make_tenants(store: Store) -> Tenants:
    org_a = make_org(store, "Organisation A")
    org_b = make_org(store, "Organisation B")
    return Tenants(
        a_test=make_tenant_key(store, org_a, Mode.TEST),
        a_live=make_tenant_key(store, org_a, Mode.LIVE),
        b_test=make_tenant_key(store, org_b, Mode.TEST),
        b_live=make_tenant_key(store, org_b, Mode.LIVE),
    )


@contextmanager
def count_queries(store: Store) -> Iterator[list[str]]:
    """The SQL statements requests run on `store` inside the block (transaction control
    excluded, and the background job runner's polls, which are no request's)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread().name == JOB_RUNNER_THREAD:
            return
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            statements.append(statement)

    def record_on_loop(statement: str) -> None:  # the loop's key lookups (store/on_loop.py)
        statements.append(statement)

    for engine in store.engines:
        event.listen(engine, "before_cursor_execute", record)
    store.statement_observers.append(record_on_loop)
    try:
        yield statements
    finally:
        store.statement_observers.remove(record_on_loop)
        for engine in store.engines:
            event.remove(engine, "before_cursor_execute", record)


def assert_json_equal(actual: Any, expected: Any, path: str = "$") -> None:
    """Equality that also checks JSON types: 0 is not 0.0 and true is not 1, as a strictly
    typed client would see them (Python's == says they are equal)."""
    assert type(actual) is type(expected), (
        f"{path}: {actual!r} ({type(actual).__name__}) != {expected!r} ({type(expected).__name__})"
    )
    if isinstance(expected, dict):
        assert actual.keys() == expected.keys(), f"{path}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_json_equal(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{path}: {len(actual)} items != {len(expected)}"
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            assert_json_equal(left, right, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


# --- live servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """`app` served by uvicorn on 127.0.0.1 in a background thread; yields its base URL.
    Requests from several threads reach it at the same time, through real sockets."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # Callers connect first and send later (at_once: after every thread has started, which
    # on a loaded machine takes longer than uvicorn's 5 s keep-alive default): keep idle
    # connections open, or a request races the server's closing of its connection.
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=120)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def wait_until_up(base: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Wait for a server process to answer /healthz; if it dies or never answers, kill it
    and raise with the end of its stderr."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _, stderr = process.communicate()
                raise RuntimeError(
                    f"server did not start: {(stderr or b'').decode(errors='replace')[-2000:]}"
                ) from None
            time.sleep(0.05)


def at_once(count: int, send: Callable[[int, httpx2.Client], httpx2.Response], base_url: str) -> list[httpx2.Response]:
    """`count` threads, each with its own connection, released together by a barrier."""
    barrier = threading.Barrier(count)
    results: list[httpx2.Response | BaseException] = [RuntimeError("not sent")] * count

    def run(index: int) -> None:
        try:
            with httpx2.Client(base_url=base_url, timeout=60) as http:
                http.get("/healthz")  # connect first, so that only the requests themselves race
                barrier.wait(timeout=30 + count)  # a loaded machine takes a while to start many threads
                results[index] = send(index, http)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, after every thread ends
            barrier.abort()  # never leave the others waiting
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


@contextmanager
def cache_off(app: Any) -> Iterator[None]:
    """Measure the data path: no answer comes from the response cache inside the block."""
    cache = app.state.cache
    saved, cache.max_bytes = cache.max_bytes, 0
    try:
        yield
    finally:
        cache.max_bytes = saved
