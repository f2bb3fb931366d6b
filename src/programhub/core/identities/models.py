from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from programhub.core.db import UTCDateTime, metadata, same_tenant_fk, tenant_columns

IDENTITY_TYPES = ("Admissions User", "Association User", "Institution User")

identities = Table(
    "identities",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("type", String(20), nullable=False),
    Column("association", Text),
    Column("institution", Text),
    Column("organization", Text),
    Column("cycle", Text, nullable=False),
    # False: sees every program of its organisation; True: only those in identity_programs.
    Column("limited", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("type IN ('Admissions User', 'Association User', 'Institution User')", name="type"),
    UniqueConstraint("id", "org_id", "mode"),
    Index("ix_identities_tenant", "org_id", "mode", "id"),
    sqlite_autoincrement=True,
)

identity_programs = Table(
    "identity_programs",
    metadata,
    Column("identity_id", Integer, nullable=False),
    Column("listing_id", Integer, nullable=False),
    *tenant_columns(),
    PrimaryKeyConstraint("identity_id", "listing_id"),
    same_tenant_fk("identity_id", "identities", "fk_identity_programs_identity_same_tenant"),
    same_tenant_fk("listing_id", "listings", "fk_identity_programs_listing_same_tenant"),
)
