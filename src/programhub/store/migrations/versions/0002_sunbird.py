"""Sunbird: on PostgreSQL, the tenant/kind/id index of listings also carries the columns
program lists filter on (INCLUDE), so that /list counts are index-only scans instead of
table scans (SQLite has no INCLUDE; its index is unchanged); and an index that serves
/nomination/list in its order (updatedon descending, then id).

Revision ID: 0002_sunbird
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_sunbird"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["org_id", "mode", "kind", "id"]
INCLUDED = [
    "deleted_at",
    "status",
    "program_type",
    "nomination_enddate",
    "content_submission_enddate",
    "created_at",
    "updated_at",
]


def _rebuild(include: list[str]) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_listings_tenant_kind_id", table_name="listings")
    op.create_index("ix_listings_tenant_kind_id", "listings", KEY, unique=False, postgresql_include=include)


def upgrade() -> None:
    _rebuild(INCLUDED)
    op.create_index("ix_nominations_tenant_updated", "nominations", ["org_id", "mode", "updatedon", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_nominations_tenant_updated", table_name="nominations")
    _rebuild([])
