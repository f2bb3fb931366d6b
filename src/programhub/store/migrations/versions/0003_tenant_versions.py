"""Per-tenant data versions (core/versions.py), kept by triggers on every tenant data
table; also joins the three 0002 heads into one line.

The triggers must be recreated by any later migration that rebuilds a tracked table on
SQLite (batch mode copies tables without their triggers); tests/core/test_versions.py
fails if a tracked table stops bumping the version.

Revision ID: 0003_tenant_versions
Revises: 0002_catalog, 0002_sunbird, 0002_webadmit
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_tenant_versions"
down_revision: str | Sequence[str] | None = ("0002_catalog", "0002_sunbird", "0002_webadmit")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRACKED = (
    "catalogs",
    "credential_batches",
    "credential_recipients",
    "identities",
    "identity_programs",
    "listings",
    "nomination_roles",
    "nominations",
    "program_facets",
    "requirements",
)
EVENTS = {"INSERT": "NEW", "UPDATE": "NEW", "DELETE": "OLD"}


def upgrade() -> None:
    op.create_table(
        "tenant_versions",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_tenant_versions_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_tenant_versions_org_id_organisations")),
        sa.PrimaryKeyConstraint("org_id", "mode", name=op.f("pk_tenant_versions")),
    )
    op.execute(
        "INSERT INTO tenant_versions (org_id, mode, version) "
        "SELECT id, mode, 0 FROM organisations CROSS JOIN (SELECT 'test' AS mode UNION ALL SELECT 'live') AS modes"
    )
    if op.get_bind().dialect.name == "postgresql":
        # One statement-level trigger per event; each tenant is bumped at most once per
        # transaction (a transaction-local setting remembers it), so a transaction of many
        # statements, or a driver that sends one INSERT per row, does not update the same
        # version row over and over.
        op.execute("""
CREATE FUNCTION bump_tenant_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched record;
    flag text;
BEGIN
    FOR touched IN SELECT DISTINCT org_id, mode FROM changed_rows LOOP
        flag := 'programhub.bumped_' || touched.org_id || '_' || touched.mode;
        IF coalesce(current_setting(flag, true), '') = '' THEN
            UPDATE tenant_versions SET version = version + 1
            WHERE org_id = touched.org_id AND mode = touched.mode;
            PERFORM set_config(flag, '1', true);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$""")
        for table in TRACKED:
            for event, row in EVENTS.items():
                op.execute(
                    f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {row} TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_tenant_versions()"
                )
        return
    for table in TRACKED:
        for event, row in EVENTS.items():
            op.execute(
                f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} BEGIN "
                f"UPDATE tenant_versions SET version = version + 1 WHERE org_id = {row}.org_id AND mode = {row}.mode; END"
            )


def downgrade() -> None:
    for table in TRACKED:
        for event in EVENTS:
            op.execute(
                f"DROP TRIGGER {table}_version_{event.lower()}"
                + (f" ON {table}" if op.get_bind().dialect.name == "postgresql" else "")
            )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION bump_tenant_versions()")
    op.drop_table("tenant_versions")
