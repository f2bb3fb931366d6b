"""Where a blocking read runs (`Store.run_read`): on SQLite, Python-bound reads on the event
loop and reads the database builds on a few threads; on PostgreSQL, Python-bound reads on a
few threads and the others on the pool."""

from __future__ import annotations

import threading
import time

import anyio

from programhub.store import Store
from programhub.store.engine import POSTGRES_PYTHON_READ_THREADS, SQLITE_READ_THREADS


class Reads:
    """Blocking reads that note their thread and how many ran at once."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.threads: list[int] = []
        self.running = self.most = 0
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self.threads.append(threading.get_ident())
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
        return len(self.threads)


def _run(store: Store, reads: Reads, times: int, *, python_bound: bool) -> int:
    """`times` concurrent reads; the loop's thread."""

    async def scenario() -> int:
        async with anyio.create_task_group() as group:
            for _ in range(times):
                group.start_soon(lambda: store.run_read(reads, python_bound=python_bound))
        return threading.get_ident()

    return anyio.run(scenario)


def test_python_bound_reads_run_on_the_loop_on_sqlite_only(store: Store) -> None:
    reads = Reads()
    loop_thread = _run(store, reads, 3, python_bound=True)
    if store.is_sqlite:
        assert reads.threads == [loop_thread] * 3
    else:
        assert loop_thread not in reads.threads and len(reads.threads) == 3


def test_reads_the_database_builds_run_on_threads_a_few_at_a_time_on_sqlite(store: Store) -> None:
    """On SQLite more threads only add GIL hand-offs and pages held at once; on PostgreSQL
    the connection budget is the bound."""
    reads = Reads(seconds=0.05)
    loop_thread = _run(store, reads, 8, python_bound=False)
    assert loop_thread not in reads.threads and len(reads.threads) == 8
    if store.is_sqlite:
        assert reads.most == SQLITE_READ_THREADS
    else:
        assert reads.most > SQLITE_READ_THREADS


def test_python_bound_reads_run_a_few_at_a_time_on_postgresql(store: Store) -> None:
    """Threads beyond a few only queue for the GIL when the work is Python's."""
    reads = Reads(seconds=0.05)
    loop_thread = _run(store, reads, 8, python_bound=True)
    if store.is_sqlite:
        assert reads.threads == [loop_thread] * 8
    else:
        assert loop_thread not in reads.threads and len(reads.threads) == 8
        assert reads.most == POSTGRES_PYTHON_READ_THREADS


def test_counts_run_on_one_thread_at_a_time_on_sqlite(store: Store) -> None:
    """SQLite's counts wait for the one writer slot anyway: the others wait as coroutines,
    not as threads blocked on it. PostgreSQL's run on the pool, side by side."""
    counts = Reads(seconds=0.05)

    async def scenario() -> int:
        async with anyio.create_task_group() as group:
            for _ in range(6):
                group.start_soon(store.run_count, counts)
        return threading.get_ident()

    loop_thread = anyio.run(scenario)
    assert len(counts.threads) == 6 and loop_thread not in counts.threads
    assert counts.most == (1 if store.is_sqlite else 6)
