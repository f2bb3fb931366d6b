from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table

from programhub.core.db import metadata

# One row per (key, scope, fixed window); `window_start` is epoch seconds.
rate_limit_windows = Table(
    "rate_limit_windows",
    metadata,
    Column("api_key_id", Integer, ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True),
    Column("scope", String(32), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("count", Integer, nullable=False),
)
