"""Sunbird wire shapes in and out, and their translation to the core's field names.

A program on the wire is a `listings` row: `program_id` is its uuid, `type` its
program_type, `startdate`/`enddate` its start/end dates, `status` its lifecycle in title
case, `createdon`/`updatedon` its timestamps; the other Sunbird fields keep their names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Text, case, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from programhub.core import validation as check
from programhub.core.errors import Invalid
from programhub.core.listings.models import listings
from programhub.core.nominations.models import nominations
from programhub.dialects.sunbird import values
from programhub.store import sqljson as sj
from programhub.web.formats import iso_millis

STATUSES = {"Draft": "draft", "Live": "live", "Unlisted": "unlisted", "Retired": "retired"}
WIRE_STATUS = {core: wire for wire, core in STATUSES.items()}

# Wire name -> core column, for every program field a client may write.
PROGRAM_FIELDS: dict[str, str] = {
    "name": "name",
    "description": "description",
    "type": "program_type",
    "status": "status",
    "startdate": "start_date",
    "enddate": "end_date",
    "nomination_enddate": "nomination_enddate",
    "shortlisting_enddate": "shortlisting_enddate",
    "content_submission_enddate": "content_submission_enddate",
    "content_types": "content_types",
    "collection_ids": "collection_ids",
    "target_collection_category": "target_collection_category",
    "rolemapping": "rolemapping",
    "config": "config",
    "slug": "slug",
    "channel": "channel",
    "template_id": "template_id",
    "guidelines_url": "guidelines_url",
    "image": "image",
    "rootorg_id": "rootorg_id",
    "sourcing_org_name": "sourcing_org_name",
    "createdby": "createdby",
    "updatedby": "updatedby",
}
CORE_NAMES = {core: wire for wire, core in PROGRAM_FIELDS.items()}
SERVER_SET = ("program_id", "createdon", "updatedon")


def _status(path: str, value: Any) -> str:
    if not isinstance(value, str) or value not in STATUSES:
        raise Invalid(path, f"{path} must be one of: {', '.join(STATUSES)}")
    return STATUSES[value]


def _string_list(path: str, value: Any) -> list[str] | None:
    return None if value is None else check.string_list(path, value)


# Wire values that need converting before the core checks them.
_CONVERT: dict[str, Callable[[str, Any], Any]] = {
    "status": _status,
    "startdate": values.moment,
    "enddate": values.moment,
    "nomination_enddate": values.moment,
    "shortlisting_enddate": values.moment,
    "content_submission_enddate": values.moment,
    "collection_ids": _string_list,
}


def program_fields(request: Mapping[str, Any], *, ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """The core fields a create or update request sets, converted and renamed."""
    fields: dict[str, Any] = {}
    for key, value in request.items():
        if key in ignore:
            continue
        if key in SERVER_SET:
            raise Invalid(key, f"{key} is set by the server")
        if key not in PROGRAM_FIELDS:
            raise Invalid(key, f"{key} is not a program field")
        fields[PROGRAM_FIELDS[key]] = _CONVERT[key](key, value) if key in _CONVERT else value
    _facets_fit(request)
    return fields


# Values the core indexes in program_facets; an index entry has a size limit on PostgreSQL.
FACET_MAX_LENGTH = 255
_CONFIG_FACETS = ("board", "medium", "gradeLevel", "subject")
# Config values: containers nested at most this deep, numbers JavaScript can hold exactly
# (Sunbird's clients are JavaScript; a JSON parser turns larger ones into approximations).
CONFIG_DEPTH = 5
SAFE_INTEGER = 2**53 - 1


def _facets_fit(request: Mapping[str, Any]) -> None:
    """Refuse facet values too long to index and config values the API does not describe,
    naming them (the core checks the rest)."""
    for key in ("content_types", "target_collection_category"):
        _facet_values(key, request.get(key), strings_only=False)
    config = request.get("config")
    if isinstance(config, Mapping):
        for key, value in config.items():
            if key in _CONFIG_FACETS:
                _facet_values(f"config.{key}", value, strings_only=True)
            else:
                _config_value(f"config.{key}", value, CONFIG_DEPTH)


def _facet_values(path: str, value: Any, *, strings_only: bool) -> None:
    items = value if isinstance(value, list) else [value]
    if strings_only and value is not None and not all(isinstance(item, str) for item in items):
        raise Invalid(path, f"{path} must be a string or a list of strings")
    if any(isinstance(item, str) and len(item) > FACET_MAX_LENGTH for item in items):
        raise Invalid(path, f"{path} values must be at most {FACET_MAX_LENGTH} characters")


def _config_value(path: str, value: Any, depth: int) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > SAFE_INTEGER:
        raise Invalid(path, f"{path} has a number beyond ±{SAFE_INTEGER}")
    if isinstance(value, list | Mapping):
        if depth == 0:
            raise Invalid(path, f"{path} is nested more than {CONFIG_DEPTH} levels deep")
        for item in value.values() if isinstance(value, Mapping) else value:
            _config_value(path, item, depth - 1)


@contextmanager
def wire_names() -> Iterator[None]:
    """Core validation failures, reworded with the wire's field names."""
    try:
        yield
    except Invalid as exc:
        wire = CORE_NAMES.get(exc.field)
        if wire is None or wire == exc.field:
            raise
        raise Invalid(wire, exc.message.replace(exc.field, wire)) from None


# --- programs out -----------------------------------------------------------------------

PROGRAM_COLUMNS: tuple[ColumnElement[Any], ...] = tuple(
    listings.c[name]
    for name in (
        "uuid",
        "name",
        "description",
        "program_type",
        "collection_ids",
        "content_types",
        "target_collection_category",
        "start_date",
        "end_date",
        "nomination_enddate",
        "shortlisting_enddate",
        "content_submission_enddate",
        "image",
        "status",
        "slug",
        "config",
        "rolemapping",
        "createdby",
        "updatedby",
        "created_at",
        "updated_at",
        "rootorg_id",
        "sourcing_org_name",
        "channel",
        "template_id",
        "guidelines_url",
    )
)

# The config categories a listed program shows flattened, as the reference selects them.
FLATTENED = ("subject", "defaultContributeOrgReview", "framework", "board", "gradeLevel", "medium")


# What a /list request may name in `fields`: any key of a program as /read shows it, or
# a flattened config category.
LIST_ITEM_KEYS = (
    "program_id",
    "name",
    "description",
    "type",
    "collection_ids",
    "content_types",
    "target_collection_category",
    "startdate",
    "enddate",
    "nomination_enddate",
    "shortlisting_enddate",
    "content_submission_enddate",
    "image",
    "status",
    "slug",
    "config",
    "rolemapping",
    "createdby",
    "updatedby",
    "createdon",
    "updatedon",
    "rootorg_id",
    "sourcing_org_name",
    "channel",
    "template_id",
    "guidelines_url",
    *FLATTENED,
)


def program_json(row: Mapping[Any, Any], prefix: str = "") -> dict[str, Any]:
    """A program as /read shows it."""

    def get(name: str) -> Any:
        return row[prefix + name]

    return {
        "program_id": get("uuid"),
        "name": get("name"),
        "description": get("description"),
        "type": get("program_type"),
        "collection_ids": get("collection_ids"),
        "content_types": get("content_types"),
        "target_collection_category": get("target_collection_category"),
        "startdate": iso_millis(get("start_date")),
        "enddate": iso_millis(get("end_date")),
        "nomination_enddate": iso_millis(get("nomination_enddate")),
        "shortlisting_enddate": iso_millis(get("shortlisting_enddate")),
        "content_submission_enddate": iso_millis(get("content_submission_enddate")),
        "image": get("image"),
        "status": WIRE_STATUS[get("status")],
        "slug": get("slug"),
        "config": get("config") if get("config") is not None else {},
        "rolemapping": get("rolemapping"),
        "createdby": get("createdby"),
        "updatedby": get("updatedby"),
        "createdon": iso_millis(get("created_at")),
        "updatedon": iso_millis(get("updated_at")),
        "rootorg_id": get("rootorg_id"),
        "sourcing_org_name": get("sourcing_org_name"),
        "channel": get("channel"),
        "template_id": get("template_id"),
        "guidelines_url": get("guidelines_url"),
    }


def selected_program_json(row: Mapping[Any, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Only the keys a /list request named in `fields`, in its order."""
    program = program_json(row)
    config = program["config"]
    return {key: program[key] if key in program else config_text(config.get(key)) for key in fields}


def config_text(value: Any) -> str | None:
    """`config->>'key'` of PostgreSQL: strings as they are, other JSON as jsonb prints it
    (`["Hindi", "Science"]`), JSON null or a missing key as null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return _jsonb_text(value)


def _jsonb_text(value: Any) -> str:
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
        return "[" + ", ".join(_jsonb_text(item) for item in value) + "]"
    # jsonb keeps object keys ordered by length, then bytewise.
    keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
    return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_jsonb_text(value[k])}" for k in keys) + "}"


# --- nominations ------------------------------------------------------------------------

NOMINATION_FIELDS = (
    "user_id",
    "organisation_id",
    "status",
    "content_types",
    "collection_ids",
    "feedback",
    "rolemapping",
    "createdby",
    "updatedby",
)
NOMINATION_COLUMNS: tuple[ColumnElement[Any], ...] = (
    nominations.c.id,
    listings.c.uuid.label("nomination_program_uuid"),
    *(nominations.c[name] for name in NOMINATION_FIELDS),
    nominations.c.createdon,
    nominations.c.updatedon,
)


def nomination_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "program_id": row["nomination_program_uuid"],
        **{name: row[name] for name in NOMINATION_FIELDS},
        "createdon": iso_millis(row["createdon"]),
        "updatedon": iso_millis(row["updatedon"]),
    }


# --- /list items built by the database ---------------------------------------------------
#
# /list items (a program as /read shows it, without description and config, with the
# config's framework categories flattened as PostgreSQL's `config->>'key'` renders them;
# a nomination as `nomination_json` shows it, with that program nested), rendered by the
# database: a 300-item page never becomes Python objects.
# tests/dialects/sunbird/test_list_sql.py compares them byte for byte with a Python rendering.

# SQLite has no jsonb text; config values its SQL below cannot render (fractional numbers,
# objects, arrays of non-strings) are rendered by `config_text` through this function.
SQLITE_CONFIG_TEXT = "sunbird_config_text"


class config_member_text(FunctionElement[Any]):
    """`config->>'key'` as PostgreSQL renders it, on both engines (see `config_text`)."""

    inherit_cache = True
    type = Text()
    name = "sunbird_config_member_text"

    def __init__(self, config: ColumnElement[Any], key: str) -> None:
        super().__init__(config, literal(key, Text()), literal(f'$."{key}"', Text()))


@compiles(config_member_text, "postgresql")
def _config_member_text_postgresql(element: config_member_text, compiler: SQLCompiler, **kw: Any) -> str:
    config, key, _path = element.clauses
    return f"({compiler.process(config, **kw)} ->> {compiler.process(key, **kw)})"


@compiles(config_member_text, "sqlite")
def _config_member_text_sqlite(element: config_member_text, compiler: SQLCompiler, **kw: Any) -> str:
    config, key, path = (compiler.process(clause, **kw) for clause in element.clauses)
    in_python = f"{SQLITE_CONFIG_TEXT}({config}, {key})"
    strings_only = f"NOT EXISTS (SELECT 1 FROM json_each({config}, {path}) WHERE type != 'text')"
    joined = (
        f"coalesce('[' || (SELECT group_concat(json_quote(value), ', ') FROM json_each({config}, {path})) || ']', '[]')"
    )
    return (
        f"(CASE json_type({config}, {path})"
        f" WHEN 'text' THEN json_extract({config}, {path})"
        f" WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'"
        f" WHEN 'integer' THEN CAST(json_extract({config}, {path}) AS TEXT)"
        f" WHEN 'null' THEN NULL"
        f" WHEN 'array' THEN (CASE WHEN {strings_only} THEN {joined} ELSE {in_python} END)"
        f" ELSE {in_python} END)"
    )


def _sqlite_config_text(config: str | None, key: str) -> str | None:
    return None if config is None else config_text(orjson.loads(config).get(key))


def install_sqlite_functions(conn: Connection) -> None:
    """Register `SQLITE_CONFIG_TEXT` on this SQLite connection, once per connection."""
    if conn.dialect.name != "sqlite":
        return
    pooled = conn.connection
    if not pooled.info.get(SQLITE_CONFIG_TEXT) and pooled.driver_connection is not None:
        pooled.driver_connection.create_function(SQLITE_CONFIG_TEXT, 2, _sqlite_config_text, deterministic=True)
        pooled.info[SQLITE_CONFIG_TEXT] = True


def _wire_status(status: ColumnElement[Any]) -> ColumnElement[Any]:
    return case(WIRE_STATUS, value=status)


_PROGRAM_ITEM_VALUES: tuple[tuple[str, str], ...] = (
    ("program_id", "uuid"),
    ("name", "name"),
    ("type", "program_type"),
)
_PROGRAM_ITEM_DOCUMENTS = ("collection_ids", "content_types", "target_collection_category")
_PROGRAM_ITEM_DATES = (
    ("startdate", "start_date"),
    ("enddate", "end_date"),
    ("nomination_enddate", "nomination_enddate"),
    ("shortlisting_enddate", "shortlisting_enddate"),
    ("content_submission_enddate", "content_submission_enddate"),
)
_PROGRAM_ITEM_TAIL = ("rootorg_id", "sourcing_org_name", "channel", "template_id", "guidelines_url")


def _date(column: ColumnElement[Any]) -> sj.compact_value:
    return sj.compact_value(sj.iso_millis(column))


def program_item_sql() -> sj.compact_object:
    """A /list program item (the seed's shape, the reference's selection), as JSON text built by the
    database from `listings`."""
    c = listings.c
    return sj.compact_object(
        *((wire, sj.compact_value(c[core])) for wire, core in _PROGRAM_ITEM_VALUES),
        *((name, sj.compact_document(c[name])) for name in _PROGRAM_ITEM_DOCUMENTS),
        *((wire, _date(c[core])) for wire, core in _PROGRAM_ITEM_DATES),
        ("image", sj.compact_value(c.image)),
        ("status", sj.compact_value(_wire_status(c.status))),
        ("slug", sj.compact_value(c.slug)),
        ("rolemapping", sj.compact_document(c.rolemapping)),
        ("createdby", sj.compact_value(c.createdby)),
        ("updatedby", sj.compact_value(c.updatedby)),
        ("createdon", _date(c.created_at)),
        ("updatedon", _date(c.updated_at)),
        *((name, sj.compact_value(c[name])) for name in _PROGRAM_ITEM_TAIL),
        *((key, sj.compact_value(config_member_text(c.config, key))) for key in FLATTENED),
    )


def nomination_item_sql() -> sj.compact_object:
    """A /list nomination item (`nomination_json` plus `program`), as JSON text built by the
    database from `nominations` joined to its program in `listings`."""
    n = nominations.c
    documents = ("content_types", "collection_ids", "rolemapping")
    return sj.compact_object(
        ("id", sj.compact_value(n.id)),
        ("program_id", sj.compact_value(listings.c.uuid)),
        *(
            (name, sj.compact_document(n[name]) if name in documents else sj.compact_value(n[name]))
            for name in NOMINATION_FIELDS
        ),
        ("createdon", _date(n.createdon)),
        ("updatedon", _date(n.updatedon)),
        ("program", program_item_sql()),
    )
