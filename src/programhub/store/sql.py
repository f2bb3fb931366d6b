"""What differs between the engines in the SQL the core writes, behind names that say
what is wanted rather than which engine is in use."""

from __future__ import annotations

from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Executable,
    Exists,
    Select,
    String,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

Statement = TypeVar("Statement", bound=Executable | Connection)

# The execution option that `planned_for_values` sets and store/engine.py obeys.
PLANNED_FOR_VALUES = "planned_for_values"


def upsert(conn: Connection, table: Table) -> Any:
    """`INSERT` with `ON CONFLICT` clauses (`on_conflict_do_nothing`, `..._do_update`), in
    the connection's engine's own construct (both take the same arguments)."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def upsert_for(engine_name: str, table: Table) -> Any:
    """`upsert` for a statement built once per engine (cache it by `conn.dialect.name`)."""
    return (postgresql.insert if engine_name == "postgresql" else sqlite.insert)(table)


def one_of(column: ColumnElement[Any], name: str, engine_name: str) -> ColumnElement[bool]:
    """`column` is one of the list bound to `name`, for a statement built once per engine.

    The list is one parameter whatever its length, so the statement's text never changes
    with it. On PostgreSQL an array (`= ANY`): psycopg parses the statement once (it parses
    a statement of over 50 parameters or 4 KB again on every execution: 0.3 ms for a
    Catalog page's two) and the server prepares it once. SQLite has no arrays: the list's
    JSON text, read by `json_each`. An expanding IN list there made SQLAlchemy rewrite the
    compiled statement for every execution, about a tenth of the CPU of a Catalog tree."""
    if engine_name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(name, type_=_JSONList())).table_valued("value")
    return column.in_(select(listed.c.value))


class _JSONList(TypeDecorator[list[Any]]):
    """A list bound as its JSON text (SQLite's `one_of`)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: list[Any] | None, dialect: Dialect) -> str | None:
        return None if value is None else orjson.dumps(value).decode()


def fenced_recursion(conn: Connection) -> bool:
    """Whether a recursive walk should step by LATERAL subqueries behind an OFFSET fence
    (PostgreSQL's planner otherwise hashes whole tables for a recursive query of unknown
    size); SQLite plans nested index lookups by itself and has no LATERAL."""
    return conn.dialect.name == "postgresql"


def statements_are_round_trips(conn: Connection) -> bool:
    """Whether each statement is a round trip to a server (PostgreSQL), so that reading
    more in one statement costs less than a second one; SQLite's statements are calls
    into the process, where a second short statement costs less than a larger one."""
    return conn.dialect.name == "postgresql"


def checked_per_row(subquery: Select[Any]) -> Exists:
    """EXISTS `subquery` (correlated with the outer row), checked for each row the outer
    query walks, in the order it walks them, instead of joined with all its matches first.

    For a page cut from an ordered index (300 of a user's 21,000 nominations), a join with
    every match (a hash semi or anti join) costs in proportion to the matches; a check per
    row, in proportion to the rows walked until the page is full: the page itself when
    most rows pass, as many as the hash join walks when few do. So it suits a condition
    most rows meet, not a rare one (a join can start from the few rows that have it).
    PostgreSQL chooses the join whenever it misjudges how many rows pass (correlated
    filters: the hot organisation's user holds roles in all of its nominations; or a
    prepared statement's generic plan, made for an average value): a subquery with an
    OFFSET is never turned into a join (130 ms -> 2 ms at 50,000 programs). SQLite checks
    a correlated EXISTS row by row anyway."""
    return subquery.offset(0).exists()


def planned_for_values(statement: Statement) -> Statement:
    """`statement` (or every statement run on a connection), planned for the values it runs
    with each time, never kept prepared.

    psycopg prepares a statement on its fifth execution, and PostgreSQL then keeps a
    generic plan, made for an average value, once it looks no dearer than the plans made
    for the values. For a list of one user's or organisation's rows that plan is made for
    an average one: the hot organisation's programs list (Sunbird form A) went from 18 to
    65 ms at its tenth request at 50,000 programs. Planning costs about a millisecond each
    time: for statements whose best plan depends on their values, not for look-ups by key.
    SQLite plans without the values bound to a statement: nothing to do there."""
    # Both kinds return their own kind (a Select stays a Select); mypy sees only the union.
    return cast(Statement, statement.execution_options(**{PLANNED_FOR_VALUES: True}))


def refresh_statistics(conn: Connection, table: Table) -> None:
    """Let the planner see `table` as it is now. On PostgreSQL, `ANALYZE` it: a statement
    psycopg prepared keeps the plan made from the statistics of its fifth execution, and a
    table analyzed while empty that then fills in one process (`renderings` under a
    backfill) keeps being read by a plan made for no rows. SQLite keeps no plans across
    statements and reads its statistics only where someone ran ANALYZE: nothing to do."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'ANALYZE "{table.name}"')


def locking(query: Select[Any]) -> Select[Any]:
    """`query` taking a row lock on what it reads until the transaction ends (`SELECT ...
    FOR UPDATE` on PostgreSQL), so that a check and the write it allows cannot interleave
    with another transaction's (a listing's seats). SQLite has no row locks and needs
    none: its write transactions run one at a time (`BEGIN IMMEDIATE`, store/engine.py),
    and SQLAlchemy leaves the clause out there."""
    return query.with_for_update()


class _FilterOnly(ColumnElement[Any]):
    """A column the planner may read but not look up by: SQLite's unary `+`."""

    # Without its column in the cache key SQLAlchemy cannot key a statement holding it and
    # compiled form A's page statement on every request ("no key").
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012 (SQLAlchemy's own form)
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


@compiles(_FilterOnly)
def _filter_only_default(element: _FilterOnly, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(_FilterOnly, "sqlite")
def _filter_only_sqlite(element: _FilterOnly, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


def filter_only(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """`column` in a condition that should filter the rows another index finds, not find
    them itself. SQLite plans without statistics unless someone ran ANALYZE, and given an
    index on a date range that matches nearly every program, it takes it and sorts every
    match instead of walking the order's index (140 ms against 8 at 50,000 programs);
    PostgreSQL chooses by its statistics and is left to."""
    return _FilterOnly(column)
