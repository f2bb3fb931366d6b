from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, String, Table, Text, UniqueConstraint, text

from programhub.core.db import JSONDoc, UTCDateTime, metadata, tenant_columns

JOB_STATES = ("queued", "running", "succeeded", "failed")

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("kind", String(64), nullable=False),
    Column("state", String(16), nullable=False, server_default="queued"),
    # Jobs with the same key run one at a time per tenant (a second is refused while one is
    # queued or running): e.g. one bulk enrollment per catalog.
    Column("exclusive_key", Text),
    Column("payload", JSONDoc, nullable=False),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("result", JSONDoc),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_by", Text),
    Column("lease_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')", name="state"),
    UniqueConstraint("id", "org_id", "mode"),
    Index("ix_jobs_runnable", "state", "id"),
    Index("ix_jobs_tenant_kind", "org_id", "mode", "kind", "id"),
    Index(
        "uq_jobs_exclusive",
        "org_id",
        "mode",
        "exclusive_key",
        unique=True,
        sqlite_where=text("state IN ('queued', 'running') AND exclusive_key IS NOT NULL"),
        postgresql_where=text("state IN ('queued', 'running') AND exclusive_key IS NOT NULL"),
    ),
    sqlite_autoincrement=True,
)
