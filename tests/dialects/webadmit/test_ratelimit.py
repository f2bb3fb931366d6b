"""The per-key rate limit: headers on every counted answer, 429 past the limit, fixed
hourly windows, cleanup of old windows, and one count across server processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from programhub.app import create_app
from programhub.core.ratelimit import service as ratelimit
from programhub.core.ratelimit.models import rate_limit_windows
from programhub.settings import Settings
from programhub.store import Store, open_store
from tests.dialects.webadmit.conftest import QUARTER_PAST, Clock
from tests.dialects.webadmit.support import BASE, MALFORMED_ID, make_identity, not_found
from tests.support import Tenants, count_queries, free_port, wait_until_up

LIMIT = 3
REFUSED = {"errors": {"schema": [
    f"API rate limit exceeded: at most {LIMIT} calls per hour per API key; try again in 2700 seconds."]}}


@pytest.fixture
def limited(settings: Settings, store: Store) -> Iterator[TestClient]:
    """A client of an app allowing LIMIT calls per key per hour."""
    app = create_app(settings.model_copy(update={"webadmit_rate_limit": LIMIT}), store=store)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _quota(response) -> tuple[str, str, str | None]:  # type: ignore[no-untyped-def]
    headers = response.headers
    return headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"], headers.get("Retry-After")


def test_every_counted_answer_tells_the_quota_and_the_limit_is_then_429(
    limited: TestClient, store: Store, tenants: Tenants, clock: Clock
) -> None:
    key = tenants.a_test.x_api_key
    identity = make_identity(store, tenants.a_test.tenant)

    ok = limited.get(BASE, headers=key)
    missing = limited.get(f"{BASE}/999/programs", headers=key)
    malformed = limited.get(f"{BASE}/abc/organizations", headers=key)
    assert (ok.status_code, _quota(ok)) == (200, ("3", "2", None))
    assert (missing.status_code, missing.json(), _quota(missing)) == (404, not_found(999), ("3", "1", None))
    assert (malformed.status_code, malformed.json(), _quota(malformed)) == (
        422, {"errors": {"schema": [MALFORMED_ID]}}, ("3", "0", None))

    for path in (BASE, f"{BASE}/{identity}/programs", f"{BASE}/{identity}/organizations"):
        refused = limited.get(path, headers=key)
        assert (refused.status_code, refused.json(), _quota(refused)) == (429, REFUSED, ("3", "0", "2700"))


def test_each_key_has_its_own_count(limited: TestClient, tenants: Tenants, clock: Clock) -> None:
    for _ in range(LIMIT):
        assert limited.get(BASE, headers=tenants.a_test.x_api_key).status_code == 200
    assert limited.get(BASE, headers=tenants.a_test.x_api_key).status_code == 429
    for other in (tenants.a_live, tenants.b_test):
        response = limited.get(BASE, headers=other.x_api_key)
        assert (response.status_code, _quota(response)) == (200, ("3", "2", None))


def test_the_count_starts_again_when_the_hour_turns_and_old_windows_are_deleted(
    limited: TestClient, store: Store, tenants: Tenants, clock: Clock
) -> None:
    key = tenants.a_test.x_api_key
    for _ in range(LIMIT + 5):  # refused calls do not push the count past limit + 1
        limited.get(BASE, headers=key)
    clock.now = QUARTER_PAST + 2699.5
    assert _quota(limited.get(BASE, headers=key)) == ("3", "0", "1")  # rounded up, never 0

    clock.now = QUARTER_PAST + 2700  # 11:00:00, a new window
    response = limited.get(BASE, headers=key)
    assert (response.status_code, _quota(response)) == (200, ("3", "2", None))
    with store.read() as conn:
        rows = conn.execute(sa.select(rate_limit_windows.c.window_start, rate_limit_windows.c.count)
                            .where(rate_limit_windows.c.api_key_id == _key_id(store, tenants.a_test.key_id))).all()
    assert [tuple(row) for row in rows] == [(int(QUARTER_PAST + 2700), 1)]


def test_unknown_paths_and_wrong_methods_are_counted_when_the_key_is_valid(
    limited: TestClient, tenants: Tenants, clock: Clock
) -> None:
    key = tenants.a_test.x_api_key
    unknown = limited.get(f"{BASE}/1/pdf_manager_batches", headers=key)
    wrong_method = limited.post(BASE, headers=key)
    head = limited.head(f"{BASE}/", headers=key)  # HEAD is GET; a trailing slash is ignored
    assert (unknown.status_code, unknown.json(), _quota(unknown)) == (404, {"message": "Not Found"}, ("3", "2", None))
    assert (wrong_method.status_code, wrong_method.json(), _quota(wrong_method)) == (
        405, {"message": "Method Not Allowed"}, ("3", "1", None))
    assert (wrong_method.headers["allow"], head.status_code, _quota(head)) == ("GET", 200, ("3", "0", None))
    refused = limited.get(f"{BASE}/1/pdf_manager_batches", headers=key)
    assert (refused.status_code, refused.json(), _quota(refused)) == (429, REFUSED, ("3", "0", "2700"))
    # Without a valid key the same answers, neither counted nor told the quota.
    anonymous = limited.get(f"{BASE}/1/pdf_manager_batches")
    assert (anonymous.status_code, anonymous.json(), "X-RateLimit-Limit" in anonymous.headers) == (
        404, {"message": "Not Found"}, False)


def test_401_answers_are_not_counted(limited: TestClient, tenants: Tenants, clock: Clock) -> None:
    for _ in range(LIMIT + 2):
        assert limited.get(BASE, headers={"x-api-key": "sk_test_" + "1" * 40}).status_code == 401
    assert _quota(limited.get(BASE, headers=tenants.a_test.x_api_key)) == ("3", "2", None)


def test_the_default_limit_is_1000_an_hour(client: TestClient, tenants: Tenants, clock: Clock) -> None:
    """WebAdMIT's documented limit (its v1.md); issue 19 moved the default from 5,000."""
    assert _quota(client.get(BASE, headers=tenants.a_test.x_api_key)) == ("1000", "999", None)


def test_the_count_stops_at_limit_plus_one(store: Store, tenants: Tenants) -> None:
    key_id = _key_id(store, tenants.a_test.key_id)
    seen = []
    for _ in range(5):
        with store.write() as conn:
            quota = ratelimit.hit(conn, key_id, "test", 2, now=QUARTER_PAST)
        seen.append((quota.used, quota.remaining, quota.allowed))
    assert seen == [(1, 1, True), (2, 0, True), (3, 0, False), (3, 0, False), (3, 0, False)]


def test_a_count_is_its_own_statement_on_postgresql(store: Store, tenants: Tenants, backend: str) -> None:
    """On PostgreSQL a count commits as it runs (autocommit: other processes see it at once,
    with no BEGIN and COMMIT around it) in a session that does not wait for the WAL flush;
    on SQLite it is a write transaction, seen when it commits, whose commit does not wait
    for the disk either (other writes do)."""
    key_id = _key_id(store, tenants.a_test.key_id)

    def seen_elsewhere() -> int | None:
        with store.read() as conn:
            return conn.execute(
                sa.select(rate_limit_windows.c.count).where(rate_limit_windows.c.api_key_id == key_id)
            ).scalar_one_or_none()

    with store.write_counter() as conn:
        ratelimit.hit(conn, key_id, "test", 5, now=QUARTER_PAST)
        if backend == "postgresql":
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "off"
            assert seen_elsewhere() == 1
        else:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 1  # NORMAL: no wait for the disk
            assert seen_elsewhere() is None
    assert seen_elsewhere() == 1
    with store.write() as conn:  # other writes still wait for the flush
        if backend == "postgresql":
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
        else:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL, on every connection


def test_a_call_looks_up_and_counts_without_a_pooled_connection(
    client: TestClient, store: Store, tenants: Tenants, backend: str
) -> None:
    """A call takes no connection of the lookups' pool: on PostgreSQL the key lookup and the
    count both run on the event loop's connection (`Store.count_on_loop`, store/on_loop.py),
    no hop to a thread; on SQLite the lookup on the connection the loop holds, the count
    in a write transaction on the counting thread."""
    client.get(BASE, headers=tenants.a_test.x_api_key)  # last_used_at and the hour's first count are written now
    lookups = store.engines[-1]
    checkouts: list[object] = []
    on_loop: list[str] = []
    listener = lambda *_args: checkouts.append(_args)  # noqa: E731
    sa.event.listen(lookups, "checkout", listener)
    store.statement_observers.append(on_loop.append)
    try:
        response = client.get(BASE, headers=tenants.a_test.x_api_key)
    finally:
        store.statement_observers.remove(on_loop.append)
        sa.event.remove(lookups, "checkout", listener)
    assert response.status_code == 200 and response.headers["X-RateLimit-Remaining"] == "998"
    assert checkouts == []
    if backend == "postgresql":
        assert [statement.split(None, 3)[:3] for statement in on_loop] == [
            ["SELECT", "api_keys.id,", "api_keys.public_id,"], ["INSERT", "INTO", "rate_limit_windows"]]


def _key_id(store: Store, public_id: str) -> int:
    from programhub.core.keys.models import api_keys

    with store.read() as conn:
        return conn.execute(sa.select(api_keys.c.id).where(api_keys.c.public_id == public_id)).scalar_one()


# --- several server processes sharing one database ------------------------------------------


@contextmanager
def _servers(database_url: str, limit: int, count: int) -> Iterator[list[str]]:
    """`count` real `uvicorn` processes serving programhub on the same database, each on
    its own port (started together, so the test waits for one start-up only)."""
    env = {**os.environ, "PROGRAMHUB_DATABASE_URL": database_url,
           "PROGRAMHUB_WEBADMIT_RATE_LIMIT": str(limit), "PROGRAMHUB_LOG_REQUESTS": "0"}
    ports = [free_port() for _ in range(count)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "programhub.app:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            wait_until_up(base, process)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _call(url: str, key: str) -> tuple[int, str | None]:
    request = urllib.request.Request(url, headers={"x-api-key": key})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["X-RateLimit-Remaining"]
    except urllib.error.HTTPError as error:
        return error.code, error.headers["X-RateLimit-Remaining"]


def test_two_server_processes_share_one_count(database_url: str, tenants: Tenants) -> None:
    limit, calls = 10, 30
    key = tenants.a_test.key
    with _servers(database_url, limit, 2) as (first, second):
        for _attempt in range(2):  # once more should the hour turn in the middle of the burst
            window = ratelimit.window_start(time.time())
            urls = [f"{(first, second)[n % 2]}{BASE}" for n in range(calls)]
            with ThreadPoolExecutor(max_workers=8) as pool:
                results = list(pool.map(lambda url: _call(url, key), urls))
            if ratelimit.window_start(time.time()) == window:
                break
            key = tenants.b_test.key  # a fresh count in the new window
    allowed = sorted(int(remaining) for status, remaining in results if status == 200 and remaining is not None)
    assert sorted(status for status, _ in results) == [200] * limit + [429] * (calls - limit)
    assert allowed == list(range(limit))  # every allowed call saw a different count


# --- calls arriving together, counted together -----------------------------------------------


def _count_together(store: Store, calls: list[tuple[int, int]], *, limit: int) -> tuple[list[int], list[str]]:
    """Count `calls` ((key id, how many) each) at once from one event loop, as the app does
    (inside `lookups_on_this_loop`); each call's number, and the counting statements sent."""

    async def scenario() -> list[int]:
        async with store.lookups_on_this_loop():
            quotas = await asyncio.gather(*(
                ratelimit.count_on_loop(store, key_id, "test", limit, now=QUARTER_PAST)
                for key_id, times in calls for _ in range(times)
            ))
        return [quota.used for quota in quotas]

    with count_queries(store) as statements:
        used = asyncio.run(scenario())
    return used, [statement for statement in statements if statement.lstrip().startswith("INSERT")]


def test_calls_arriving_together_are_counted_in_one_statement_each_with_its_own_number(
    store: Store, tenants: Tenants
) -> None:
    key_id = _key_id(store, tenants.a_test.key_id)
    used, upserts = _count_together(store, [(key_id, 30)], limit=10)
    assert used == list(range(1, 31))  # in arrival order; the first 10 allowed
    assert len(upserts) == 1
    # Past its limit a key's count is left alone: later calls are refused without a change.
    later, _ = _count_together(store, [(key_id, 5)], limit=10)
    assert later == [11] * 5
    with store.read() as conn:
        stored = conn.execute(sa.select(rate_limit_windows.c.count).where(rate_limit_windows.c.api_key_id == key_id))
        assert stored.scalar_one() == 30


def test_calls_of_several_keys_arriving_together_are_counted_each_by_its_key(store: Store, tenants: Tenants) -> None:
    first, second = _key_id(store, tenants.a_test.key_id), _key_id(store, tenants.b_test.key_id)
    used, upserts = _count_together(store, [(first, 3), (second, 2), (first, 2)], limit=4)
    assert used == [1, 2, 3, 1, 2, 4, 5]
    assert len(upserts) == 2


def test_many_racing_calls_never_share_a_number_nor_pass_the_limit(
    store: Store, database_url: str, tenants: Tenants
) -> None:
    """Bursts of calls from four stores on one database (as four server processes would
    be), each burst counted together, racing on one key: every call gets its own number,
    so exactly `limit` of them pass."""
    key_id = _key_id(store, tenants.a_test.key_id)
    limit = 25

    def burst(_index: int) -> list[int]:
        own = open_store(database_url)

        async def calls() -> list[int]:
            async with own.lookups_on_this_loop():
                quotas = await asyncio.gather(*(
                    ratelimit.count_on_loop(own, key_id, "race", limit, now=QUARTER_PAST) for _ in range(10)))
            return [quota.used for quota in quotas]

        try:
            return asyncio.run(calls())
        finally:
            own.dispose()

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = [number for numbers in pool.map(burst, range(4)) for number in numbers]
    assert sorted(number for number in numbers if number <= limit) == list(range(1, limit + 1))
    assert len(numbers) == 40


def test_a_failed_count_fails_every_call_waiting_for_it_and_the_next_calls_count_again(
    store: Store, tenants: Tenants, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_id = _key_id(store, tenants.a_test.key_id)
    real = store.count_on_loop
    failures = [sa.exc.OperationalError("INSERT", {}, Exception("the database went away"))]

    async def failing_once(query, parameter_sets):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return await real(query, parameter_sets)

    monkeypatch.setattr(store, "count_on_loop", failing_once)

    async def scenario() -> tuple[list[object], list[int]]:
        first = await asyncio.gather(
            *(ratelimit.count_on_loop(store, key_id, "test", 5, now=QUARTER_PAST) for _ in range(3)),
            return_exceptions=True)
        then = [await ratelimit.count_on_loop(store, key_id, "test", 5, now=QUARTER_PAST) for _ in range(2)]
        return first, [quota.used for quota in then]

    first, then = asyncio.run(scenario())
    assert [type(outcome) for outcome in first] == [sa.exc.OperationalError] * 3
    assert then == [1, 2]
