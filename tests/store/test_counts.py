"""Where a count runs on a SQLite file (`Store.count_on_loop`): on the event loop itself
when nothing makes it wait, on the counting thread when a writer of this process or of
another holds the database, and there once in a while so that the log is checkpointed."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any, Self

import pytest
import sqlalchemy as sa

from programhub.core.ratelimit import service as ratelimit
from programhub.core.ratelimit.models import address_rate_limit_windows
from programhub.store import Store
from programhub.store.engine import SQLITE_COUNTS_PER_CHECKPOINT

NOW = 1_700_000_000.0


@pytest.fixture
def sqlite_file(store: Store, backend: str) -> Store:
    if backend != "sqlite":
        pytest.skip("SQLite's counts on the event loop")
    return store


def _upsert(store: Store) -> Any:
    return ratelimit._prepared_upsert(store.engine.dialect.name, address_rate_limit_windows)


def _parameters(times: int = 1) -> dict[str, Any]:
    return {"who": "127.0.0.1", "scope": "test", "window_start": 0, "limit": 10**6, "amount": times}


class CountingThreads:
    """The threads the counting statement ran on, seen by the engines' events."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.threads: list[int] = []

    def _seen(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO address_rate_limit_windows"):
            self.threads.append(threading.get_ident())

    def __enter__(self) -> Self:
        for engine in self.store.engines:
            sa.event.listen(engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: object) -> None:
        for engine in self.store.engines:
            sa.event.remove(engine, "before_cursor_execute", self._seen)


def _stored(store: Store) -> int:
    with store.read() as conn:
        return conn.execute(sa.select(address_rate_limit_windows.c.count)).scalar_one()


def test_a_count_nothing_waits_for_runs_on_the_event_loop(sqlite_file: Store) -> None:
    async def scenario() -> tuple[list[Any], int]:
        counted = [await sqlite_file.count_on_loop(_upsert(sqlite_file), [_parameters(2)]) for _ in range(3)]
        return counted, threading.get_ident()

    with CountingThreads(sqlite_file) as seen:
        counted, loop_thread = asyncio.run(scenario())
    assert [[tuple(row) for row in rows] for rows in counted] == [[(2,)], [(4,)], [(6,)]]
    assert seen.threads == [loop_thread] * 3
    assert _stored(sqlite_file) == 6


def test_a_count_waits_on_the_counting_thread_while_this_process_writes(sqlite_file: Store) -> None:
    writing, finish = threading.Event(), threading.Event()

    def write() -> None:
        with sqlite_file.write():
            writing.set()
            finish.wait(10)

    async def scenario() -> tuple[list[Any], bool, int]:
        count = asyncio.create_task(sqlite_file.count_on_loop(_upsert(sqlite_file), [_parameters()]))
        await asyncio.sleep(0.3)
        waited = not count.done()
        finish.set()
        return await count, waited, threading.get_ident()

    writer = threading.Thread(target=write)
    writer.start()
    assert writing.wait(10)
    with CountingThreads(sqlite_file) as seen:
        counted, waited, loop_thread = asyncio.run(scenario())
    writer.join()
    assert waited and [tuple(row) for row in counted] == [(1,)]
    assert len(seen.threads) == 1 and seen.threads[0] != loop_thread


def test_a_count_waits_on_the_counting_thread_while_another_process_writes(
    sqlite_file: Store, database_url: str
) -> None:
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's write holds the database

    async def scenario() -> tuple[list[Any], bool, int]:
        count = asyncio.create_task(sqlite_file.count_on_loop(_upsert(sqlite_file), [_parameters()]))
        await asyncio.sleep(0.3)
        waited = not count.done()
        other.execute("COMMIT")
        return await count, waited, threading.get_ident()

    try:
        with CountingThreads(sqlite_file) as seen:
            counted, waited, loop_thread = asyncio.run(scenario())
    finally:
        other.close()
    assert waited and [tuple(row) for row in counted] == [(1,)]
    assert len(seen.threads) == 1 and seen.threads[0] != loop_thread


@pytest.fixture
def wal_file(sqlite_file: Store, database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///") + "-wal")


def test_counts_on_the_loop_leave_the_log_checkpointed_now_and_then(sqlite_file: Store, wal_file: Path) -> None:
    """The loop's connection never checkpoints; one count in SQLITE_COUNTS_PER_CHECKPOINT
    goes to the thread, whose connection does: the log stays bounded (without it, every
    count would add to it for as long as nothing else writes)."""
    counts = 8 * SQLITE_COUNTS_PER_CHECKPOINT

    async def scenario() -> int:
        for _ in range(counts):
            await sqlite_file.count_on_loop(_upsert(sqlite_file), [_parameters()])
        return threading.get_ident()

    with CountingThreads(sqlite_file) as seen:
        loop_thread = asyncio.run(scenario())
    assert _stored(sqlite_file) == counts
    frames = wal_file.stat().st_size // (4096 + 24)  # SQLite's default page size, a frame's header
    assert frames < 1000 + 2 * SQLITE_COUNTS_PER_CHECKPOINT  # a count adds a page or two
    assert 6 <= sum(thread != loop_thread for thread in seen.threads) <= 9
