"""Stored renderings keyed by one integer (issue 20): the face's code times 2**40 plus the
object's id. SQLite makes it the table's rowid, so a reader finds a stored form in one
B-tree, where the key (source, face, source_id) was an index and then the table: a Sunbird
page's 600 look-ups took 0.45 ms more of a 2.7 ms statement. The rows are copied under
their new keys (faces this release does not know are left out; `backfill` renders what
is missing at startup).

Revision ID: 0018_rendering_keys
Revises: 0017_program_walk
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_rendering_keys"
down_revision: str | Sequence[str] | None = "0017_program_walk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STRIDE = 2**40
# The faces' codes as this release registers them (dialects' responses.py): frozen here,
# as a migration must not import the code it migrates.
CODES = {"catalog.listing": 1, "record.program": 2, "sunbird.program_item": 3, "sunbird.nomination_item": 4}
COLUMNS = "source, face, source_id, org_id, mode, version, body, middle, tail"


def _create(primary_key: sa.PrimaryKeyConstraint, *key: sa.Column[int]) -> None:
    op.create_table(
        "renderings",
        *key,
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
        primary_key,
    )


def _set_aside() -> None:
    """The current table renamed, its primary key's name freed (PostgreSQL names the index)."""
    op.rename_table("renderings", "renderings_before")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE renderings_before RENAME CONSTRAINT pk_renderings TO pk_renderings_before")


def upgrade() -> None:
    _set_aside()
    key = sa.Column("key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False, autoincrement=False)
    _create(sa.PrimaryKeyConstraint("key", name=op.f("pk_renderings")), key)
    cases = " ".join(f"WHEN '{face}' THEN {code * STRIDE}" for face, code in CODES.items())
    op.execute(
        f"INSERT INTO renderings (key, {COLUMNS}) SELECT CASE face {cases} END + source_id, {COLUMNS} "
        f"FROM renderings_before WHERE face IN ({', '.join(repr(face) for face in CODES)})"
    )
    op.drop_table("renderings_before")


def downgrade() -> None:
    _set_aside()
    _create(sa.PrimaryKeyConstraint("source", "face", "source_id", name=op.f("pk_renderings")))
    op.execute(f"INSERT INTO renderings ({COLUMNS}) SELECT {COLUMNS} FROM renderings_before")
    op.drop_table("renderings_before")
