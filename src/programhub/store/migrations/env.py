"""Alembic environment: runs against the Store handed over in `config.attributes`."""

from __future__ import annotations

from alembic import context

from programhub.core.tables import metadata
from programhub.store.engine import Store

store: Store = context.config.attributes["store"]

with store.engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=store.is_sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
