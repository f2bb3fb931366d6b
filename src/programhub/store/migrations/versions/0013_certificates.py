"""Certificates (Canvas Catalog's, one per listing) and their awards, each a Record
credential issued on completion.

Revision ID: 0013_certificates
Revises: 0010_learners
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from programhub.store.migrations.tracking import track_version_only, untrack

revision: str = "0013_certificates"
down_revision: str | Sequence[str] | None = "0010_learners"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKED = ("certificates", "certificate_awards")
JSON_DOC = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("pdf_settings", JSON_DOC, nullable=False),
        sa.Column("days_to_expire", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_certificates_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_certificates_org_id_organisations")),
        sa.ForeignKeyConstraint(
            ["listing_id", "org_id", "mode"],
            ["listings.id", "listings.org_id", "listings.mode"],
            name="fk_certificates_listing_same_tenant",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_certificates_id_org_id_mode")),
        sa.UniqueConstraint("listing_id", name="uq_certificates_listing"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "certificate_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_certificate_awards_mode")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_certificate_awards_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["credential_recipients.id"],
            name=op.f("fk_certificate_awards_recipient_id_credential_recipients"),
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id", "org_id", "mode"],
            ["enrollments.id", "enrollments.org_id", "enrollments.mode"],
            name="fk_certificate_awards_enrollment_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id", "org_id", "mode"],
            ["listings.id", "listings.org_id", "listings.mode"],
            name="fk_certificate_awards_listing_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["user_id", "org_id", "mode"],
            ["learners.id", "learners.org_id", "learners.mode"],
            name="fk_certificate_awards_user_same_tenant",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_awards")),
        sa.UniqueConstraint("enrollment_id", name="uq_certificate_awards_enrollment"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_certificate_awards_user", "certificate_awards", ["org_id", "mode", "user_id"])
    op.create_index("ix_certificate_awards_listing", "certificate_awards", ["org_id", "mode", "listing_id", "user_id"])
    track_version_only(*TRACKED)


def downgrade() -> None:
    untrack(*TRACKED)
    op.drop_table("certificate_awards")
    op.drop_table("certificates")
