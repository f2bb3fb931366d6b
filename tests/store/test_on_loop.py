"""The event loop's PostgreSQL connections. The key lookups' (`store/on_loop.py`): lookups
made at once each get their own row; a call past the request's deadline or unanswered
for the stall timeout is given up without waiting; a connection cut while idle is not
trusted with the next lookup; a lookup cancelled mid-statement leaves nothing behind; and
the store's circuit is obeyed and probed as by the pooled connections. The Python-bound
reads' (`Store.run_read`, SQLAlchemy's asyncio engine): they run on the loop's thread and
overlap while they wait; a stalled one is cut by the watch and trips the circuit while the
loop turns; one cancelled at its deadline gives its connection back; statements planned
for their values stay unprepared; the service's settings hold on their connections."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Self, TypeVar

import pytest
import sqlalchemy as sa

from programhub.core import auth
from programhub.store import Store, liveness, open_store
from programhub.store.prepared import PreparedSelect
from programhub.store.sql import planned_for_values
from tests.support import make_tenants

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])

T = TypeVar("T")
SLEEP = PreparedSelect(sa.select(sa.func.pg_sleep(sa.bindparam("seconds", type_=sa.Float)), sa.literal(1)))
BACKEND_PID = PreparedSelect(sa.select(sa.func.pg_backend_pid()))


@pytest.fixture
def own_store(database_url: str) -> Iterator[Store]:
    """A store of its own: these tests open its circuit."""
    opened = open_store(database_url)
    yield opened
    opened.dispose()


def _on_loop(store: Store, body: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        async with store.lookups_on_this_loop():
            return await body()

    return asyncio.run(run())


def test_lookups_made_at_once_each_get_their_own_row_on_one_connection(own_store: Store) -> None:
    tenants = make_tenants(own_store)
    secrets = [tenants.a_test.key, tenants.b_test.key, tenants.a_live.key, tenants.b_live.key]
    expected = [auth.look_up(own_store, secret)[0].tenant for secret in secrets]

    async def many() -> tuple[list[Any], set[Any]]:
        found = await asyncio.gather(*(auth.look_up_on_loop(own_store, secrets[n % 4]) for n in range(200)))
        pids = await asyncio.gather(*(own_store.first_on_loop(BACKEND_PID, {}) for _ in range(20)))
        return [principal.tenant for principal, _due in found], set(pids)

    tenants_found, pids = _on_loop(own_store, many)
    assert tenants_found == [expected[n % 4] for n in range(200)]
    assert len(pids) == 1  # one connection served them all


def test_past_the_deadline_a_lookup_is_given_up_and_the_database_is_not_taken_for_down(own_store: Store) -> None:
    async def body() -> tuple[float, Any]:
        started = time.monotonic()
        with liveness.deadline(0.3), pytest.raises(liveness.DeadlinePassed):
            await own_store.first_on_loop(SLEEP, {"seconds": 5})
        took = time.monotonic() - started
        return took, await own_store.first_on_loop(SLEEP, {"seconds": 0})

    took, after = _on_loop(own_store, body)
    assert took < 1.5 and not own_store.circuit.is_open()
    assert after == ("", 1)  # the next lookup, on a new connection


def test_an_unanswered_call_trips_the_circuit_and_a_probe_closes_it(
    own_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(liveness, "STALL_TIMEOUT", 0.3)

    async def body() -> Any:
        with pytest.raises(liveness.DatabaseUnavailable):
            await own_store.first_on_loop(SLEEP, {"seconds": 5})
        assert own_store.circuit.known_down()
        started = time.monotonic()
        with pytest.raises(liveness.DatabaseUnavailable):  # known down: refused at once
            await own_store.first_on_loop(SLEEP, {"seconds": 0})
        assert time.monotonic() - started < 0.1
        await asyncio.sleep(liveness.COOL_DOWN + 0.1)
        return await own_store.first_on_loop(SLEEP, {"seconds": 0})  # the probe

    assert _on_loop(own_store, body) == ("", 1)
    assert not own_store.circuit.is_open()


def test_a_connection_cut_while_idle_is_replaced_for_the_next_lookup(own_store: Store) -> None:
    async def body() -> tuple[Any, Any]:
        (first,) = await own_store.first_on_loop(BACKEND_PID, {})  # type: ignore[misc]
        with own_store.engine.connect() as conn:  # as an outage would: the server ends it
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.2)
        (second,) = await own_store.first_on_loop(BACKEND_PID, {})  # type: ignore[misc]
        return first, second

    first, second = _on_loop(own_store, body)
    assert first != second and not own_store.circuit.is_open()


def test_a_lookup_cancelled_mid_statement_leaves_nothing_for_the_next(own_store: Store) -> None:
    async def body() -> Any:
        slow = asyncio.ensure_future(own_store.first_on_loop(SLEEP, {"seconds": 2}))
        await asyncio.sleep(0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        started = time.monotonic()
        answer = await own_store.first_on_loop(BACKEND_PID, {})
        return answer, time.monotonic() - started

    answer, took = _on_loop(own_store, body)
    assert isinstance(answer[0], int) and took < 1.0  # not the cancelled statement's row, nor after it


def test_a_failing_statement_is_sqlalchemys_error_and_the_connection_stays(own_store: Store) -> None:
    missing = sa.table("no_such_table", sa.column("id"))

    async def body() -> tuple[Any, Any]:
        (before,) = await own_store.first_on_loop(BACKEND_PID, {})  # type: ignore[misc]
        with pytest.raises(sa.exc.ProgrammingError):
            await own_store.first_on_loop(PreparedSelect(sa.select(missing.c.id)), {})
        (after,) = await own_store.first_on_loop(BACKEND_PID, {})  # type: ignore[misc]
        return before, after

    before, after = _on_loop(own_store, body)
    assert before == after and not own_store.circuit.is_open()


def test_one_loop_has_the_connection_and_it_counts_in_the_budget(own_store: Store) -> None:
    """A second loop on the same store (another app) looks up on the thread pool: the budget
    holds one loop connection per store."""
    outer_pid: list[int] = []

    async def outer() -> Any:
        (pid,) = await own_store.first_on_loop(BACKEND_PID, {})  # type: ignore[misc]
        outer_pid.append(pid)

        def inner() -> Any:
            async def second_loop() -> Any:
                async with own_store.lookups_on_this_loop():
                    return await own_store.first_on_loop(BACKEND_PID, {})

            return asyncio.run(second_loop())

        return await asyncio.to_thread(inner)

    (inner_pid,) = _on_loop(own_store, outer)  # type: ignore[misc]
    assert inner_pid != outer_pid[0]
    pools = dict(own_store.pools())
    in_pools = sum(pools[name].size() for name in ("transactions", "lookups", "loop reads"))  # type: ignore[attr-defined]
    assert in_pools + 1 == 20


def test_every_connection_runs_with_the_services_settings(own_store: Store) -> None:
    """The server's statement timeout bounds what it runs; JIT is off, and so are parallel
    workers (a request is one backend's work: starting workers for it cost more than they
    saved, engine.py); counts would not wait for the WAL flush (engine.py). The loop's
    connection has the lookups pool's settings, transactions all but the last."""
    names = ("statement_timeout", "jit", "max_parallel_workers_per_gather", "synchronous_commit")
    settings = PreparedSelect(sa.select(*(sa.func.current_setting(name) for name in names)))
    with own_store.lookup() as conn:
        pooled = settings.first(conn, {})
    with own_store.read() as conn:
        in_transactions = settings.first(conn, {})

    async def body() -> Any:
        return await own_store.first_on_loop(settings, {})

    assert _on_loop(own_store, body) == pooled == ("30s", "off", "0", "off")
    assert in_transactions[:3] == ("30s", "off", "0")


def test_a_count_is_not_sent_again_when_its_connection_was_cut(own_store: Store) -> None:
    """A write on the loop's connection (`Store.count_on_loop`) may have been done before
    the connection broke: it fails (a 503) rather than count twice; the next lookup opens
    a new connection."""

    async def body() -> tuple[Any, Any]:
        (first,) = await own_store.first_on_loop(BACKEND_PID, {})  # type: ignore[misc]
        with own_store.engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        await asyncio.sleep(0.2)
        with pytest.raises(sa.exc.OperationalError):
            await own_store.count_on_loop(BACKEND_PID, [{}])
        (second,) = await own_store.first_on_loop(BACKEND_PID, {})  # type: ignore[misc]
        return first, second

    first, second = _on_loop(own_store, body)
    assert first != second


# --- python-bound reads on the loop (`Store.run_read`: SQLAlchemy's asyncio engine) ------------


def _pg_sleep(seconds: float) -> sa.TextClause:
    return sa.text("SELECT pg_sleep(:seconds)").bindparams(seconds=seconds)


class _Ticker:
    """Counts the event loop's turns while it runs: a read that held the loop would leave
    gaps as long as its wait."""

    def __init__(self) -> None:
        self.longest_gap = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        async def tick() -> None:
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.01)
                now = time.monotonic()
                self.longest_gap, last = max(self.longest_gap, now - last), now

        self._task = asyncio.ensure_future(tick())
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def _read(store: Store, statement: sa.Executable) -> Callable[[], tuple[int, Any]]:
    """A read as the routes make them: one transaction of `Store.read`, here its thread and
    the statement's first column."""

    def read() -> tuple[int, Any]:
        with store.read() as conn:
            return threading.get_ident(), conn.execute(statement).scalar()

    return read


def test_python_bound_reads_wait_for_the_database_on_the_loop_on_connections_of_their_own(
    own_store: Store,
) -> None:
    """No hop to a thread: a python_bound read runs on the loop's thread, and while its
    statements wait, the loop serves others (reads at once overlap, up to the pool's
    connections). A read the database builds stays on a thread of the pool."""
    reads = dict(own_store.pools())["loop reads"].size()  # type: ignore[attr-defined]
    pid = sa.select(sa.func.pg_backend_pid())

    async def body() -> tuple[set[int], set[int], float, float, int, int]:
        (lookup_pid,) = await own_store.first_on_loop(BACKEND_PID, {})  # type: ignore[misc]
        async with _Ticker() as ticker:
            started = time.monotonic()
            slept = await asyncio.gather(
                *(own_store.run_read(_read(own_store, _pg_sleep(0.5)), python_bound=True) for _ in range(reads))
            )
            took = time.monotonic() - started
            pids = await asyncio.gather(
                *(own_store.run_read(_read(own_store, pid), python_bound=True) for _ in range(reads))
            )
        threads = {thread for thread, _ in slept} | {thread for thread, _ in pids}
        database_built_thread, _pid = await own_store.run_read(_read(own_store, pid))
        return threads, {pid for _, pid in pids}, took, ticker.longest_gap, lookup_pid, database_built_thread

    threads, pids, took, longest_gap, lookup_pid, database_built_thread = _on_loop(own_store, body)
    assert threads == {threading.get_ident()}  # asyncio.run's loop runs on this thread
    assert took < 0.5 * reads - 0.2  # at once, not one after another
    assert longest_gap < 0.25
    assert lookup_pid not in pids and len(pids) <= reads
    assert database_built_thread != threading.get_ident()


def test_an_unanswered_read_on_the_loop_is_cut_and_trips_the_circuit(
    own_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(liveness, "STALL_TIMEOUT", 0.5)

    async def body() -> tuple[float, float, Any]:
        async with _Ticker() as ticker:
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError):
                await own_store.run_read(_read(own_store, _pg_sleep(5)), python_bound=True)
            took = time.monotonic() - started
        assert own_store.circuit.known_down()
        with pytest.raises(liveness.DatabaseUnavailable):  # known down: refused at once
            await own_store.run_read(_read(own_store, sa.select(sa.literal(1))), python_bound=True)
        await asyncio.sleep(liveness.COOL_DOWN + 0.1)
        _thread, after = await own_store.run_read(
            _read(own_store, sa.select(sa.literal(1))), python_bound=True
        )  # the probe
        return took, ticker.longest_gap, after

    took, longest_gap, after = _on_loop(own_store, body)
    assert took < 2.0 and longest_gap < 0.25
    assert after == 1 and not own_store.circuit.is_open()


def test_a_read_cancelled_at_its_deadline_leaves_nothing_behind(own_store: Store) -> None:
    """The request's deadline (web/bounds.py) cancels its handler: the read's statement is
    abandoned with its connection, the pool gets its slot back, and the next read is
    answered at once, by the database's state (not the abandoned statement's row)."""
    pool = dict(own_store.pools())["loop reads"]

    async def body() -> tuple[float, Any, float]:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await own_store.run_read(_read(own_store, _pg_sleep(5)), python_bound=True)
        cancelled_after = time.monotonic() - started
        started = time.monotonic()
        _thread, answer = await own_store.run_read(_read(own_store, sa.select(sa.literal("next"))), python_bound=True)
        return cancelled_after, answer, time.monotonic() - started

    cancelled_after, answer, took = _on_loop(own_store, body)
    assert cancelled_after < 1.0 and answer == "next" and took < 1.0
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    assert not own_store.circuit.is_open()


def test_a_statement_planned_for_its_values_is_never_prepared_on_the_loop(own_store: Store) -> None:
    """psycopg prepares a statement from its fifth run, on the loop's connections as on the
    threads'; one marked `planned_for_values` stays unprepared there too."""
    planned = planned_for_values(sa.select(sa.literal(1).label("planned")))
    kept = sa.select(sa.literal(2).label("kept"))
    prepared = sa.text("SELECT statement FROM pg_prepared_statements")

    def read() -> list[str]:
        with own_store.read() as conn:
            for _ in range(8):
                conn.execute(planned)
                conn.execute(kept)
            return list(conn.execute(prepared).scalars())

    async def body() -> list[str]:
        return await own_store.run_read(read, python_bound=True)

    statements = _on_loop(own_store, body)
    assert any("kept" in statement for statement in statements)
    assert not any("planned" in statement for statement in statements)


def test_the_loop_reads_connections_run_with_the_services_settings(own_store: Store) -> None:
    names = ("statement_timeout", "jit", "max_parallel_workers_per_gather", "transaction_read_only")
    settings = sa.select(*(sa.func.current_setting(name) for name in names))

    def read() -> Any:
        with own_store.read() as conn:
            connect_timeout = conn.connection.dbapi_connection.info.get_parameters()["connect_timeout"]  # type: ignore[union-attr]
            return (*conn.execute(settings).one(), connect_timeout)

    async def body() -> Any:
        return await own_store.run_read(read, python_bound=True)

    assert _on_loop(own_store, body) == ("30s", "off", "0", "on", "5")
