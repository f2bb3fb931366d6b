"""Data-version triggers for tenant tables created by a migration (core/versions.py): each
insert, update and delete bumps the version of the tenants its rows belong to, once per
statement on PostgreSQL (the functions 0003_tenant_versions and 0019_user_nomination_versions
created), once per row on SQLite.

A migration that adds a table to `versions.TRACKED` calls `track` after creating it, and
`untrack` before dropping it. `track` is for every table but `nominations` and
`nomination_roles`: their triggers also bump the users' nomination versions (0019 made
them); a migration that rebuilds either on SQLite must recreate those, or cached lists of
a user's nominations go stale (`tests/core/test_versions.py` fails). Migrations written before 0019 call `track_version_only`:
before 0019 there was no `shared_version` to bump on SQLite (PostgreSQL's function is the
same name in both, and 0019 replaced its body)."""

from __future__ import annotations

from alembic import op

EVENTS = {"INSERT": "NEW", "UPDATE": "NEW", "DELETE": "OLD"}
# What a SQLite row trigger of a shared table runs, for the row `{row}` (NEW or OLD).
SQLITE_SHARED_BUMP = (
    "UPDATE tenant_versions SET version = version + 1, shared_version = shared_version + 1 "
    "WHERE org_id = {row}.org_id AND mode = {row}.mode;"
)
SQLITE_VERSION_BUMP = (
    "UPDATE tenant_versions SET version = version + 1 WHERE org_id = {row}.org_id AND mode = {row}.mode;"
)


def track(*tables: str) -> None:
    """Triggers bumping `version` and `shared_version` (tables other than nominations)."""
    _create(tables, SQLITE_SHARED_BUMP)


def track_version_only(*tables: str) -> None:
    """The triggers as migrations before 0019 created them."""
    _create(tables, SQLITE_VERSION_BUMP)


def _create(tables: tuple[str, ...], sqlite_bump: str) -> None:
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
                    f"{sqlite_bump.format(row=row)} END"
                )


def untrack(*tables: str) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_version_{event.lower()}" + (f" ON {table}" if postgresql else ""))
