from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, Table, Text, UniqueConstraint, text

from programhub.core.db import JSONDoc, UTCDateTime, metadata, tenant_columns

catalogs = Table(
    "catalogs",
    metadata,
    Column("id", Integer, primary_key=True),
    *tenant_columns(),
    Column("name", Text, nullable=False),
    # The site its listings live under (e.g. http://www.my-catalog.edu); NULL means the
    # service's own PROGRAMHUB_PUBLIC_URL, resolved when rendered.
    Column("url", Text),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    # The Canvas instance the catalog enrolls into (Canvas Catalog's account shows both).
    Column("canvas_domain", Text),
    Column("canvas_id", Integer),
    Column("settings", JSONDoc),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("id", "org_id", "mode"),
    Index(
        "uq_catalogs_default",
        "org_id",
        "mode",
        unique=True,
        sqlite_where=text("is_default"),
        postgresql_where=text("is_default"),
    ),
    sqlite_autoincrement=True,
)
