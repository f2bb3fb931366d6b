"""Learners: users, enrollments (a program's whole requirement tree) and waitlist applicants,
each a tenant table with the version triggers of 0003.

Revision ID: 0010_learners
Revises: 0009_join
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from programhub.store.migrations.tracking import track_version_only, untrack
from sqlalchemy.dialects import postgresql as pg

revision: str = "0010_learners"
down_revision: str | Sequence[str] | None = "0009_join"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TRACKED = ("learners", "enrollments", "waitlist_applicants")
JSON_DOC = sa.JSON(none_as_null=True).with_variant(pg.JSONB(none_as_null=True), "postgresql")
LIVE_USER = "deleted_at IS NULL"
LIVE_DIRECT = "root_enrollment_id IS NULL AND status != 'dropped'"
WAITING = "status = 'waitlist'"


def _tenant_columns(table: str) -> list[Any]:
    return [
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f(f"ck_{table}_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f(f"fk_{table}_org_id_organisations")),
    ]


def _same_tenant(column: str, target: str, name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column, "org_id", "mode"], [f"{target}.id", f"{target}.org_id", f"{target}.mode"], name=name
    )


def _partial(name: str, table: str, columns: list[str], where: str) -> None:
    op.create_index(name, table, columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant_columns("learners"),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("email_folded", sa.Text(), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("canvas_user_id", sa.Integer(), nullable=True),
        sa.Column("catalog_id", sa.Integer(), nullable=False),
        sa.Column("custom_fields", JSON_DOC, nullable=False),
        sa.Column("merged_into_user_id", sa.Integer(), nullable=True),
        sa.Column("time_zone", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        _same_tenant("catalog_id", "catalogs", "fk_learners_catalog_same_tenant"),
        _same_tenant("merged_into_user_id", "learners", "fk_learners_merged_into_same_tenant"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learners")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_learners_id_org_id_mode")),
        sqlite_autoincrement=True,
    )
    _partial("uq_learners_email", "learners", ["org_id", "mode", "email_folded"], LIVE_USER)
    op.create_index("ix_learners_tenant_id", "learners", ["org_id", "mode", "id"])
    op.create_index("ix_learners_tenant_canvas_user", "learners", ["org_id", "mode", "canvas_user_id"])
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant_columns("enrollments"),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("root_enrollment_id", sa.Integer(), nullable=True),
        sa.Column("root_program_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=9), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requirements_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'completed', 'dropped')", name=op.f("ck_enrollments_status")
        ),
        _same_tenant("user_id", "learners", "fk_enrollments_user_same_tenant"),
        _same_tenant("listing_id", "listings", "fk_enrollments_listing_same_tenant"),
        _same_tenant("root_enrollment_id", "enrollments", "fk_enrollments_root_same_tenant"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_enrollments_id_org_id_mode")),
        sa.UniqueConstraint(
            "root_enrollment_id", "listing_id", name=op.f("uq_enrollments_root_enrollment_id_listing_id")
        ),
        sqlite_autoincrement=True,
    )
    _partial("uq_enrollments_live_direct", "enrollments", ["org_id", "mode", "user_id", "listing_id"], LIVE_DIRECT)
    op.create_index("ix_enrollments_tenant_id", "enrollments", ["org_id", "mode", "id"])
    op.create_index("ix_enrollments_tenant_listing", "enrollments", ["org_id", "mode", "listing_id", "id"])
    op.create_index("ix_enrollments_tenant_user", "enrollments", ["org_id", "mode", "user_id", "id"])
    op.create_table(
        "waitlist_applicants",
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant_columns("waitlist_applicants"),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("notified_of_opening_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrollment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('waitlist', 'accepted', 'declined', 'expired')", name=op.f("ck_waitlist_applicants_status")
        ),
        _same_tenant("user_id", "learners", "fk_waitlist_applicants_user_same_tenant"),
        _same_tenant("listing_id", "listings", "fk_waitlist_applicants_listing_same_tenant"),
        _same_tenant("enrollment_id", "enrollments", "fk_waitlist_applicants_enrollment_same_tenant"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_applicants")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_waitlist_applicants_id_org_id_mode")),
        sqlite_autoincrement=True,
    )
    _partial(
        "uq_waitlist_applicants_waiting", "waitlist_applicants", ["org_id", "mode", "user_id", "listing_id"], WAITING
    )
    op.create_index(
        "ix_waitlist_applicants_tenant_listing", "waitlist_applicants", ["org_id", "mode", "listing_id", "status", "id"]
    )
    op.create_index("ix_waitlist_applicants_tenant_id", "waitlist_applicants", ["org_id", "mode", "id"])
    track_version_only(*NEW_TRACKED)


def downgrade() -> None:
    untrack(*NEW_TRACKED)
    op.drop_table("waitlist_applicants")
    op.drop_table("enrollments")
    op.drop_table("learners")
