"""Apply the Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from programhub.store.engine import Store

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(store: Store) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["store"] = store
    return config


def upgrade(store: Store) -> None:
    """Bring the schema to the newest revision (every head, if branches exist)."""
    changed = not is_current(store)
    command.upgrade(alembic_config(store), "heads")
    if changed:
        _refresh_sqlite_statistics(store)


def _refresh_sqlite_statistics(store: Store) -> None:
    """On a SQLite database someone analyzed (it has `sqlite_stat1`), analyze again after a
    migration: SQLite takes an index without statistics beside indexes with them for the
    most selective, and a new index then wins plans it should not (a page sorting every
    program instead of walking its order's index: 186 ms against 10 at 50,000 programs).
    A database never analyzed keeps SQLite's even-handed defaults. PostgreSQL analyzes by
    itself."""
    if store.engine.dialect.name != "sqlite":
        return
    with store.engine.begin() as conn:
        analyzed = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
        if analyzed is not None:
            conn.exec_driver_sql("PRAGMA analysis_limit = 1000")  # approximate, and quick on any size
            conn.exec_driver_sql("ANALYZE")


def is_current(store: Store) -> bool:
    script = ScriptDirectory.from_config(alembic_config(store))
    with store.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == set(script.get_heads())
