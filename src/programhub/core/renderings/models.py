from __future__ import annotations

from sqlalchemy import Column, Integer, PrimaryKeyConstraint, String, Table, Text

from programhub.core.db import metadata, tenant_columns

# One row per object and face: the object's wire form for that face, as up to three pieces
# of JSON text that a reader splices with what only a request knows (the public URL, a
# program's derived credits, the requirements nested inside it). `version` names the
# renderer that wrote it; a reader ignores a row another renderer wrote.
renderings = Table(
    "renderings",
    metadata,
    Column("source", String(16), nullable=False),  # the table of the object: listings, nominations
    Column("face", String(48), nullable=False),
    Column("source_id", Integer, nullable=False),
    *tenant_columns(),
    Column("version", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("middle", Text),
    Column("tail", Text),
    PrimaryKeyConstraint("source", "face", "source_id"),
)
