"""Storage: engines, transactions and migrations. SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from programhub.settings import Settings
from programhub.store.engine import Store, open_store


def open_settings_store(settings: Settings) -> Store:
    """The store the settings name, with their connection budget and pooler."""
    return open_store(settings.database_url, connections=settings.database_connections, pooler=settings.database_pooler)


__all__ = ["Store", "open_settings_store", "open_store"]
