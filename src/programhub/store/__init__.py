"""Storage: engines, transactions and migrations. SQLite by default, PostgreSQL by URL."""

from programhub.store.engine import Store, open_store

__all__ = ["Store", "open_store"]
