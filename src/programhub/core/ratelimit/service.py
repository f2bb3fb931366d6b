"""Call counting in fixed windows, per API key or per client address, kept in the database
so that every server process sharing it sees one count.

Each call is one atomic upsert (`INSERT ... ON CONFLICT DO UPDATE SET count = count + 1
RETURNING count`): PostgreSQL serialises concurrent increments of the row, SQLite
serialises whole write transactions, so no two callers ever read the same count. The count
stops at `limit + 1` (enough to know the limit is passed; no overflow however hard a key
hammers). The first call of a key in a new window deletes that key's older windows, so the
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

import functools
import math
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
    used: int  # calls counted in this window, this one included (at most limit + 1)
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
        set_={
            "count": sa.case(
                (table.c.count <= sa.bindparam("limit"), table.c.count + sa.bindparam("amount", type_=sa.Integer())),
                else_=table.c.count,
            )
        },
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
    used: int = conn.execute(
        _upsert(conn.dialect.name, table), {**where, "limit": limit, "amount": amount}
    ).scalar_one()
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
    """`count` from the event loop (`Store.count_on_loop`): on PostgreSQL the loop's
    connection counts without a hop to a thread. The window's first count forgets the
    key's older windows on a thread (once an hour per key)."""
    start, where = _window(api_key_id, scope, limit, now=now, window=window)
    upsert = _prepared_upsert(store.engine.dialect.name, rate_limit_windows)
    row = await store.count_on_loop(upsert, {**where, "limit": limit, "amount": 1})
    assert row is not None  # an upsert returns its row
    used: int = row[0]
    if used == 1:
        await store.run_count(partial(_forget_key_windows, store, where))
    return Quota(limit, used, start + window, now)


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
