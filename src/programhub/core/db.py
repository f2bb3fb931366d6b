"""Shared SQLAlchemy pieces: the one MetaData, portable column types, tenant columns.

Tables are SQLAlchemy Core `Table`s, not ORM classes: list paths build plain rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    TypeDecorator,
    insert,
)
from sqlalchemy.dialects.postgresql import JSONB

# A result row of any columns (SQLAlchemy 2.1 types rows by their column types).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on PostgreSQL (timestamptz) and SQLite (text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSON documents: JSONB on PostgreSQL; SQL NULL (not JSON null) for Python None.
JSONDoc = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

MODES = ("test", "live")


def tenant_columns() -> list[Any]:
    """`org_id` and `mode`, which every tenant row carries."""
    return [
        Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
        Column("mode", String(4), nullable=False),
        CheckConstraint("mode IN ('test', 'live')", name="mode"),
    ]


def same_tenant_fk(column: str, target: str, name: str) -> ForeignKeyConstraint:
    """A reference that can only point at a row of the same organisation and mode."""
    return ForeignKeyConstraint(
        [column, "org_id", "mode"],
        [f"{target}.id", f"{target}.org_id", f"{target}.mode"],
        name=name,
    )


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows as multi-row `INSERT ... VALUES` statements (up to 1,000 rows each,
    within the engines' bind limits), not one statement per row: fewer round trips, and
    statement triggers (the data versions) fire once per statement rather than once per
    row. SQLAlchemy's "insertmanyvalues" does the batching from one statement compiled
    once and cached (building a 1,000-row VALUES clause anew cost more than the insert);
    it batches statements with RETURNING only, hence the column returned and dropped."""
    if rows:
        conn.execute(insert(table).returning(next(iter(table.columns))), rows).close()
