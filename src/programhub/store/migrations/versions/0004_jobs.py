"""Background jobs (core/jobs): queued by requests, claimed and run by any server process.

Revision ID: 0004_jobs
Revises: 0003_tenant_versions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_jobs"
down_revision: str | Sequence[str] | None = "0003_tenant_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
EXCLUSIVE = "state IN ('queued', 'running') AND exclusive_key IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("exclusive_key", sa.Text(), nullable=True),
        sa.Column("payload", JSON_DOC, nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("result", JSON_DOC, nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_jobs_mode")),
        sa.CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')", name=op.f("ck_jobs_state")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_jobs_org_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_jobs_id_org_id_mode")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_jobs_runnable", "jobs", ["state", "id"], unique=False)
    op.create_index("ix_jobs_tenant_kind", "jobs", ["org_id", "mode", "kind", "id"], unique=False)
    op.create_index(
        "uq_jobs_exclusive",
        "jobs",
        ["org_id", "mode", "exclusive_key"],
        unique=True,
        sqlite_where=sa.text(EXCLUSIVE),
        postgresql_where=sa.text(EXCLUSIVE),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_jobs_exclusive", table_name="jobs", sqlite_where=sa.text(EXCLUSIVE), postgresql_where=sa.text(EXCLUSIVE)
    )
    op.drop_index("ix_jobs_tenant_kind", table_name="jobs")
    op.drop_index("ix_jobs_runnable", table_name="jobs")
    op.drop_table("jobs")
