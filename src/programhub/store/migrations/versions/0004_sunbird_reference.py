"""Sunbird: the rest of the reference program service's model. Programs also carry
target_type, targetprimarycategories, targetprimarycategorynames, acceptedcontents,
rejectedcontents and sourcingrejectedcomments, and when they were closed (the reference's
status Closed); nominations targetprimarycategories and
targetprimarycategorynames; users' preferences for a program (program_preferences),
tracked by the data versions as every tenant table is.

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
    ("closed_at", sa.DateTime(timezone=True)),
)
NOMINATION_COLUMNS = PROGRAM_COLUMNS[1:3]


EVENTS = {"INSERT": "NEW", "UPDATE": "NEW", "DELETE": "OLD"}


def upgrade() -> None:
    for name, kind in PROGRAM_COLUMNS:
        op.add_column("listings", sa.Column(name, kind))
    for name, kind in NOMINATION_COLUMNS:
        op.add_column("nominations", sa.Column(name, kind))
    op.create_table(
        "program_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("contributor_preference", JSON_DOC, nullable=False),
        sa.Column("sourcing_preference", JSON_DOC, nullable=False),
        sa.Column("createdon", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updatedon", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_program_preferences_mode")),
        sa.ForeignKeyConstraint(
            ["program_id", "org_id", "mode"],
            ["listings.id", "listings.org_id", "listings.mode"],
            name="fk_program_preferences_program_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_program_preferences_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_preferences")),
        sa.UniqueConstraint("program_id", "user_id", name=op.f("uq_program_preferences_program_id_user_id")),
        sqlite_autoincrement=True,
    )
    postgresql_triggers = op.get_bind().dialect.name == "postgresql"
    for event, row in EVENTS.items():
        name = f"program_preferences_version_{event.lower()}"
        if postgresql_triggers:  # bump_tenant_versions() is 0003_tenant_versions'
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON program_preferences REFERENCING {row} TABLE AS changed_rows "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_tenant_versions()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON program_preferences BEGIN UPDATE tenant_versions "
                f"SET version = version + 1 WHERE org_id = {row}.org_id AND mode = {row}.mode; END"
            )


def downgrade() -> None:
    op.drop_table("program_preferences")  # its triggers go with it
    for name, _kind in NOMINATION_COLUMNS:
        op.drop_column("nominations", name)
    for name, _kind in PROGRAM_COLUMNS:
        op.drop_column("listings", name)
