from __future__ import annotations

from sqlalchemy import (
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

from programhub.core.db import JSONDoc, UTCDateTime, metadata, same_tenant_fk, tenant_columns

NOMINATION_STATUSES = ("Pending", "Approved", "Rejected", "Initiated")

# `user_id` and `organisation_id` are the contributor's ids on the caller's side (opaque
# text), not programhub organisations. A nomination by an organisation is unique per
# (program, organisation); one by an individual (no organisation) per (program, user).
nominations = Table(
    "nominations",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("program_id", Integer, nullable=False),
    Column("user_id", Text),
    Column("organisation_id", Text),
    Column("status", String(10), nullable=False),
    Column("content_types", JSONDoc),
    # The reference model's primary categories (migration 0004_sunbird_reference).
    Column("targetprimarycategories", JSONDoc),
    Column("targetprimarycategorynames", JSONDoc),
    Column("collection_ids", JSONDoc),
    Column("feedback", Text),
    Column("rolemapping", JSONDoc),
    Column("createdby", Text),
    Column("updatedby", Text),
    Column("createdon", UTCDateTime, nullable=False),
    Column("updatedon", UTCDateTime),
    CheckConstraint("status IN ('Pending', 'Approved', 'Rejected', 'Initiated')", name="status"),
    CheckConstraint("user_id IS NOT NULL OR organisation_id IS NOT NULL", name="nominee"),
    UniqueConstraint("id", "org_id", "mode"),
    same_tenant_fk("program_id", "listings", "fk_nominations_program_same_tenant"),
    Index(
        "uq_nominations_program_organisation",
        "program_id",
        "organisation_id",
        unique=True,
        sqlite_where=text("organisation_id IS NOT NULL"),
        postgresql_where=text("organisation_id IS NOT NULL"),
    ),
    Index(
        "uq_nominations_program_user",
        "program_id",
        "user_id",
        unique=True,
        sqlite_where=text("organisation_id IS NULL"),
        postgresql_where=text("organisation_id IS NULL"),
    ),
    Index("ix_nominations_program_user", "program_id", "user_id"),
    Index("ix_nominations_tenant_user", "org_id", "mode", "user_id", "status"),
    # Nomination lists: most recently changed first, never-changed ones first of all; of
    # the tenant, of one user, of one organisation by status (migration 0015).
    Index("ix_nominations_tenant_updated", "org_id", "mode", "updatedon", "id"),
    Index("ix_nominations_tenant_user_latest", "org_id", "mode", "user_id", "updatedon", "id"),
    Index(
        "ix_nominations_tenant_organisation_latest", "org_id", "mode", "organisation_id", "status", "updatedon", "id"
    ),
    sqlite_autoincrement=True,
)

# Who holds which role in a nomination: the rolemapping, one row per (role, user), so that
# "user X under one of these roles" is an exact, indexed match.
nomination_roles = Table(
    "nomination_roles",
    metadata,
    Column("nomination_id", Integer, nullable=False),
    Column("role", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    *tenant_columns(),
    PrimaryKeyConstraint("nomination_id", "role", "user_id"),
    same_tenant_fk("nomination_id", "nominations", "fk_nomination_roles_nomination_same_tenant"),
    Index("ix_nomination_roles_user", "org_id", "mode", "user_id", "role", "nomination_id"),
)

# A user's preferences for a program (Sunbird's user_program_preference): what they want to
# contribute (`contributor_preference`) or source (`sourcing_preference`), one row per
# (program, user).
program_preferences = Table(
    "program_preferences",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("program_id", Integer, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("contributor_preference", JSONDoc, nullable=False),
    Column("sourcing_preference", JSONDoc, nullable=False),
    Column("createdon", UTCDateTime, nullable=False),
    Column("updatedon", UTCDateTime, nullable=False),
    same_tenant_fk("program_id", "listings", "fk_program_preferences_program_same_tenant"),
    UniqueConstraint("program_id", "user_id"),
    sqlite_autoincrement=True,
)
