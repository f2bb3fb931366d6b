"""Initial schema: every table of the core model.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# JSONB on PostgreSQL, JSON (text) on SQLite.
JSON_DOC = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), server_default="active", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('active', 'suspended')", name=op.f("ck_organisations_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("public_id", name=op.f("uq_organisations_public_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_api_keys_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_api_keys_org_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("public_id", name=op.f("uq_api_keys_public_id")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_keys_secret_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_api_keys_org_id_mode"), "api_keys", ["org_id", "mode"], unique=False)
    op.create_table(
        "catalogs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("settings", JSON_DOC, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_catalogs_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_catalogs_org_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogs")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_catalogs_id_org_id_mode")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_catalogs_default",
        "catalogs",
        ["org_id", "mode"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_idempotency_keys_mode")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_idempotency_keys_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("org_id", "mode", "scope", "key", name=op.f("uq_idempotency_keys_org_id_mode_scope_key")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("association", sa.Text(), nullable=True),
        sa.Column("institution", sa.Text(), nullable=True),
        sa.Column("organization", sa.Text(), nullable=True),
        sa.Column("cycle", sa.Text(), nullable=False),
        sa.Column("limited", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_identities_mode")),
        sa.CheckConstraint(
            "type IN ('Admissions User', 'Association User', 'Institution User')", name=op.f("ck_identities_type")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_identities_org_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_identities_id_org_id_mode")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("kind", sa.String(length=7), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=8), server_default="live", nullable=False),
        sa.Column("start_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("image", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("catalog_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sa.String(length=16), server_default="listed", nullable=False),
        sa.Column("short_description", sa.Text(), nullable=True),
        sa.Column("listing_path", sa.Text(), nullable=False),
        sa.Column("image_alt_text", sa.Text(), nullable=True),
        sa.Column("enrollment_open", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("enrollment_open_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrollment_open_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrollment_cap", sa.Integer(), nullable=True),
        sa.Column("enrollment_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("waitlist", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("waitlist_cap", sa.Integer(), nullable=True),
        sa.Column("enrollment_fee_cents", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("credits", sa.Numeric(precision=10, scale=2, asdecimal=False), nullable=True),
        sa.Column("measurement", sa.String(length=16), server_default="credit", nullable=False),
        sa.Column("list_order", sa.Integer(), nullable=True),
        sa.Column("sku", sa.Text(), nullable=True),
        sa.Column("show_free_banner", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("allowed_payment_types", JSON_DOC, nullable=False),
        sa.Column("tag_names", JSON_DOC, nullable=False),
        sa.Column("associated_account_ids", JSON_DOC, nullable=False),
        sa.Column("days_to_complete", sa.Integer(), nullable=True),
        sa.Column("canvas_section_id", sa.Integer(), nullable=True),
        sa.Column("canvas_course_id", sa.Integer(), nullable=True),
        sa.Column("sequential", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("program_type", sa.String(length=10), server_default="public", nullable=False),
        sa.Column("nomination_enddate", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shortlisting_enddate", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_submission_enddate", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_types", JSON_DOC, nullable=True),
        sa.Column("collection_ids", JSON_DOC, nullable=True),
        sa.Column("target_collection_category", JSON_DOC, nullable=True),
        sa.Column("rolemapping", JSON_DOC, nullable=True),
        sa.Column("config", JSON_DOC, nullable=True),
        sa.Column("slug", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("template_id", sa.Text(), nullable=True),
        sa.Column("guidelines_url", sa.Text(), nullable=True),
        sa.Column("rootorg_id", sa.Text(), nullable=True),
        sa.Column("sourcing_org_name", sa.Text(), nullable=True),
        sa.Column("createdby", sa.Text(), nullable=True),
        sa.Column("updatedby", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('program', 'course')", name=op.f("ck_listings_kind")),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_listings_mode")),
        sa.CheckConstraint(
            "program_type IN ('public', 'private', 'restricted')", name=op.f("ck_listings_program_type")
        ),
        sa.CheckConstraint("status IN ('draft', 'live', 'unlisted', 'retired')", name=op.f("ck_listings_status")),
        sa.ForeignKeyConstraint(
            ["catalog_id", "org_id", "mode"],
            ["catalogs.id", "catalogs.org_id", "catalogs.mode"],
            name="fk_listings_catalog_same_tenant",
        ),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_listings_org_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_listings_id_org_id_mode")),
        sa.UniqueConstraint("public_id", name=op.f("uq_listings_public_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_listings_uuid")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_listings_tenant_kind_created", "listings", ["org_id", "mode", "kind", "created_at"], unique=False
    )
    op.create_index("ix_listings_tenant_kind_id", "listings", ["org_id", "mode", "kind", "id"], unique=False)
    op.create_index(
        "ix_listings_tenant_kind_updated", "listings", ["org_id", "mode", "kind", "updated_at"], unique=False
    )
    op.create_index(
        "uq_listings_listing_path",
        "listings",
        ["catalog_id", "kind", "listing_path"],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "rate_limit_windows",
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_rate_limit_windows_api_key_id_api_keys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("api_key_id", "scope", "window_start", name=op.f("pk_rate_limit_windows")),
    )
    op.create_table(
        "credential_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="issued", nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_credential_batches_mode")),
        sa.ForeignKeyConstraint(
            ["listing_id", "org_id", "mode"],
            ["listings.id", "listings.org_id", "listings.mode"],
            name="fk_credential_batches_listing_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_credential_batches_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_batches")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_credential_batches_id_org_id_mode")),
        sa.UniqueConstraint("public_id", name=op.f("uq_credential_batches_public_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_credential_batches_tenant_issued", "credential_batches", ["org_id", "mode", "issued_at", "id"], unique=False
    )
    op.create_table(
        "identity_programs",
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_identity_programs_mode")),
        sa.ForeignKeyConstraint(
            ["identity_id", "org_id", "mode"],
            ["identities.id", "identities.org_id", "identities.mode"],
            name="fk_identity_programs_identity_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id", "org_id", "mode"],
            ["listings.id", "listings.org_id", "listings.mode"],
            name="fk_identity_programs_listing_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_identity_programs_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("identity_id", "listing_id", name=op.f("pk_identity_programs")),
    )
    op.create_table(
        "nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("organisation_id", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("content_types", JSON_DOC, nullable=True),
        sa.Column("collection_ids", JSON_DOC, nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("rolemapping", JSON_DOC, nullable=True),
        sa.Column("createdby", sa.Text(), nullable=True),
        sa.Column("updatedby", sa.Text(), nullable=True),
        sa.Column("createdon", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updatedon", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_nominations_mode")),
        sa.CheckConstraint(
            "status IN ('Pending', 'Approved', 'Rejected', 'Initiated')", name=op.f("ck_nominations_status")
        ),
        sa.CheckConstraint("user_id IS NOT NULL OR organisation_id IS NOT NULL", name=op.f("ck_nominations_nominee")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_nominations_org_id_organisations")),
        sa.ForeignKeyConstraint(
            ["program_id", "org_id", "mode"],
            ["listings.id", "listings.org_id", "listings.mode"],
            name="fk_nominations_program_same_tenant",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nominations")),
        sa.UniqueConstraint("id", "org_id", "mode", name=op.f("uq_nominations_id_org_id_mode")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_nominations_program_user", "nominations", ["program_id", "user_id"], unique=False)
    op.create_index(
        "ix_nominations_tenant_organisation",
        "nominations",
        ["org_id", "mode", "organisation_id", "status"],
        unique=False,
    )
    op.create_index("ix_nominations_tenant_user", "nominations", ["org_id", "mode", "user_id", "status"], unique=False)
    op.create_index(
        "uq_nominations_program_organisation",
        "nominations",
        ["program_id", "organisation_id"],
        unique=True,
        sqlite_where=sa.text("organisation_id IS NOT NULL"),
        postgresql_where=sa.text("organisation_id IS NOT NULL"),
    )
    op.create_index(
        "uq_nominations_program_user",
        "nominations",
        ["program_id", "user_id"],
        unique=True,
        sqlite_where=sa.text("organisation_id IS NULL"),
        postgresql_where=sa.text("organisation_id IS NULL"),
    )
    op.create_table(
        "program_facets",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("facet", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_program_facets_mode")),
        sa.ForeignKeyConstraint(
            ["listing_id", "org_id", "mode"],
            ["listings.id", "listings.org_id", "listings.mode"],
            name="fk_program_facets_listing_same_tenant",
        ),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_program_facets_org_id_organisations")),
        sa.PrimaryKeyConstraint("listing_id", "facet", "value", name=op.f("pk_program_facets")),
    )
    op.create_index(
        "ix_program_facets_lookup", "program_facets", ["org_id", "mode", "facet", "value", "listing_id"], unique=False
    )
    op.create_table(
        "requirements",
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_requirements_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_requirements_org_id_organisations")),
        sa.ForeignKeyConstraint(
            ["program_id", "org_id", "mode"],
            ["listings.id", "listings.org_id", "listings.mode"],
            name="fk_requirements_program_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["requirement_id", "org_id", "mode"],
            ["listings.id", "listings.org_id", "listings.mode"],
            name="fk_requirements_requirement_same_tenant",
        ),
        sa.PrimaryKeyConstraint("program_id", "position", name=op.f("pk_requirements")),
        sa.UniqueConstraint("program_id", "requirement_id", name=op.f("uq_requirements_program_id_requirement_id")),
    )
    op.create_index("ix_requirements_requirement_id", "requirements", ["requirement_id"], unique=False)
    op.create_table(
        "credential_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_credential_recipients_mode")),
        sa.ForeignKeyConstraint(
            ["batch_id", "org_id", "mode"],
            ["credential_batches.id", "credential_batches.org_id", "credential_batches.mode"],
            name="fk_credential_recipients_batch_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_credential_recipients_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_recipients")),
        sa.UniqueConstraint("batch_id", "position", name=op.f("uq_credential_recipients_batch_id_position")),
        sa.UniqueConstraint("public_id", name=op.f("uq_credential_recipients_public_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "nomination_roles",
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_nomination_roles_mode")),
        sa.ForeignKeyConstraint(
            ["nomination_id", "org_id", "mode"],
            ["nominations.id", "nominations.org_id", "nominations.mode"],
            name="fk_nomination_roles_nomination_same_tenant",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_nomination_roles_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("nomination_id", "role", "user_id", name=op.f("pk_nomination_roles")),
    )
    op.create_index(
        "ix_nomination_roles_user",
        "nomination_roles",
        ["org_id", "mode", "user_id", "role", "nomination_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_nomination_roles_user", table_name="nomination_roles")
    op.drop_table("nomination_roles")
    op.drop_table("credential_recipients")
    op.drop_index("ix_requirements_requirement_id", table_name="requirements")
    op.drop_table("requirements")
    op.drop_index("ix_program_facets_lookup", table_name="program_facets")
    op.drop_table("program_facets")
    op.drop_index(
        "uq_nominations_program_user",
        table_name="nominations",
        sqlite_where=sa.text("organisation_id IS NULL"),
        postgresql_where=sa.text("organisation_id IS NULL"),
    )
    op.drop_index(
        "uq_nominations_program_organisation",
        table_name="nominations",
        sqlite_where=sa.text("organisation_id IS NOT NULL"),
        postgresql_where=sa.text("organisation_id IS NOT NULL"),
    )
    op.drop_index("ix_nominations_tenant_user", table_name="nominations")
    op.drop_index("ix_nominations_tenant_organisation", table_name="nominations")
    op.drop_index("ix_nominations_program_user", table_name="nominations")
    op.drop_table("nominations")
    op.drop_table("identity_programs")
    op.drop_index("ix_credential_batches_tenant_issued", table_name="credential_batches")
    op.drop_table("credential_batches")
    op.drop_table("rate_limit_windows")
    op.drop_index(
        "uq_listings_listing_path",
        table_name="listings",
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_listings_tenant_kind_updated", table_name="listings")
    op.drop_index("ix_listings_tenant_kind_id", table_name="listings")
    op.drop_index("ix_listings_tenant_kind_created", table_name="listings")
    op.drop_table("listings")
    op.drop_table("identities")
    op.drop_table("idempotency_keys")
    op.drop_index(
        "uq_catalogs_default",
        table_name="catalogs",
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )
    op.drop_table("catalogs")
    op.drop_index(op.f("ix_api_keys_org_id_mode"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("organisations")
