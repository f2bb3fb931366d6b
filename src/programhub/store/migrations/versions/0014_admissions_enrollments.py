"""What an admit did in Catalog: the enrollment or waitlist place an admission decision made
(issue 16, item 7), so that a deny or withdraw undoes exactly that.

Revision ID: 0014_admissions_enrollments
Revises: 0011_admissions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from programhub.store.migrations.tracking import track_version_only, untrack

revision: str = "0014_admissions_enrollments"
down_revision: str | Sequence[str] | None = "0011_admissions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKED = ("admissions_enrollments",)


def _same_tenant(column: str, target: str, name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column, "org_id", "mode"], [f"{target}.id", f"{target}.org_id", f"{target}.mode"], name=name
    )


def upgrade() -> None:
    op.create_table(
        "admissions_enrollments",
        sa.Column("designation_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=True),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_admissions_enrollments_mode")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_admissions_enrollments_org_id_organisations")
        ),
        _same_tenant("designation_id", "designations", "fk_admissions_enrollments_designation_same_tenant"),
        _same_tenant("user_id", "learners", "fk_admissions_enrollments_user_same_tenant"),
        _same_tenant("enrollment_id", "enrollments", "fk_admissions_enrollments_enrollment_same_tenant"),
        _same_tenant("applicant_id", "waitlist_applicants", "fk_admissions_enrollments_applicant_same_tenant"),
        sa.PrimaryKeyConstraint("designation_id", name=op.f("pk_admissions_enrollments")),
    )
    track_version_only(*TRACKED)


def downgrade() -> None:
    untrack(*TRACKED)
    op.drop_table("admissions_enrollments")
