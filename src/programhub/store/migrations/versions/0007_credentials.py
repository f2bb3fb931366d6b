"""Verifiable credentials: organisations' signing keys, Bitstring Status Lists, each
recipient's signed credential with its expiry and revocation, and a batch's expiry.

No tracked table is rebuilt (SQLite adds columns and indexes in place), so the version
triggers of 0003 stay; the three new tenant tables get their own.

Revision ID: 0007_credentials
Revises: 0004_jobs
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from programhub.store.migrations.tracking import track_version_only, untrack

revision: str = "0007_credentials"
down_revision: str | Sequence[str] | None = "0004_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TRACKED = ("signing_keys", "status_lists", "signed_credentials")
CURRENT_KEY = "retired_at IS NULL"


def _tenant_columns(table: str) -> list[Any]:
    return [
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f(f"ck_{table}_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f(f"fk_{table}_org_id_organisations")),
    ]


def upgrade() -> None:
    op.add_column("credential_batches", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "uq_credential_recipients_id_tenant", "credential_recipients", ["id", "org_id", "mode"], unique=True
    )
    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant_columns("signing_keys"),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_signing_keys_id_org_id_mode")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_signing_keys_current",
        "signing_keys",
        ["org_id", "mode"],
        unique=True,
        sqlite_where=sa.text(CURRENT_KEY),
        postgresql_where=sa.text(CURRENT_KEY),
    )
    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant_columns("status_lists"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("permutation_key", sa.LargeBinary(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("allocated >= 0 AND allocated <= size", name=op.f("ck_status_lists_allocated")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_lists")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_status_lists_id_org_id_mode")),
        sa.UniqueConstraint("org_id", "mode", "number", name=op.f("uq_status_lists_org_id_mode_number")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "signed_credentials",
        sa.Column("recipient_id", sa.Integer(), autoincrement=False, nullable=False),
        *_tenant_columns("signed_credentials"),
        sa.Column("signing_key_id", sa.Integer(), nullable=False),
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id", "org_id", "mode"],
            ["credential_recipients.id", "credential_recipients.org_id", "credential_recipients.mode"],
            name="fk_signed_credentials_recipient_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["signing_key_id", "org_id", "mode"],
            ["signing_keys.id", "signing_keys.org_id", "signing_keys.mode"],
            name="fk_signed_credentials_key_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id", "org_id", "mode"],
            ["status_lists.id", "status_lists.org_id", "status_lists.mode"],
            name="fk_signed_credentials_status_list_same_tenant",
        ),
        sa.PrimaryKeyConstraint("recipient_id", name=op.f("pk_signed_credentials")),
        sa.UniqueConstraint(
            "status_list_id", "status_index", name=op.f("uq_signed_credentials_status_list_id_status_index")
        ),
    )
    track_version_only(*NEW_TRACKED)


def downgrade() -> None:
    untrack(*NEW_TRACKED)
    op.drop_table("signed_credentials")
    op.drop_table("status_lists")
    op.drop_index(
        "uq_signing_keys_current",
        table_name="signing_keys",
        sqlite_where=sa.text(CURRENT_KEY),
        postgresql_where=sa.text(CURRENT_KEY),
    )
    op.drop_table("signing_keys")
    op.drop_index("uq_credential_recipients_id_tenant", table_name="credential_recipients")
    op.execute("ALTER TABLE credential_batches DROP COLUMN expires_at")  # in place: its triggers stay
