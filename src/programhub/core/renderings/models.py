from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, PrimaryKeyConstraint, String, Table, Text

from programhub.core.db import metadata, tenant_columns

# One row per object and face: the object's wire form for that face, as up to three pieces
# of JSON text that a reader splices with what only a request knows (the public URL, a
# program's derived credits, the requirements nested inside it). `version` names the
# renderer that wrote it; a reader ignores a row another renderer wrote.
#
# The key is the face's code times 2**40 plus the object's id (`service.key_of`): one
# integer, which SQLite makes the table's rowid, so a reader finds a stored form in one
# B-tree instead of an index on (source, face, source_id) and then the table (a Sunbird
# page's 600 look-ups: 0.45 ms of its 2.7, bench/RESULTS.md run 11). A face's rows are
# contiguous, in id order.
renderings = Table(
    "renderings",
    metadata,
    Column("key", BigInteger().with_variant(Integer(), "sqlite"), nullable=False, autoincrement=False),
    Column("source", String(16), nullable=False),  # the table of the object: listings, nominations
    Column("face", String(48), nullable=False),
    Column("source_id", Integer, nullable=False),
    *tenant_columns(),
    Column("version", String(16), nullable=False),
    Column("body", Text, nullable=False),
    Column("middle", Text),
    Column("tail", Text),
    PrimaryKeyConstraint("key"),
)
