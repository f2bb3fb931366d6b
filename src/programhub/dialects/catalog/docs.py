"""How the Catalog routes describe themselves in /openapi.json. Handlers return plain
dicts; these models and schemas only document the shapes (nothing validates responses at
run time)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from programhub.core.validation import NO_NUL_PATTERN, NOT_BLANK_PATTERN
from programhub.dialects.catalog.accounts import ROOT_KEYS, SETTINGS
from programhub.dialects.catalog.schemas import COURSE, FIELDS, PROGRAM


class Shape(BaseModel):
    """A documented shape: exactly these keys."""

    model_config = ConfigDict(extra="forbid")


TIMESTAMP = r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \+0000$"
Timestamp = Field(pattern=TIMESTAMP, examples=["2025/03/28 13:11:23 +0000"])


class CatalogListingCatalog(Shape):
    id: int
    name: str


class CatalogCanvasCourse(Shape):
    id: int


class CatalogListingFields(Shape):
    id: int
    visibility: str
    enrollment_open: bool
    enrollment_open_from: str | None = Timestamp
    enrollment_open_to: str | None = Timestamp
    enrollment_cap: int | None
    description: str | None
    enrollment_fee: float = Field(description="In the currency's unit: 0, 49.99.")
    created_at: str = Timestamp
    credits: float | None = Field(description="Its own, or else the sum of its requirements' credits.")
    measurement: str
    updated_at: str = Timestamp
    short_description: str | None
    listing_path: str
    listing_image: str | None
    currency: str
    catalog: CatalogListingCatalog
    title: str
    list_order: int | None
    waitlist: bool
    waitlist_cap: int | None
    sku: str | None
    show_free_banner: bool
    image_alt_text: str | None
    allowed_payment_types: list[str]
    tag_names: list[str]
    listing_url: str
    start_date: str | None = Timestamp
    end_date: str | None = Timestamp
    canvas_section_id: int | None
    associated_account_ids: list[int]


class CatalogCourse(CatalogListingFields):
    type: Literal["Course"]
    canvas_course: CatalogCanvasCourse | None


class CatalogProgram(CatalogListingFields):
    type: Literal["Program"]
    sequential: bool
    requirements: list[CatalogProgram | CatalogCourse] = Field(
        description="Ordered; full nested listings to any depth."
    )


class CatalogProgramBody(Shape):
    program: CatalogProgram


class CatalogProgramList(Shape):
    programs: list[CatalogProgram]


class CatalogCourseBody(Shape):
    course: CatalogCourse


class CatalogCourseList(Shape):
    courses: list[CatalogCourse]


class CatalogAccountSettings(Shape):
    privacy_policy_url: str | None
    terms_url: str | None
    currency: str
    supported_payment_types: str
    time_zone: str | None
    country: str | None
    measurement: str
    allow_user_registration: bool
    private_catalog: bool
    show_listings_in_parent: bool


class CatalogAccount(Shape):
    id: int
    name: str
    parent: None
    created_at: str = Timestamp
    updated_at: str = Timestamp
    canvas_domain: str | None
    canvas_id: int | None
    settings: CatalogAccountSettings
    url: str
    measurement: str


class CatalogAccountBody(Shape):
    account: CatalogAccount


class CatalogAccountList(Shape):
    catalogs: list[CatalogAccount]


class CatalogErrorItem(Shape):
    message: str
    field: str | None = Field(default=None, description="The request field at fault, when there is one.")


class CatalogErrors(Shape):
    errors: list[CatalogErrorItem]


class CatalogArchiveFailure(CatalogErrors):
    failed_product_ids: list[int] = Field(default_factory=list, description="When ids failed: those ids.")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Error responses in Catalog's envelope, with their descriptions."""
    text = {
        400: "The body is not valid JSON (or not a readable form).",
        401: "No valid API key.",
        403: "The key's organisation is suspended.",
        404: "No such resource for this key's organisation and mode.",
        409: "The listing is a requirement of other programs.",
        413: "The body is too large.",
        415: "A multipart body (send JSON or a URL-encoded form).",
        422: "A field or parameter is not valid; `field` names it.",
    }
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": CatalogErrors, "description": text[status]} for status in (401, 403, *statuses)
    }
    return responses


LINK = {
    "Link": {"description": "RFC 8288 links to the first, prev, next and last pages.", "schema": {"type": "string"}}
}

# Request schemas say as much as a schema can: a value that fits one is accepted unless it
# names something that does not exist (an unknown catalog or requirement id), clashes
# (a listing path already taken), or breaks a rule between fields (a window out of order).
NO_NUL = NO_NUL_PATTERN
NOT_BLANK = NOT_BLANK_PATTERN  # blank as the core's check means it (not quite regex \s)
INT32 = 2**31 - 1


def _text(max_length: int, *, blank: bool = True) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "pattern": NO_NUL if blank else NOT_BLANK}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _clearable(schema: dict[str, Any]) -> dict[str, Any]:
    """A value, or null or a blank string (how forms clear one)."""
    return {"anyOf": [schema, {"type": "null"}, {"type": "string", "pattern": r"^\s*$"}]}


def _whole(minimum: int, digits: str) -> dict[str, Any]:
    """A whole number from `minimum` to 2**31 - 1, or its digits as text."""
    return {"anyOf": [{"type": "integer", "minimum": minimum, "maximum": INT32}, {"type": "string", "pattern": digits}]}


_TRUTHY = {
    "anyOf": [
        {"type": "boolean"},
        {"type": "integer", "enum": [0, 1]},
        {"type": "string", "enum": ["true", "false", "1", "0", "t", "f", "yes", "no", "on", "off"]},
    ]
}
_COUNT = _whole(0, r"^\d{1,9}(\.0*)?$")
_ID = _whole(1, r"^[1-9]\d{0,8}(\.0*)?$")
_SIGNED = _whole(-INT32, r"^[+-]?\d{1,9}(\.0*)?$")
_MONEY = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 99999999.99, "multipleOf": 0.01},
        {"type": "string", "pattern": r"^\d{1,8}(\.\d{1,2})?$"},
    ]
}
_QUANTITY = {
    "anyOf": [
        {"type": "number", "minimum": 0, "maximum": 99999999, "multipleOf": 0.01},
        {"type": "string", "pattern": r"^\d{1,7}(\.\d{1,2})?$"},
    ]
}
_MOMENT = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
    "description": "ISO 8601 (2025-03-21T13:11:23Z, 2025-03-21); Catalog's own 2025/03/21 13:11:23 +0000 is accepted too.",
}


def _ids(*, at_least_one: bool, unique: bool = False) -> dict[str, Any]:
    items = r"[1-9]\d{0,8}(\s*,\s*[1-9]\d{0,8})*"
    listed: dict[str, Any] = {"type": "array", "items": _ID, "maxItems": 1000, "minItems": 1 if at_least_one else 0}
    if unique:  # as far as a schema can say it: 3 and "3" are one id too
        listed["uniqueItems"] = True
    return {
        "anyOf": [
            listed,
            {
                "type": "string",
                "pattern": f"^\\s*{items}\\s*$" if at_least_one else f"^\\s*({items})?\\s*$",
                "description": "comma-separated ids",
            },
        ]
    }


_STRINGS = {"anyOf": [{"type": "array", "items": _text(2000), "maxItems": 1000}, _text(2000)]}
_LONG = _nullable(_text(100_000))

_FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "title": _text(255, blank=False),
    "description": _LONG,
    "path": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._~-]*$", "maxLength": 255},
    "teaser": _LONG,
    "enrollment_open": _TRUTHY,
    "enrollment_open_from": _clearable(_MOMENT),
    "enrollment_open_to": _clearable(_MOMENT),
    "visibility": {"type": "string", "enum": ["listed", "unlisted"]},
    "enrollment_cap": _clearable(_COUNT),
    "enrollment_fee": _MONEY,
    "allowed_payment_types": _STRINGS,
    "days_to_complete": _clearable(_COUNT),
    "account_id": _ID,
    "list_order": _clearable(_SIGNED),
    "waitlist": _TRUTHY,
    "waitlist_cap": _clearable(_COUNT),
    "listing_image": _LONG,
    "image_alt_text": _LONG,
    "tag_names": _STRINGS,
    "show_free_banner": _TRUTHY,
    "associated_account_ids": _ids(at_least_one=False),
    "start_date": _clearable(_MOMENT),
    "end_date": _clearable(_MOMENT),
    "credits": _clearable(_QUANTITY),
    "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$"},
    "measurement": _text(16, blank=False),
    "sku": _LONG,
    "canvas_section_id": _clearable(_SIGNED),
    "canvas_course_id": _clearable(_SIGNED),
    "sequential": _TRUTHY,
    "requirement_ids": _ids(at_least_one=False, unique=True),
}


def _json_body(schema: dict[str, Any], *, required: bool = True, description: str | None = None) -> dict[str, Any]:
    """openapi_extra declaring a JSON request body."""
    body: dict[str, Any] = {"required": required, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return {"requestBody": body}


FORMS = "A URL-encoded form with Rails names (`{kind}[title]=...&{kind}[tag_names][]=...`) is accepted too."


def listing_request(kind: str, *, create: bool) -> dict[str, Any]:
    """openapi_extra for a create (POST) or update (PUT) body of `kind`."""
    properties = {name: _FIELD_SCHEMAS[name] for name, spec in FIELDS.items() if kind in spec.kinds}
    inner: dict[str, Any] = {"type": "object", "properties": properties}
    if create:
        inner["required"] = ["title"]
    # `{"program": {...}}`, or the fields alone at the top level (as Rails wraps them).
    schema = {
        "anyOf": [
            {"type": "object", "properties": {kind: inner}, "required": [kind]},
            {**inner, "not": {"required": [kind]}},
        ]
    }
    return _json_body(schema, required=create, description=FORMS.format(kind=kind))


ARCHIVE_REQUEST = _json_body(
    {
        "type": "object",
        "required": ["product_action", "product_ids"],
        "properties": {
            "product_action": {"type": "string", "enum": ["archive", "reactivate"]},
            "product_ids": _ids(at_least_one=True),
        },
    }
)

_SETTING_SCHEMAS = {
    name: (
        _TRUTHY
        if isinstance(default, bool)
        else {"type": "string", "pattern": "^[A-Za-z]{3}$"}
        if name == "currency"
        else _nullable(_text(255))
        if default is None  # blank means null
        else _text(255, blank=False)
    )
    for name, (default, _parse) in SETTINGS.items()
}

_ACCOUNT = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": _text(255, blank=False),
        "url": _clearable(
            {
                "type": "string",
                "maxLength": 500,
                "pattern": r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$",
            }
        ),
        "canvas_domain": _nullable(_text(255)),  # blank means null
        "canvas_id": _clearable(_ID),
        "settings": _nullable({"type": "object", "properties": _SETTING_SCHEMAS, "additionalProperties": False}),
    },
}
# `{"account": {...}}`, `{"catalog": {...}}` or the fields alone; `account` wins over `catalog`.
CATALOG_REQUEST = _json_body(
    {
        "anyOf": [
            {"type": "object", "required": [ROOT_KEYS[0]], "properties": {ROOT_KEYS[0]: _ACCOUNT}},
            {
                "type": "object",
                "required": [ROOT_KEYS[1]],
                "properties": {ROOT_KEYS[1]: _ACCOUNT},
                "not": {"required": [ROOT_KEYS[0]]},
            },
            {**_ACCOUNT, "not": {"anyOf": [{"required": [root]} for root in ROOT_KEYS]}},
        ]
    }
)

KIND_MODELS: dict[str, tuple[type[Shape], type[Shape]]] = {
    PROGRAM: (CatalogProgramBody, CatalogProgramList),
    COURSE: (CatalogCourseBody, CatalogCourseList),
}
