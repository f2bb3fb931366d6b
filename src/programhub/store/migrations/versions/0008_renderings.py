"""Render on write (core/renderings): each object's wire form per face, stored when the
object is written. Existing rows are rendered by `programhub db upgrade` / `serve` after the
migrations (the renderers are code, not SQL a migration could freeze).

Revision ID: 0008_renderings
Revises: 0004_jobs
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_renderings"
down_revision: str | Sequence[str] | None = "0004_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "renderings",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("face", sa.String(length=48), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("middle", sa.Text(), nullable=True),
        sa.Column("tail", sa.Text(), nullable=True),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_renderings_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_renderings_org_id_organisations")),
        sa.PrimaryKeyConstraint("source", "face", "source_id", name=op.f("pk_renderings")),
    )


def downgrade() -> None:
    op.drop_table("renderings")
