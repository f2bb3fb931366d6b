"""The admissions tables. Every row carries its tenant, and every reference between them is
a same-tenant foreign key, so the database itself refuses a designation of one
organisation pointing at another's program or decision."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from programhub.core.db import JSONDoc, UTCDateTime, metadata, same_tenant_fk, tenant_columns

OUTCOMES = ("admit", "deny", "withdraw", "none")
FIELD_TYPES = ("boolean", "number", "date", "string", "select")
LIST_TYPES = ("all",)
FORMATS = ("Comma-Separated Values",)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("cycle", Text, nullable=False),
    Column("name", Text, nullable=False),
    # What the decision means to programhub: admit enrolls the applicant, deny and withdraw
    # undo what an admission did, none changes nothing.
    Column("outcome", String(8), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("outcome IN ('admit', 'deny', 'withdraw', 'none')", name="outcome"),
    UniqueConstraint("id", "org_id", "mode"),
    UniqueConstraint("org_id", "mode", "cycle", "name"),
    sqlite_autoincrement=True,
)

local_statuses = Table(
    "local_statuses",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("cycle", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("id", "org_id", "mode"),
    UniqueConstraint("org_id", "mode", "cycle", "title"),
    sqlite_autoincrement=True,
)

applicants = Table(
    "applicants",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("cycle", Text, nullable=False),
    # Liaison's identifier of the applicant: digits, unique in an organisation's cycle.
    Column("cas_id", String(20), nullable=False),
    Column("email", Text, nullable=False),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("id", "org_id", "mode"),
    UniqueConstraint("org_id", "mode", "cycle", "cas_id"),
    sqlite_autoincrement=True,
)

designations = Table(
    "designations",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("applicant_id", Integer, nullable=False),
    Column("listing_id", Integer, nullable=False),
    Column("decision_id", Integer),
    Column("local_status_id", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("id", "org_id", "mode"),
    UniqueConstraint("applicant_id", "listing_id"),
    same_tenant_fk("applicant_id", "applicants", "fk_designations_applicant_same_tenant"),
    same_tenant_fk("listing_id", "listings", "fk_designations_listing_same_tenant"),
    same_tenant_fk("decision_id", "decisions", "fk_designations_decision_same_tenant"),
    same_tenant_fk("local_status_id", "local_statuses", "fk_designations_local_status_same_tenant"),
    Index("ix_designations_listing", "listing_id", "id"),
    sqlite_autoincrement=True,
)

custom_fields = Table(
    "custom_fields",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("listing_id", Integer, nullable=False),
    Column("label", Text, nullable=False),
    Column("field_type", String(7), nullable=False),
    # The allowed values of a select field (a JSON array of strings); NULL otherwise.
    Column("options", JSONDoc),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("field_type IN ('boolean', 'number', 'date', 'string', 'select')", name="field_type"),
    UniqueConstraint("id", "org_id", "mode"),
    same_tenant_fk("listing_id", "listings", "fk_custom_fields_listing_same_tenant"),
    Index("ix_custom_fields_listing", "listing_id", "id"),
    sqlite_autoincrement=True,
)

custom_field_answers = Table(
    "custom_field_answers",
    metadata,
    Column("designation_id", Integer, nullable=False),
    Column("custom_field_id", Integer, nullable=False),
    *tenant_columns(),
    # The answer as JSON text (true, 11.0, "2016-01-31", "Gryffindor"); SQL NULL once
    # cleared. Text, not a JSON column: SQLite's numeric affinity would turn 11.0 into 11.
    Column("value", Text),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("designation_id", "custom_field_id"),
    same_tenant_fk("designation_id", "designations", "fk_custom_field_answers_designation_same_tenant"),
    same_tenant_fk("custom_field_id", "custom_fields", "fk_custom_field_answers_field_same_tenant"),
)

exports = Table(
    "exports",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("identity_id", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("list_type", String(16), nullable=False),
    Column("format", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("list_type IN ('all')", name="list_type"),
    CheckConstraint("format IN ('Comma-Separated Values')", name="format"),
    UniqueConstraint("id", "org_id", "mode"),
    same_tenant_fk("identity_id", "identities", "fk_exports_identity_same_tenant"),
    Index("ix_exports_tenant", "org_id", "mode", "id"),
    sqlite_autoincrement=True,
)

# An export file is a job (`jobs`, kind `admissions.export`); the file it writes is kept
# here in parts of a few hundred rows, so neither writing nor downloading holds it whole.
export_file_parts = Table(
    "export_file_parts",
    metadata,
    Column("job_id", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    *tenant_columns(),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("job_id", "seq"),
    same_tenant_fk("job_id", "jobs", "fk_export_file_parts_job_same_tenant"),
)

# What an admit did in Catalog (issue 16, item 7): the user it enrolled and the enrollment
# or waitlist place it made, so that a later deny or withdraw undoes that and nothing else.
# One row per designation: an admit acts once.
admissions_enrollments = Table(
    "admissions_enrollments",
    metadata,
    Column("designation_id", Integer, primary_key=True),
    *tenant_columns(),
    Column("user_id", Integer, nullable=False),
    Column("enrollment_id", Integer),
    Column("applicant_id", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    same_tenant_fk("designation_id", "designations", "fk_admissions_enrollments_designation_same_tenant"),
    same_tenant_fk("user_id", "learners", "fk_admissions_enrollments_user_same_tenant"),
    same_tenant_fk("enrollment_id", "enrollments", "fk_admissions_enrollments_enrollment_same_tenant"),
    same_tenant_fk("applicant_id", "waitlist_applicants", "fk_admissions_enrollments_applicant_same_tenant"),
)
