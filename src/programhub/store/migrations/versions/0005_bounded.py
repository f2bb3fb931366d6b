"""Per-address rate-limit counters (the public credential pages' limit, held in the database
so that every server process shares it).

Revision ID: 0005_bounded
Revises: 0003_tenant_versions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_bounded"
down_revision: str | Sequence[str] | None = "0003_tenant_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "address_rate_limit_windows",
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("address", "scope", "window_start", name=op.f("pk_address_rate_limit_windows")),
    )
    op.create_index(
        "ix_address_rate_limit_windows_scope_window", "address_rate_limit_windows", ["scope", "window_start"]
    )


def downgrade() -> None:
    op.drop_index("ix_address_rate_limit_windows_scope_window", table_name="address_rate_limit_windows")
    op.drop_table("address_rate_limit_windows")
