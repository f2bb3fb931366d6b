"""Per-address limits for the public pages, counted in the database (core/ratelimit's
address windows, shared by every server process) in small batches: each process writes an
address's visits at most every FLUSH_SECONDS or FLUSH_EVERY visits, and at once when its
count would pass the limit, instead of one write per page. A write per page on SQLite is a
synchronous commit queued behind every other (about 2 ms each); batching keeps that off
most pages. What it costs: between two writes a process may serve up to FLUSH_EVERY - 1
visits the database has not counted yet, so the limit can be passed by that much per
process before pages are refused."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool

from programhub.core.ratelimit import service as ratelimit
from programhub.store import Store

FLUSH_EVERY = 16
FLUSH_SECONDS = 0.5
MAX_TRACKED = 50_000  # addresses remembered per window before the oldest window is dropped


@dataclass(slots=True)
class _Tally:
    counted: int = 0  # what the database said at the last write
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

    async def count_async(self, store: Store, address: str, limit: int, now: float) -> Verdict:
        """`count` for the event loop: most visits touch memory only; a write goes to the
        thread pool."""
        tallied = self._tally(address, limit, now)
        if isinstance(tallied, Verdict):
            return tallied
        tally, amount = tallied
        quota = await run_in_threadpool(
            ratelimit.count_address, store, address, self.scope, limit, now=now, window=self.window, amount=amount
        )
        return self._settle(tally, quota, limit)

    def count(self, store: Store, address: str, limit: int, now: float) -> Verdict:
        """Count one visit (blocking: for code on the thread pool)."""
        tallied = self._tally(address, limit, now)
        if isinstance(tallied, Verdict):
            return tallied
        tally, amount = tallied
        quota = ratelimit.count_address(store, address, self.scope, limit, now=now, window=self.window, amount=amount)
        return self._settle(tally, quota, limit)

    def _tally(self, address: str, limit: int, now: float) -> Verdict | tuple[_Tally, int]:
        """The verdict when no write is due; else the tally and how many visits to write
        (outside the lock: the database serialises writers itself)."""
        start = ratelimit.window_start(now, self.window)
        retry_after = max(1, math.ceil(start + self.window - now))
        with self._lock:
            if len(self._tallies) > MAX_TRACKED:
                self._tallies = {key: tally for key, tally in self._tallies.items() if key[1] >= start}
            tally = self._tallies.setdefault((address, start), _Tally())
            if tally.counted > limit:  # refused already this window: no more writes for it
                return Verdict(False, retry_after)
            tally.pending += 1
            due = (
                tally.pending >= FLUSH_EVERY
                or now - tally.written_at >= FLUSH_SECONDS
                or tally.counted + tally.pending > limit
            )
            if not due:
                return Verdict(True, retry_after)
            amount, tally.pending, tally.written_at = tally.pending, 0, now
            return tally, amount

    def _settle(self, tally: _Tally, quota: ratelimit.Quota, limit: int) -> Verdict:
        with self._lock:
            tally.counted = max(tally.counted, quota.used)
            allowed = tally.counted + tally.pending <= limit
        return Verdict(allowed, quota.retry_after)
