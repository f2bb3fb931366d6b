"""JSON rendered by the database, on both engines.

Hot read paths (long lists, deep trees) let the database build the response's JSON: the
rows never become Python objects, PostgreSQL does the work on its own core, and SQLite
does it in C in one step without holding the GIL. Python only splices the result into the
envelope (`orjson.Fragment`).

Each construct compiles to PostgreSQL's or SQLite's own functions, and renders values
exactly as the Python path would: booleans as true/false, JSON columns embedded (not as
strings), numbers without trailing zeros (3, 49.99), timestamps as wire text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, Text, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class _JSONExpr(FunctionElement[Any]):
    inherit_cache = True
    type = Text()


class json_object(_JSONExpr):
    """`json_object(("key", value), ...)`: an object with keys in the given order."""

    inherit_cache = True
    name = "json_object"

    def __init__(self, *pairs: tuple[str, Any]) -> None:
        arguments: list[Any] = []
        for key, value in pairs:
            arguments += [literal(key, Text()), value]
        super().__init__(*arguments)


@compiles(json_object, "postgresql")
def _object_pg(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "sqlite")
def _object_sqlite(element: json_object, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


class boolean(_JSONExpr):
    """A boolean column as JSON true/false/null (SQLite stores booleans as 0/1)."""

    inherit_cache = True
    name = "json_boolean"


@compiles(boolean, "postgresql")
def _boolean_pg(element: boolean, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(boolean, "sqlite")
def _boolean_sqlite(element: boolean, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"(CASE WHEN {value} IS NULL THEN NULL WHEN {value} THEN json('true') ELSE json('false') END)"


class document(_JSONExpr):
    """A JSON column embedded as JSON, not as a string."""

    inherit_cache = True
    name = "json_document"


@compiles(document, "postgresql")
def _document_pg(element: document, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(document, "sqlite")
def _document_sqlite(element: document, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json({compiler.process(element.clauses, **kw)})"


class number(_JSONExpr):
    """A NUMERIC/REAL column as the shortest JSON number: 3, not 3.00 or 3.0."""

    inherit_cache = True
    name = "json_number"


@compiles(number, "postgresql")
def _number_pg(element: number, compiler: SQLCompiler, **kw: Any) -> str:
    return f"trim_scale(CAST({compiler.process(element.clauses, **kw)} AS numeric))"


@compiles(number, "sqlite")
def _number_sqlite(element: number, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"(CASE WHEN {value} = CAST({value} AS INTEGER) THEN CAST({value} AS INTEGER) ELSE {value} END)"


class cents(_JSONExpr):
    """An integer amount of cents as a JSON number of units: 4999 -> 49.99, 0 -> 0."""

    inherit_cache = True
    name = "json_cents"


@compiles(cents, "postgresql")
def _cents_pg(element: cents, compiler: SQLCompiler, **kw: Any) -> str:
    return f"trim_scale({compiler.process(element.clauses, **kw)} / 100.0)"


@compiles(cents, "sqlite")
def _cents_sqlite(element: cents, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"(CASE WHEN {value} % 100 = 0 THEN {value} / 100 ELSE {value} / 100.0 END)"


class iso_millis(_JSONExpr):
    """A UTC timestamp as `2025-05-19T13:30:02.952Z` (Record, Sunbird)."""

    inherit_cache = True
    name = "json_iso_millis"


@compiles(iso_millis, "postgresql")
def _iso_pg(element: iso_millis, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"""to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


@compiles(iso_millis, "sqlite")
def _iso_sqlite(element: iso_millis, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m-%dT%H:%M:%fZ', {compiler.process(element.clauses, **kw)})"


class slash_time(_JSONExpr):
    """A UTC timestamp as `2025/03/28 13:11:23 +0000` (Canvas Catalog)."""

    inherit_cache = True
    name = "json_slash_time"


@compiles(slash_time, "postgresql")
def _slash_pg(element: slash_time, compiler: SQLCompiler, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return f"""to_char({value} AT TIME ZONE 'UTC', 'YYYY/MM/DD HH24:MI:SS "+0000"')"""


@compiles(slash_time, "sqlite")
def _slash_sqlite(element: slash_time, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y/%m/%d %H:%M:%S +0000', {compiler.process(element.clauses, **kw)})"


class as_text(_JSONExpr):
    """The JSON value as text, so the driver hands over the string unparsed."""

    inherit_cache = True
    name = "json_as_text"


@compiles(as_text, "postgresql")
def _text_pg(element: as_text, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS text)"


@compiles(as_text, "sqlite")
def _text_sqlite(element: as_text, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


class _array_agg(_JSONExpr):
    inherit_cache = True
    name = "json_array_agg"


@compiles(_array_agg, "postgresql")
def _agg_pg(element: _array_agg, compiler: SQLCompiler, **kw: Any) -> str:
    item, order = (compiler.process(c, **kw) for c in element.clauses)
    return f"coalesce(json_agg({item} ORDER BY {order}), '[]'::json)"


@compiles(_array_agg, "sqlite")
def _agg_sqlite(element: _array_agg, compiler: SQLCompiler, **kw: Any) -> str:
    item, _order = (compiler.process(c, **kw) for c in element.clauses)
    # A value loses its JSON subtype through a subquery; json() marks it as JSON again.
    return f"coalesce(json_group_array(json({item})), '[]')"


def array(rows: Select[Any], *order_by: ColumnElement[Any]) -> Select[tuple[str]]:
    """One row, one column: the JSON array of `rows`' single JSON column, in `order_by`
    order (which must also be the order `rows` applies any LIMIT/OFFSET in).

    PostgreSQL aggregates with ORDER BY; SQLite (before 3.44 it has no ordered aggregates)
    aggregates over a subquery that is ordered and, being under an aggregate, never
    flattened, so its order is kept."""
    item = rows.selected_columns[0]
    numbered = rows.add_columns(func.row_number().over(order_by=list(order_by)).label("position")).subquery("rows")
    ordered = select(numbered.c[item.name], numbered.c.position).order_by(numbered.c.position).subquery("ordered")
    return select(as_text(_array_agg(ordered.c[item.name], ordered.c.position)))
