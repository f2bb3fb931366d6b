"""A SELECT compiled once per database and run on the driver's cursor.

For the statements every request runs (the key lookup; a Catalog tree's walk and its
pieces): through `Connection.execute`, SQLAlchemy builds an execution context, a
cached-statement key and a cursor result on each run, ~100 us of CPU where SQLite answered
the key lookup in ~15 (bench/RESULTS.md, run 15), and a RowMapping per row. Here the
statement is compiled once per dialect with its parameters' and columns' converters, and
each run passes the driver its SQL and values directly. It still goes through
`Connection._cursor_execute`, the path SQLAlchemy itself takes for statements without an
execution context: the engine's events fire (the statement watch of `liveness`, the tests'
statement counts) and a driver error becomes SQLAlchemy's, the connection invalidated when
it was lost, as for any other statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.selectable import ReturnsRows

Converter = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # Parameter names in the order the SQL takes them (a positional paramstyle: SQLite's
    # qmark), or None when it takes them by name (psycopg's pyformat).
    order: tuple[str, ...] | None
    defaults: dict[str, Any]  # values bound in the statement itself
    to_database: dict[str, Converter]
    names: tuple[str, ...]  # the columns' names, as a RowMapping's keys
    as_dict: Callable[[Sequence[Any]], dict[str, Any]]  # a driver's row by those names

    def parameters(self, given: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = {**self.defaults, **given}
        converted = {
            name: (value if (convert := self.to_database.get(name)) is None else convert(value))
            for name, value in values.items()
        }
        if self.order is None:
            return converted
        return [converted[name] for name in self.order]


class PreparedSelect:
    """`statement` (a SELECT, or a write with RETURNING: a count's upsert), to be run with
    `first` for at most one row, or `mappings` for all. Its parameters and columns
    convert as SQLAlchemy would convert them (each type's bind and result processors)."""

    def __init__(self, statement: ReturnsRows) -> None:
        self.statement = statement
        self._compiled: dict[tuple[type[Dialect], str], _Compiled] = {}
        # The columns' converters by dialect and the driver's type codes where known (a
        # result processor may need them: psycopg's numerics; `first` has none to give).
        self._converters: dict[tuple[type[Dialect], tuple[Any, ...] | None], tuple[Converter, ...]] = {}

    def first(self, conn: Connection, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row the statement selects with `parameters`, or None."""
        sql, values = self.bound(conn.dialect, parameters)
        raw, _types = _run(conn, sql, values, many=False)
        return self.row(conn.dialect, raw)

    def one(self, conn: Connection, parameters: Mapping[str, Any]) -> tuple[Any, ...]:
        """The one row of a statement that always selects one (aggregates, scalar
        subqueries), as `Connection.execute(...).one()`: none is an error, not an answer."""
        found = self.first(conn, parameters)
        if found is None:
            raise LookupError(f"no row from a statement that always selects one: {self.statement}")
        return found

    def mappings(self, conn: Connection, parameters: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row the statement selects with `parameters`, as a dict by column name (what
        `conn.execute(statement).mappings()` gives), in the connection's transaction (begun
        here if none is, as `Connection.execute` would)."""
        dialect = conn.dialect
        compiled = self._for(dialect)
        sql, values = compiled.sql, compiled.parameters(parameters)
        if not conn.in_transaction():
            conn.begin()
        raw, driver_types = _run(conn, sql, values, many=True)
        converters = self._row_converters(dialect, driver_types)
        names = compiled.names
        rows = list(map(compiled.as_dict, raw))
        # Most columns need no conversion: only those that do are visited, row by row.
        for name, convert in zip(names, converters, strict=True):
            if convert is not None:
                for mapping in rows:
                    mapping[name] = convert(mapping[name])
        return rows

    def _row_converters(self, dialect: Dialect, driver_types: tuple[Any, ...] | None) -> tuple[Converter, ...]:
        key = (type(dialect), driver_types)
        found = self._converters.get(key)
        if found is None:
            columns = list(self.statement.exported_columns)
            found = self._converters[key] = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, driver_type)
                for column, driver_type in zip(columns, driver_types or (None,) * len(columns), strict=True)
            )
        return found

    def bound(self, dialect: Dialect, parameters: Mapping[str, Any]) -> tuple[str, Sequence[Any] | dict[str, Any]]:
        """The SQL for `dialect` and the driver's values for `parameters` (to run it on a
        connection SQLAlchemy does not hold: store/on_loop.py)."""
        compiled = self._for(dialect)
        return compiled.sql, compiled.parameters(parameters)

    def row(self, dialect: Dialect, raw: Sequence[Any] | None) -> tuple[Any, ...] | None:
        """The driver's row `raw` (None: none found) with its columns converted."""
        if raw is None:
            return None
        converters = self._row_converters(dialect, None)
        return tuple(
            value if convert is None else convert(value) for convert, value in zip(converters, raw, strict=True)
        )

    def _for(self, dialect: Dialect) -> _Compiled:
        key = (type(dialect), dialect.paramstyle)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(self.statement, dialect)
        return found


def _run(conn: Connection, sql: str, values: Any, *, many: bool) -> tuple[Any, tuple[Any, ...]]:
    """`sql` run on a cursor of `conn`'s driver connection: the first row (None: none) or,
    `many`, all of them with the type codes the driver reports for the columns (for one
    row, none: `first` converts without them, on the key lookup's hot path)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        conn._cursor_execute(cursor, sql, values)  # the module docstring
        try:
            raw = cursor.fetchall() if many else cursor.fetchone()
        except Exception as error:  # raised again as SQLAlchemy's, as `_cursor_execute` does
            conn._handle_dbapi_exception(error, sql, values, cursor, None)
            raise
        return raw, tuple(column[1] for column in cursor.description or ()) if many else ()
    finally:
        cursor.close()


def execute_on_driver(conn: Connection, sql: str) -> None:
    """`sql`, a statement without parameters or rows (SQLite's BEGIN of every transaction),
    run on a cursor of `conn`'s driver as `_run` runs a SELECT: events fire, errors become
    SQLAlchemy's, no execution context is made (`exec_driver_sql` made one, ~30 us of a
    read that costs ~700 in all)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        conn._cursor_execute(cursor, sql, ())  # the module docstring
    finally:
        cursor.close()


@lru_cache(maxsize=256)
def prepared(statement: ReturnsRows) -> PreparedSelect:
    """The PreparedSelect of `statement`, one per statement: for statements built once
    (module constants, or cached by their builders), which it then compiles once."""
    return PreparedSelect(statement)


def _compile(statement: ReturnsRows, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("a prepared statement's parameters must be plain values (no IN lists, no literal ones)")
    binds = compiled.binds
    defaults = {name: bind.value for name, bind in binds.items() if not bind.required}
    to_database: dict[str, Converter] = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in binds.items()
    }
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup is not None else None
    names = tuple(column[0] for column in compiled._result_columns)
    return _Compiled(compiled.string, order, defaults, to_database, names, _dict_of(names))


def _dict_of(names: Sequence[str]) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """A function making a dict of a row by `names`: one dict display, compiled once per
    statement (as `dataclasses` compiles an `__init__`), 2.5x as fast as `dict(zip(...))`
    (a 100-item Catalog page's 270 rows: 0.09 ms against 0.23). A name is written as its
    `repr`, a string literal, whatever it holds."""
    items = ", ".join(f"{name!r}: row[{index}]" for index, name in enumerate(names))
    made: Callable[[Sequence[Any]], dict[str, Any]] = eval(f"lambda row: {{{items}}}", {"__builtins__": {}})
    return made
