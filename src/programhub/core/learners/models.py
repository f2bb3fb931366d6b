"""The learner tables: users (Catalog's users), enrollments (one row per listing a user is
enrolled in, a program's whole requirement tree included) and waitlist applicants."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, String, Table, Text, UniqueConstraint, text

from programhub.core.db import JSONDoc, UTCDateTime, metadata, same_tenant_fk, tenant_columns

ENROLLMENT_STATUSES = ("pending", "active", "completed", "dropped")
APPLICANT_STATUSES = ("waitlist", "accepted", "declined", "expired")
LIVE_USER = "deleted_at IS NULL"
# A user's own (not through a program) enrollment in a listing that is not dropped: one at most.
LIVE_DIRECT = "root_enrollment_id IS NULL AND status != 'dropped'"
WAITING = "status = 'waitlist'"

learners = Table(
    "learners",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("email", Text, nullable=False),
    # Case-folded email: unique per organisation and mode among users not deleted.
    Column("email_folded", Text, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("canvas_user_id", Integer),
    Column("catalog_id", Integer, nullable=False),  # the catalog the user registered in
    Column("custom_fields", JSONDoc, nullable=False),
    Column("merged_into_user_id", Integer),
    Column("time_zone", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("deleted_at", UTCDateTime),
    UniqueConstraint("id", "org_id", "mode"),
    same_tenant_fk("catalog_id", "catalogs", "fk_learners_catalog_same_tenant"),
    same_tenant_fk("merged_into_user_id", "learners", "fk_learners_merged_into_same_tenant"),
    Index(
        "uq_learners_email",
        "org_id",
        "mode",
        "email_folded",
        unique=True,
        sqlite_where=text(LIVE_USER),
        postgresql_where=text(LIVE_USER),
    ),
    Index("ix_learners_tenant_id", "org_id", "mode", "id"),
    Index("ix_learners_tenant_canvas_user", "org_id", "mode", "canvas_user_id"),
    sqlite_autoincrement=True,
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("user_id", Integer, nullable=False),
    Column("listing_id", Integer, nullable=False),
    # The enrollment in the program whose tree brought this one (null: the user's own).
    Column("root_enrollment_id", Integer),
    # That program's listing id, as Catalog shows it (null for the user's own enrollments).
    Column("root_program_id", Integer),
    Column("status", String(9), nullable=False),
    Column("enrolled_at", UTCDateTime, nullable=False),
    # A course: when it was completed; a program: when its whole tree was.
    Column("requirements_completed_at", UTCDateTime),
    Column("ends_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('pending', 'active', 'completed', 'dropped')", name="status"),
    UniqueConstraint("id", "org_id", "mode"),
    UniqueConstraint("root_enrollment_id", "listing_id"),
    same_tenant_fk("user_id", "learners", "fk_enrollments_user_same_tenant"),
    same_tenant_fk("listing_id", "listings", "fk_enrollments_listing_same_tenant"),
    same_tenant_fk("root_enrollment_id", "enrollments", "fk_enrollments_root_same_tenant"),
    Index(
        "uq_enrollments_live_direct",
        "org_id",
        "mode",
        "user_id",
        "listing_id",
        unique=True,
        sqlite_where=text(LIVE_DIRECT),
        postgresql_where=text(LIVE_DIRECT),
    ),
    Index("ix_enrollments_tenant_id", "org_id", "mode", "id"),
    Index("ix_enrollments_tenant_listing", "org_id", "mode", "listing_id", "id"),
    Index("ix_enrollments_tenant_user", "org_id", "mode", "user_id", "id"),
    sqlite_autoincrement=True,
)

waitlist_applicants = Table(
    "waitlist_applicants",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("user_id", Integer, nullable=False),
    Column("listing_id", Integer, nullable=False),
    Column("status", String(8), nullable=False),
    Column("notified_of_opening_at", UTCDateTime),
    # The enrollment an accepted applicant was given.
    Column("enrollment_id", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('waitlist', 'accepted', 'declined', 'expired')", name="status"),
    UniqueConstraint("id", "org_id", "mode"),
    same_tenant_fk("user_id", "learners", "fk_waitlist_applicants_user_same_tenant"),
    same_tenant_fk("listing_id", "listings", "fk_waitlist_applicants_listing_same_tenant"),
    same_tenant_fk("enrollment_id", "enrollments", "fk_waitlist_applicants_enrollment_same_tenant"),
    Index(
        "uq_waitlist_applicants_waiting",
        "org_id",
        "mode",
        "user_id",
        "listing_id",
        unique=True,
        sqlite_where=text(WAITING),
        postgresql_where=text(WAITING),
    ),
    Index("ix_waitlist_applicants_tenant_listing", "org_id", "mode", "listing_id", "status", "id"),
    Index("ix_waitlist_applicants_tenant_id", "org_id", "mode", "id"),
    sqlite_autoincrement=True,
)
