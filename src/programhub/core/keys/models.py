from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from programhub.core.db import UTCDateTime, metadata, tenant_columns

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(40), nullable=False, unique=True),
    *tenant_columns(),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("label", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Column("last_used_at", UTCDateTime),
    Index(None, "org_id", "mode"),
    sqlite_autoincrement=True,
)
