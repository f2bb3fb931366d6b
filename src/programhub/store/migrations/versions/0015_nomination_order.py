"""Indexes that serve a nomination list's filter and its order together (issue 20): a
user's nominations, and an organisation's by status, each in the order Sunbird lists them
(latest change first, then newest). Without them SQLite walked every nomination of the
tenant in that order to find one user's (22 ms for 200 of 52,000; 0.1 ms with them).
The organisation index replaces `ix_nominations_tenant_organisation`, its prefix.

Revision ID: 0015_nomination_order
Revises: 0014_admissions_enrollments
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_nomination_order"
down_revision: str | Sequence[str] | None = "0014_admissions_enrollments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_nominations_tenant_user_latest", "nominations", ["org_id", "mode", "user_id", "updatedon", "id"]
    )
    op.create_index(
        "ix_nominations_tenant_organisation_latest",
        "nominations",
        ["org_id", "mode", "organisation_id", "status", "updatedon", "id"],
    )
    op.drop_index("ix_nominations_tenant_organisation", table_name="nominations")


def downgrade() -> None:
    op.create_index(
        "ix_nominations_tenant_organisation", "nominations", ["org_id", "mode", "organisation_id", "status"]
    )
    op.drop_index("ix_nominations_tenant_organisation_latest", table_name="nominations")
    op.drop_index("ix_nominations_tenant_user_latest", table_name="nominations")
