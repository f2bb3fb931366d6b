"""How the Sunbird routes describe themselves in the OpenAPI document.

Bodies are read and checked by the dialect itself (body.py, listquery.py, schemas.py), so
that every fault is answered in Sunbird's envelope with the field named; the models here
only document the shapes, for clients and for schema-driven tests.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from programhub.core.validation import NO_NUL_PATTERN, NOT_BLANK_PATTERN
from programhub.dialects.sunbird.schemas import LIST_ITEM_KEYS

ResultT = TypeVar("ResultT")
ProgramStatus = Literal["Draft", "Live", "Unlisted", "Retired"]
ProgramType = Literal["public", "private", "restricted"]
NominationStatus = Literal["Pending", "Approved", "Rejected", "Initiated"]
RoleMapping = dict[str, list[str]]


class ResponseParams(BaseModel):
    resmsgid: str
    msgid: str | None
    status: Literal["successful", "failed"]
    err: str | None
    errmsg: str | None


class Envelope(BaseModel, Generic[ResultT]):
    id: str = Field(examples=["api.program.list"])
    ts: str = Field(examples=["2021-03-09T10:09:39.432Z"])
    params: ResponseParams
    responseCode: str = Field(examples=["OK"])
    result: ResultT


class ErrorEnvelope(Envelope[dict[str, Any]]):
    """`params.status` "failed", `params.err` a code such as ERR_LIST_PROGRAM_DATA,
    `params.errmsg` a sentence naming the field; `result` is empty."""


class ProgramCommon(BaseModel):
    program_id: str
    name: str
    type: ProgramType
    collection_ids: list[str] | None
    content_types: list[str] | None
    target_collection_category: list[str] | None
    startdate: str | None
    enddate: str | None
    nomination_enddate: str | None
    shortlisting_enddate: str | None
    content_submission_enddate: str | None
    image: str | None
    status: ProgramStatus
    slug: str | None
    rolemapping: RoleMapping | None
    createdby: str | None
    updatedby: str | None
    createdon: str
    updatedon: str
    rootorg_id: str | None
    sourcing_org_name: str | None
    channel: str | None
    template_id: str | None
    guidelines_url: str | None


class Program(ProgramCommon):
    """A program as /read shows it."""

    description: str | None
    config: dict[str, Any]


class NestedProgram(ProgramCommon):
    """A program inside a nomination: the config's categories flattened to text."""

    subject: str | None
    defaultContributeOrgReview: str | None
    framework: str | None
    board: str | None
    gradeLevel: str | None
    medium: str | None


class Nomination(BaseModel):
    id: int
    program_id: str
    user_id: str | None
    organisation_id: str | None
    status: NominationStatus
    content_types: list[str] | None
    collection_ids: list[str] | None
    feedback: str | None
    rolemapping: RoleMapping | None
    createdby: str | None
    updatedby: str | None
    createdon: str
    updatedon: str | None


class NominationWithProgram(Nomination):
    program: NestedProgram


class ListResult(BaseModel):
    count: int = Field(description="The total number of matches, whatever the page.")
    programs: list[NestedProgram | NominationWithProgram | dict[str, Any]] = Field(
        description=(
            "Programs (as nested in a nomination), or (with an eq/list nomination filter) nominations with "
            "their program; with `fields`, programs with only the keys named."
        )
    )


class ProgramRef(BaseModel):
    program_id: str


class NominationAdded(BaseModel):
    program_id: str
    user_id: str | None
    id: int


class NominationRef(BaseModel):
    program_id: str
    user_id: str | None = None
    organisation_id: str | None = None


# --- request bodies ---------------------------------------------------------------------
# Written as JSON Schema rather than derived from models, because the shapes are
# conditional (the /list nomination forms) and must say exactly what the parsers accept:
# a request these schemas allow is never refused as malformed, and the reverse.

INT32_MAX = 2**31 - 1
NULL: dict[str, Any] = {"type": "null"}
NO_NUL = NO_NUL_PATTERN
NOT_BLANK = NOT_BLANK_PATTERN  # "not blank" as the core's check means it


def _text(max_length: int = 2000, pattern: str = NO_NUL) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, NULL]}


def _array(items: dict[str, Any], max_items: int = 1000, **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, "maxItems": max_items, **extra}


def _one_or_many(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, _array(schema)]}


def _object(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
        **extra,
    }


def _enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _role_mapping(name: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "propertyNames": name, "additionalProperties": _array(user)}


def _json(depth: int) -> dict[str, Any]:
    """JSON values as a program's config may hold them: strings without NUL, numbers within
    ±(2^53 - 1), containers nested `depth` deep (see schemas.py)."""
    scalars: list[dict[str, Any]] = [
        NULL,
        {"type": "boolean"},
        {"type": "number", "minimum": -(2**53 - 1), "maximum": 2**53 - 1},
        {"type": "string", "pattern": NO_NUL},
    ]
    if depth == 0:
        return {"anyOf": scalars}
    inner = _json(depth - 1)
    return {
        "anyOf": [
            *scalars,
            {"type": "array", "items": inner},
            {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": inner},
        ]
    }


TEXT = _text()
KEY = _text(255, NOT_BLANK)  # program ids, nominee ids
FACET = _text(255)  # values the core indexes in program_facets
DATE = {"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}], "pattern": "^[1-8]"}
COUNT = {"type": "integer", "minimum": 0, "maximum": INT32_MAX}
PROGRAM_STATUSES = ("Draft", "Live", "Unlisted", "Retired")
PROGRAM_TYPES = ("public", "private", "restricted")
NOMINATION_STATUSES = ("Pending", "Approved", "Rejected", "Initiated")
CONFIG = {
    "type": "object",
    "propertyNames": {"pattern": NO_NUL},
    "properties": {
        key: _nullable({"anyOf": [FACET, {"type": "array", "items": FACET}]})
        for key in ("board", "medium", "gradeLevel", "subject")
    },
    "additionalProperties": _json(5),
}
PROGRAM_FIELDS: dict[str, Any] = {
    "description": _nullable(_text(100_000)),
    **{
        key: _nullable(DATE)
        for key in ("startdate", "enddate", "nomination_enddate", "shortlisting_enddate", "content_submission_enddate")
    },
    "content_types": _nullable(_array(FACET)),
    "target_collection_category": _nullable(_array(FACET)),
    "collection_ids": _nullable(_array(TEXT)),
    "rolemapping": _nullable(_role_mapping(_text(2000, NOT_BLANK), TEXT)),
    "config": _nullable(CONFIG),
    **{
        key: _nullable(TEXT)
        for key in (
            "slug",
            "channel",
            "template_id",
            "guidelines_url",
            "image",
            "rootorg_id",
            "sourcing_org_name",
            "createdby",
            "updatedby",
        )
    },
}
CREATE = _object(
    {
        "name": _text(2000, NOT_BLANK),
        "type": _enum(*PROGRAM_TYPES),
        "status": _nullable(_enum("Draft")),
        **PROGRAM_FIELDS,
    },
    ("name", "type"),
)
UPDATE = _object(
    {
        "program_id": KEY,
        "name": _text(2000, NOT_BLANK),
        "type": _enum(*PROGRAM_TYPES),
        "status": _enum(*PROGRAM_STATUSES),
        **PROGRAM_FIELDS,
    },
    ("program_id",),
)
STATUS_CHANGE = _object({"program_id": KEY, "channel": _nullable(TEXT)}, ("program_id",))

# A nominee: user_id and/or organisation_id, at least one of them given (not null).
_NOMINEE = {"user_id": _nullable(KEY), "organisation_id": _nullable(KEY)}
_SOME_NOMINEE = {"anyOf": [{"required": [key], "properties": {key: KEY}} for key in ("user_id", "organisation_id")]}
_NOMINATION_FIELDS: dict[str, Any] = {
    "content_types": _nullable(_array(TEXT)),
    "collection_ids": _nullable(_array(TEXT)),
    "feedback": _nullable(_text(100_000)),
    "rolemapping": _nullable(_role_mapping(KEY, _text(255))),
    "updatedby": _nullable(TEXT),
}
NOMINATION_ADD = _object(
    {
        "program_id": KEY,
        **_NOMINEE,
        "status": _enum(*NOMINATION_STATUSES),
        **_NOMINATION_FIELDS,
        "createdby": _nullable(TEXT),
    },
    ("program_id", "status"),
    allOf=[_SOME_NOMINEE],
)
_ID = _nullable({"type": "integer", "minimum": 1, "maximum": INT32_MAX})
NOMINEE = _object({"program_id": KEY, **_NOMINEE, "id": _ID}, ("program_id",), allOf=[_SOME_NOMINEE])
NOMINATION_CHANGE = _object(
    {"program_id": KEY, **_NOMINEE, "id": _ID, "status": _enum(*NOMINATION_STATUSES), **_NOMINATION_FIELDS},
    ("program_id",),
    allOf=[_SOME_NOMINEE],
)
NOMINATION_LIST = _object(
    {
        "filters": _nullable(
            _object(
                {
                    **{key: _nullable(_one_or_many(TEXT)) for key in ("program_id", "user_id", "organisation_id")},
                    "status": _nullable(_one_or_many(_enum(*NOMINATION_STATUSES))),
                }
            )
        ),
        "limit": _nullable(COUNT),
        "offset": _nullable(COUNT),
    }
)

# /list: the nomination filter is one of three shapes (see docs/dialects/sunbird.md).
_EQ = _object({"eq": TEXT}, ("eq",))
_NE = _object({"ne": TEXT}, ("ne",))
_ONE_ID = {"anyOf": [_EQ, TEXT, _array(TEXT, 1, minItems=1)]}
_IDS = {"anyOf": [_EQ, TEXT, _array(TEXT)]}
_NOMINATION_STATUS = _nullable(_one_or_many(_enum(*NOMINATION_STATUSES)))


def _at_least_one_of(*keys: str) -> dict[str, Any]:
    return {"anyOf": [{"required": [key], "not": {"properties": {key: NULL}, "required": [key]}} for key in keys]}


NOMINATION_FILTER = {
    "anyOf": [
        _object(
            {"organisation_id": _nullable(_NE), "user_id": _nullable(_NE), "status": NULL, "roles": NULL},
            allOf=[_at_least_one_of("organisation_id", "user_id")],
            description="Forms A and D: programs with no nomination by the organisation or user.",
        ),
        _object(
            {
                "organisation_id": _nullable(_IDS),
                "user_id": _nullable(_IDS),
                "status": _NOMINATION_STATUS,
                "roles": NULL,
            },
            allOf=[_at_least_one_of("organisation_id", "user_id")],
            description="Forms B and E: nominations by the organisations or users, with their programs.",
        ),
        _object(
            {
                "organisation_id": _ONE_ID,
                "user_id": _ONE_ID,
                "status": _NOMINATION_STATUS,
                "roles": _object({"or": _one_or_many(TEXT)}, ("or",)),
            },
            ("organisation_id", "user_id", "roles"),
            description="Form C: nominations of the organisation whose rolemapping lists the user under one of the roles.",
        ),
    ]
}
LIST_FILTERS = _object(
    {
        "type": _nullable(_one_or_many(_enum(*PROGRAM_TYPES))),
        "status": _nullable(_one_or_many(_enum(*PROGRAM_STATUSES))),
        "program_id": _nullable(_one_or_many(TEXT)),
        "name": _nullable(TEXT),
        "nomination_enddate": _nullable(_enum("open", "closed")),
        "content_submission_enddate": _nullable(_enum("open", "closed")),
        **{
            key: _nullable(_one_or_many(TEXT))
            for key in (
                "content_types",
                "target_collection_category",
                "board",
                "medium",
                "gradeLevel",
                "subject",
                "rootorg_id",
                "createdby",
                "channel",
            )
        },
        "nomination": _nullable(NOMINATION_FILTER),
    }
)
SORT = {
    "anyOf": [
        _object(
            {
                key: _enum("asc", "desc", "ASC", "DESC")
                for key in ("name", "createdon", "updatedon", "startdate", "enddate", "nomination_enddate")
            }
        ),
        _object(
            {key: _array(TEXT) for key in ("medium", "gradeLevel", "subject", "board")},
            minProperties=1,
            description="Relevance: programs matching more of these values first, then the newest.",
        ),
    ]
}
LIST = _object(
    {
        "filters": LIST_FILTERS,
        "sort": _nullable(SORT),
        "limit": _nullable(COUNT),
        "offset": _nullable(COUNT),
        "fields": _nullable(_one_or_many(_enum(*LIST_ITEM_KEYS))),
    },
    ("filters",),
)


def request_body(request: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` describing `{"params": {"msgid": ...}, "request": <request>}`."""
    schema = {
        "type": "object",
        "required": ["request"],
        "properties": {
            "params": _nullable({"type": "object", "properties": {"msgid": _nullable(_text(255))}}),
            "request": request,
        },
    }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in {
        400: "CLIENT_ERROR: the body is not JSON, lacks `request`, or a field is wrong (named in errmsg)",
        401: "UNAUTHORIZED: no valid API key",
        403: "UNAUTHORIZED: the key's organisation is suspended",
        404: "RESOURCE_NOT_FOUND: no such program or nomination for this key",
        405: "CLIENT_ERROR: wrong method",
        409: "CLIENT_ERROR: the nominee has already nominated to this program, or the program is retired",
        413: "CLIENT_ERROR: the body is too large",
        500: "SERVER_ERROR",
        503: "SERVER_ERROR: the database is unavailable",
    }.items()
}


def responses(
    result: Any, *, statuses: tuple[int, ...] = (400, 401, 403, 404, 405, 413, 500, 503)
) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": Envelope[result]}, **{status: ERROR_RESPONSES[status] for status in statuses}}
