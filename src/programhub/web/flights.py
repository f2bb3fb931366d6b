"""Concurrent computations of one answer share a single run.

When many requests miss the same cached answer at once (a cold cache, an expired page under
load), computing it once per request multiplies the work by the concurrency, all of it on
the same two cores; waiting for the one run under way costs nothing. Used by the response
cache (web/cache.py) and the public pages' cache (site/pagecache.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class Flights:
    def __init__(self) -> None:
        self._running: dict[tuple[int, Hashable], asyncio.Future[Any]] = {}

    async def share(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """`compute()`'s value, or that of the run of `key` already under way (its error too);
        and whether it was shared. A run whose request was cancelled is not shared: a waiter
        then computes for itself."""
        loop = asyncio.get_running_loop()
        flight = (id(loop), key)  # a future belongs to its loop
        while (pending := self._running.get(flight)) is not None:
            await asyncio.wait({pending})  # not cancelled with this request
            if not pending.cancelled():
                return cast(T, pending.result()), True
        future: asyncio.Future[T] = loop.create_future()
        self._running[flight] = future
        try:
            value = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        finally:
            del self._running[flight]
        future.set_result(value)
        return value, False
