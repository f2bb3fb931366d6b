"""Admissions (WebAdMIT): decisions with their outcomes, local statuses, applicants, their
designations to programs, custom fields and answers, saved exports and the parts of the
files they write. Every table but the file parts is tracked by the data versions.

Revision ID: 0011_admissions
Revises: 0013_certificates
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from programhub.store.migrations.tracking import track_version_only, untrack
from sqlalchemy.dialects import postgresql as pg

revision: str = "0011_admissions"
down_revision: str | Sequence[str] | None = "0013_certificates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TRACKED = (
    "decisions",
    "local_statuses",
    "applicants",
    "designations",
    "custom_fields",
    "custom_field_answers",
    "exports",
)
JSON_DOC = sa.JSON(none_as_null=True).with_variant(pg.JSONB(none_as_null=True), "postgresql")


def _tenant_columns(table: str) -> list[Any]:
    return [
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f(f"ck_{table}_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f(f"fk_{table}_org_id_organisations")),
    ]


def _same_tenant(column: str, target: str, name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column, "org_id", "mode"], [f"{target}.id", f"{target}.org_id", f"{target}.mode"], name=name
    )


def _id_table(table: str, *columns: Any) -> None:
    """A table with an integer id unique with its tenant (so others can refer to it)."""
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant_columns(table),
        *columns,
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f(f"uq_{table}_id_org_id_mode")),
        sqlite_autoincrement=True,
    )


def upgrade() -> None:
    _id_table(
        "decisions",
        sa.Column("cycle", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("outcome IN ('admit', 'deny', 'withdraw', 'none')", name=op.f("ck_decisions_outcome")),
        sa.UniqueConstraint("org_id", "mode", "cycle", "name", name=op.f("uq_decisions_org_id_mode_cycle_name")),
    )
    _id_table(
        "local_statuses",
        sa.Column("cycle", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "mode", "cycle", "title", name=op.f("uq_local_statuses_org_id_mode_cycle_title")),
    )
    _id_table(
        "applicants",
        sa.Column("cycle", sa.Text(), nullable=False),
        sa.Column("cas_id", sa.String(length=20), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("org_id", "mode", "cycle", "cas_id", name=op.f("uq_applicants_org_id_mode_cycle_cas_id")),
    )
    _id_table(
        "designations",
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("local_status_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("applicant_id", "listing_id", name=op.f("uq_designations_applicant_id_listing_id")),
        _same_tenant("applicant_id", "applicants", "fk_designations_applicant_same_tenant"),
        _same_tenant("listing_id", "listings", "fk_designations_listing_same_tenant"),
        _same_tenant("decision_id", "decisions", "fk_designations_decision_same_tenant"),
        _same_tenant("local_status_id", "local_statuses", "fk_designations_local_status_same_tenant"),
    )
    op.create_index("ix_designations_listing", "designations", ["listing_id", "id"])
    _id_table(
        "custom_fields",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("field_type", sa.String(length=7), nullable=False),
        sa.Column("options", JSON_DOC, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "field_type IN ('boolean', 'number', 'date', 'string', 'select')", name=op.f("ck_custom_fields_field_type")
        ),
        _same_tenant("listing_id", "listings", "fk_custom_fields_listing_same_tenant"),
    )
    op.create_index("ix_custom_fields_listing", "custom_fields", ["listing_id", "id"])
    op.create_table(
        "custom_field_answers",
        sa.Column("designation_id", sa.Integer(), nullable=False),
        sa.Column("custom_field_id", sa.Integer(), nullable=False),
        *_tenant_columns("custom_field_answers"),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("designation_id", "custom_field_id", name=op.f("pk_custom_field_answers")),
        _same_tenant("designation_id", "designations", "fk_custom_field_answers_designation_same_tenant"),
        _same_tenant("custom_field_id", "custom_fields", "fk_custom_field_answers_field_same_tenant"),
    )
    _id_table(
        "exports",
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("list_type", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("list_type IN ('all')", name=op.f("ck_exports_list_type")),
        sa.CheckConstraint("format IN ('Comma-Separated Values')", name=op.f("ck_exports_format")),
        _same_tenant("identity_id", "identities", "fk_exports_identity_same_tenant"),
    )
    op.create_index("ix_exports_tenant", "exports", ["org_id", "mode", "id"])
    op.create_table(
        "export_file_parts",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        *_tenant_columns("export_file_parts"),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_export_file_parts")),
        _same_tenant("job_id", "jobs", "fk_export_file_parts_job_same_tenant"),
    )
    track_version_only(*NEW_TRACKED)


def downgrade() -> None:
    untrack(*NEW_TRACKED)
    op.drop_table("export_file_parts")
    op.drop_index("ix_exports_tenant", table_name="exports")
    op.drop_table("exports")
    op.drop_table("custom_field_answers")
    op.drop_index("ix_custom_fields_listing", table_name="custom_fields")
    op.drop_table("custom_fields")
    op.drop_index("ix_designations_listing", table_name="designations")
    op.drop_table("designations")
    op.drop_table("applicants")
    op.drop_table("local_statuses")
    op.drop_table("decisions")
