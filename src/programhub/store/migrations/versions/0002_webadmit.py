"""WebAdMIT: list a tenant's user identities through an index, not a table scan.

Revision ID: 0002_webadmit
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_webadmit"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_identities_tenant", "identities", ["org_id", "mode", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_identities_tenant", table_name="identities")
