"""Data-version triggers for tenant tables created by a migration (core/versions.py): each
insert, update and delete bumps the version of the tenants its rows belong to, once per
statement on PostgreSQL (the function 0003_tenant_versions created), once per row on SQLite.

A migration that adds a table to `versions.TRACKED` calls `track` after creating it, and
`untrack` before dropping it."""

from __future__ import annotations

from alembic import op

EVENTS = {"INSERT": "NEW", "UPDATE": "NEW", "DELETE": "OLD"}


def track(*tables: str) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        for event, row in EVENTS.items():
            if postgresql:
                op.execute(
                    f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} "
                    f"REFERENCING {row} TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION bump_tenant_versions()"
                )
            else:
                op.execute(
                    f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} BEGIN "
                    f"UPDATE tenant_versions SET version = version + 1 WHERE org_id = {row}.org_id AND mode = {row}.mode; END"
                )


def untrack(*tables: str) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_version_{event.lower()}" + (f" ON {table}" if postgresql else ""))
