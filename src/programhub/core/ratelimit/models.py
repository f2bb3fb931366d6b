from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table

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

# One row per (client address, scope, fixed window). Addresses come and go, so old windows
# are deleted by window, whatever their address (the index).
address_rate_limit_windows = Table(
    "address_rate_limit_windows",
    metadata,
    Column("address", String(64), primary_key=True),
    Column("scope", String(32), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("count", Integer, nullable=False),
    Index("ix_address_rate_limit_windows_scope_window", "scope", "window_start"),
)
