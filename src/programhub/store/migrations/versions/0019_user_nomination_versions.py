"""Users' nomination versions (issue 20, core/versions.py): a change to a nomination (or
its roles) bumps the tenant's `version` and the version of each user whose nomination it
is or who holds a role in it (before and after the change), no longer `shared_version`,
which every other tracked table bumps along with `version`. Sunbird's lists of one user's
nominations key their cached answers on the shared version and that user's, so one
contributor's nomination update keeps the other contributors' answers.

On SQLite every tracked table's row triggers are recreated (the shared tables bump both
numbers); on PostgreSQL `bump_tenant_versions()` bumps both, and the two nomination tables
get `bump_user_nomination_versions()`, with a second UPDATE trigger that sees the old rows.

Revision ID: 0019_user_nomination_versions
Revises: 0018_rendering_keys
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from programhub.store.migrations.tracking import EVENTS, SQLITE_SHARED_BUMP, SQLITE_VERSION_BUMP

revision: str = "0019_user_nomination_versions"
down_revision: str | Sequence[str] | None = "0018_rendering_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# versions.TRACKED as this release has it (a migration must not import the code it migrates).
SHARED = (
    "admissions_enrollments",
    "catalogs",
    "certificate_awards",
    "certificates",
    "credential_batches",
    "credential_recipients",
    "identities",
    "identity_programs",
    "listings",
    "program_facets",
    "program_preferences",
    "requirements",
    "signed_credentials",
    "signing_keys",
    "status_lists",
    "enrollments",
    "learners",
    "waitlist_applicants",
    "applicants",
    "custom_field_answers",
    "custom_fields",
    "decisions",
    "designations",
    "exports",
    "local_statuses",
)
NOMINATION_TABLES = ("nominations", "nomination_roles")

# The users a row `{row}` of each nomination table concerns: the nomination's user and its
# role holders (SQLite reads them one row at a time).
SQLITE_USERS = {
    "nominations": (
        "SELECT {row}.org_id, {row}.mode, {row}.user_id, 1 WHERE {row}.user_id IS NOT NULL",
        "SELECT DISTINCT org_id, mode, user_id, 1 FROM nomination_roles WHERE nomination_id = {row}.id",
    ),
    "nomination_roles": (
        "SELECT {row}.org_id, {row}.mode, {row}.user_id, 1 WHERE {row}.user_id IS NOT NULL",
        "SELECT org_id, mode, user_id, 1 FROM nominations WHERE id = {row}.nomination_id AND user_id IS NOT NULL",
    ),
}
SQLITE_USER_BUMP = (
    "INSERT INTO user_nomination_versions (org_id, mode, user_id, version) {users} "
    "ON CONFLICT (org_id, mode, user_id) DO UPDATE SET version = version + 1;"
)

# The tenants of the statement's rows, each bumped once per transaction (a transaction-local
# setting remembers it): `version` alone (flag `bumped`) or with `shared_version` (flag
# `shared`, which implies `bumped`).
POSTGRESQL_SHARED = """
CREATE OR REPLACE FUNCTION bump_tenant_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched record;
    suffix text;
BEGIN
    FOR touched IN SELECT DISTINCT org_id, mode FROM changed_rows ORDER BY org_id, mode LOOP
        suffix := touched.org_id || '_' || touched.mode;
        IF coalesce(current_setting('programhub.shared_' || suffix, true), '') = '' THEN
            UPDATE tenant_versions SET version = version + 1, shared_version = shared_version + 1
            WHERE org_id = touched.org_id AND mode = touched.mode;
            PERFORM set_config('programhub.shared_' || suffix, '1', true);
            PERFORM set_config('programhub.bumped_' || suffix, '1', true);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$"""
# After the tenant (whose row lock every writer of the tenant takes first), the users' rows
# in one order: two writers of one tenant never wait for each other's user rows.
POSTGRESQL_USERS = """
CREATE FUNCTION bump_user_nomination_versions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched record;
    flag text;
BEGIN
    FOR touched IN SELECT DISTINCT org_id, mode FROM changed_rows ORDER BY org_id, mode LOOP
        flag := 'programhub.bumped_' || touched.org_id || '_' || touched.mode;
        IF coalesce(current_setting(flag, true), '') = '' THEN
            UPDATE tenant_versions SET version = version + 1
            WHERE org_id = touched.org_id AND mode = touched.mode;
            PERFORM set_config(flag, '1', true);
        END IF;
    END LOOP;
    IF TG_TABLE_NAME = 'nominations' THEN
        INSERT INTO user_nomination_versions AS known (org_id, mode, user_id, version)
        SELECT org_id, mode, user_id, 1 FROM (
            SELECT org_id, mode, user_id FROM changed_rows WHERE user_id IS NOT NULL
            UNION
            SELECT r.org_id, r.mode, r.user_id FROM changed_rows AS c JOIN nomination_roles AS r ON r.nomination_id = c.id
        ) AS concerned ORDER BY org_id, mode, user_id
        ON CONFLICT (org_id, mode, user_id) DO UPDATE SET version = known.version + 1;
    ELSE
        INSERT INTO user_nomination_versions AS known (org_id, mode, user_id, version)
        SELECT org_id, mode, user_id, 1 FROM (
            SELECT org_id, mode, user_id FROM changed_rows
            UNION
            SELECT n.org_id, n.mode, n.user_id FROM changed_rows AS c JOIN nominations AS n ON n.id = c.nomination_id
            WHERE n.user_id IS NOT NULL
        ) AS concerned ORDER BY org_id, mode, user_id
        ON CONFLICT (org_id, mode, user_id) DO UPDATE SET version = known.version + 1;
    END IF;
    RETURN NULL;
END
$$"""
POSTGRESQL_VERSION_ONLY = """
CREATE OR REPLACE FUNCTION bump_tenant_versions() RETURNS trigger LANGUAGE plpgsql AS $$
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
$$"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _drop_triggers(tables: Sequence[str]) -> None:
    for table in tables:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_version_{event.lower()}" + (f" ON {table}" if _postgresql() else ""))


def _postgresql_trigger(table: str, name: str, event: str, row: str, function: str) -> None:
    op.execute(
        f"CREATE TRIGGER {name} AFTER {event} ON {table} "
        f"REFERENCING {row} TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


def _sqlite_trigger(table: str, event: str, body: str) -> None:
    op.execute(f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} BEGIN {body} END")


def upgrade() -> None:
    op.add_column("tenant_versions", sa.Column("shared_version", sa.BigInteger(), server_default="0", nullable=False))
    op.execute("UPDATE tenant_versions SET shared_version = version")
    op.create_table(
        "user_nomination_versions",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_user_nomination_versions_mode")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_user_nomination_versions_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("org_id", "mode", "user_id", name=op.f("pk_user_nomination_versions")),
    )
    if _postgresql():
        op.execute(POSTGRESQL_SHARED)
        op.execute(POSTGRESQL_USERS)
        _drop_triggers(NOMINATION_TABLES)
        for table in NOMINATION_TABLES:
            for event, row in EVENTS.items():
                _postgresql_trigger(
                    table, f"{table}_version_{event.lower()}", event, row, "bump_user_nomination_versions"
                )
            _postgresql_trigger(table, f"{table}_version_update_old", "UPDATE", "OLD", "bump_user_nomination_versions")
        return
    _drop_triggers((*SHARED, *NOMINATION_TABLES))
    for table in SHARED:
        for event, row in EVENTS.items():
            _sqlite_trigger(table, event, SQLITE_SHARED_BUMP.format(row=row))
    for table in NOMINATION_TABLES:
        for event, row in EVENTS.items():
            changed = ("OLD", "NEW") if event == "UPDATE" else (row,)
            users = " ".join(
                SQLITE_USER_BUMP.format(users=select.format(row=version))
                for version in changed
                for select in SQLITE_USERS[table]
            )
            _sqlite_trigger(table, event, SQLITE_VERSION_BUMP.format(row=row) + " " + users)


def downgrade() -> None:
    if _postgresql():
        _drop_triggers(NOMINATION_TABLES)
        for table in NOMINATION_TABLES:
            op.execute(f"DROP TRIGGER {table}_version_update_old ON {table}")
            for event, row in EVENTS.items():
                _postgresql_trigger(table, f"{table}_version_{event.lower()}", event, row, "bump_tenant_versions")
        op.execute("DROP FUNCTION bump_user_nomination_versions()")
        op.execute(POSTGRESQL_VERSION_ONLY)
    else:
        _drop_triggers((*SHARED, *NOMINATION_TABLES))
        for table in (*SHARED, *NOMINATION_TABLES):
            for event, row in EVENTS.items():
                _sqlite_trigger(table, event, SQLITE_VERSION_BUMP.format(row=row))
    op.drop_table("user_nomination_versions")
    op.drop_column("tenant_versions", "shared_version")
