from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text, UniqueConstraint

from programhub.core.db import UTCDateTime, metadata, tenant_columns

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("scope", String(64), nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer),
    Column("response_body", Text),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("org_id", "mode", "scope", "key"),
    sqlite_autoincrement=True,
)
