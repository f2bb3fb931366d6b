"""Sunbird: the rest of the reference program service's model. Programs also carry
target_type, targetprimarycategories, targetprimarycategorynames, acceptedcontents,
rejectedcontents and sourcingrejectedcomments; nominations targetprimarycategories and
targetprimarycategorynames.

Columns are added in place (no table rebuild on SQLite), so the version triggers of
0003_tenant_versions stay.

Revision ID: 0004_sunbird_reference
Revises: 0003_tenant_versions
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_sunbird_reference"
down_revision: str | Sequence[str] | None = "0003_tenant_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# JSONB on PostgreSQL, JSON (text) on SQLite.
JSON_DOC = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
PROGRAM_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("target_type", sa.Text()),
    ("targetprimarycategories", JSON_DOC),
    ("targetprimarycategorynames", JSON_DOC),
    ("acceptedcontents", JSON_DOC),
    ("rejectedcontents", JSON_DOC),
    ("sourcingrejectedcomments", JSON_DOC),
)
NOMINATION_COLUMNS = PROGRAM_COLUMNS[1:3]


def upgrade() -> None:
    for name, kind in PROGRAM_COLUMNS:
        op.add_column("listings", sa.Column(name, kind))
    for name, kind in NOMINATION_COLUMNS:
        op.add_column("nominations", sa.Column(name, kind))


def downgrade() -> None:
    for name, _kind in NOMINATION_COLUMNS:
        op.drop_column("nominations", name)
    for name, _kind in PROGRAM_COLUMNS:
        op.drop_column("listings", name)
