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

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import Boolean, ColumnElement, Select, Text, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import operators
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.functions import FunctionElement


class _JSONExpr(FunctionElement[Any]):
    inherit_cache = True
    type = Text()


def _per_engine(postgresql: str, sqlite: str) -> Callable[[type[_JSONExpr]], type[_JSONExpr]]:
    """Compile a construct from one template per engine: `{0}`, `{1}`... are its compiled
    arguments and `{all}` all of them, comma-separated."""

    def register(construct: type[_JSONExpr]) -> type[_JSONExpr]:
        for engine, template in (("postgresql", postgresql), ("sqlite", sqlite)):

            def render(element: _JSONExpr, compiler: SQLCompiler, _template: str = template, **kw: Any) -> str:
                arguments = [compiler.process(clause, **kw) for clause in element.clauses]
                return _template.format(*arguments, all=", ".join(arguments))

            compiles(construct, engine)(render)
        return construct

    return register


@_per_engine("json_build_object({all})", "json_object({all})")
class json_object(_JSONExpr):
    """`json_object(("key", value), ...)`: an object with keys in the given order."""

    inherit_cache = True
    name = "json_object"

    def __init__(self, *pairs: tuple[str, Any]) -> None:
        arguments: list[Any] = []
        for key, value in pairs:
            arguments += [literal(key, Text()), value]
        super().__init__(*arguments)


# SQLite stores booleans as 0/1.
@_per_engine("{0}", "(CASE WHEN {0} IS NULL THEN NULL WHEN {0} THEN json('true') ELSE json('false') END)")
class boolean(_JSONExpr):
    """A boolean column as JSON true/false/null."""

    inherit_cache = True
    name = "json_boolean"


@_per_engine("{0}", "json({0})")
class document(_JSONExpr):
    """A JSON column embedded as JSON, not as a string."""

    inherit_cache = True
    name = "json_document"


@_per_engine(
    "trim_scale(CAST({0} AS numeric))",
    "(CASE WHEN {0} = CAST({0} AS INTEGER) THEN CAST({0} AS INTEGER) ELSE {0} END)",
)
class number(_JSONExpr):
    """A NUMERIC/REAL column as the shortest JSON number: 3, not 3.00 or 3.0."""

    inherit_cache = True
    name = "json_number"


@_per_engine("trim_scale({0} / 100.0)", "(CASE WHEN {0} % 100 = 0 THEN {0} / 100 ELSE {0} / 100.0 END)")
class cents(_JSONExpr):
    """An integer amount of cents as a JSON number of units: 4999 -> 49.99, 0 -> 0."""

    inherit_cache = True
    name = "json_cents"


@_per_engine(
    """to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')""",
    "strftime('%Y-%m-%dT%H:%M:%fZ', substr({0}, 1, 23))",
)
class iso_millis(_JSONExpr):
    """A UTC timestamp as `2025-05-19T13:30:02.952Z` (Record, Sunbird), sub-millisecond
    digits cut as Python's `isoformat(timespec="milliseconds")` cuts them (SQLite's `%f`
    alone would round them)."""

    inherit_cache = True
    name = "json_iso_millis"


@_per_engine(
    """to_char({0} AT TIME ZONE 'UTC', 'YYYY/MM/DD HH24:MI:SS "+0000"')""", "strftime('%Y/%m/%d %H:%M:%S +0000', {0})"
)
class slash_time(_JSONExpr):
    """A UTC timestamp as `2025/03/28 13:11:23 +0000` (Canvas Catalog)."""

    inherit_cache = True
    name = "json_slash_time"


@_per_engine("CAST({0} AS text)", "{0}")
class as_text(_JSONExpr):
    """The JSON value as text, so the driver hands over the string unparsed."""

    inherit_cache = True
    name = "json_as_text"


# A value loses its JSON subtype through a SQLite subquery; json() marks it as JSON again.
@_per_engine("coalesce(json_agg({0} ORDER BY {1}), '[]'::json)", "coalesce(json_group_array(json({0})), '[]')")
class _array_agg(_JSONExpr):
    inherit_cache = True
    name = "json_array_agg"


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


@_per_engine("coalesce(json_agg({0} ORDER BY {1}), '[]'::json)", "coalesce(json_group_array({0}), '[]')")
class _built_array_agg(_JSONExpr):
    inherit_cache = True
    name = "json_built_array_agg"


def array_of(
    rows: Select[Any], item: Callable[[ReadOnlyColumnCollection[str, Any]], ColumnElement[Any]], order_by: str
) -> Select[tuple[str]]:
    """One row, one column: the JSON array of `item(columns)` for each of `rows` (a select
    of plain columns), in the order of its column named `order_by`.

    Unlike `array`, each item is built where it is aggregated, from the subquery's
    columns, so SQLite need not parse it again (a JSON value loses its subtype through a
    subquery): WebAdMIT's list of 3,000 programs takes 2 ms there instead of 6. SQLite
    aggregates the ordered subquery in its order (see `array`)."""
    ordered = rows.order_by(rows.selected_columns[order_by]).subquery("rows")
    return select(as_text(_built_array_agg(item(ordered.c), ordered.c[order_by])))


# --- compact JSON, byte for byte as orjson.dumps renders the same values ------------------
#
# PostgreSQL's json functions put spaces after ':' and ',' (and jsonb text does too), which
# orjson never does; an API whose bytes must not change builds its JSON text itself there:
# `concat` of the pieces, each value already JSON text. SQLite's json functions are compact
# already. The members below are meant as values of `compact_object` (on SQLite they are
# plain SQL values that json_object renders).

# Outside strings, jsonb text has spaces only after ':' and ','; strings are kept whole.
_JSONB_SPACES = r'("(?:[^"\\]|\\.)*")| '


@_per_engine("coalesce(CAST(to_json({0}) AS text), 'null')", "{0}")
class compact_value(_JSONExpr):
    """A text or integer value as a member of `compact_object` (JSON null for NULL)."""

    inherit_cache = True
    name = "json_compact_value"


# Text without spaces (`[]`, `["Story"]`) is compact already; the regular expression costs
# ~2 µs a document, several times the rest of a member.
@_per_engine(
    "coalesce(CASE WHEN strpos(CAST({0} AS text), ' ') = 0 THEN CAST({0} AS text)"
    " ELSE regexp_replace(CAST({0} AS text), '" + _JSONB_SPACES + r"', '\1', 'g') END, 'null')",
    "json({0})",
)
class compact_document(_JSONExpr):
    """A JSON column as a member of `compact_object`, compact. Exact for documents of
    strings, booleans, nulls and integers; jsonb renders other numbers as numerics
    (1e-7 as 0.0000001), which orjson would not."""

    inherit_cache = True
    name = "json_compact_document"


class compact_object(_JSONExpr):
    """`compact_object(("key", member), ...)`: an object with keys in the given order, as
    compact JSON text. Members are `compact_value`s, `compact_document`s or
    `compact_object`s; keys are plain names (nothing to escape)."""

    inherit_cache = True
    name = "json_compact_object"

    def __init__(self, *pairs: tuple[str, Any]) -> None:
        arguments: list[Any] = []
        for key, value in pairs:
            if '"' in key or "\\" in key or not key.isprintable():
                raise ValueError(f"not a plain key: {key!r}")
            arguments += [literal(key, Text()), value]
        super().__init__(*arguments)


@compiles(compact_object, "postgresql")
def _compact_object_postgresql(element: compact_object, compiler: SQLCompiler, **kw: Any) -> str:
    arguments = [compiler.process(clause, **kw) for clause in element.clauses]
    pieces = []
    for index in range(0, len(arguments), 2):
        pieces += ["'{\"'" if index == 0 else "',\"'", arguments[index], "'\":'", arguments[index + 1]]
    if not pieces:
        return "'{}'"
    pieces.append("'}'")
    # A function takes at most 100 arguments: concat of concats of up to 96 pieces each.
    groups = ["concat(" + ", ".join(pieces[start : start + 96]) + ")" for start in range(0, len(pieces), 96)]
    return groups[0] if len(groups) == 1 else "concat(" + ", ".join(groups) + ")"


@compiles(compact_object, "sqlite")
def _compact_object_sqlite(element: compact_object, compiler: SQLCompiler, **kw: Any) -> str:
    return "json_object(" + ", ".join(compiler.process(clause, **kw) for clause in element.clauses) + ")"


@_per_engine(
    "coalesce('[' || string_agg({0}, ',' ORDER BY {1}) || ']', '[]')", "coalesce(json_group_array(json({0})), '[]')"
)
class _compact_agg(_JSONExpr):
    inherit_cache = True
    name = "json_compact_agg"


def compact_array(items: Select[Any]) -> Select[tuple[str]]:
    """One row, one column: the compact JSON array of `items`, a select of two columns, the
    item (a `compact_object`) and its position. SQLite aggregates over a subquery ordered by
    position (see `array`)."""
    item, position = items.selected_columns
    ordered = items.order_by(position).subquery("items")
    return select(_compact_agg(ordered.c[item.name], ordered.c[position.name]))


class _ordered_text_agg(_JSONExpr):
    """The JSON array of its first argument's texts, in the order of the others (each a
    column of the aggregated subquery, perhaps descending)."""

    inherit_cache = True
    name = "json_ordered_text_agg"


class _ordered_text_join(_ordered_text_agg):
    """Its first argument's texts joined with commas, in the order of the others (NULL for
    none): a JSON array's inside, bracketed by the reader (`bracketed`)."""

    inherit_cache = True
    name = "json_ordered_text_join"


def _string_agg(element: _ordered_text_agg, compiler: SQLCompiler, **kw: Any) -> str:
    item, *order = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"string_agg({item}, ',' ORDER BY {', '.join(order)})"


def _group_concat(element: _ordered_text_agg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"group_concat({compiler.process(next(iter(element.clauses)), **kw)}, ',')"


@compiles(_ordered_text_agg, "postgresql")
def _ordered_text_agg_postgresql(element: _ordered_text_agg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"coalesce('[' || {_string_agg(element, compiler, **kw)} || ']', '[]')"


@compiles(_ordered_text_agg, "sqlite")
def _ordered_text_agg_sqlite(element: _ordered_text_agg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"coalesce('[' || {_group_concat(element, compiler, **kw)} || ']', '[]')"


compiles(_ordered_text_join, "postgresql")(_string_agg)
compiles(_ordered_text_join, "sqlite")(_group_concat)


def text_array(rows: Select[Any], *order_by: ColumnElement[Any]) -> Select[tuple[str]]:
    """One row, one column: the JSON array of `rows`' single column, each item's JSON text
    (stored, so nothing parses it again), in `order_by` order (columns, or columns
    `.desc()`). PostgreSQL aggregates with ORDER BY; SQLite concatenates over the
    subquery ordered the same way (see `array`). Unlike numbering the rows with a window
    function, this lets SQLite read them in an index's order: numbered, every text went
    through a sort first (Record's 1,000 programmes: 4.2 ms instead of 1.4)."""
    item = rows.selected_columns[0]
    keys: list[tuple[ColumnElement[Any], bool]] = []
    for clause in order_by:
        descending = isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op
        keys.append((clause.element if descending else clause, descending))
    ordered = (
        rows.add_columns(*(column.label(f"order_{n}") for n, (column, _descending) in enumerate(keys)))
        .order_by(*order_by)
        .subquery("items")
    )
    aggregated_order = [
        ordered.c[f"order_{n}"].desc() if descending else ordered.c[f"order_{n}"]
        for n, (_column, descending) in enumerate(keys)
    ]
    return select(_ordered_text_agg(ordered.c[item.name], *aggregated_order))


def counted_text_items(items: Select[Any], *, in_order: bool = False) -> Select[Any, int, int]:
    """One row: the texts of `items` (a select of the item's JSON text and its position)
    joined with commas in position order, or NULL for none (`bracketed` makes it the JSON
    array: SQLite's two copies of a 470 KB page to add the brackets cost a tenth of form C's
    statement); the number of items; how many are NULL (left out).

    With `in_order`, SQLite concatenates the rows as its plan yields them: `items` must
    yield them in position order (a page's keys, ordered, LEFT JOINed to stored texts,
    yield them in the keys' order), and no sort copies every text first. PostgreSQL orders
    in the aggregate either way."""
    item, position = items.selected_columns
    ordered = (items if in_order else items.order_by(position)).subquery("items")
    total = func.count()
    return select(
        _ordered_text_join(ordered.c[item.name], ordered.c[position.name]),
        total,
        total - func.count(ordered.c[item.name]),
    )


def reads_positions_in_order(engine_name: str) -> bool:
    """Whether `counted_text_items(..., in_order=True)` reads its items' positions on this
    engine: PostgreSQL orders in the aggregate; SQLite takes the rows as they come, so its
    items need no numbering (`search.page_keys(numbered=False)`)."""
    return engine_name != "sqlite"


def bracketed(items: str | None) -> str:
    """The JSON array of `counted_text_items`' texts."""
    return "[]" if items is None else "".join(("[", items, "]"))


# --- a JSON document's member as PostgreSQL's `->>` renders it ---------------------------
#
# `document->>'key'` on PostgreSQL is text: strings as they are, other JSON as jsonb prints
# it (`["Hindi", "Science"]`), JSON null or a missing key as NULL. `member_text` renders it
# the same on both engines; SQLite renders strings, booleans, integers and arrays of
# strings in SQL and hands the rest (fractional numbers, objects, other arrays) to
# `member_text_of` in Python, registered on every SQLite connection (store/engine.py).

SQLITE_MEMBER_TEXT = "programhub_member_text"


def jsonb_text(value: Any) -> str | None:
    """`->>` of a member holding `value` (None for JSON null or a missing key)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return _jsonb(value)


def _jsonb(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list):
        return "[" + ", ".join(_jsonb(item) for item in value) + "]"
    # jsonb keeps object keys ordered by length, then bytewise.
    keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
    return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_jsonb(value[k])}" for k in keys) + "}"


def member_text_of(document: str | None, key: str) -> str | None:
    """SQLite's `SQLITE_MEMBER_TEXT(document, key)`: the member of a JSON text document."""
    if document is None:
        return None
    parsed = orjson.loads(document)
    return jsonb_text(parsed.get(key)) if isinstance(parsed, dict) else None


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """The Python functions SQLite's renderings call; once per new connection."""
    dbapi_connection.create_function(SQLITE_MEMBER_TEXT, 2, member_text_of, deterministic=True)


class member_text(FunctionElement[Any]):
    """`document->>'key'` as PostgreSQL renders it, on both engines (see `jsonb_text`)."""

    inherit_cache = True
    type = Text()
    name = "json_member_text"

    def __init__(self, document: ColumnElement[Any], key: str) -> None:
        super().__init__(document, literal(key, Text()), literal(f'$."{key}"', Text()))


@compiles(member_text, "postgresql")
def _member_text_postgresql(element: member_text, compiler: SQLCompiler, **kw: Any) -> str:
    document, key, _path = element.clauses
    return f"({compiler.process(document, **kw)} ->> {compiler.process(key, **kw)})"


@compiles(member_text, "sqlite")
def _member_text_sqlite(element: member_text, compiler: SQLCompiler, **kw: Any) -> str:
    document, key, path = (compiler.process(clause, **kw) for clause in element.clauses)
    in_python = f"{SQLITE_MEMBER_TEXT}({document}, {key})"
    strings_only = f"NOT EXISTS (SELECT 1 FROM json_each({document}, {path}) WHERE type != 'text')"
    joined = f"coalesce('[' || (SELECT group_concat(json_quote(value), ', ') FROM json_each({document}, {path})) || ']', '[]')"
    return (
        f"(CASE json_type({document}, {path})"
        f" WHEN 'text' THEN json_extract({document}, {path})"
        f" WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
        f" WHEN 'integer' THEN CAST(json_extract({document}, {path}) AS TEXT)"
        f" WHEN 'null' THEN NULL"
        f" WHEN 'array' THEN (CASE WHEN {strings_only} THEN {joined} ELSE {in_python} END)"
        f" ELSE {in_python} END)"
    )


class member_lists(FunctionElement[bool]):
    """Whether the list under `key` of a JSON object column holds the text `value`, exactly
    (`{"REVIEWER": ["u-7"]}` lists `u-7` under REVIEWER, never `u-70`). Key and value are
    bound parameters."""

    inherit_cache = True
    type = Boolean()
    name = "json_member_lists"

    def __init__(self, document: ColumnElement[Any], key: str, value: str) -> None:
        super().__init__(document, literal(key, Text()), literal(value, Text()))


@compiles(member_lists, "postgresql")
def _member_lists_postgresql(element: member_lists, compiler: SQLCompiler, **kw: Any) -> str:
    document, key, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"coalesce(jsonb_exists({document} -> {key}, {value}), false)"


@compiles(member_lists, "sqlite")
def _member_lists_sqlite(element: member_lists, compiler: SQLCompiler, **kw: Any) -> str:
    document, key, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return (
        f"EXISTS (SELECT 1 FROM json_each({document}) AS member, json_each(member.value) AS item"
        f" WHERE member.key = {key} AND member.type = 'array' AND item.type = 'text' AND item.value = {value})"
    )
