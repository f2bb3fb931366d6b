"""Indexes on a tenant's programs by their nomination and content submission end dates
(issue 20's growth): Sunbird's "open" filters and `search.next_date_change`, the min() that
says how long an answer filtered by them stays true, walked every program of the tenant
(90 ms at 50,000 programs, on every uncached form A request); with these it is one
index lookup.

Revision ID: 0016_program_dates
Revises: 0015_nomination_order
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016_program_dates"
down_revision: str | Sequence[str] | None = "0015_nomination_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_listings_tenant_kind_nomination_end": "nomination_enddate",
    "ix_listings_tenant_kind_submission_end": "content_submission_enddate",
}


def upgrade() -> None:
    for name, column in INDEXES.items():
        op.create_index(name, "listings", ["org_id", "mode", "kind", column])


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="listings")
