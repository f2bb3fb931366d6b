from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint

from programhub.core.db import UTCDateTime, metadata, same_tenant_fk, tenant_columns

credential_batches = Table(
    "credential_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(40), nullable=False, unique=True),
    *tenant_columns(),
    Column("listing_id", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("status", String(16), nullable=False, server_default="issued"),
    Column("recipient_count", Integer, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    UniqueConstraint("id", "org_id", "mode"),
    same_tenant_fk("listing_id", "listings", "fk_credential_batches_listing_same_tenant"),
    Index("ix_credential_batches_tenant_issued", "org_id", "mode", "issued_at", "id"),
    sqlite_autoincrement=True,
)

credential_recipients = Table(
    "credential_recipients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_id", String(40), nullable=False, unique=True),
    Column("batch_id", Integer, nullable=False),
    *tenant_columns(),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    same_tenant_fk("batch_id", "credential_batches", "fk_credential_recipients_batch_same_tenant"),
    UniqueConstraint("batch_id", "position"),
    sqlite_autoincrement=True,
)
