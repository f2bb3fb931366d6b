"""What Sunbird requests may send: `{"params": {"msgid": ...}, "request": {...}}` bodies,
and a pydantic model for each route's `request`, the one place that checks it and
documents it (the OpenAPI request schemas are these models').

The body is read before authentication, so that every answer, even a 401, echoes the
caller's `params.msgid`; its faults are raised only when the route asks for `request`,
after authentication, so a caller without a key learns nothing about the body.

Fields keep the wording of Sunbird's own parsers (`rule(...)`); fields the core checks
pass through to it, and its failures are reported under their wire names. Each field is
documented with the JSON Schema of exactly what its parser accepts: a request the schema
allows is never refused as malformed, and the reverse. Keys a route does not know are
ignored, as the reference service ignores them (its clients send `rewards`, `createdon`,
`default_roles`, `frameworkCategories`, ...); a known key with a wrong value is refused,
naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, cast

import orjson
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.config import JsonDict

from programhub.core import validation as check
from programhub.core.clock import utcnow
from programhub.core.errors import Invalid
from programhub.core.listings.search import Ordering, Page, ProgramFilter
from programhub.core.nominations import service as nominations_service
from programhub.core.nominations.models import NOMINATION_STATUSES
from programhub.core.nominations.queries import NominationFilter, Nominee
from programhub.dialects.sunbird import listquery as lq
from programhub.dialects.sunbird.responses import CLOSED, LIST_ITEM_KEYS, NOMINATION_FIELDS, STATUSES
from programhub.web.body import BodyFault, WhenEmpty, read_body
from programhub.web.requests import RULE, Rule, define, parse, required, rule, schema_of

# --- the body ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SunbirdBody:
    data: Any
    fault: BodyFault | Invalid | None = None

    def request(self) -> dict[str, Any]:
        """The `request` object, or the fault naming what is wrong with the body."""
        if self.fault is not None:
            raise self.fault
        if not isinstance(self.data, Mapping):
            raise Invalid("body", "The request body must be a JSON object.")
        if "request" not in self.data:
            raise Invalid("request", "request is required")
        request = self.data["request"]
        if not isinstance(request, Mapping):
            raise Invalid("request", "request must be an object")
        return dict(request)


async def read_sunbird_body(request: Request) -> SunbirdBody:
    """The body, its faults kept for when the route asks for `request`."""
    try:
        data = await read_body(request, when_empty=WhenEmpty.NOT_JSON, object_only=False)
    except BodyFault as fault:
        await note_msgid(request)  # a NUL in a key: the body is JSON, its msgid still echoed
        return SunbirdBody(None, fault)
    return SunbirdBody(data, _note_msgid(request, data))


async def note_msgid(request: Request) -> None:
    """Remember `params.msgid` for an answer given before any route read the body (an
    unknown path, a wrong method), so that it is echoed there too. A body that cannot be
    read or parsed simply has no msgid."""
    try:
        data = orjson.loads(await request.body())  # a NUL in a key does not hide the msgid
    except Exception:  # noqa: BLE001 - too large, disconnected, not JSON: nothing to echo
        return
    _note_msgid(request, data)


def _note_msgid(request: Request, data: Any) -> Invalid | None:
    """Keep a valid `params.msgid` on the request; the fault of bad `params`, if any."""
    params = data.get("params") if isinstance(data, Mapping) else None
    if params is None:
        return None
    if not isinstance(params, Mapping):
        return Invalid("params", "params must be an object")
    msgid = params.get("msgid")
    if msgid is not None:
        try:
            request.state.msgid = check.text("params.msgid", msgid, max_length=255)
        except Invalid as fault:
            return fault
    return None


Body = Annotated[SunbirdBody, Depends(read_sunbird_body)]


# --- documentation fragments: exactly what each parser accepts ---------------------------

INT32_MAX = 2**31 - 1
NULL: dict[str, Any] = {"type": "null"}
NO_NUL = check.NO_NUL_PATTERN
NOT_BLANK = check.NOT_BLANK_PATTERN  # "not blank" as the core's check means it


def _text(max_length: int = check.SHORT_TEXT, pattern: str = NO_NUL) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, NULL]}


def _array(items: dict[str, Any], max_items: int = lq.MAX_ITEMS, **extra: Any) -> dict[str, Any]:
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


# A `$ref` in a field's schema, which pydantic cannot resolve while it builds the model's
# schema: kept under this key until `request_body` puts it back.
LATER_REF = "x-programhub-ref"


def _json(depth: int) -> dict[str, Any]:
    """JSON values as a program's config may hold them: strings without NUL, numbers within
    ±(2^53 - 1), containers nested `depth` deep; each level defined once (`SunbirdJsonN`),
    so that the document grows with the depth, not with 2 to its power."""
    scalars: list[dict[str, Any]] = [
        NULL,
        {"type": "boolean"},
        {"type": "number", "minimum": -SAFE_INTEGER, "maximum": SAFE_INTEGER},
        {"type": "string", "pattern": NO_NUL},
    ]
    level = define("SunbirdJson0", {"anyOf": scalars})
    for n in range(1, depth + 1):
        containers = [
            {"type": "array", "items": level},
            {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": level},
        ]
        level = define(f"SunbirdJson{n}", {"anyOf": [*scalars, *containers]})
    return {LATER_REF: level["$ref"]}


def _refs_back(schema: Any) -> Any:
    """`schema` with each LATER_REF a `$ref` again."""
    if isinstance(schema, dict):
        if LATER_REF in schema:
            return {"$ref": schema[LATER_REF]}
        return {key: _refs_back(value) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_refs_back(item) for item in schema]
    return schema


def _role_mapping_schema() -> dict[str, Any]:
    return _role_mapping(_text(check.SHORT_TEXT, NOT_BLANK), TEXT)


def _documented(schema: dict[str, Any]) -> Rule:
    """A field the core checks (its failures renamed to the wire's names): passed through
    as sent, documented with what the core accepts."""
    return rule(_as_sent, **schema)


def _as_sent(_field: str, value: Any) -> Any:
    return value


# --- programs ---------------------------------------------------------------------------

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
    "target_type": "target_type",
    "targetprimarycategories": "targetprimarycategories",
    "targetprimarycategorynames": "targetprimarycategorynames",
    "acceptedcontents": "acceptedcontents",
    "rejectedcontents": "rejectedcontents",
    "sourcingrejectedcomments": "sourcingrejectedcomments",
}
# Core failures about a program field, under the wire's name (`web.requests.wire_names`).
CORE_NAMES = {core: wire for wire, core in PROGRAM_FIELDS.items()}
PROGRAM_TYPES = ("public", "private", "restricted")

# Values the core indexes in program_facets; an index entry has a size limit on PostgreSQL.
FACET_MAX_LENGTH = 255
CONFIG_FACETS = ("board", "medium", "gradeLevel", "subject")
# Config values: containers nested at most this deep below a config key (as real coKreat
# configs are: the reference's own fixture nests 8 below `components`), numbers JavaScript
# can hold exactly (Sunbird's clients are JavaScript; a JSON parser turns larger ones into
# approximations).
CONFIG_DEPTH = 8
SAFE_INTEGER = 2**53 - 1
# Documents nest at most 8 containers deep (the core's limit): a preference's members 7
# below it, a primary category's members 6 below the list and the category.
PREFERENCE_DEPTH = CONFIG_DEPTH - 1
CATEGORY_DEPTH = CONFIG_DEPTH - 2

MOMENT_WANTED = "must be an ISO 8601 date and time such as 2020-05-31T18:30:00.000Z, or null"


def moment(field: str, value: Any) -> datetime:
    """An ISO 8601 date or date and time (without a zone: UTC), to the millisecond."""
    parsed = check.moment_text(field, value, wanted=MOMENT_WANTED)
    return parsed.replace(microsecond=parsed.microsecond - parsed.microsecond % 1000)


# What an update may set: the core's statuses, and Closed (see responses.CLOSED).
UPDATE_STATUSES = {**STATUSES, CLOSED: "closed"}
STATUS_WANTED = f"{{field}} must be one of: {', '.join(UPDATE_STATUSES)}"


def _program_status(field: str, value: Any) -> str:
    if not isinstance(value, str) or value not in UPDATE_STATUSES:
        raise Invalid(field, STATUS_WANTED.format(field=field))
    return UPDATE_STATUSES[value]


def status_fields(status: str) -> dict[str, Any]:
    """The core fields of a status change: closing unlists the program and notes when;
    any other status reopens it."""
    if status == "closed":
        return {"status": "unlisted", "closed_at": utcnow()}
    return {"status": status, "closed_at": None}


def _without_nulls(value: Any) -> Any:
    """A list's null items left out: they name nothing (the portal sends
    `target_collection_category: [null]` for "none chosen")."""
    return [item for item in value if item is not None] if isinstance(value, list) else value


def _string_list(field: str, value: Any) -> list[str]:
    return check.string_list(field, _without_nulls(value))


def _no_roles_as_null(field: str, value: Any) -> Any:
    """`[]`, which reference clients send for "no roles yet", is no rolemapping (the
    core checks the rest)."""
    return None if value == [] else value


def _primary_categories(field: str, value: Any) -> Any:
    """A list of primary categories (`{"name": ..., "identifier": ..., ...}`) as the
    reference stores it; their names are derived from it (see `category_names`)."""
    if not isinstance(value, list) or len(value) > lq.MAX_ITEMS:
        raise Invalid(field, f"{field} must be a list of at most {lq.MAX_ITEMS} objects")
    for position, item in enumerate(value):
        where = f"{field}[{position}]"
        if not isinstance(item, Mapping):
            raise Invalid(where, f"{where} must be an object")
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            raise Invalid(f"{where}.name", f"{where}.name must be a string")
        for key, member in item.items():
            _config_value(f"{where}.{key}", member, CATEGORY_DEPTH)
    return check.json_document(field, value)


def _document(field: str, value: Any) -> Any:
    """Any JSON value as a config value may be (see `_config_value`)."""
    _config_value(field, value, CONFIG_DEPTH)
    return check.json_document(field, value)


def category_names(categories: Any) -> list[str] | None:
    """`targetprimarycategorynames` as the reference derives it: the categories' names,
    when categories are given (not empty)."""
    if not categories:
        return None
    return [item["name"] for item in categories if isinstance(item.get("name"), str)]


def _facets(field: str, value: Any) -> Any:
    """Facet values short enough to index, null items left out (the core checks the rest)."""
    value = _without_nulls(value)
    _facet_values(field, value, strings_only=False)
    return value


def _config(field: str, value: Any) -> Any:
    """Config values the API describes: category values short enough to index, other values
    nested at most CONFIG_DEPTH deep with numbers JavaScript holds exactly (the core checks
    that it is an object)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in CONFIG_FACETS:
                _facet_values(f"{field}.{key}", item, strings_only=True)
            else:
                _config_value(f"{field}.{key}", item, CONFIG_DEPTH)
    return value


def _facet_values(path: str, value: Any, *, strings_only: bool) -> None:
    items = value if isinstance(value, list) else [value]
    # null items are kept, as the reference keeps them (`"medium": [null]`), and name nothing
    if strings_only and value is not None and not all(isinstance(item, str) or item is None for item in items):
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


def program_key(field: str, value: Any) -> str:
    """A program_id: text, not blank, at most 255 characters."""
    return check.text(field, value, allow_empty=False, max_length=255)


TEXT = _text()
KEY = _text(255, NOT_BLANK)  # program ids, nominee ids
FACET = _text(FACET_MAX_LENGTH)  # values the core indexes in program_facets
DATE = {"type": "string", "anyOf": [{"format": "date-time"}, {"format": "date"}], "pattern": "^[1-8]"}
COUNT = {"type": "integer", "minimum": 0, "maximum": INT32_MAX}
CONFIG = {
    "type": "object",
    "propertyNames": {"pattern": NO_NUL},
    "properties": {
        key: _nullable({"anyOf": [FACET, {"type": "array", "items": _nullable(FACET)}]}) for key in CONFIG_FACETS
    },
    "additionalProperties": _json(CONFIG_DEPTH),
}

PRIMARY_CATEGORIES = _array(
    {
        "type": "object",
        "propertyNames": {"pattern": NO_NUL},
        "properties": {"name": {"type": "string", "pattern": NO_NUL}},
        "additionalProperties": _json(CATEGORY_DEPTH),
    }
)
OptionalDate = Annotated[datetime | None, rule(moment, **_nullable(DATE))]
# Null items are left out (see `_without_nulls`).
OptionalTexts = Annotated[list[str] | None, rule(_string_list, **_nullable(_array(_nullable(TEXT))))]
PrimaryCategories = Annotated[Any, rule(_primary_categories, **_nullable(PRIMARY_CATEGORIES))]
OptionalText = Annotated[str | None, _documented(_nullable(TEXT))]
OptionalFacets = Annotated[Any, rule(_facets, **_nullable(_array(_nullable(FACET))))]
ProgramKey = Annotated[str, required(program_key, **KEY)]


class _ProgramFields(BaseModel):
    """What create and update both may set (other keys are ignored)."""

    description: Annotated[str | None, _documented(_nullable(_text(check.LONG_TEXT)))] = None
    startdate: OptionalDate = None
    enddate: OptionalDate = None
    nomination_enddate: OptionalDate = None
    shortlisting_enddate: OptionalDate = None
    content_submission_enddate: OptionalDate = None
    content_types: OptionalFacets = None
    target_collection_category: OptionalFacets = None
    targetprimarycategories: PrimaryCategories = None
    targetprimarycategorynames: OptionalTexts = None
    target_type: OptionalText = None
    collection_ids: OptionalTexts = None
    rolemapping: Annotated[
        Any,
        rule(
            _no_roles_as_null,
            anyOf=[_role_mapping_schema(), NULL, {"type": "array", "maxItems": 0}],
        ),
    ] = None
    config: Annotated[Any, rule(_config, **_nullable(CONFIG))] = None
    slug: OptionalText = None
    channel: OptionalText = None
    template_id: OptionalText = None
    guidelines_url: OptionalText = None
    image: OptionalText = None
    rootorg_id: OptionalText = None
    sourcing_org_name: OptionalText = None
    createdby: OptionalText = None
    updatedby: OptionalText = None
    acceptedcontents: OptionalTexts = None
    rejectedcontents: OptionalTexts = None
    sourcingrejectedcomments: Annotated[Any, rule(_document, **_json(CONFIG_DEPTH))] = None

    def fields(self) -> dict[str, Any]:
        """The core fields the request sets, renamed (those it did not send left out);
        primary category names derived from the categories, as the reference does."""
        sent = self.model_fields_set
        fields = {PROGRAM_FIELDS[name]: getattr(self, name) for name in PROGRAM_FIELDS if name in sent}
        if "status" in fields:
            fields.update(status_fields(fields["status"]))
        names = category_names(self.targetprimarycategories)
        if names is not None:
            fields["targetprimarycategorynames"] = names
        return fields


class CreateRequest(_ProgramFields):
    """`POST /create`: a program; it starts as Draft."""

    model_config = ConfigDict(title="SunbirdCreateRequest")

    name: Annotated[str, required(lambda field, value: value, **_text(check.SHORT_TEXT, NOT_BLANK))]
    type: Annotated[str, required(lambda field, value: value, **_enum(*PROGRAM_TYPES))]
    status: Annotated[Any, _documented(_nullable(_enum("Draft")))] = None

    @model_validator(mode="after")
    def _starts_as_draft(self) -> CreateRequest:
        """Once its fields are right: a sentence of its own, not naming the field first."""
        if self.status not in (None, "Draft"):
            raise Invalid("status", "a new program's status is Draft; publish or unlist it afterwards")
        return self

    def fields(self) -> dict[str, Any]:
        fields = super().fields()
        fields["status"] = "draft"
        if fields.get("config") is None:
            fields["config"] = {}
        return fields


class UpdateRequest(_ProgramFields):
    """`POST /update`: the fields to change (config is replaced as a whole)."""

    model_config = ConfigDict(title="SunbirdUpdateRequest")

    program_id: ProgramKey
    name: Annotated[Any, _documented(_text(check.SHORT_TEXT, NOT_BLANK))] = None
    type: Annotated[Any, _documented(_enum(*PROGRAM_TYPES))] = None
    # Null is not a status: refused in the words of any other wrong value.
    status: Annotated[
        Any, Rule(_program_status, _enum(*UPDATE_STATUSES), nullable=False, missing=RULE, missing_message=STATUS_WANTED)
    ] = None


class StatusChangeRequest(BaseModel):
    """`POST /publish`, `/unlist`, `/delete`: the program. `channel` is accepted because
    reference clients send it; programhub copies no collections."""

    model_config = ConfigDict(title="SunbirdStatusChangeRequest")

    program_id: ProgramKey
    channel: Annotated[str | None, rule(lambda field, value: check.text(field, value), **_nullable(TEXT))] = None


# --- nominations ------------------------------------------------------------------------

# At least one of user_id and organisation_id given (not null).
SOME_NOMINEE: JsonDict = {
    "allOf": [{"anyOf": [{"required": [key], "properties": {key: KEY}} for key in ("user_id", "organisation_id")]}]
}
ID = _nullable({"type": "integer", "minimum": 1, "maximum": INT32_MAX})


def _nominee_id(field: str, value: Any) -> str:
    return check.text(field, value, allow_empty=False)


def _nomination_id(field: str, value: Any) -> int:
    return check.whole(field, value, minimum=1)


NomineeId = Annotated[str | None, rule(_nominee_id, **_nullable(KEY))]
NOMINATION_DOCS: dict[str, dict[str, Any]] = {
    "content_types": _nullable(_array(TEXT)),
    "collection_ids": _nullable(_array(TEXT)),
    "feedback": _nullable(_text(check.LONG_TEXT)),
    "rolemapping": _nullable(_role_mapping(KEY, _text(255))),
    "updatedby": _nullable(TEXT),
    "createdby": _nullable(TEXT),
    "status": _enum(*NOMINATION_STATUSES),
}


class _Nominee(BaseModel):
    """The program and the nominee a change applies to (at least one of the ids)."""

    model_config = ConfigDict(json_schema_extra=SOME_NOMINEE)

    program_id: ProgramKey
    user_id: NomineeId = None
    organisation_id: NomineeId = None
    id: Annotated[int | None, rule(_nomination_id, **ID)] = None

    def nominee(self) -> Nominee:
        """The nomination(s) named; Invalid when neither id is given."""
        if self.user_id is None and self.organisation_id is None:
            raise Invalid("user_id", "user_id or organisation_id is required")
        return Nominee(nomination_id=self.id, user_id=self.user_id, organisation_id=self.organisation_id)

    def echo(self) -> dict[str, Any]:
        """What the answer repeats: the program and the ids given."""
        ids = {key: getattr(self, key) for key in ("user_id", "organisation_id") if getattr(self, key) is not None}
        return {"program_id": self.program_id, **ids}


# Nomination fields the core checks (core/nominations/service.py), documented here.
NominationStatus = Annotated[Any, _documented(_enum(*NOMINATION_STATUSES))]
NominationTexts = Annotated[Any, _documented(_nullable(_array(TEXT)))]
Feedback = Annotated[Any, _documented(_nullable(_text(check.LONG_TEXT)))]
NominationRoles = Annotated[Any, _documented(_nullable(_role_mapping(KEY, _text(255))))]
NominationText = Annotated[Any, _documented(_nullable(TEXT))]
NominationRolesOrNone = Annotated[
    Any, rule(_no_roles_as_null, anyOf=[_role_mapping(KEY, _text(255)), NULL, {"type": "array", "maxItems": 0}])
]


class NomineeRequest(_Nominee):
    """`POST /nomination/remove`."""

    model_config = ConfigDict(title="SunbirdNomineeRequest")


class NominationChangeRequest(_Nominee):
    """`POST /nomination/update`: the nominee, and what to change."""

    model_config = ConfigDict(title="SunbirdNominationChangeRequest")

    status: NominationStatus = None
    content_types: NominationTexts = None
    targetprimarycategories: PrimaryCategories = None
    targetprimarycategorynames: NominationTexts = None
    collection_ids: NominationTexts = None
    feedback: Feedback = None
    rolemapping: NominationRolesOrNone = None
    updatedby: NominationText = None

    def changes(self) -> dict[str, Any]:
        changes = {key: getattr(self, key) for key in nominations_service.CHANGEABLE if key in self.model_fields_set}
        names = category_names(self.targetprimarycategories)
        if names is not None:
            changes["targetprimarycategorynames"] = names
        return changes


class NominationAddRequest(BaseModel):
    """`POST /nomination/add`: a nomination of an organisation or a user to a program."""

    model_config = ConfigDict(title="SunbirdNominationAddRequest")

    program_id: ProgramKey
    # Required, as the reference requires it (an organisation's nomination names its admin).
    user_id: Annotated[Any, required(_as_sent, **KEY)]
    organisation_id: Annotated[Any, _documented(_nullable(KEY))] = None
    status: Annotated[Any, required(_as_sent, **_enum(*NOMINATION_STATUSES))]
    content_types: NominationTexts = None
    targetprimarycategories: PrimaryCategories = None
    targetprimarycategorynames: NominationTexts = None
    collection_ids: NominationTexts = None
    feedback: Feedback = None
    rolemapping: NominationRolesOrNone = None
    createdby: NominationText = None
    updatedby: NominationText = None

    def fields(self) -> dict[str, Any]:
        """The nomination's fields as sent (the core checks them), primary category names
        derived from the categories as the reference does."""
        fields = {key: getattr(self, key) for key in NOMINATION_FIELDS if key in self.model_fields_set}
        names = category_names(self.targetprimarycategories)
        if names is not None:
            fields["targetprimarycategorynames"] = names
        return fields


NOMINATION_LIST_FILTERS = ("program_id", "user_id", "organisation_id", "status")
# What /nomination/list may group by (`facets`) and count the values of (`fields` with
# `limit: 0`), as the reference's grouped and aggregated answers.
NOMINATION_FACETS = ("program_id", "user_id", "organisation_id", "status", "createdby", "updatedby")
NOMINATION_AGGREGATES = (
    *NOMINATION_FACETS,
    "content_types",
    "targetprimarycategorynames",
    "collection_ids",
)


def _names_of(allowed: tuple[str, ...], *, empty: bool = False) -> Any:
    """A parser of a list of names from `allowed` (at least one unless `empty`)."""

    def names(field: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or (not value and not empty) or len(value) > lq.MAX_ITEMS:
            raise Invalid(field, f"{field} must be a list of: {', '.join(allowed)}")
        for item in value:
            if item not in allowed:
                raise Invalid(field, f"{field} must be a list of: {', '.join(allowed)}")
        return tuple(dict.fromkeys(value))

    return names


def _nomination_list_filter(field: str, value: Any) -> NominationFilter:
    filters = lq.obj(field, value)
    lq.known_keys(field, filters, NOMINATION_LIST_FILTERS)

    def given(key: str) -> tuple[str, ...] | None:
        value = filters.get(key)
        if value is None:
            return None
        if key == "status":
            return lq.choices(f"{field}.status", value, {s: s for s in NOMINATION_STATUSES})
        return lq.one_or_many(f"{field}.{key}", value)

    return NominationFilter(
        program_uuids=given("program_id"),
        user_ids=given("user_id"),
        organisation_ids=given("organisation_id"),
        statuses=given("status"),
    )


Limit = Annotated[Any, rule(lq.limit, **_nullable(COUNT))]
Offset = Annotated[Any, rule(lq.offset, **_nullable(COUNT))]


class NominationListRequest(BaseModel):
    """`POST /nomination/list`: nominations, most recently changed first."""

    model_config = ConfigDict(title="SunbirdNominationListRequest")

    filters: Annotated[
        Any,
        rule(
            _nomination_list_filter,
            **_nullable(
                _object(
                    {
                        **{key: _nullable(_one_or_many(TEXT)) for key in ("program_id", "user_id", "organisation_id")},
                        "status": _nullable(_one_or_many(_enum(*NOMINATION_STATUSES))),
                    }
                )
            ),
        ),
    ] = None
    limit: Limit = lq.DEFAULT_LIMIT
    offset: Offset = 0
    facets: Annotated[
        tuple[str, ...] | None,
        rule(_names_of(NOMINATION_FACETS), **_nullable(_array(_enum(*NOMINATION_FACETS), minItems=1))),
    ] = None
    fields: Annotated[
        tuple[str, ...] | None,
        rule(_names_of(NOMINATION_AGGREGATES, empty=True), **_nullable(_array(_enum(*NOMINATION_AGGREGATES)))),
    ] = None

    @property
    def aggregate(self) -> bool:
        """`limit: 0` (without facets): counts of the matches and of their field values."""
        return self.facets is None and "limit" in self.model_fields_set and self.limit == 0

    def wanted(self) -> NominationFilter:
        return cast(NominationFilter, self.filters or NominationFilter())

    def page(self) -> Page:
        return Page(limit=self.limit, offset=self.offset)


# --- /list ------------------------------------------------------------------------------

# The nomination filter is one of three shapes (see docs/dialects/sunbird.md).
_EQ = _object({"eq": TEXT}, ("eq",))
_NE = _object({"ne": TEXT}, ("ne",))
_ONE_ID = {"anyOf": [_EQ, TEXT, _array(TEXT, 1, minItems=1)]}
_IDS = {"anyOf": [_EQ, TEXT, _array(TEXT)]}
_NOMINATION_STATUS = _nullable(_one_or_many(_enum(*NOMINATION_STATUSES)))


def _together(given: str, needed: str) -> dict[str, Any]:
    """When `given` is there (not null), `needed` is too."""
    not_null = {"not": {"type": "null"}}
    return {
        "if": {"required": [given], "properties": {given: not_null}},
        "then": {"required": [needed], "properties": {needed: not_null}},
    }


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
PROGRAM_FILTERS: dict[str, Any] = {
    "type": _nullable(_one_or_many(_enum(*PROGRAM_TYPES))),
    "status": _nullable(_one_or_many(_enum(*lq.FILTER_STATUSES))),
    "program_id": _nullable(_one_or_many(TEXT)),
    "name": _nullable(TEXT),
    "nomination_enddate": _nullable(_enum("open", "closed")),
    "content_submission_enddate": _nullable(_enum("open", "closed")),
    **{key: _nullable(_one_or_many(TEXT)) for key in (*lq.FACET_FILTERS, *lq.EXACT_FILTERS)},
}
TENANT_FILTERS = _object(PROGRAM_FILTERS)
LIST_FILTERS = _object(
    {
        **PROGRAM_FILTERS,
        "role": _nullable(_one_or_many(TEXT)),
        "user_id": _nullable(KEY),
        "nomination": _nullable(NOMINATION_FILTER),
    },
    # role and user_id go together (programs where the user holds one of the roles); null is absent
    allOf=[_together("role", "user_id"), _together("user_id", "role")],
)
SORT = {
    "anyOf": [
        _object({key: _enum("asc", "desc", "ASC", "DESC") for key in lq.SORT_FIELDS}),
        _object(
            {key: _array(TEXT) for key in lq.RELEVANCE_KEYS},
            minProperties=1,
            description="Relevance: programs matching more of these values first, then the newest.",
        ),
    ]
}


class ListRequest(BaseModel):
    """`POST /list`: programs, programs not nominated by someone (forms A, D), or
    nominations with their programs (forms B, C, E)."""

    model_config = ConfigDict(title="SunbirdListRequest")

    filters: Annotated[Any, required(lq.parse_filters, **LIST_FILTERS)]
    sort: Annotated[Any, rule(lq.parse_ordering, **_nullable(SORT))] = None
    limit: Limit = lq.DEFAULT_LIMIT
    offset: Offset = 0
    fields: Annotated[Any, rule(lq.parse_fields, **_nullable(_one_or_many(_enum(*LIST_ITEM_KEYS))))] = None
    frameworkCategoryFields: Annotated[
        tuple[str, ...],
        rule(
            lq.parse_categories,
            **_nullable(
                {
                    "anyOf": [
                        {"type": "string", "pattern": lq.CATEGORY_CODE.pattern},
                        _array({"type": "string", "pattern": lq.CATEGORY_CODE.pattern}, max_items=lq.MAX_CATEGORIES),
                    ]
                }
            ),
        ),
    ] = ()

    def query(self) -> lq.ListQuery:
        return lq.list_query(
            cast(lq.Filters, self.filters),
            cast(Ordering | None, self.sort),
            Page(limit=self.limit, offset=self.offset),
            cast(tuple[str, ...] | None, self.fields),
            self.frameworkCategoryFields or (),
        )


def parse_list(request: Mapping[str, Any]) -> lq.ListQuery:
    """A /list `request` as the query it asks for."""
    return parse(ListRequest, request).query()


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` describing `{"params": {"msgid": ...}, "request": <model>}`."""
    schema = {
        "type": "object",
        "required": ["request"],
        "properties": {
            "params": _nullable({"type": "object", "properties": {"msgid": _nullable(_text(255))}}),
            "request": _refs_back(schema_of(model)),
        },
    }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


# --- the reference's other routes ---------------------------------------------------------


def _program_ids(field: str, value: Any) -> tuple[str, ...]:
    return lq.one_or_many(field, value)


class ProgramDownloadFilters(BaseModel):
    program_id: Annotated[tuple[str, ...], required(_program_ids, **_one_or_many(TEXT))]


class ProgramDownloadRequest(BaseModel):
    """`POST /list/download`: the report of the programs named."""

    model_config = ConfigDict(title="SunbirdProgramDownloadRequest")

    filters: Annotated[ProgramDownloadFilters, required(lq.obj)]


class NominationDownloadFilters(BaseModel):
    program_id: Annotated[str, required(program_key, **KEY)]
    program_name: Annotated[str, required(lambda field, value: check.text(field, value), **TEXT)]
    status: Annotated[
        tuple[str, ...],
        required(
            lambda field, value: lq.choices(field, value, {s: s for s in NOMINATION_STATUSES}),
            **_one_or_many(_enum(*NOMINATION_STATUSES)),
        ),
    ]


class NominationDownloadRequest(BaseModel):
    """`POST /nomination/list/download`: a program's nominations as report rows."""

    model_config = ConfigDict(title="SunbirdNominationDownloadRequest")

    filters: Annotated[NominationDownloadFilters, required(lq.obj)]


def _tenant_filters(field: str, value: Any) -> lq.Filters:
    filters = lq.parse_filters(field, value)
    if filters.nomination is not None or filters.role_holder is not None:
        raise Invalid(field, f"{field} takes program filters only")
    return filters


class TenantListRequest(BaseModel):
    """`POST /tenant/list`: program counts per root organisation."""

    model_config = ConfigDict(title="SunbirdTenantListRequest")

    filters: Annotated[Any, rule(_tenant_filters, **_nullable(TENANT_FILTERS))] = None

    def wanted(self) -> lq.Filters:
        return cast(lq.Filters | None, self.filters) or lq.Filters(ProgramFilter())


class ConfigurationSearchRequest(BaseModel):
    """`POST /configuration/search`: one configuration value by key and status."""

    model_config = ConfigDict(title="SunbirdConfigurationSearchRequest")

    key: Annotated[str, required(lambda field, value: check.text(field, value), **TEXT)]
    status: Annotated[
        str,
        required(
            lambda field, value: check.one_of(field, value, ("active", "inactive")), **_enum("active", "inactive")
        ),
    ]


def _preference(field: str, value: Any) -> dict[str, Any]:
    """An object whose values are as a config's may be (see `_config_value`)."""
    preference = lq.obj(field, value)
    for key, member in preference.items():
        _config_value(f"{field}.{key}", member, PREFERENCE_DEPTH)
    return preference


class PreferenceReadRequest(BaseModel):
    """`POST /preference/read`: a user's preferences for a program."""

    model_config = ConfigDict(title="SunbirdPreferenceReadRequest")

    program_id: ProgramKey
    user_id: Annotated[str, required(_nominee_id, **KEY)]


class PreferenceSetRequest(PreferenceReadRequest):
    """`POST /preference/create` and `/preference/update`: the user's preference of one
    kind (`type` "sourcing", or anything else: contributor, as the reference reads it)."""

    model_config = ConfigDict(title="SunbirdPreferenceSetRequest")

    preference: Annotated[
        dict[str, Any],
        required(
            _preference,
            type="object",
            propertyNames={"pattern": NO_NUL},
            additionalProperties=_json(PREFERENCE_DEPTH),
        ),
    ]
    type: Annotated[str | None, rule(lambda field, value: check.text(field, value), **_nullable(TEXT))] = None

    @property
    def kind(self) -> str:
        return "sourcing" if self.type == "sourcing" else "contributor"
