"""Canvas Catalog: a catalog's Canvas instance (domain and id), shown in its account
object; an index that serves the default program and course lists in their order; and
per-tenant counts of live listings, kept by triggers, so those lists count their pages
without scanning.

Revision ID: 0002_catalog
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_catalog"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "deleted_at IS NULL AND status != 'retired'"
# The columns whose change can move a listing in or out of a count.
COUNTED = "deleted_at, status, list_order, kind, org_id, mode"


def _count(row: str, sign: str) -> str:
    """SQL that adds (sign "+") or removes ("-") the listing `row` (NEW or OLD) from its count."""
    return (
        f"UPDATE listing_counts SET listed = listed {sign} 1, "
        f"listed_with_order = listed_with_order {sign} (CASE WHEN {row}.list_order IS NULL THEN 0 ELSE 1 END) "
        f"WHERE org_id = {row}.org_id AND mode = {row}.mode AND kind = {row}.kind;"
    )


def _ensure_row(row: str) -> str:
    insert = "INSERT OR IGNORE INTO" if op.get_bind().dialect.name == "sqlite" else "INSERT INTO"
    conflict = "" if op.get_bind().dialect.name == "sqlite" else " ON CONFLICT DO NOTHING"
    return (
        f"{insert} listing_counts (org_id, mode, kind, listed, listed_with_order) "
        f"VALUES ({row}.org_id, {row}.mode, {row}.kind, 0, 0){conflict};"
    )


def _live(row: str) -> str:
    return f"{row}.deleted_at IS NULL AND {row}.status != 'retired'"


def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
CREATE FUNCTION listing_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND {_live("OLD")} THEN
        {_count("OLD", "-")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND {_live("NEW")} THEN
        {_ensure_row("NEW")}
        {_count("NEW", "+")}
    END IF;
    RETURN NULL;
END
$$""")
        op.execute(
            f"CREATE TRIGGER listing_counts_track AFTER INSERT OR DELETE OR UPDATE OF {COUNTED} ON listings "
            "FOR EACH ROW EXECUTE FUNCTION listing_counts_track()"
        )
        return
    op.execute(
        f"CREATE TRIGGER listing_counts_insert AFTER INSERT ON listings WHEN {_live('NEW')} "
        f"BEGIN {_ensure_row('NEW')} {_count('NEW', '+')} END"
    )
    op.execute(
        f"CREATE TRIGGER listing_counts_delete AFTER DELETE ON listings WHEN {_live('OLD')} "
        f"BEGIN {_count('OLD', '-')} END"
    )
    op.execute(
        f"CREATE TRIGGER listing_counts_leave AFTER UPDATE OF {COUNTED} ON listings WHEN {_live('OLD')} "
        f"BEGIN {_count('OLD', '-')} END"
    )
    op.execute(
        f"CREATE TRIGGER listing_counts_enter AFTER UPDATE OF {COUNTED} ON listings WHEN {_live('NEW')} "
        f"BEGIN {_ensure_row('NEW')} {_count('NEW', '+')} END"
    )


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER listing_counts_track ON listings")
        op.execute("DROP FUNCTION listing_counts_track()")
        return
    for name in ("insert", "delete", "leave", "enter"):
        op.execute(f"DROP TRIGGER listing_counts_{name}")


def upgrade() -> None:
    with op.batch_alter_table("catalogs") as batch:
        batch.add_column(sa.Column("canvas_domain", sa.Text(), nullable=True))
        batch.add_column(sa.Column("canvas_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_listings_catalog_list",
        "listings",
        ["org_id", "mode", "kind", "list_order", "id"],
        unique=False,
        sqlite_where=sa.text(LIVE),
        postgresql_where=sa.text(LIVE),
    )
    op.create_table(
        "listing_counts",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=4), nullable=False),
        sa.Column("kind", sa.String(length=7), nullable=False),
        sa.Column("listed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("listed_with_order", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("mode IN ('test', 'live')", name=op.f("ck_listing_counts_mode")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_listing_counts_org_id_organisations")),
        sa.PrimaryKeyConstraint("org_id", "mode", "kind", name=op.f("pk_listing_counts")),
    )
    op.execute(
        "INSERT INTO listing_counts (org_id, mode, kind, listed, listed_with_order) "
        f"SELECT org_id, mode, kind, count(*), count(list_order) FROM listings WHERE {LIVE} GROUP BY org_id, mode, kind"
    )
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    op.drop_table("listing_counts")
    op.drop_index(
        "ix_listings_catalog_list", table_name="listings", sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE)
    )
    with op.batch_alter_table("catalogs") as batch:
        batch.drop_column("canvas_id")
        batch.drop_column("canvas_domain")
