"""Per-key call counting in fixed windows, kept in the database so that every server
process sharing it sees one count.

Each call is one atomic upsert (`INSERT ... ON CONFLICT DO UPDATE SET count = count + 1
RETURNING count`): PostgreSQL serialises concurrent increments of the row, SQLite
serialises whole write transactions, so no two callers ever read the same count. The count
stops at `limit + 1` (enough to know the limit is passed; no overflow however hard a key
hammers). The first call of a key in a new window deletes that key's older windows, so the
table holds at most one row per key and scope once the hour has turned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from programhub.core.ratelimit.models import rate_limit_windows

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


def hit(conn: Connection, api_key_id: int, scope: str, limit: int, *, now: float, window: int = HOUR) -> Quota:
    """Count one call of `api_key_id` in `scope`; the caller commits."""
    if limit < 1 or window < 1:
        raise ValueError("limit and window must be positive")
    start = window_start(now, window)
    table = rate_limit_windows
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).values(api_key_id=api_key_id, scope=scope, window_start=start, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.api_key_id, table.c.scope, table.c.window_start],
        set_={"count": sa.case((table.c.count <= limit, table.c.count + 1), else_=table.c.count)},
    ).returning(table.c.count)
    used: int = conn.execute(statement).scalar_one()
    if used == 1:
        conn.execute(
            sa.delete(table).where(table.c.api_key_id == api_key_id, table.c.scope == scope, table.c.window_start < start)
        )
    return Quota(limit, used, start + window, now)
