"""Per-address limits for the public pages, counted in the database (core/ratelimit's
address windows, shared by every server process) in small batches: each process writes an
address's visits at most every FLUSH_SECONDS or FLUSH_EVERY visits, and at once when its
count would pass the limit, instead of one write per page. A write per page on SQLite is a
synchronous commit queued behind every other (about 2 ms each); batching keeps that off
most pages. A batch written only because it is due is written in the background: the page
that made it due does not wait for it (a thread's SQLite commit competes with the busy event
loop for the GIL, and made one page in FLUSH_EVERY take 100 ms under load); a write that
decides whether a page is refused is waited for. What it costs: between two writes a
process may serve up to FLUSH_EVERY - 1 visits the database has not counted yet, so the
limit can be passed by that much per process before pages are refused; within one process
it is exact."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections.abc import Awaitable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from programhub.core.ratelimit import service as ratelimit
from programhub.store import Store

log = logging.getLogger("programhub.site")

FLUSH_EVERY = 16
FLUSH_SECONDS = 0.5
MAX_TRACKED = 50_000  # addresses remembered per window before the oldest window is dropped


@dataclass(slots=True)
class _Tally:
    counted: int = 0  # what the database said at the last write
    writing: int = 0  # visits in writes under way
    pending: int = 0  # visits since, not written yet
    written_at: float = float("-inf")


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int


class Visits:
    def __init__(self, scope: str, window: int) -> None:
        self.scope, self.window = scope, window
        self._lock = threading.Lock()
        self._tallies: dict[tuple[str, int], _Tally] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def count_async(self, store: Store, address: str, limit: int, now: float) -> Verdict:
        """`count` for the event loop: most visits touch memory only; a write goes to the
        thread pool, and is waited for only when the verdict depends on it."""
        tallied = self._tally(address, limit, now)
        if isinstance(tallied, Verdict):
            return tallied
        tally, amount, deciding = tallied

        async def write() -> Verdict:
            return await run_in_threadpool(self._write, store, address, limit, now, tally, amount)

        if deciding:
            return await write()
        task = asyncio.create_task(self._in_background(write()))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return Verdict(True, self._retry_after(now))

    @staticmethod
    async def _in_background(write: Awaitable[Verdict]) -> None:
        try:
            await write
        except Exception:  # counted again in the next write; the page was served already
            log.warning("a batch of catalog page visits could not be written yet", exc_info=True)

    def count(self, store: Store, address: str, limit: int, now: float) -> Verdict:
        """Count one visit (blocking: for code on the thread pool)."""
        tallied = self._tally(address, limit, now)
        if isinstance(tallied, Verdict):
            return tallied
        tally, amount, _deciding = tallied
        return self._write(store, address, limit, now, tally, amount)

    def _write(self, store: Store, address: str, limit: int, now: float, tally: _Tally, amount: int) -> Verdict:
        """Add `amount` visits to the database's count (blocking) and settle the tally with
        what it says; on failure the visits wait for the next write."""
        try:
            quota = ratelimit.count_address(
                store, address, self.scope, limit, now=now, window=self.window, amount=amount
            )
        except BaseException:
            self._unwritten(tally, amount)
            raise
        return self._settle(tally, amount, quota, limit)

    def _tally(self, address: str, limit: int, now: float) -> Verdict | tuple[_Tally, int, bool]:
        """The verdict when no write is due; else the tally, how many visits to write
        (outside the lock: the database serialises writers itself) and whether the verdict
        depends on that write."""
        start = ratelimit.window_start(now, self.window)
        retry_after = self._retry_after(now)
        with self._lock:
            if len(self._tallies) > MAX_TRACKED:
                self._tallies = {key: tally for key, tally in self._tallies.items() if key[1] >= start}
            tally = self._tallies.setdefault((address, start), _Tally())
            if tally.counted > limit:  # refused already this window: no more writes for it
                return Verdict(False, retry_after)
            tally.pending += 1
            deciding = tally.counted + tally.writing + tally.pending > limit
            due = deciding or tally.pending >= FLUSH_EVERY or now - tally.written_at >= FLUSH_SECONDS
            if not due:
                return Verdict(True, retry_after)
            amount, tally.pending, tally.written_at = tally.pending, 0, now
            tally.writing += amount
            return tally, amount, deciding

    def _retry_after(self, now: float) -> int:
        return max(1, math.ceil(ratelimit.window_start(now, self.window) + self.window - now))

    def _settle(self, tally: _Tally, amount: int, quota: ratelimit.Quota, limit: int) -> Verdict:
        with self._lock:
            tally.writing -= amount
            tally.counted = max(tally.counted, quota.used)
            allowed = tally.counted + tally.writing + tally.pending <= limit
        return Verdict(allowed, quota.retry_after)

    def _unwritten(self, tally: _Tally, amount: int) -> None:
        """A write failed: its visits wait for the next one."""
        with self._lock:
            tally.writing -= amount
            tally.pending += amount
