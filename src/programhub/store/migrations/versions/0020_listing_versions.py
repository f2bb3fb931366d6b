"""Listing versions (issue 20, core/listings/shown.py): the tenant version at which each
listing last changed as an answer shows it (its row, its requirement list, its catalog),
and per tenant and kind the version at which the default lists last changed order or
membership (`listing_counts.order_version`: a listing added, deleted, archived or given
another list_order). A cached Catalog answer made at version V still stands while none
of the listings it shows, nor its list's order, changed after V: one rename no longer
throws away every other page.

Both are kept by triggers, so no write path can forget them. The version a trigger
records is the tenant's as its transaction holds it: on PostgreSQL the tenant's version
row is bumped (and so locked) first if this transaction has not bumped it yet
(`tenant_version_for_change`, the flag of `bump_tenant_versions`); SQLite, whose writers
are serialised, bumps it in each trigger. Either way the recorded version is above every
version committed before the change, and at most the one the transaction commits.

Revision ID: 0020_listing_versions
Revises: 0019_user_nomination_versions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_listing_versions"
down_revision: str | Sequence[str] | None = "0019_user_nomination_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What moves a listing in or out of a default list, or within it.
ORDERED = ("deleted_at", "status", "list_order", "kind")

POSTGRESQL_FUNCTIONS = (
    """
CREATE FUNCTION tenant_version_for_change(changed_org integer, changed_mode text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    suffix text := changed_org || '_' || changed_mode;
    found bigint;
BEGIN
    -- As bump_tenant_versions does for the shared tables (these are): once per transaction.
    IF coalesce(current_setting('programhub.bumped_' || suffix, true), '') = '' THEN
        UPDATE tenant_versions SET version = version + 1, shared_version = shared_version + 1
        WHERE org_id = changed_org AND mode = changed_mode RETURNING version INTO found;
        PERFORM set_config('programhub.shared_' || suffix, '1', true);
        PERFORM set_config('programhub.bumped_' || suffix, '1', true);
    ELSE
        SELECT version INTO found FROM tenant_versions WHERE org_id = changed_org AND mode = changed_mode;
    END IF;
    RETURN found;
END
$$""",
    """
CREATE FUNCTION listing_versions_of_listings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO listing_versions AS known (listing_id, org_id, mode, version)
    SELECT id, org_id, mode, tenant_version_for_change(org_id, mode) FROM changed_rows ORDER BY id
    ON CONFLICT (listing_id) DO UPDATE SET version = excluded.version;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO listing_counts AS counted (org_id, mode, kind, order_version)
        SELECT org_id, mode, kind, tenant_version_for_change(org_id, mode) FROM (
            SELECT n.org_id, n.mode, n.kind FROM changed_rows AS n JOIN old_rows AS o ON o.id = n.id
            WHERE (n.deleted_at, n.status, n.list_order, n.kind) IS DISTINCT FROM (o.deleted_at, o.status, o.list_order, o.kind)
            UNION
            SELECT o.org_id, o.mode, o.kind FROM changed_rows AS n JOIN old_rows AS o ON o.id = n.id
            WHERE n.kind <> o.kind
        ) AS moved ORDER BY org_id, mode, kind
        ON CONFLICT (org_id, mode, kind) DO UPDATE SET order_version = excluded.order_version;
    ELSE
        INSERT INTO listing_counts AS counted (org_id, mode, kind, order_version)
        SELECT org_id, mode, kind, tenant_version_for_change(org_id, mode)
        FROM (SELECT DISTINCT org_id, mode, kind FROM changed_rows) AS moved ORDER BY org_id, mode, kind
        ON CONFLICT (org_id, mode, kind) DO UPDATE SET order_version = excluded.order_version;
    END IF;
    RETURN NULL;
END
$$""",
    """
CREATE FUNCTION listing_versions_of_requirements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO listing_versions AS known (listing_id, org_id, mode, version)
    SELECT program_id, org_id, mode, tenant_version_for_change(org_id, mode)
    FROM (SELECT DISTINCT program_id, org_id, mode FROM changed_rows) AS programs ORDER BY program_id
    ON CONFLICT (listing_id) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END
$$""",
    """
CREATE FUNCTION listing_versions_of_catalogs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO listing_versions AS known (listing_id, org_id, mode, version)
    SELECT l.id, l.org_id, l.mode, tenant_version_for_change(l.org_id, l.mode)
    FROM listings AS l JOIN changed_rows AS c ON l.catalog_id = c.id ORDER BY l.id
    ON CONFLICT (listing_id) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END
$$""",
)
POSTGRESQL_TRIGGERS = (
    "CREATE TRIGGER listings_shown_insert AFTER INSERT ON listings REFERENCING NEW TABLE AS changed_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION listing_versions_of_listings()",
    "CREATE TRIGGER listings_shown_update AFTER UPDATE ON listings "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION listing_versions_of_listings()",
    "CREATE TRIGGER listings_shown_delete AFTER DELETE ON listings REFERENCING OLD TABLE AS changed_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION listing_versions_of_listings()",
    *(
        f"CREATE TRIGGER requirements_shown_{name} AFTER {event} ON requirements REFERENCING {row} TABLE AS changed_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION listing_versions_of_requirements()"
        for name, event, row in (
            ("insert", "INSERT", "NEW"),
            ("update", "UPDATE", "NEW"),
            ("update_old", "UPDATE", "OLD"),
            ("delete", "DELETE", "OLD"),
        )
    ),
    *(
        f"CREATE TRIGGER catalogs_shown_{event.lower()} AFTER {event} ON catalogs REFERENCING {row} TABLE AS changed_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION listing_versions_of_catalogs()"
        for event, row in (("UPDATE", "NEW"), ("DELETE", "OLD"))
    ),
)
POSTGRESQL_DROPS = (
    *(f"DROP TRIGGER listings_shown_{event} ON listings" for event in ("insert", "update", "delete")),
    *(
        f"DROP TRIGGER requirements_shown_{name} ON requirements"
        for name in ("insert", "update", "update_old", "delete")
    ),
    *(f"DROP TRIGGER catalogs_shown_{event} ON catalogs" for event in ("update", "delete")),
    "DROP FUNCTION listing_versions_of_catalogs()",
    "DROP FUNCTION listing_versions_of_requirements()",
    "DROP FUNCTION listing_versions_of_listings()",
    "DROP FUNCTION tenant_version_for_change(integer, text)",
)

# SQLite, for the row `{row}` (NEW or OLD) of the table its statements name.
SQLITE_BUMP = "UPDATE tenant_versions SET version = version + 1 WHERE org_id = {row}.org_id AND mode = {row}.mode;"
SQLITE_VERSION = "(SELECT version FROM tenant_versions WHERE org_id = {row}.org_id AND mode = {row}.mode)"
SQLITE_LISTING = (
    "INSERT INTO listing_versions (listing_id, org_id, mode, version) "
    "SELECT {listing}, {row}.org_id, {row}.mode, " + SQLITE_VERSION + " WHERE true "
    "ON CONFLICT (listing_id) DO UPDATE SET version = excluded.version;"
)
SQLITE_ORDER = (
    "INSERT INTO listing_counts (org_id, mode, kind, order_version) "
    "SELECT {row}.org_id, {row}.mode, {row}.kind, " + SQLITE_VERSION + " WHERE true "
    "ON CONFLICT (org_id, mode, kind) DO UPDATE SET order_version = excluded.order_version;"
)
SQLITE_CATALOG = (
    "INSERT INTO listing_versions (listing_id, org_id, mode, version) "
    "SELECT id, org_id, mode, " + SQLITE_VERSION + " FROM listings WHERE catalog_id = {row}.id "
    "ON CONFLICT (listing_id) DO UPDATE SET version = excluded.version;"
)


def _sqlite_triggers() -> dict[str, str]:
    """Trigger name -> its definition."""
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in ORDERED)
    listing = {row: SQLITE_LISTING.format(listing=f"{row}.id", row=row) for row in ("NEW", "OLD")}
    program = {row: SQLITE_LISTING.format(listing=f"{row}.program_id", row=row) for row in ("NEW", "OLD")}
    order = {row: SQLITE_ORDER.format(row=row) for row in ("NEW", "OLD")}
    bump = {row: SQLITE_BUMP.format(row=row) for row in ("NEW", "OLD")}
    return {
        "listings_shown_insert": f"AFTER INSERT ON listings BEGIN {bump['NEW']} {listing['NEW']} {order['NEW']} END",
        "listings_shown_update": f"AFTER UPDATE ON listings BEGIN {bump['NEW']} {listing['NEW']} END",
        "listings_shown_reorder": (
            f"AFTER UPDATE OF {', '.join(ORDERED)} ON listings WHEN {changed} "
            f"BEGIN {bump['NEW']} {order['NEW']} {order['OLD']} END"
        ),
        "listings_shown_delete": f"AFTER DELETE ON listings BEGIN {bump['OLD']} {listing['OLD']} {order['OLD']} END",
        "requirements_shown_insert": f"AFTER INSERT ON requirements BEGIN {bump['NEW']} {program['NEW']} END",
        "requirements_shown_update": (
            f"AFTER UPDATE ON requirements BEGIN {bump['NEW']} {program['OLD']} {program['NEW']} END"
        ),
        "requirements_shown_delete": f"AFTER DELETE ON requirements BEGIN {bump['OLD']} {program['OLD']} END",
        "catalogs_shown_update": (
            f"AFTER UPDATE ON catalogs BEGIN {bump['NEW']} {SQLITE_CATALOG.format(row='NEW')} END"
        ),
        "catalogs_shown_delete": (
            f"AFTER DELETE ON catalogs BEGIN {bump['OLD']} {SQLITE_CATALOG.format(row='OLD')} END"
        ),
    }


def upgrade() -> None:
    op.create_table(
        "listing_versions",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_listing_versions_mode")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_listing_versions_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("listing_id", name=op.f("pk_listing_versions")),
    )
    # Not a batch: on SQLite that rebuilds the table, under the triggers of 0002 that name it.
    op.add_column("listing_counts", sa.Column("order_version", sa.BigInteger(), server_default="0", nullable=False))
    op.execute(
        "INSERT INTO listing_versions (listing_id, org_id, mode, version) "
        "SELECT l.id, l.org_id, l.mode, v.version FROM listings AS l "
        "JOIN tenant_versions AS v ON v.org_id = l.org_id AND v.mode = l.mode"
    )
    op.execute(
        "UPDATE listing_counts SET order_version = (SELECT version FROM tenant_versions AS v "
        "WHERE v.org_id = listing_counts.org_id AND v.mode = listing_counts.mode)"
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in (*POSTGRESQL_FUNCTIONS, *POSTGRESQL_TRIGGERS):
            op.execute(statement)
        return
    for name, definition in _sqlite_triggers().items():
        op.execute(f"CREATE TRIGGER {name} {definition}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRESQL_DROPS:
            op.execute(statement)
    else:
        for name in _sqlite_triggers():
            op.execute(f"DROP TRIGGER {name}")
    op.execute("ALTER TABLE listing_counts DROP COLUMN order_version")
    op.drop_table("listing_versions")
