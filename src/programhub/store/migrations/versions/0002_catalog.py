"""Canvas Catalog: a catalog's Canvas instance (domain and id), shown in its account object.

Revision ID: 0002_catalog
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_catalog"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalogs") as batch:
        batch.add_column(sa.Column("canvas_domain", sa.Text(), nullable=True))
        batch.add_column(sa.Column("canvas_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalogs") as batch:
        batch.drop_column("canvas_id")
        batch.drop_column("canvas_domain")
