"""Sunbird's default order of programs carries what a page checks of each program it walks
(issue 20): form A walks a tenant's programs latest change first until 300 are open and
not nominated by the caller, over a thousand at 5,000 programs, and read each one's wide
table row for its state and dates. With them in the index (and the id, the order's tie
break) the walk reads the index alone.

Revision ID: 0017_program_walk
Revises: 0016_program_dates
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017_program_walk"
down_revision: str | Sequence[str] | None = "0016_program_dates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_listings_tenant_kind_updated"
ORDER = ["org_id", "mode", "kind", "updated_at"]
WALKED = ["id", "deleted_at", "status", "program_type", "nomination_enddate", "content_submission_enddate"]


def upgrade() -> None:
    op.drop_index(NAME, table_name="listings")
    op.create_index(NAME, "listings", [*ORDER, *WALKED])


def downgrade() -> None:
    op.drop_index(NAME, table_name="listings")
    op.create_index(NAME, "listings", ORDER)
