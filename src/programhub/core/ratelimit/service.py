"""Call counting in fixed windows, per API key or per client address, kept in the database
so that every server process sharing it sees one count.

Calls are counted by atomic upserts (`INSERT ... ON CONFLICT DO UPDATE SET count = count +
amount WHERE count <= limit RETURNING count`): PostgreSQL serialises concurrent increments
of the row, SQLite serialises whole write transactions, so no two calls ever get the same
number. A row already past its limit is left alone and returns nothing (the calls are
refused), so a count stops within one statement's amount of `limit + 1`, however hard a
key hammers (no overflow). `count_on_loop` counts the calls of a key that arrive together
in one statement whose amount is their number, and numbers them in arrival order.
The first call of a key in a new window deletes that key's older windows, so the
table holds at most one row per key and scope once the hour has turned. Addresses are not
a fixed set, so the first call of an address in a new window deletes every address's older
windows of that scope (an indexed range, empty but for the first such call of a window).

`count` runs that in its own short transaction, tuned for a row every call of a key
updates: on PostgreSQL the commit does not wait for the WAL flush (`synchronous_commit =
off`: the row lock is released at once; a database crash may forget the last fraction of
a second of counts, never corrupt them); on SQLite the threads of one process queue on a
lock for the database's single writer slot instead of polling it with SQLite's sleeping
busy handler.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import math
import weakref
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.sql.dml import Insert

from programhub.core.ratelimit.models import address_rate_limit_windows, rate_limit_windows
from programhub.store import Store
from programhub.store.prepared import PreparedSelect
from programhub.store.sql import upsert_for

HOUR = 3600


@dataclass(frozen=True, slots=True)
class Quota:
    """Where a key stands after one call."""

    limit: int
    used: int  # this call's number in its window (past the limit: refused)
    window_end: int  # epoch seconds
    now: float

    @property
    def allowed(self) -> bool:
        return self.used <= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends (at least 1)."""
        return max(1, math.ceil(self.window_end - self.now))


def window_start(now: float, window: int = HOUR) -> int:
    return int(now // window) * window


@functools.cache
def _upsert(engine: str, table: sa.Table) -> Insert:
    """The counting statement of `table`, built once per engine (bind: who, scope, window,
    limit; `who` is the first column of the table's key)."""
    who = table.primary_key.columns.values()[0]
    statement = upsert_for(engine, table).values(
        {
            who: sa.bindparam("who"),
            table.c.scope: sa.bindparam("scope"),
            table.c.window_start: sa.bindparam("window_start"),
            table.c.count: sa.bindparam("amount", type_=sa.Integer()),
        }
    )
    return statement.on_conflict_do_update(
        index_elements=[who, table.c.scope, table.c.window_start],
        set_={"count": table.c.count + sa.bindparam("amount", type_=sa.Integer())},
        # Past the limit the row is left alone and no row is returned: the calls are refused.
        where=table.c.count <= sa.bindparam("limit"),
    ).returning(table.c.count)


_FORGET_KEY_WINDOWS = sa.delete(rate_limit_windows).where(
    rate_limit_windows.c.api_key_id == sa.bindparam("who"),
    rate_limit_windows.c.scope == sa.bindparam("scope"),
    rate_limit_windows.c.window_start < sa.bindparam("window_start"),
)
_FORGET_ADDRESS_WINDOWS = sa.delete(address_rate_limit_windows).where(
    address_rate_limit_windows.c.scope == sa.bindparam("scope"),
    address_rate_limit_windows.c.window_start < sa.bindparam("window_start"),
)


def _window(
    who: int | str, scope: str, limit: int, *, now: float, window: int, amount: int = 1
) -> tuple[int, dict[str, Any]]:
    """The window `now` falls in, and the parameters that name its row."""
    if limit < 1 or window < 1 or amount < 1:
        raise ValueError("limit, window and amount must be positive")
    start = window_start(now, window)
    return start, {"who": who, "scope": scope, "window_start": start}


def _hit(
    conn: Connection,
    table: sa.Table,
    who: int | str,
    scope: str,
    limit: int,
    *,
    now: float,
    window: int,
    amount: int = 1,
) -> Quota:
    start, where = _window(who, scope, limit, now=now, window=window, amount=amount)
    counted = conn.execute(_upsert(conn.dialect.name, table), {**where, "limit": limit, "amount": amount}).first()
    used = limit + 1 if counted is None else counted[0]
    if used == amount:  # the window's first write
        forget = _FORGET_KEY_WINDOWS if table is rate_limit_windows else _FORGET_ADDRESS_WINDOWS
        conn.execute(forget, where)
    return Quota(limit, used, start + window, now)


def hit(conn: Connection, api_key_id: int, scope: str, limit: int, *, now: float, window: int = HOUR) -> Quota:
    """Count one call of `api_key_id` in `scope`; the caller commits."""
    return _hit(conn, rate_limit_windows, api_key_id, scope, limit, now=now, window=window)


def count(store: Store, api_key_id: int, scope: str, limit: int, *, now: float, window: int = HOUR) -> Quota:
    """Count one call in a transaction of its own, committed before the call is served."""
    with store.write_counter() as conn:
        return hit(conn, api_key_id, scope, limit, now=now, window=window)


async def count_on_loop(
    store: Store, api_key_id: int, scope: str, limit: int, *, now: float, window: int = HOUR
) -> Quota:
    """`count` from the event loop. The calls of a key that arrive while a count is being
    written wait for it and are then written together, as one statement adding their
    number (`_Counts`): under load a process writes a count per batch, not per call, and
    each call still gets its own number. On PostgreSQL the loop's connection counts
    without a hop to a thread (`Store.count_on_loop`). The window's first count forgets
    the key's older windows on a thread (once an hour per key)."""
    start, where = _window(api_key_id, scope, limit, now=now, window=window)
    used = await _counts_of(store).count(store, where, limit)
    if used == 1:
        await store.run_count(partial(_forget_key_windows, store, where))
    return Quota(limit, used, start + window, now)


@dataclass(slots=True)
class _Calls:
    """Calls of one key, scope and window waiting to be counted, in their order."""

    where: dict[str, Any]
    limit: int
    waiting: list[asyncio.Future[int]]


class _Counts:
    """One event loop's counts for one store: calls arriving while a write is in flight
    wait, and the next write counts all of them, one statement per key."""

    def __init__(self) -> None:
        self._calls: dict[tuple[Any, ...], _Calls] = {}
        self._writing: asyncio.Task[None] | None = None  # held: the loop keeps only weak references

    async def count(self, store: Store, where: dict[str, Any], limit: int) -> int:
        """This call's number in its window (past `limit`: refused)."""
        call: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        key = (*where.values(), limit)
        calls = self._calls.get(key)
        if calls is None:
            calls = self._calls[key] = _Calls(where, limit, [])
        calls.waiting.append(call)
        if self._writing is None:
            # Outside the request's context: the write serves every call waiting, whatever
            # the deadline of the one that started it (each call is bounded by its own).
            self._writing = asyncio.get_running_loop().create_task(self._write(store), context=contextvars.Context())
        return await call

    async def _write(self, store: Store) -> None:
        upsert = _prepared_upsert(store.engine.dialect.name, rate_limit_windows)
        try:
            while self._calls:
                batch, self._calls = self._calls, {}
                for calls in batch.values():  # calls cut by their deadline meanwhile are not counted
                    calls.waiting = [call for call in calls.waiting if not call.done()]
                groups = [calls for calls in batch.values() if calls.waiting]
                if not groups:
                    continue
                try:
                    rows = await store.count_on_loop(
                        upsert,
                        [{**calls.where, "limit": calls.limit, "amount": len(calls.waiting)} for calls in groups],
                    )
                except BaseException as error:
                    for calls in groups:
                        _settle(calls.waiting, error)
                    if not isinstance(error, Exception):
                        raise
                    continue
                for calls, row in zip(groups, rows, strict=True):
                    # The row holds the count after these calls, or none if the key was past its limit.
                    amount = len(calls.waiting)
                    numbers = [calls.limit + 1] * amount if row is None else range(row[0] - amount + 1, row[0] + 1)
                    for call, number in zip(calls.waiting, numbers, strict=True):
                        if not call.done():
                            call.set_result(number)
        finally:
            self._writing = None


def _settle(waiting: list[asyncio.Future[int]], error: BaseException) -> None:
    for call in waiting:
        if not call.done():
            call.set_exception(error)


_COUNTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, weakref.WeakKeyDictionary[Store, _Counts]] = (
    weakref.WeakKeyDictionary()
)


def _counts_of(store: Store) -> _Counts:
    """This event loop's counts for `store` (futures belong to one loop)."""
    loop = asyncio.get_running_loop()
    of_loop = _COUNTS.get(loop)
    if of_loop is None:
        of_loop = _COUNTS[loop] = weakref.WeakKeyDictionary()
    counts = of_loop.get(store)
    if counts is None:
        counts = of_loop[store] = _Counts()
    return counts


@functools.cache
def _prepared_upsert(engine: str, table: sa.Table) -> PreparedSelect:
    """`_upsert` run on the driver's cursor (store/prepared.py)."""
    return PreparedSelect(_upsert(engine, table))


def _forget_key_windows(store: Store, where: dict[str, Any]) -> None:
    with store.write_counter() as conn:
        conn.execute(_FORGET_KEY_WINDOWS, where)


def count_address(
    store: Store, address: str, scope: str, limit: int, *, now: float, window: int, amount: int = 1
) -> Quota:
    """Count one call from a client address (or `amount` calls counted together), like
    `count` for a key."""
    with store.write_counter() as conn:
        return _hit(conn, address_rate_limit_windows, address, scope, limit, now=now, window=window, amount=amount)
