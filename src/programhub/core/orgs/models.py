from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Integer, String, Table, Text

from programhub.core.db import UTCDateTime, metadata

organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(40), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("state", String(10), nullable=False, server_default="active"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("state IN ('active', 'suspended')", name="state"),
    sqlite_autoincrement=True,
)
